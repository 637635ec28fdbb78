package io.rapport.plugin.channel.sms;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.customer.CustomerService;
import io.rapport.api.customer.Identifier;
import io.rapport.api.event.EventPublisher;
import io.rapport.api.event.NewEvent;
import io.rapport.api.message.MessageService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What comes back from the handsets, whichever transport brings it (SMPP deliver_sm or a provider's webhook): a
 * delivery update of a message sent earlier, or an inbound SMS, published as {@value SmsChannel#EVENT_RECEIVED}, whose
 * STOP or START keyword changes the sender's SMS consents. A kernel failure propagates, so that the transport asks the
 * provider to send it again.
 */
final class Inbound {

    private static final Logger LOG = LoggerFactory.getLogger(Inbound.class);
    /** Keywords (trimmed, any case) that withdraw the sender's SMS consents. */
    static final Set<String> STOP_WORDS = Set.of("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT");
    /** Keywords that grant again what STOP withdrew. */
    static final Set<String> START_WORDS = Set.of("START", "UNSTOP");
    static final String CONSENT_SOURCE_STOP = "sms:STOP";
    static final String CONSENT_SOURCE_START = "sms:START";
    static final String IDEMPOTENCY_PREFIX = "sms.mo:";

    private final UUID tenantId;
    /** The tenant whose settings these are, or null for the server-wide ones: receipts match its messages only. */
    private final UUID owner;
    private final MessageService messages;
    private final CustomerService customers;
    private final EventPublisher events;
    private final Clock clock;

    /**
     * @param tenantId the tenant whose customers text this sender, or null when inbound texts are not taken
     * @param owner    the tenant whose own settings the channel runs with, or null for the server-wide settings
     */
    Inbound(UUID tenantId, UUID owner, MessageService messages, CustomerService customers, EventPublisher events, Clock clock) {
        this.tenantId = tenantId;
        this.owner = owner;
        this.messages = messages;
        this.customers = customers;
        this.events = events;
        this.clock = clock;
    }

    /** Records a delivery update of the message the provider knows by this id; one that matches nothing is dropped. */
    void delivery(String providerMessageId, MessageService.Update update) {
        if (messages.reportByProvider(owner, SmsChannel.TYPE, providerMessageId, update).isEmpty()) {
            LOG.debug("A delivery update for {} matches no message (a later part of a long one, or sent elsewhere)", providerMessageId);
        }
    }

    /**
     * An inbound text.
     *
     * @param from           the sender in E.164 form
     * @param to             the number or short code it was sent to
     * @param idempotencyKey what tells a repeat of the same text by the provider, with {@link #IDEMPOTENCY_PREFIX}
     */
    void received(String from, String to, String text, String idempotencyKey) {
        if (tenantId == null) {
            LOG.warn("Dropping an inbound SMS from {} to {}: the SMS channel has no tenant id for inbound messages", from, to);
            return;
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        Identifier phone = Identifier.phone(from);
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(SmsChannel.PROPERTY_TEXT, text);
        properties.put(SmsChannel.PROPERTY_TO, to);
        events.publish(tenantId, SmsChannel.SOURCE, new NewEvent(SmsChannel.EVENT_RECEIVED, List.of(phone), false, now, properties, Map.of(), idempotencyKey));

        String word = text.strip().toUpperCase(Locale.ROOT);
        if (STOP_WORDS.contains(word) || START_WORDS.contains(word)) {
            customers.findByIdentifier(tenantId, phone).ifPresent(c -> keyword(c, STOP_WORDS.contains(word), now));
        }
    }

    /**
     * STOP withdraws marketing and every other purpose the customer granted on SMS (transactional needs no consent);
     * START grants again what an SMS STOP withdrew, or marketing if nothing was. A decision already in place is left
     * alone, so that a repeated keyword changes nothing.
     */
    void keyword(Customer c, boolean stop, OffsetDateTime now) {
        List<String> purposes = new ArrayList<>();
        if (stop) {
            purposes.add(Consent.PURPOSE_MARKETING);
            c.consents().stream().filter(k -> k.channel().equals(SmsChannel.TYPE) && k.status() == ConsentStatus.GRANTED)
                    .map(Consent::purpose).filter(p -> !p.equals(Consent.PURPOSE_TRANSACTIONAL) && !purposes.contains(p)).forEach(purposes::add);
        } else {
            c.consents().stream().filter(k -> k.channel().equals(SmsChannel.TYPE) && k.status() == ConsentStatus.WITHDRAWN
                    && CONSENT_SOURCE_STOP.equals(k.source())).map(Consent::purpose).forEach(purposes::add);
            if (purposes.isEmpty()) {
                purposes.add(Consent.PURPOSE_MARKETING);
            }
        }
        ConsentStatus status = stop ? ConsentStatus.WITHDRAWN : ConsentStatus.GRANTED;
        for (String purpose : purposes) {
            boolean already = c.consents().stream().anyMatch(k -> k.channel().equals(SmsChannel.TYPE) && k.purpose().equals(purpose) && k.status() == status);
            if (!already) {
                customers.setConsent(tenantId, c.id(), new Consent(purpose, SmsChannel.TYPE, status, stop ? CONSENT_SOURCE_STOP : CONSENT_SOURCE_START, now),
                        SmsChannel.SOURCE);
                LOG.info("Customer {} of tenant {} texted {}: {} {} on sms", c.id(), tenantId, stop ? "STOP" : "START", status, purpose);
            }
        }
    }
}

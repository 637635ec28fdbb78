package io.rapport.plugin.channel.sms;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
import org.jsmpp.SMPPConstant;
import org.jsmpp.bean.AlertNotification;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.bean.DeliveryReceipt;
import org.jsmpp.bean.GSMSpecificFeature;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.extra.ProcessRequestException;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.MessageReceiverListener;
import org.jsmpp.session.Session;
import org.jsmpp.util.InvalidDeliveryReceiptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the SMSC sends us (deliver_sm): a delivery receipt becomes a delivery update of the message it names; any other
 * message is an inbound SMS, published as {@value SmsChannel#EVENT_RECEIVED}, and a STOP or START keyword changes the
 * sender's SMS consents. When the kernel cannot take it, the SMSC is answered ESME_RSYSERR and sends it again.
 */
final class Inbound implements MessageReceiverListener {

    private static final Logger LOG = LoggerFactory.getLogger(Inbound.class);
    /** Keywords (trimmed, any case) that withdraw the sender's SMS consents. */
    static final Set<String> STOP_WORDS = Set.of("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT");
    /** Keywords that grant again what STOP withdrew. */
    static final Set<String> START_WORDS = Set.of("START", "UNSTOP");
    static final String CONSENT_SOURCE_STOP = "sms:STOP";
    static final String CONSENT_SOURCE_START = "sms:START";
    static final String IDEMPOTENCY_PREFIX = "sms.mo:";

    private final UUID tenantId;
    private final MessageService messages;
    private final CustomerService customers;
    private final EventPublisher events;
    private final Clock clock;

    Inbound(UUID tenantId, MessageService messages, CustomerService customers, EventPublisher events, Clock clock) {
        this.tenantId = tenantId;
        this.messages = messages;
        this.customers = customers;
        this.events = events;
        this.clock = clock;
    }

    @Override
    public void onAcceptDeliverSm(DeliverSm d) throws ProcessRequestException {
        try {
            if (d.isSmscDeliveryReceipt()) {
                receipt(d);
            } else {
                received(d);
            }
        } catch (RuntimeException e) {
            LOG.warn("Cannot take a deliver_sm from {} now; the SMSC will send it again", d.getSourceAddr(), e);
            throw new ProcessRequestException("not taken now: " + e.getMessage(), SMPPConstant.STAT_ESME_RSYSERR);
        }
    }

    void receipt(DeliverSm d) {
        DeliveryReceipt r;
        try {
            r = d.getShortMessageAsDeliveryReceipt();
        } catch (InvalidDeliveryReceiptException e) {
            LOG.warn("Ignoring an unreadable delivery receipt from {}: {}", d.getSourceAddr(), e.getMessage());
            return;
        }
        MessageService.Delivery delivery = switch (r.getFinalStatus()) {
            case DELIVRD -> MessageService.Delivery.DELIVERED;
            case UNDELIV, EXPIRED, REJECTD, DELETED, UNKNOWN -> MessageService.Delivery.FAILED;
            case ENROUTE, ACCEPTD -> null; // not final: nothing to record yet
        };
        if (delivery == null) {
            return;
        }
        String id = receiptedId(d).orElse(r.getId());
        OffsetDateTime done = r.getDoneDate() == null ? null : r.getDoneDate().toInstant().atOffset(ZoneOffset.UTC);
        String detail = "stat:" + r.getFinalStatus() + " err:" + r.getError();
        if (messages.reportByProvider(SmsChannel.TYPE, id, new MessageService.Update(delivery, detail, null, done)).isEmpty()) {
            LOG.debug("A delivery receipt for {} matches no message (a later part of a long one, or sent elsewhere)", id);
        }
    }

    private static Optional<String> receiptedId(DeliverSm d) {
        OptionalParameter p = d.getOptionalParameter(OptionalParameter.Tag.RECEIPTED_MESSAGE_ID);
        if (p instanceof OptionalParameter.OctetString s && !s.getValueAsString().isBlank()) {
            return Optional.of(s.getValueAsString().strip());
        }
        return Optional.empty();
    }

    void received(DeliverSm d) {
        String from = e164(d.getSourceAddr(), d.getSourceAddrTon());
        if (from == null) {
            LOG.info("Ignoring an inbound SMS from '{}', which is not a phone number", d.getSourceAddr());
            return;
        }
        byte[] raw = d.getShortMessage();
        boolean udhi = GSMSpecificFeature.UDHI.containedIn(d.getEsmClass());
        OptionalParameter payload = d.getOptionalParameter(OptionalParameter.Tag.MESSAGE_PAYLOAD);
        if ((raw == null || raw.length == 0) && payload instanceof OptionalParameter.OctetString p) {
            raw = p.getValue();
        }
        String text = SmsText.decode(d.getDataCoding(), udhi, raw);
        String to = d.getDestAddress() == null ? "" : d.getDestAddress();
        OffsetDateTime now = OffsetDateTime.now(clock);
        Identifier phone = Identifier.phone(from);

        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(SmsChannel.PROPERTY_TEXT, text);
        properties.put(SmsChannel.PROPERTY_TO, to);
        String key = IDEMPOTENCY_PREFIX + digest(from + "|" + to + "|" + d.getSequenceNumber() + "|" + HexFormat.of().formatHex(raw == null ? new byte[0] : raw));
        events.publish(tenantId, SmsChannel.SOURCE, new NewEvent(SmsChannel.EVENT_RECEIVED, List.of(phone), false, now, properties, Map.of(), key));

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

    /** @return the sender as E.164, or null for an alphanumeric or otherwise unusable address */
    static String e164(String address, byte ton) {
        if (address == null) {
            return null;
        }
        String digits = address.strip();
        if (digits.startsWith("+")) {
            digits = digits.substring(1);
        } else if (digits.startsWith("00")) {
            digits = digits.substring(2);
        }
        String candidate = "+" + digits;
        return SmsChannel.E164.matcher(candidate).matches() && (ton == 1 || address.strip().startsWith("+") || address.strip().startsWith("00")
                || digits.length() >= 10) ? candidate : null;
    }

    private static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void onAcceptAlertNotification(AlertNotification alertNotification) {
        // alert_notification (a handset is reachable again) is of no use here
    }

    @Override
    public DataSmResult onAcceptDataSm(DataSm dataSm, Session source) throws ProcessRequestException {
        throw new ProcessRequestException("data_sm is not supported", SMPPConstant.STAT_ESME_RINVCMDID);
    }
}

package io.rapport.plugin.channel.sms;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;

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
 * message is an inbound SMS for {@link Inbound}. When the kernel cannot take it, the SMSC is answered ESME_RSYSERR and
 * sends it again.
 */
final class SmppReceiver implements MessageReceiverListener {

    private static final Logger LOG = LoggerFactory.getLogger(SmppReceiver.class);

    private final Inbound inbound;

    SmppReceiver(Inbound inbound) {
        this.inbound = inbound;
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
        inbound.delivery(id, new MessageService.Update(delivery, detail, null, done));
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
        // SMPP has no message id for a mobile-originated text: a deliver_sm sent again keeps its sequence number
        String key = Inbound.IDEMPOTENCY_PREFIX + digest(from + "|" + to + "|" + d.getSequenceNumber() + "|" + HexFormat.of().formatHex(raw == null ? new byte[0] : raw));
        inbound.received(from, to, text, key);
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

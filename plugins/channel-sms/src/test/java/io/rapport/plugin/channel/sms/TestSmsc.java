package io.rapport.plugin.channel.sms;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

import org.jsmpp.bean.BroadcastSm;
import org.jsmpp.bean.CancelBroadcastSm;
import org.jsmpp.bean.CancelSm;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.QueryBroadcastSm;
import org.jsmpp.bean.QuerySm;
import org.jsmpp.bean.RawDataCoding;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.ReplaceSm;
import org.jsmpp.bean.SubmitMulti;
import org.jsmpp.bean.SubmitSm;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.ProcessRequestException;
import org.jsmpp.session.BindRequest;
import org.jsmpp.session.BroadcastSmResult;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.QueryBroadcastSmResult;
import org.jsmpp.session.QuerySmResult;
import org.jsmpp.session.SMPPServerSession;
import org.jsmpp.session.SMPPServerSessionListener;
import org.jsmpp.session.ServerMessageReceiverListener;
import org.jsmpp.session.Session;
import org.jsmpp.session.SubmitMultiResult;
import org.jsmpp.session.SubmitSmResult;
import org.jsmpp.util.MessageId;

/**
 * A small SMSC on loopback, built on jSMPP's server side: accepts binds, records each submit_sm with the time it arrived,
 * answers with a message id or the command status the test scripts, and sends deliver_sm (receipts, inbound messages).
 * It needs only jSMPP (and SLF4J), so that the bundle's tests, the distribution's system tests and the benchmark share it
 * (this module's {@code test-jar} holds this class alone).
 */
public final class TestSmsc implements AutoCloseable {

    /** esm_class of a deliver_sm that is an SMSC delivery receipt. */
    public static final byte ESM_RECEIPT = 0x04;
    /** data_coding of the SMSC's default alphabet (GSM-7, one septet per octet). */
    public static final byte CODING_GSM7 = 0x00;
    /** data_coding of UCS-2 (UTF-16BE). */
    public static final byte CODING_UCS2 = 0x08;
    static final String GSM7_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    static final String GSM7_EXTENSION = "\f^{}\\[~]|€";
    static final byte[] GSM7_EXTENSION_SEPTETS = {0x0A, 0x14, 0x28, 0x29, 0x2F, 0x3C, 0x3D, 0x3E, 0x40, 0x65};
    static final DateTimeFormatter RECEIPT_DATE = DateTimeFormatter.ofPattern("yyMMddHHmm");

    /** One submit_sm as it arrived, with the id it was answered. */
    public record Submitted(long arrivedNanos, SubmitSm pdu, String messageId) {
        /** @return the short message as text: UCS-2 for data_coding 8, else GSM-7 (a concatenation header is kept) */
        public String text() {
            return pdu.getDataCoding() == CODING_UCS2 ? new String(pdu.getShortMessage(), StandardCharsets.UTF_16BE) : fromGsm7(pdu.getShortMessage());
        }
    }

    /** The port it listens on (loopback and every other interface). */
    public final int port;
    /** Every submit_sm accepted, in order of arrival. */
    public final List<Submitted> accepted = new CopyOnWriteArrayList<>();
    /** submit_sm answered with an error status. */
    public final AtomicInteger refused = new AtomicInteger();
    /** Binds accepted so far. */
    public final AtomicInteger binds = new AtomicInteger();
    private final SMPPServerSessionListener listener;
    private final AtomicInteger submits = new AtomicInteger();
    private final AtomicInteger ids = new AtomicInteger(1000);
    private final Thread acceptor;
    private volatile IntUnaryOperator answer = n -> 0;
    private volatile SMPPServerSession session;
    private volatile boolean closed;

    public TestSmsc() throws IOException {
        // SMPPServerSessionListener(0).getPort() answers 0: take a free port first
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        listener = new SMPPServerSessionListener(port);
        listener.setMessageReceiverListener(new Receiver());
        acceptor = new Thread(this::acceptLoop, "test-smsc-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Makes the n-th submit_sm (from 1) answer {@code status(n)}; 0 accepts it. */
    public void answer(IntUnaryOperator status) {
        this.answer = status;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SMPPServerSession s = listener.accept();
                BindRequest bind = s.waitForBind(5000);
                bind.accept(bind.getSystemId());
                binds.incrementAndGet();
                session = s;
            } catch (Exception e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    /** @return the latest bound session, or null */
    public SMPPServerSession session() {
        return session;
    }

    /** Sends a deliver_sm to the bound client. */
    public void deliver(String from, TypeOfNumber fromTon, String to, byte esmClass, byte dataCoding, byte[] message) throws Exception {
        session.deliverShortMessage("", fromTon, NumberingPlanIndicator.ISDN, from, TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, to,
                new ESMClass(esmClass), (byte) 0, (byte) 0, new RegisteredDelivery(0), new RawDataCoding(dataCoding), message);
    }

    /**
     * Sends the delivery receipt of an accepted submit_sm in the standard text form ({@code id:… stat:… err:…}), from the
     * number it was sent to, to its sender.
     *
     * @param stat DELIVRD, UNDELIV, EXPIRED, REJECTD, …
     */
    public void receipt(Submitted s, String stat, String err) throws Exception {
        String now = ZonedDateTime.now(ZoneOffset.UTC).format(RECEIPT_DATE);
        String text = "id:" + s.messageId() + " sub:001 dlvrd:" + ("DELIVRD".equals(stat) ? "001" : "000") + " submit date:" + now + " done date:" + now
                + " stat:" + stat + " err:" + err + " text:";
        deliver(s.pdu().getDestAddress(), TypeOfNumber.INTERNATIONAL, s.pdu().getSourceAddr(), ESM_RECEIPT, CODING_GSM7,
                text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Sends a text from a handset ({@code from} in E.164, '+' optional) to {@code to}, in GSM-7. */
    public void text(String from, String to, String text) throws Exception {
        deliver(from.startsWith("+") ? from.substring(1) : from, TypeOfNumber.INTERNATIONAL, to, (byte) 0, CODING_GSM7, gsm7(text));
    }

    /** @return the text as unpacked GSM-7 septets (basic and extension tables) */
    public static byte[] gsm7(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (char c : text.toCharArray()) {
            int ext = GSM7_EXTENSION.indexOf(c);
            if (ext >= 0) {
                out.write(0x1B);
                out.write(GSM7_EXTENSION_SEPTETS[ext]);
            } else if (GSM7_BASIC.indexOf(c) >= 0 && c != 0x1B) {
                out.write(GSM7_BASIC.indexOf(c));
            } else {
                throw new IllegalArgumentException("'" + c + "' is not in the GSM 03.38 alphabet");
            }
        }
        return out.toByteArray();
    }

    /** @return unpacked GSM-7 septets as text */
    public static String fromGsm7(byte[] septets) {
        StringBuilder sb = new StringBuilder(septets.length);
        for (int i = 0; i < septets.length; i++) {
            int s = septets[i] & 0x7F;
            if (s == 0x1B && i + 1 < septets.length) {
                int next = septets[++i] & 0x7F;
                char c = ' ';
                for (int k = 0; k < GSM7_EXTENSION_SEPTETS.length; k++) {
                    if (GSM7_EXTENSION_SEPTETS[k] == next) {
                        c = GSM7_EXTENSION.charAt(k);
                    }
                }
                sb.append(c);
            } else if (s != 0x1B) {
                sb.append(GSM7_BASIC.charAt(s));
            }
        }
        return sb.toString();
    }

    /** Drops the client's connection, as an SMSC restart would. */
    public void dropSession() {
        SMPPServerSession s = session;
        session = null;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        dropSession();
        listener.close();
    }

    private final class Receiver implements ServerMessageReceiverListener {
        @Override
        public SubmitSmResult onAcceptSubmitSm(SubmitSm submitSm, SMPPServerSession source) throws ProcessRequestException {
            long now = System.nanoTime();
            int status = answer.applyAsInt(submits.incrementAndGet());
            if (status != 0) {
                refused.incrementAndGet();
                throw new ProcessRequestException("scripted answer", status);
            }
            String id = Integer.toHexString(ids.incrementAndGet());
            accepted.add(new Submitted(now, submitSm, id));
            try {
                return new SubmitSmResult(new MessageId(id), new OptionalParameter[0]);
            } catch (org.jsmpp.PDUStringException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public SubmitMultiResult onAcceptSubmitMulti(SubmitMulti submitMulti, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("not here", 0x03);
        }

        @Override
        public QuerySmResult onAcceptQuerySm(QuerySm querySm, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("not here", 0x03);
        }

        @Override
        public void onAcceptReplaceSm(ReplaceSm replaceSm, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("not here", 0x03);
        }

        @Override
        public void onAcceptCancelSm(CancelSm cancelSm, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("not here", 0x03);
        }

        @Override
        public BroadcastSmResult onAcceptBroadcastSm(BroadcastSm broadcastSm, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("not here", 0x03);
        }

        @Override
        public void onAcceptCancelBroadcastSm(CancelBroadcastSm cancelBroadcastSm, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("not here", 0x03);
        }

        @Override
        public QueryBroadcastSmResult onAcceptQueryBroadcastSm(QueryBroadcastSm queryBroadcastSm, SMPPServerSession source) throws ProcessRequestException {
            throw new ProcessRequestException("not here", 0x03);
        }

        @Override
        public DataSmResult onAcceptDataSm(DataSm dataSm, Session source) throws ProcessRequestException {
            throw new ProcessRequestException("not here", 0x03);
        }
    }
}

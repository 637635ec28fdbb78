package io.rapport.plugin.channel.sms;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.rapport.spi.channel.SendResult;
import org.jsmpp.DefaultPDUReader;
import org.jsmpp.InvalidResponseException;
import org.jsmpp.PDUException;
import org.jsmpp.PDUStringException;
import org.jsmpp.SMPPConstant;
import org.jsmpp.SynchronizedPDUSender;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DataCoding;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.GSMSpecificFeature;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.SMSCDeliveryReceipt;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.extra.ResponseTimeoutException;
import org.jsmpp.extra.SessionState;
import org.jsmpp.session.BindParameter;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.connection.socket.SocketConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMPP transceiver bind to the SMSC: bound in the background at start, bound again after a lost session (backing
 * off from 1 s to 60 s), and bound on demand by a send that finds no session. Every submit_sm goes through the bind's
 * {@link RateLimiter} at the moment it is written to the socket.
 */
final class SmppTransport implements SmsChannel.Transport {

    private static final Logger LOG = LoggerFactory.getLogger(SmppTransport.class);
    static final long MAX_REBIND_DELAY_MS = 60_000;
    /** Throttled parts after the first are tried again within the send, this long apart, so that a message is not cut in two. */
    static final long PART_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final SmsChannel.Settings settings;
    private final SmppReceiver inbound;
    private final RateLimiter limiter;
    private final ScheduledExecutorService binder;
    private final AtomicInteger reference = new AtomicInteger(ThreadLocalRandom.current().nextInt(256));
    private SMPPSession session;
    private long rebindDelayMs = 1000;
    private boolean rebindScheduled;
    private volatile boolean closed;

    SmppTransport(SmsChannel.Settings settings, SmppReceiver inbound) {
        this.settings = settings;
        this.inbound = inbound;
        this.limiter = new RateLimiter(settings.ratePerSecond(), RateLimiter.Ticker.SYSTEM);
        this.binder = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rapport-sms-bind " + settings.host() + ":" + settings.port());
            t.setDaemon(true);
            return t;
        });
        binder.execute(this::rebind);
    }

    @Override
    public SendResult send(String to, String body, SmsText.Split text) {
        long wait = limiter.expectedWaitNanos() + (text.segments() - 1) * limiter.intervalNanos();
        if (wait > settings.timeout().toNanos()) {
            return SendResult.retryLater("over the rate of " + settings.ratePerSecond() + " SMS parts per second on this bind", SmsChannel.THROTTLED_RETRY);
        }
        SMPPSession s;
        try {
            s = session();
        } catch (IOException e) {
            return SendResult.retryLater("cannot bind to the SMSC " + where() + ": " + e.getMessage(), null);
        }
        int total = text.segments();
        int ref = reference.incrementAndGet() & 0xFF;
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        String firstId = null;
        for (int i = 0; i < total; i++) {
            byte[] payload = total == 1 ? text.parts().get(0) : SmsText.withHeader(text.parts().get(i), ref, total, i + 1);
            ESMClass esm = total == 1 ? new ESMClass() : new ESMClass(GSMSpecificFeature.UDHI.value());
            while (true) {
                try {
                    String id = submit(s, to, esm, payload, text.encoding());
                    if (i == 0) {
                        firstId = id;
                    }
                    break;
                } catch (NegativeResponseException e) {
                    int status = e.getCommandStatus();
                    if (i > 0 && isThrottled(status) && System.nanoTime() + PART_RETRY_NANOS < deadline) {
                        LockSupport.parkNanos(PART_RETRY_NANOS);
                        continue;
                    }
                    return refused(status, to, i, total);
                } catch (ResponseTimeoutException e) {
                    return SendResult.retryLater("the SMSC " + where() + " did not answer part " + (i + 1) + " of " + total + " in " + settings.timeout().toSeconds()
                            + " s", null);
                } catch (InvalidResponseException e) {
                    return SendResult.retryLater("the SMSC " + where() + " answered part " + (i + 1) + " of " + total + " wrongly: " + e.getMessage(), null);
                } catch (PDUException e) {
                    return SendResult.rejected("the message cannot be put in a submit_sm: " + e.getMessage());
                } catch (IOException e) {
                    return SendResult.retryLater("the bind to the SMSC " + where() + " failed: " + e.getMessage(), null);
                }
            }
        }
        return SendResult.sent(firstId);
    }

    private String submit(SMPPSession s, String to, ESMClass esm, byte[] payload, SmsText.Encoding encoding) throws PDUException, ResponseTimeoutException,
            InvalidResponseException, NegativeResponseException, IOException {
        SmsChannel.Sender from = settings.sender();
        RegisteredDelivery receipts = new RegisteredDelivery(settings.requestDeliveryReceipts() ? SMSCDeliveryReceipt.SUCCESS_FAILURE : SMSCDeliveryReceipt.DEFAULT);
        return s.submitShortMessage("", TypeOfNumber.valueOf(from.ton()), NumberingPlanIndicator.valueOf(from.npi()), from.address(),
                TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, to.substring(1), esm, (byte) 0, (byte) 1, null, null, receipts, (byte) 0,
                new RawDataCoding(encoding.dataCoding), (byte) 0, payload).getMessageId();
    }

    static boolean isThrottled(int status) {
        return status == SMPPConstant.STAT_ESME_RTHROTTLED || status == SMPPConstant.STAT_ESME_RMSGQFUL;
    }

    private SendResult refused(int status, String to, int part, int total) {
        String what = "the SMSC " + where() + " answered " + statusName(status) + (total > 1 ? " to part " + (part + 1) + " of " + total : "");
        if (isThrottled(status)) {
            return SendResult.retryLater(what, SmsChannel.THROTTLED_RETRY);
        }
        if (status == SMPPConstant.STAT_ESME_RSYSERR || status == SMPPConstant.STAT_ESME_RSUBMITFAIL) {
            return SendResult.retryLater(what, null);
        }
        if (status == SMPPConstant.STAT_ESME_RINVDSTADR || status == SMPPConstant.STAT_ESME_RINVDSTTON || status == SMPPConstant.STAT_ESME_RINVDSTNPI) {
            return SendResult.bounced(what + ": the number " + to + " is not valid");
        }
        return SendResult.rejected(what);
    }

    static String statusName(int status) {
        String name = switch (status) {
            case SMPPConstant.STAT_ESME_RTHROTTLED -> "ESME_RTHROTTLED";
            case SMPPConstant.STAT_ESME_RMSGQFUL -> "ESME_RMSGQFUL";
            case SMPPConstant.STAT_ESME_RSYSERR -> "ESME_RSYSERR";
            case SMPPConstant.STAT_ESME_RSUBMITFAIL -> "ESME_RSUBMITFAIL";
            case SMPPConstant.STAT_ESME_RINVDSTADR -> "ESME_RINVDSTADR";
            case SMPPConstant.STAT_ESME_RINVDSTTON -> "ESME_RINVDSTTON";
            case SMPPConstant.STAT_ESME_RINVDSTNPI -> "ESME_RINVDSTNPI";
            case SMPPConstant.STAT_ESME_RINVSRCADR -> "ESME_RINVSRCADR";
            default -> "command status";
        };
        return name + String.format(" (0x%02X)", status);
    }

    private String where() {
        return settings.host() + ":" + settings.port();
    }

    /** @return the bound session, binding it first if there is none */
    synchronized SMPPSession session() throws IOException {
        if (closed) {
            throw new IOException("the channel is stopping");
        }
        if (session != null && session.getSessionState().isBound()) {
            return session;
        }
        if (session != null) {
            session.unbindAndClose();
            session = null;
        }
        SMPPSession s = new SMPPSession(new LimitedSender(limiter), new DefaultPDUReader(), SocketConnectionFactory.getInstance());
        s.setTransactionTimer(settings.timeout().toMillis());
        s.setEnquireLinkTimer((int) TimeUnit.SECONDS.toMillis(settings.enquireLinkSeconds()));
        s.setMessageReceiverListener(inbound);
        try {
            s.connectAndBind(settings.host(), settings.port(), new BindParameter(BindType.BIND_TRX, settings.systemId(), settings.password(),
                    settings.systemType(), TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, null), settings.timeout().toMillis());
        } catch (IOException e) {
            s.unbindAndClose();
            throw e;
        }
        s.addSessionStateListener((now, before, source) -> {
            if (now == SessionState.CLOSED && !closed) {
                try {
                    binder.execute(() -> lost(s)); // not on jSMPP's thread, which closing a session may wait for
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // stopping
                }
            }
        });
        session = s;
        rebindDelayMs = 1000;
        LOG.info("Bound to the SMSC {} as {}", where(), settings.systemId());
        return s;
    }

    private synchronized void lost(SMPPSession s) {
        if (closed || s != session) {
            return;
        }
        LOG.warn("The bind to the SMSC {} was lost; binding again", where());
        session = null;
        scheduleRebind();
    }

    private synchronized void scheduleRebind() {
        if (closed || rebindScheduled) {
            return;
        }
        rebindScheduled = true;
        binder.schedule(this::rebind, rebindDelayMs, TimeUnit.MILLISECONDS);
        rebindDelayMs = Math.min(MAX_REBIND_DELAY_MS, rebindDelayMs * 2);
    }

    private void rebind() {
        synchronized (this) {
            rebindScheduled = false;
        }
        try {
            session();
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.warn("Cannot bind to the SMSC {}: {}; trying again", where(), e.toString());
                scheduleRebind();
            }
        }
    }

    @Override
    public void close() {
        SMPPSession s;
        synchronized (this) {
            closed = true;
            s = session;
            session = null;
        }
        binder.shutdownNow();
        if (s != null) {
            s.unbindAndClose();
        }
    }

    /** A data_coding octet as is. */
    record RawDataCoding(byte value) implements DataCoding {
        @Override
        public byte toByte() {
            return value;
        }
    }

    /** Writes each submit_sm in its turn of the rate limit, at the moment it goes onto the socket. */
    static final class LimitedSender extends SynchronizedPDUSender {
        private final RateLimiter limiter;

        LimitedSender(RateLimiter limiter) {
            this.limiter = limiter;
        }

        @Override
        public byte[] sendSubmitSm(OutputStream os, int sequenceNumber, String serviceType, TypeOfNumber sourceAddrTon, NumberingPlanIndicator sourceAddrNpi,
                                   String sourceAddr, TypeOfNumber destAddrTon, NumberingPlanIndicator destAddrNpi, String destinationAddr, ESMClass esmClass,
                                   byte protocolId, byte priorityFlag, String scheduleDeliveryTime, String validityPeriod, RegisteredDelivery registeredDelivery,
                                   byte replaceIfPresentFlag, DataCoding dataCoding, byte smDefaultMsgId, byte[] shortMessage, OptionalParameter... optionalParameters)
                throws PDUStringException, IOException {
            try {
                return limiter.run(() -> super.sendSubmitSm(os, sequenceNumber, serviceType, sourceAddrTon, sourceAddrNpi, sourceAddr, destAddrTon, destAddrNpi,
                        destinationAddr, esmClass, protocolId, priorityFlag, scheduleDeliveryTime, validityPeriod, registeredDelivery, replaceIfPresentFlag,
                        dataCoding, smDefaultMsgId, shortMessage, optionalParameters));
            } catch (PDUStringException | IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

package io.rapport.plugin.channel.sms;

import java.io.IOException;
import java.net.ServerSocket;
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
 */
final class TestSmsc implements AutoCloseable {

    /** One submit_sm as it arrived. */
    record Submitted(long arrivedNanos, SubmitSm pdu, String messageId) {
    }

    final int port;
    final List<Submitted> accepted = new CopyOnWriteArrayList<>();
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger binds = new AtomicInteger();
    private final SMPPServerSessionListener listener;
    private final AtomicInteger submits = new AtomicInteger();
    private final AtomicInteger ids = new AtomicInteger(1000);
    private final Thread acceptor;
    private volatile IntUnaryOperator answer = n -> 0;
    private volatile SMPPServerSession session;
    private volatile boolean closed;

    TestSmsc() throws IOException {
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
    void answer(IntUnaryOperator status) {
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

    SMPPServerSession session() {
        return session;
    }

    /** Sends a deliver_sm to the bound client. */
    void deliver(String from, TypeOfNumber fromTon, String to, byte esmClass, byte dataCoding, byte[] message) throws Exception {
        session.deliverShortMessage("", fromTon, NumberingPlanIndicator.ISDN, from, TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, to,
                new ESMClass(esmClass), (byte) 0, (byte) 0, new RegisteredDelivery(0), new SmppTransport.RawDataCoding(dataCoding), message);
    }

    /** Drops the client's connection, as an SMSC restart would. */
    void dropSession() {
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

package io.rapport.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A small SMTP server on loopback that fails on purpose: it speaks enough SMTP (RFC 5321) for Jakarta Mail to deliver,
 * and what it answers comes from a {@link Script} that a test may replace at any time. It can reset a connection before
 * its greeting (a server that refuses connections), answer MAIL FROM or RCPT TO with 421, 451 or 550, and keeps every
 * message it accepted. GreenMail always accepts; this is the peer that does not. It has no dependency beyond the JDK,
 * so system tests use it too.
 */
public final class ScriptedSmtp implements AutoCloseable {

    /** The positive answer to MAIL FROM and RCPT TO. */
    public static final String OK = "250 2.1.0 OK";

    /** What the peer answers. Each method gets the running number (from 1) of that step over every connection so far. */
    public interface Script {
        /** @return whether to greet the n-th connection; false resets it (TCP RST) before any reply */
        default boolean greet(int n) {
            return true;
        }

        /** @return the reply to the n-th MAIL FROM; a 421 reply also closes the connection */
        default String mail(int n) {
            return OK;
        }

        /** @return the reply to the n-th RCPT TO; a 421 reply also closes the connection */
        default String rcpt(int n) {
            return OK;
        }
    }

    /** Accepts everything. */
    public static final Script ACCEPT = new Script() {
    };

    /** Resets every connection: a server that is down. */
    public static final Script REFUSE = new Script() {
        @Override
        public boolean greet(int n) {
            return false;
        }
    };

    /** @return a script that answers every MAIL FROM with this reply, such as "421 4.3.2 shutting down" */
    public static Script mail(String reply) {
        return new Script() {
            @Override
            public String mail(int n) {
                return reply;
            }
        };
    }

    /** @return a script whose answer to the n-th RCPT TO is {@code reply.apply(n)}, such as "451 4.3.0 try later" or "250 OK" */
    public static Script rcpt(IntFunction<String> reply) {
        return new Script() {
            @Override
            public String rcpt(int n) {
                return reply.apply(n);
            }
        };
    }

    private final List<String> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private final AtomicInteger mails = new AtomicInteger();
    private final AtomicInteger rcpts = new AtomicInteger();
    private final ServerSocket server;
    private volatile Script script;

    private ScriptedSmtp(Script script) throws IOException {
        this.script = script;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "scripted-smtp");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a peer on a free loopback port. */
    public static ScriptedSmtp start(Script script) {
        try {
            return new ScriptedSmtp(script);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the script; connections already open follow the new one from their next command. */
    public void script(Script next) {
        this.script = next;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** @return the messages accepted so far (headers and body as received, lines ending in LF), in order */
    public List<String> accepted() {
        return List.copyOf(accepted);
    }

    /** @return connections opened so far, including reset ones */
    public int connections() {
        return connections.get();
    }

    /** @return connections reset before their greeting */
    public int resets() {
        return resets.get();
    }

    /** @return MAIL FROM commands received */
    public int mails() {
        return mails.get();
    }

    /** @return RCPT TO commands received */
    public int rcpts() {
        return rcpts.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "scripted-smtp-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        if (!script.greet(connections.incrementAndGet())) {
            resets.incrementAndGet();
            reset(s);
            return;
        }
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
             OutputStream out = s.getOutputStream()) {
            reply(out, "220 scripted.test ESMTP");
            boolean rcptOk = false;
            for (String line; (line = in.readLine()) != null; ) {
                String cmd = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
                switch (cmd) {
                    case "EHLO", "HELO" -> reply(out, "250 scripted.test");
                    case "MAIL" -> {
                        rcptOk = false;
                        String r = script.mail(mails.incrementAndGet());
                        reply(out, r);
                        if (r.startsWith("421")) {
                            return;
                        }
                    }
                    case "RCPT" -> {
                        String r = script.rcpt(rcpts.incrementAndGet());
                        rcptOk = r.startsWith("2");
                        reply(out, r);
                        if (r.startsWith("421")) {
                            return;
                        }
                    }
                    case "DATA" -> {
                        if (!rcptOk) {
                            reply(out, "554 5.5.1 no valid recipients");
                            continue;
                        }
                        reply(out, "354 go ahead");
                        StringBuilder body = new StringBuilder();
                        for (String d; (d = in.readLine()) != null && !d.equals("."); ) {
                            body.append(d.startsWith("..") ? d.substring(1) : d).append('\n');
                        }
                        accepted.add(body.toString()); // before the answer: whoever got 250 finds the message here
                        reply(out, "250 2.0.0 queued");
                    }
                    case "RSET", "NOOP" -> reply(out, "250 2.0.0 OK");
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.1 not implemented");
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void reset(Socket s) {
        try (s) {
            s.setSoLinger(true, 0);
        } catch (IOException e) {
            // reset anyway
        }
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}

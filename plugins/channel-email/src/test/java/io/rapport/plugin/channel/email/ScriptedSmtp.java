package io.rapport.plugin.channel.email;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A small SMTP server on loopback whose answer to RCPT TO is scripted per connection-independent attempt: it speaks
 * enough SMTP (RFC 5321) for Jakarta Mail to deliver, and counts the messages it accepted. GreenMail always accepts;
 * this is the peer that says 451 or 550.
 */
final class ScriptedSmtp implements AutoCloseable {

    final List<String> accepted = new CopyOnWriteArrayList<>();
    private final ServerSocket server;
    private final AtomicInteger attempts = new AtomicInteger();
    private final IntFunction<String> rcptReply;
    private final Thread acceptor;

    /** @param rcptReply the reply to the n-th RCPT TO (from 1), such as "451 4.3.0 try later" or "250 OK" */
    ScriptedSmtp(IntFunction<String> rcptReply) {
        this.rcptReply = rcptReply;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        acceptor = new Thread(this::accept, "scripted-smtp");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
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
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
             OutputStream out = s.getOutputStream()) {
            reply(out, "220 scripted.test ESMTP");
            boolean rcptOk = false;
            for (String line; (line = in.readLine()) != null; ) {
                String cmd = line.length() >= 4 ? line.substring(0, 4).toUpperCase(java.util.Locale.ROOT) : line.toUpperCase(java.util.Locale.ROOT);
                switch (cmd) {
                    case "EHLO", "HELO" -> reply(out, "250 scripted.test");
                    case "MAIL" -> {
                        rcptOk = false;
                        reply(out, "250 OK");
                    }
                    case "RCPT" -> {
                        String r = rcptReply.apply(attempts.incrementAndGet());
                        rcptOk = r.startsWith("2");
                        reply(out, r);
                    }
                    case "DATA" -> {
                        if (!rcptOk) {
                            reply(out, "554 no valid recipients");
                            continue;
                        }
                        reply(out, "354 go ahead");
                        StringBuilder body = new StringBuilder();
                        for (String d; (d = in.readLine()) != null && !d.equals("."); ) {
                            body.append(d).append('\n');
                        }
                        accepted.add(body.toString());
                        reply(out, "250 queued");
                    }
                    case "RSET", "NOOP" -> reply(out, "250 OK");
                    case "QUIT" -> {
                        reply(out, "221 bye");
                        return;
                    }
                    default -> reply(out, "502 not implemented");
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}

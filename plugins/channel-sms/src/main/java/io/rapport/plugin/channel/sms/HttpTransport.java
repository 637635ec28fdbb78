package io.rapport.plugin.channel.sms;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.rapport.spi.channel.SendResult;

/**
 * Sends through a Twilio-style HTTP API: {@code POST {base}/2010-04-01/Accounts/{sid}/Messages.json} with the form
 * fields To, From, Body and, when configured, StatusCallback, signed in with HTTP Basic (account SID, auth token). 201 with a {@code sid} → sent; 429 →
 * retry after the provider's Retry-After; 5xx or no answer → retry; 400 with error 21211 or 21614 (not a valid or not
 * a mobile number) → bounced; any other 4xx → rejected with the provider's words.
 */
final class HttpTransport implements SmsChannel.Transport {

    static final String MESSAGES_PATH = "/2010-04-01/Accounts/%s/Messages.json";
    static final String FIELD_TO = "To";
    static final String FIELD_FROM = "From";
    static final String FIELD_BODY = "Body";
    /** Where the provider posts the message's status changes; sent only when {@code callbackUrl} is configured. */
    static final String FIELD_STATUS_CALLBACK = "StatusCallback";
    /** Twilio's error codes for a number that is not valid, or cannot receive SMS. */
    static final java.util.Set<Integer> INVALID_NUMBER_CODES = java.util.Set.of(21211, 21614);
    private static final Pattern SID = Pattern.compile("\"sid\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*(\\d+)");
    private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final SmsChannel.Settings settings;
    private final RateLimiter limiter;
    private final HttpClient client;
    private final URI endpoint;
    private final String authorization;

    HttpTransport(SmsChannel.Settings settings, RateLimiter limiter) {
        this.settings = settings;
        this.limiter = limiter;
        this.client = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
        this.endpoint = URI.create(settings.baseUrl() + String.format(MESSAGES_PATH, URLEncoder.encode(settings.accountSid(), StandardCharsets.UTF_8)));
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((settings.accountSid() + ":" + settings.authToken()).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public SendResult send(String to, String message, SmsText.Split text) {
        long wait = limiter.expectedWaitNanos() + (text.segments() - 1) * limiter.intervalNanos();
        if (wait > settings.timeout().toNanos()) {
            return SendResult.retryLater("over the rate of " + settings.ratePerSecond() + " SMS parts per second", SmsChannel.THROTTLED_RETRY);
        }
        // the provider splits the text; each of its parts takes a turn of the rate limit, as over SMPP
        for (int i = 0; i < text.segments(); i++) {
            limiter.run(() -> null);
        }
        Map<String, String> fields = new HashMap<>(Map.of(FIELD_TO, to, FIELD_FROM, settings.sender().display(), FIELD_BODY, message));
        if (settings.callbackUrl() != null) {
            fields.put(FIELD_STATUS_CALLBACK, settings.callbackUrl().toString());
        }
        String body = form(fields);
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(settings.timeout()).header("Authorization", authorization)
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return SendResult.retryLater("the SMS API at " + settings.baseUrl() + " did not answer: " + e, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SendResult.retryLater("interrupted", null);
        }
        return outcome(response.statusCode(), response.headers().firstValue("Retry-After").orElse(null), response.body(), to);
    }

    static SendResult outcome(int status, String retryAfter, String body, String to) {
        String said = "the SMS API answered " + status + describe(body);
        if (status == 200 || status == 201) {
            Matcher m = SID.matcher(body == null ? "" : body);
            return m.find() ? SendResult.sent(m.group(1)) : SendResult.retryLater(said + " without a message sid", null);
        }
        if (status == 429) {
            return SendResult.retryLater(said, retryAfter(retryAfter));
        }
        if (status >= 500 || status == 408) {
            return SendResult.retryLater(said, retryAfter(retryAfter));
        }
        Matcher code = CODE.matcher(body == null ? "" : body);
        if (code.find() && INVALID_NUMBER_CODES.contains(Integer.parseInt(code.group(1)))) {
            return SendResult.bounced(said + ": the number " + to + " is not valid");
        }
        return SendResult.rejected(said);
    }

    private static String describe(String body) {
        if (body == null) {
            return "";
        }
        Matcher code = CODE.matcher(body);
        Matcher message = MESSAGE.matcher(body);
        String c = code.find() ? " error " + code.group(1) : "";
        String m = message.find() ? ": " + message.group(1).replace("\\\"", "\"") : "";
        return c + m;
    }

    /** @return the Retry-After header's delay in seconds (its date form is not used by these APIs), or the default throttling delay */
    static Duration retryAfter(String header) {
        if (header != null) {
            try {
                return Duration.ofSeconds(Math.max(1, Long.parseLong(header.strip())));
            } catch (NumberFormatException e) {
                // a date: fall through
            }
        }
        return SmsChannel.THROTTLED_RETRY;
    }

    static String form(Map<String, String> fields) {
        return fields.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    @Override
    public void close() {
        // HttpClient of Java 17 has no close; its threads end when it is no longer referenced
    }
}

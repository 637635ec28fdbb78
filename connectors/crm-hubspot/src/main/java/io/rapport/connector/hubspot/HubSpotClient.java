package io.rapport.connector.hubspot;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads contacts from HubSpot's CRM v3 API with a private app's access token ({@code Authorization: Bearer}), with the
 * JDK's HTTP client only.
 *
 * <ul>
 *   <li>{@link #all}: every contact that is not archived, through {@code GET /crm/v3/objects/contacts}, paging with
 *       {@code paging.next.after}.</li>
 *   <li>{@link #modifiedSince}: the contacts whose {@code lastmodifieddate} is at or after a time, oldest change first,
 *       through {@code POST /crm/v3/objects/contacts/search}. A search query gives at most 10,000 results; past them
 *       the query is started again from the last change seen, skipping the contacts of that instant already read,
 *       and when more than a whole query's worth of contacts share one instant, they are read by id.</li>
 * </ul>
 *
 * <p>Requests are spaced to stay within HubSpot's limits (at most {@link Settings#requestsPerSecond} requests a
 * second, and {@link Settings#searchesPerSecond} searches). A 429 answer is waited out ({@code Retry-After}, or a
 * growing pause) and the request sent again; a 5xx answer or a network failure is retried a few times; 401 and 403
 * fail at once with the reason. Every wait is bounded and ends early, with {@link InterruptedException}, when the
 * thread is interrupted. One client is used by one thread at a time.
 */
public final class HubSpotClient {

    /** Where HubSpot's API is. */
    public static final String DEFAULT_BASE_URL = "https://api.hubapi.com";
    static final String CONTACTS_PATH = "/crm/v3/objects/contacts";
    static final String SEARCH_PATH = CONTACTS_PATH + "/search";
    /** Contact properties this client reads and filters on (HubSpot's internal names). */
    public static final String PROPERTY_ID = "hs_object_id";
    public static final String PROPERTY_LAST_MODIFIED = "lastmodifieddate";
    /** The most a list page holds (HubSpot: 100); search pages are asked for the same. */
    static final int PAGE_SIZE = 100;
    /** HubSpot's search API returns at most this many results for one query. */
    static final int SEARCH_RESULT_CAP = 10_000;
    /** Longest wait after a 429 or a failure, whatever HubSpot asks. */
    static final Duration MAX_WAIT = Duration.ofSeconds(60);
    /** How many 429 answers in a row one request survives. */
    static final int MAX_RATE_LIMITED = 8;
    /** How many 5xx answers or network failures in a row one request survives. */
    static final int MAX_FAILURES = 3;

    /** Waits; replaced in tests to record the waits instead of spending them. */
    @FunctionalInterface
    public interface Waiter {
        void pause(Duration d) throws InterruptedException;

        Waiter SLEEP = d -> TimeUnit.NANOSECONDS.sleep(d.toNanos());
    }

    /**
     * How to reach HubSpot.
     *
     * @param baseUrl           the API's root, such as {@value #DEFAULT_BASE_URL}
     * @param token             the private app's access token
     * @param requestsPerSecond the most requests of any kind a second (HubSpot's smallest burst limit is 100 per 10 s)
     * @param searchesPerSecond the most search requests a second (HubSpot: about 5 a second per account)
     * @param timeout           for connecting and for each answer
     * @param searchResultCap   the most results one search query gives (HubSpot: 10,000; smaller in tests)
     * @param waiter            how to wait
     */
    public record Settings(URI baseUrl, String token, int requestsPerSecond, int searchesPerSecond, Duration timeout, int searchResultCap,
                           Waiter waiter) {
        public Settings {
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(token, "token");
            if (requestsPerSecond < 1 || searchesPerSecond < 1) {
                throw new IllegalArgumentException("the request rates are at least 1 a second");
            }
            if (searchResultCap < PAGE_SIZE) {
                throw new IllegalArgumentException("the search result cap is at least one page");
            }
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(waiter, "waiter");
        }

        /** HubSpot's own limits, with some room. */
        public static Settings of(URI baseUrl, String token) {
            return new Settings(baseUrl, token, 9, 4, Duration.ofSeconds(30), SEARCH_RESULT_CAP, Waiter.SLEEP);
        }

        @Override
        public String toString() {
            return "Settings[" + baseUrl + "]"; // never the token
        }
    }

    /**
     * A contact as HubSpot gives it.
     *
     * @param id           HubSpot's record id
     * @param properties   the properties asked for; a property without a value is absent
     * @param lastModified {@code lastmodifieddate} in milliseconds since the epoch, or null when HubSpot gave none
     */
    public record Contact(String id, Map<String, String> properties, Long lastModified) {
        public Contact {
            properties = Map.copyOf(properties);
        }
    }

    /** One page of a list or a search: its contacts and the {@code after} of the next page, null on the last. */
    record Page(List<Contact> results, String after) {
    }

    /** Contacts page by page. */
    public interface Reader {
        /** @return the next contacts (possibly none), or null when there are no more */
        List<Contact> next() throws HubSpotException, InterruptedException;
    }

    private final Settings settings;
    private final HttpClient http;
    private final Pacer requests;
    private final Pacer searches;

    public HubSpotClient(Settings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        this.requests = new Pacer(settings.requestsPerSecond());
        this.searches = new Pacer(settings.searchesPerSecond());
    }

    /** @return every contact that is not archived, in HubSpot's order, with these properties */
    public Reader all(List<String> properties) {
        return new Reader() {
            private String after;
            private boolean done;

            @Override
            public List<Contact> next() throws HubSpotException, InterruptedException {
                if (done) {
                    return null;
                }
                Page page = list(after, properties);
                after = page.after();
                done = after == null;
                return page.results();
            }
        };
    }

    /** @return the contacts changed at or after {@code sinceMillis}, oldest change first, with these properties */
    public Reader modifiedSince(long sinceMillis, List<String> properties) {
        return new ChangeReader(sinceMillis, properties);
    }

    /** {@code GET /crm/v3/objects/contacts}: one page of the contacts that are not archived. */
    Page list(String after, List<String> properties) throws HubSpotException, InterruptedException {
        StringBuilder query = new StringBuilder("?limit=").append(PAGE_SIZE).append("&archived=false");
        if (!properties.isEmpty()) {
            query.append("&properties=").append(encode(String.join(",", properties)));
        }
        if (after != null) {
            query.append("&after=").append(encode(after));
        }
        HttpRequest request = request(CONTACTS_PATH + query).GET().build();
        return page(send(request, false));
    }

    /** {@code POST /crm/v3/objects/contacts/search}: one page of a search. */
    Page search(Map<String, Object> body) throws HubSpotException, InterruptedException {
        HttpRequest request = request(SEARCH_PATH).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8)).build();
        return page(send(request, true));
    }

    /**
     * The body of a contact search (HubSpot's {@code PublicObjectSearchRequest}): the filters (ANDed in one filter
     * group), one sort, ascending, the properties, a page of {@link #PAGE_SIZE}, and where the page starts.
     */
    static Map<String, Object> searchBody(List<Map<String, Object>> filters, String sortBy, List<String> properties, String after) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("filterGroups", List.of(Map.of("filters", filters)));
        Map<String, Object> sort = new LinkedHashMap<>();
        sort.put("propertyName", sortBy);
        sort.put("direction", "ASCENDING");
        body.put("sorts", List.of(sort));
        body.put("properties", properties);
        body.put("limit", PAGE_SIZE);
        if (after != null) {
            body.put("after", after);
        }
        return body;
    }

    static Map<String, Object> filter(String property, String operator, String value) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("propertyName", property);
        f.put("operator", operator);
        f.put("value", value);
        return f;
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        String base = settings.baseUrl().toString().replaceAll("/+$", "");
        return HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(settings.timeout())
                .header("Authorization", "Bearer " + settings.token())
                .header("Accept", "application/json")
                .header("User-Agent", "Rapport-HubSpot/1");
    }

    /** Sends a request within the limits, waiting out 429s and retrying 5xx answers; returns the parsed 2xx body. */
    private Object send(HttpRequest request, boolean search) throws HubSpotException, InterruptedException {
        int rateLimited = 0;
        int failures = 0;
        while (true) {
            if (search) {
                searches.await();
            }
            requests.await();
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (HttpTimeoutException e) {
                failures++;
                if (failures > MAX_FAILURES) {
                    throw new HubSpotException("HubSpot did not answer within " + settings.timeout().toSeconds() + " s, " + failures + " times in a row ("
                            + request.method() + " " + request.uri().getPath() + ")", e);
                }
                pause(backoff(failures));
                continue;
            } catch (IOException e) {
                failures++;
                if (failures > MAX_FAILURES) {
                    throw new HubSpotException("cannot reach HubSpot at " + settings.baseUrl() + ": " + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
                }
                pause(backoff(failures));
                continue;
            }
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                try {
                    return Json.parse(response.body());
                } catch (IllegalArgumentException e) {
                    throw new HubSpotException("HubSpot's answer to " + request.method() + " " + request.uri().getPath() + " is not JSON: " + e.getMessage());
                }
            }
            String said = message(response.body());
            if (status == 401) {
                throw new HubSpotException("HubSpot refused the access token (401 Unauthorized): check the private app's access token in the settings"
                        + said);
            }
            if (status == 403) {
                throw new HubSpotException("HubSpot refused access to contacts (403 Forbidden): the private app's token needs the scope "
                        + "crm.objects.contacts.read" + said);
            }
            if (status == 429) {
                if ("DAILY".equals(Json.string(parseQuietly(response.body()), "policyName"))) {
                    throw new HubSpotException("HubSpot's daily API limit for this account is used up (429); the next sync tries again" + said);
                }
                rateLimited++;
                if (rateLimited > MAX_RATE_LIMITED) {
                    throw new HubSpotException("HubSpot kept answering 429 Too Many Requests, " + rateLimited + " times in a row" + said);
                }
                pause(retryAfter(response).orElse(backoff(rateLimited)));
                continue;
            }
            if (status >= 500) {
                failures++;
                if (failures > MAX_FAILURES) {
                    throw new HubSpotException("HubSpot answered " + status + " to " + request.method() + " " + request.uri().getPath() + ", " + failures
                            + " times in a row" + said);
                }
                pause(backoff(failures));
                continue;
            }
            throw new HubSpotException("HubSpot answered " + status + " to " + request.method() + " " + request.uri().getPath() + said);
        }
    }

    private void pause(Duration d) throws InterruptedException {
        Duration bounded = d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
        if (!bounded.isNegative() && !bounded.isZero()) {
            settings.waiter().pause(bounded);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /** 1 s, 2 s, 4 s, ... up to {@link #MAX_WAIT}. */
    static Duration backoff(int attempt) {
        return Duration.ofSeconds(1L << Math.min(6, Math.max(0, attempt - 1)));
    }

    /** {@code Retry-After} in seconds (or as an HTTP date, which HubSpot does not send but HTTP allows). */
    static java.util.Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(String::strip).flatMap(v -> {
            try {
                return java.util.Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v))));
            } catch (NumberFormatException e) {
                try {
                    Instant at = java.time.ZonedDateTime.parse(v, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                    Duration d = Duration.between(Instant.now(), at);
                    return java.util.Optional.of(d.isNegative() ? Duration.ZERO : d);
                } catch (DateTimeParseException x) {
                    return java.util.Optional.empty();
                }
            }
        });
    }

    /** HubSpot's error body ({@code status}, {@code message}, {@code correlationId}) as ": message (correlation id …)". */
    private static String message(String body) {
        Object json = parseQuietly(body);
        String message = Json.string(json, "message");
        if (message == null) {
            return "";
        }
        String correlation = Json.string(json, "correlationId");
        return ": " + message + (correlation == null ? "" : " (correlation id " + correlation + ")");
    }

    private static Object parseQuietly(String body) {
        try {
            return body == null || body.isBlank() ? null : Json.parse(body);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Page page(Object json) throws HubSpotException {
        if (!(json instanceof Map<?, ?>)) {
            throw new HubSpotException("HubSpot's answer is not a page of contacts");
        }
        List<Contact> contacts = new ArrayList<>();
        for (Object r : Json.array(json, "results")) {
            contacts.add(contact(r));
        }
        String after = Json.string(Json.object(Json.object(json, "paging"), "next"), "after");
        return new Page(contacts, after == null || after.isEmpty() ? null : after);
    }

    private static Contact contact(Object r) throws HubSpotException {
        String id = Json.string(r, "id");
        Map<String, String> properties = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : Json.object(r, "properties").entrySet()) {
            String v = Json.text(e.getValue());
            if (v != null && !v.isBlank()) {
                properties.put(e.getKey(), v.strip());
            }
        }
        if (id == null || id.isBlank()) {
            id = properties.get(PROPERTY_ID);
        }
        String modified = properties.get(PROPERTY_LAST_MODIFIED);
        if (modified == null) {
            modified = Json.string(r, "updatedAt");
        }
        Long lastModified;
        try {
            lastModified = modified == null ? null : millis(modified);
        } catch (IllegalArgumentException e) {
            throw new HubSpotException("HubSpot gave contact " + id + " a last-modified date that is not a date: '" + modified + "'");
        }
        return new Contact(id == null || id.isBlank() ? null : id.strip(), properties, lastModified);
    }

    /** A HubSpot date-time: ISO 8601 ({@code 2024-05-01T10:15:30.123Z}) or milliseconds since the epoch. */
    static long millis(String value) {
        String v = value.strip();
        if (v.matches("-?[0-9]{1,15}")) {
            return Long.parseLong(v);
        }
        try {
            return Instant.parse(v).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(v).toInstant().toEpochMilli();
            } catch (DateTimeParseException x) {
                throw new IllegalArgumentException("not a date-time: " + v);
            }
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * Reads the contacts changed since a time with search queries sorted by {@code lastmodifieddate}. A query is
     * started again, from the last change read, before it would page past the search cap; the contacts of that
     * instant already read are skipped in the new query. When a whole query's worth of contacts share one instant (the
     * new query would start where the last one did), that instant is read on its own, sorted by id, before going on
     * after it.
     */
    private final class ChangeReader implements Reader {
        private final List<String> properties;
        /** The time the current query starts at, and whether at it (GTE) or after it (GT). */
        private long from;
        private boolean inclusive = true;
        /** Reading one instant by id: its time, the id the current query starts after, and the highest id read. */
        private Long tieAt;
        private Long tieAfterId;
        private Long tieLastId;
        private String after;
        private int fetched;
        private boolean done;
        /** The last change read, and the ids read with that exact time. */
        private Long last;
        private final Set<String> idsAtLast = new HashSet<>();
        /** Contacts at {@code skipAt} with these ids were read by an earlier query. */
        private Long skipAt;
        private Set<String> skip = Set.of();

        ChangeReader(long since, List<String> properties) {
            this.from = since;
            List<String> p = new ArrayList<>(properties);
            if (!p.contains(PROPERTY_LAST_MODIFIED)) {
                p.add(PROPERTY_LAST_MODIFIED);
            }
            this.properties = List.copyOf(p);
        }

        @Override
        public List<Contact> next() throws HubSpotException, InterruptedException {
            while (!done) {
                if (fetched + PAGE_SIZE > settings.searchResultCap()) {
                    restart();
                }
                Page page = search(body());
                fetched += page.results().size();
                List<Contact> out = new ArrayList<>();
                for (Contact c : page.results()) {
                    if (tieAt != null) {
                        passed(c); // read now or before: either way behind the next query's id floor
                    }
                    if (c.lastModified() != null && c.lastModified().equals(skipAt) && skip.contains(c.id())) {
                        continue;
                    }
                    out.add(c);
                    track(c);
                }
                after = page.after();
                if (after == null) {
                    if (tieAt != null) {
                        // that instant is read: go on after it
                        from = tieAt;
                        inclusive = false;
                        tieAt = null;
                        tieAfterId = null;
                        tieLastId = null;
                        skip = Set.of();
                        skipAt = null;
                        fetched = 0;
                    } else {
                        done = true;
                    }
                }
                if (!out.isEmpty()) {
                    return out;
                }
            }
            return null;
        }

        private Map<String, Object> body() {
            if (tieAt != null) {
                List<Map<String, Object>> filters = new ArrayList<>();
                filters.add(filter(PROPERTY_LAST_MODIFIED, "EQ", Long.toString(tieAt)));
                if (tieAfterId != null) {
                    filters.add(filter(PROPERTY_ID, "GT", Long.toString(tieAfterId)));
                }
                return searchBody(filters, PROPERTY_ID, properties, after);
            }
            return searchBody(List.of(filter(PROPERTY_LAST_MODIFIED, inclusive ? "GTE" : "GT", Long.toString(from))), PROPERTY_LAST_MODIFIED, properties,
                    after);
        }

        private void passed(Contact c) {
            try {
                long id = Long.parseLong(c.id());
                tieLastId = tieLastId == null ? id : Math.max(tieLastId, id);
            } catch (NumberFormatException e) {
                // HubSpot's ids are numbers; one that is not cannot move the id floor
            }
        }

        private void track(Contact c) {
            if (tieAt != null || c.lastModified() == null) {
                return;
            }
            if (!c.lastModified().equals(last)) {
                last = c.lastModified();
                idsAtLast.clear();
            }
            idsAtLast.add(c.id());
        }

        /** Starts a new query where the current one would pass the cap. */
        private void restart() throws HubSpotException {
            after = null;
            fetched = 0;
            if (tieAt != null) {
                if (tieLastId == null || tieLastId.equals(tieAfterId)) {
                    // only if ids were not numbers: better to stop than to read the same page for ever
                    throw new HubSpotException("HubSpot's search does not move on past the contacts changed at " + Instant.ofEpochMilli(tieAt));
                }
                tieAfterId = tieLastId; // sorted by id: everything up to it is read
                return;
            }
            if (last == null || (last == from && inclusive)) {
                // a whole query of one instant: read it by id, skipping the ones already read
                tieAt = last == null ? from : last;
                tieAfterId = null;
                tieLastId = null;
                skipAt = tieAt;
                skip = Set.copyOf(idsAtLast);
                return;
            }
            from = last;
            inclusive = true;
            skipAt = last;
            skip = Set.copyOf(idsAtLast);
        }
    }

    /** Spaces requests at least {@code 1 s / perSecond} apart. */
    private final class Pacer {
        private final long intervalNanos;
        private long next = Long.MIN_VALUE;

        Pacer(int perSecond) {
            this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        }

        void await() throws InterruptedException {
            long now = System.nanoTime();
            if (next != Long.MIN_VALUE && next - now > 0) {
                settings.waiter().pause(Duration.ofNanos(next - now));
                now = System.nanoTime();
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            next = now + intervalNanos;
        }
    }
}

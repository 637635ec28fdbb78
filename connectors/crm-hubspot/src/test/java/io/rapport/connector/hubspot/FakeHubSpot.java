package io.rapport.connector.hubspot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * HubSpot's contacts API as far as the connector uses it, on loopback, with the request and response shapes of
 * HubSpot's documentation: {@code GET /crm/v3/objects/contacts} (limit at most 100, {@code after} the next id,
 * {@code properties}, {@code archived}) and {@code POST /crm/v3/objects/contacts/search} (filter groups ORed, filters
 * ANDed with EQ/NEQ/GT/GTE/LT/LTE, one sort, limit at most 200, {@code after} an offset, {@code total}, 400 once a query
 * pages past its cap, archived contacts never found). Contacts whose last change is the same instant come back in an
 * order that is not their ids', as HubSpot promises no order among equals. A wrong token gets 401; 429 with
 * {@code Retry-After} and 5xx answers can be asked for.
 */
public final class FakeHubSpot implements AutoCloseable {

    public static final String TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555";
    /** When the generated contacts were last changed, at the earliest. */
    static final long BASE = Instant.parse("2024-03-01T09:00:00Z").toEpochMilli();
    static final List<String> DEFAULT_PROPERTIES = List.of("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname");

    /** A stored contact. */
    static final class Stored {
        final long id;
        final Map<String, String> properties = new TreeMap<>();
        long lastModified;
        boolean archived;

        Stored(long id) {
            this.id = id;
        }
    }

    /** A request as it came. */
    record Request(String method, String path, String query, String authorization, String body) {
    }

    private final HttpServer server;
    private final TreeMap<Long, Stored> contacts = new TreeMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile int searchCap = HubSpotClient.SEARCH_RESULT_CAP;
    private volatile int rateLimitEvery;
    private volatile String retryAfter = "1";
    private final AtomicInteger served = new AtomicInteger();
    private final AtomicInteger rateLimited = new AtomicInteger();
    private final AtomicInteger failing = new AtomicInteger();
    private volatile int failStatus;

    private FakeHubSpot() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public static FakeHubSpot start() {
        try {
            return new FakeHubSpot();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * Adds contacts 1 to {@code n}: three at a time share a last change (one second apart from the next three); every
     * tenth has no e-mail address, half of those no phone either; every fiftieth is archived.
     */
    public FakeHubSpot generate(int n) {
        for (long i = 1; i <= n; i++) {
            Stored c = new Stored(i);
            if (i % 10 != 0) {
                c.properties.put("email", "contact" + i + "@example.com");
            }
            if (i % 3 == 0 || i % 20 == 0) {
                c.properties.put("phone", "+44 7911 1" + String.format("%05d", i));
            }
            if (i % 5 == 0) {
                c.properties.put("mobilephone", "+44 7912 1" + String.format("%05d", i));
            }
            c.properties.put("firstname", "First" + i);
            c.properties.put("lastname", "Last" + i);
            if (i % 4 == 0) {
                c.properties.put("hs_language", "en-us");
            }
            c.properties.put("lifecyclestage", List.of("subscriber", "lead", "customer").get((int) (i % 3)));
            if (i % 2 == 0) {
                c.properties.put("hubspot_owner_id", Long.toString(1000 + i % 5));
            }
            c.properties.put("createdate", Instant.ofEpochMilli(BASE - (n - i) * 60_000L - 123).toString());
            c.properties.put("score", Long.toString(i % 7));
            c.lastModified = BASE + (i - 1) / 3 * 1000;
            c.archived = i % 50 == 0;
            put(c);
        }
        return this;
    }

    synchronized void put(Stored c) {
        c.properties.put("hs_object_id", Long.toString(c.id));
        contacts.put(c.id, c);
    }

    /** Changes contacts' last change, as an edit in HubSpot would. */
    synchronized void touch(long at, long... ids) {
        for (long id : ids) {
            contacts.get(id).lastModified = at;
        }
    }

    synchronized int activeCount() {
        return (int) contacts.values().stream().filter(c -> !c.archived).count();
    }

    synchronized List<Long> activeIds() {
        return contacts.values().stream().filter(c -> !c.archived).map(c -> c.id).toList();
    }

    /** The most results one search query gives (HubSpot: 10,000). */
    void searchCap(int cap) {
        this.searchCap = cap;
    }

    /** Every {@code n}th request answers 429 with this {@code Retry-After} (null: without one); 0: none. */
    void rateLimitEvery(int n, String retryAfterSeconds) {
        this.retryAfter = retryAfterSeconds;
        this.rateLimitEvery = n;
    }

    /** The next {@code times} requests answer {@code status}. */
    void failNext(int status, int times) {
        this.failStatus = status;
        this.failing.set(times);
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    int rateLimited() {
        return rateLimited.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String body;
            try (InputStream in = ex.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            URI uri = ex.getRequestURI();
            requests.add(new Request(ex.getRequestMethod(), uri.getPath(), uri.getRawQuery(), auth, body));
            if (!("Bearer " + TOKEN).equals(auth)) {
                error(ex, 401, "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at "
                        + "https://developers.hubspot.com/docs/methods/auth/oauth-overview", "INVALID_AUTHENTICATION");
                return;
            }
            int n = served.incrementAndGet();
            if (rateLimitEvery > 0 && n % rateLimitEvery == 0) {
                rateLimited.incrementAndGet();
                if (retryAfter != null) {
                    ex.getResponseHeaders().set("Retry-After", retryAfter);
                }
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("status", "error");
                e.put("message", "You have reached your secondly limit.");
                e.put("errorType", "RATE_LIMIT");
                e.put("correlationId", "c0ffee00-0000-0000-0000-" + String.format("%012d", n));
                e.put("policyName", "SECONDLY");
                send(ex, 429, e);
                return;
            }
            if (failing.getAndUpdate(f -> Math.max(0, f - 1)) > 0) {
                error(ex, failStatus, "internal error", "INTERNAL_ERROR");
                return;
            }
            if (ex.getRequestMethod().equals("GET") && uri.getPath().equals(HubSpotClient.CONTACTS_PATH)) {
                list(ex, query(uri.getRawQuery()));
            } else if (ex.getRequestMethod().equals("POST") && uri.getPath().equals(HubSpotClient.SEARCH_PATH)) {
                search(ex, Json.parse(body));
            } else {
                error(ex, 404, "not found", "OBJECT_NOT_FOUND");
            }
        } catch (RuntimeException e) {
            error(ex, 500, e.toString(), "INTERNAL_ERROR");
        }
    }

    private synchronized void list(HttpExchange ex, Map<String, String> q) throws IOException {
        int limit = Integer.parseInt(q.getOrDefault("limit", "10"));
        if (limit < 1 || limit > 100) {
            error(ex, 400, "limit must be between 1 and 100", "VALIDATION_ERROR");
            return;
        }
        boolean archived = Boolean.parseBoolean(q.getOrDefault("archived", "false"));
        List<String> props = q.containsKey("properties") ? List.of(q.get("properties").split(",")) : DEFAULT_PROPERTIES;
        long from = q.containsKey("after") ? Long.parseLong(q.get("after")) : 0;
        List<Stored> matching = contacts.tailMap(from, true).values().stream().filter(c -> c.archived == archived).limit(limit + 1L).toList();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("results", matching.stream().limit(limit).map(c -> json(c, props)).toList());
        if (matching.size() > limit) {
            String after = Long.toString(matching.get(limit).id);
            out.put("paging", Map.of("next", Map.of("after", after, "link", baseUrl() + HubSpotClient.CONTACTS_PATH + "?after=" + after)));
        }
        send(ex, 200, out);
    }

    private synchronized void search(HttpExchange ex, Object body) throws IOException {
        int limit = Json.string(body, "limit") == null ? 10 : Integer.parseInt(Json.string(body, "limit"));
        if (limit < 1 || limit > 200) {
            error(ex, 400, "limit must be between 1 and 200", "VALIDATION_ERROR");
            return;
        }
        int offset = Json.string(body, "after") == null ? 0 : Integer.parseInt(Json.string(body, "after"));
        if (offset >= searchCap) {
            error(ex, 400, "There was a problem with the request.", "VALIDATION_ERROR");
            return;
        }
        Predicate<Stored> match = c -> !c.archived;
        List<?> groups = Json.array(body, "filterGroups");
        if (!groups.isEmpty()) {
            Predicate<Stored> any = c -> false;
            for (Object g : groups) {
                Predicate<Stored> all = c -> true;
                for (Object f : Json.array(g, "filters")) {
                    all = all.and(filter(Json.string(f, "propertyName"), Json.string(f, "operator"), Json.string(f, "value")));
                }
                any = any.or(all);
            }
            match = match.and(any);
        }
        List<?> sorts = Json.array(body, "sorts");
        if (sorts.size() > 1) {
            error(ex, 400, "only one sort is supported", "VALIDATION_ERROR");
            return;
        }
        Comparator<Stored> order = Comparator.comparingLong(c -> c.id);
        if (!sorts.isEmpty()) {
            String by = Json.string(sorts.get(0), "propertyName");
            // equals in no particular order: not by id
            Comparator<Stored> o = Comparator.comparingLong((Stored c) -> value(c, by)).thenComparingLong(c -> (c.id * 7919) % 1009).thenComparingLong(c -> c.id);
            order = "DESCENDING".equals(Json.string(sorts.get(0), "direction")) ? o.reversed() : o;
        }
        List<String> props = new ArrayList<>();
        for (Object p : Json.array(body, "properties")) {
            props.add(Json.text(p));
        }
        if (props.isEmpty()) {
            props = DEFAULT_PROPERTIES;
        }
        List<Stored> found = contacts.values().stream().filter(match).sorted(order).toList();
        int end = Math.min(found.size(), Math.min(offset + limit, searchCap));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", found.size());
        List<String> ps = props;
        out.put("results", offset >= found.size() ? List.of() : found.subList(offset, end).stream().map(c -> json(c, ps)).toList());
        if (offset + limit < found.size()) {
            out.put("paging", Map.of("next", Map.of("after", Integer.toString(offset + limit))));
        }
        send(ex, 200, out);
    }

    private static Predicate<Stored> filter(String property, String operator, String value) {
        long v = "lastmodifieddate".equals(property) || "createdate".equals(property) ? HubSpotClient.millis(value) : Long.parseLong(value);
        return c -> {
            long x = value(c, property);
            return switch (operator) {
                case "EQ" -> x == v;
                case "NEQ" -> x != v;
                case "GT" -> x > v;
                case "GTE" -> x >= v;
                case "LT" -> x < v;
                case "LTE" -> x <= v;
                default -> throw new IllegalArgumentException("operator " + operator + " is not supported here");
            };
        };
    }

    private static long value(Stored c, String property) {
        return switch (property) {
            case "lastmodifieddate" -> c.lastModified;
            case "hs_object_id" -> c.id;
            case "createdate" -> HubSpotClient.millis(c.properties.get("createdate"));
            default -> throw new IllegalArgumentException("this stub filters and sorts on lastmodifieddate, createdate and hs_object_id only, not " + property);
        };
    }

    /** A contact as HubSpot's v3 API writes it: requested properties, null when without a value, plus the three it always gives. */
    private static Map<String, Object> json(Stored c, List<String> props) {
        Map<String, Object> p = new LinkedHashMap<>();
        for (String name : props) {
            p.put(name, name.equals("lastmodifieddate") ? Instant.ofEpochMilli(c.lastModified).toString() : c.properties.get(name));
        }
        p.put("createdate", c.properties.get("createdate"));
        p.put("hs_object_id", Long.toString(c.id));
        p.put("lastmodifieddate", Instant.ofEpochMilli(c.lastModified).toString());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", Long.toString(c.id));
        out.put("properties", p);
        out.put("createdAt", c.properties.get("createdate"));
        out.put("updatedAt", Instant.ofEpochMilli(c.lastModified).toString());
        out.put("archived", c.archived);
        return out;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    private static void error(HttpExchange ex, int status, String message, String category) throws IOException {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("status", "error");
        e.put("message", message);
        e.put("correlationId", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
        e.put("category", category);
        send(ex, status, e);
    }

    private static void send(HttpExchange ex, int status, Object json) throws IOException {
        byte[] bytes = Json.write(json).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json;charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}

package io.rapport.server.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import io.rapport.core.json.Json;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParsingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

/** Reading request bodies and path values with errors that say exactly what is wrong. */
public final class Bodies {

    private Bodies() {
    }

    /**
     * Parses a JSON body of at most {@code maxBytes}.
     *
     * @throws WebApplicationException 413 when larger; {@link InvalidInputException} when not JSON
     */
    public static JsonValue json(InputStream in, long maxBytes) {
        if (in == null) {
            throw new InvalidInputException("/", "the request has no body; send JSON");
        }
        LimitedInputStream limited = new LimitedInputStream(in, maxBytes);
        try (JsonReader r = Json.provider().createReader(new InputStreamReader(limited, StandardCharsets.UTF_8))) {
            return r.readValue();
        } catch (JsonParsingException e) {
            if (limited.exceeded) {
                throw tooLarge(maxBytes);
            }
            var loc = e.getLocation();
            throw new InvalidInputException("/", "is not valid JSON" + (loc == null ? "" : " (line " + loc.getLineNumber() + ", column "
                    + loc.getColumnNumber() + ")") + ": " + e.getMessage());
        } catch (jakarta.json.JsonException e) {
            if (limited.exceeded) {
                throw tooLarge(maxBytes);
            }
            throw new InvalidInputException("/", "is not valid JSON: " + e.getMessage());
        }
    }

    /**
     * Reads a binary body (an uploaded jar) of at most {@code maxBytes}.
     *
     * @throws WebApplicationException 413 when larger; {@link InvalidInputException} when empty
     */
    public static byte[] bytes(InputStream in, long maxBytes) {
        return bytes(in, maxBytes, "the plugin's jar");
    }

    /**
     * Reads a binary body of at most {@code maxBytes}.
     *
     * @param what what the body should be, for the error when it is empty
     */
    public static byte[] bytes(InputStream in, long maxBytes, String what) {
        if (in == null) {
            throw new InvalidInputException("/", "the request has no body; send " + what);
        }
        LimitedInputStream limited = new LimitedInputStream(in, maxBytes);
        try {
            byte[] all = limited.readAllBytes();
            if (all.length == 0) {
                throw new InvalidInputException("/", "the body is empty; send " + what);
            }
            return all;
        } catch (java.io.IOException e) {
            if (limited.exceeded) {
                throw new WebApplicationException(Problems.response(Response.Status.REQUEST_ENTITY_TOO_LARGE, "body-too-large",
                        "The body is larger than " + maxBytes + " bytes.", null));
            }
            throw new InvalidInputException("/", "the body could not be read: " + e.getMessage());
        }
    }

    private static WebApplicationException tooLarge(long maxBytes) {
        return new WebApplicationException(Problems.response(Response.Status.REQUEST_ENTITY_TOO_LARGE, "body-too-large",
                "The body is larger than " + maxBytes + " bytes; send fewer events per request.", null));
    }

    public static UUID id(String raw, String what) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("no " + what + " " + raw);
        }
    }

    public static int limit(Integer raw, int dflt, int max) {
        if (raw == null) {
            return dflt;
        }
        if (raw < 1 || raw > max) {
            throw new InvalidInputException("limit", "must be between 1 and " + max);
        }
        return raw;
    }

    private static final class LimitedInputStream extends java.io.FilterInputStream {
        private final long max;
        private long count;
        boolean exceeded;

        LimitedInputStream(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                check(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                check(n);
            }
            return n;
        }

        private void check(int n) throws IOException {
            count += n;
            if (count > max) {
                exceeded = true;
                throw new IOException("body larger than " + max + " bytes");
            }
        }
    }

    /** @return the enum constant named (any case), or null for null; a 400 naming the field and the choices otherwise */
    public static <E extends Enum<E>> E constant(Class<E> type, String raw, String field) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            return Enum.valueOf(type, raw.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, "must be one of " + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }

    /** @return the ISO-8601 time with an offset, or null for null; a 400 naming the field otherwise */
    public static java.time.OffsetDateTime time(String raw, String field) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(raw.trim());
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidInputException(field, "is not an ISO-8601 time with an offset, such as 2026-11-22T10:15:30Z");
        }
    }

    /**
     * Names, at {@code at}/key, every key of {@code o} that is not one of {@code fields}.
     *
     * @param what what the object is, for the sentence: "a message", "a recipient"
     */
    public static void unknownFields(JsonObject o, java.util.Set<String> fields, String at, String what, List<FieldError> errors) {
        for (String k : o.keySet()) {
            if (!fields.contains(k)) {
                errors.add(new FieldError(at + "/" + k, "is not a field of " + what + "; fields are " + new java.util.TreeSet<>(fields)));
            }
        }
    }

    /**
     * @return the request's JSON object, refusing members not in {@code fields} and a {@code name} or {@code description}
     *         that is not a text: the body of a named thing (a segment, a journey)
     */
    static jakarta.json.JsonObject named(java.io.InputStream body, java.util.Set<String> fields, String what) {
        jakarta.json.JsonObject o = AdminResource.object(body);
        List<FieldError> errors = new java.util.ArrayList<>();
        unknownFields(o, fields, "", what, errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        for (String k : List.of("name", "description")) {
            if (o.containsKey(k) && o.get(k).getValueType() != jakarta.json.JsonValue.ValueType.STRING && o.get(k) != jakarta.json.JsonValue.NULL) {
                throw new InvalidInputException("/" + k, "must be a text");
            }
        }
        return o;
    }

    /** @return the text member, or null when it is absent or JSON null */
    static String text(jakarta.json.JsonObject o, String key) {
        return o.containsKey(key) && o.get(key) != jakarta.json.JsonValue.NULL ? o.getString(key) : null;
    }
}

package io.rapport.core.db;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.UUID;

import io.rapport.core.validation.InvalidInputException;

/**
 * A keyset-paging position (a time and an id, the sort key of timelines and searches), given to clients as an
 * opaque URL-safe string.
 *
 * @param at the time of the last row of the page
 * @param id the id of the last row of the page
 */
public record Cursor(OffsetDateTime at, UUID id) {

    /** The query parameter that carries a cursor. */
    public static final String PARAMETER = "cursor";

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((at + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @return the cursor, or null for null
     * @throws InvalidInputException naming {@link #PARAMETER} when {@code text} is not a cursor this server made
     */
    public static Cursor decode(String text) {
        if (text == null) {
            return null;
        }
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split("\\|", 2);
            return new Cursor(OffsetDateTime.parse(parts[0]), UUID.fromString(parts[1]));
        } catch (RuntimeException e) {
            throw new InvalidInputException(PARAMETER, "is not a cursor this server gave out");
        }
    }
}

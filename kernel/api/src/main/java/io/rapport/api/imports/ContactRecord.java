package io.rapport.api.imports;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Consent;

/**
 * One contact as a source has it, before the kernel checks it. Values are as read (trimmed, empty as null); the
 * kernel normalises the e-mail address and the phone number (national numbers in the tenant's region) and refuses
 * the record, naming the field, when one is malformed. A record needs at least one of {@code externalId},
 * {@code email} and {@code phone}: that is how a repeat finds the customer again.
 *
 * @param line       where the record starts in its source (a file's line number, a page's position): errors name it,
 *                   and a job resumes after the last line it stored
 * @param externalId the contact's id in the source system (its namespace is the job's), or null
 * @param attributes typed attributes to set; a record leaves the attributes it does not name as they are
 * @param tags       tags to add (an import never removes tags)
 * @param consents   consent decisions the source recorded (a "subscribed to marketing e-mail" column)
 * @since 0.1
 */
public record ContactRecord(long line, String externalId, String email, String phone, String firstName, String lastName, String locale,
                            String timeZone, Map<String, AttributeValue> attributes, Set<String> tags, List<Consent> consents) {

    public ContactRecord {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        tags = tags == null ? Set.of() : Set.copyOf(tags);
        consents = consents == null ? List.of() : List.copyOf(consents);
    }

    /** @return a record with only an e-mail address: a start for a builder-less test or a small source */
    public static ContactRecord ofEmail(long line, String email) {
        return new ContactRecord(line, null, Objects.requireNonNull(email, "email"), null, null, null, null, null, null, null, null);
    }
}

package io.rapport.core.customer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Consent;

/**
 * Changes to a profile, as a JSON merge patch means them: a field that is absent stays as it is, a field set to
 * {@code Optional.empty()} is cleared. Creating a customer applies changes to an empty profile.
 *
 * @param fields      profile fields by {@link CustomerJson} name (email, phone, firstName, lastName, locale,
 *                    timeZone, stage, anonymousId), values already normalised
 * @param externalIds system to id; empty removes the system's id
 * @param attributes  name to value; empty removes the attribute
 * @param tags        the new set of tags, or null to keep them
 * @param consents    consent decisions to record
 */
public record CustomerChanges(
        Map<String, Optional<String>> fields,
        Map<String, Optional<String>> externalIds,
        Map<String, Optional<AttributeValue>> attributes,
        Set<String> tags,
        List<Consent> consents) {

    public CustomerChanges {
        fields = new LinkedHashMap<>(fields);
        externalIds = new LinkedHashMap<>(externalIds);
        attributes = new LinkedHashMap<>(attributes);
        tags = tags == null ? null : Set.copyOf(tags);
        consents = List.copyOf(consents);
    }

    public boolean has(String field) {
        return fields.containsKey(field);
    }

    /** @return the new value of {@code field}: null if it is to be cleared or is not changed */
    public String value(String field) {
        Optional<String> v = fields.get(field);
        return v == null ? null : v.orElse(null);
    }
}

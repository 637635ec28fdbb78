package io.rapport.api.customer;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A customer profile as the kernel holds it: one person of one tenant. Immutable snapshot.
 *
 * @param id          the kernel's id, stable for the profile's life
 * @param tenantId    the tenant the profile belongs to
 * @param email       the primary email, normalised, or null
 * @param phone       the primary phone in E.164, or null
 * @param firstName   or null
 * @param lastName    or null
 * @param locale      a BCP 47 language tag, or null
 * @param timeZone    an IANA zone id, or null
 * @param stage       the journey stage (one of the tenant's configured stages), or null before any event
 * @param identifiers every identifier attached to this profile
 * @param attributes  typed attributes by name
 * @param tags        free-form tags
 * @param consents    the latest decision per purpose and channel
 * @param orderCount  completed orders seen
 * @param revenue     the sum of completed orders' totals
 * @param createdAt   when the profile was created
 * @param updatedAt   when the profile last changed
 * @param lastSeenAt  the time of the newest event, or null
 * @since 0.1
 */
public record Customer(
        UUID id,
        UUID tenantId,
        String email,
        String phone,
        String firstName,
        String lastName,
        String locale,
        String timeZone,
        String stage,
        List<Identifier> identifiers,
        Map<String, AttributeValue> attributes,
        Set<String> tags,
        List<Consent> consents,
        long orderCount,
        BigDecimal revenue,
        OffsetDateTime createdAt,
        OffsetDateTime updatedAt,
        OffsetDateTime lastSeenAt) {

    public Customer {
        identifiers = List.copyOf(identifiers);
        attributes = Map.copyOf(attributes);
        tags = Set.copyOf(tags);
        consents = List.copyOf(consents);
    }
}

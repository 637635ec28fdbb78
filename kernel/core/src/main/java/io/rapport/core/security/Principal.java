package io.rapport.core.security;

import java.util.UUID;

/**
 * Who makes a request: a user (with a role) or an API key (ingest only), always of one tenant.
 *
 * @param name     the username, or {@code key:<name>} for an API key
 * @param tenantId the tenant every call of this principal is confined to
 * @param role     the user's role; null for an API key
 * @param operator whether the user may manage tenants (the hosting provider's account)
 */
public record Principal(String name, UUID tenantId, Role role, boolean operator) {

    public boolean isApiKey() {
        return role == null;
    }

    public boolean has(Role needed) {
        return role != null && role.includes(needed);
    }
}

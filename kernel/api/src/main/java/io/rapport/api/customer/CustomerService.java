package io.rapport.api.customer;

import java.util.Optional;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Reads profiles and consents for plugins. Registered by the kernel in the plugin host's service registry.
 * Every call names its tenant; no call reads across tenants. Methods are thread-safe and may block on the
 * database; do not call them while holding locks a kernel thread might need.
 *
 * @since 0.1
 */
@ProviderType
public interface CustomerService {

    /**
     * @return the profile, or empty if the tenant has no customer with this id. A profile that was merged
     *         into another answers with the surviving profile.
     */
    Optional<Customer> find(UUID tenantId, UUID customerId);

    /** @return the profile that holds this identifier (normalised as the kernel does), or empty */
    Optional<Customer> findByIdentifier(UUID tenantId, Identifier identifier);

    /**
     * @return the customer's latest consent decision for this purpose and channel, or empty if they made none
     */
    Optional<Consent> consent(UUID tenantId, UUID customerId, String purpose, String channel);

    /**
     * Records a customer's consent decision, as the admin API does, with a {@code consent.changed} event on the
     * timeline: for a plugin that learnt it from the customer, such as an SMS channel receiving "STOP".
     *
     * @param source who records it, such as the plugin's symbolic name
     * @return the decision as stored
     * @throws java.util.NoSuchElementException if the tenant has no such customer
     * @since 0.2
     */
    Consent setConsent(UUID tenantId, UUID customerId, Consent consent, String source);
}

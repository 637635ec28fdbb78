package io.rapport.testkit;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.rapport.api.customer.Consent;
import io.rapport.api.customer.Customer;
import io.rapport.api.customer.CustomerService;
import io.rapport.api.customer.Identifier;

/** A {@link CustomerService} over profiles the test puts in. */
public final class InMemoryCustomers implements CustomerService {

    private final Map<UUID, Customer> byId = new ConcurrentHashMap<>();

    /** Adds or replaces a profile. */
    public Customer put(Customer customer) {
        byId.put(customer.id(), customer);
        return customer;
    }

    @Override
    public Optional<Customer> find(UUID tenantId, UUID customerId) {
        return Optional.ofNullable(byId.get(customerId)).filter(c -> c.tenantId().equals(tenantId));
    }

    @Override
    public Optional<Customer> findByIdentifier(UUID tenantId, Identifier identifier) {
        return byId.values().stream().filter(c -> c.tenantId().equals(tenantId) && c.identifiers().contains(identifier)).findFirst();
    }

    @Override
    public Optional<Consent> consent(UUID tenantId, UUID customerId, String purpose, String channel) {
        return find(tenantId, customerId).flatMap(c -> c.consents().stream().filter(k -> k.purpose().equals(purpose) && k.channel().equals(channel)).findFirst());
    }
}

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

    /** Replaces the profile's decision for the consent's purpose and channel, as the kernel does (without a timeline). */
    @Override
    public synchronized Consent setConsent(UUID tenantId, UUID customerId, Consent consent, String source) {
        Customer c = find(tenantId, customerId).orElseThrow(() -> new java.util.NoSuchElementException("no customer " + customerId));
        java.util.List<Consent> consents = new java.util.ArrayList<>(c.consents());
        consents.removeIf(k -> k.purpose().equals(consent.purpose()) && k.channel().equals(consent.channel()));
        consents.add(consent);
        put(new Customer(c.id(), c.tenantId(), c.email(), c.phone(), c.firstName(), c.lastName(), c.locale(), c.timeZone(), c.stage(),
                c.identifiers(), c.attributes(), c.tags(), consents, c.orderCount(), c.revenue(), c.createdAt(), c.updatedAt(), c.lastSeenAt()));
        return consent;
    }
}

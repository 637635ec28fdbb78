package io.rapport.core.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.customer.Identifier;
import io.rapport.api.event.EventTypes;
import io.rapport.core.Kernel;
import io.rapport.core.TestDb;
import io.rapport.core.validation.ConflictException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CustomerStore#updateAllIn}: many profiles changed with a fixed number of statements, as one-by-one changes would;
 * and {@link CustomerStore#count}, whose reuse of a count scales with what the count costs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CustomerStoreBatchTest {

    @TempDir
    static Path dir;

    private TestDb db;
    private Kernel kernel;
    private CustomerStore customers;
    private UUID tenant;

    @BeforeAll
    void start() {
        db = TestDb.fresh();
        kernel = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("data")), Clock.systemUTC());
        customers = kernel.customers();
        tenant = kernel.access().createTenant("batch-" + UUID.randomUUID().toString().substring(0, 8), "Batch shop", "FR").id();
    }

    @AfterAll
    void stop() throws SQLException {
        if (kernel != null) {
            kernel.close();
        }
        db.close();
    }

    private static CustomerChanges changes(Map<String, Optional<String>> fields, Map<String, Optional<String>> external,
                                           Map<String, Optional<AttributeValue>> attributes, List<Consent> consents) {
        return new CustomerChanges(fields, external, attributes, null, consents);
    }

    private Customer create(String email, String first, String last) {
        return customers.create(tenant, changes(Map.of(CustomerJson.EMAIL, Optional.of(email), CustomerJson.FIRST_NAME, Optional.of(first),
                CustomerJson.LAST_NAME, Optional.of(last)), Map.of("crm", Optional.of("x-" + email)), Map.of("plan", Optional.of(AttributeValue.of("free"))),
                List.of()), "test");
    }

    private void updateAll(List<CustomerStore.Change> list) {
        kernel.db().tx(c -> {
            customers.updateAllIn(c, tenant, list, "import test", OffsetDateTime.now(ZoneOffset.UTC));
            return null;
        });
        kernel.events().committed();
    }

    @Test
    void manyProfilesChangeInOneCallAsTheyWouldOneByOne() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Customer ann = create("ann-" + tag + "@example.com", "Ann", "Old");
        Customer bob = create("bob-" + tag + "@example.com", "Bob", "Stone");
        String annNew = "ann.new-" + tag + "@example.com";
        OffsetDateTime t = OffsetDateTime.now(ZoneOffset.UTC);
        Consent granted = new Consent(Consent.PURPOSE_MARKETING, "email", ConsentStatus.GRANTED, "import", t.minusHours(1));
        Consent withdrawn = new Consent(Consent.PURPOSE_MARKETING, "email", ConsentStatus.WITHDRAWN, "import", t);

        updateAll(List.of(
                // Ann: a new e-mail (the old one no longer finds her), a new id in the CRM, her last name cleared, an attribute removed
                new CustomerStore.Change(ann.id(), changes(Map.of(CustomerJson.EMAIL, Optional.of(annNew), CustomerJson.LAST_NAME, Optional.empty()),
                        Map.of("crm", Optional.of("x-2-" + tag)), Map.of("plan", Optional.empty()), List.of(granted)), Set.of("vip")),
                // Bob: a phone and a first name
                new CustomerStore.Change(bob.id(), changes(Map.of(CustomerJson.PHONE, Optional.of(String.format("+3361%07d", new java.util.Random().nextInt(10_000_000))),
                        CustomerJson.FIRST_NAME, Optional.of("Robert")), Map.of(), Map.of("score", Optional.of(AttributeValue.of(new java.math.BigDecimal("7")))),
                        List.of()), Set.of()),
                // Ann again: the later change wins, a repeated decision is recorded once
                new CustomerStore.Change(ann.id(), changes(Map.of(CustomerJson.FIRST_NAME, Optional.of("Anne")), Map.of(), Map.of(),
                        List.of(granted, withdrawn)), Set.of("late"))));

        Customer a = customers.find(tenant, ann.id()).orElseThrow();
        assertThat(a.email()).isEqualTo(annNew);
        assertThat(a.firstName()).isEqualTo("Anne");
        assertThat(a.lastName()).isNull();
        assertThat(a.attributes()).doesNotContainKey("plan");
        assertThat(a.tags()).containsExactlyInAnyOrder("vip", "late");
        assertThat(a.identifiers()).containsExactlyInAnyOrder(Identifier.email(annNew), Identifier.external("crm", "x-2-" + tag));
        assertThat(a.consents()).singleElement().satisfies(k -> assertThat(k.status()).isEqualTo(ConsentStatus.WITHDRAWN));
        assertThat(kernel.events().timeline(tenant, ann.id(), List.of(EventTypes.CONSENT_CHANGED), null, 10).events()).hasSize(2);
        assertThat(customers.findByIdentifier(tenant, Identifier.email("ann-" + tag + "@example.com"))).isEmpty();
        // the name keys follow: found by her new first name alone
        assertThat(customers.search(tenant, new CustomerStore.Query(null, "anne", null, null, null, null, 50)).customers())
                .extracting(Customer::id).contains(ann.id());

        Customer b = customers.find(tenant, bob.id()).orElseThrow();
        assertThat(b.firstName()).isEqualTo("Robert");
        assertThat(b.lastName()).isEqualTo("Stone");
        assertThat(b.phone()).isNotNull();
        assertThat(b.attributes()).containsEntry("plan", AttributeValue.of("free")).containsEntry("score", AttributeValue.of(new java.math.BigDecimal("7")));
        assertThat(customers.search(tenant, new CustomerStore.Query(null, "robert stone", null, null, null, null, 50)).customers())
                .extracting(Customer::id).containsExactly(bob.id());
    }

    @Test
    void anIdentifierHeldByAnotherProfileOrGivenToTwoFailsTheWholeCallAndWritesNothing() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Customer ann = create("ann-" + tag + "@example.com", "Ann", "A");
        Customer bob = create("bob-" + tag + "@example.com", "Bob", "B");
        String shared = "shared-" + tag + "@example.com";

        assertThatThrownBy(() -> updateAll(List.of(
                new CustomerStore.Change(bob.id(), changes(Map.of(CustomerJson.FIRST_NAME, Optional.of("Bobby")), Map.of(), Map.of(), List.of()), Set.of()),
                new CustomerStore.Change(ann.id(), changes(Map.of(CustomerJson.EMAIL, Optional.of("bob-" + tag + "@example.com")), Map.of(), Map.of(),
                        List.of()), Set.of()))))
                .isInstanceOf(ConflictException.class).hasMessageContaining(bob.id().toString());
        assertThatThrownBy(() -> updateAll(List.of(
                new CustomerStore.Change(ann.id(), changes(Map.of(CustomerJson.EMAIL, Optional.of(shared)), Map.of(), Map.of(), List.of()), Set.of()),
                new CustomerStore.Change(bob.id(), changes(Map.of(CustomerJson.EMAIL, Optional.of(shared)), Map.of(), Map.of(), List.of()), Set.of()))))
                .isInstanceOf(ConflictException.class).hasMessageContaining("two customers");

        assertThat(customers.find(tenant, bob.id()).orElseThrow().firstName()).isEqualTo("Bob");
        assertThat(customers.find(tenant, ann.id()).orElseThrow().email()).isEqualTo("ann-" + tag + "@example.com");
        assertThat(customers.findByIdentifier(tenant, Identifier.email(shared))).isEmpty();
    }

    @Test
    void aSmallShopsCountShowsItsNewProfilesWithinASecondOrTwo() {
        UUID shop = kernel.access().createTenant("count-" + UUID.randomUUID().toString().substring(0, 8), "Count shop", "FR").id();
        assertThat(customers.count(shop)).isZero();
        customers.create(shop, changes(Map.of(CustomerJson.EMAIL, Optional.of("one@example.com")), Map.of(), Map.of(), List.of()), "test");
        // counting a handful of rows takes well under 10 ms, so the count is reused for the floor of a second, not 30 s
        // (10 s allows a first count stalled for 100 ms; the old reuse of 30 s would not pass)
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> customers.count(shop) == 1);
    }
}

package io.rapport.core.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.event.Event;
import io.rapport.api.event.EventTypes;
import io.rapport.core.Kernel;
import io.rapport.core.TestDb;
import io.rapport.core.customer.CustomerJson;
import io.rapport.core.json.Json;
import io.rapport.core.plugin.PluginHost;
import io.rapport.core.plugin.TestBundles;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.channel.OutboundMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The send path on a real kernel, with channels from plugin bundles built in memory. One kernel serves the whole
 * class (a kernel start costs more than most tests): each test has customers of its own, and a test that stops or
 * swaps plugins uses channel types of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MessagesTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final int MAX_ATTEMPTS = 3;
    private static final String ACTOR = "tester";
    private static final String TRANSACTIONAL = Consent.PURPOSE_TRANSACTIONAL;
    private static final String MARKETING = Consent.PURPOSE_MARKETING;

    @TempDir
    static Path dir;

    private final Clock clock = Clock.systemUTC();
    private TestDb db;
    private Kernel kernel;
    private Messages messages;
    private UUID tenant;
    /** Channels every test may use: they are never stopped. */
    private Supplier<List<OutboundMessage>> email;
    private Supplier<List<OutboundMessage>> sms;
    private IntSupplier down;
    private IntSupplier hang;

    @BeforeAll
    void start() {
        db = TestDb.fresh();
        kernel = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("data"))
                .withPlugins(new PluginHost.Settings(dir.resolve("felix"), null))
                .withMessages(new Messages.Settings(TIMEOUT, 4, MAX_ATTEMPTS, Duration.ofMillis(10))), clock);
        messages = kernel.messages();
        tenant = kernel.defaultTenant().id();
        email = recording("email");
        sms = recording("sms");
        down = channel(TestBundles.throwingChannel("fixture.down", "down"), "down");
        hang = channel(TestBundles.hangingChannel("fixture.hang", "hang"), "hang");
    }

    @AfterAll
    void stop() throws SQLException {
        if (kernel != null) {
            kernel.close();
        }
        db.close();
    }

    // --- sent ----------------------------------------------------------------------------------------------

    @Test
    void aTransactionalMessageIsSentAndLandsOnTheTimeline() {
        Customer ann = customer("{\"email\": \"ann@example.com\", \"firstName\": \"Ann\"}");

        Messages.Submitted s = messages.submit(tenant, ACTOR, request(ann, "email", TRANSACTIONAL, "Hi {{customer.firstName}}", null));

        assertThat(s.created()).isTrue();
        Messages.Message m = s.message();
        assertThat(m.state()).isEqualTo(Messages.State.SENT);
        assertThat(m.attempts()).isEqualTo(1);
        assertThat(m.providerId()).as("the channel's answer").startsWith("rec-");
        assertThat(m.reason()).isNull();
        assertThat(m.dueAt()).isNull();
        assertThat(m.text()).isEqualTo("Hi Ann");
        assertThat(m.createdBy()).isEqualTo(ACTOR);
        assertThat(messages.get(tenant, m.id())).satisfies(stored -> {
            assertThat(stored.state()).isEqualTo(Messages.State.SENT);
            assertThat(stored.providerId()).isEqualTo(m.providerId());
            assertThat(stored.text()).isEqualTo("Hi Ann");
            assertThat(stored.data()).containsEntry("order", "42");
        });

        assertThat(sentTo(email, ann)).singleElement().satisfies(out -> {
            assertThat(out.id()).isEqualTo(m.id());
            assertThat(out.tenantId()).isEqualTo(tenant);
            assertThat(out.customer().id()).isEqualTo(ann.id());
            assertThat(out.customer().firstName()).isEqualTo("Ann");
            assertThat(out.channel()).isEqualTo("email");
            assertThat(out.purpose()).isEqualTo(TRANSACTIONAL);
            assertThat(out.subject()).isEqualTo("About your order");
            assertThat(out.text()).isEqualTo("Hi Ann");
            assertThat(out.data()).containsEntry("order", "42");
            assertThat(out.attempt()).isEqualTo(1);
        });
        Event sent = onlyEvent(ann, EventTypes.MESSAGE_SENT);
        assertThat(sent.source()).isEqualTo(Messages.SOURCE);
        assertThat(sent.properties()).containsEntry(EventTypes.PROPERTY_MESSAGE_ID, m.id().toString())
                .containsEntry(EventTypes.PROPERTY_CHANNEL, "email").containsEntry("purpose", TRANSACTIONAL)
                .doesNotContainKey(EventTypes.PROPERTY_REASON);
        assertThat(messages.list(tenant, Messages.State.SENT, ann.id(), 10)).extracting(Messages.Message::id).containsExactly(m.id());
        assertThat(messages.list(tenant, Messages.State.DEAD, ann.id(), 10)).isEmpty();
        assertThatThrownBy(() -> messages.get(tenant, UUID.randomUUID())).isInstanceOf(NotFoundException.class);
    }

    // --- consent, suppression, channels --------------------------------------------------------------------

    @Test
    void marketingNeedsTheCustomersConsentOnThatChannel() {
        Customer bo = customer("{\"email\": \"bo@example.com\"}");

        Messages.Message none = messages.submit(tenant, ACTOR, request(bo, "email", MARKETING, "Sale!", null)).message();

        assertThat(none.state()).isEqualTo(Messages.State.REJECTED);
        assertThat(none.attempts()).isZero();
        assertThat(none.reason()).contains("not consented").contains(MARKETING).contains("email");
        assertThat(sentTo(email, bo)).isEmpty();
        Event rejected = onlyEvent(bo, EventTypes.MESSAGE_REJECTED);
        assertThat(rejected.properties()).containsEntry(EventTypes.PROPERTY_MESSAGE_ID, none.id().toString())
                .containsEntry(EventTypes.PROPERTY_REASON, none.reason());

        // consent on another channel is not consent on this one
        consent(bo, MARKETING, "sms", ConsentStatus.GRANTED);
        assertThat(messages.submit(tenant, ACTOR, request(bo, "email", MARKETING, "Sale!", null)).message().state())
                .isEqualTo(Messages.State.REJECTED);

        consent(bo, MARKETING, "email", ConsentStatus.WITHDRAWN);
        Messages.Message withdrawn = messages.submit(tenant, ACTOR, request(bo, "email", MARKETING, "Sale!", null)).message();
        assertThat(withdrawn.state()).isEqualTo(Messages.State.REJECTED);
        assertThat(withdrawn.reason()).contains("withdrew");

        consent(bo, MARKETING, "email", ConsentStatus.GRANTED);
        Messages.Message granted = messages.submit(tenant, ACTOR, request(bo, "email", MARKETING, "Sale!", null)).message();
        assertThat(granted.state()).isEqualTo(Messages.State.SENT);
        assertThat(sentTo(email, bo)).extracting(OutboundMessage::id).containsExactly(granted.id());
        assertThat(onlyEvent(bo, EventTypes.MESSAGE_SENT).properties()).containsEntry(EventTypes.PROPERTY_MESSAGE_ID, granted.id().toString());
        assertThat(events(bo, EventTypes.MESSAGE_REJECTED)).hasSize(3);
    }

    @Test
    void aSuppressedCustomerIsNotSentToEvenTransactionalMessages() throws SQLException {
        Customer cy = customer("{\"email\": \"cy@example.com\"}");
        suppress(cy, "email", "bounced");

        Messages.Message m = messages.submit(tenant, ACTOR, request(cy, "email", TRANSACTIONAL, "Receipt", null)).message();
        assertThat(m.state()).isEqualTo(Messages.State.REJECTED);
        assertThat(m.reason()).contains("suppressed").contains("email");
        assertThat(messages.submit(tenant, ACTOR, request(cy, "sms", TRANSACTIONAL, "Receipt", null)).message().state())
                .as("suppressed on email only").isEqualTo(Messages.State.SENT);

        suppress(cy, "*", "erasure requested");
        assertThat(messages.submit(tenant, ACTOR, request(cy, "sms", TRANSACTIONAL, "Receipt", null)).message().state())
                .as("suppressed everywhere").isEqualTo(Messages.State.REJECTED);
        assertThat(sentTo(email, cy)).isEmpty();
        assertThat(sentTo(sms, cy)).hasSize(1);
    }

    @Test
    void withoutAnActiveChannelOfItsTypeAMessageIsRejected() {
        Customer di = customer("{\"email\": \"di@example.com\"}");

        Messages.Message m = messages.submit(tenant, ACTOR, request(di, "pager", TRANSACTIONAL, "Code: 1234", null)).message();

        assertThat(m.state()).isEqualTo(Messages.State.REJECTED);
        assertThat(m.attempts()).isZero();
        assertThat(m.reason()).contains("no active channel of type 'pager'");
        assertThat(onlyEvent(di, EventTypes.MESSAGE_REJECTED).properties()).containsEntry(EventTypes.PROPERTY_REASON, m.reason());

        // a stopped plugin's channel is not active
        recording("pager");
        assertThat(messages.submit(tenant, ACTOR, request(di, "pager", TRANSACTIONAL, "Code: 1234", null)).message().state())
                .isEqualTo(Messages.State.SENT);
        kernel.plugins().stop("fixture.pager", tenant, ACTOR);
        await().atMost(WAIT).until(() -> kernel.whiteboard().channel("pager").isEmpty());
        assertThat(messages.submit(tenant, ACTOR, request(di, "pager", TRANSACTIONAL, "Code: 1234", null)).message().state())
                .isEqualTo(Messages.State.REJECTED);
    }

    @Test
    void anUnknownCustomerIsBadInput() {
        Customer ed = customer("{\"email\": \"ed@example.com\"}");
        UUID otherTenant = otherTenant();

        assertThat(invalid(() -> messages.submit(tenant, ACTOR, new Messages.SendRequest(UUID.randomUUID(), "email", TRANSACTIONAL, null, "x", null,
                null, null)))).extracting(FieldError::field).containsExactly("/customerId");
        assertThat(invalid(() -> messages.submit(otherTenant, ACTOR, request(ed, "email", TRANSACTIONAL, "x", null))))
                .as("another tenant's customer").extracting(FieldError::field).containsExactly("/customerId");
        assertThat(messages.list(tenant, null, ed.id(), 10)).isEmpty();
        assertThat(messages.list(otherTenant, null, null, 10)).isEmpty();
        assertThat(sentTo(email, ed)).isEmpty();
    }

    // --- idempotency ---------------------------------------------------------------------------------------

    @Test
    void anIdempotencyKeyMakesOneMessage() {
        Customer fay = customer("{\"email\": \"fay@example.com\"}");
        Messages.SendRequest req = new Messages.SendRequest(fay.id(), "email", TRANSACTIONAL, "Receipt", "Thanks", null, null, "order-7");

        Messages.Submitted first = messages.submit(tenant, ACTOR, req);
        Messages.Submitted second = messages.submit(tenant, ACTOR, req);
        Messages.Submitted changed = messages.submit(tenant, ACTOR,
                new Messages.SendRequest(fay.id(), "email", TRANSACTIONAL, "Other", "Other text", null, null, "order-7"));

        assertThat(first.created()).isTrue();
        assertThat(second.created()).isFalse();
        assertThat(changed.created()).isFalse();
        assertThat(second.message().id()).isEqualTo(first.message().id());
        assertThat(changed.message().id()).isEqualTo(first.message().id());
        assertThat(changed.message().text()).as("the first request's content").isEqualTo("Thanks");
        assertThat(second.message().state()).isEqualTo(Messages.State.SENT);
        assertThat(second.message().idempotencyKey()).isEqualTo("order-7");
        assertThat(sentTo(email, fay)).hasSize(1);
        assertThat(messages.list(tenant, null, fay.id(), 10)).hasSize(1);
        assertThat(events(fay, EventTypes.MESSAGE_SENT)).hasSize(1);

        // keys are per tenant
        UUID otherTenant = otherTenant();
        Customer other = kernel.customers().create(otherTenant, changes("{\"email\": \"fay@example.com\"}"), ACTOR);
        Messages.Submitted elsewhere = messages.submit(otherTenant, ACTOR,
                new Messages.SendRequest(other.id(), "email", TRANSACTIONAL, "Receipt", "Thanks", null, null, "order-7"));
        assertThat(elsewhere.created()).isTrue();
        assertThat(elsewhere.message().id()).isNotEqualTo(first.message().id());
    }

    @Test
    void concurrentSubmitsWithOneIdempotencyKeyMakeOneMessage() throws Exception {
        Customer ned = customer("{\"email\": \"ned@example.com\"}");
        Messages.SendRequest req = new Messages.SendRequest(ned.id(), "email", TRANSACTIONAL, null, "Once", null, null, "once-only");
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Messages.Submitted>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            futures.add(pool.submit(() -> {
                go.await();
                return messages.submit(tenant, ACTOR, req);
            }));
        }
        go.countDown();
        List<Messages.Submitted> results = new ArrayList<>();
        for (Future<Messages.Submitted> f : futures) {
            results.add(f.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();

        assertThat(results).extracting(r -> r.message().id()).containsOnly(results.get(0).message().id());
        assertThat(results).filteredOn(Messages.Submitted::created).hasSize(1);
        assertThat(messages.list(tenant, null, ned.id(), 10)).hasSize(1);
        assertThat(sentTo(email, ned)).hasSize(1);
    }

    // --- failures, retries, dead letters -------------------------------------------------------------------

    @Test
    void aFailingChannelIsRetriedWithBackoffUntilTheMessageIsADeadLetter() {
        int callsBefore = down.getAsInt();
        Customer gus = customer("{\"email\": \"gus@example.com\"}");

        Messages.Message first = messages.submit(tenant, ACTOR, request(gus, "down", TRANSACTIONAL, "Hello", null)).message();

        assertThat(first.state()).isEqualTo(Messages.State.RETRY);
        assertThat(first.attempts()).isEqualTo(1);
        assertThat(first.dueAt()).isNotNull();
        assertThat(first.reason()).contains("failed").contains("IllegalStateException").contains("fixture channel is down");
        assertThat(events(gus, EventTypes.MESSAGE_FAILED)).as("a retry is not on the timeline").isEmpty();

        Messages.Message dead = awaitState(first.id(), Messages.State.DEAD);

        assertThat(dead.attempts()).isEqualTo(MAX_ATTEMPTS);
        assertThat(dead.dueAt()).isNull();
        assertThat(dead.reason()).contains("fixture channel is down");
        assertThat(down.getAsInt() - callsBefore).isEqualTo(MAX_ATTEMPTS);
        Event failed = onlyEvent(gus, EventTypes.MESSAGE_FAILED);
        assertThat(failed.properties()).containsEntry(EventTypes.PROPERTY_MESSAGE_ID, first.id().toString())
                .containsEntry(EventTypes.PROPERTY_REASON, dead.reason());
        assertThat(String.valueOf(failed.properties().get("attempts"))).isEqualTo(String.valueOf(MAX_ATTEMPTS));
        assertThat(events(gus, EventTypes.MESSAGE_SENT)).isEmpty();
        assertThat(messages.list(tenant, Messages.State.DEAD, gus.id(), 10)).extracting(Messages.Message::id).containsExactly(first.id());
    }

    @Test
    void theBackoffDoublesAfterEachAttemptUpToAnHour() {
        Messages m = new Messages(null, clock, null, null, (tenant, type) -> Optional.empty(),
                new Messages.Settings(Duration.ofSeconds(1), 1, 30, Duration.ofSeconds(30)), null);
        assertThat(m.backoff(1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(m.backoff(2)).isEqualTo(Duration.ofSeconds(60));
        assertThat(m.backoff(3)).isEqualTo(Duration.ofSeconds(120));
        assertThat(m.backoff(8)).isEqualTo(Duration.ofHours(1));
        assertThat(m.backoff(500)).isEqualTo(Duration.ofHours(1));
        m.close();
    }

    @Test
    void aChannelThatHangsIsCutOffByTheTimeout() {
        int interruptedBefore = hang.getAsInt();
        Customer hal = customer("{\"email\": \"hal@example.com\"}");

        long t0 = System.nanoTime();
        Messages.Message m = messages.submit(tenant, ACTOR, request(hal, "hang", TRANSACTIONAL, "Hello", null)).message();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(took).isGreaterThanOrEqualTo(TIMEOUT).isLessThan(Duration.ofSeconds(5));
        assertThat(m.state()).isEqualTo(Messages.State.RETRY);
        assertThat(m.reason()).contains("did not answer within " + TIMEOUT.toMillis() + " ms");
        await("the send thread was interrupted").atMost(WAIT).until(() -> hang.getAsInt() > interruptedBefore);

        Messages.Message dead = awaitState(m.id(), Messages.State.DEAD);
        assertThat(dead.attempts()).isEqualTo(MAX_ATTEMPTS);
        assertThat(dead.reason()).contains("did not answer");
        await("every attempt was interrupted").atMost(WAIT).until(() -> hang.getAsInt() - interruptedBefore == MAX_ATTEMPTS);
        assertThat(onlyEvent(hal, EventTypes.MESSAGE_FAILED).properties()).containsEntry(EventTypes.PROPERTY_MESSAGE_ID, m.id().toString());
    }

    @Test
    void theMessagesABatchStillHoldsKeepTheirLeaseWhileTheyWaitForASendThread() throws Exception {
        List<Messages.Recipient> recipients = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            recipients.add(new Messages.Recipient(customer("{\"email\": \"slow" + i + "@example.com\"}").id(), Map.of(), null));
        }
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            // 12 messages on a channel that hangs until the timeout, 4 send threads: the last wait two timeouts for a thread
            Future<List<Messages.BatchItem>> batch = client.submit(() -> messages.submitAll(tenant, ACTOR,
                    new Messages.BatchRequest("hang", TRANSACTIONAL, null, "Hello", null, recipients)));
            UUID last = await().atMost(WAIT).until(() -> lastSending(recipients.get(11).customerId()), java.util.Objects::nonNull);
            OffsetDateTime before = messages.get(tenant, last).dueAt();

            messages.renewLeases();

            Messages.Message renewed = messages.get(tenant, last);
            if (renewed.state() == Messages.State.SENDING) {
                assertThat(renewed.dueAt()).isAfter(before);
                assertThat(renewed.attempts()).isEqualTo(1);
            }
            List<Messages.BatchItem> items = batch.get(10, TimeUnit.SECONDS);
            assertThat(items).allSatisfy(i -> {
                assertThat(i.message().state()).isEqualTo(Messages.State.RETRY);
                if (i.message().attempts() == 0) {
                    // no send thread came free within the timeout: put back, the attempt not counted
                    assertThat(i.message().reason()).contains("send threads stayed busy");
                } else {
                    assertThat(i.message().attempts()).as("attempted once, by the batch").isEqualTo(1);
                    assertThat(i.message().reason()).contains("did not answer");
                }
            });
            // their retries hang too: let them run out here, or they hold the send threads while the next test sends
            items.forEach(i -> awaitState(i.message().id(), Messages.State.DEAD));
        } finally {
            client.shutdownNow();
        }
    }

    private UUID lastSending(UUID customerId) throws SQLException {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id FROM message WHERE customer_id = ? AND state = 'SENDING'")) {
            ps.setObject(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1, UUID.class) : null;
            }
        }
    }

    @Test
    void aDeadLetterCanBeSentAgain() {
        channel(TestBundles.throwingChannel("fixture.flaky", "flaky"), "flaky");
        Customer ida = customer("{\"email\": \"ida@example.com\"}");
        Messages.Message m = messages.submit(tenant, ACTOR, request(ida, "flaky", TRANSACTIONAL, "Hello {{customer.email}}", null)).message();
        assertThatThrownBy(() -> messages.resend(tenant, m.id(), ACTOR)).as("not dead yet").isInstanceOf(ConflictException.class);
        awaitState(m.id(), Messages.State.DEAD);
        assertThatThrownBy(() -> messages.resend(otherTenant(), m.id(), ACTOR)).as("another tenant's").isInstanceOf(NotFoundException.class);

        // the provider is fixed: the throwing channel gives way to one that works
        kernel.plugins().stop("fixture.flaky", tenant, ACTOR);
        Supplier<List<OutboundMessage>> fixed = recording("fixture.fixed", "flaky");
        Messages.Message again = messages.resend(tenant, m.id(), ACTOR);

        assertThat(again.state()).isIn(Messages.State.RETRY, Messages.State.SENDING, Messages.State.SENT);
        Messages.Message sent = awaitState(m.id(), Messages.State.SENT);
        assertThat(sent.attempts()).as("a fresh set of attempts").isEqualTo(1);
        assertThat(sent.providerId()).isEqualTo("rec-1");
        assertThat(sent.text()).as("the content rendered at the first submit").isEqualTo("Hello ida@example.com");
        assertThat(fixed.get()).singleElement().satisfies(out -> {
            assertThat(out.id()).isEqualTo(m.id());
            assertThat(out.attempt()).isEqualTo(1);
        });
        assertThat(events(ida, EventTypes.MESSAGE_FAILED)).hasSize(1);
        assertThat(events(ida, EventTypes.MESSAGE_SENT)).hasSize(1);
        assertThatThrownBy(() -> messages.resend(tenant, m.id(), ACTOR)).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> messages.resend(tenant, UUID.randomUUID(), ACTOR)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aResentDeadLetterIsCheckedForConsentAgain() {
        channel(TestBundles.throwingChannel("fixture.flaky2", "flaky2"), "flaky2");
        Customer kim = customer("{\"email\": \"kim@example.com\"}");
        consent(kim, MARKETING, "flaky2", ConsentStatus.GRANTED);
        Messages.Message m = messages.submit(tenant, ACTOR, request(kim, "flaky2", MARKETING, "Sale!", null)).message();
        awaitState(m.id(), Messages.State.DEAD);

        // while the message lay dead, the customer withdrew consent; then the provider was fixed and an admin resent
        consent(kim, MARKETING, "flaky2", ConsentStatus.WITHDRAWN);
        kernel.plugins().stop("fixture.flaky2", tenant, ACTOR);
        Supplier<List<OutboundMessage>> fixed = recording("fixture.fixed2", "flaky2");
        messages.resend(tenant, m.id(), ACTOR);

        Messages.Message done = awaitState(m.id(), Messages.State.SENT, Messages.State.REJECTED, Messages.State.DEAD);
        assertThat(fixed.get()).as("no marketing message after consent was withdrawn").isEmpty();
        assertThat(done.state()).isEqualTo(Messages.State.REJECTED);
        assertThat(done.reason()).contains("withdrew");
    }

    @Test
    void theChannelsOwnAnswersAreRecorded() {
        Customer lu = customer("{\"email\": \"lu@example.com\"}");

        Messages.Message rejected = messages.submit(tenant, ACTOR, answer(lu, "reject")).message();
        assertThat(rejected.state()).isEqualTo(Messages.State.REJECTED);
        assertThat(rejected.attempts()).isEqualTo(1);
        assertThat(rejected.reason()).isEqualTo("the fixture provider refuses lu@example.com");
        assertThat(onlyEvent(lu, EventTypes.MESSAGE_REJECTED).properties()).containsEntry(EventTypes.PROPERTY_REASON, rejected.reason());

        OffsetDateTime before = OffsetDateTime.now(clock);
        Messages.Message later = messages.submit(tenant, ACTOR, answer(lu, "later")).message();
        assertThat(later.state()).isEqualTo(Messages.State.RETRY);
        assertThat(later.reason()).isEqualTo("the fixture provider is rate limited");
        assertThat(later.dueAt()).as("the provider's wait, not the kernel's backoff")
                .isBetween(before.plusMinutes(59), OffsetDateTime.now(clock).plusMinutes(61));
        messages.runDue();
        assertThat(messages.get(tenant, later.id()).attempts()).as("not due yet").isEqualTo(1);

        Messages.Message nothing = messages.submit(tenant, ACTOR, answer(lu, "nothing")).message();
        assertThat(nothing.state()).isEqualTo(Messages.State.RETRY);
        assertThat(nothing.reason()).contains("answered nothing");
        assertThat(sentTo(email, lu)).isEmpty();
    }

    @Test
    void anAttemptWhoseNodeDiedIsTakenUpOnceItsLeaseRunsOut() throws SQLException {
        Customer mo = customer("{\"email\": \"mo@example.com\"}");
        Messages.Message m = messages.submit(tenant, ACTOR, request(mo, "email", TRANSACTIONAL, "Hello", null)).message();
        // what a node that died during its attempt leaves behind: SENDING, with a lease that ran out
        sql("UPDATE message SET state = 'SENDING', due_at = ? WHERE id = ?", OffsetDateTime.now(clock).minusSeconds(1), m.id());

        Messages.Message again = awaitState(m.id(), Messages.State.SENT);

        assertThat(again.attempts()).isEqualTo(2);
        assertThat(sentTo(email, mo)).extracting(OutboundMessage::id).as("the same id: the provider can tell a repeat").containsExactly(m.id(), m.id());
        assertThat(sentTo(email, mo)).extracting(OutboundMessage::attempt).containsExactly(1, 2);
    }

    @Test
    void erasingACustomerErasesTheirMessages() throws SQLException {
        Customer oz = customer("{\"email\": \"oz@example.com\", \"firstName\": \"Oz\"}");
        Messages.Message sent = messages.submit(tenant, ACTOR, request(oz, "email", TRANSACTIONAL, "Dear {{customer.firstName}}", null)).message();
        Messages.Message waiting = messages.submit(tenant, ACTOR, answer(oz, "later")).message();
        assertThat(sent.text()).isEqualTo("Dear Oz");

        kernel.customers().erase(tenant, oz.id());
        // had the retry stayed, its next attempt would be due now
        sql("UPDATE message SET due_at = ? WHERE id = ?", OffsetDateTime.now(clock).minusSeconds(1), waiting.id());
        messages.runDue();

        // rendered bodies hold personal data ("Dear Oz"): GDPR erasure takes them along
        assertThat(count("SELECT COUNT(*) FROM message WHERE customer_id = ?", oz.id())).isZero();
        assertThatThrownBy(() -> messages.get(tenant, sent.id())).isInstanceOf(NotFoundException.class);
        assertThat(count("SELECT COUNT(*) FROM event WHERE customer_id = ?", oz.id())).as("nothing back on an erased timeline").isZero();
    }

    // --- templates -----------------------------------------------------------------------------------------

    @Test
    void templatesRenderTheCustomerAndDataAndEscapeHtml() {
        Customer zoe = customer("{\"email\": \"zoe@example.com\", \"firstName\": \"Zoë\", \"lastName\": \"O'Hara\", \"tags\": [\"vip\"],"
                + " \"attributes\": {\"city\": \"Lyon\"}}");
        Map<String, Object> data = Map.of("note", "<b>50% & more</b>", "order", "A-7");

        Messages.Message m = messages.submit(tenant, ACTOR, new Messages.SendRequest(zoe.id(), "email", TRANSACTIONAL,
                "{{customer.firstName}}: {{data.note}}",
                "Hello {{customer.firstName}} {{customer.lastName}} from {{customer.attributes.city}}, order {{data.order}}{{data.missing}}"
                        + " ({{#customer.tags}}{{.}}{{/customer.tags}}) {{message.id}}",
                "<p>{{customer.lastName}}: {{data.note}}</p>", data, null)).message();

        assertThat(m.state()).isEqualTo(Messages.State.SENT);
        assertThat(m.subject()).as("plain text: not escaped").isEqualTo("Zoë: <b>50% & more</b>");
        assertThat(m.text()).isEqualTo("Hello Zoë O'Hara from Lyon, order A-7 (vip) " + m.id());
        assertThat(m.html()).startsWith("<p>O").contains("&lt;b&gt;50% &amp; more&lt;/b&gt;").doesNotContain("<b>").doesNotContain("O'Hara")
                .endsWith("</p>");
        assertThat(sentTo(email, zoe)).singleElement().satisfies(out -> {
            assertThat(out.subject()).isEqualTo(m.subject());
            assertThat(out.text()).isEqualTo(m.text());
            assertThat(out.html()).isEqualTo(m.html());
        });
    }

    @Test
    void aBrokenTemplateIsBadInputNamingItsField() {
        Customer jo = customer("{\"email\": \"jo@example.com\"}");

        assertThat(invalid(() -> messages.submit(tenant, ACTOR, request(jo, "email", TRANSACTIONAL, "Hello {{#customer}}", null))))
                .singleElement().satisfies(e -> {
                    assertThat(e.field()).isEqualTo("/text");
                    assertThat(e.detail()).contains("Mustache");
                });
        assertThat(invalid(() -> messages.submit(tenant, ACTOR, request(jo, "email", TRANSACTIONAL, "Hello {{> header}}", null))))
                .as("templates cannot include others").extracting(FieldError::field).containsExactly("/text");
        assertThat(invalid(() -> messages.submit(tenant, ACTOR, request(jo, "email", TRANSACTIONAL, "ok", "<p>{{/customer}}</p>"))))
                .extracting(FieldError::field).containsExactly("/html");
        assertThat(invalid(() -> messages.submit(tenant, ACTOR,
                new Messages.SendRequest(jo.id(), "email", TRANSACTIONAL, "{{#data}}", "ok", null, null, null))))
                .extracting(FieldError::field).containsExactly("/subject");

        assertThat(messages.list(tenant, null, jo.id(), 10)).as("nothing stored").isEmpty();
        assertThat(sentTo(email, jo)).isEmpty();
    }

    // --- helpers -------------------------------------------------------------------------------------------

    @Test
    void aMarketingMessageCarriesSignedLinksToUnsubscribeAndToThePreferences() {
        Customer fay = customer("{\"email\": \"fay-links@example.com\"}");
        consent(fay, MARKETING, "email", ConsentStatus.GRANTED);
        messages.submit(tenant, ACTOR, request(fay, "email", MARKETING, "News", null));
        messages.submit(tenant, ACTOR, request(fay, "email", TRANSACTIONAL, "Receipt", null));
        List<OutboundMessage> out = sentTo(email, fay);
        assertThat(out).hasSize(2);
        OutboundMessage news = out.get(0);
        Links.Claim unsubscribe = kernel.links().verify(LinksTest.token(news.unsubscribeUrl())).orElseThrow();
        assertThat(unsubscribe.kind()).isEqualTo(Links.Kind.UNSUBSCRIBE);
        assertThat(unsubscribe.customerId()).isEqualTo(fay.id());
        assertThat(unsubscribe.purpose()).isEqualTo(MARKETING);
        assertThat(unsubscribe.channel()).isEqualTo("email");
        assertThat(kernel.links().verify(LinksTest.token(news.preferencesUrl())).orElseThrow().kind()).isEqualTo(Links.Kind.PREFERENCES);
        // a transactional message has nothing to unsubscribe from
        assertThat(out.get(1).unsubscribeUrl()).isNull();
        assertThat(out.get(1).preferencesUrl()).isNotNull();
    }

    @Test
    void aTemplateThatReadsAValueNoContextHasIsRefusedAndAPreviewRendersWithoutSending() throws SQLException {
        Customer gus = customer("{\"email\": \"gus-preview@example.com\", \"firstName\": \"Gus\", \"attributes\": {\"city\": \"Lyon\"}}");
        List<FieldError> errors = invalid(() -> messages.submit(tenant, ACTOR, request(gus, "email", TRANSACTIONAL, "Hi {{customer.frstName}}", null)));
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("/text");
            assertThat(e.detail()).contains("{{customer.frstName}}").contains("firstName");
        });
        assertThat(invalid(() -> messages.submit(tenant, ACTOR, request(gus, "email", TRANSACTIONAL, "Hi", "<p>{{firstName}}</p>"))))
                .extracting(FieldError::field).containsExactly("/html");
        assertThat(sentTo(email, gus)).isEmpty();

        Messages.Preview p = messages.preview(tenant, new Messages.SendRequest(gus.id(), "email", MARKETING, "For {{customer.firstName}}",
                "{{customer.firstName}} in {{customer.attributes.city}}: {{data.offer}}", "<b>{{customer.firstName}}</b> & {{data.offer}}",
                Map.of("offer", "<20 %>"), null));
        assertThat(p.subject()).isEqualTo("For Gus");
        assertThat(p.text()).isEqualTo("Gus in Lyon: <20 %>");
        assertThat(p.html()).isEqualTo("<b>Gus</b> & &lt;20 %&gt;");
        assertThat(sentTo(email, gus)).isEmpty();
        assertThat(count("SELECT COUNT(*) FROM message WHERE customer_id = ?", gus.id())).isZero();
    }

    @Test
    void aHardBounceRejectsTheMessageAndSuppressesTheCustomerOnThatChannel() {
        Customer hal = customer("{\"email\": \"hal-bounce@example.com\"}");
        Messages.Message m = messages.submit(tenant, ACTOR, new Messages.SendRequest(hal.id(), "email", TRANSACTIONAL, "Receipt", "Thanks", null,
                Map.of("answer", "bounce"), null)).message();
        assertThat(m.state()).isEqualTo(Messages.State.REJECTED);
        assertThat(m.reason()).contains("550 5.1.1");
        assertThat(onlyEvent(hal, EventTypes.MESSAGE_BOUNCED).properties()).containsEntry(EventTypes.PROPERTY_MESSAGE_ID, m.id().toString());
        assertThat(messages.suppressions(tenant, hal.id())).singleElement().satisfies(s -> {
            assertThat(s.channel()).isEqualTo("email");
            assertThat(s.reason()).startsWith("hard bounce: ");
        });
        // the next message to that address is refused by the kernel before the channel sees it; another channel still works
        Messages.Message next = messages.submit(tenant, ACTOR, request(hal, "email", TRANSACTIONAL, "Receipt", null)).message();
        assertThat(next.state()).isEqualTo(Messages.State.REJECTED);
        assertThat(next.reason()).contains("suppressed");
        assertThat(messages.submit(tenant, ACTOR, request(hal, "sms", TRANSACTIONAL, "Code 1234", null)).message().state()).isEqualTo(Messages.State.SENT);
    }

    // --- the tenant's send policy -------------------------------------------------------------------------

    @Test
    void quietHoursHoldMarketingUntilTheyEndAndLetTransactionalThrough() {
        UUID shop = otherTenant();
        OffsetDateTime now = OffsetDateTime.now(clock);
        // quiet hours around now, in UTC: from an hour ago to two hours from now
        java.time.LocalTime start = now.minusHours(1).toLocalTime().withSecond(0).withNano(0);
        java.time.LocalTime end = now.plusHours(2).toLocalTime().withSecond(0).withNano(0);
        messages.setPolicy(shop, new SendPolicy(start, end, java.time.ZoneId.of("UTC"), null, null), ACTOR);
        Customer cy = kernel.customers().create(shop, changes("{\"email\": \"cy@example.com\"}"), ACTOR);
        kernel.customers().setConsent(shop, cy.id(), new Consent(MARKETING, "email", ConsentStatus.GRANTED, "test", now), ACTOR);

        Messages.Message held = messages.submit(shop, ACTOR, request(cy, "email", MARKETING, "Sale!", null)).message();
        assertThat(held.state()).isEqualTo(Messages.State.RETRY);
        assertThat(held.attempts()).isZero();
        assertThat(held.dueAt()).isAfter(now.plusHours(1)).isBefore(now.plusHours(2).plusMinutes(1));
        assertThat(held.reason()).startsWith("held for quiet hours until " + SendPolicy.format(end) + " UTC");
        assertThat(sentTo(email, cy)).isEmpty();

        Messages.Message receipt = messages.submit(shop, ACTOR, request(cy, "email", TRANSACTIONAL, "Your receipt", null)).message();
        assertThat(receipt.state()).isEqualTo(Messages.State.SENT);

        // a customer in a zone where it is not quiet now gets it at once
        String zone = java.time.ZoneId.getAvailableZoneIds().stream().sorted()
                .filter(z -> new SendPolicy(start, end, java.time.ZoneId.of("UTC"), null, null).allowedAt(now, z).equals(now))
                .filter(z -> z.contains("/")).findFirst().orElseThrow();
        Customer dee = kernel.customers().create(shop, changes("{\"email\": \"dee@example.com\", \"timeZone\": \"" + zone + "\"}"), ACTOR);
        kernel.customers().setConsent(shop, dee.id(), new Consent(MARKETING, "email", ConsentStatus.GRANTED, "test", now), ACTOR);
        assertThat(messages.submit(shop, ACTOR, request(dee, "email", MARKETING, "Sale!", null)).message().state()).isEqualTo(Messages.State.SENT);

        // the held message is not touched by the retry worker before its time
        messages.runDue();
        assertThat(messages.get(shop, held.id()).state()).isEqualTo(Messages.State.RETRY);
        assertThat(messages.get(shop, held.id()).attempts()).isZero();
    }

    @Test
    void theFrequencyCapCountsEveryChannelButNotTransactionalMessages() {
        UUID shop = otherTenant();
        messages.setPolicy(shop, new SendPolicy(null, null, java.time.ZoneId.of("Europe/Paris"), 2, 7), ACTOR);
        assertThat(messages.policy(shop).capMessages()).isEqualTo(2);
        OffsetDateTime now = OffsetDateTime.now(clock);
        Customer eve = kernel.customers().create(shop, changes("{\"email\": \"eve@example.com\", \"phone\": \"+33612345678\"}"), ACTOR);
        for (String ch : List.of("email", "sms")) {
            kernel.customers().setConsent(shop, eve.id(), new Consent(MARKETING, ch, ConsentStatus.GRANTED, "test", now), ACTOR);
        }
        assertThat(messages.submit(shop, ACTOR, request(eve, "email", MARKETING, "one", null)).message().state()).isEqualTo(Messages.State.SENT);
        assertThat(messages.submit(shop, ACTOR, request(eve, "email", TRANSACTIONAL, "receipt", null)).message().state()).isEqualTo(Messages.State.SENT);
        assertThat(messages.submit(shop, ACTOR, request(eve, "sms", MARKETING, "two", null)).message().state()).isEqualTo(Messages.State.SENT);
        Messages.Message third = messages.submit(shop, ACTOR, request(eve, "email", MARKETING, "three", null)).message();
        assertThat(third.state()).isEqualTo(Messages.State.REJECTED);
        assertThat(third.reason()).startsWith("frequency cap").contains("at most 2");
        assertThat(messages.submit(shop, ACTOR, request(eve, "sms", TRANSACTIONAL, "code 1234", null)).message().state()).isEqualTo(Messages.State.SENT);
        // another tenant has no policy
        assertThat(messages.policy(tenant)).isEqualTo(SendPolicy.NONE);
    }

    // --- batches ---------------------------------------------------------------------------------------------

    @Test
    void aBatchSendsEachRecipientTheirOwnMessageAndNamesEachOneItCannotTake() throws SQLException {
        Customer ada = customer("{\"email\": \"ada.batch@example.com\", \"firstName\": \"Ada\"}");
        Customer bob = customer("{\"email\": \"bob@example.com\", \"firstName\": \"Bob\"}");
        Customer cy = customer("{\"email\": \"cyd@example.com\", \"firstName\": \"Cy\"}");
        consent(ada, MARKETING, "email", ConsentStatus.GRANTED);
        consent(cy, MARKETING, "email", ConsentStatus.GRANTED);
        suppress(cy, "email", "complaint");
        UUID nobody = UUID.randomUUID();
        String key = "spring-" + ada.id();

        List<Messages.BatchItem> items = messages.submitAll(tenant, ACTOR, new Messages.BatchRequest("email", MARKETING, "Spring sale",
                "Hello {{customer.firstName}}, code {{data.code}}", null, List.of(
                        new Messages.Recipient(ada.id(), Map.of("code", "A1"), key),
                        new Messages.Recipient(bob.id(), Map.of("code", "B2"), null),
                        new Messages.Recipient(cy.id(), Map.of("code", "C3"), null),
                        new Messages.Recipient(nobody, Map.of(), null),
                        new Messages.Recipient(ada.id(), Map.of("code", "A1"), key))));

        assertThat(items).extracting(Messages.BatchItem::index).containsExactly(0, 1, 2, 3, 4);
        assertThat(items.get(0).message().state()).isEqualTo(Messages.State.SENT);
        assertThat(items.get(0).created()).isTrue();
        assertThat(items.get(1).message().state()).isEqualTo(Messages.State.REJECTED);
        assertThat(items.get(1).message().reason()).contains("not consented");
        assertThat(items.get(2).message().reason()).contains("suppressed");
        assertThat(items.get(3).message()).isNull();
        assertThat(items.get(3).error().field()).isEqualTo("/recipients/3/customerId");
        assertThat(items.get(3).error().detail()).contains(nobody.toString());
        assertThat(items.get(4).created()).as("the same key twice in one batch is one message").isFalse();
        assertThat(items.get(4).message().id()).isEqualTo(items.get(0).message().id());

        assertThat(sentTo(email, ada)).singleElement().satisfies(out -> {
            assertThat(out.text()).isEqualTo("Hello Ada, code A1");
            assertThat(out.unsubscribeUrl()).isNotNull();
        });
        assertThat(sentTo(email, bob)).isEmpty();
        assertThat(sentTo(email, cy)).isEmpty();
        assertThat(onlyEvent(ada, EventTypes.MESSAGE_SENT).properties()).containsEntry(EventTypes.PROPERTY_MESSAGE_ID,
                items.get(0).message().id().toString());
        assertThat(onlyEvent(bob, EventTypes.MESSAGE_REJECTED).properties().get(EventTypes.PROPERTY_REASON).toString()).contains("not consented");

        // the same batch again sends nothing new to the keyed recipient
        List<Messages.BatchItem> again = messages.submitAll(tenant, ACTOR, new Messages.BatchRequest("email", MARKETING, "Spring sale",
                "Hello {{customer.firstName}}", null, List.of(new Messages.Recipient(ada.id(), Map.of(), key))));
        assertThat(again.get(0).created()).isFalse();
        assertThat(again.get(0).message().id()).isEqualTo(items.get(0).message().id());
        assertThat(sentTo(email, ada)).hasSize(1);
    }

    @Test
    void aBatchWithABrokenTemplateStoresAndSendsNothing() throws SQLException {
        Customer dee = customer("{\"email\": \"dee.batch@example.com\", \"firstName\": \"Dee\"}");

        List<FieldError> errors = invalid(() -> messages.submitAll(tenant, ACTOR, new Messages.BatchRequest("email", TRANSACTIONAL, null,
                "Hello {{customer.frstName}}", null, List.of(new Messages.Recipient(dee.id(), Map.of(), null)))));

        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("/text");
            assertThat(e.detail()).contains("customer.frstName");
        });
        assertThat(count("SELECT COUNT(*) FROM message WHERE customer_id = ?", dee.id())).isZero();
    }

    @Test
    void aLargeBatchIsSentOnceToEveryoneWithEveryOutcomeOnTheTimeline() throws SQLException {
        List<Customer> many = new ArrayList<>();
        List<Messages.Recipient> recipients = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Customer c = customer("{\"email\": \"batch" + i + "@example.com\", \"firstName\": \"N" + i + "\"}");
            many.add(c);
            recipients.add(new Messages.Recipient(c.id(), Map.of("i", i), "large-" + i));
        }

        List<Messages.BatchItem> items = messages.submitAll(tenant, ACTOR, new Messages.BatchRequest("sms", TRANSACTIONAL, null,
                "Code {{data.i}} for {{customer.firstName}}", null, recipients));

        assertThat(items).allSatisfy(i -> assertThat(i.message().state()).isEqualTo(Messages.State.SENT));
        for (int i = 0; i < many.size(); i++) {
            assertThat(sentTo(sms, many.get(i))).singleElement().extracting(OutboundMessage::text).isEqualTo("Code " + i + " for N" + i);
        }
        assertThat(count("SELECT COUNT(*) FROM event WHERE type = 'message.sent' AND customer_id IN (SELECT customer_id FROM message "
                + "WHERE idempotency_key LIKE 'large-%') AND source = ?", Messages.SOURCE)).isEqualTo(300);
    }

    // --- delivery updates -----------------------------------------------------------------------------------

    @Test
    void aDeliveryUpdateLandsOnTheTimelineOnceAndMovesTheMessageForwardOnly() {
        Customer fay = customer("{\"email\": \"fay.report@example.com\", \"firstName\": \"Fay\"}");
        Messages.Message m = messages.submit(tenant, ACTOR, request(fay, "email", TRANSACTIONAL, "Hi", null)).message();
        var delivered = new io.rapport.api.message.MessageService.Update(io.rapport.api.message.MessageService.Delivery.DELIVERED, "250 ok", null, null);
        var opened = new io.rapport.api.message.MessageService.Update(io.rapport.api.message.MessageService.Delivery.OPENED, null, null, null);

        var first = messages.report(m.id(), delivered).orElseThrow();
        var second = messages.report(m.id(), delivered).orElseThrow();

        assertThat(first.recorded()).isTrue();
        assertThat(first.customerId()).isEqualTo(fay.id());
        assertThat(first.tenantId()).isEqualTo(tenant);
        assertThat(second.recorded()).as("a repeat").isFalse();
        Event e = onlyEvent(fay, "email.delivered");
        assertThat(e.properties()).containsEntry(EventTypes.PROPERTY_MESSAGE_ID, m.id().toString()).containsEntry(EventTypes.PROPERTY_REASON, "250 ok");
        assertThat(messages.get(tenant, m.id()).delivery()).isEqualTo(io.rapport.api.message.MessageService.Delivery.DELIVERED);

        await().atMost(WAIT).until(() -> kernel.events().outboxDepth() == 0);
        assertThat(kernel.customers().find(tenant, fay.id()).orElseThrow().lastSeenAt())
                .as("a message sent or delivered is not the customer's activity").isEqualTo(fay.lastSeenAt());

        messages.report(m.id(), opened);
        await().atMost(WAIT).until(() -> kernel.events().outboxDepth() == 0);
        assertThat(kernel.customers().find(tenant, fay.id()).orElseThrow().lastSeenAt()).as("an open is").isNotEqualTo(fay.lastSeenAt());
        messages.report(m.id(), click("https://shop.example/a"));
        messages.report(m.id(), click("https://shop.example/b"));
        messages.report(m.id(), click("https://shop.example/a"));
        messages.report(m.id(), opened);

        assertThat(events(fay, "email.opened")).hasSize(1);
        assertThat(events(fay, "email.clicked")).extracting(ev -> ev.properties().get("url"))
                .containsExactlyInAnyOrder("https://shop.example/a", "https://shop.example/b");
        assertThat(messages.get(tenant, m.id()).delivery()).as("an open after a click does not move it back")
                .isEqualTo(io.rapport.api.message.MessageService.Delivery.CLICKED);
        assertThat(messages.list(tenant, new Messages.Filter(null, fay.id(), "email", io.rapport.api.message.MessageService.Delivery.CLICKED, null, 10)))
                .extracting(Messages.Message::id).containsExactly(m.id());
        assertThat(messages.report(UUID.randomUUID(), opened)).isEmpty();
    }

    @Test
    void aHardBounceOrAComplaintReportedLaterSuppressesTheCustomerOnTheChannel() {
        Customer gil = customer("{\"email\": \"gil@example.com\", \"phone\": \"+33612345678\"}");
        Messages.Message mail = messages.submit(tenant, ACTOR, request(gil, "email", TRANSACTIONAL, "Hi", null)).message();
        Messages.Message text = messages.submit(tenant, ACTOR, request(gil, "sms", TRANSACTIONAL, "Hi", null)).message();

        var bounced = messages.reportByProvider("email", mail.providerId(), new io.rapport.api.message.MessageService.Update(
                io.rapport.api.message.MessageService.Delivery.HARD_BOUNCED, "550 5.1.1 user unknown", null, null));
        messages.report(text.id(), new io.rapport.api.message.MessageService.Update(io.rapport.api.message.MessageService.Delivery.COMPLAINED, null,
                null, null));

        assertThat(bounced).isPresent();
        assertThat(onlyEvent(gil, "email.bounced").properties()).containsEntry("hard", true);
        assertThat(onlyEvent(gil, "sms.complained")).isNotNull();
        assertThat(messages.suppressions(tenant, gil.id())).extracting(Messages.Suppression::channel, s -> s.reason().split(":")[0])
                .containsExactly(org.assertj.core.groups.Tuple.tuple("email", "hard bounce"), org.assertj.core.groups.Tuple.tuple("sms", "complaint"));
        assertThat(messages.submit(tenant, ACTOR, request(gil, "email", TRANSACTIONAL, "Again", null)).message().reason()).contains("suppressed");
        assertThat(messages.reportByProvider("sms", mail.providerId(), new io.rapport.api.message.MessageService.Update(
                io.rapport.api.message.MessageService.Delivery.DELIVERED, null, null, null))).as("another channel's provider id").isEmpty();
    }

    @Test
    void aReceiptThatComesBeforeItsOutcomeIsStoredStillFindsItsMessage() throws Exception {
        List<Messages.Recipient> recipients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            recipients.add(new Messages.Recipient(customer("{\"email\": \"fast" + i + "@example.com\"}").id(), Map.of(), null));
        }
        int before = sms.get().size();
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Future<List<Messages.BatchItem>> batch = client.submit(() -> messages.submitAll(tenant, ACTOR,
                    new Messages.BatchRequest("sms", TRANSACTIONAL, null, "Code 1234", null, recipients)));
            // the channel answered (its id is rec-<n>); its outcome may still be on its way to the database
            await().atMost(WAIT).pollInterval(Duration.ofMillis(1)).until(() -> sms.get().size() > before);
            var receipt = messages.reportByProvider("sms", "rec-" + (before + 1), new io.rapport.api.message.MessageService.Update(
                    io.rapport.api.message.MessageService.Delivery.DELIVERED, "DELIVRD", null, null));

            assertThat(receipt).as("the receipt finds its message").isPresent();
            assertThat(batch.get(10, TimeUnit.SECONDS)).allSatisfy(i -> assertThat(i.message().state()).isEqualTo(Messages.State.SENT));
            assertThat(messages.get(tenant, receipt.get().messageId()).delivery()).isEqualTo(io.rapport.api.message.MessageService.Delivery.DELIVERED);
        } finally {
            client.shutdownNow();
        }
    }

    @Test
    void aProviderIdUsedAgainReportsOnTheNewestMessageWithIt() throws SQLException {
        Customer hub = customer("{\"email\": \"hub@example.com\"}");
        Messages.Message older = messages.submit(tenant, ACTOR, request(hub, "sms", TRANSACTIONAL, "One", null)).message();
        Messages.Message newer = messages.submit(tenant, ACTOR, request(hub, "sms", TRANSACTIONAL, "Two", null)).message();
        // the SMSC's counter restarted: both carry the same id
        sql("UPDATE message SET provider_id = 'smsc-7' WHERE id IN (?, ?)", older.id(), newer.id());

        var r = messages.reportByProvider("sms", "smsc-7", new io.rapport.api.message.MessageService.Update(
                io.rapport.api.message.MessageService.Delivery.DELIVERED, null, null, null));

        assertThat(r).map(x -> x.messageId()).hasValue(newer.id());
        assertThat(messages.get(tenant, older.id()).delivery()).isNull();
    }

    private static io.rapport.api.message.MessageService.Update click(String url) {
        return new io.rapport.api.message.MessageService.Update(io.rapport.api.message.MessageService.Delivery.CLICKED, null, url, null);
    }

    private Messages.SendRequest request(Customer c, String channel, String purpose, String text, String html) {
        return new Messages.SendRequest(c.id(), channel, purpose, "About your order", text, html, Map.of("order", "42"), null);
    }

    /** Installs a recording channel of {@code type} as the plugin {@code fixture.<type>}. */
    private Supplier<List<OutboundMessage>> recording(String type) {
        return recording("fixture." + type, type);
    }

    @SuppressWarnings("unchecked")
    private Supplier<List<OutboundMessage>> recording(String symbolicName, String type) {
        return (Supplier<List<OutboundMessage>>) install(TestBundles.recordingChannel(symbolicName, type), type);
    }

    private IntSupplier channel(byte[] bundle, String type) {
        return (IntSupplier) install(bundle, type);
    }

    private Channel install(byte[] bundle, String type) {
        kernel.plugins().install(bundle, true, tenant, ACTOR);
        return await().atMost(WAIT).until(() -> kernel.whiteboard().channel(type), Optional::isPresent).get();
    }

    private static List<OutboundMessage> sentTo(Supplier<List<OutboundMessage>> channel, Customer c) {
        return channel.get().stream().filter(out -> out.customer().id().equals(c.id())).toList();
    }

    /** A tenant of its own for each call. */
    private UUID otherTenant() {
        String slug = "other-" + UUID.randomUUID().toString().substring(0, 8);
        return kernel.access().createTenant(slug, "Other shop", "FR").id();
    }

    private Messages.SendRequest answer(Customer c, String answer) {
        return new Messages.SendRequest(c.id(), "email", TRANSACTIONAL, null, "Hello", null, Map.of("answer", answer), null);
    }

    /** Waits, waking the retry worker, until the message is in one of {@code states}. */
    private Messages.Message awaitState(UUID id, Messages.State... states) {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            messages.wakeup();
            return messages.get(tenant, id);
        }, m -> List.of(states).contains(m.state()));
    }

    private void sql(String sql, Object... args) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    private long count(String sql, Object arg) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private Customer customer(String json) {
        return kernel.customers().create(tenant, changes(json), ACTOR);
    }

    private io.rapport.core.customer.CustomerChanges changes(String json) {
        return CustomerJson.changes(Json.readObject(json), null, kernel.customers().stages(), clock);
    }

    private void consent(Customer c, String purpose, String channel, ConsentStatus status) {
        kernel.customers().setConsent(tenant, c.id(), new Consent(purpose, channel, status, "test", OffsetDateTime.now(clock)), ACTOR);
    }

    private void suppress(Customer c, String channel, String reason) throws SQLException {
        try (Connection conn = db.dataSource().getConnection(); PreparedStatement ps = conn.prepareStatement(
                "INSERT INTO suppression (tenant_id, customer_id, channel, reason, created_at) VALUES (?,?,?,?,?)")) {
            ps.setObject(1, tenant);
            ps.setObject(2, c.id());
            ps.setString(3, channel);
            ps.setString(4, reason);
            ps.setObject(5, OffsetDateTime.now(clock));
            ps.executeUpdate();
        }
    }

    private List<Event> events(Customer c, String type) {
        return kernel.events().timeline(tenant, c.id(), List.of(type), null, 50).events();
    }

    private Event onlyEvent(Customer c, String type) {
        List<Event> found = events(c, type);
        assertThat(found).as("%s events", type).hasSize(1);
        return found.get(0);
    }

    private static List<FieldError> invalid(Runnable r) {
        try {
            r.run();
        } catch (InvalidInputException e) {
            return e.errors();
        }
        throw new AssertionError("expected an InvalidInputException");
    }
}

package io.rapport.connector.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;

import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.ImportService;
import io.rapport.api.imports.ImportService.Job;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HubSpotSyncTest {

    static final UUID TENANT = UUID.fromString("00000000-0000-0000-0000-000000000001");
    static final UUID OTHER = UUID.fromString("00000000-0000-0000-0000-000000000002");
    /** When the first sync runs: after every generated change. */
    static final long T0 = FakeHubSpot.BASE + Duration.ofDays(1).toMillis();

    final FakeHubSpot hubspot = FakeHubSpot.start();
    final FakeImports imports = new FakeImports();
    final List<Duration> waits = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        hubspot.close();
    }

    HubSpotClient client(String token, int searchCap, HubSpotClient.Waiter waiter) {
        return new HubSpotClient(new HubSpotClient.Settings(hubspot.baseUrl(), token, 1_000_000, 1_000_000, Duration.ofSeconds(10), searchCap, waiter));
    }

    HubSpotSync sync(HubSpotClient client, long now, Duration overlap) {
        return new HubSpotSync(TENANT, imports, client, new ContactMapper(List.of(ContactMapper.Extra.parse("score:number"))),
                Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC), overlap);
    }

    HubSpotSync sync(long now) {
        return sync(client(FakeHubSpot.TOKEN, HubSpotClient.SEARCH_RESULT_CAP, waits::add), now, Duration.ZERO);
    }

    static List<Long> ids(List<ContactRecord> records) {
        return records.stream().map(r -> Long.parseLong(r.externalId())).toList();
    }

    @Test
    void fullSyncPagesThroughEverythingExactlyOnce() {
        hubspot.generate(1234);

        HubSpotSync.Result result = sync(T0).run();

        Job job = imports.job(result.jobId());
        assertThat(job.state()).isEqualTo(ImportService.State.DONE);
        assertThat(job.tenantId()).isEqualTo(TENANT);
        assertThat(job.format()).isEqualTo("hubspot");
        assertThat(job.namespace()).isEqualTo("hubspot");
        assertThat(job.options()).containsEntry(HubSpotSync.OPTION_MODE, HubSpotSync.MODE_FULL);
        List<ContactRecord> records = imports.records(job.id());
        assertThat(hubspot.activeCount()).isEqualTo(1210); // 24 of 1,234 archived
        assertThat(ids(records)).containsExactlyElementsOf(hubspot.activeIds());
        assertThat(records).extracting(ContactRecord::line).containsExactlyElementsOf(LongStream.rangeClosed(1, 1210).boxed().toList());
        assertThat(imports.rejected(job.id())).isEmpty();
        // batches of at most 500, each with its last line; a full sync's cursor is when it started
        assertThat(imports.batches(job.id())).extracting(b -> b.records().size()).containsExactly(500, 500, 210);
        assertThat(imports.batches(job.id())).extracting(FakeImports.Batch::lastLine).containsExactly(500L, 1000L, 1210L);
        assertThat(imports.batches(job.id())).extracting(FakeImports.Batch::cursor).containsOnly(Long.toString(T0));
        // HubSpot's list, 100 at a time, not archived, with the properties the mapping needs
        List<FakeHubSpot.Request> lists = hubspot.requests(HubSpotClient.CONTACTS_PATH);
        assertThat(lists).hasSize(13);
        assertThat(hubspot.requests()).hasSize(13);
        assertThat(lists).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.authorization()).isEqualTo("Bearer " + FakeHubSpot.TOKEN);
            assertThat(r.query()).contains("limit=100", "archived=false", "properties=hs_object_id%2Cemail%2Cfirstname%2Clastname%2Cphone", "score");
        });
        assertThat(lists.get(0).query()).doesNotContain("after=");
        assertThat(lists.get(1).query()).contains("after=103"); // HubSpot's after: where the next page starts
        assertThat(imports.calls()).startsWith("lastDone", "create", "claim").endsWith("finish");
    }

    @Test
    void incrementalSyncReadsOnlyWhatChangedSinceTheCursorIncludingTheBoundaryInstant() {
        hubspot.generate(1234);
        assertThat(sync(T0).run().failure()).isNull();

        long t1 = T0 + Duration.ofMinutes(10).toMillis();
        hubspot.touch(t1, 5, 6, 7);
        hubspot.touch(t1 + 1000, 8);
        HubSpotSync.Result second = sync(T0 + Duration.ofMinutes(20).toMillis()).run();

        Job job = imports.job(second.jobId());
        assertThat(job.state()).isEqualTo(ImportService.State.DONE);
        assertThat(job.options()).containsEntry(HubSpotSync.OPTION_MODE, HubSpotSync.MODE_INCREMENTAL).containsEntry(HubSpotSync.OPTION_SINCE,
                Long.toString(T0));
        assertThat(ids(imports.records(job.id()))).containsExactlyInAnyOrder(5L, 6L, 7L, 8L);
        assertThat(imports.records(job.id())).extracting(ContactRecord::line).containsExactly(1L, 2L, 3L, 4L);
        assertThat(job.cursor()).isEqualTo(Long.toString(t1 + 1000));
        FakeHubSpot.Request search = hubspot.requests(HubSpotClient.SEARCH_PATH).get(0);
        Object body = Json.parse(search.body());
        assertThat(Json.write(Json.array(body, "filterGroups")))
                .isEqualTo("[{\"filters\":[{\"propertyName\":\"lastmodifieddate\",\"operator\":\"GTE\",\"value\":\"" + T0 + "\"}]}]");
        assertThat(Json.write(Json.array(body, "sorts"))).isEqualTo("[{\"propertyName\":\"lastmodifieddate\",\"direction\":\"ASCENDING\"}]");
        assertThat(Json.string(body, "limit")).isEqualTo("100");

        // two more contacts change at the very instant of the cursor: the next sync finds them
        hubspot.touch(t1 + 1000, 9, 10);
        HubSpotSync.Result third = sync(T0 + Duration.ofMinutes(30).toMillis()).run();
        assertThat(ids(imports.records(third.jobId()))).containsExactlyInAnyOrder(8L, 9L, 10L);

        // nothing changed: only the contacts of the cursor's instant again (a repeat updates nothing), and the cursor stays
        HubSpotSync.Result fourth = sync(T0 + Duration.ofMinutes(40).toMillis()).run();
        assertThat(imports.job(fourth.jobId()).state()).isEqualTo(ImportService.State.DONE);
        assertThat(ids(imports.records(fourth.jobId()))).containsExactlyInAnyOrder(8L, 9L, 10L);
        assertThat(imports.job(fourth.jobId()).cursor()).isEqualTo(Long.toString(t1 + 1000));
    }

    @Test
    void anIncrementalSyncThatFindsNothingKeepsTheCursor() {
        hubspot.generate(30);
        sync(T0).run();

        HubSpotSync.Result second = sync(T0 + 60_000).run();

        Job job = imports.job(second.jobId());
        assertThat(job.state()).isEqualTo(ImportService.State.DONE);
        assertThat(imports.batches(job.id())).singleElement().satisfies(b -> {
            assertThat(b.records()).isEmpty();
            assertThat(b.cursor()).isEqualTo(Long.toString(T0));
        });
        assertThat(imports.lastDone(TENANT, HubSpotSync.FORMAT)).get().extracting(Job::cursor).isEqualTo(Long.toString(T0));
    }

    @Test
    void anIncrementalSyncStartsALittleBeforeTheCursorForHubSpotsIndexLag() {
        hubspot.generate(30);
        HubSpotSync.Result first = sync(client(FakeHubSpot.TOKEN, HubSpotClient.SEARCH_RESULT_CAP, waits::add), T0, HubSpotSync.OVERLAP).run();
        hubspot.touch(T0 - Duration.ofSeconds(30).toMillis(), 4); // changed before the cursor, indexed after it was taken

        HubSpotSync.Result second = sync(client(FakeHubSpot.TOKEN, HubSpotClient.SEARCH_RESULT_CAP, waits::add), T0 + 60_000, HubSpotSync.OVERLAP).run();

        assertThat(first.failure()).isNull();
        assertThat(ids(imports.records(second.jobId()))).containsExactly(4L);
        assertThat(imports.job(second.jobId()).cursor()).isEqualTo(Long.toString(T0)); // never backwards
    }

    @Test
    void rateLimitedRequestsAreWaitedOutAndNothingIsLost() {
        hubspot.generate(1234);
        hubspot.rateLimitEvery(3, "2");

        HubSpotSync.Result result = sync(T0).run();

        assertThat(result.failure()).isNull();
        assertThat(hubspot.rateLimited()).isGreaterThanOrEqualTo(5);
        assertThat(ids(imports.records(result.jobId()))).containsExactlyElementsOf(hubspot.activeIds());
        assertThat(waits).filteredOn(d -> d.equals(Duration.ofSeconds(2))).hasSize(hubspot.rateLimited());
    }

    @Test
    void withoutRetryAfterA429IsWaitedOutWithAGrowingBoundedPause() {
        hubspot.generate(150);
        hubspot.rateLimitEvery(1, null); // every request: give up after a bounded number of tries

        HubSpotSync.Result result = sync(T0).run();

        assertThat(result.failure()).contains("429", "times in a row");
        assertThat(waits).startsWith(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)).hasSize(HubSpotClient.MAX_RATE_LIMITED);
        assertThat(waits).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(HubSpotClient.MAX_WAIT));
        assertThat(imports.job(result.jobId()).state()).isEqualTo(ImportService.State.FAILED);
    }

    @Test
    void aWrongTokenFailsTheJobWithAClearReason() {
        hubspot.generate(10);

        HubSpotSync.Result result = sync(client("pat-wrong", HubSpotClient.SEARCH_RESULT_CAP, waits::add), T0, Duration.ZERO).run();

        Job job = imports.job(result.jobId());
        assertThat(job.state()).isEqualTo(ImportService.State.FAILED);
        assertThat(job.failure()).startsWith("HubSpot refused the access token (401 Unauthorized)").contains("private app's access token");
        assertThat(imports.batches()).isEmpty();
        assertThat(hubspot.requests()).hasSize(1); // not retried
    }

    @Test
    void aMissingScopeFailsTheJobNamingTheScope() {
        hubspot.generate(10);
        hubspot.failNext(403, 1);

        HubSpotSync.Result result = sync(T0).run();

        assertThat(result.failure()).contains("403", "crm.objects.contacts.read");
    }

    @Test
    void hubSpotErrorsAreRetriedAFewTimesThenFailTheJob() {
        hubspot.generate(250);
        hubspot.failNext(503, 2);
        HubSpotSync.Result survived = sync(T0).run();
        assertThat(survived.failure()).isNull();
        assertThat(imports.records(survived.jobId())).hasSize(245);

        hubspot.failNext(502, 10);
        HubSpotSync.Result failed = sync(T0 + 60_000).run();
        assertThat(imports.job(failed.jobId()).state()).isEqualTo(ImportService.State.FAILED);
        assertThat(failed.failure()).contains("HubSpot answered 502", (HubSpotClient.MAX_FAILURES + 1) + " times in a row");
    }

    @Test
    void anUnreachableHubSpotFailsTheJob() {
        hubspot.generate(10);
        hubspot.close();

        HubSpotSync.Result result = sync(T0).run();

        assertThat(result.failure()).startsWith("cannot reach HubSpot at " + hubspot.baseUrl());
        assertThat(imports.job(result.jobId()).state()).isEqualTo(ImportService.State.FAILED);
    }

    @Test
    void theSearchResultCapIsCrossedByRestartingFromTheLastChangeSeen() {
        hubspot.generate(1234);
        hubspot.searchCap(300);
        Job job = imports.leftOver(TENANT, Map.of(HubSpotSync.OPTION_MODE, HubSpotSync.MODE_INCREMENTAL, HubSpotSync.OPTION_SINCE, "0"), 0, null);

        sync(client(FakeHubSpot.TOKEN, 300, waits::add), T0, Duration.ZERO).run();

        HubSpotSync.Result result = new HubSpotSync.Result(job.id(), 0, false, imports.job(job.id()).failure());
        assertThat(imports.job(job.id()).state()).isEqualTo(ImportService.State.DONE);
        // in order of change, each exactly once, though three contacts share each instant and queries end mid-instant
        assertThat(ids(imports.records(result.jobId()))).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(hubspot.activeIds());
        List<FakeHubSpot.Request> searches = hubspot.requests(HubSpotClient.SEARCH_PATH);
        assertThat(searches).allSatisfy(r -> assertThat(Json.string(Json.parse(r.body()), "after")).isNotIn("300", "400"));
        assertThat(searches.stream().map(r -> Json.write(Json.array(Json.parse(r.body()), "filterGroups"))).distinct().count()).isGreaterThan(4);
        assertThat(imports.job(result.jobId()).cursor()).isEqualTo(Long.toString(FakeHubSpot.BASE + 1233 / 3 * 1000));
    }

    @Test
    void moreContactsAtOneInstantThanOneQueryGivesAreReadByIdThenTheSyncGoesOn() {
        hubspot.generate(1000);
        long instant = FakeHubSpot.BASE + 50_000;
        hubspot.touch(instant, LongStream.rangeClosed(200, 650).toArray()); // with 151 to 153: 444 contacts not archived at one instant
        hubspot.searchCap(200);
        Job job = imports.leftOver(TENANT, Map.of(HubSpotSync.OPTION_MODE, HubSpotSync.MODE_INCREMENTAL, HubSpotSync.OPTION_SINCE, "0"), 0, null);

        sync(client(FakeHubSpot.TOKEN, 200, waits::add), T0, Duration.ZERO).run();

        HubSpotSync.Result result = new HubSpotSync.Result(job.id(), 0, false, imports.job(job.id()).failure());
        assertThat(imports.job(job.id()).state()).isEqualTo(ImportService.State.DONE);
        assertThat(ids(imports.records(result.jobId()))).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(hubspot.activeIds());
        assertThat(hubspot.requests(HubSpotClient.SEARCH_PATH)).anySatisfy(r -> assertThat(r.body())
                .contains("{\"propertyName\":\"lastmodifieddate\",\"operator\":\"EQ\",\"value\":\"" + instant + "\"}")
                .contains("\"sorts\":[{\"propertyName\":\"hs_object_id\",\"direction\":\"ASCENDING\"}]"));
        assertThat(hubspot.requests(HubSpotClient.SEARCH_PATH)).anySatisfy(r -> assertThat(r.body())
                .contains("{\"propertyName\":\"lastmodifieddate\",\"operator\":\"GT\",\"value\":\"" + instant + "\"}"));
    }

    @Test
    void aCancelledJobStopsTheSync() {
        hubspot.generate(1234);
        imports.cancelAfterBatches(1);

        HubSpotSync.Result result = sync(T0).run();

        assertThat(result.cancelled()).isTrue();
        assertThat(imports.job(result.jobId()).state()).isEqualTo(ImportService.State.CANCELLED);
        assertThat(imports.batches(result.jobId())).hasSize(1); // its answer said cancelled: nothing more is read
        assertThat(hubspot.requests()).hasSize(5);
    }

    @Test
    void stoppingTheConnectorEndsAWaitAtOnceAndFailsTheJob() {
        hubspot.generate(150);
        hubspot.rateLimitEvery(2, "50"); // the second request waits 50 s
        HubSpotSync sync = sync(client(FakeHubSpot.TOKEN, HubSpotClient.SEARCH_RESULT_CAP, HubSpotClient.Waiter.SLEEP), T0, Duration.ZERO);
        Thread t = new Thread(sync::run, "sync");
        t.setDaemon(true); // should an await below fail, its 50 s wait does not hold the test JVM
        t.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> hubspot.rateLimited() == 1);
        } finally {
            sync.stop();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> !t.isAlive());
        Job job = imports.jobs().get(0);
        assertThat(job.state()).isEqualTo(ImportService.State.FAILED);
        assertThat(job.failure()).isEqualTo(HubSpotSync.STOPPED);
        assertThat(sync.run().jobId()).isNull(); // and no more runs
    }

    @Test
    void leftOverJobsOfTheTenantRunFirstAndAnotherTenantsJobIsLeftAlone() {
        hubspot.generate(20);
        Job mine = imports.leftOver(TENANT, Map.of(HubSpotSync.OPTION_MODE, HubSpotSync.MODE_FULL, HubSpotSync.OPTION_STARTED, "5"), 7, "5");

        HubSpotSync.Result result = sync(T0).run();

        assertThat(imports.job(mine.id()).state()).isEqualTo(ImportService.State.DONE);
        assertThat(imports.records(mine.id())).first().extracting(ContactRecord::line).isEqualTo(8L); // numbered after its stored lines
        assertThat(imports.job(mine.id()).cursor()).isEqualTo("5");
        assertThat(imports.job(result.jobId()).state()).isEqualTo(ImportService.State.DONE); // then the new one
        assertThat(result.jobId()).isNotEqualTo(mine.id());

        Job theirs = imports.leftOver(OTHER, Map.of(HubSpotSync.OPTION_MODE, HubSpotSync.MODE_FULL), 0, null);
        HubSpotSync.Result next = sync(T0 + 60_000).run();
        assertThat(next.jobId()).isNull();
        assertThat(imports.job(theirs.id()).linesDone()).isZero();
        assertThat(imports.batches(theirs.id())).isEmpty();
        assertThat(imports.jobs()).filteredOn(j -> j.tenantId().equals(TENANT) && j.state() == ImportService.State.QUEUED).hasSize(1);
    }
}

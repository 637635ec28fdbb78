package io.rapport.core.survey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.event.Event;
import io.rapport.api.event.EventTypes;
import io.rapport.core.Kernel;
import io.rapport.core.TestClock;
import io.rapport.core.TestDb;
import io.rapport.core.customer.CustomerJson;
import io.rapport.core.json.Json;
import io.rapport.core.message.Messages;
import io.rapport.core.plugin.PluginHost;
import io.rapport.core.plugin.TestBundles;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.spi.channel.OutboundMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Surveys on a real kernel with recording email and SMS channels: sending with a signed link, one answer per send,
 * answers out of range, expired and forged links, the reply keyword, and a scale that never changes once sent. One
 * kernel for the class; each test has surveys and customers of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SurveysTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String ACTOR = "tester";
    private static final Pattern LINK = Pattern.compile("http://localhost:9080/api/v1/public/surveys\\?t=([A-Za-z0-9_.-]+)");

    @TempDir
    static Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestDb db;
    private Kernel kernel;
    private Surveys surveys;
    private UUID tenant;
    private Supplier<List<OutboundMessage>> email;
    private Supplier<List<OutboundMessage>> sms;

    @BeforeAll
    void start() {
        db = TestDb.fresh();
        kernel = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("data")).withPlugins(new PluginHost.Settings(dir.resolve("felix"), null))
                .withMessages(new Messages.Settings(Duration.ofSeconds(2), 2, 3, Duration.ofMillis(10))), clock);
        surveys = kernel.surveys();
        tenant = kernel.defaultTenant().id();
        email = recording("email");
        sms = recording("sms");
    }

    @AfterAll
    void stop() throws SQLException {
        if (kernel != null) {
            kernel.close();
        }
        db.close();
    }

    @Test
    void aDefinitionIsCheckedFieldByField() {
        assertThat(invalid(() -> surveys.create(tenant, new Surveys.Definition(" ", "stars", null, null, null, "", null, "e mail", "transactional", null,
                "No link here", 0)))).extracting(FieldError::field).containsExactlyInAnyOrder("/name", "/kind", "/question", "/channel", "/purpose", "/text",
                        "/validityDays");
        assertThat(invalid(() -> surveys.create(tenant, nps("n-" + UUID.randomUUID(), "Tell us: {{customer.firstName}}"))))
                .extracting(FieldError::field).containsExactly("/text");
        assertThat(invalid(() -> surveys.create(tenant, new Surveys.Definition("bad-" + UUID.randomUUID(), "nps", null, 5, true, "Q?", null, null, null,
                null, "{{survey.link}}", null)))).extracting(FieldError::field).containsExactlyInAnyOrder("/scaleMax", "/lowIsBetter");
        assertThat(invalid(() -> surveys.create(tenant, new Surveys.Definition("ces-" + UUID.randomUUID(), "ces", null, 6, null, "Q?", null, null, null,
                null, "{{survey.link}}", null)))).extracting(FieldError::field).containsExactly("/scaleMax");
        Surveys.Survey ces = surveys.create(tenant, new Surveys.Definition("ces-" + UUID.randomUUID(), "ces", null, 5, true, "How much effort?", null, null,
                null, null, "{{survey.link}}", null));
        assertThat(ces.scale()).isEqualTo("1-5");
        assertThat(ces.lowIsBetter()).isTrue();
        assertThat(ces.channel()).isEqualTo("email");
        assertThat(ces.purpose()).isEqualTo(Consent.PURPOSE_SURVEYS);
        assertThat(ces.validityDays()).isEqualTo(14);
        assertThatThrownBy(() -> surveys.create(tenant, new Surveys.Definition(ces.name(), "csat", null, null, null, "Q?", null, null, null, null,
                "{{survey.link}}", null))).isInstanceOf(ConflictException.class);
    }

    @Test
    void aSendIsAnsweredOnceAndTheAnswerIsOnTheTimeline() {
        Surveys.Survey s = surveys.create(tenant, nps("nps-" + UUID.randomUUID(), "Hi {{customer.firstName}}, {{survey.question}} {{survey.link}}"));
        Customer ann = customer("Ann");

        Surveys.Sent sent = surveys.send(tenant, s.id(), ann.id(), ACTOR, null);

        assertThat(sent.created()).isTrue();
        assertThat(sent.message().state()).isEqualTo(Messages.State.SENT);
        assertThat(sent.message().idempotencyKey()).isEqualTo(Surveys.KEY_PREFIX + sent.send().id());
        OutboundMessage out = last(email, ann);
        assertThat(out.purpose()).isEqualTo(Consent.PURPOSE_SURVEYS);
        assertThat(out.text()).startsWith("Hi Ann, How likely are you to recommend us to a friend? http://localhost:9080/api/v1/public/surveys?t=");
        String token = token(out.text());

        Surveys.Opened opened = surveys.open(token);
        assertThat(opened.survey().id()).isEqualTo(s.id());
        assertThat(opened.send().customerId()).isEqualTo(ann.id());
        assertThat(opened.expired()).isFalse();

        Surveys.Answer a = surveys.answer(token, 9, "  Quick delivery <b>!</b> ");
        assertThat(a.outcome()).isEqualTo(Surveys.Outcome.RECORDED);
        assertThat(a.send().score()).isEqualTo(9);
        assertThat(a.send().comment()).as("stored as text, stripped").isEqualTo("Quick delivery <b>!</b>");

        Surveys.Answer again = surveys.answer(token, 3, null);
        assertThat(again.outcome()).isEqualTo(Surveys.Outcome.ALREADY_ANSWERED);
        assertThat(again.send().score()).as("the first answer stays").isEqualTo(9);

        Event e = onlyEvent(ann, EventTypes.SURVEY_ANSWERED);
        assertThat(e.source()).isEqualTo(Surveys.SOURCE);
        assertThat(e.idempotencyKey()).isEqualTo(Surveys.KEY_PREFIX + sent.send().id());
        assertThat(e.properties()).containsEntry(EventTypes.PROPERTY_SURVEY, s.id().toString())
                .containsEntry(EventTypes.PROPERTY_SEND, sent.send().id().toString()).containsEntry(EventTypes.PROPERTY_KIND, "nps")
                .containsEntry(EventTypes.PROPERTY_SCALE, "0-10").containsEntry(EventTypes.PROPERTY_LOW_IS_BETTER, false)
                .containsEntry(EventTypes.PROPERTY_COMMENT, "Quick delivery <b>!</b>");
        assertThat(new BigDecimal(e.properties().get(EventTypes.PROPERTY_SCORE).toString())).isEqualByComparingTo("9");

        assertThat(surveys.responses(tenant, s.id(), null, 10)).singleElement().satisfies(r -> {
            assertThat(r.customerId()).isEqualTo(ann.id());
            assertThat(r.score()).isEqualTo(9);
            assertThat(r.channel()).isEqualTo("email");
        });
    }

    @Test
    void anAnswerOffTheScaleOrTooLongIsRefusedAndNothingIsRecorded() {
        Surveys.Survey s = surveys.create(tenant, new Surveys.Definition("csat-" + UUID.randomUUID(), "csat", null, null, null, "How satisfied are you?",
                "What could we do better?", null, null, "Your order", "{{survey.link}}", null));
        Customer bo = customer("Bo");
        surveys.send(tenant, s.id(), bo.id(), ACTOR, null);
        String token = token(last(email, bo).text());

        assertThat(invalid(() -> surveys.answer(token, 0, null))).extracting(FieldError::field).containsExactly("/score");
        assertThat(invalid(() -> surveys.answer(token, 6, null))).extracting(FieldError::field).containsExactly("/score");
        assertThat(invalid(() -> surveys.answer(token, null, null))).extracting(FieldError::field).containsExactly("/score");
        assertThat(invalid(() -> surveys.answer(token, 4, "x".repeat(Surveys.MAX_COMMENT + 1)))).extracting(FieldError::field).containsExactly("/comment");
        assertThat(surveys.summary(tenant, s.id()).responses()).isZero();
        assertThat(events(bo, EventTypes.SURVEY_ANSWERED)).isEmpty();

        assertThat(surveys.answer(token, 5, "x".repeat(Surveys.MAX_COMMENT)).outcome()).isEqualTo(Surveys.Outcome.RECORDED);
    }

    @Test
    void anExpiredLinkRecordsNothing() {
        Surveys.Survey s = surveys.create(tenant, new Surveys.Definition("short-" + UUID.randomUUID(), "nps", null, null, null, "Recommend us?", null, null,
                null, null, "{{survey.link}}", 2));
        Customer cy = customer("Cy");
        surveys.send(tenant, s.id(), cy.id(), ACTOR, null);
        String token = token(last(email, cy).text());

        clock.advance(Duration.ofDays(2).plusMinutes(1));
        try {
            assertThat(surveys.open(token).expired()).isTrue();
            assertThat(surveys.answer(token, 10, null).outcome()).isEqualTo(Surveys.Outcome.EXPIRED);
            assertThat(surveys.summary(tenant, s.id()).responses()).isZero();
        } finally {
            clock.advance(Duration.ofDays(-2).minusMinutes(1));
        }
        assertThat(surveys.answer(token, 10, null).outcome()).as("back inside its time").isEqualTo(Surveys.Outcome.RECORDED);
    }

    @Test
    void aForgedOrForeignTokenIsNotFound() {
        Surveys.Survey s = surveys.create(tenant, nps("forged-" + UUID.randomUUID(), "{{survey.link}}"));
        Customer di = customer("Di");
        surveys.send(tenant, s.id(), di.id(), ACTOR, null);
        String token = token(last(email, di).text());
        String forged = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");

        assertThatThrownBy(() -> surveys.answer(forged, 9, null)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> surveys.open("nonsense")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> surveys.open(null)).isInstanceOf(NotFoundException.class);
        // a token of another kind (the preference centre's) is not a survey token
        String preferences = kernel.links().preferences(tenant, di.id()).getQuery().substring("token=".length());
        assertThatThrownBy(() -> surveys.open(preferences)).isInstanceOf(NotFoundException.class);
        // and a survey token is no preference-centre token
        assertThat(kernel.links().verify(token)).isEmpty();
        // a token for a send that does not exist
        String unknown = kernel.links().surveyToken(tenant, UUID.randomUUID(), clock.instant().plusSeconds(60));
        assertThatThrownBy(() -> surveys.open(unknown)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aSendWithTheSameKeyIsMadeOnceAndWithoutConsentTheMessageIsRejected() {
        Surveys.Survey s = surveys.create(tenant, nps("keyed-" + UUID.randomUUID(), "{{survey.link}}"));
        Customer ed = customer("Ed");
        Surveys.Sent first = surveys.send(tenant, s.id(), ed.id(), ACTOR, "k-" + ed.id());
        Surveys.Sent second = surveys.send(tenant, s.id(), ed.id(), ACTOR, "k-" + ed.id());
        assertThat(second.created()).isFalse();
        assertThat(second.send().id()).isEqualTo(first.send().id());
        assertThat(email.get().stream().filter(o -> o.customer().id().equals(ed.id()))).hasSize(1);

        Customer fay = kernel.customers().create(tenant, CustomerJson.changes(Json.readObject("{\"email\": \"fay-" + UUID.randomUUID()
                + "@example.com\", \"firstName\": \"Fay\"}"), null, kernel.customers().stages(), clock), ACTOR);
        assertThat(surveys.send(tenant, s.id(), fay.id(), ACTOR, null).message().state()).as("no consent for surveys").isEqualTo(Messages.State.REJECTED);

        assertThat(invalid(() -> surveys.send(tenant, s.id(), UUID.randomUUID(), ACTOR, null))).extracting(FieldError::field).containsExactly("/customerId");
        surveys.archive(tenant, s.id());
        assertThatThrownBy(() -> surveys.send(tenant, s.id(), ed.id(), ACTOR, null)).isInstanceOf(ConflictException.class);
    }

    @Test
    void theScaleOfASurveyThatWasSentNeverChanges() {
        String name = "fixed-" + UUID.randomUUID();
        Surveys.Survey s = surveys.create(tenant, new Surveys.Definition(name, "ces", null, 7, false, "It was easy to get help.", null, null, null, null,
                "{{survey.link}}", null));
        // before any send, anything goes
        s = surveys.update(tenant, s.id(), new Surveys.Definition(name, "ces", null, 5, true, "How much effort was it?", null, null, null, null,
                "{{survey.link}}", null));
        assertThat(s.scale()).isEqualTo("1-5");
        surveys.send(tenant, s.id(), customer("Gus").id(), ACTOR, null);

        UUID id = s.id();
        assertThatThrownBy(() -> surveys.update(tenant, id, new Surveys.Definition(name, "ces", null, 7, true, "How much effort?", null, null, null, null,
                "{{survey.link}}", null))).isInstanceOf(ConflictException.class).satisfies(e -> assertThat(((ConflictException) e).field())
                        .isEqualTo("/scaleMax"));
        assertThatThrownBy(() -> surveys.update(tenant, id, new Surveys.Definition(name, "ces", null, 5, false, "How much effort?", null, null, null, null,
                "{{survey.link}}", null))).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> surveys.update(tenant, id, new Surveys.Definition(name, "csat", null, 5, false, "How much effort?", null, null, null,
                null, "{{survey.link}}", null))).isInstanceOf(ConflictException.class);
        // the wording may change
        assertThat(surveys.update(tenant, id, new Surveys.Definition(name, "ces", null, 5, true, "How much effort did it take?", null, null, null, null,
                "{{survey.link}}", null)).question()).isEqualTo("How much effort did it take?");
    }

    @Test
    void aTextReplyWithANumberOnTheScaleAnswersTheNewestOpenSmsSurvey() {
        Surveys.Survey s = surveys.create(tenant, new Surveys.Definition("sms-" + UUID.randomUUID(), "nps", null, null, null, "Recommend us?", null, "sms",
                null, null, "{{survey.question}} Reply 0-10.", null));
        Customer hal = customer("Hal");
        Surveys.Sent older = surveys.send(tenant, s.id(), hal.id(), ACTOR, null);
        clock.advance(Duration.ofMinutes(1));
        Surveys.Sent newer = surveys.send(tenant, s.id(), hal.id(), ACTOR, null);
        assertThat(last(sms, hal).text()).isEqualTo("Recommend us? Reply 0-10.");

        reply(hal, "hello");
        reply(hal, "11");
        reply(hal, " 8 ");
        await().atMost(WAIT).until(() -> surveys.findSend(tenant, newer.send().id()).orElseThrow().answered());
        assertThat(surveys.findSend(tenant, newer.send().id()).orElseThrow().score()).isEqualTo(8);
        assertThat(surveys.findSend(tenant, older.send().id()).orElseThrow().answered()).isFalse();

        reply(hal, "6");
        await().atMost(WAIT).until(() -> surveys.findSend(tenant, older.send().id()).orElseThrow().answered());
        assertThat(surveys.findSend(tenant, older.send().id()).orElseThrow().score()).isEqualTo(6);
        Map<Integer, Long> counts = surveys.summary(tenant, s.id()).counts();
        assertThat(counts.get(8)).isEqualTo(1);
        assertThat(counts.get(6)).isEqualTo(1);
        assertThat(counts.get(11)).isNull();
        assertThat(events(hal, EventTypes.SURVEY_ANSWERED)).hasSize(2);
    }

    @Test
    void theSummaryCountsEveryScoreAndComputesTheValue() {
        Surveys.Survey s = surveys.create(tenant, nps("sum-" + UUID.randomUUID(), "{{survey.link}}"));
        int[] answers = {10, 9, 8, 6, 0};
        for (int score : answers) {
            Customer c = customer("S" + score);
            surveys.send(tenant, s.id(), c.id(), ACTOR, null);
            assertThat(surveys.answer(token(last(email, c).text()), score, null).outcome()).isEqualTo(Surveys.Outcome.RECORDED);
        }
        Surveys.Summary sum = surveys.summary(tenant, s.id());
        assertThat(sum.sends()).isEqualTo(5);
        assertThat(sum.responses()).isEqualTo(5);
        assertThat(sum.counts()).hasSize(11).containsEntry(10, 1L).containsEntry(7, 0L);
        // 2 promoters, 1 passive, 2 detractors of 5: 40 % - 40 % = 0
        assertThat(sum.value()).isEqualByComparingTo("0");
    }

    @Test
    void theValueOfEachKindByHand() {
        Map<Integer, Long> nps = new TreeMap<>(Map.of(10, 3L, 9, 2L, 8, 1L, 7, 1L, 5, 2L, 0, 1L));
        // 5 promoters, 2 passives, 3 detractors of 10: 50 - 30 = 20
        assertThat(Surveys.value(Surveys.Kind.NPS, nps)).isEqualByComparingTo("20");
        // 4 and 5 are 3 of 7 answers: 42.857142… %
        assertThat(Surveys.value(Surveys.Kind.CSAT, Map.of(5, 2L, 4, 1L, 3, 2L, 1, 2L))).isEqualByComparingTo("42.8571");
        // (7 + 6 + 6 + 2) / 4 = 5.25
        assertThat(Surveys.value(Surveys.Kind.CES, Map.of(7, 1L, 6, 2L, 2, 1L))).isEqualByComparingTo("5.25");
        assertThat(Surveys.value(Surveys.Kind.NPS, Map.of(9, 0L))).as("no answers: no value").isNull();
    }

    @Test
    void erasingACustomerErasesTheirSendsAndAnswers() {
        Surveys.Survey s = surveys.create(tenant, nps("erase-" + UUID.randomUUID(), "{{survey.link}}"));
        Customer jo = customer("Jo");
        surveys.send(tenant, s.id(), jo.id(), ACTOR, null);
        String token = token(last(email, jo).text());
        surveys.answer(token, 7, "Personal words");
        surveys.send(tenant, s.id(), jo.id(), ACTOR, null);

        kernel.customers().erase(tenant, jo.id());

        assertThat(surveys.summary(tenant, s.id()).sends()).isZero();
        assertThat(surveys.responses(tenant, s.id(), null, 10)).isEmpty();
        assertThatThrownBy(() -> surveys.open(token)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aJourneyStepSendsTheSurveyAndASurveyThatIsNotThereIsRefusedAtSave() {
        Surveys.Survey s = surveys.create(tenant, nps("journey-" + UUID.randomUUID(), "Hi {{customer.firstName}}: {{survey.link}}"));
        String definition = """
                {"trigger": {"type": "manual"}, "start": "ask", "steps": {"ask": {"type": "survey", "survey": "%s", "next": null}}}""";
        assertThat(invalid(() -> kernel.journeys().validate(tenant, Json.readObject(definition.formatted(UUID.randomUUID())))))
                .extracting(FieldError::field).containsExactly("/definition/steps/ask/survey");
        assertThat(invalid(() -> kernel.journeys().validate(tenant, Json.readObject(definition.formatted("nope")))))
                .extracting(FieldError::field).containsExactly("/definition/steps/ask/survey");
        UUID journey = kernel.journeys().create(tenant, "ask " + UUID.randomUUID(), null, Json.readObject(definition.formatted(s.id()))).id();
        kernel.journeys().publish(tenant, journey, ACTOR);
        try {
            Customer ida = customer("Ida");
            kernel.journeyEngine().enrol(tenant, journey, List.of(ida.id()));
            await().atMost(WAIT).until(() -> surveys.summary(tenant, s.id()).sends() == 1);
            // the send is stored before the channel takes it
            await().atMost(WAIT).until(() -> email.get().stream().anyMatch(o -> o.customer().id().equals(ida.id())));
            assertThat(last(email, ida).text()).startsWith("Hi Ida: http://localhost:9080/api/v1/public/surveys?t=");
            assertThat(surveys.answer(token(last(email, ida).text()), 10, null).outcome()).isEqualTo(Surveys.Outcome.RECORDED);
        } finally {
            kernel.journeys().stop(tenant, journey);
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private static Surveys.Definition nps(String name, String text) {
        return new Surveys.Definition(name, "nps", null, null, null, "How likely are you to recommend us to a friend?", "Why?", null, null,
                "A question from us", text, null);
    }

    private void reply(Customer c, String text) {
        kernel.publisher().publishFor(tenant, c.id(), "fixture.sms", Surveys.SMS_RECEIVED, Map.of(Surveys.SMS_TEXT, text), null);
    }

    private static String token(String text) {
        Matcher m = LINK.matcher(text);
        assertThat(m.find()).as("a survey link in %s", text).isTrue();
        return m.group(1);
    }

    private static OutboundMessage last(Supplier<List<OutboundMessage>> channel, Customer c) {
        List<OutboundMessage> to = channel.get().stream().filter(o -> o.customer().id().equals(c.id())).toList();
        assertThat(to).isNotEmpty();
        return to.get(to.size() - 1);
    }

    private Customer customer(String firstName) {
        String phone = "+3361" + String.format("%07d", Math.floorMod(UUID.randomUUID().getLeastSignificantBits(), 10_000_000L));
        Customer c = kernel.customers().create(tenant, CustomerJson.changes(Json.readObject("{\"email\": \"" + firstName.toLowerCase() + "-" + UUID.randomUUID()
                + "@example.com\", \"phone\": \"" + phone + "\", \"firstName\": \"" + firstName + "\"}"), null, kernel.customers().stages(), clock), ACTOR);
        for (String channel : List.of("email", "sms")) {
            kernel.customers().setConsent(tenant, c.id(), new Consent(Consent.PURPOSE_SURVEYS, channel, ConsentStatus.GRANTED, "test",
                    OffsetDateTime.now(clock)), ACTOR);
        }
        return c;
    }

    private List<Event> events(Customer c, String type) {
        return kernel.events().timeline(tenant, c.id(), List.of(type), null, 50).events();
    }

    private Event onlyEvent(Customer c, String type) {
        List<Event> found = events(c, type);
        assertThat(found).as("%s events", type).hasSize(1);
        return found.get(0);
    }

    @SuppressWarnings("unchecked")
    private Supplier<List<OutboundMessage>> recording(String type) {
        kernel.plugins().install(TestBundles.recordingChannel("fixture." + type, type), true, tenant, ACTOR);
        return (Supplier<List<OutboundMessage>>) await().atMost(WAIT).until(() -> kernel.whiteboard().channel(type), Optional::isPresent).get();
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

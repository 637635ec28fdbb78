package io.rapport.core.survey;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rapport.api.customer.Consent;
import io.rapport.api.event.Event;
import io.rapport.api.event.EventTypes;
import io.rapport.core.customer.CustomerStore;
import io.rapport.core.db.Cursor;
import io.rapport.core.db.Db;
import io.rapport.core.db.Ids;
import io.rapport.core.event.EventStore;
import io.rapport.core.message.Links;
import io.rapport.core.message.Messages;
import io.rapport.core.message.Templates;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.spi.event.EventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Surveys of a tenant (NPS, CSAT, CES): their definitions, each send to a customer with a signed link in a message
 * sent through {@link Messages} (consent, suppression, quiet hours), and the one answer per send, stored with its
 * {@code survey.answered} event in one transaction. Answers come from the public page (the token is the credential)
 * or, for a survey sent by SMS, from a reply that is just a number on the scale ({@link #onEvent}).
 */
public final class Surveys implements EventListener {

    private static final Logger LOG = LoggerFactory.getLogger(Surveys.class);

    /** Who records the survey.answered events. */
    public static final String SOURCE = "kernel:surveys";
    /** The inbound SMS event of the SMS channel ({@code SmsChannel.EVENT_RECEIVED}) and its text property. */
    public static final String SMS_RECEIVED = "sms.received";
    public static final String SMS_TEXT = "text";
    static final String SMS = "sms";
    /** The idempotency key of a send's message and of its answer's event: this prefix and the send's id. */
    public static final String KEY_PREFIX = "survey:";
    public static final int MAX_COMMENT = 2000;
    public static final int MAX_NAME = 200;
    public static final int MAX_QUESTION = 500;
    public static final int MAX_SURVEYS = 500;
    public static final int DEFAULT_VALIDITY_DAYS = 14;
    public static final int MAX_VALIDITY_DAYS = 365;
    public static final String DEFAULT_CHANNEL = "email";
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,39}");
    static final Pattern LINK = Pattern.compile("\\{\\{\\s*[#]?\\s*survey\\.(link|scores)\\s*}}");
    static final Pattern REPLY = Pattern.compile("\\s*(\\d{1,2})\\s*[.!]?\\s*");

    /** What a survey measures, with its scale. */
    public enum Kind {
        /** Net Promoter Score: 0 to 10, "How likely are you to recommend…". */
        NPS(0, 10, 10),
        /** Customer satisfaction: 1 to 5. */
        CSAT(1, 5, 5),
        /** Customer effort score: 1 to 5 or 1 to 7, either direction. */
        CES(1, 7, 5);

        final int min;
        final int defaultMax;
        final int otherMax;

        Kind(int min, int defaultMax, int otherMax) {
            this.min = min;
            this.defaultMax = defaultMax;
            this.otherMax = otherMax;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optional<Kind> of(String id) {
            return Arrays.stream(values()).filter(k -> k.id().equals(id)).findFirst();
        }
    }

    /** A survey as stored, with how many sends and answers it has. */
    public record Survey(UUID id, UUID tenantId, String name, Kind kind, int scaleMin, int scaleMax, boolean lowIsBetter, String question,
                         String followUp, String channel, String purpose, String subject, String text, int validityDays,
                         OffsetDateTime createdAt, OffsetDateTime updatedAt, OffsetDateTime archivedAt, long sends, long responses) {
        /** @return the scale as {@code min-max} */
        public String scale() {
            return scaleMin + "-" + scaleMax;
        }
    }

    /** A survey's fields as a client sends them; null for "the default" where there is one. */
    public record Definition(String name, String kind, Integer scaleMin, Integer scaleMax, Boolean lowIsBetter, String question, String followUp,
                             String channel, String purpose, String subject, String text, Integer validityDays) {
    }

    /** One send of a survey to a customer, and its answer if there is one. */
    public record Send(UUID id, UUID tenantId, UUID surveyId, UUID customerId, String channel, UUID messageId, OffsetDateTime sentAt,
                       OffsetDateTime expiresAt, Integer score, String comment, OffsetDateTime answeredAt) {
        public boolean answered() {
            return score != null;
        }
    }

    /** What a send request did: the send, its message (null if none was made), and whether this call created it. */
    public record Sent(Send send, Messages.Message message, boolean created) {
    }

    /** Where an answer stands. */
    public enum Outcome {
        /** Recorded now, with its event. */
        RECORDED,
        /** The send has its answer already; nothing changed. */
        ALREADY_ANSWERED,
        /** The link's time is over; nothing recorded. */
        EXPIRED
    }

    /** The page a token opens: the survey and its send. */
    public record Opened(Survey survey, Send send, boolean expired) {
    }

    /** The answer to an answer. */
    public record Answer(Outcome outcome, Survey survey, Send send) {
    }

    /** An answer as listed for the shop. */
    public record Response(UUID sendId, UUID customerId, int score, String comment, OffsetDateTime answeredAt, String channel) {
    }

    /** A survey's answers counted by score, with its value. */
    public record Summary(long sends, long responses, Map<Integer, Long> counts, BigDecimal value) {
    }

    private final Db db;
    private final Clock clock;
    private final CustomerStore customers;
    private final EventStore events;
    private final Messages messages;
    private final Links links;

    public Surveys(Db db, Clock clock, CustomerStore customers, EventStore events, Messages messages, Links links) {
        this.db = db;
        this.clock = clock;
        this.customers = customers;
        this.events = events;
        this.messages = messages;
        this.links = links;
    }

    // --- definitions ---------------------------------------------------------------------------------------------

    private static final String SELECT = "SELECT s.id, s.tenant_id, s.name, s.kind, s.scale_min, s.scale_max, s.low_is_better, s.question, "
            + "s.follow_up, s.channel, s.purpose, s.subject, s.body_text, s.validity_days, s.created_at, s.updated_at, s.archived_at, "
            + "(SELECT COUNT(*) FROM survey_send d WHERE d.survey_id = s.id), "
            + "(SELECT COUNT(*) FROM survey_response r WHERE r.survey_id = s.id) FROM survey s";

    private static Survey survey(ResultSet rs) throws SQLException {
        return new Survey(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), Kind.of(rs.getString(4)).orElseThrow(),
                rs.getInt(5), rs.getInt(6), rs.getBoolean(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12),
                rs.getString(13), rs.getInt(14), rs.getObject(15, OffsetDateTime.class), rs.getObject(16, OffsetDateTime.class),
                rs.getObject(17, OffsetDateTime.class), rs.getLong(18), rs.getLong(19));
    }

    /** The survey's stored fields, checked and with their defaults. */
    private record Checked(String name, Kind kind, int scaleMin, int scaleMax, boolean lowIsBetter, String question, String followUp, String channel,
                           String purpose, String subject, String text, int validityDays) {
    }

    /**
     * Checks a definition and fills its defaults: the scale is the kind's (NPS 0–10, CSAT 1–5, CES 1–7 unless 1–5), a
     * low score is better only for a CES that says so, the channel is email, the purpose surveys, the link lives 14
     * days, and the text shows {@code {{survey.link}}} (or the links per score) unless the survey goes by SMS, where
     * a reply with the number answers it.
     *
     * @throws InvalidInputException naming every bad field
     */
    static Checked check(Definition d) {
        List<FieldError> errors = new ArrayList<>();
        String name = d.name() == null ? null : d.name().strip();
        if (name == null || name.isEmpty() || name.length() > MAX_NAME) {
            errors.add(new FieldError("/name", "is a text of 1 to " + MAX_NAME + " characters"));
        }
        Kind kind = d.kind() == null ? null : Kind.of(d.kind()).orElse(null);
        int min = 0;
        int max = 0;
        boolean lowIsBetter = Boolean.TRUE.equals(d.lowIsBetter());
        if (kind == null) {
            errors.add(new FieldError("/kind", "is nps, csat or ces"));
        } else {
            min = kind.min;
            max = d.scaleMax() == null ? kind.defaultMax : d.scaleMax();
            if (d.scaleMin() != null && d.scaleMin() != kind.min) {
                errors.add(new FieldError("/scaleMin", "is " + kind.min + " for a " + kind.name() + " survey"));
            }
            if (max != kind.defaultMax && max != kind.otherMax) {
                errors.add(new FieldError("/scaleMax", kind == Kind.CES ? "is 5 or 7 for a CES survey" : "is " + kind.defaultMax + " for a " + kind.name()
                        + " survey"));
            }
            if (lowIsBetter && kind != Kind.CES) {
                errors.add(new FieldError("/lowIsBetter", "is false for a " + kind.name() + " survey: only a CES may count a low score as the good one"));
            }
        }
        String question = d.question() == null ? null : d.question().strip();
        if (question == null || question.isEmpty() || question.length() > MAX_QUESTION) {
            errors.add(new FieldError("/question", "is a text of 1 to " + MAX_QUESTION + " characters"));
        }
        String followUp = d.followUp() == null || d.followUp().isBlank() ? null : d.followUp().strip();
        if (followUp != null && followUp.length() > MAX_QUESTION) {
            errors.add(new FieldError("/followUp", "is at most " + MAX_QUESTION + " characters"));
        }
        String channel = d.channel() == null ? DEFAULT_CHANNEL : d.channel();
        if (!NAME.matcher(channel).matches()) {
            errors.add(new FieldError("/channel", "is a channel type such as email or sms"));
        }
        String purpose = d.purpose() == null ? Consent.PURPOSE_SURVEYS : d.purpose();
        if (!NAME.matcher(purpose).matches() || Consent.PURPOSE_TRANSACTIONAL.equals(purpose)) {
            errors.add(new FieldError("/purpose", "is a purpose the customer consents to, such as surveys or marketing (not transactional)"));
        }
        String subject = d.subject() == null || d.subject().isBlank() ? null : d.subject();
        if (subject != null && subject.length() > MAX_QUESTION) {
            errors.add(new FieldError("/subject", "is at most " + MAX_QUESTION + " characters"));
        } else {
            collect(errors, () -> Templates.compile(subject, false, "/subject"));
        }
        String text = d.text();
        if (text == null || text.isBlank()) {
            errors.add(new FieldError("/text", "is the message's text, a Mustache template that shows {{survey.link}}"));
        } else if (collect(errors, () -> Templates.compile(text, false, "/text")) && !SMS.equals(channel) && !LINK.matcher(text).find()) {
            errors.add(new FieldError("/text", "must show {{survey.link}} (or the links per score, {{#survey.scores}}…{{/survey.scores}}): "
                    + "it is how the customer reaches the survey"));
        }
        int validity = d.validityDays() == null ? DEFAULT_VALIDITY_DAYS : d.validityDays();
        if (validity < 1 || validity > MAX_VALIDITY_DAYS) {
            errors.add(new FieldError("/validityDays", "is a whole number of days from 1 to " + MAX_VALIDITY_DAYS));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new Checked(name, kind, min, max, lowIsBetter, question, followUp, channel, purpose, subject, text, validity);
    }

    private static boolean collect(List<FieldError> errors, Runnable check) {
        try {
            check.run();
            return true;
        } catch (InvalidInputException e) {
            errors.addAll(e.errors());
            return false;
        }
    }

    /**
     * @throws InvalidInputException naming what is wrong
     * @throws ConflictException if the tenant has a survey of that name, or too many
     */
    public Survey create(UUID tenantId, Definition d) {
        Checked k = check(d);
        UUID id = Ids.timeOrdered();
        db.tx(c -> {
            long n = Db.list(c, "SELECT COUNT(*) FROM survey WHERE tenant_id = ?", List.of(tenantId), rs -> rs.getLong(1)).get(0);
            if (n >= MAX_SURVEYS) {
                throw new ConflictException("/name", "a shop has at most " + MAX_SURVEYS + " surveys");
            }
            requireFreeName(c, tenantId, k.name(), null);
            OffsetDateTime now = OffsetDateTime.now(clock);
            Db.update(c, "INSERT INTO survey (id, tenant_id, name, kind, scale_min, scale_max, low_is_better, question, follow_up, channel, purpose, "
                    + "subject, body_text, validity_days, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", id, tenantId, k.name(),
                    k.kind().id(), k.scaleMin(), k.scaleMax(), k.lowIsBetter(), k.question(), k.followUp(), k.channel(), k.purpose(), k.subject(),
                    k.text(), k.validityDays(), now, now);
            return null;
        });
        return find(tenantId, id).orElseThrow();
    }

    /**
     * Changes a survey. Its kind, scale and direction cannot change once it has been sent (its answers would be on two
     * scales): create a new survey instead.
     *
     * @throws ConflictException if they would, or the name is taken
     */
    public Survey update(UUID tenantId, UUID id, Definition d) {
        Checked k = check(d);
        db.tx(c -> {
            if (Db.list(c, "SELECT id FROM survey WHERE tenant_id = ? AND id = ? FOR UPDATE", List.of(tenantId, id), rs -> rs.getObject(1)).isEmpty()) {
                throw new NotFoundException("no survey " + id);
            }
            Survey s = Db.list(c, SELECT + " WHERE s.id = ?", List.of(id), Surveys::survey).get(0);
            if (s.sends() > 0) {
                String field = s.kind() != k.kind() ? "/kind" : s.scaleMax() != k.scaleMax() ? "/scaleMax"
                        : s.lowIsBetter() != k.lowIsBetter() ? "/lowIsBetter" : null;
                if (field != null) {
                    throw new ConflictException(field, "this survey has been sent, so its kind, scale and direction stay as they are "
                            + "(answers on two scales would mix): create a new survey instead");
                }
            }
            requireFreeName(c, tenantId, k.name(), id);
            Db.update(c, "UPDATE survey SET name = ?, kind = ?, scale_min = ?, scale_max = ?, low_is_better = ?, question = ?, follow_up = ?, "
                    + "channel = ?, purpose = ?, subject = ?, body_text = ?, validity_days = ?, updated_at = ? WHERE id = ?", k.name(), k.kind().id(),
                    k.scaleMin(), k.scaleMax(), k.lowIsBetter(), k.question(), k.followUp(), k.channel(), k.purpose(), k.subject(), k.text(),
                    k.validityDays(), OffsetDateTime.now(clock), id);
            return null;
        });
        return find(tenantId, id).orElseThrow();
    }

    /** Archives a survey: it is sent no more; links already out still take their answers. */
    public Survey archive(UUID tenantId, UUID id) {
        require(tenantId, id);
        db.tx(c -> Db.update(c, "UPDATE survey SET archived_at = ? WHERE tenant_id = ? AND id = ? AND archived_at IS NULL", OffsetDateTime.now(clock),
                tenantId, id));
        return find(tenantId, id).orElseThrow();
    }

    private static void requireFreeName(Connection c, UUID tenantId, String name, UUID self) throws SQLException {
        List<UUID> same = Db.list(c, "SELECT id FROM survey WHERE tenant_id = ? AND name = ?", List.of(tenantId, name), rs -> rs.getObject(1, UUID.class));
        if (same.stream().anyMatch(x -> !x.equals(self))) {
            throw new ConflictException("/name", "the shop has a survey named " + name);
        }
    }

    public Optional<Survey> find(UUID tenantId, UUID id) {
        return db.read(c -> Db.list(c, SELECT + " WHERE s.tenant_id = ? AND s.id = ?", List.of(tenantId, id), Surveys::survey).stream().findFirst());
    }

    /** @throws NotFoundException if the tenant has no such survey */
    public Survey require(UUID tenantId, UUID id) {
        return find(tenantId, id).orElseThrow(() -> new NotFoundException("no survey " + id));
    }

    /** The tenant's surveys by name; archived ones only if asked. */
    public List<Survey> list(UUID tenantId, boolean archived) {
        return db.read(c -> Db.list(c, SELECT + " WHERE s.tenant_id = ?" + (archived ? "" : " AND s.archived_at IS NULL") + " ORDER BY s.name",
                List.of(tenantId), Surveys::survey));
    }

    // --- sending -------------------------------------------------------------------------------------------------

    /**
     * Sends a survey to a customer: a send row (the token's subject), then the message through {@link Messages} with
     * the idempotency key {@code survey:<send id>}, so that consent ({@link Survey#purpose()} on its channel),
     * suppression, frequency cap and quiet hours apply.
     *
     * @param idempotencyKey at most one send per tenant with this key, or null
     * @throws InvalidInputException naming {@code /customerId} if there is no such customer
     * @throws ConflictException if the survey is archived
     */
    public Sent send(UUID tenantId, UUID surveyId, UUID customerId, String actor, String idempotencyKey) {
        Survey s = require(tenantId, surveyId);
        if (s.archivedAt() != null) {
            throw new ConflictException("/", "this survey is archived: it is sent no more");
        }
        if (customers.find(tenantId, customerId).isEmpty()) {
            throw new InvalidInputException("/customerId", "no customer " + customerId + " in this tenant");
        }
        if (idempotencyKey != null) {
            Optional<Send> known = sendByKey(tenantId, idempotencyKey);
            if (known.isPresent()) {
                return new Sent(known.get(), known.get().messageId() == null ? null : messages.get(tenantId, known.get().messageId()), false);
            }
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        UUID sendId = Ids.timeOrdered();
        OffsetDateTime expires = now.plus(Duration.ofDays(s.validityDays()));
        try {
            db.tx(c -> Db.update(c, "INSERT INTO survey_send (id, tenant_id, survey_id, customer_id, channel, idempotency_key, sent_at, expires_at) "
                    + "VALUES (?,?,?,?,?,?,?,?)", sendId, tenantId, surveyId, customerId, s.channel(), idempotencyKey, now, expires));
        } catch (io.rapport.core.db.DataAccessException e) {
            Optional<Send> known = idempotencyKey == null ? Optional.empty() : sendByKey(tenantId, idempotencyKey);
            if (known.isEmpty()) {
                throw e;
            }
            return new Sent(known.get(), known.get().messageId() == null ? null : messages.get(tenantId, known.get().messageId()), false);
        }
        Map<String, Object> data = Map.of(Templates.SURVEY, templateValues(s, links.surveyToken(tenantId, sendId, expires.toInstant())));
        Messages.Message m = messages.submit(tenantId, actor, new Messages.SendRequest(customerId, s.channel(), s.purpose(), s.subject(), s.text(), null,
                data, KEY_PREFIX + sendId)).message();
        db.tx(c -> Db.update(c, "UPDATE survey_send SET message_id = ? WHERE id = ?", m.id(), sendId));
        LOG.debug("Survey {} sent to customer {} of tenant {} as message {} ({})", surveyId, customerId, tenantId, m.id(), m.state());
        return new Sent(new Send(sendId, tenantId, surveyId, customerId, s.channel(), m.id(), now, expires, null, null, null), m, true);
    }

    /** What a survey's message template reads under {@code survey}. */
    Map<String, Object> templateValues(Survey s, String token) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("link", links.survey(token, null).toString());
        v.put("question", s.question());
        v.put("name", s.name());
        List<Map<String, Object>> scores = new ArrayList<>();
        for (int i = s.scaleMin(); i <= s.scaleMax(); i++) {
            scores.add(Map.of("score", String.valueOf(i), "link", links.survey(token, i).toString()));
        }
        v.put("scores", scores);
        return v;
    }

    private static final String SEND = "SELECT d.id, d.tenant_id, d.survey_id, d.customer_id, d.channel, d.message_id, d.sent_at, d.expires_at, "
            + "r.score, r.comment_text, r.answered_at FROM survey_send d LEFT JOIN survey_response r ON r.send_id = d.id";

    private static Send send(ResultSet rs) throws SQLException {
        Object score = rs.getObject(9);
        return new Send(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class), rs.getObject(4, UUID.class),
                rs.getString(5), rs.getObject(6, UUID.class), rs.getObject(7, OffsetDateTime.class), rs.getObject(8, OffsetDateTime.class),
                score == null ? null : ((Number) score).intValue(), rs.getString(10), rs.getObject(11, OffsetDateTime.class));
    }

    private Optional<Send> sendByKey(UUID tenantId, String key) {
        return db.read(c -> Db.list(c, SEND + " WHERE d.tenant_id = ? AND d.idempotency_key = ?", List.of(tenantId, key), Surveys::send).stream()
                .findFirst());
    }

    public Optional<Send> findSend(UUID tenantId, UUID sendId) {
        return db.read(c -> Db.list(c, SEND + " WHERE d.tenant_id = ? AND d.id = ?", List.of(tenantId, sendId), Surveys::send).stream().findFirst());
    }

    // --- answering -----------------------------------------------------------------------------------------------

    /**
     * What a survey link opens.
     *
     * @throws NotFoundException if the token is not one the kernel signed, or its send or survey is gone
     */
    public Opened open(String token) {
        Links.SurveyClaim claim = links.verifySurvey(token).orElseThrow(() -> new NotFoundException("this survey link is not valid"));
        Send send = findSend(claim.tenantId(), claim.sendId()).orElseThrow(() -> new NotFoundException("this survey link is not valid"));
        Survey survey = require(send.tenantId(), send.surveyId());
        return new Opened(survey, send, claim.expired(clock) || OffsetDateTime.now(clock).isAfter(send.expiresAt()));
    }

    /**
     * Records the answer a survey link's page posts.
     *
     * @throws NotFoundException     if the token is not valid
     * @throws InvalidInputException naming {@code /score} (not on the scale) or {@code /comment} (too long)
     */
    public Answer answer(String token, Integer score, String comment) {
        Opened o = open(token);
        if (o.expired()) {
            return new Answer(Outcome.EXPIRED, o.survey(), o.send());
        }
        return record(o.survey(), o.send(), score, comment);
    }

    /** Checks an answer against its survey's scale; @return the comment as stored (null if blank) */
    static String checkAnswer(Survey s, Integer score, String comment) {
        List<FieldError> errors = new ArrayList<>();
        if (score == null || score < s.scaleMin() || score > s.scaleMax()) {
            errors.add(new FieldError("/score", "is a whole number from " + s.scaleMin() + " to " + s.scaleMax()));
        }
        String text = comment == null || comment.isBlank() ? null : comment.strip();
        if (text != null && text.length() > MAX_COMMENT) {
            errors.add(new FieldError("/comment", "is at most " + MAX_COMMENT + " characters"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return text;
    }

    /** Stores the response and its event in one transaction; the response's key (the send) refuses a second one. */
    private Answer record(Survey s, Send send, Integer score, String comment) {
        String text = checkAnswer(s, score, comment);
        if (send.answered()) {
            return new Answer(Outcome.ALREADY_ANSWERED, s, send);
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        try {
            db.tx(c -> {
                try {
                    Db.update(c, "INSERT INTO survey_response (send_id, tenant_id, survey_id, score, comment_text, answered_at) VALUES (?,?,?,?,?,?)",
                            send.id(), send.tenantId(), s.id(), score, text, now);
                } catch (SQLException e) {
                    if (Db.isUniqueViolation(e)) {
                        throw new AlreadyAnswered();
                    }
                    throw e;
                }
                Map<String, Object> p = new LinkedHashMap<>();
                p.put(EventTypes.PROPERTY_SURVEY, s.id().toString());
                p.put(EventTypes.PROPERTY_SEND, send.id().toString());
                p.put(EventTypes.PROPERTY_KIND, s.kind().id());
                p.put(EventTypes.PROPERTY_SCALE, s.scale());
                p.put(EventTypes.PROPERTY_LOW_IS_BETTER, s.lowIsBetter());
                p.put(EventTypes.PROPERTY_SCORE, BigDecimal.valueOf(score));
                if (text != null) {
                    p.put(EventTypes.PROPERTY_COMMENT, text);
                }
                p.put(EventTypes.PROPERTY_CHANNEL, send.channel());
                events.appendKernelEvent(c, send.tenantId(), send.customerId(), EventTypes.SURVEY_ANSWERED, SOURCE, p, KEY_PREFIX + send.id());
                return null;
            });
        } catch (AlreadyAnswered e) {
            return new Answer(Outcome.ALREADY_ANSWERED, s, findSend(send.tenantId(), send.id()).orElse(send));
        }
        events.committed();
        LOG.debug("Survey {} answered {} by customer {} of tenant {}", s.id(), score, send.customerId(), send.tenantId());
        return new Answer(Outcome.RECORDED, s, findSend(send.tenantId(), send.id()).orElseThrow());
    }

    /** A second answer met the first in the database. */
    private static final class AlreadyAnswered extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AlreadyAnswered() {
            super(null, null, false, false);
        }
    }

    /**
     * The reply keyword: an inbound SMS that is just a number on the scale answers the customer's newest open survey
     * sent by SMS (not expired, not answered). Anything else is left alone (other listeners read it).
     */
    @Override
    public void onEvent(Event event) {
        if (!SMS_RECEIVED.equals(event.type()) || event.customerId() == null || !(event.properties().get(SMS_TEXT) instanceof String text)) {
            return;
        }
        Matcher m = REPLY.matcher(text);
        if (!m.matches()) {
            return;
        }
        int score = Integer.parseInt(m.group(1));
        OffsetDateTime now = OffsetDateTime.now(clock);
        Optional<Send> open = db.read(c -> Db.list(c, SEND + " WHERE d.tenant_id = ? AND d.customer_id = ? AND d.channel = ? AND d.expires_at >= ? "
                + "AND r.send_id IS NULL ORDER BY d.sent_at DESC, d.id DESC LIMIT 1", List.of(event.tenantId(), event.customerId(), SMS, now),
                Surveys::send).stream().findFirst());
        if (open.isEmpty()) {
            return;
        }
        Survey s = require(event.tenantId(), open.get().surveyId());
        if (score < s.scaleMin() || score > s.scaleMax()) {
            LOG.debug("SMS reply {} of customer {} is not on the scale of survey {}", score, event.customerId(), s.id());
            return;
        }
        Answer a = record(s, open.get(), score, null);
        LOG.info("SMS reply of customer {} of tenant {} to survey {}: {}", event.customerId(), event.tenantId(), s.id(), a.outcome());
    }

    // --- reading -------------------------------------------------------------------------------------------------

    /** A page of a survey's answers, newest first, after {@code cursor} (null for the first page). */
    public List<Response> responses(UUID tenantId, UUID surveyId, Cursor cursor, int limit) {
        require(tenantId, surveyId);
        List<Object> args = new ArrayList<>(List.of(tenantId, surveyId));
        String after;
        if (cursor == null) {
            after = "";
        } else {
            after = " AND (r.answered_at < ? OR (r.answered_at = ? AND r.send_id < ?))";
            args.addAll(List.of(cursor.at(), cursor.at(), cursor.id()));
        }
        args.add(limit);
        return db.read(c -> Db.list(c, "SELECT r.send_id, d.customer_id, r.score, r.comment_text, r.answered_at, d.channel FROM survey_response r "
                + "JOIN survey_send d ON d.id = r.send_id WHERE r.tenant_id = ? AND r.survey_id = ?" + after
                + " ORDER BY r.answered_at DESC, r.send_id DESC LIMIT ?", args, rs -> new Response(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                        rs.getInt(3), rs.getString(4), rs.getObject(5, OffsetDateTime.class), rs.getString(6))));
    }

    /** The answers counted by score (every score of the scale, 0 if none) and the survey's value over all of them. */
    public Summary summary(UUID tenantId, UUID surveyId) {
        Survey s = require(tenantId, surveyId);
        Map<Integer, Long> counts = new TreeMap<>();
        for (int i = s.scaleMin(); i <= s.scaleMax(); i++) {
            counts.put(i, 0L);
        }
        db.read(c -> Db.list(c, "SELECT score, COUNT(*) FROM survey_response WHERE tenant_id = ? AND survey_id = ? GROUP BY score",
                List.of(tenantId, surveyId), rs -> counts.put(rs.getInt(1), rs.getLong(2))));
        long n = counts.values().stream().mapToLong(Long::longValue).sum();
        return new Summary(s.sends(), n, counts, value(s.kind(), counts));
    }

    /**
     * The value of one survey's answers, on its own scale (the KPI plugin computes the shop's series the same way):
     * NPS = % promoters (9–10) − % detractors (0–6); CSAT = % of 4–5; CES = the mean answer. Null without answers.
     * Rounded half-even to 4 decimals.
     */
    static BigDecimal value(Kind kind, Map<Integer, Long> counts) {
        long n = counts.values().stream().mapToLong(Long::longValue).sum();
        if (n == 0) {
            return null;
        }
        BigDecimal total = BigDecimal.valueOf(n);
        BigDecimal hundred = BigDecimal.valueOf(100);
        return switch (kind) {
            case NPS -> {
                long promoters = counts.getOrDefault(9, 0L) + counts.getOrDefault(10, 0L);
                long detractors = counts.entrySet().stream().filter(e -> e.getKey() <= 6).mapToLong(Map.Entry::getValue).sum();
                yield BigDecimal.valueOf(promoters - detractors).multiply(hundred).divide(total, 4, RoundingMode.HALF_EVEN);
            }
            case CSAT -> BigDecimal.valueOf(counts.getOrDefault(4, 0L) + counts.getOrDefault(5, 0L)).multiply(hundred).divide(total, 4,
                    RoundingMode.HALF_EVEN);
            case CES -> BigDecimal.valueOf(counts.entrySet().stream().mapToLong(e -> e.getKey() * e.getValue()).sum()).divide(total, 4,
                    RoundingMode.HALF_EVEN);
        };
    }

    /** The event types {@link #onEvent} reads. */
    public static Set<String> listensTo() {
        return Set.of(SMS_RECEIVED);
    }
}

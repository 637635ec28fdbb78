package io.rapport.server.rest;

import java.io.InputStream;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import io.rapport.core.db.Cursor;
import io.rapport.core.json.Json;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.core.survey.Surveys;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/**
 * Surveys of the caller's tenant (NPS, CSAT, CES): definitions, sends to a customer or a segment, answers and their
 * summary. Marketers build and send them; viewers read them.
 */
@Path("/v1/surveys")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class SurveysResource {

    static final Set<String> FIELDS = Set.of("name", "kind", "scaleMin", "scaleMax", "lowIsBetter", "question", "followUp", "channel", "purpose",
            "subject", "text", "validityDays");
    static final Set<String> SEND_FIELDS = Set.of("customerId", "segmentId");
    /** A segment is sent to in pages of this many members. */
    static final int PAGE = 500;

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    private Surveys surveys() {
        return holder.kernel().surveys();
    }

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "The shop's surveys, by name", description = "?archived=true includes the archived ones. Each with its counts of sends "
            + "and answers.")
    public Response list(@QueryParam("archived") boolean archived) {
        JsonArrayBuilder a = Json.array();
        surveys().list(principal.get().tenantId(), archived).forEach(s -> a.add(view(s)));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Create a survey", description = "{name, kind: nps|csat|ces, scaleMax (CES: 5 or 7), lowIsBetter (CES only), question, "
            + "followUp, channel (email), purpose (surveys), subject, text (a Mustache template showing {{survey.link}}), validityDays (14)} → 201.")
    public Response create(InputStream body) {
        Principal me = principal.get();
        Surveys.Survey s = surveys().create(me.tenantId(), definition(body));
        holder.kernel().access().audit(me.tenantId(), me.name(), "survey.created", s.id().toString(), s.name());
        return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).header("Location", "/api/v1/surveys/" + s.id())
                .entity(Json.write(view(s).build())).build();
    }

    @GET
    @Path("{id}")
    @Access(Role.VIEWER)
    @Operation(summary = "One survey")
    public Response get(@PathParam("id") String id) {
        return CustomersResource.ok(view(find(id)).build());
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Change a survey", description = "As create. Once a survey has been sent, its kind, scale and direction stay as they are "
            + "(409): answers on two scales never mix; create a new survey instead.")
    public Response update(@PathParam("id") String id, InputStream body) {
        Principal me = principal.get();
        Surveys.Survey s = surveys().update(me.tenantId(), uuid(id), definition(body));
        holder.kernel().access().audit(me.tenantId(), me.name(), "survey.updated", s.id().toString(), s.name());
        return CustomersResource.ok(view(s).build());
    }

    @DELETE
    @Path("{id}")
    @Access(Role.MARKETER)
    @Operation(summary = "Archive a survey", description = "It is sent no more; its answers stay, and links already sent still take theirs.")
    public Response archive(@PathParam("id") String id) {
        Principal me = principal.get();
        Surveys.Survey s = surveys().archive(me.tenantId(), uuid(id));
        holder.kernel().access().audit(me.tenantId(), me.name(), "survey.archived", s.id().toString(), s.name());
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/sends")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Send a survey", description = "{customerId} or {segmentId}: to one customer, or to every member of a segment at most once a "
            + "day. Each send is a message through the survey's channel, with consent for its purpose, suppression, frequency cap and quiet hours "
            + "checked → 202 {sends, counts: {SENT: n, REJECTED: n, ...}, alreadySent}.")
    public Response send(@PathParam("id") String id, InputStream body) {
        Principal me = principal.get();
        Surveys.Survey s = find(id);
        JsonObject o = AdminResource.object(body);
        List<FieldError> errors = new ArrayList<>();
        Bodies.unknownFields(o, SEND_FIELDS, "", "a survey send", errors);
        String customer = AdminResource.string(o, "customerId");
        String segment = AdminResource.string(o, "segmentId");
        if ((customer == null) == (segment == null)) {
            errors.add(new FieldError("/customerId", "give a customerId or a segmentId, one of them"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        Map<String, Integer> counts = new TreeMap<>();
        JsonArrayBuilder sends = Json.array();
        int already = 0;
        if (customer != null) {
            Surveys.Sent sent = surveys().send(me.tenantId(), s.id(), field(customer, "/customerId"), me.name(), null);
            counts.merge(sent.message().state().name(), 1, Integer::sum);
            sends.add(sent(sent));
        } else {
            UUID segmentId = field(segment, "/segmentId");
            if (holder.kernel().segments().find(me.tenantId(), segmentId).isEmpty()) {
                throw new InvalidInputException("/segmentId", "no segment " + segmentId + " in this shop");
            }
            // once a day per member: a second click the same day sends nothing new
            String day = LocalDate.now(java.time.ZoneOffset.UTC).toString();
            UUID after = null;
            List<UUID> page;
            do {
                page = holder.kernel().segments().members(me.tenantId(), segmentId, after, PAGE);
                for (UUID member : page) {
                    Surveys.Sent sent = surveys().send(me.tenantId(), s.id(), member, me.name(), Surveys.KEY_PREFIX + s.id() + ":" + member + ":" + day);
                    if (!sent.created()) {
                        already++;
                    } else if (sent.message() != null) {
                        counts.merge(sent.message().state().name(), 1, Integer::sum);
                    }
                }
                after = page.isEmpty() ? null : page.get(page.size() - 1);
            } while (page.size() == PAGE);
        }
        JsonObjectBuilder c = Json.object();
        counts.forEach(c::add);
        holder.kernel().access().audit(me.tenantId(), me.name(), "survey.sent", s.id().toString(), customer != null ? "customer " + customer
                : "segment " + segment + " " + counts);
        JsonObjectBuilder answer = Json.object().add("counts", c).add("alreadySent", already);
        if (customer != null) {
            answer.add("sends", sends);
        }
        return Response.status(202).type(MediaType.APPLICATION_JSON_TYPE).entity(Json.write(answer.build())).build();
    }

    @GET
    @Path("{id}/responses")
    @Access(Role.VIEWER)
    @Operation(summary = "A page of a survey's answers, newest first", description = "?limit= (default 50, at most 200), ?cursor= the page "
            + "before's next → {items: [{customerId, score, comment, answeredAt, channel}], next}.")
    public Response responses(@PathParam("id") String id, @QueryParam("limit") Integer limit, @QueryParam(Cursor.PARAMETER) String cursor) {
        Principal me = principal.get();
        int n = Bodies.limit(limit, 50, 200);
        List<Surveys.Response> rows = surveys().responses(me.tenantId(), uuid(id), Cursor.decode(cursor), n + 1);
        String next = null;
        if (rows.size() > n) {
            rows = rows.subList(0, n);
            Surveys.Response last = rows.get(n - 1);
            next = new Cursor(last.answeredAt(), last.sendId()).encode();
        }
        JsonArrayBuilder a = Json.array();
        for (Surveys.Response r : rows) {
            a.add(Json.object().add("customerId", r.customerId().toString()).add("score", r.score())
                    .add("comment", r.comment() == null ? JsonValue.NULL : Json.string(r.comment())).add("answeredAt", r.answeredAt().toString())
                    .add("channel", r.channel()));
        }
        return CustomersResource.ok(Json.object().add("items", a).add("next", next == null ? JsonValue.NULL : Json.string(next)).build());
    }

    @GET
    @Path("{id}/summary")
    @Access(Role.VIEWER)
    @Operation(summary = "A survey's answers counted by score", description = "→ {sends, responses, responseRate, counts: {\"0\": n, ...}, value}: "
            + "value is the NPS, the CSAT percentage or the mean CES over all its answers, null without answers.")
    public Response summary(@PathParam("id") String id) {
        Surveys.Survey s = find(id);
        Surveys.Summary sum = surveys().summary(s.tenantId(), s.id());
        JsonObjectBuilder counts = Json.object();
        sum.counts().forEach((score, n) -> counts.add(String.valueOf(score), n));
        return CustomersResource.ok(Json.object().add("sends", sum.sends()).add("responses", sum.responses())
                .add("responseRate", sum.sends() == 0 ? JsonValue.NULL : Json.provider().createValue(java.math.BigDecimal.valueOf(sum.responses() * 100)
                        .divide(java.math.BigDecimal.valueOf(sum.sends()), 2, java.math.RoundingMode.HALF_EVEN)))
                .add("kind", s.kind().id()).add("scale", s.scale()).add("counts", counts)
                .add("value", sum.value() == null ? JsonValue.NULL : Json.provider().createValue(sum.value())).build());
    }

    @GET
    @Path("{id}/preview")
    @Produces(MediaType.TEXT_HTML)
    @Access(Role.VIEWER)
    @Operation(summary = "The survey's page as a customer sees it", description = "HTML, for the console's editor; its form posts nowhere.")
    public Response preview(@PathParam("id") String id) {
        return Response.ok(SurveyPage.form(find(id), null, null), PublicSurveysResource.HTML).build();
    }

    private static JsonObject sent(Surveys.Sent sent) {
        return Json.object().add("id", sent.send().id().toString()).add("customerId", sent.send().customerId().toString())
                .add("messageId", sent.message() == null ? JsonValue.NULL : Json.string(sent.message().id().toString()))
                .add("state", sent.message() == null ? JsonValue.NULL : Json.string(sent.message().state().name()))
                .add("expiresAt", sent.send().expiresAt().toString()).build();
    }

    private Surveys.Survey find(String id) {
        UUID u = uuid(id);
        return surveys().find(principal.get().tenantId(), u).orElseThrow(() -> new NotFoundException("no survey " + u));
    }

    private static UUID uuid(String id) {
        return Bodies.id(id, "survey id");
    }

    private static UUID field(String raw, String field) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, "is not an id");
        }
    }

    /** @return the body as a definition; a member of the wrong JSON type is an error at its pointer */
    private static Surveys.Definition definition(InputStream body) {
        JsonObject o = Bodies.named(body, FIELDS, "a survey");
        List<FieldError> errors = new ArrayList<>();
        String[] texts = {"kind", "question", "followUp", "channel", "purpose", "subject", "text"};
        for (String k : texts) {
            if (o.containsKey(k) && o.get(k) != JsonValue.NULL && o.get(k).getValueType() != JsonValue.ValueType.STRING) {
                errors.add(new FieldError("/" + k, "must be a text"));
            }
        }
        for (String k : List.of("scaleMin", "scaleMax", "validityDays")) {
            if (o.containsKey(k) && o.get(k) != JsonValue.NULL && (o.get(k).getValueType() != JsonValue.ValueType.NUMBER
                    || !o.getJsonNumber(k).isIntegral())) {
                errors.add(new FieldError("/" + k, "must be a whole number"));
            }
        }
        if (o.containsKey("lowIsBetter") && o.get("lowIsBetter") != JsonValue.NULL && o.get("lowIsBetter") != JsonValue.TRUE
                && o.get("lowIsBetter") != JsonValue.FALSE) {
            errors.add(new FieldError("/lowIsBetter", "must be true or false"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new Surveys.Definition(Bodies.text(o, "name"), Bodies.text(o, "kind"), integer(o, "scaleMin"), integer(o, "scaleMax"),
                o.containsKey("lowIsBetter") && o.get("lowIsBetter") != JsonValue.NULL ? o.getBoolean("lowIsBetter") : null, Bodies.text(o, "question"),
                Bodies.text(o, "followUp"), Bodies.text(o, "channel"), Bodies.text(o, "purpose"), Bodies.text(o, "subject"), Bodies.text(o, "text"),
                integer(o, "validityDays"));
    }

    private static Integer integer(JsonObject o, String k) {
        if (!o.containsKey(k) || o.get(k) == JsonValue.NULL) {
            return null;
        }
        try {
            return o.getJsonNumber(k).intValueExact();
        } catch (ArithmeticException e) {
            throw new InvalidInputException("/" + k, "is too large");
        }
    }

    static JsonObjectBuilder view(Surveys.Survey s) {
        return Json.object().add("id", s.id().toString()).add("name", s.name()).add("kind", s.kind().id()).add("scaleMin", s.scaleMin())
                .add("scaleMax", s.scaleMax()).add("lowIsBetter", s.lowIsBetter()).add("question", s.question())
                .add("followUp", s.followUp() == null ? JsonValue.NULL : Json.string(s.followUp())).add("channel", s.channel()).add("purpose", s.purpose())
                .add("subject", s.subject() == null ? JsonValue.NULL : Json.string(s.subject())).add("text", s.text()).add("validityDays", s.validityDays())
                .add("sends", s.sends()).add("responses", s.responses()).add("createdAt", s.createdAt().toString()).add("updatedAt", s.updatedAt().toString())
                .add("archivedAt", s.archivedAt() == null ? JsonValue.NULL : Json.string(s.archivedAt().toString()));
    }
}

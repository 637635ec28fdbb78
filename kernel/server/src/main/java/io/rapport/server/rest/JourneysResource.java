package io.rapport.server.rest;

import java.io.InputStream;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.rapport.core.journey.DryRun;
import io.rapport.core.journey.Journey;
import io.rapport.core.journey.JourneyAnalytics;
import io.rapport.core.journey.JourneyEngine;
import io.rapport.core.journey.JourneyStore;
import io.rapport.core.journey.JourneyTemplates;
import io.rapport.core.json.Json;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
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
 * Journeys of the caller's tenant: drafts checked on every save, published versions, dry runs, enrolment, runs and
 * analytics. Marketers build and publish them; viewers read them.
 */
@Path("/v1/journeys")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class JourneysResource {

    static final Set<String> FIELDS = Set.of("name", "description", "definition", "template");
    static final Set<String> DRY_RUN_FIELDS = Set.of("customerId", "events", "eventProperties", "definition", "version");
    static final int MAX_ENROL = 1000;

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    private JourneyStore journeys() {
        return holder.kernel().journeys();
    }

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "The shop's journeys, by name", description = "Each with its status, live version and draft definition.")
    public Response list() {
        JsonArrayBuilder a = Json.array();
        journeys().list(principal.get().tenantId()).forEach(j -> a.add(view(j)));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @GET
    @Path("templates")
    @Access(Role.VIEWER)
    @Operation(summary = "Ready-made journeys", description = "welcome, abandoned-cart, post-purchase, win-back, replenishment, birthday: "
            + "{items: [{name, title, description, definition}]}. Create one with POST /api/v1/journeys {name, template}.")
    public Response templates() {
        JsonArrayBuilder a = Json.array();
        JourneyTemplates.all().forEach(t -> a.add(Json.object().add("name", t.name()).add("title", t.title()).add("description", t.description())
                .add("definition", t.definition()).add("segments", t.segments())));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Create a journey as a draft", description = "{name, description, definition} or {name, description, template}; "
            + "the definition is checked (400 with a JSON pointer per problem). Publish it to let customers in.")
    public Response create(InputStream body) {
        Principal me = principal.get();
        JsonObject o = body(body);
        JsonObject definition;
        if (o.containsKey("template")) {
            if (o.containsKey("definition")) {
                throw new InvalidInputException("/template", "give a template or a definition, not both");
            }
            if (o.get("template").getValueType() != JsonValue.ValueType.STRING || !JourneyTemplates.NAMES.contains(o.getString("template"))) {
                throw new InvalidInputException("/template", "is one of " + String.join(", ", JourneyTemplates.NAMES));
            }
            definition = JourneyTemplates.instantiate(o.getString("template"), me.tenantId(), holder.kernel().segments());
        } else {
            definition = definition(o);
        }
        JourneyStore.View j = journeys().create(me.tenantId(), name(o), description(o), definition);
        holder.kernel().access().audit(me.tenantId(), me.name(), "journey.created", j.id().toString(), j.name());
        return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).header("Location", "/api/v1/journeys/" + j.id())
                .entity(Json.write(view(j).build())).build();
    }

    @POST
    @Path("validate")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Check a definition without saving it", description = "{definition} → {valid: true, steps: n}, or 400 naming each problem.")
    public Response validate(InputStream body) {
        JsonObject o = AdminResource.object(body);
        Journey j = journeys().validate(principal.get().tenantId(), definition(o));
        return CustomersResource.ok(Json.object().add("valid", true).add("steps", j.steps().size()).build());
    }

    @POST
    @Path("dry-run")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Dry-run a definition for a test customer", description = "{definition, customerId, events: [{type, after: \"PT30M\"}], "
            + "eventProperties} → {start, steps: [{at, step, type, outcome, detail}], end, converted}. Time is fast-forwarded; nothing is "
            + "sent or written.")
    public Response dryRun(InputStream body) {
        JsonObject o = dryRunBody(body);
        Journey j = journeys().validate(principal.get().tenantId(), definition(o));
        return dryRun(j, o);
    }

    @GET
    @Path("{id}")
    @Access(Role.VIEWER)
    @Operation(summary = "One journey", description = "Its draft definition, status and published versions.")
    public Response get(@PathParam("id") String id) {
        JourneyStore.View j = find(id);
        JsonArrayBuilder versions = Json.array();
        journeys().versions(j.tenantId(), j.id()).forEach(v -> versions.add(Json.object().add("version", v.version())
                .add("publishedAt", v.publishedAt().toString()).add("publishedBy", v.publishedBy())));
        return CustomersResource.ok(view(j).add("versions", versions).build());
    }

    @GET
    @Path("{id}/versions/{version}")
    @Access(Role.VIEWER)
    @Operation(summary = "A published version's definition")
    public Response version(@PathParam("id") String id, @PathParam("version") int version) {
        JourneyStore.View j = find(id);
        return journeys().versions(j.tenantId(), j.id()).stream().filter(v -> v.version() == version).findFirst()
                .map(v -> CustomersResource.ok(Json.object().add("version", v.version()).add("definition", v.definition())
                        .add("publishedAt", v.publishedAt().toString()).add("publishedBy", v.publishedBy()).build()))
                .orElseThrow(() -> new NotFoundException("journey " + j.id() + " has no version " + version));
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Change a journey's draft", description = "{name, description, definition}. Customers inside are not affected until "
            + "the draft is published; then they stay on the version they entered.")
    public Response update(@PathParam("id") String id, InputStream body) {
        Principal me = principal.get();
        JsonObject o = body(body);
        if (o.containsKey("template")) {
            throw new InvalidInputException("/template", "is for creating a journey");
        }
        JourneyStore.View j = journeys().update(me.tenantId(), uuid(id), name(o), description(o), definition(o));
        holder.kernel().access().audit(me.tenantId(), me.name(), "journey.updated", j.id().toString(), j.name());
        return CustomersResource.ok(view(j).build());
    }

    @DELETE
    @Path("{id}")
    @Access(Role.MARKETER)
    @Operation(summary = "Delete a journey never published", description = "A published journey keeps its history: stop it instead (409).")
    public Response delete(@PathParam("id") String id) {
        Principal me = principal.get();
        JourneyStore.View j = find(id);
        journeys().delete(me.tenantId(), j.id());
        holder.kernel().access().audit(me.tenantId(), me.name(), "journey.deleted", j.id().toString(), j.name());
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/publish")
    @Access(Role.MARKETER)
    @Operation(summary = "Publish the draft", description = "It becomes the next version and the journey goes live; customers inside stay on "
            + "their version.")
    public Response publish(@PathParam("id") String id) {
        Principal me = principal.get();
        JourneyStore.View j = journeys().publish(me.tenantId(), uuid(id), me.name());
        holder.kernel().access().audit(me.tenantId(), me.name(), "journey.published", j.id().toString(), j.name() + " v" + j.liveVersion());
        return CustomersResource.ok(view(j).build());
    }

    @POST
    @Path("{id}/pause")
    @Access(Role.MARKETER)
    @Operation(summary = "Pause: no one enters; customers inside go on")
    public Response pause(@PathParam("id") String id) {
        return status(id, true);
    }

    @POST
    @Path("{id}/resume")
    @Access(Role.MARKETER)
    @Operation(summary = "Resume a paused journey")
    public Response resume(@PathParam("id") String id) {
        return status(id, false);
    }

    private Response status(String id, boolean paused) {
        Principal me = principal.get();
        JourneyStore.View j = journeys().setPaused(me.tenantId(), uuid(id), paused);
        holder.kernel().access().audit(me.tenantId(), me.name(), paused ? "journey.paused" : "journey.resumed", j.id().toString(), j.name());
        return CustomersResource.ok(view(j).build());
    }

    @POST
    @Path("{id}/stop")
    @Access(Role.MARKETER)
    @Operation(summary = "Stop: no one enters, everyone inside leaves", description = "→ {left: n}.")
    public Response stop(@PathParam("id") String id) {
        Principal me = principal.get();
        JourneyStore.View j = find(id);
        int left = journeys().stop(me.tenantId(), j.id());
        holder.kernel().journeyEngine().wakeup();
        holder.kernel().access().audit(me.tenantId(), me.name(), "journey.stopped", j.id().toString(), j.name() + ", " + left + " left");
        return CustomersResource.ok(Json.object().add("left", left).build());
    }

    @POST
    @Path("{id}/dry-run")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Dry-run the journey for a test customer", description = "{customerId, events: [{type, after}], eventProperties, "
            + "version} (the draft unless a version is named) → the steps it would take, time fast-forwarded; nothing is sent or written.")
    public Response dryRunJourney(@PathParam("id") String id, InputStream body) {
        JourneyStore.View j = find(id);
        JsonObject o = dryRunBody(body);
        if (o.containsKey("definition")) {
            throw new InvalidInputException("/definition", "is for POST /api/v1/journeys/dry-run; here the journey's own is used");
        }
        Journey journey;
        if (o.containsKey("version")) {
            if (o.get("version").getValueType() != JsonValue.ValueType.NUMBER) {
                throw new InvalidInputException("/version", "is a published version's number");
            }
            int v = o.getInt("version");
            if (journeys().versions(j.tenantId(), j.id()).stream().noneMatch(x -> x.version() == v)) {
                throw new InvalidInputException("/version", "journey " + j.id() + " has no version " + v);
            }
            journey = journeys().version(j.id(), v);
        } else {
            journey = journeys().validate(j.tenantId(), j.draft());
        }
        return dryRun(journey, o);
    }

    @POST
    @Path("{id}/enrol")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Let customers into a live journey by hand", description = "{customerIds: [...]} (at most 1000) → {entered, skipped}; "
            + "the filter and re-entry rules apply.")
    public Response enrol(@PathParam("id") String id, InputStream body) {
        Principal me = principal.get();
        JourneyStore.View j = find(id);
        JsonObject o = AdminResource.object(body);
        List<FieldError> errors = new ArrayList<>();
        Bodies.unknownFields(o, Set.of("customerIds"), "", "an enrolment", errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        if (!o.containsKey("customerIds") || o.get("customerIds").getValueType() != JsonValue.ValueType.ARRAY || o.getJsonArray("customerIds").isEmpty()
                || o.getJsonArray("customerIds").size() > MAX_ENROL) {
            throw new InvalidInputException("/customerIds", "must be an array of 1 to " + MAX_ENROL + " customer ids");
        }
        List<UUID> ids = new ArrayList<>();
        JsonArray a = o.getJsonArray("customerIds");
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).getValueType() != JsonValue.ValueType.STRING) {
                throw new InvalidInputException("/customerIds/" + i, "is a customer id");
            }
            ids.add(Bodies.id(a.getString(i), "/customerIds/" + i));
        }
        JourneyEngine.Enrolment e = holder.kernel().journeyEngine().enrol(me.tenantId(), j.id(), ids);
        holder.kernel().access().audit(me.tenantId(), me.name(), "journey.enrolled", j.id().toString(), e.entered() + " customers");
        return CustomersResource.ok(Json.object().add("entered", e.entered()).add("skipped", e.skipped()).build());
    }

    @GET
    @Path("{id}/analytics")
    @Access(Role.VIEWER)
    @Operation(summary = "What happened in the journey", description = "Totals; per step how many reached it, wait there, left there and "
            + "converted after it, with each outcome's count; per A/B arm the conversion rate, and against the first arm the z statistic and "
            + "two-sided p-value of a two-proportion z-test.")
    public Response analytics(@PathParam("id") String id) {
        JourneyStore.View j = find(id);
        JourneyAnalytics.Report r = holder.kernel().journeyAnalytics().report(j.tenantId(), j.id());
        JsonArrayBuilder steps = Json.array();
        for (JourneyAnalytics.StepStats s : r.steps()) {
            JsonObjectBuilder outcomes = Json.object();
            s.outcomes().forEach(outcomes::add);
            steps.add(Json.object().add("step", s.step()).add("type", s.type() == null ? JsonValue.NULL : Json.string(s.type()))
                    .add("entered", s.entered()).add("waiting", s.waiting()).add("left", s.left()).add("converted", s.converted())
                    .add("outcomes", outcomes));
        }
        JsonArrayBuilder arms = Json.array();
        for (JourneyAnalytics.Arm a : r.arms()) {
            arms.add(Json.object().add("name", a.name()).add("entered", a.entered()).add("converted", a.converted()).add("rate", a.rate())
                    .add("z", a.z() == null ? JsonValue.NULL : Json.toJson(a.z())).add("p", a.p() == null ? JsonValue.NULL : Json.toJson(a.p())));
        }
        return CustomersResource.ok(Json.object().add("entered", r.entered()).add("active", r.active()).add("completed", r.completed())
                .add("exited", r.exited()).add("converted", r.converted()).add("steps", steps).add("arms", arms).build());
    }

    @GET
    @Path("{id}/runs")
    @Access(Role.VIEWER)
    @Operation(summary = "A page of the journey's runs, newest first", description = "?state=active|waiting|completed|exited, ?limit= (default "
            + "50, at most 200), ?before= the last page's oldest enteredAt; → {items, next}.")
    public Response runs(@PathParam("id") String id, @QueryParam("state") String state, @QueryParam("before") String before,
                         @QueryParam("limit") Integer limit) {
        JourneyStore.View j = find(id);
        if (state != null && !Set.of("active", "waiting", "completed", "exited").contains(state)) {
            throw new InvalidInputException("state", "is one of active, waiting, completed, exited");
        }
        int n = Bodies.limit(limit, 50, 200);
        List<JourneyStore.RunView> runs = journeys().runs(j.tenantId(), j.id(), state, before == null ? null : Bodies.time(before, "before"), n + 1);
        String next = null;
        if (runs.size() > n) {
            runs = runs.subList(0, n);
            next = runs.get(n - 1).enteredAt().toString();
        }
        JsonArrayBuilder a = Json.array();
        runs.forEach(r -> a.add(run(r)));
        return CustomersResource.ok(Json.object().add("items", a).add("next", next == null ? JsonValue.NULL : Json.string(next)).build());
    }

    @GET
    @Path("{id}/runs/{run}/steps")
    @Access(Role.VIEWER)
    @Operation(summary = "The steps one run took, in order")
    public Response runSteps(@PathParam("id") String id, @PathParam("run") String run) {
        JourneyStore.View j = find(id);
        JsonArrayBuilder a = Json.array();
        journeys().steps(j.tenantId(), Bodies.id(run, "run id")).forEach(s -> a.add(Json.object().add("seq", s.seq()).add("version", s.version())
                .add("step", s.step()).add("outcome", s.outcome()).add("detail", s.detail() == null ? JsonValue.NULL : Json.string(s.detail()))
                .add("at", s.at().toString())));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private Response dryRun(Journey j, JsonObject o) {
        UUID tenantId = principal.get().tenantId();
        if (!o.containsKey("customerId") || o.get("customerId").getValueType() != JsonValue.ValueType.STRING) {
            throw new InvalidInputException("/customerId", "is required: the test customer's id");
        }
        UUID customer = Bodies.id(o.getString("customerId"), "/customerId");
        List<DryRun.SimulatedEvent> events = new ArrayList<>();
        if (o.containsKey("events")) {
            if (o.get("events").getValueType() != JsonValue.ValueType.ARRAY || o.getJsonArray("events").size() > 50) {
                throw new InvalidInputException("/events", "must be an array of at most 50 events such as {\"type\": \"order.completed\", \"after\": \"PT30M\"}");
            }
            JsonArray a = o.getJsonArray("events");
            for (int i = 0; i < a.size(); i++) {
                String p = "/events/" + i;
                if (a.get(i).getValueType() != JsonValue.ValueType.OBJECT) {
                    throw new InvalidInputException(p, "must be an object such as {\"type\": \"order.completed\", \"after\": \"PT30M\"}");
                }
                JsonObject e = a.getJsonObject(i);
                List<FieldError> errors = new ArrayList<>();
                Bodies.unknownFields(e, Set.of("type", "after"), p, "a simulated event", errors);
                if (!errors.isEmpty()) {
                    throw new InvalidInputException(errors);
                }
                if (e.get("type") == null || e.get("type").getValueType() != JsonValue.ValueType.STRING
                        || !io.rapport.core.journey.JourneyDefinitions.EVENT_TYPE.matcher(e.getString("type")).matches()) {
                    throw new InvalidInputException(p + "/type", "is an event type such as order.completed");
                }
                Duration after;
                try {
                    after = Duration.parse(e.getString("after", ""));
                } catch (DateTimeParseException ex) {
                    throw new InvalidInputException(p + "/after", "is an ISO-8601 duration after entry, such as PT30M or P2D");
                }
                if (after.isNegative()) {
                    throw new InvalidInputException(p + "/after", "is not negative");
                }
                events.add(new DryRun.SimulatedEvent(e.getString("type"), after));
            }
        }
        Map<String, Object> props = Map.of();
        if (o.containsKey("eventProperties")) {
            if (o.get("eventProperties").getValueType() != JsonValue.ValueType.OBJECT) {
                throw new InvalidInputException("/eventProperties", "must be an object: the trigger event's properties, such as a cart's items");
            }
            props = Json.toMap(o.getJsonObject("eventProperties"));
        }
        DryRun.Result r = holder.kernel().dryRun().run(tenantId, j, customer, events, props);
        JsonArrayBuilder steps = Json.array();
        r.steps().forEach(s -> steps.add(Json.object().add("at", s.at().toString()).add("step", s.step() == null ? JsonValue.NULL : Json.string(s.step()))
                .add("type", s.type()).add("outcome", s.outcome()).add("detail", Json.toJson(s.detail()))));
        return CustomersResource.ok(Json.object().add("start", r.start().toString()).add("steps", steps).add("end", r.end())
                .add("converted", r.converted()).build());
    }

    private static JsonObject dryRunBody(InputStream body) {
        JsonObject o = AdminResource.object(body);
        List<FieldError> errors = new ArrayList<>();
        Bodies.unknownFields(o, DRY_RUN_FIELDS, "", "a dry run", errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return o;
    }

    private JourneyStore.View find(String id) {
        UUID u = uuid(id);
        return journeys().find(principal.get().tenantId(), u).orElseThrow(() -> new NotFoundException("no journey " + u));
    }

    private static UUID uuid(String id) {
        return Bodies.id(id, "journey id");
    }

    private static JsonObject body(InputStream body) {
        return Bodies.named(body, FIELDS, "a journey");
    }

    private static String name(JsonObject o) {
        return Bodies.text(o, "name");
    }

    private static String description(JsonObject o) {
        return Bodies.text(o, "description");
    }

    private static JsonObject definition(JsonObject o) {
        if (!o.containsKey("definition") || o.get("definition").getValueType() != JsonValue.ValueType.OBJECT) {
            throw new InvalidInputException("/definition", "is required: an object with a trigger, a start and steps");
        }
        return o.getJsonObject("definition");
    }

    static JsonObjectBuilder view(JourneyStore.View j) {
        return Json.object().add("id", j.id().toString()).add("name", j.name())
                .add("description", j.description() == null ? JsonValue.NULL : Json.string(j.description()))
                .add("status", j.status().json()).add("liveVersion", j.liveVersion() == null ? JsonValue.NULL : Json.toJson(j.liveVersion()))
                .add("definition", j.draft()).add("createdAt", j.createdAt().toString()).add("updatedAt", j.updatedAt().toString());
    }

    static JsonObjectBuilder run(JourneyStore.RunView r) {
        return Json.object().add("id", r.id().toString()).add("customerId", r.customerId().toString()).add("version", r.version())
                .add("state", r.state()).add("step", r.step() == null ? JsonValue.NULL : Json.string(r.step()))
                .add("dueAt", r.dueAt() == null || !Set.of("active", "waiting").contains(r.state()) ? JsonValue.NULL : Json.string(r.dueAt().toString()))
                .add("waitingFor", r.waitEvent() == null || !"waiting".equals(r.state()) ? JsonValue.NULL : Json.string(r.waitEvent()))
                .add("variant", r.variant() == null ? JsonValue.NULL : Json.string(r.variant()))
                .add("enteredAt", r.enteredAt().toString()).add("endedAt", r.endedAt() == null ? JsonValue.NULL : Json.string(r.endedAt().toString()))
                .add("exitReason", r.exitReason() == null ? JsonValue.NULL : Json.string(r.exitReason()))
                .add("convertedAt", r.convertedAt() == null ? JsonValue.NULL : Json.string(r.convertedAt().toString()));
    }
}

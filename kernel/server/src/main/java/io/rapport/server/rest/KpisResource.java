package io.rapport.server.rest;

import java.io.InputStream;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.core.json.Json;
import io.rapport.core.kpi.Kpis;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
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
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** KPIs of the caller's shop: what the active KPI plugins offer, their series with the inputs of each value, and goals. */
@Path("/v1/kpis")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class KpisResource {

    /** The event type of purchases, whose first occurrence puts a customer in a cohort (what kpi-retention counts as an order). */
    public static final String PURCHASE = io.rapport.api.event.EventTypes.ORDER_COMPLETED;
    /** How many customers a top list holds unless ?limit= says otherwise. */
    public static final int TOP_DEFAULT = 20;

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    private Kpis kpis() {
        return holder.kernel().kpis();
    }

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "The KPIs offered by active plugins", description = "Each with its definition, its goal if set, and its value for the "
            + "current period of the goal's granularity (the month without a goal); orders: the first and last day (in the shop's zone) with an "
            + "order, or null without any, so that a dashboard can show the dates that hold data.")
    public Response list() {
        UUID tenant = principal.get().tenantId();
        Map<String, Kpis.Goal> goals = kpis().goals(tenant);
        JsonArrayBuilder a = Json.array();
        LocalDate today = LocalDate.now(holder.kernel().messages().policy(tenant).defaultZone());
        for (KpiModule.Definition d : kpis().definitions()) {
            Kpis.Goal g = goals.get(d.id());
            Period.Granularity gran = g == null ? Period.Granularity.MONTH : g.granularity();
            Kpis.Stored current = kpis().series(tenant, d.id(), gran, today, today, null).get(0);
            JsonObjectBuilder b = definition(d).add("current", value(current));
            b.add("goal", g == null ? JsonValue.NULL : goal(g, d, current).build());
            a.add(b);
        }
        JsonValue orders = kpis().dates(tenant, PURCHASE).<JsonValue>map(d -> Json.object().add("event", PURCHASE).add("first", d.first().toString())
                .add("last", d.last().toString()).build()).orElse(JsonValue.NULL);
        return CustomersResource.ok(Json.object().add("items", a).add("orders", orders).build());
    }

    @GET
    @Path("cohorts")
    @Access(Role.VIEWER)
    @Operation(summary = "The cohort retention table", description = "Customers by the month (in the shop's zone) of their first ?event= (default "
            + "order.completed), from ?from= to ?to= (months such as 1997-01, or dates; default the 12 months to this one; at most "
            + Kpis.MAX_COHORT_MONTHS + "), ?segment= a segment id → {event, from, to, cohorts: [{month, customers, active: [in the cohort's month, "
            + "the next, …], rates: [active ÷ customers, or null for an empty cohort]}]}.")
    public Response cohorts(@QueryParam("event") String event, @QueryParam("from") String from, @QueryParam("to") String to,
                            @QueryParam("segment") String segment) {
        UUID tenant = principal.get().tenantId();
        String type = event == null || event.isBlank() ? PURCHASE : event.trim();
        if (!io.rapport.core.journey.JourneyDefinitions.EVENT_TYPE.matcher(type).matches()) {
            throw new InvalidInputException("event", "is an event type such as order.completed");
        }
        YearMonth end = to == null || to.isBlank() ? YearMonth.now(holder.kernel().messages().policy(tenant).defaultZone()) : month(to, "to");
        YearMonth start = from == null || from.isBlank() ? end.minusMonths(11) : month(from, "from");
        List<KpiData.Cohort> table = kpis().cohorts(tenant, type, start, end, segment(tenant, segment));
        JsonArrayBuilder cohorts = Json.array();
        for (KpiData.Cohort c : table) {
            JsonArrayBuilder active = Json.array();
            JsonArrayBuilder rates = Json.array();
            for (long n : c.active()) {
                active.add(n);
                rates.add(c.customers() == 0 ? JsonValue.NULL : Json.toJson(BigDecimal.valueOf(n).divide(BigDecimal.valueOf(c.customers()), 4,
                        java.math.RoundingMode.HALF_EVEN).stripTrailingZeros()));
            }
            cohorts.add(Json.object().add("month", c.month().toString()).add("customers", c.customers()).add("active", active).add("rates", rates));
        }
        return CustomersResource.ok(Json.object().add("event", type).add("from", start.toString()).add("to", end.toString()).add("cohorts", cohorts)
                .build());
    }

    @GET
    @Path("scores/{name}/top")
    @Access(Role.VIEWER)
    @Operation(summary = "The customers with the highest scores of a name", description = "Scores are written by KPI modules (kpi-clv: "
            + "predicted_clv, p_alive, expected_purchases_90d). ?limit= (default " + TOP_DEFAULT + ", at most " + Kpis.MAX_TOP + ") → {score, items: "
            + "[{id, name, email, externalId, score, scores: {every score of the customer by name}}]}, highest first; empty before a module wrote any.")
    public Response top(@PathParam("name") String name, @QueryParam("limit") @DefaultValue("" + TOP_DEFAULT) String limit) {
        UUID tenant = principal.get().tenantId();
        if (!name.matches("[a-z][a-z0-9_]{0,62}")) {
            throw new io.rapport.core.validation.NotFoundException("no score named '" + name + "': scores are lower-case words joined by _");
        }
        int n;
        try {
            n = Integer.parseInt(limit.trim());
        } catch (NumberFormatException e) {
            n = -1;
        }
        JsonArrayBuilder items = Json.array();
        for (Kpis.Scored s : kpis().top(tenant, name, n)) {
            String full = java.util.stream.Stream.of(s.firstName(), s.lastName()).filter(x -> x != null && !x.isBlank())
                    .collect(java.util.stream.Collectors.joining(" "));
            JsonObjectBuilder scores = Json.object();
            s.scores().forEach((k, v) -> scores.add(k, Json.toJson(v)));
            items.add(Json.object().add("id", s.customerId().toString()).add("name", full.isEmpty() ? JsonValue.NULL : Json.toJson(full))
                    .add("email", s.email() == null ? JsonValue.NULL : Json.toJson(s.email()))
                    .add("externalId", s.externalId() == null ? JsonValue.NULL : Json.toJson(s.externalId()))
                    .add("score", Json.toJson(s.score())).add("scores", scores));
        }
        return CustomersResource.ok(Json.object().add("score", name).add("items", items).build());
    }

    @GET
    @Path("{kpi}")
    @Access(Role.VIEWER)
    @Operation(summary = "A KPI's series", description = "?granularity=day|week|month (default week), ?from=&to= (dates; default the last 12 "
            + "periods), ?segment= a segment id → {definition, goal, items: [{start, value, inputs, computedAt}]}. A value of null means the "
            + "period has no value (no survey answered), not zero.")
    public Response series(@PathParam("kpi") String kpi, @QueryParam("granularity") String granularity, @QueryParam("from") String from,
                           @QueryParam("to") String to, @QueryParam("segment") String segment) {
        UUID tenant = principal.get().tenantId();
        KpiModule.Definition d = kpis().definition(kpi);
        Period.Granularity g = granularity == null ? Period.Granularity.WEEK : Bodies.constant(Period.Granularity.class, granularity, "granularity");
        LocalDate today = LocalDate.now(holder.kernel().messages().policy(tenant).defaultZone());
        LocalDate end = to == null ? today : date(to, "to");
        LocalDate start = from == null ? switch (g) {
            case DAY -> end.minusDays(29);
            case WEEK -> end.minusWeeks(11);
            case MONTH -> end.minusMonths(11);
        } : date(from, "from");
        UUID seg = segment(tenant, segment);
        List<Kpis.Stored> values = kpis().series(tenant, kpi, g, start, end, seg);
        JsonArrayBuilder items = Json.array();
        values.forEach(v -> items.add(value(v)));
        Kpis.Goal goal = kpis().goal(tenant, kpi).orElse(null);
        return CustomersResource.ok(Json.object().add("definition", definition(d)).add("granularity", g.name().toLowerCase(java.util.Locale.ROOT))
                .add("goal", goal == null ? JsonValue.NULL : goal(goal, d, values.isEmpty() ? null : values.get(values.size() - 1)).build())
                .add("items", items).build());
    }

    @POST
    @Path("compute")
    @Access(Role.ADMIN)
    @Operation(summary = "Compute every KPI now", description = "Computes and stores every KPI offered by active plugins for the shop's current "
            + "day, week and month (the whole shop), whatever is stored, and answers when done: {millis, items: [{kpi, granularity, start, millis, "
            + "purchasesMillis, scoresMillis, scores, reused}]}. Predicted lifetime value fits its models once for the three periods and writes the "
            + "customers' scores once. Audited kpi.computed.")
    public Response computeAll() {
        Principal me = principal.get();
        long t0 = System.nanoTime();
        List<Kpis.Timing> timings = kpis().computeCurrent(me.tenantId());
        long millis = (System.nanoTime() - t0) / 1_000_000;
        JsonArrayBuilder items = Json.array();
        for (Kpis.Timing t : timings) {
            items.add(Json.object().add("kpi", t.kpi()).add("granularity", t.granularity().name().toLowerCase(java.util.Locale.ROOT))
                    .add("start", t.start().toString()).add("millis", t.millis()).add("purchasesMillis", t.purchasesMillis())
                    .add("scoresMillis", t.scoresMillis()).add("scores", t.scores()).add("reused", t.reused()));
        }
        holder.kernel().access().audit(me.tenantId(), me.name(), "kpi.computed", null, timings.size() + " values in " + millis + " ms");
        return CustomersResource.ok(Json.object().add("millis", millis).add("items", items).build());
    }

    @PUT
    @Path("{kpi}/goal")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Set a KPI's goal", description = "{target, granularity} (default month).")
    public Response setGoal(@PathParam("kpi") String kpi, InputStream body) {
        Principal me = principal.get();
        KpiModule.Definition d = kpis().definition(kpi);
        JsonObject o = AdminResource.object(body);
        java.util.List<io.rapport.core.validation.FieldError> errors = new java.util.ArrayList<>();
        Bodies.unknownFields(o, java.util.Set.of("target", "granularity"), "", "a goal", errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        if (!o.containsKey("target") || o.get("target").getValueType() != JsonValue.ValueType.NUMBER) {
            throw new InvalidInputException("/target", "is required: a number in the KPI's unit (" + d.unit() + ")");
        }
        Period.Granularity g = o.containsKey("granularity") && o.get("granularity").getValueType() == JsonValue.ValueType.STRING
                ? Bodies.constant(Period.Granularity.class, o.getString("granularity"), "/granularity") : Period.Granularity.MONTH;
        BigDecimal target = o.getJsonNumber("target").bigDecimalValue();
        Kpis.Goal goal = kpis().setGoal(me.tenantId(), kpi, g, target, me.name());
        holder.kernel().access().audit(me.tenantId(), me.name(), "kpi.goal.set", kpi, target.toPlainString() + " per " + g.name().toLowerCase(java.util.Locale.ROOT));
        return CustomersResource.ok(goal(goal, d, null).build());
    }

    @DELETE
    @Path("{kpi}/goal")
    @Access(Role.MARKETER)
    @Operation(summary = "Remove a KPI's goal")
    public Response removeGoal(@PathParam("kpi") String kpi) {
        Principal me = principal.get();
        kpis().definition(kpi);
        if (!kpis().removeGoal(me.tenantId(), kpi)) {
            throw new io.rapport.core.validation.NotFoundException("KPI " + kpi + " has no goal");
        }
        holder.kernel().access().audit(me.tenantId(), me.name(), "kpi.goal.removed", kpi, null);
        return Response.noContent().build();
    }

    /** @return the segment a ?segment= names, or null without one */
    private UUID segment(UUID tenant, String segment) {
        if (segment == null || segment.isBlank()) {
            return null;
        }
        UUID seg = Bodies.id(segment, "segment");
        holder.kernel().segments().find(tenant, seg).orElseThrow(() -> new InvalidInputException("segment", "names no segment of this shop"));
        return seg;
    }

    /** @return the month of {@code 1997-01} or of a date in it */
    static YearMonth month(String raw, String field) {
        try {
            return raw.trim().length() == 7 ? YearMonth.parse(raw.trim()) : YearMonth.from(LocalDate.parse(raw.trim()));
        } catch (DateTimeParseException e) {
            throw new InvalidInputException(field, "is a month such as 2026-01, or a date such as 2026-01-31");
        }
    }

    static LocalDate date(String raw, String field) {
        try {
            return LocalDate.parse(raw);
        } catch (DateTimeParseException e) {
            throw new InvalidInputException(field, "is a date such as 2026-01-31");
        }
    }

    static JsonObjectBuilder definition(KpiModule.Definition d) {
        return Json.object().add("id", d.id()).add("title", d.title()).add("description", d.description() == null ? "" : d.description())
                .add("unit", d.unit()).add("direction", d.direction() == KpiModule.Direction.HIGHER_IS_BETTER ? "higher" : "lower")
                .add("module", d.module() == null ? "" : d.module());
    }

    static JsonObjectBuilder value(Kpis.Stored v) {
        JsonObjectBuilder inputs = Json.object();
        v.inputs().forEach((k, n) -> inputs.add(k, n == null ? JsonValue.NULL : Json.toJson(n)));
        OffsetDateTime at = v.computedAt();
        return Json.object().add("start", v.start().toString()).add("value", v.value() == null ? JsonValue.NULL : Json.toJson(v.value()))
                .add("inputs", inputs).add("computedAt", at.toString());
    }

    static JsonObjectBuilder goal(Kpis.Goal g, KpiModule.Definition d, Kpis.Stored current) {
        BigDecimal progress = current == null ? null : Kpis.progress(d.direction(), current.value(), g.target());
        return Json.object().add("target", Json.toJson(g.target())).add("granularity", g.granularity().name().toLowerCase(java.util.Locale.ROOT))
                .add("progress", progress == null ? JsonValue.NULL : Json.toJson(progress)).add("setBy", g.setBy()).add("setAt", g.setAt().toString());
    }
}

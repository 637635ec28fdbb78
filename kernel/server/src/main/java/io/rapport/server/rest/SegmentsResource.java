package io.rapport.server.rest;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.rapport.core.customer.CustomerJson;
import io.rapport.core.customer.CustomerStore;
import io.rapport.core.json.Json;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.core.segment.SegmentStore;
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
 * Segments of the caller's tenant: a condition (JSON data, see {@code Conditions}) and who matches it. Marketers
 * build them; viewers read them.
 */
@Path("/v1/segments")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class SegmentsResource {

    static final Set<String> FIELDS = Set.of("name", "description", "condition");
    static final int SAMPLE = 20;

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    private SegmentStore segments() {
        return holder.kernel().segments();
    }

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "The shop's segments, by name", description = "Each with its condition, version, member count and last rebuild.")
    public Response list() {
        JsonArrayBuilder a = Json.array();
        segments().list(principal.get().tenantId()).forEach(s -> a.add(view(s)));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Create a segment", description = "{name, description, condition}; its members are computed before the answer (201).")
    public Response create(InputStream body) {
        Principal me = principal.get();
        JsonObject o = body(body);
        SegmentStore.Segment s = segments().create(me.tenantId(), o.getString("name", null), description(o), definition(o));
        holder.kernel().access().audit(me.tenantId(), me.name(), "segment.created", s.id().toString(), s.name());
        return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).header("Location", "/api/v1/segments/" + s.id())
                .entity(Json.write(view(s).build())).build();
    }

    @POST
    @Path("preview")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "How many customers a condition selects now", description = "{condition} → {count, sample: [up to 20 customers]}; "
            + "nothing is saved.")
    public Response preview(InputStream body) {
        Principal me = principal.get();
        JsonObject o = body(body);
        SegmentStore.Preview p = segments().preview(me.tenantId(), definition(o), SAMPLE);
        return CustomersResource.ok(Json.object().add("count", p.count()).add("sample", customers(me, p.sample())).build());
    }

    @GET
    @Path("rfm")
    @Access(Role.VIEWER)
    @Operation(summary = "The shop's RFM scores", description = "{windowDays, customers, computedAt, groups: {champions: n, ...}}; "
            + "computedAt null before the first computation.")
    public Response rfm() {
        UUID tenantId = principal.get().tenantId();
        io.rapport.core.segment.Rfm rfm = segments().rfm();
        JsonObjectBuilder b = Json.object();
        rfm.last(tenantId).ifPresentOrElse(r -> b.add("windowDays", r.windowDays()).add("customers", r.customers())
                .add("computedAt", r.computedAt().toString()), () -> b.add("windowDays", io.rapport.core.segment.Rfm.DEFAULT_WINDOW_DAYS)
                .add("customers", 0).add("computedAt", JsonValue.NULL));
        JsonObjectBuilder groups = Json.object();
        rfm.groups(tenantId).forEach(groups::add);
        return CustomersResource.ok(b.add("groups", groups).build());
    }

    @POST
    @Path("rfm")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Recompute the shop's RFM scores now", description = "{windowDays} (default 365): scores 1-5 by quintile over that "
            + "window's orders; the segments that read them are rebuilt. The kernel also recomputes them once a day.")
    public Response computeRfm(InputStream body) {
        Principal me = principal.get();
        JsonObject o = AdminResource.object(body);
        List<FieldError> errors = new ArrayList<>();
        Bodies.unknownFields(o, Set.of("windowDays"), "", "an RFM computation", errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        int window = io.rapport.core.segment.Rfm.DEFAULT_WINDOW_DAYS;
        if (o.containsKey("windowDays")) {
            if (o.get("windowDays").getValueType() != JsonValue.ValueType.NUMBER || !o.getJsonNumber("windowDays").isIntegral()) {
                throw new InvalidInputException("/windowDays", "is a whole number of days");
            }
            window = o.getJsonNumber("windowDays").intValue();
        }
        io.rapport.core.segment.Rfm.Run r = segments().computeRfm(me.tenantId(), window);
        holder.kernel().access().audit(me.tenantId(), me.name(), "rfm.computed", null, r.windowDays() + " days, " + r.customers() + " customers");
        return rfm();
    }

    @GET
    @Path("{id}")
    @Access(Role.VIEWER)
    @Operation(summary = "One segment")
    public Response get(@PathParam("id") String id) {
        return CustomersResource.ok(view(find(id)).build());
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Change a segment", description = "{name, description, condition}: a new condition is a new version; members are "
            + "recomputed, with segment.entered and segment.exited events.")
    public Response update(@PathParam("id") String id, InputStream body) {
        Principal me = principal.get();
        JsonObject o = body(body);
        SegmentStore.Segment s = segments().update(me.tenantId(), uuid(id), o.getString("name", null), description(o), definition(o));
        holder.kernel().access().audit(me.tenantId(), me.name(), "segment.updated", s.id().toString(), s.name() + " v" + s.version());
        return CustomersResource.ok(view(s).build());
    }

    @DELETE
    @Path("{id}")
    @Access(Role.MARKETER)
    @Operation(summary = "Delete a segment", description = "Its members exit it (segment.exited events).")
    public Response delete(@PathParam("id") String id) {
        Principal me = principal.get();
        SegmentStore.Segment s = find(id);
        segments().delete(me.tenantId(), s.id());
        holder.kernel().access().audit(me.tenantId(), me.name(), "segment.deleted", s.id().toString(), s.name());
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/rebuild")
    @Access(Role.MARKETER)
    @Operation(summary = "Recompute a segment's members now", description = "→ {members, entered, exited}.")
    public Response rebuild(@PathParam("id") String id) {
        SegmentStore.Rebuild r = segments().rebuild(principal.get().tenantId(), uuid(id));
        return CustomersResource.ok(Json.object().add("members", r.members()).add("entered", r.entered()).add("exited", r.exited()).build());
    }

    @GET
    @Path("{id}/members")
    @Access(Role.VIEWER)
    @Operation(summary = "A page of a segment's members", description = "?limit= (default 50, at most 200), ?after= the last id of the page "
            + "before; → {items: [customers], next}.")
    public Response members(@PathParam("id") String id, @QueryParam("after") String after, @QueryParam("limit") Integer limit) {
        Principal me = principal.get();
        int n = Bodies.limit(limit, 50, 200);
        List<UUID> ids = segments().members(me.tenantId(), uuid(id), after == null || after.isBlank() ? null : Bodies.id(after, "after"), n + 1);
        String next = null;
        if (ids.size() > n) {
            ids = ids.subList(0, n);
            next = ids.get(n - 1).toString();
        }
        JsonObjectBuilder page = Json.object().add("items", customers(me, ids));
        page.add("next", next == null ? JsonValue.NULL : Json.string(next));
        return CustomersResource.ok(page.build());
    }

    private JsonArrayBuilder customers(Principal me, List<UUID> ids) {
        JsonArrayBuilder a = Json.array();
        List<io.rapport.api.customer.Customer> found = holder.kernel().db().read(c -> CustomerStore.loadAll(c, me.tenantId(), ids));
        found.forEach(c -> a.add(CustomerJson.toJson(c)));
        return a;
    }

    private SegmentStore.Segment find(String id) {
        UUID u = uuid(id);
        return segments().find(principal.get().tenantId(), u).orElseThrow(() -> new NotFoundException("no segment " + u));
    }

    private static UUID uuid(String id) {
        return Bodies.id(id, "segment id");
    }

    private static JsonObject body(InputStream body) {
        return Bodies.named(body, FIELDS, "a segment");
    }

    private static String description(JsonObject o) {
        return Bodies.text(o, "description");
    }

    private static JsonObject definition(JsonObject o) {
        JsonObjectBuilder d = Json.object();
        if (o.containsKey("condition")) {
            d.add("condition", o.get("condition"));
        }
        return d.build();
    }

    static JsonObjectBuilder view(SegmentStore.Segment s) {
        JsonObjectBuilder b = Json.object().add("id", s.id().toString()).add("name", s.name())
                .add("description", s.description() == null ? JsonValue.NULL : Json.string(s.description()))
                .add("condition", s.definition().get("condition")).add("version", s.version()).add("members", s.members())
                .add("timeDependent", s.timeDependent())
                .add("rebuiltAt", s.rebuiltAt() == null ? JsonValue.NULL : Json.string(s.rebuiltAt().toString()))
                .add("createdAt", s.createdAt().toString()).add("updatedAt", s.updatedAt().toString());
        return b;
    }
}

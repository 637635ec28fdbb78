package io.rapport.server.rest;

import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import io.rapport.api.customer.Consent;
import io.rapport.api.customer.Customer;
import io.rapport.api.customer.Identifier;
import io.rapport.api.event.Event;
import io.rapport.core.Kernel;
import io.rapport.core.customer.CustomerChanges;
import io.rapport.core.customer.CustomerJson;
import io.rapport.core.customer.CustomerStore;
import io.rapport.core.customer.IdentifierJson;
import io.rapport.core.customer.Normalizer;
import io.rapport.core.event.EventStore;
import io.rapport.core.json.Json;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
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

/** Customer profiles of the caller's tenant: CRUD, search, timeline, consent, merge and erasure. */
@Path("/v1/customers")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class CustomersResource {

    static final long MAX_BODY = 1024 * 1024;
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    static final String MERGE_PATCH = "application/merge-patch+json";

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    static final int MAX_NAME_SEARCH = 200;

    private final Clock clock = Clock.systemUTC();

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "Search customers", description = "Filters combine with AND; results are in creation order with a cursor for the next page. "
            + "externalId is system:id, attribute is name:value, name matches the start of 'first last' or of the last name, in any case.")
    public Response search(@QueryParam("email") String email, @QueryParam("phone") String phone, @QueryParam("externalId") String externalId,
                           @QueryParam("name") String name,
                           @QueryParam("anonymousId") String anonymousId, @QueryParam("attribute") String attribute, @QueryParam("tag") String tag,
                           @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        Kernel kernel = holder.kernel();
        UUID tenantId = tenant();
        List<FieldError> errors = new ArrayList<>();
        List<Identifier> ids = new ArrayList<>();
        if (email != null) {
            Normalizer.email(email).ifPresentOrElse(e -> ids.add(Identifier.email(e)), () -> errors.add(new FieldError("email", "is not a valid email address")));
        }
        if (phone != null) {
            Normalizer.phone(phone, region(tenantId)).ifPresentOrElse(p -> ids.add(Identifier.phone(p)),
                    () -> errors.add(new FieldError("phone", "is not a valid phone number")));
        }
        if (externalId != null) {
            int colon = externalId.indexOf(':');
            if (colon <= 0 || colon == externalId.length() - 1 || !IdentifierJson.SYSTEM.matcher(externalId.substring(0, colon)).matches()) {
                errors.add(new FieldError("externalId", "is system:id, like shopify:1234"));
            } else {
                ids.add(Identifier.external(externalId.substring(0, colon), externalId.substring(colon + 1)));
            }
        }
        if (anonymousId != null) {
            ids.add(Identifier.anonymous(anonymousId));
        }
        String attrName = null;
        String attrValue = null;
        if (attribute != null) {
            int colon = attribute.indexOf(':');
            if (colon <= 0) {
                errors.add(new FieldError("attribute", "is name:value, like plan:gold"));
            } else {
                attrName = attribute.substring(0, colon);
                attrValue = attribute.substring(colon + 1);
            }
        }
        if (name != null && (name.isBlank() || name.length() > MAX_NAME_SEARCH)) {
            errors.add(new FieldError("name", "is 1 to " + MAX_NAME_SEARCH + " characters"));
        }
        if (ids.size() > 1) {
            errors.add(new FieldError("email", "search by one identifier at a time (email, phone, externalId or anonymousId)"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        int n = Bodies.limit(limit, DEFAULT_LIMIT, MAX_LIMIT);
        CustomerStore.Page page = kernel.customers().search(tenantId,
                new CustomerStore.Query(ids.isEmpty() ? null : ids.get(0), name, attrName, attrValue, tag, cursor, n));
        JsonArrayBuilder items = Json.array();
        page.customers().forEach(c -> items.add(CustomerJson.toJson(c)));
        JsonObjectBuilder out = Json.object().add("items", items).add("next", Json.string(page.next()));
        return ok(out.build());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Create a customer")
    public Response create(InputStream body) {
        Kernel kernel = holder.kernel();
        UUID tenantId = tenant();
        CustomerChanges changes = CustomerJson.changes(Bodies.json(body, MAX_BODY), region(tenantId), kernel.customers().stages(), clock);
        Customer c = kernel.customers().create(tenantId, changes, principal.get().name());
        return Response.created(URI.create("/api/v1/customers/" + c.id())).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.write(CustomerJson.toJson(c))).build();
    }

    @GET
    @Path("{id}")
    @Access(Role.VIEWER)
    @Operation(summary = "Read a customer", description = "An id that was merged into another profile answers with the surviving profile.")
    public Response get(@PathParam("id") String id) {
        UUID tenantId = tenant();
        Customer c = holder.kernel().customers().find(tenantId, Bodies.id(id, "customer"))
                .orElseThrow(() -> new io.rapport.core.validation.NotFoundException("no customer " + id));
        return ok(CustomerJson.toJson(c));
    }

    @PATCH
    @Path("{id}")
    @Consumes({MERGE_PATCH, MediaType.APPLICATION_JSON})
    @Access(Role.MARKETER)
    @Operation(summary = "Change a customer (JSON merge patch)", description = "Absent fields stay, null clears a field, attributes and externalIds merge key by key, tags replace.")
    public Response update(@PathParam("id") String id, InputStream body) {
        Kernel kernel = holder.kernel();
        UUID tenantId = tenant();
        UUID customerId = Bodies.id(id, "customer");
        CustomerChanges changes = CustomerJson.changes(Bodies.json(body, MAX_BODY), region(tenantId), kernel.customers().stages(), clock);
        return ok(CustomerJson.toJson(kernel.customers().update(tenantId, customerId, changes, principal.get().name())));
    }

    @DELETE
    @Path("{id}")
    @Access(Role.ADMIN)
    @Operation(summary = "Erase a customer", description = "Deletes the profile, its timeline, identifiers, attributes, tags and consents (GDPR art. 17).")
    public Response erase(@PathParam("id") String id) {
        Kernel kernel = holder.kernel();
        UUID tenantId = tenant();
        UUID customerId = Bodies.id(id, "customer");
        kernel.customers().erase(tenantId, customerId);
        kernel.access().audit(tenantId, principal.get().name(), "customer.erased", customerId.toString(), null);
        return Response.noContent().build();
    }

    @GET
    @Path("{id}/timeline")
    @Access(Role.VIEWER)
    @Operation(summary = "A customer's timeline", description = "Newest first; type takes a comma-separated list of event types.")
    public Response timeline(@PathParam("id") String id, @QueryParam("type") String type, @QueryParam("cursor") String cursor,
                             @QueryParam("limit") Integer limit) {
        Kernel kernel = holder.kernel();
        UUID tenantId = tenant();
        Customer c = kernel.customers().find(tenantId, Bodies.id(id, "customer"))
                .orElseThrow(() -> new io.rapport.core.validation.NotFoundException("no customer " + id));
        List<String> types = type == null || type.isBlank() ? List.of()
                : Arrays.stream(type.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        EventStore.Page page = kernel.events().timeline(tenantId, c.id(), types, cursor, Bodies.limit(limit, DEFAULT_LIMIT, MAX_LIMIT));
        JsonArrayBuilder items = Json.array();
        for (Event e : page.events()) {
            items.add(Json.object().add("id", e.id().toString()).add("type", e.type()).add("occurredAt", e.occurredAt().toString())
                    .add("receivedAt", e.receivedAt().toString()).add("source", Json.string(e.source()))
                    .add("properties", Json.toJson(e.properties())).add("idempotencyKey", Json.string(e.idempotencyKey())));
        }
        return ok(Json.object().add("customerId", c.id().toString()).add("items", items).add("next", Json.string(page.next())).build());
    }

    @PUT
    @Path("{id}/consents")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Record a consent decision", description = "Body: {purpose, channel, status: granted|withdrawn, source, changedAt?}.")
    public Response consent(@PathParam("id") String id, InputStream body) {
        Kernel kernel = holder.kernel();
        UUID tenantId = tenant();
        UUID customerId = Bodies.id(id, "customer");
        List<FieldError> errors = new ArrayList<>();
        Consent consent = CustomerJson.consent(Bodies.json(body, MAX_BODY), "", clock, errors);
        if (consent == null) {
            throw new InvalidInputException(errors);
        }
        kernel.customers().setConsent(tenantId, customerId, consent, principal.get().name());
        return ok(CustomerJson.toJson(kernel.customers().find(tenantId, customerId).orElseThrow()));
    }

    @POST
    @Path("{id}/merge")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Merge another customer into this one", description = "Body: {\"customerId\": \"...\", \"reason\": \"...\"}. Both timelines stay.")
    public Response merge(@PathParam("id") String id, InputStream body) {
        Kernel kernel = holder.kernel();
        UUID tenantId = tenant();
        JsonValue json = Bodies.json(body, MAX_BODY);
        if (json.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new InvalidInputException("/", "must be {\"customerId\": \"...\"}");
        }
        JsonObject o = json.asJsonObject();
        JsonValue other = o.get("customerId");
        if (other == null || other.getValueType() != JsonValue.ValueType.STRING) {
            throw new InvalidInputException("/customerId", "is required: the id of the customer to merge into this one");
        }
        String reason = o.containsKey("reason") && o.get("reason").getValueType() == JsonValue.ValueType.STRING ? o.getString("reason") : "merged by a user";
        if (reason.length() > 200) {
            throw new InvalidInputException("/reason", "must be at most 200 characters");
        }
        String actor = principal.get().name();
        Customer survivor = kernel.customers().merge(tenantId, Bodies.id(id, "customer"), Bodies.id(((JsonString) other).getString(), "customer"), reason, actor);
        kernel.access().audit(tenantId, actor, "customer.merged", survivor.id().toString(), ((JsonString) other).getString());
        return ok(CustomerJson.toJson(survivor));
    }

    private UUID tenant() {
        Principal p = principal.get();
        return p.tenantId();
    }

    private String region(UUID tenantId) {
        return holder.kernel().access().region(tenantId);
    }

    static Response ok(JsonObject body) {
        return Response.ok(Json.write(body), MediaType.APPLICATION_JSON_TYPE).build();
    }
}

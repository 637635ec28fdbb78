package io.rapport.server.rest;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.rapport.core.Kernel;
import io.rapport.core.json.Json;
import io.rapport.core.security.AccessStore;
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
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** Administration of the caller's tenant (API keys, users, audit log) and, for the operator, of tenants. */
@Path("/v1/admin")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class AdminResource {

    static final long MAX_BODY = 64 * 1024;

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @GET
    @Path("api-keys")
    @Access(Role.ADMIN)
    @Operation(summary = "List API keys", description = "Secrets are never shown again; the prefix identifies a key.")
    public Response apiKeys() {
        JsonArrayBuilder a = Json.array();
        holder.kernel().access().apiKeys(me().tenantId()).forEach(k -> a.add(apiKey(k)));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @POST
    @Path("api-keys")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.ADMIN)
    @Operation(summary = "Create an API key", description = "Body: {\"name\": \"shop\"}. The answer holds the secret, shown this once.")
    public Response createApiKey(InputStream body) {
        JsonObject o = object(body);
        AccessStore.NewApiKey k = holder.kernel().access().createApiKey(me().tenantId(), string(o, "name"));
        audit("api-key.created", k.key().prefix(), k.key().name());
        return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.write(apiKey(k.key()).add("secret", k.secret()).build())).build();
    }

    @DELETE
    @Path("api-keys/{id}")
    @Access(Role.ADMIN)
    @Operation(summary = "Revoke an API key")
    public Response revokeApiKey(@PathParam("id") String id) {
        holder.kernel().access().revokeApiKey(me().tenantId(), Bodies.id(id, "API key"));
        audit("api-key.revoked", id, null);
        return Response.noContent().build();
    }

    @GET
    @Path("users")
    @Access(Role.ADMIN)
    @Operation(summary = "List users")
    public Response users() {
        JsonArrayBuilder a = Json.array();
        holder.kernel().access().users(me().tenantId()).forEach(u -> a.add(user(u)));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @POST
    @Path("users")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.ADMIN)
    @Operation(summary = "Create a user", description = "Body: {username, password (12+ characters), role: admin|marketer|viewer}.")
    public Response createUser(InputStream body) {
        JsonObject o = object(body);
        String username = string(o, "username");
        String password = string(o, "password");
        Role role = Role.ofKey(string(o, "role"));
        AccessStore.User u = holder.kernel().access().createUser(me().tenantId(), username, password == null ? null : password.toCharArray(), role, false);
        audit("user.created", username, role == null ? null : role.key());
        return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).entity(Json.write(user(u).build())).build();
    }

    @DELETE
    @Path("users/{username}")
    @Access(Role.ADMIN)
    @Operation(summary = "Disable a user", description = "The user can no longer sign in or call the API, and their sessions end. "
            + "The row stays, so that the audit log keeps naming them.")
    public Response disableUser(@PathParam("username") String username) {
        if (username.equals(me().name())) {
            throw new InvalidInputException("/username", "is you: another admin must disable your account");
        }
        operatorGuard(username, "disable");
        AccessStore.User u = holder.kernel().access().disableUser(me().tenantId(), username);
        holder.kernel().sessions().closeAll(username);
        audit("user.disabled", username, null);
        return CustomersResource.ok(user(u).build());
    }

    @POST
    @Path("users/{username}/enable")
    @Access(Role.ADMIN)
    @Operation(summary = "Enable a disabled user again", description = "They sign in with the password they had.")
    public Response enableUser(@PathParam("username") String username) {
        operatorGuard(username, "enable");
        AccessStore.User u = holder.kernel().access().enableUser(me().tenantId(), username);
        audit("user.enabled", username, null);
        return CustomersResource.ok(user(u).build());
    }

    @GET
    @Path("audit")
    @Access(Role.ADMIN)
    @Operation(summary = "The audit log of the tenant, newest first",
            description = "Pages with ?before=<id of the last entry seen>; 'next' is that id for the following page, or null.")
    public Response audit(@QueryParam("limit") Integer limit, @QueryParam("before") String before) {
        int n = Bodies.limit(limit, 100, 1000);
        long beforeId = Long.MAX_VALUE;
        if (before != null) {
            try {
                beforeId = Long.parseLong(before);
            } catch (NumberFormatException e) {
                throw new InvalidInputException("before", "is the id of an audit entry (the 'next' of the previous page)");
            }
        }
        List<AccessStore.AuditEntry> page = holder.kernel().access().auditLog(me().tenantId(), beforeId, n + 1);
        JsonArrayBuilder a = Json.array();
        for (AccessStore.AuditEntry e : page.subList(0, Math.min(n, page.size()))) {
            a.add(Json.object().add("id", e.id()).add("actor", e.actor()).add("action", e.action()).add("target", Json.string(e.target()))
                    .add("detail", Json.string(e.detail())).add("at", e.at().toString()));
        }
        JsonValue next = page.size() > n ? Json.string(Long.toString(page.get(n - 1).id())) : JsonValue.NULL;
        return CustomersResource.ok(Json.object().add("items", a).add("next", next).build());
    }

    @GET
    @Path("tenants")
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "List tenants (operator only)")
    public Response tenants() {
        JsonArrayBuilder a = Json.array();
        holder.kernel().access().tenants().forEach(t -> a.add(tenant(t)));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @POST
    @Path("tenants")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "Create a tenant with its first admin (operator only)",
            description = "Body: {slug, name, defaultRegion?, admin: {username, password}}.")
    public Response createTenant(InputStream body) {
        Kernel kernel = holder.kernel();
        JsonObject o = object(body);
        JsonValue admin = o.get("admin");
        List<FieldError> errors = new ArrayList<>();
        if (admin == null || admin.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError("/admin", "is required: {username, password} of the tenant's first admin"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        AccessStore.Tenant t = kernel.access().createTenant(string(o, "slug"), string(o, "name"), string(o, "defaultRegion"));
        String password = string(admin.asJsonObject(), "password");
        try {
            kernel.access().createUser(t.id(), string(admin.asJsonObject(), "username"), password == null ? null : password.toCharArray(), Role.ADMIN, false);
        } catch (RuntimeException e) {
            throw e instanceof InvalidInputException i ? new InvalidInputException(i.errors().stream()
                    .map(f -> new FieldError("/admin" + f.field(), f.detail())).toList()) : e;
        }
        audit("tenant.created", t.slug(), t.name());
        return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).entity(Json.write(tenant(t).build())).build();
    }

    /** Refuses, to anyone but the operator, a change to the operator's account; and answers 404 for no such user. */
    private void operatorGuard(String username, String verb) {
        AccessStore.User target = holder.kernel().access().user(me().tenantId(), username)
                .orElseThrow(() -> new io.rapport.core.validation.NotFoundException("no user " + username));
        if (target.operator() && !me().operator()) {
            throw new InvalidInputException("/username", "is the operator's account: only the operator can " + verb + " it");
        }
    }

    private Principal me() {
        return principal.get();
    }

    private void audit(String action, String target, String detail) {
        holder.kernel().access().audit(me().tenantId(), me().name(), action, target, detail);
    }

    static JsonObject object(InputStream body) {
        JsonValue v = Bodies.json(body, MAX_BODY);
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new InvalidInputException("/", "must be a JSON object");
        }
        return v.asJsonObject();
    }

    static String string(JsonObject o, String key) {
        JsonValue v = o.get(key);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.STRING) {
            throw new InvalidInputException("/" + key, "must be a string");
        }
        return ((JsonString) v).getString();
    }

    private static JsonObjectBuilder apiKey(AccessStore.ApiKey k) {
        return Json.object().add("id", k.id().toString()).add("name", k.name()).add("prefix", AccessStore.KEY_PREFIX + k.prefix())
                .add("createdAt", k.createdAt().toString()).add("revokedAt", k.revokedAt() == null ? JsonValue.NULL : Json.string(k.revokedAt().toString()));
    }

    private static JsonObjectBuilder user(AccessStore.User u) {
        return Json.object().add("id", u.id().toString()).add("username", u.username()).add("role", u.role().key())
                .add("operator", u.operator()).add("createdAt", u.createdAt().toString())
                .add("disabledAt", u.disabledAt() == null ? JsonValue.NULL : Json.string(u.disabledAt().toString()));
    }

    private static JsonObjectBuilder tenant(AccessStore.Tenant t) {
        return Json.object().add("id", t.id().toString()).add("slug", t.slug()).add("name", t.name())
                .add("defaultRegion", Json.string(t.defaultRegion())).add("createdAt", t.createdAt().toString());
    }
}

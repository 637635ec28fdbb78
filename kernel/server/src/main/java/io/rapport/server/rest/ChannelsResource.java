package io.rapport.server.rest;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.core.json.Json;
import io.rapport.core.plugin.Plugins;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/**
 * The channels a tenant can send on, and the tenant's own settings of each: its mail server, its SMS account. A
 * tenant's admin manages them without seeing the server-wide settings (the operator's) or another tenant's.
 */
@Path("/v1/channels")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class ChannelsResource {

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "Active channel types", description = "items: the values POST /api/v1/messages takes as channel for this tenant, "
            + "in alphabetical order. provided: every channel type an installed plugin provides, with whose settings it sends this "
            + "tenant's messages (scope tenant, server or none) and whether it can send now.")
    public Response list() {
        UUID tenant = principal.get().tenantId();
        List<String> active = List.copyOf(holder.kernel().channelTypes(tenant));
        JsonArrayBuilder provided = Json.array();
        Plugins plugins = holder.kernel().plugins();
        if (plugins != null) {
            for (String type : new java.util.TreeSet<>(plugins.channelTypesByPid().values())) {
                Plugins.TenantSettings s = plugins.tenantSettings(tenant, Plugins.CHANNELS, type);
                provided.add(Json.object().add("type", type).add("scope", scope(s)).add("active", active.contains(type)));
            }
        }
        return CustomersResource.ok(Json.object().add("items", Json.toJson(active)).add("provided", provided).build());
    }

    @GET
    @Path("{type}/settings")
    @Access(Role.ADMIN)
    @Operation(summary = "This tenant's settings of a channel", description = "scope: tenant (its own, shown here), server (the server-wide "
            + "settings, which only the operator sees) or none. running: whether a channel runs with the tenant's own settings now (false "
            + "for a moment after a save, or when the plugin refused them: see the plugin's failure). Passwords are never returned; "
            + "passwordsSet names those that have a value.")
    public Response settings(@PathParam("type") String type) {
        return CustomersResource.ok(view(principal.get().tenantId(), type));
    }

    @GET
    @Path("{type}/settings/schema")
    @Produces({"application/schema+json", MediaType.APPLICATION_JSON, "application/problem+json"})
    @Access(Role.ADMIN)
    @Operation(summary = "The form of a channel's settings as JSON Schema", description = "From the plugin's Metatype; passwords are writeOnly.")
    public Response schema(@PathParam("type") String type) {
        return CustomersResource.ok((JsonObject) Json.toJson(plugins().tenantSchema(Plugins.CHANNELS, type).toJsonSchema()));
    }

    @PUT
    @Path("{type}/settings")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.ADMIN)
    @Operation(summary = "Save this tenant's own settings of a channel", description = "Checked against the plugin's form. From then on this "
            + "tenant's messages of the type go through them, and no other tenant's do; the channel restarts with them at once. "
            + "A password left out keeps its value. 201 when the tenant had none of its own before.")
    public Response write(@PathParam("type") String type, InputStream body) {
        Principal me = principal.get();
        Map<String, Object> input = Json.toMap(AdminResource.object(body));
        boolean created = plugins().writeTenantSettings(me.tenantId(), Plugins.CHANNELS, type, input, me.name());
        JsonObject v = view(me.tenantId(), type);
        return created ? Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).entity(v).build() : CustomersResource.ok(v);
    }

    @DELETE
    @Path("{type}/settings")
    @Access(Role.ADMIN)
    @Operation(summary = "Delete this tenant's own settings of a channel", description = "Its messages go through the server-wide settings "
            + "again, if the operator set any.")
    public Response delete(@PathParam("type") String type) {
        Principal me = principal.get();
        plugins().deleteTenantSettings(me.tenantId(), Plugins.CHANNELS, type, me.name());
        return Response.noContent().build();
    }

    private JsonObject view(UUID tenant, String type) {
        return view(plugins().tenantSettings(tenant, Plugins.CHANNELS, type), "type");
    }

    /** A tenant's settings of a component as its admin sees them; {@code nameKey} names the channel type or connector name. */
    static JsonObject view(Plugins.TenantSettings s, String nameKey) {
        return Json.object().add(nameKey, s.name()).add("scope", scope(s)).add("running", s.running()).add("plugin", s.plugin())
                .add("properties", Json.toJson(s.properties())).add("passwordsSet", Json.toJson(List.copyOf(s.passwordsSet()))).build();
    }

    static String scope(Plugins.TenantSettings s) {
        return s.scope().name().toLowerCase(java.util.Locale.ROOT);
    }

    private Plugins plugins() {
        return PluginsResource.plugins(holder);
    }
}

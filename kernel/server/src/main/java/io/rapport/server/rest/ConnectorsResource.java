package io.rapport.server.rest;

import java.io.InputStream;
import java.util.Map;

import io.rapport.core.json.Json;
import io.rapport.core.plugin.Plugins;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
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
 * A tenant's own settings of a connector that syncs from its account elsewhere (HubSpot): the token is the shop's,
 * and the sync runs for the shop only. As for channels, the operator's server-wide settings are never shown here.
 */
@Path("/v1/connectors/{name}/settings")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class ConnectorsResource {

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @GET
    @Access(Role.ADMIN)
    @Operation(summary = "This tenant's settings of a connector", description = "As GET /channels/{type}/settings: scope tenant, server or none; "
            + "running; properties without passwords; passwordsSet. 404 when no installed connector has this name.")
    public Response settings(@PathParam("name") String name) {
        return CustomersResource.ok(view(principal.get().tenantId(), name));
    }

    @GET
    @Path("schema")
    @Produces({"application/schema+json", MediaType.APPLICATION_JSON, "application/problem+json"})
    @Access(Role.ADMIN)
    @Operation(summary = "The form of a connector's settings as JSON Schema")
    public Response schema(@PathParam("name") String name) {
        return CustomersResource.ok((JsonObject) Json.toJson(plugins().tenantSchema(Plugins.CONNECTORS, name).toJsonSchema()));
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.ADMIN)
    @Operation(summary = "Save this tenant's own settings of a connector", description = "Checked against the form; the connector runs for this "
            + "tenant with them at once. A password (a token) left out keeps its value. 201 the first time.")
    public Response write(@PathParam("name") String name, InputStream body) {
        Principal me = principal.get();
        Map<String, Object> input = Json.toMap(AdminResource.object(body));
        boolean created = plugins().writeTenantSettings(me.tenantId(), Plugins.CONNECTORS, name, input, me.name());
        JsonObject v = view(me.tenantId(), name);
        return created ? Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).entity(Json.write(v)).build() : CustomersResource.ok(v);
    }

    @DELETE
    @Access(Role.ADMIN)
    @Operation(summary = "Delete this tenant's own settings of a connector", description = "Its sync stops.")
    public Response delete(@PathParam("name") String name) {
        Principal me = principal.get();
        plugins().deleteTenantSettings(me.tenantId(), Plugins.CONNECTORS, name, me.name());
        return Response.noContent().build();
    }

    private JsonObject view(java.util.UUID tenant, String name) {
        return ChannelsResource.view(plugins().tenantSettings(tenant, Plugins.CONNECTORS, name), "name");
    }

    private Plugins plugins() {
        return PluginsResource.plugins(holder);
    }
}

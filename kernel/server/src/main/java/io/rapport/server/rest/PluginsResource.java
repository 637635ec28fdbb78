package io.rapport.server.rest;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.rapport.core.json.Json;
import io.rapport.core.plugin.PluginHost;
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
import jakarta.ws.rs.core.EntityPart;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import io.rapport.spi.channel.Channel;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.osgi.framework.Bundle;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * Plugins and their configurations. Installing a plugin runs its code inside the server, so every method here is
 * for the operator (the first admin of a single-shop install is one). Every change is audited.
 */
@Path("/v1/admin")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class PluginsResource {

    /** Largest plugin jar accepted. */
    static final long MAX_JAR = 50L * 1024 * 1024;
    static final String JAR = "application/java-archive";
    /** The multipart field that carries the jar when a browser form uploads it. */
    static final String FILE_PART = "file";
    /** The key, in the list of configurations, of the channel type that a configuration's component provides. */
    static final String CHANNEL_TYPE = "channelType";

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @GET
    @Path("plugins")
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "List plugins", description = "Symbolic name, version, state, services, components and, for a plugin that failed, why.")
    public Response list() {
        JsonArrayBuilder a = Json.array();
        plugins().list().forEach(p -> a.add(info(p)));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @GET
    @Path("plugins/{name}")
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "One plugin")
    public Response get(@PathParam("name") String name) {
        return CustomersResource.ok(info(plugins().get(name)).build());
    }

    @POST
    @Path("plugins")
    @Consumes({JAR, MediaType.APPLICATION_OCTET_STREAM, "application/zip"})
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "Install a plugin from its jar", description = "The body is the jar. ?start=true starts it at once.")
    public Response install(InputStream body, @QueryParam("start") boolean start) {
        return installed(Bodies.bytes(body, MAX_JAR), start);
    }

    @POST
    @Path("plugins")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "Install a plugin from a form upload", description = "The jar is the part named 'file'.")
    public Response installForm(List<EntityPart> parts, @QueryParam("start") boolean start) {
        EntityPart file = parts.stream().filter(p -> FILE_PART.equals(p.getName())).findFirst()
                .orElseThrow(() -> new io.rapport.core.validation.InvalidInputException("/" + FILE_PART, "is required: the plugin's jar"));
        return installed(Bodies.bytes(file.getContent(), MAX_JAR), start);
    }

    private Response installed(byte[] jar, boolean start) {
        Principal me = principal.get();
        Plugins.Info p = plugins().install(jar, start, me.tenantId(), me.name());
        return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).header("Location", "/api/v1/admin/plugins/" + p.symbolicName())
                .entity(Json.write(info(p).build())).build();
    }

    @PUT
    @Path("plugins/{name}")
    @Consumes({JAR, MediaType.APPLICATION_OCTET_STREAM, "application/zip"})
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "Update a plugin to a new version", description = "The body is the new jar, with the same symbolic name; configurations stay.")
    public Response update(@PathParam("name") String name, InputStream body) {
        Principal me = principal.get();
        return CustomersResource.ok(info(plugins().update(name, Bodies.bytes(body, MAX_JAR), me.tenantId(), me.name())).build());
    }

    @POST
    @Path("plugins/{name}/start")
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "Start a plugin", description = "The answer shows the state; a plugin that cannot start is 'failed' with the reason.")
    public Response start(@PathParam("name") String name) {
        Principal me = principal.get();
        return CustomersResource.ok(info(plugins().start(name, me.tenantId(), me.name())).build());
    }

    @POST
    @Path("plugins/{name}/stop")
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "Stop a plugin")
    public Response stop(@PathParam("name") String name) {
        Principal me = principal.get();
        return CustomersResource.ok(info(plugins().stop(name, me.tenantId(), me.name())).build());
    }

    @DELETE
    @Path("plugins/{name}")
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "Uninstall a plugin", description = "Its configurations stay, for a later reinstall; delete them separately.")
    public Response uninstall(@PathParam("name") String name) {
        Principal me = principal.get();
        plugins().uninstall(name, me.tenantId(), me.name());
        return Response.noContent().build();
    }

    // --- configurations ----------------------------------------------------------------------------------

    @GET
    @Path("configurations")
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "Configurations that installed plugins declare, and whether each exists",
            description = "channelType names the channel a configuration's component provides, if any: the console's channel pages find their form by it.")
    public Response configurations() {
        Map<String, String> channels = plugins().channelTypesByPid();
        JsonArrayBuilder a = Json.array();
        for (Map<String, Object> m : plugins().configurations()) {
            Map<String, Object> item = new LinkedHashMap<>(m);
            String type = channels.get(Plugins.basePid((String) m.get("pid")));
            if (type != null) {
                item.put(CHANNEL_TYPE, type);
            }
            a.add(Json.toJson(item));
        }
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @GET
    @Path("configurations/{pid}/schema")
    @Produces({"application/schema+json", MediaType.APPLICATION_JSON, "application/problem+json"})
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "The configuration's form as JSON Schema", description = "From the plugin's Metatype; passwords are writeOnly.")
    public Response schema(@PathParam("pid") String pid) {
        return CustomersResource.ok((JsonObject) Json.toJson(plugins().schema(pid).toJsonSchema()));
    }

    @GET
    @Path("configurations/{pid}")
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "Read a configuration", description = "Passwords are never returned; passwordsSet names those that have a value.")
    public Response readConfig(@PathParam("pid") String pid) {
        Plugins.ConfigView v = plugins().readConfig(pid);
        return CustomersResource.ok(Json.object().add("pid", v.pid()).add("plugin", v.plugin() == null ? JsonValue.NULL : Json.string(v.plugin()))
                .add("properties", Json.toJson(v.properties())).add("passwordsSet", Json.toJson(List.copyOf(v.passwordsSet())))
                .add("fromFile", v.fromFile()).build());
    }

    @PUT
    @Path("configurations/{pid}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "Create or replace a configuration", description = "Checked against the form. Creating one enables the component; "
            + "changing it reconfigures the component live. A password left out keeps its value.")
    public Response writeConfig(@PathParam("pid") String pid, InputStream body) {
        Principal me = principal.get();
        JsonObject o = AdminResource.object(body);
        Map<String, Object> input = Json.toMap(o);
        boolean created = plugins().writeConfig(pid, input, me.tenantId(), me.name());
        Response r = readConfig(pid);
        return created ? Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).entity(r.getEntity()).build() : r;
    }

    @DELETE
    @Path("configurations/{pid}")
    @Access(value = Role.ADMIN, operator = true)
    @Operation(summary = "Delete a configuration", description = "A component that requires it is disabled.")
    public Response deleteConfig(@PathParam("pid") String pid) {
        Principal me = principal.get();
        plugins().deleteConfig(pid, me.tenantId(), me.name());
        return Response.noContent().build();
    }

    private Plugins plugins() {
        return plugins(holder);
    }

    /** @return the kernel's plugins, or a 503 when the server runs without a plugin host */
    static Plugins plugins(KernelHolder holder) {
        Plugins p = holder.kernel().plugins();
        if (p == null) {
            throw new jakarta.ws.rs.WebApplicationException(Problems.response(Response.Status.SERVICE_UNAVAILABLE, "plugins-disabled",
                    "This server runs without a plugin host (rapport.plugins.enabled=false).", null));
        }
        return p;
    }

    static JsonObjectBuilder info(Plugins.Info p) {
        JsonArrayBuilder components = Json.array();
        for (Plugins.Component c : p.components()) {
            components.add(Json.object().add("name", c.name()).add("pids", Json.toJson(c.pids())).add("configurationPolicy", c.configurationPolicy())
                    .add("configured", c.configured()).add("state", c.state()).add("failure", c.failure() == null ? JsonValue.NULL : Json.string(c.failure()))
                    .add("services", Json.toJson(c.services())));
        }
        return Json.object().add("symbolicName", p.symbolicName()).add("version", p.version())
                .add("name", p.name() == null ? JsonValue.NULL : Json.string(p.name()))
                .add("description", p.description() == null ? JsonValue.NULL : Json.string(p.description()))
                .add("source", p.source().name().toLowerCase(java.util.Locale.ROOT)).add("state", p.state()).add("configured", p.configured())
                .add("services", Json.toJson(p.services())).add("components", components)
                .add("failure", p.failure() == null ? JsonValue.NULL : Json.string(p.failure()));
    }
}

package io.rapport.server.rest;

import java.io.InputStream;
import java.nio.file.Files;

import io.rapport.core.Kernel;
import io.rapport.core.json.Json;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** The signed-in user: who they are, and changing their password. */
@Path("/v1/me")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class MeResource {

    @Inject
    KernelHolder holder;

    @Inject
    @ConfigProperty(name = "rapport.data.dir", defaultValue = "data")
    String dataDir;

    @Inject
    CurrentPrincipal principal;

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "Who am I")
    public Response me() {
        Principal p = principal.get();
        return CustomersResource.ok(Json.object().add("username", p.name()).add("tenantId", p.tenantId().toString())
                .add("role", p.role().key()).add("operator", p.operator()).build());
    }

    @PUT
    @Path("password")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.VIEWER)
    @Operation(summary = "Change my password", description = "Body: {\"password\": \"...\"} (12+ characters).")
    public Response password(InputStream body) throws java.io.IOException {
        Principal p = principal.get();
        String password = AdminResource.string(AdminResource.object(body), "password");
        holder.kernel().access().changePassword(p.name(), password == null ? null : password.toCharArray());
        holder.kernel().sessions().closeAllBut(p.name(), principal.sessionToken()); // signed in elsewhere with the old one
        holder.kernel().access().audit(p.tenantId(), p.name(), "user.password-changed", p.name(), null);
        if (Kernel.FIRST_ADMIN.equals(p.name())) {
            Files.deleteIfExists(java.nio.file.Path.of(dataDir).resolve(Kernel.INITIAL_PASSWORD_FILE));
        }
        return Response.noContent().build();
    }
}

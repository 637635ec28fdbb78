package io.rapport.server.rest;

import java.util.List;

import io.rapport.core.json.Json;
import io.rapport.core.security.Role;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** The channel types that can send now: those whose plugin is active and configured. */
@Path("/v1/channels")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class ChannelsResource {

    @Inject
    KernelHolder holder;

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "Active channel types", description = "The values POST /api/v1/messages takes as channel, in alphabetical order.")
    public Response list() {
        return CustomersResource.ok(Json.object().add("items", Json.toJson(List.copyOf(holder.kernel().channelTypes()))).build());
    }
}

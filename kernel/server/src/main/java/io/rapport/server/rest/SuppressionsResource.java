package io.rapport.server.rest;

import java.io.InputStream;
import java.util.UUID;

import io.rapport.core.json.Json;
import io.rapport.core.message.Messages;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.core.validation.InvalidInputException;
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

/** Channels on which a customer must not be reached, whatever their consents say ('*' for all). */
@Path("/v1/customers/{id}/suppressions")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class SuppressionsResource {

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "A customer's suppressions")
    public Response list(@PathParam("id") String id) {
        JsonArrayBuilder a = Json.array();
        for (Messages.Suppression s : holder.kernel().messages().suppressions(principal.get().tenantId(), Bodies.id(id, "customer"))) {
            a.add(Json.object().add("channel", s.channel()).add("reason", s.reason()).add("createdAt", s.createdAt().toString()));
        }
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @PUT
    @Path("{channel}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Suppress a customer on a channel ('*' for every channel)", description = "Body: {reason}.")
    public Response suppress(@PathParam("id") String id, @PathParam("channel") String channel, InputStream body) {
        if (!Messages.ALL_CHANNELS.equals(channel) && !MessagesResource.NAME.matcher(channel).matches()) {
            throw new InvalidInputException("/channel", "must be a channel type such as 'email', or '*'");
        }
        JsonObject o = AdminResource.object(body);
        String reason = AdminResource.string(o, "reason");
        if (reason == null || reason.isBlank() || reason.length() > 200) {
            throw new InvalidInputException("/reason", "is required, at most 200 characters");
        }
        Principal me = principal.get();
        UUID customer = Bodies.id(id, "customer");
        holder.kernel().messages().suppress(me.tenantId(), customer, channel, reason);
        holder.kernel().access().audit(me.tenantId(), me.name(), "customer.suppressed", customer + "/" + channel, reason);
        return Response.noContent().build();
    }

    @DELETE
    @Path("{channel}")
    @Access(Role.MARKETER)
    @Operation(summary = "Lift a suppression")
    public Response unsuppress(@PathParam("id") String id, @PathParam("channel") String channel) {
        Principal me = principal.get();
        UUID customer = Bodies.id(id, "customer");
        if (!holder.kernel().messages().unsuppress(me.tenantId(), customer, channel)) {
            throw new io.rapport.core.validation.NotFoundException("customer " + id + " is not suppressed on " + channel);
        }
        holder.kernel().access().audit(me.tenantId(), me.name(), "customer.unsuppressed", customer + "/" + channel, null);
        return Response.noContent().build();
    }
}

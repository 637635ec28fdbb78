package io.rapport.server.rest;

import io.rapport.core.json.Json;
import io.rapport.core.message.Messages;
import io.rapport.core.security.Role;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** The tenant's suppression list: every customer a channel must not reach, newest first. */
@Path("/v1/suppressions")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class SuppressionListResource {

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "The suppression list, newest first",
            description = "?channel=email (or '*' for the suppressions on every channel); ?before= the last item's createdAt for the next page. "
                    + "Each item names its customer (customerName).")
    public Response list(@QueryParam("channel") String channel, @QueryParam("before") String before, @QueryParam("limit") Integer limit) {
        if (channel != null && !Messages.ALL_CHANNELS.equals(channel) && !MessagesResource.NAME.matcher(channel).matches()) {
            throw new InvalidInputException("/channel", "is not a channel type");
        }
        java.util.UUID tenant = principal.get().tenantId();
        java.util.List<Messages.Suppressed> found = holder.kernel().messages().suppressed(tenant, channel, Bodies.time(before, "/before"),
                Bodies.limit(limit, 50, 500));
        java.util.Map<java.util.UUID, String> names = holder.kernel().customers().labels(tenant, found.stream().map(Messages.Suppressed::customerId).toList());
        JsonArrayBuilder a = Json.array();
        for (Messages.Suppressed s : found) {
            a.add(Json.object().add("customerId", s.customerId().toString()).add("customerName", names.getOrDefault(s.customerId(), s.customerId().toString()))
                    .add("channel", s.channel()).add("reason", s.reason()).add("createdAt", s.createdAt().toString()));
        }
        return CustomersResource.ok(Json.object().add("items", a).build());
    }
}

package io.rapport.server.rest;

import java.util.List;

import io.rapport.core.journey.Tasks;
import io.rapport.core.json.Json;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
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

/** Tasks for people that journeys create ("call this customer"). */
@Path("/v1/tasks")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class TasksResource {

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "Tasks, newest first", description = "?status=open|done, ?assignee=, ?limit= (default 50, at most 200), ?before= the last "
            + "page's oldest createdAt; → {items, next}.")
    public Response list(@QueryParam("status") String status, @QueryParam("assignee") String assignee, @QueryParam("before") String before,
                         @QueryParam("limit") Integer limit) {
        if (status != null && !List.of(Tasks.OPEN, Tasks.DONE).contains(status)) {
            throw new InvalidInputException("status", "is open or done");
        }
        int n = Bodies.limit(limit, 50, 200);
        List<Tasks.Task> tasks = holder.kernel().tasks().list(principal.get().tenantId(), status, assignee,
                before == null ? null : Bodies.time(before, "before"), n + 1);
        String next = null;
        if (tasks.size() > n) {
            tasks = tasks.subList(0, n);
            next = tasks.get(n - 1).createdAt().toString();
        }
        JsonArrayBuilder a = Json.array();
        tasks.forEach(t -> a.add(view(t)));
        return CustomersResource.ok(Json.object().add("items", a).add("next", next == null ? JsonValue.NULL : Json.string(next)).build());
    }

    @POST
    @Path("{id}/done")
    @Access(Role.MARKETER)
    @Operation(summary = "Mark a task done")
    public Response done(@PathParam("id") String id) {
        Principal me = principal.get();
        Tasks.Task t = holder.kernel().tasks().done(me.tenantId(), Bodies.id(id, "task id"), me.name());
        return CustomersResource.ok(view(t).build());
    }

    static JsonObjectBuilder view(Tasks.Task t) {
        return Json.object().add("id", t.id().toString()).add("customerId", t.customerId().toString())
                .add("journeyId", t.journeyId() == null ? JsonValue.NULL : Json.string(t.journeyId().toString()))
                .add("title", t.title()).add("assignee", t.assignee() == null ? JsonValue.NULL : Json.string(t.assignee()))
                .add("status", t.status()).add("createdAt", t.createdAt().toString())
                .add("doneAt", t.doneAt() == null ? JsonValue.NULL : Json.string(t.doneAt().toString()))
                .add("doneBy", t.doneBy() == null ? JsonValue.NULL : Json.string(t.doneBy()));
    }
}

package io.rapport.server.rest;

import java.util.List;

import io.rapport.core.Kernel;
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
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** What the console's first page shows: health, events per minute, customers, plugins and channels. */
@Path("/v1/overview")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class OverviewResource {

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "The tenant at a glance", description = "eventsPerMinute: the tenant's events accepted in each of the last 60 minutes "
            + "on this node, oldest first. The server-wide parts (the relay's figures, plugins and their failures) are for the operator only.")
    public Response overview() {
        Kernel k = holder.kernel();
        Principal p = principal.get();
        // the server is shared by tenants: its own figures are the operator's business
        JsonObjectBuilder health = Json.object();
        String status = k.relay().isRunning() ? "up" : "down";
        long outbox = -1;
        try {
            outbox = k.events().outboxDepth();
        } catch (RuntimeException e) {
            status = "down";
        }
        health.add("status", status);
        if (p.operator()) {
            health.add("relay", k.relay().isRunning() ? "running" : "stopped").add("database", k.db().dialect().name())
                    .add("projected", k.relay().projectedCount()).add("failedEvents", k.relay().failedCount());
            long[] micros = k.segmentEvaluator().latencyMicros();
            health.add("segments", Json.object().add("evaluations", k.segmentEvaluator().evaluatedCount())
                    .add("moves", k.segmentEvaluator().movesCount()).add("backlog", k.segmentEvaluator().backlog())
                    .add("latencyP50Micros", micros[0]).add("latencyP99Micros", micros[1]).add("latencyMaxMicros", micros[2]));
            health.add("journeys", Json.object().add("entered", k.journeyEngine().enteredCount()).add("steps", k.journeyEngine().stepsTaken())
                    .add("due", k.journeyEngine().backlog()));
            if (outbox >= 0) {
                health.add("outbox", outbox);
            } else {
                health.add("reason", "database unreachable");
            }
        }
        long[] perMinute = k.events().perMinute().last(p.tenantId());
        JsonArrayBuilder minutes = Json.array();
        long lastHour = 0;
        for (long n : perMinute) {
            minutes.add(n);
            lastHour += n;
        }
        JsonObjectBuilder out = Json.object().add("health", health).add("customers", k.customers().count(p.tenantId()))
                .add("eventsPerMinute", minutes).add("eventsLastHour", lastHour);
        out.add("channels", Json.toJson(List.copyOf(k.channelTypes(p.tenantId()))));
        if (k.plugins() != null && p.operator()) {
            List<Plugins.Info> plugins = k.plugins().list();
            JsonArrayBuilder failed = Json.array();
            for (Plugins.Info i : plugins) {
                if (Plugins.STATE_FAILED.equals(i.state())) {
                    failed.add(Json.object().add("name", i.symbolicName()).add("reason", Json.string(i.failure())));
                }
            }
            out.add("plugins", Json.object().add("installed", plugins.size())
                    .add("active", plugins.stream().filter(i -> Plugins.STATE_ACTIVE.equals(i.state())).count()).add("failed", failed));
        }
        return CustomersResource.ok(out.build());
    }
}

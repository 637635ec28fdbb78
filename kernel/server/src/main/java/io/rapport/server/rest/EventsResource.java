package io.rapport.server.rest;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.rapport.api.event.NewEvent;
import io.rapport.core.Kernel;
import io.rapport.core.event.EventParser;
import io.rapport.core.event.EventStore;
import io.rapport.core.json.Json;
import io.rapport.core.security.Principal;
import io.rapport.core.validation.FieldError;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.annotation.RegistryType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** Event ingestion: one event, an array, or {@code {"events": [...]}}, with a tenant API key. */
@Path("/v1/events")
@RequestScoped
public class EventsResource {

    /** Largest body accepted: a full batch of large events. */
    static final long MAX_BODY = 16L * 1024 * 1024;
    static final String STATUS_STORED = "stored";
    static final String STATUS_DUPLICATE = "duplicate";
    static final String STATUS_REJECTED = "rejected";

    @Inject
    KernelHolder holder;

    @Inject
    @RegistryType(type = MetricRegistry.Type.APPLICATION)
    MetricRegistry metrics;

    @Inject
    CurrentPrincipal principal;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
    @Access(apiKey = true)
    @SecurityRequirement(name = "apiKey")
    @Operation(summary = "Store events", description = "Stores the good events of the request and reports the bad ones by index. "
            + "202 when all were accepted, 207 when some were rejected, 400 when none was.")
    public Response ingest(InputStream body) {
        Kernel kernel = holder.kernel();
        Principal caller = principal.get();
        UUID tenantId = caller.tenantId();
        String region = kernel.access().region(tenantId);
        JsonValue json = Bodies.json(body, MAX_BODY);
        List<EventParser.Item> items = kernel.parser().parse(json, region);

        List<NewEvent> good = new ArrayList<>();
        List<FieldError> allErrors = new ArrayList<>();
        for (EventParser.Item item : items) {
            if (item.ok()) {
                good.add(item.event());
            } else {
                allErrors.addAll(item.errors());
            }
        }
        Counter rejected = metrics.counter("rapport_events_rejected_total");
        rejected.inc(items.size() - good.size());
        if (good.isEmpty()) {
            String detail = items.size() == 1 ? "The event is invalid; see errors." : "None of the " + items.size() + " events is valid; see errors.";
            return Problems.response(Response.Status.BAD_REQUEST, "invalid-events", detail, allErrors);
        }
        List<EventStore.Appended> appended = kernel.events().append(tenantId, caller.name(), good);

        JsonArrayBuilder results = Json.array();
        int stored = 0;
        int duplicates = 0;
        int g = 0;
        for (EventParser.Item item : items) {
            JsonObjectBuilder r = Json.object().add("index", item.index());
            if (item.ok()) {
                EventStore.Appended a = appended.get(g++);
                r.add("id", a.eventId().toString()).add("status", a.duplicate() ? STATUS_DUPLICATE : STATUS_STORED);
                if (a.duplicate()) {
                    duplicates++;
                } else {
                    stored++;
                }
            } else {
                r.add("status", STATUS_REJECTED).add("errors", Problems.errors(item.errors()));
            }
            results.add(r);
        }
        metrics.counter("rapport_events_stored_total").inc(stored);
        int rejectedCount = items.size() - good.size();
        JsonObjectBuilder out = Json.object().add("accepted", stored + duplicates).add("stored", stored).add("duplicates", duplicates)
                .add("rejected", rejectedCount).add("results", results);
        return (rejectedCount == 0 ? Response.status(202) : Response.status(207, "Multi-Status")).type(MediaType.APPLICATION_JSON_TYPE).entity(Json.write(out.build())).build();
    }
}

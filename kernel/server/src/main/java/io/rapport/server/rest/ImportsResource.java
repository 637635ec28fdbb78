package io.rapport.server.rest;

import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.rapport.api.imports.ImportService;
import io.rapport.core.imports.Imports;
import io.rapport.core.json.Json;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityPart;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/**
 * Import jobs of the caller's tenant: upload a file (contacts or orders) for the connector of its format, watch its
 * progress, cancel it, download its error report.
 */
@Path("/v1/imports")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class ImportsResource {

    /** The multipart field that carries the file when a browser form uploads it. */
    static final String FILE_PART = "file";
    /** Query parameters the kernel reads itself; every other one is an option of the format. */
    static final Set<String> OWN_PARAMETERS = Set.of("kind", "format", "source", "namespace", "dryRun");
    static final String CSV = "csv";

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @POST
    @Consumes({"text/csv", MediaType.TEXT_PLAIN, MediaType.APPLICATION_OCTET_STREAM})
    @Access(Role.ADMIN)
    @Operation(summary = "Upload a file to import", description = "The body is the file, streamed to disk (up to RAPPORT_IMPORT_MAX_BYTES). "
            + "?kind=contacts|orders (default contacts), ?format= (default csv: the CSV connector), ?source= (the file's name, shown in the job), "
            + "?namespace= (of the file's ids, default the preset's or csv), ?dryRun=true counts what would happen and writes nothing; every other "
            + "parameter is an option of the format (for csv: preset, mapping, delimiter, encoding, dateOrder, ...). 202 with the queued job.")
    public Response upload(InputStream body, @Context UriInfo uri) {
        return queued(body, uri);
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Access(Role.ADMIN)
    @Operation(summary = "Upload a file to import from a form", description = "The file is the part named 'file'; parameters as for a raw upload.")
    public Response uploadForm(List<EntityPart> parts, @Context UriInfo uri) {
        EntityPart file = parts.stream().filter(p -> FILE_PART.equals(p.getName())).findFirst()
                .orElseThrow(() -> new InvalidInputException("/" + FILE_PART, "is required: the file to import"));
        return queued(file.getContent(), uri);
    }

    private Response queued(InputStream body, UriInfo uri) {
        Principal me = principal.get();
        Map<String, String> options = new LinkedHashMap<>();
        uri.getQueryParameters().forEach((k, v) -> {
            if (!OWN_PARAMETERS.contains(k) && !v.isEmpty()) {
                options.put(k, v.get(v.size() - 1));
            }
        });
        String kind = param(uri, "kind", ImportService.KIND_CONTACTS);
        String format = param(uri, "format", CSV);
        String source = param(uri, "source", "upload");
        String namespace = param(uri, "namespace", options.getOrDefault("preset", format));
        boolean dryRun = Boolean.parseBoolean(param(uri, "dryRun", "false"));
        ImportService.Job job = imports().upload(me.tenantId(), me.name(), kind, format, source, namespace, body, holder.importMaxBytes(), options, dryRun);
        return Response.status(202).type(MediaType.APPLICATION_JSON_TYPE).header("Location", "/api/v1/imports/" + job.id())
                .entity(Json.write(view(imports().get(me.tenantId(), job.id())).build())).build();
    }

    private static String param(UriInfo uri, String name, String fallback) {
        String v = uri.getQueryParameters().getFirst(name);
        return v == null || v.isBlank() ? fallback : v.strip();
    }

    @GET
    @Access(Role.MARKETER)
    @Operation(summary = "Import jobs, newest first", description = "At most ?limit= (default 50, at most 200).")
    public Response list(@QueryParam("limit") Integer limit) {
        JsonArrayBuilder a = Json.array();
        imports().list(principal.get().tenantId(), limit == null ? 50 : limit).forEach(v -> a.add(view(v)));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @GET
    @Path("{id}")
    @Access(Role.MARKETER)
    @Operation(summary = "One import job", description = "state (queued, running, done, cancelled, failed), counts (read, created, updated, "
            + "rejected), linesDone, rowsPerSecond while it runs, failure.")
    public Response get(@PathParam("id") String id) {
        return CustomersResource.ok(view(imports().get(principal.get().tenantId(), uuid(id))).build());
    }

    @POST
    @Path("{id}/cancel")
    @Access(Role.ADMIN)
    @Operation(summary = "Cancel an import job", description = "A queued or running job stops after its current batch; what it wrote stays. "
            + "409 when it ended already.")
    public Response cancel(@PathParam("id") String id) {
        Principal me = principal.get();
        return CustomersResource.ok(view(imports().cancel(me.tenantId(), uuid(id), me.name())).build());
    }

    @GET
    @Path("{id}/errors")
    @Produces({"text/csv", "application/problem+json"})
    @Access(Role.MARKETER)
    @Operation(summary = "The job's error report as CSV", description = "line,field,reason for each record the job refused; cells a spreadsheet "
            + "would take for a formula are written as text.")
    public Response errors(@PathParam("id") String id) {
        UUID tenant = principal.get().tenantId();
        UUID job = uuid(id);
        imports().get(tenant, job);
        StreamingOutput out = o -> {
            Writer w = new OutputStreamWriter(o, StandardCharsets.UTF_8);
            imports().writeErrors(tenant, job, w);
            w.flush();
        };
        return Response.ok(out, "text/csv; charset=UTF-8").header("Content-Disposition", "attachment; filename=\"import-" + job + "-errors.csv\"").build();
    }

    private Imports imports() {
        return holder.kernel().imports();
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("no import job " + id);
        }
    }

    static JsonObjectBuilder view(Imports.View v) {
        ImportService.Job j = v.job();
        JsonObjectBuilder counts = Json.object().add("read", j.counts().read()).add("created", j.counts().created()).add("updated", j.counts().updated())
                .add("rejected", j.counts().rejected());
        JsonObjectBuilder o = Json.object().add("id", j.id().toString()).add("kind", j.kind()).add("format", j.format()).add("source", j.source())
                .add("namespace", j.namespace()).add("dryRun", j.dryRun()).add("state", j.state().name().toLowerCase(java.util.Locale.ROOT))
                .add("counts", counts).add("linesDone", j.linesDone()).add("options", Json.toJson(new java.util.TreeMap<String, Object>(j.options())))
                .add("failure", j.failure() == null ? JsonValue.NULL : Json.string(j.failure())).add("createdBy", v.createdBy())
                .add("createdAt", v.createdAt().toString())
                .add("startedAt", v.startedAt() == null ? JsonValue.NULL : Json.string(v.startedAt().toString()))
                .add("finishedAt", v.finishedAt() == null ? JsonValue.NULL : Json.string(v.finishedAt().toString()));
        if (v.startedAt() != null && j.counts().read() > 0) {
            java.time.OffsetDateTime end = v.finishedAt() != null ? v.finishedAt() : v.updatedAt();
            double seconds = Math.max(0.001, java.time.Duration.between(v.startedAt(), end).toMillis() / 1000.0);
            o.add("rowsPerSecond", Math.round(j.counts().read() / seconds));
        }
        return o;
    }
}

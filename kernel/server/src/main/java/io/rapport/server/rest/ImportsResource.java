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
        Map<String, String> options = options(uri);
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

    /** The largest start of a file a preview reads. */
    static final long MAX_PREVIEW = 8L * 1024 * 1024;
    static final int PREVIEW_ROWS = 20;

    @POST
    @Path("preview")
    @Consumes({"text/csv", MediaType.TEXT_PLAIN, MediaType.APPLICATION_OCTET_STREAM})
    @Access(Role.ADMIN)
    @Operation(summary = "What the connector makes of a file", description = "The body is the file or its first part (up to 8 MiB); parameters "
            + "as for an upload. Answers the detected encoding, delimiter, header, preset and namespace, the column mapping (to change and send "
            + "back as the mapping option), the presets and targets to choose from, the first rows as read, those rows mapped, and those refused. "
            + "Nothing is stored. 409 when no connector reads the format.")
    public Response preview(InputStream body, @Context UriInfo uri) {
        String format = param(uri, "format", CSV);
        String kind = param(uri, "kind", ImportService.KIND_CONTACTS);
        if (!ImportService.KIND_CONTACTS.equals(kind) && !ImportService.KIND_ORDERS.equals(kind)) {
            throw new InvalidInputException("/kind", "is " + ImportService.KIND_CONTACTS + " or " + ImportService.KIND_ORDERS);
        }
        io.rapport.spi.imports.ImportFormat reader = holder.kernel().whiteboard() == null ? null
                : holder.kernel().whiteboard().importFormat(format).orElse(null);
        if (reader == null) {
            throw new io.rapport.core.validation.ConflictException("/format", "no active connector reads " + format + " files: install and start it "
                    + "(for csv, the plugin io.rapport.connector.crm.csv)");
        }
        java.nio.file.Path tmp = null;
        try {
            tmp = java.nio.file.Files.createTempFile("rapport-preview", ".part");
            byte[] head = Bodies.bytes(body, MAX_PREVIEW, "the start of the file");
            if (head.length == 0) {
                throw new InvalidInputException("/", "the file is empty");
            }
            java.nio.file.Files.write(tmp, head);
            Map<String, String> options = options(uri);
            io.rapport.spi.imports.ImportFormat.Preview p = reader.preview(tmp, kind, options, PREVIEW_ROWS);
            return CustomersResource.ok(preview(withKernelRefusals(p, options)));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("/", e.getMessage());
        } catch (java.io.IOException e) {
            throw new InvalidInputException("/", "the file cannot be read: " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    java.nio.file.Files.deleteIfExists(tmp);
                } catch (java.io.IOException e) {
                    // a temporary file left behind
                }
            }
        }
    }

    /** The preview with what the kernel would refuse too (a phone it cannot read): those rows move to the refused ones. */
    private io.rapport.spi.imports.ImportFormat.Preview withKernelRefusals(io.rapport.spi.imports.ImportFormat.Preview p, Map<String, String> options) {
        if (p.contacts().isEmpty()) {
            return p;
        }
        List<io.rapport.api.imports.Rejected> refused = imports().refusals(principal.get().tenantId(), p.contacts(), options);
        if (refused.isEmpty()) {
            return p;
        }
        Set<Long> lines = new java.util.HashSet<>();
        refused.forEach(r -> lines.add(r.line()));
        List<io.rapport.api.imports.Rejected> all = new java.util.ArrayList<>(p.rejected());
        all.addAll(refused);
        all.sort(java.util.Comparator.comparingLong(io.rapport.api.imports.Rejected::line));
        return new io.rapport.spi.imports.ImportFormat.Preview(p.description(), p.rows(),
                p.contacts().stream().filter(c -> !lines.contains(c.line())).toList(), p.orders(), all);
    }

    private static jakarta.json.JsonObject preview(io.rapport.spi.imports.ImportFormat.Preview p) {
        io.rapport.spi.imports.ImportFormat.Description d = p.description();
        JsonObjectBuilder desc = Json.object().add("encoding", d.encoding()).add("delimiter", d.delimiter()).add("header", Json.toJson(d.header()))
                .add("preset", d.preset() == null ? JsonValue.NULL : Json.string(d.preset()))
                .add("namespace", d.namespace() == null ? JsonValue.NULL : Json.string(d.namespace()))
                .add("mapping", Json.toJson(new java.util.LinkedHashMap<String, Object>(d.mapping()))).add("presets", Json.toJson(d.presets()))
                .add("targets", Json.toJson(d.targets()));
        JsonArrayBuilder rows = Json.array();
        p.rows().forEach(r -> rows.add(Json.toJson(r)));
        JsonArrayBuilder records = Json.array();
        p.contacts().forEach(c -> records.add(contact(c)));
        p.orders().forEach(o -> records.add(order(o)));
        JsonArrayBuilder rejected = Json.array();
        p.rejected().forEach(r -> rejected.add(Json.object().add("line", r.line()).add("field", r.field() == null ? JsonValue.NULL : Json.string(r.field()))
                .add("reason", r.reason())));
        return Json.object().add("description", desc).add("rows", rows).add("records", records).add("rejected", rejected).build();
    }

    private static JsonObjectBuilder contact(io.rapport.api.imports.ContactRecord c) {
        JsonObjectBuilder attributes = Json.object();
        c.attributes().forEach((k, v) -> attributes.add(k, io.rapport.core.customer.Attributes.toJson(v)));
        JsonArrayBuilder consents = Json.array();
        c.consents().forEach(k -> consents.add(Json.object().add("purpose", k.purpose()).add("channel", k.channel())
                .add("status", k.status().name().toLowerCase(java.util.Locale.ROOT))));
        JsonObjectBuilder o = Json.object().add("line", c.line());
        optional(o, "externalId", c.externalId());
        optional(o, "email", c.email());
        optional(o, "phone", c.phone());
        optional(o, "firstName", c.firstName());
        optional(o, "lastName", c.lastName());
        optional(o, "locale", c.locale());
        optional(o, "timeZone", c.timeZone());
        return o.add("attributes", attributes).add("tags", Json.toJson(List.copyOf(new java.util.TreeSet<>(c.tags())))).add("consents", consents);
    }

    private static JsonObjectBuilder order(io.rapport.api.imports.OrderRecord r) {
        JsonArrayBuilder items = Json.array();
        r.items().forEach(i -> {
            JsonObjectBuilder item = Json.object().add("quantity", i.quantity());
            optional(item, "sku", i.sku());
            optional(item, "name", i.name());
            if (i.price() != null) {
                item.add("price", i.price());
            }
            items.add(item);
        });
        JsonObjectBuilder o = Json.object().add("line", r.line());
        optional(o, "orderId", r.orderId());
        optional(o, "customerId", r.customerExternalId());
        optional(o, "email", r.email());
        optional(o, "currency", r.currency());
        return o.add("orderedAt", r.orderedAt().toString()).add("amount", r.amount()).add("items", items);
    }

    private static void optional(JsonObjectBuilder o, String key, String value) {
        if (value != null) {
            o.add(key, value);
        }
    }

    // --- saved mappings ----------------------------------------------------------------------------------

    @GET
    @Path("mappings")
    @Access(Role.ADMIN)
    @Operation(summary = "Mappings saved for next time", description = "Each: name, kind, format, options (preset, mapping, delimiter, ...).")
    public Response mappings() {
        JsonArrayBuilder a = Json.array();
        imports().mappings(principal.get().tenantId()).forEach(m -> a.add(Json.object().add("name", m.name()).add("kind", m.kind()).add("format", m.format())
                .add("options", Json.toJson(new java.util.TreeMap<String, Object>(m.options()))).add("updatedBy", m.updatedBy())
                .add("updatedAt", m.updatedAt().toString())));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @jakarta.ws.rs.PUT
    @Path("mappings/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.ADMIN)
    @Operation(summary = "Save a mapping for next time", description = "{kind, format, options: {preset, mapping, delimiter, ...}}; 201 when new.")
    public Response saveMapping(@PathParam("name") String name, InputStream body) {
        Principal me = principal.get();
        jakarta.json.JsonObject o = AdminResource.object(body);
        List<io.rapport.core.validation.FieldError> errors = new java.util.ArrayList<>();
        Bodies.unknownFields(o, Set.of("kind", "format", "options"), "", "a saved mapping", errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        Map<String, String> options = new LinkedHashMap<>();
        if (o.containsKey("options")) {
            if (o.get("options").getValueType() != JsonValue.ValueType.OBJECT) {
                throw new InvalidInputException("/options", "is an object of option names and values");
            }
            o.getJsonObject("options").forEach((k, v) -> options.put(k, v.getValueType() == JsonValue.ValueType.STRING
                    ? ((jakarta.json.JsonString) v).getString() : v.toString()));
        }
        String kind = o.containsKey("kind") ? o.getString("kind", null) : ImportService.KIND_CONTACTS;
        String format = o.containsKey("format") ? o.getString("format", null) : CSV;
        boolean created = imports().saveMapping(me.tenantId(), me.name(), name, kind, format, options);
        return Response.status(created ? 201 : 200).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.write(Json.object().add("name", name).add("kind", kind).add("format", format)
                        .add("options", Json.toJson(new java.util.TreeMap<String, Object>(options))).build())).build();
    }

    @jakarta.ws.rs.DELETE
    @Path("mappings/{name}")
    @Access(Role.ADMIN)
    @Operation(summary = "Delete a saved mapping")
    public Response deleteMapping(@PathParam("name") String name) {
        Principal me = principal.get();
        imports().deleteMapping(me.tenantId(), me.name(), name);
        return Response.noContent().build();
    }

    private static Map<String, String> options(UriInfo uri) {
        Map<String, String> options = new LinkedHashMap<>();
        uri.getQueryParameters().forEach((k, v) -> {
            if (!OWN_PARAMETERS.contains(k) && !v.isEmpty()) {
                options.put(k, v.get(v.size() - 1));
            }
        });
        return options;
    }

    @GET
    @Access(Role.MARKETER)
    @Operation(summary = "Import jobs, newest first", description = "At most ?limit= (default 50, at most 200); ?format= keeps one format's "
            + "(format=hubspot: the HubSpot syncs).")
    public Response list(@QueryParam("format") String format, @QueryParam("limit") Integer limit) {
        JsonArrayBuilder a = Json.array();
        imports().list(principal.get().tenantId(), format == null || format.isBlank() ? null : format, limit == null ? 50 : limit).forEach(v -> a.add(view(v)));
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

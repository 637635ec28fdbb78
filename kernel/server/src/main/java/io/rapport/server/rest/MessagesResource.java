package io.rapport.server.rest;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import io.rapport.api.customer.Consent;
import io.rapport.api.message.MessageService;
import io.rapport.core.json.Json;
import io.rapport.core.message.Messages;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
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

/** Sending a message to one customer through a channel, and what became of it. */
@Path("/v1/messages")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class MessagesResource {

    static final long MAX_BODY = 256 * 1024;
    static final int MAX_TEMPLATE = 100_000;
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,39}");
    static final java.util.Set<String> FIELDS = java.util.Set.of("customerId", "channel", "purpose", "subject", "text", "html", "data", "idempotencyKey");

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Send a message", description = "Body: {customerId, channel, purpose (marketing|transactional|surveys|...), "
            + "subject?, text, html?, data?, idempotencyKey?}. Templates are Mustache over {customer, data, message}. The kernel checks consent "
            + "and suppression, renders, and makes the first attempt before answering: state SENT, RETRY (tried again later), REJECTED (with "
            + "the reason) or DEAD. A repeated idempotency key answers 200 with the message it created first.")
    public Response send(InputStream body) {
        Principal me = principal.get();
        Messages.Submitted s = holder.kernel().messages().submit(me.tenantId(), me.name(), request(AdminResource.object(body)));
        return Response.status(s.created() ? 201 : 200).type(MediaType.APPLICATION_JSON_TYPE)
                .header("Location", "/api/v1/messages/" + s.message().id()).entity(Json.write(json(s.message()).build())).build();
    }

    @POST
    @Path("batch")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Send one message to many customers (a campaign)", description = "Body: {channel, purpose, subject?, text, html?, "
            + "recipients: [{customerId, data?, idempotencyKey?}, ...]} with at most " + MAX_RECIPIENTS + " recipients. The templates are "
            + "checked once (a broken one is a 400 and nothing is sent); each recipient is checked (consent, suppression, quiet hours, frequency "
            + "cap) and rendered with their own data. The messages are stored together, then sent in parallel; the answer comes once every "
            + "first attempt has an outcome: {items: [{index, id, state, reason, created} or {index, error: {pointer, detail}}], counts}. A "
            + "recipient who is not a customer is an error at their index; the others are sent.")
    public Response batch(InputStream body) {
        Principal me = principal.get();
        JsonValue v = Bodies.json(body, MAX_BATCH_BODY);
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new InvalidInputException("/", "must be a JSON object");
        }
        List<Messages.BatchItem> items = holder.kernel().messages().submitAll(me.tenantId(), me.name(), batchRequest(v.asJsonObject()));
        JsonArrayBuilder a = Json.array();
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (Messages.BatchItem i : items) {
            if (i.error() != null) {
                a.add(Json.object().add("index", i.index()).add("error", Json.object().add("pointer", i.error().field()).add("detail", i.error().detail())));
                counts.merge("ERROR", 1, Integer::sum);
            } else {
                a.add(Json.object().add("index", i.index()).add("id", i.message().id().toString()).add("state", i.message().state().name())
                        .add("reason", nullable(i.message().reason())).add("created", i.created()));
                counts.merge(i.message().state().name(), 1, Integer::sum);
            }
        }
        jakarta.json.JsonObjectBuilder c = Json.object();
        counts.forEach(c::add);
        return CustomersResource.ok(Json.object().add("items", a).add("counts", c).build());
    }

    static final int MAX_RECIPIENTS = 1000;
    static final long MAX_BATCH_BODY = 4L * 1024 * 1024;
    static final java.util.Set<String> BATCH_FIELDS = java.util.Set.of("channel", "purpose", "subject", "text", "html", "recipients");
    static final java.util.Set<String> RECIPIENT_FIELDS = java.util.Set.of("customerId", "data", "idempotencyKey");

    /** Reads and checks a batch's body; every wrong field is named, recipients by their index. */
    private static Messages.BatchRequest batchRequest(JsonObject o) {
        List<FieldError> errors = new ArrayList<>();
        Bodies.unknownFields(o, BATCH_FIELDS, "", "a batch", errors);
        Content content = content(o, errors);
        List<Messages.Recipient> recipients = new ArrayList<>();
        JsonValue rv = o.get("recipients");
        if (rv == null || rv.getValueType() != JsonValue.ValueType.ARRAY || rv.asJsonArray().isEmpty()) {
            errors.add(new FieldError("/recipients", "is required: a non-empty array of {customerId, data?, idempotencyKey?}"));
        } else if (rv.asJsonArray().size() > MAX_RECIPIENTS) {
            errors.add(new FieldError("/recipients", "has " + rv.asJsonArray().size() + " recipients; at most " + MAX_RECIPIENTS
                    + " go in one batch"));
        } else {
            jakarta.json.JsonArray arr = rv.asJsonArray();
            for (int i = 0; i < arr.size() && errors.size() < 50; i++) {
                String at = "/recipients/" + i;
                if (arr.get(i).getValueType() != JsonValue.ValueType.OBJECT) {
                    errors.add(new FieldError(at, "must be an object {customerId, data?, idempotencyKey?}"));
                    continue;
                }
                JsonObject r = arr.getJsonObject(i);
                Bodies.unknownFields(r, RECIPIENT_FIELDS, at, "a recipient", errors);
                UUID id = null;
                JsonValue idv = r.get("customerId");
                if (idv == null || idv.getValueType() != JsonValue.ValueType.STRING) {
                    errors.add(new FieldError(at + "/customerId", "is required: a customer id"));
                } else {
                    try {
                        id = UUID.fromString(r.getString("customerId"));
                    } catch (IllegalArgumentException e) {
                        errors.add(new FieldError(at + "/customerId", "is not a customer id"));
                    }
                }
                Map<String, Object> data = data(r.get("data"), at + "/data", errors);
                String key = null;
                JsonValue kv = r.get("idempotencyKey");
                if (kv != null && kv.getValueType() != JsonValue.ValueType.NULL) {
                    if (kv.getValueType() != JsonValue.ValueType.STRING || r.getString("idempotencyKey").isEmpty()
                            || r.getString("idempotencyKey").length() > 200) {
                        errors.add(new FieldError(at + "/idempotencyKey", "must be a string of 1 to 200 characters"));
                    } else {
                        key = r.getString("idempotencyKey");
                    }
                }
                recipients.add(new Messages.Recipient(id, data, key));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new Messages.BatchRequest(content.channel(), content.purpose(), content.subject(), content.text(), content.html(), recipients);
    }

    @POST
    @Path("preview")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.MARKETER)
    @Operation(summary = "Render a message without sending it", description = "The body of a send; answers {subject, text, html} as the customer "
            + "would get them. Nothing is stored or sent, and consent is not checked. A template that reads a value no message has, such as "
            + "{{customer.frstName}}, is an error at its field.")
    public Response preview(InputStream body) {
        Messages.Preview p = holder.kernel().messages().preview(principal.get().tenantId(), request(AdminResource.object(body)));
        return CustomersResource.ok(Json.object().add("subject", nullable(p.subject())).add("text", nullable(p.text()))
                .add("html", nullable(p.html())).build());
    }

    /** Reads and checks a send's body; every wrong field is named. */
    private static Messages.SendRequest request(JsonObject o) {
        List<FieldError> errors = new ArrayList<>();
        Bodies.unknownFields(o, FIELDS, "", "a message", errors);
        UUID customerId = null;
        String rawId = text(o, "customerId", 100, errors);
        if (rawId == null) {
            errors.add(new FieldError("/customerId", "is required"));
        } else {
            try {
                customerId = UUID.fromString(rawId);
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("/customerId", "is not a customer id"));
            }
        }
        Content content = content(o, errors);
        String key = text(o, "idempotencyKey", 200, errors);
        Map<String, Object> data = data(o.get("data"), "/data", errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new Messages.SendRequest(customerId, content.channel(), content.purpose(), content.subject(), content.text(), content.html(), data,
                key);
    }

    @GET
    @Path("{id}")
    @Access(Role.VIEWER)
    @Operation(summary = "One message and its state")
    public Response get(@PathParam("id") String id) {
        return CustomersResource.ok(json(holder.kernel().messages().get(principal.get().tenantId(), Bodies.id(id, "message"))).build());
    }

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "Messages, newest first: the delivery log",
            description = "Filters: ?state=DEAD lists the dead letters; ?customerId= one customer's; ?channel=email; ?delivery=OPENED "
                    + "(the furthest update: DELIVERED, OPENED, CLICKED, SOFT_BOUNCED, FAILED, HARD_BOUNCED, COMPLAINED); "
                    + "?before= a time, for the next page (the last item's createdAt). Each item names its customer (customerName).")
    public Response list(@QueryParam("state") String state, @QueryParam("customerId") String customerId, @QueryParam("channel") String channel,
                         @QueryParam("delivery") String delivery, @QueryParam("before") String before, @QueryParam("limit") Integer limit) {
        UUID cid = null;
        if (customerId != null) {
            try {
                cid = UUID.fromString(customerId);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("/customerId", "is not a customer id");
            }
        }
        if (channel != null && !NAME.matcher(channel).matches()) {
            throw new InvalidInputException("/channel", "is not a channel type");
        }
        Messages.Filter f = new Messages.Filter(Bodies.constant(Messages.State.class, state, "/state"), cid, channel,
                Bodies.constant(MessageService.Delivery.class, delivery, "/delivery"), Bodies.time(before, "/before"), Bodies.limit(limit, 50, 500));
        UUID tenant = principal.get().tenantId();
        List<Messages.Message> found = holder.kernel().messages().list(tenant, f);
        Map<UUID, String> names = holder.kernel().customers().labels(tenant, found.stream().map(Messages.Message::customerId).toList());
        JsonArrayBuilder a = Json.array();
        found.forEach(m -> a.add(json(m).add("customerName", names.getOrDefault(m.customerId(), m.customerId().toString()))));
        return CustomersResource.ok(Json.object().add("items", a).build());
    }

    @POST
    @Path("{id}/resend")
    @Access(Role.ADMIN)
    @Operation(summary = "Send a dead letter again", description = "It gets a fresh set of attempts.")
    public Response resend(@PathParam("id") String id) {
        Principal me = principal.get();
        Messages.Message m = holder.kernel().messages().resend(me.tenantId(), Bodies.id(id, "message"), me.name());
        holder.kernel().access().audit(me.tenantId(), me.name(), "message.resent", m.id().toString(), m.channel());
        return CustomersResource.ok(json(m).build());
    }

    static JsonObjectBuilder json(Messages.Message m) {
        return Json.object().add("id", m.id().toString()).add("customerId", m.customerId().toString()).add("channel", m.channel())
                .add("purpose", m.purpose()).add("state", m.state().name()).add("attempts", m.attempts())
                .add("reason", nullable(m.reason())).add("providerId", nullable(m.providerId()))
                .add("idempotencyKey", nullable(m.idempotencyKey())).add("subject", nullable(m.subject())).add("text", nullable(m.text()))
                .add("html", nullable(m.html())).add("data", Json.toJson(m.data()))
                .add("nextAttemptAt", m.dueAt() == null || m.state() != Messages.State.RETRY ? JsonValue.NULL : Json.string(m.dueAt().toString()))
                .add("createdBy", m.createdBy()).add("createdAt", m.createdAt().toString()).add("updatedAt", m.updatedAt().toString())
                .add("delivery", m.delivery() == null ? JsonValue.NULL : Json.string(m.delivery().name()))
                .add("deliveryAt", m.deliveryAt() == null ? JsonValue.NULL : Json.string(m.deliveryAt().toString()));
    }

    /** What a send and a batch share: the channel, the purpose and the templates. */
    private record Content(String channel, String purpose, String subject, String text, String html) {
    }

    private static Content content(JsonObject o, List<FieldError> errors) {
        String channel = name(o, "channel", errors, null);
        String purpose = name(o, "purpose", errors, Consent.PURPOSE_MARKETING);
        String subject = text(o, "subject", 1000, errors);
        String textBody = text(o, "text", MAX_TEMPLATE, errors);
        if (textBody == null) {
            errors.add(new FieldError("/text", "is required: the plain-text body (a Mustache template)"));
        }
        return new Content(channel, purpose, subject, textBody, text(o, "html", MAX_TEMPLATE, errors));
    }

    /** @return a message's template values: an object, or nothing */
    private static Map<String, Object> data(JsonValue d, String pointer, List<FieldError> errors) {
        if (d == null || d.getValueType() == JsonValue.ValueType.NULL) {
            return Map.of();
        }
        if (d.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(pointer, "must be an object"));
            return Map.of();
        }
        return Json.toMap(d.asJsonObject());
    }

    private static JsonValue nullable(String s) {
        return s == null ? JsonValue.NULL : Json.string(s);
    }

    private static String text(JsonObject o, String key, int max, List<FieldError> errors) {
        JsonValue v = o.get(key);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.STRING) {
            errors.add(new FieldError("/" + key, "must be a string"));
            return null;
        }
        String s = ((jakarta.json.JsonString) v).getString();
        if (s.length() > max) {
            errors.add(new FieldError("/" + key, "is longer than " + max + " characters"));
            return null;
        }
        return s;
    }

    private static String name(JsonObject o, String key, List<FieldError> errors, String dflt) {
        String s = text(o, key, 40, errors);
        if (s == null) {
            JsonValue v = o.get(key);
            if (dflt == null && (v == null || v.getValueType() == JsonValue.ValueType.NULL)) {
                errors.add(new FieldError("/" + key, "is required"));
            }
            return dflt;
        }
        if (!NAME.matcher(s).matches()) {
            errors.add(new FieldError("/" + key, "must be a lower-case name such as 'email' or 'webhook'"));
        }
        return s;
    }
}

package io.rapport.server.rest;

import java.io.InputStream;
import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.rapport.core.json.Json;
import io.rapport.core.message.SendPolicy;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** The tenant's rules for messages that are not transactional: quiet hours and a frequency cap. */
@Path("/v1/admin/send-policy")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
@SecurityRequirement(name = "user")
public class SendPolicyResource {

    static final String QUIET_HOURS = "quietHours";
    static final String DEFAULT_TIME_ZONE = "defaultTimeZone";
    static final String FREQUENCY_CAP = "frequencyCap";
    static final Set<String> FIELDS = Set.of(QUIET_HOURS, DEFAULT_TIME_ZONE, FREQUENCY_CAP);
    static final int MAX_CAP_MESSAGES = 1000;
    static final int MAX_CAP_DAYS = 365;

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @GET
    @Access(Role.MARKETER)
    @Operation(summary = "The send policy", description = "quietHours {start, end} (HH:mm, in the customer's time zone, else defaultTimeZone), "
            + "frequencyCap {messages, days}; null means none. Transactional messages are exempt from both.")
    public Response get() {
        return CustomersResource.ok(json(holder.kernel().messages().policy(principal.get().tenantId())).build());
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(Role.ADMIN)
    @Operation(summary = "Replace the send policy", description = "Body as GET answers. Messages already held keep their time.")
    public Response put(InputStream body) {
        Principal me = principal.get();
        JsonObject o = AdminResource.object(body);
        List<FieldError> errors = new ArrayList<>();
        Bodies.unknownFields(o, FIELDS, "", "a send policy", errors);
        LocalTime start = null;
        LocalTime end = null;
        JsonValue quiet = o.get(QUIET_HOURS);
        if (quiet != null && quiet.getValueType() != JsonValue.ValueType.NULL) {
            if (quiet.getValueType() != JsonValue.ValueType.OBJECT) {
                errors.add(new FieldError("/" + QUIET_HOURS, "is {\"start\": \"21:00\", \"end\": \"08:00\"} or null"));
            } else {
                start = time(quiet.asJsonObject(), "start", errors);
                end = time(quiet.asJsonObject(), "end", errors);
                if (start != null && start.equals(end)) {
                    errors.add(new FieldError("/" + QUIET_HOURS + "/end", "must differ from start"));
                }
            }
        }
        ZoneId zone = ZoneId.of("UTC");
        String zoneName = AdminResource.string(o, DEFAULT_TIME_ZONE);
        if (zoneName != null) {
            try {
                zone = ZoneId.of(zoneName);
            } catch (DateTimeException e) {
                errors.add(new FieldError("/" + DEFAULT_TIME_ZONE, "is not a time zone; use an IANA name such as Europe/Paris"));
            }
        }
        Integer messages = null;
        Integer days = null;
        JsonValue cap = o.get(FREQUENCY_CAP);
        if (cap != null && cap.getValueType() != JsonValue.ValueType.NULL) {
            if (cap.getValueType() != JsonValue.ValueType.OBJECT) {
                errors.add(new FieldError("/" + FREQUENCY_CAP, "is {\"messages\": 3, \"days\": 7} or null"));
            } else {
                messages = count(cap.asJsonObject(), "messages", MAX_CAP_MESSAGES, errors);
                days = count(cap.asJsonObject(), "days", MAX_CAP_DAYS, errors);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        SendPolicy p = holder.kernel().messages().setPolicy(me.tenantId(), new SendPolicy(start, end, zone, messages, days), me.name());
        holder.kernel().access().audit(me.tenantId(), me.name(), "send-policy.changed", null, Json.write(json(p).build()));
        return CustomersResource.ok(json(p).build());
    }

    private static LocalTime time(JsonObject o, String key, List<FieldError> errors) {
        JsonValue v = o.get(key);
        if (v == null || v.getValueType() != JsonValue.ValueType.STRING) {
            errors.add(new FieldError("/" + QUIET_HOURS + "/" + key, "is required: a time of day such as 21:00"));
            return null;
        }
        String s = ((jakarta.json.JsonString) v).getString();
        try {
            if (!s.matches("\\d{2}:\\d{2}")) {
                throw new DateTimeParseException("not HH:mm", s, 0);
            }
            return LocalTime.parse(s);
        } catch (DateTimeParseException e) {
            errors.add(new FieldError("/" + QUIET_HOURS + "/" + key, "is a time of day as HH:mm, such as 21:00"));
            return null;
        }
    }

    private static Integer count(JsonObject o, String key, int max, List<FieldError> errors) {
        JsonValue v = o.get(key);
        if (v == null || v.getValueType() != JsonValue.ValueType.NUMBER || !((JsonNumber) v).isIntegral()
                || ((JsonNumber) v).longValue() < 1 || ((JsonNumber) v).longValue() > max) {
            errors.add(new FieldError("/" + FREQUENCY_CAP + "/" + key, "is a whole number from 1 to " + max));
            return null;
        }
        return ((JsonNumber) v).intValue();
    }

    static JsonObjectBuilder json(SendPolicy p) {
        return Json.object()
                .add(QUIET_HOURS, p.hasQuietHours() ? Json.object().add("start", SendPolicy.format(p.quietStart())).add("end", SendPolicy.format(p.quietEnd())).build()
                        : JsonValue.NULL)
                .add(DEFAULT_TIME_ZONE, p.defaultZone().getId())
                .add(FREQUENCY_CAP, p.hasCap() ? Json.object().add("messages", p.capMessages()).add("days", p.capDays()).build() : JsonValue.NULL);
    }
}

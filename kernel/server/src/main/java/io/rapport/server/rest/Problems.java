package io.rapport.server.rest;

import java.util.List;

import io.rapport.core.json.Json;
import io.rapport.core.validation.FieldError;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * RFC 9457 problem details. {@code type} is {@value #TYPE_PREFIX} followed by a slug listed in
 * docs/reference/problems.md; {@code errors} lists each bad field as a JSON pointer with what is wrong.
 */
public final class Problems {

    public static final String TYPE_PREFIX = "urn:rapport:problem:";
    public static final MediaType PROBLEM_JSON = new MediaType("application", "problem+json");

    private Problems() {
    }

    public static JsonObject body(Response.StatusType status, String slug, String detail, List<FieldError> errors) {
        JsonObjectBuilder b = Json.object()
                .add("type", TYPE_PREFIX + slug)
                .add("title", status.getReasonPhrase())
                .add("status", status.getStatusCode())
                .add("detail", detail);
        if (errors != null && !errors.isEmpty()) {
            b.add("errors", errors(errors));
        }
        return b.build();
    }

    public static JsonArrayBuilder errors(List<FieldError> errors) {
        JsonArrayBuilder a = Json.array();
        for (FieldError e : errors) {
            a.add(Json.object().add("pointer", e.field()).add("detail", e.detail()));
        }
        return a;
    }

    public static Response response(Response.StatusType status, String slug, String detail, List<FieldError> errors) {
        return Response.status(status).type(PROBLEM_JSON).entity(Json.write(body(status, slug, detail, errors))).build();
    }
}

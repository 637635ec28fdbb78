package io.rapport.server.rest;

import io.rapport.core.db.DataAccessException;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.core.validation.TooManyAttemptsException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Turns every failure into problem+json; nothing internal (stack traces, SQL) reaches the client. */
public final class ExceptionMappers {

    private static final Logger LOG = LoggerFactory.getLogger(ExceptionMappers.class);

    private ExceptionMappers() {
    }

    @Provider
    public static class InvalidInput implements ExceptionMapper<InvalidInputException> {
        @Override
        public Response toResponse(InvalidInputException e) {
            String detail = e.errors().size() == 1 ? e.errors().get(0).field() + " " + e.errors().get(0).detail()
                    : e.errors().size() + " fields are invalid; see errors.";
            return Problems.response(Response.Status.BAD_REQUEST, "invalid-input", detail, e.errors());
        }
    }

    @Provider
    public static class TooManyAttempts implements ExceptionMapper<TooManyAttemptsException> {
        @Override
        public Response toResponse(TooManyAttemptsException e) {
            return Response.fromResponse(Problems.response(Response.Status.TOO_MANY_REQUESTS, "too-many-attempts", e.getMessage(), null))
                    .header(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds()).build();
        }
    }

    @Provider
    public static class NotFound implements ExceptionMapper<NotFoundException> {
        @Override
        public Response toResponse(NotFoundException e) {
            return Problems.response(Response.Status.NOT_FOUND, "not-found", e.getMessage(), null);
        }
    }

    @Provider
    public static class Conflict implements ExceptionMapper<ConflictException> {
        @Override
        public Response toResponse(ConflictException e) {
            return Problems.response(Response.Status.CONFLICT, "conflict", e.getMessage(), List.of(new FieldError(e.field(), e.getMessage())));
        }
    }

    @Provider
    public static class DataAccess implements ExceptionMapper<DataAccessException> {
        @Override
        public Response toResponse(DataAccessException e) {
            LOG.error("Database failure", e);
            return Problems.response(Response.Status.SERVICE_UNAVAILABLE, "database-unavailable",
                    "The database did not complete the request; nothing was written. Try again.", null);
        }
    }

    /** 404 for unknown paths, 405, 406, 415 and friends, with the framework's status but our body. */
    @Provider
    public static class WebApplication implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            if (e.getResponse().hasEntity() && Problems.PROBLEM_JSON.isCompatible(e.getResponse().getMediaType())) {
                return e.getResponse(); // thrown by our code with its own problem
            }
            Response.StatusType status = e.getResponse().getStatusInfo();
            String slug = switch (status.getStatusCode()) {
                case 404 -> "not-found";
                case 405 -> "method-not-allowed";
                case 406 -> "not-acceptable";
                case 415 -> "unsupported-media-type";
                default -> "http-" + status.getStatusCode();
            };
            String detail = switch (status.getStatusCode()) {
                case 404 -> "There is nothing at this address.";
                case 405 -> "This address does not take that method.";
                case 415 -> "Send application/json.";
                default -> status.getReasonPhrase();
            };
            Response.ResponseBuilder r = Response.fromResponse(Problems.response(status, slug, detail, null));
            if (e.getResponse().getHeaderString("Allow") != null) {
                r.header("Allow", e.getResponse().getHeaderString("Allow"));
            }
            return r.build();
        }
    }

    @Provider
    public static class Unexpected implements ExceptionMapper<Throwable> {
        @Override
        public Response toResponse(Throwable e) {
            if (e instanceof WebApplicationException w) {
                return new WebApplication().toResponse(w);
            }
            LOG.error("Unexpected failure", e);
            return Problems.response(Response.Status.INTERNAL_SERVER_ERROR, "internal-error",
                    "The server failed on this request; the failure is logged.", null);
        }
    }
}

package io.rapport.server.rest;

import java.io.InputStream;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.rapport.core.json.Json;
import io.rapport.core.security.Principal;
import io.rapport.core.security.Role;
import io.rapport.core.security.Sessions;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import io.rapport.server.security.AuthFilter;
import io.rapport.server.security.CurrentPrincipal;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's sign-in: a session held in an HttpOnly, SameSite=Strict cookie, with a CSRF token that the console
 * sends back in {@value AuthFilter#CSRF_HEADER} with every change.
 */
@Path("/v1/session")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
public class SessionResource {

    private static final Logger LOG = LoggerFactory.getLogger(SessionResource.class);
    static final int MAX_USERNAME = 100;
    static final int MAX_PASSWORD = 1000;

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal principal;

    @Context
    HttpServletRequest servletRequest;

    @Context
    HttpHeaders headers;

    /** auto (Secure over HTTPS), true or false. */
    @Inject
    @ConfigProperty(name = "rapport.session.secure-cookie", defaultValue = "auto")
    String secureCookie;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(anonymous = true)
    @Operation(summary = "Sign in", description = "Body: {username, password}. Sets the session cookie; the answer holds the CSRF token "
            + "to send in X-CSRF-Token with every change. Repeated failures lock the username for a while (429 with Retry-After).")
    public Response signIn(InputStream body) {
        JsonObject o = AdminResource.object(body);
        String username = AdminResource.string(o, "username");
        String password = AdminResource.string(o, "password");
        List<FieldError> errors = new ArrayList<>();
        if (username == null || username.isBlank()) {
            errors.add(new FieldError("/username", "is required"));
        } else if (username.length() > MAX_USERNAME) {
            errors.add(new FieldError("/username", "is at most " + MAX_USERNAME + " characters"));
        }
        if (password != null && password.length() > MAX_PASSWORD) {
            errors.add(new FieldError("/password", "is at most " + MAX_PASSWORD + " characters"));
        }
        if (password == null || password.isEmpty()) {
            errors.add(new FieldError("/password", "is required"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        String remote = servletRequest.getRemoteAddr();
        Optional<Sessions.Session> session = holder.kernel().sessions().open(username, password.toCharArray(), remote,
                headers.getHeaderString(HttpHeaders.USER_AGENT));
        if (session.isEmpty()) {
            LOG.warn("Failed sign-in for '{}' from {}", username.replaceAll("[\\r\\n]", "_"), remote);
            return Problems.response(Response.Status.UNAUTHORIZED, "unauthorized", "The username or password is wrong.",
                    List.of(new FieldError("/password", "does not match this username")));
        }
        Sessions.Session s = session.get();
        holder.kernel().access().audit(s.principal().tenantId(), s.principal().name(), "session.opened", s.principal().name(), "from " + remote);
        return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).cookie(cookie(s.token(), (int) holder.kernel().sessions().maxAge().toSeconds()))
                .entity(Json.write(describe(s.principal(), s.csrfToken(), s.expiresAt()).build())).build();
    }

    @GET
    @Access(Role.VIEWER)
    @Operation(summary = "The current session", description = "Who is signed in, their role, and the session's CSRF token.")
    public Response current() {
        String token = principal.sessionToken();
        Optional<Sessions.Session> s = token == null ? Optional.empty() : holder.kernel().sessions().find(token);
        return CustomersResource.ok(describe(principal.get(), s.map(Sessions.Session::csrfToken).orElse(null),
                s.map(Sessions.Session::expiresAt).orElse(null)).build());
    }

    @DELETE
    @Access(Role.VIEWER)
    @Operation(summary = "Sign out", description = "Ends the session and clears its cookie.")
    public Response signOut() {
        Principal p = principal.get();
        String token = principal.sessionToken();
        if (token != null) {
            holder.kernel().sessions().close(token);
            holder.kernel().access().audit(p.tenantId(), p.name(), "session.closed", p.name(), null);
        }
        return Response.noContent().cookie(cookie("", 0)).build();
    }

    /**
     * The session cookie. It lives as long as a session may ({@code maxAge}); the server ends an idle session earlier.
     * Secure when the request came over HTTPS (directly or through a proxy that says so), or always with
     * {@code rapport.session.secure-cookie=true}.
     */
    private NewCookie cookie(String value, int maxAge) {
        boolean https = "true".equalsIgnoreCase(secureCookie) || (!"false".equalsIgnoreCase(secureCookie)
                && ("https".equalsIgnoreCase(headers.getHeaderString("X-Forwarded-Proto")) || servletRequest.isSecure()));
        return new NewCookie.Builder(AuthFilter.SESSION_COOKIE).value(value).path("/").httpOnly(true).secure(https)
                .sameSite(NewCookie.SameSite.STRICT).maxAge(maxAge).build();
    }

    private static JsonObjectBuilder describe(Principal p, String csrf, OffsetDateTime expires) {
        return Json.object().add("username", p.name()).add("tenantId", p.tenantId().toString()).add("role", p.role().key())
                .add("operator", p.operator()).add("csrfToken", csrf == null ? JsonValue.NULL : Json.string(csrf))
                .add("expiresAt", expires == null ? JsonValue.NULL : Json.string(expires.toString()));
    }
}

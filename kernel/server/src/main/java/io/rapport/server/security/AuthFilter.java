package io.rapport.server.security;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

import io.rapport.core.security.Principal;
import io.rapport.core.security.Sessions;
import io.rapport.server.KernelHolder;
import io.rapport.server.rest.Problems;
import jakarta.annotation.Priority;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

/**
 * Authenticates every API call: HTTP Basic or the console's session cookie for users, {@code Authorization: Bearer
 * rpk_...} (or {@code X-Api-Key}) for tenant API keys, then checks the method's {@link Access}. A change made with a
 * session cookie must carry the session's CSRF token; a change sent by a page of another origin is refused whatever
 * its credentials ({@link CrossOrigin}). The principal is kept in {@link CurrentPrincipal}.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class AuthFilter implements ContainerRequestFilter {

    public static final String API_KEY_HEADER = "X-Api-Key";
    /** The console's session cookie (HttpOnly, SameSite=Strict). */
    public static final String SESSION_COOKIE = "rapport_session";
    /** The header in which the console sends its session's CSRF token with every change. */
    public static final String CSRF_HEADER = "X-CSRF-Token";
    /** Sent by the console with every call: answer 401 without a Basic challenge. */
    public static final String CONSOLE_HEADER = "X-Requested-With";
    static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    static final String BASIC = "Basic ";
    static final String BEARER = "Bearer ";
    static final String REALM = "rapport";

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal current;

    @Context
    ResourceInfo resource;

    @Context
    HttpServletRequest servletRequest;

    @Override
    public void filter(ContainerRequestContext request) {
        Method method = resource.getResourceMethod();
        if (method == null) {
            return; // no match: JAX-RS answers 404/405 itself
        }
        Access access = method.getAnnotation(Access.class);
        if (access == null) {
            access = resource.getResourceClass().getAnnotation(Access.class);
        }
        if (access == null) {
            request.abortWith(Problems.response(Response.Status.FORBIDDEN, "forbidden", "This endpoint is not open to anyone.", null));
            return;
        }
        if (!holder.started()) {
            request.abortWith(Problems.response(Response.Status.SERVICE_UNAVAILABLE, "starting", "The server is starting; try again shortly.", null));
            return;
        }
        boolean unsafe = !SAFE_METHODS.contains(request.getMethod());
        // ingest takes an explicit key header that a browser never adds by itself: pages of shops may call it cross-origin
        if (unsafe && !access.apiKey() && !(access.anonymous() && access.crossSite())) {
            String refused = CrossOrigin.refusal(request);
            if (refused != null) {
                request.abortWith(Problems.response(Response.Status.FORBIDDEN, "cross-origin", refused, null));
                return;
            }
        }
        if (access.anonymous()) {
            return;
        }
        String auth = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (access.apiKey()) {
            String key = request.getHeaderString(API_KEY_HEADER);
            String secret = key != null ? key : auth != null && auth.startsWith(BEARER) ? auth.substring(BEARER.length()).trim() : null;
            if (secret == null) {
                request.abortWith(unauthorized(request, "Bearer", "This endpoint takes a tenant API key: 'Authorization: Bearer rpk_...'."));
                return;
            }
            Optional<Principal> principal = holder.kernel().access().authenticateKey(secret);
            if (principal.isEmpty()) {
                request.abortWith(unauthorized(request, "Bearer", "The API key is unknown or revoked."));
                return;
            }
            current.set(principal.get());
            return;
        }
        Principal p;
        Cookie cookie = request.getCookies().get(SESSION_COOKIE);
        if (auth != null && auth.startsWith(BASIC)) {
            String[] pair = decode(auth.substring(BASIC.length()).trim());
            Optional<Principal> principal = pair == null ? Optional.empty() : holder.kernel().access().authenticateUser(pair[0], pair[1].toCharArray(),
                    servletRequest.getRemoteAddr());
            if (principal.isEmpty()) {
                request.abortWith(unauthorized(request, "Basic", "The username or password is wrong."));
                return;
            }
            p = principal.get();
            current.set(p);
        } else if (cookie != null) {
            Optional<Sessions.Session> session = holder.kernel().sessions().find(cookie.getValue());
            if (session.isEmpty()) {
                request.abortWith(unauthorized(request, "Basic", "Your session has ended; sign in again."));
                return;
            }
            if (unsafe && !Sessions.csrfMatches(cookie.getValue(), request.getHeaderString(CSRF_HEADER))) {
                request.abortWith(Problems.response(Response.Status.FORBIDDEN, "csrf",
                        "This change needs the session's CSRF token in the " + CSRF_HEADER + " header.", null));
                return;
            }
            p = session.get().principal();
            current.setSession(p, cookie.getValue());
        } else {
            request.abortWith(unauthorized(request, "Basic", "Sign in: a console session, or a username and password (HTTP Basic)."));
            return;
        }
        if (!p.has(access.value()) || (access.operator() && !p.operator())) {
            request.abortWith(Problems.response(Response.Status.FORBIDDEN, "forbidden",
                    "User '" + p.name() + "' lacks the " + (access.operator() ? "operator" : access.value().key()) + " role this needs.", null));
        }
    }

    private static String[] decode(String b64) {
        try {
            String s = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
            int colon = s.indexOf(':');
            return colon <= 0 ? null : new String[] {s.substring(0, colon), s.substring(colon + 1)};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * 401 with a challenge, except for the console (it says so with {@link #CONSOLE_HEADER}), for which a Basic
     * challenge would make the browser open its own sign-in dialog.
     */
    private static Response unauthorized(ContainerRequestContext request, String scheme, String detail) {
        Response r = Problems.response(Response.Status.UNAUTHORIZED, "unauthorized", detail, null);
        if (request.getHeaderString(CONSOLE_HEADER) != null) {
            return r;
        }
        return Response.fromResponse(r).header(HttpHeaders.WWW_AUTHENTICATE, scheme + " realm=\"" + REALM + "\"").build();
    }
}

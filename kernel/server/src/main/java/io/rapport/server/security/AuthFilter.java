package io.rapport.server.security;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import io.rapport.core.security.Principal;
import io.rapport.server.KernelHolder;
import io.rapport.server.rest.Problems;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

/**
 * Authenticates every API call: HTTP Basic for users, {@code Authorization: Bearer rpk_...} (or {@code X-Api-Key})
 * for tenant API keys, then checks the method's {@link Access}. The principal is kept in {@link CurrentPrincipal}.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class AuthFilter implements ContainerRequestFilter {

    public static final String API_KEY_HEADER = "X-Api-Key";
    static final String BASIC = "Basic ";
    static final String BEARER = "Bearer ";
    static final String REALM = "rapport";

    @Inject
    KernelHolder holder;

    @Inject
    CurrentPrincipal current;

    @Context
    ResourceInfo resource;

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
        String auth = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String key = request.getHeaderString(API_KEY_HEADER);
        Optional<Principal> principal;
        if (access.apiKey()) {
            String secret = key != null ? key : auth != null && auth.startsWith(BEARER) ? auth.substring(BEARER.length()).trim() : null;
            if (secret == null) {
                request.abortWith(unauthorized("Bearer", "This endpoint takes a tenant API key: 'Authorization: Bearer rpk_...'."));
                return;
            }
            principal = holder.kernel().access().authenticateKey(secret);
            if (principal.isEmpty()) {
                request.abortWith(unauthorized("Bearer", "The API key is unknown or revoked."));
                return;
            }
        } else {
            if (auth == null || !auth.startsWith(BASIC)) {
                request.abortWith(unauthorized("Basic", "Sign in with a username and password (HTTP Basic)."));
                return;
            }
            String[] pair = decode(auth.substring(BASIC.length()).trim());
            principal = pair == null ? Optional.empty() : holder.kernel().access().authenticateUser(pair[0], pair[1].toCharArray());
            if (principal.isEmpty()) {
                request.abortWith(unauthorized("Basic", "The username or password is wrong."));
                return;
            }
            Principal p = principal.get();
            if (!p.has(access.value()) || (access.operator() && !p.operator())) {
                request.abortWith(Problems.response(Response.Status.FORBIDDEN, "forbidden",
                        "User '" + p.name() + "' lacks the " + (access.operator() ? "operator" : access.value().key()) + " role this needs.", null));
                return;
            }
        }
        current.set(principal.get());
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

    private static Response unauthorized(String scheme, String detail) {
        return Response.fromResponse(Problems.response(Response.Status.UNAUTHORIZED, "unauthorized", detail, null))
                .header(HttpHeaders.WWW_AUTHENTICATE, scheme + " realm=\"" + REALM + "\"").build();
    }
}

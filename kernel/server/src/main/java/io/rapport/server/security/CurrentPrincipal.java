package io.rapport.server.security;

import io.rapport.core.security.Principal;
import jakarta.enterprise.context.RequestScoped;

/** The principal of the current request, set by {@link AuthFilter} before any resource method runs. */
@RequestScoped
public class CurrentPrincipal {

    private Principal principal;
    private String sessionToken;

    void set(Principal principal) {
        this.principal = principal;
    }

    void setSession(Principal principal, String sessionToken) {
        this.principal = principal;
        this.sessionToken = sessionToken;
    }

    /** @return the console session's token if the request came with a session cookie, else null (Basic, API key) */
    public String sessionToken() {
        return sessionToken;
    }

    /** @throws IllegalStateException on a path the filter did not authenticate (a bug: every method has {@link Access}) */
    public Principal get() {
        if (principal == null) {
            throw new IllegalStateException("no authenticated principal on this request");
        }
        return principal;
    }
}

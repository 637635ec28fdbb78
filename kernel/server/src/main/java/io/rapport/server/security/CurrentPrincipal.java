package io.rapport.server.security;

import io.rapport.core.security.Principal;
import jakarta.enterprise.context.RequestScoped;

/** The principal of the current request, set by {@link AuthFilter} before any resource method runs. */
@RequestScoped
public class CurrentPrincipal {

    private Principal principal;

    void set(Principal principal) {
        this.principal = principal;
    }

    /** @throws IllegalStateException on a path the filter did not authenticate (a bug: every method has {@link Access}) */
    public Principal get() {
        if (principal == null) {
            throw new IllegalStateException("no authenticated principal on this request");
        }
        return principal;
    }
}

package io.rapport.server.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.rapport.core.security.Role;

/**
 * Who may call a resource method. Every resource method carries one; a method without it is refused, so a new
 * endpoint is closed until someone decides who may use it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Access {

    /** The least role a signed-in user needs; ignored when {@link #apiKey()} is true. */
    Role value() default Role.ADMIN;

    /** Whether the method takes a tenant API key (ingest) instead of a user. */
    boolean apiKey() default false;

    /** Whether the method is for the hosting provider's operator account only (tenant management). */
    boolean operator() default false;

    /** Whether anyone may call the method without credentials (signing in). Cross-origin writes are still refused. */
    boolean anonymous() default false;

    /**
     * Whether a change may come from a page of another site: only for anonymous methods authorised by a signed token
     * in the request itself (one-click unsubscribe), which a browser never adds on its own.
     */
    boolean crossSite() default false;
}

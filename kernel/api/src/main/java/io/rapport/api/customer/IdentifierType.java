package io.rapport.api.customer;

/**
 * The kinds of identifier by which the kernel recognises a customer. One identifier (type, namespace,
 * value) belongs to at most one customer of a tenant.
 *
 * @since 0.1
 */
public enum IdentifierType {
    /** An email address, normalised to lower case; namespace is empty. */
    EMAIL("email"),
    /** A phone number in E.164 form; namespace is empty. */
    PHONE("phone"),
    /** An id in another system (a CRM, a shop); the namespace names the system, such as {@code shopify}. */
    EXTERNAL("external"),
    /** An id set by a browser or device before the customer is known; namespace is empty. */
    ANONYMOUS("anonymous");

    private final String key;

    IdentifierType(String key) {
        this.key = key;
    }

    /** The stable lower-case name used in JSON and in storage. */
    public String key() {
        return key;
    }

    /** @return the type whose {@link #key()} is {@code key}, or {@code null} if there is none */
    public static IdentifierType ofKey(String key) {
        for (IdentifierType t : values()) {
            if (t.key.equals(key)) {
                return t;
            }
        }
        return null;
    }
}

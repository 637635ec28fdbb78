package io.rapport.api.event;

/**
 * Event types that the kernel itself understands or emits. Types are lower-case, dot-separated
 * {@code object.action} names; plugins may publish types of their own with a prefix of their own.
 *
 * @since 0.1
 */
public final class EventTypes {
    /** A customer placed and paid an order; property {@link #PROPERTY_TOTAL} adds to revenue. */
    public static final String ORDER_COMPLETED = "order.completed";
    /** A page of the shop or site was viewed. */
    public static final String PAGE_VIEWED = "page.viewed";
    /** A product page was viewed. */
    public static final String PRODUCT_VIEWED = "product.viewed";
    /** The content of a cart changed. */
    public static final String CART_UPDATED = "cart.updated";
    /** An email was opened (emitted by email channels). */
    public static final String EMAIL_OPENED = "email.opened";
    /** A customer identified themselves (login, sign-up); traits update the profile. */
    public static final String CUSTOMER_IDENTIFIED = "customer.identified";
    /** The kernel created a profile. */
    public static final String CUSTOMER_CREATED = "customer.created";
    /** The kernel merged another profile into this one; properties name the merged profile. */
    public static final String CUSTOMER_MERGED = "customer.merged";
    /** A consent decision changed; properties carry purpose, channel, status and source. */
    public static final String CONSENT_CHANGED = "consent.changed";

    /** Property of {@link #ORDER_COMPLETED}: the order's total, a number. */
    public static final String PROPERTY_TOTAL = "total";

    private EventTypes() {
    }
}

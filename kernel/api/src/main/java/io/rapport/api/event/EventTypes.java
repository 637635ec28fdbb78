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
    /**
     * An email was opened: recorded by the kernel's open tracking.
     *
     * @see io.rapport.api.message.MessageService.Delivery#eventType(String)
     */
    public static final String EMAIL_OPENED = "email.opened";
    /** A customer identified themselves (login, sign-up); traits update the profile. */
    public static final String CUSTOMER_IDENTIFIED = "customer.identified";
    /** The kernel created a profile. */
    public static final String CUSTOMER_CREATED = "customer.created";
    /** The kernel merged another profile into this one; properties name the merged profile. */
    public static final String CUSTOMER_MERGED = "customer.merged";
    /** A consent decision changed; properties carry purpose, channel, status and source. */
    public static final String CONSENT_CHANGED = "consent.changed";
    /**
     * The customer started to match a segment; properties {@link #PROPERTY_SEGMENT_ID} and {@link #PROPERTY_SEGMENT_NAME}.
     *
     * @since 0.2
     */
    public static final String SEGMENT_ENTERED = "segment.entered";
    /**
     * The customer stopped matching a segment (or it was deleted); the same properties as {@link #SEGMENT_ENTERED}.
     *
     * @since 0.2
     */
    public static final String SEGMENT_EXITED = "segment.exited";
    /**
     * Property of {@code segment.*} events: the segment's id.
     *
     * @since 0.2
     */
    public static final String PROPERTY_SEGMENT_ID = "segmentId";
    /**
     * Property of {@code segment.*} events: the segment's name when the event was recorded.
     *
     * @since 0.2
     */
    public static final String PROPERTY_SEGMENT_NAME = "segmentName";

    /** The kernel handed a message to a channel and the channel accepted it. */
    public static final String MESSAGE_SENT = "message.sent";
    /** The kernel did not send a message: no consent, suppressed, no active channel, or the channel refused it. */
    public static final String MESSAGE_REJECTED = "message.rejected";
    /** Every attempt to send a message failed; it is in the dead-letter list. */
    public static final String MESSAGE_FAILED = "message.failed";
    /**
     * A channel learnt that a message reached the recipient.
     *
     * @deprecated since 0.2 channels report through {@link io.rapport.api.message.MessageService#report}, and the kernel
     *             records {@code <channel>.delivered} (such as {@code email.delivered})
     */
    @Deprecated(since = "0.2")
    public static final String MESSAGE_DELIVERED = "message.delivered";
    /** The channel refused a message's address for good at the send (a hard bounce); later bounces are {@code <channel>.bounced}. */
    public static final String MESSAGE_BOUNCED = "message.bounced";
    /**
     * The recipient opened a message.
     *
     * @deprecated since 0.2 the kernel records {@code <channel>.opened} (see {@link io.rapport.api.message.MessageService.Delivery})
     */
    @Deprecated(since = "0.2")
    public static final String MESSAGE_OPENED = "message.opened";
    /**
     * The recipient clicked a link in a message.
     *
     * @deprecated since 0.2 the kernel records {@code <channel>.clicked} (see {@link io.rapport.api.message.MessageService.Delivery})
     */
    @Deprecated(since = "0.2")
    public static final String MESSAGE_CLICKED = "message.clicked";
    /** The recipient replied to a message (published by channels). */
    public static final String MESSAGE_REPLIED = "message.replied";
    /** Property of every {@code message.*} event: the kernel's message id. */
    public static final String PROPERTY_MESSAGE_ID = "messageId";
    /** Property of every {@code message.*} event: the channel type. */
    public static final String PROPERTY_CHANNEL = "channel";
    /** Property of {@code message.rejected} and {@code message.failed}: why. */
    public static final String PROPERTY_REASON = "reason";

    /** Property of {@link #ORDER_COMPLETED}: the order's total, a number. */
    public static final String PROPERTY_TOTAL = "total";

    private EventTypes() {
    }

    /**
     * A customer answered a survey (the kernel's surveys: NPS, CSAT, CES); one per survey send. Properties:
     * {@link #PROPERTY_SURVEY}, {@link #PROPERTY_SEND}, {@link #PROPERTY_KIND}, {@link #PROPERTY_SCALE},
     * {@link #PROPERTY_LOW_IS_BETTER}, {@link #PROPERTY_SCORE} and, if they wrote one, {@link #PROPERTY_COMMENT}.
     *
     * @since 0.3
     */
    public static final String SURVEY_ANSWERED = "survey.answered";
    /**
     * Property of {@value #SURVEY_ANSWERED}: the survey's id.
     *
     * @since 0.3
     */
    public static final String PROPERTY_SURVEY = "survey";
    /**
     * Property of {@value #SURVEY_ANSWERED}: the id of the send answered (one answer per send).
     *
     * @since 0.3
     */
    public static final String PROPERTY_SEND = "send";
    /**
     * Property of {@value #SURVEY_ANSWERED}: {@code nps}, {@code csat} or {@code ces}.
     *
     * @since 0.3
     */
    public static final String PROPERTY_KIND = "kind";
    /**
     * Property of {@value #SURVEY_ANSWERED}: the scale as {@code <min>-<max>}, such as {@code 0-10} or {@code 1-7}.
     *
     * @since 0.3
     */
    public static final String PROPERTY_SCALE = "scale";
    /**
     * Property of {@value #SURVEY_ANSWERED}: true when a low score is the good one (a CES asking how much effort it took);
     * false for every NPS and CSAT.
     *
     * @since 0.3
     */
    public static final String PROPERTY_LOW_IS_BETTER = "lowIsBetter";
    /**
     * Property of {@value #SURVEY_ANSWERED}: the answer, a whole number on the scale.
     *
     * @since 0.3
     */
    public static final String PROPERTY_SCORE = "score";
    /**
     * Property of {@value #SURVEY_ANSWERED}: the customer's free text after the score, absent if none.
     *
     * @since 0.3
     */
    public static final String PROPERTY_COMMENT = "comment";
}

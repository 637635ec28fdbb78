package io.rapport.spi.event;

import io.rapport.api.event.Event;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives events from the kernel's bus. Register an implementation as an OSGi service with the property
 * {@link #EVENT_TYPES} naming the types it wants (a String or String[]; {@link #ALL_TYPES} for every type).
 *
 * <p>Contract: delivery is at least once, so use {@link Event#id()} to ignore a repeat. One customer's events
 * arrive in the order the kernel stored them, on one thread at a time; different customers' events may arrive
 * concurrently. {@link #onEvent} must be quick: hand slow work to a queue of your own. An exception is logged
 * with the event's id and does not stop delivery to other listeners or later events.
 *
 * @since 0.1
 */
@ConsumerType
public interface EventListener {

    /** Service property: the event types the listener wants. */
    String EVENT_TYPES = "rapport.event.types";

    /** Value of {@link #EVENT_TYPES} that selects every type. */
    String ALL_TYPES = "*";

    /** Called once per event of a wanted type, after the kernel has updated the profile. */
    void onEvent(Event event);
}

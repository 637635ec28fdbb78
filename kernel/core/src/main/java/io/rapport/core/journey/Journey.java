package io.rapport.core.journey;

import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.core.segment.Condition;
import jakarta.json.JsonObject;

/**
 * A journey's definition, read from JSON by {@link JourneyDefinitions}: what lets a customer in, the steps they take
 * from {@code start}, what counts as conversion and what makes them leave. A step's {@code next} of null ends the
 * journey.
 */
public record Journey(Trigger trigger, Condition filter, Reentry reentry, Goal goal, Exits exits, Quiet quietHours, Cap frequencyCap,
                      String start, Map<String, Step> steps) {

    /** What lets a customer in. */
    public sealed interface Trigger {
    }

    /** An event of this type about a customer. */
    public record OnEvent(String type) implements Trigger {
    }

    /** The customer entered this segment. */
    public record OnSegment(UUID segmentId) implements Trigger {
    }

    /** Each year on the month and day of a date attribute (a birthday), {@code offsetDays} after, at {@code time} in the customer's zone. */
    public record OnDate(String attribute, int offsetDays, LocalTime time) implements Trigger {
    }

    /** Someone enrols customers through the API or the console. */
    public record Manual() implements Trigger {
    }

    /** When a customer who was in the journey may enter it again. */
    public enum ReentryMode {
        /** Never: once per customer. */
        ONCE,
        /** Whenever the trigger fires again, once they have left. */
        ALWAYS,
        /** Once they have left, and {@code days} after they entered the last time. */
        AFTER_DAYS
    }

    public record Reentry(ReentryMode mode, int days) {
        public static final Reentry DEFAULT = new Reentry(ReentryMode.ONCE, 0);
    }

    /** An event that counts as conversion if it happens within {@code withinDays} of entry; {@code exit} ends the run then. */
    public record Goal(String event, int withinDays, boolean exit) {
    }

    /** Exit rules: a withdrawn marketing consent; entering another journey. */
    public record Exits(boolean unsubscribed, boolean otherJourney) {
        public static final Exits DEFAULT = new Exits(true, false);
    }

    /** Quiet hours of this journey's messages, in the customer's zone (the tenant's own apply as well). */
    public record Quiet(LocalTime start, LocalTime end) {
    }

    /** At most {@code messages} messages from this journey per customer in any {@code days} days. */
    public record Cap(int messages, int days) {
    }

    /** One step of the graph. */
    public sealed interface Step {
        /** @return the steps this one can lead to (null: the journey ends) */
        List<String> targets();

        /** @return whether time passes at this step: a cycle through it is allowed */
        default boolean waits() {
            return false;
        }
    }

    /** Waits {@code duration}; with {@code reorderInterval}, the customer's own mean time between orders (at least two), or {@code duration}. */
    public record Wait(Duration duration, boolean reorderInterval, String next) implements Step {
        public List<String> targets() {
            return java.util.Arrays.asList(next);
        }

        public boolean waits() {
            return true;
        }
    }

    /** Waits for an event of {@code event}'s type about the customer, at most {@code timeout}. */
    public record WaitForEvent(String event, Duration timeout, String next, String timeoutNext) implements Step {
        public List<String> targets() {
            return java.util.Arrays.asList(next, timeoutNext);
        }

        public boolean waits() {
            return true;
        }
    }

    /** Waits until the next {@code time} of day in the customer's zone. */
    public record WaitUntil(LocalTime time, String next) implements Step {
        public List<String> targets() {
            return java.util.Arrays.asList(next);
        }

        public boolean waits() {
            return true;
        }
    }

    /** Goes to {@code then} if the customer matches {@code condition} now, else to {@code otherwise}. */
    public record Branch(Condition condition, String then, String otherwise) implements Step {
        public List<String> targets() {
            return java.util.Arrays.asList(then, otherwise);
        }
    }

    /** A random split: each arm takes {@code percent} of the customers. */
    public record Split(List<Arm> arms) implements Step {
        public List<String> targets() {
            return arms.stream().map(Arm::next).toList();
        }
    }

    public record Arm(String name, int percent, String next) {
    }

    /** Sends a message through the kernel (consent, suppression, quiet hours and caps apply); templates are Mustache. */
    public record Send(String channel, String purpose, String subject, String text, String html, String next) implements Step {
        public List<String> targets() {
            return java.util.Arrays.asList(next);
        }
    }

    /** Sends a survey to the customer, as {@code POST /api/v1/surveys/{id}/sends} does (its message: consent, suppression, quiet hours). */
    public record SendSurvey(java.util.UUID survey, String next) implements Step {
        public List<String> targets() {
            return java.util.Arrays.asList(next);
        }
    }

    /** Applies a merge patch to the profile, as {@code PATCH /api/v1/customers/{id}} does. */
    public record Update(JsonObject patch, String next) implements Step {
        public List<String> targets() {
            return java.util.Arrays.asList(next);
        }
    }

    /** Adds a tag. */
    public record Tag(String tag, String next) implements Step {
        public List<String> targets() {
            return java.util.Arrays.asList(next);
        }
    }

    /** POSTs the customer and the run as JSON to {@code url}. */
    public record Webhook(java.net.URI url, String next) implements Step {
        public List<String> targets() {
            return java.util.Arrays.asList(next);
        }
    }

    /** Creates a task for a person; {@code title} is a Mustache template. */
    public record Task(String title, String assignee, String next) implements Step {
        public List<String> targets() {
            return java.util.Arrays.asList(next);
        }
    }

    /** Ends the journey here. */
    public record Exit() implements Step {
        public List<String> targets() {
            return List.of();
        }
    }

    /** @return the step with this id, or null */
    public Step step(String id) {
        return id == null ? null : steps.get(id);
    }
}

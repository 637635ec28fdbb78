package io.rapport.core.journey;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.api.customer.Customer;
import io.rapport.core.customer.CustomerStore;
import io.rapport.core.db.Db;
import io.rapport.core.message.Messages;
import io.rapport.core.message.Templates;
import io.rapport.core.validation.InvalidInputException;

/**
 * Walks a journey for one customer with time fast-forwarded, writing nothing: each step it would take, when, and what
 * it would do (the message rendered for this customer, whether consent lets it go, the branch taken). Events the
 * customer would do are given with their delay after entry; without them every wait for an event times out. Waits,
 * times of day, quiet hours and splits are decided as the engine decides them ({@link Timing}); conditions read the
 * customer as they are now.
 */
public final class DryRun {

    /** The longest a dry run looks ahead. */
    public static final Duration HORIZON = Duration.ofDays(3 * 366);
    static final int MAX_STEPS = 200;

    /** An event the test customer does, {@code after} entry. */
    public record SimulatedEvent(String type, Duration after) {
    }

    /** One step in the dry run: when, which, what happened, and the details (a rendered message, a branch). */
    public record Step(OffsetDateTime at, String step, String type, String outcome, Map<String, Object> detail) {
    }

    /** The steps, and how the run ended: completed, exited (with why), or still waiting at the horizon. */
    public record Result(OffsetDateTime start, List<Step> steps, String end, boolean converted) {
    }

    private final Db db;
    private final Clock clock;
    private final CustomerStore customers;
    private final Messages messages;

    public DryRun(Db db, Clock clock, CustomerStore customers, Messages messages) {
        this.db = db;
        this.clock = clock;
        this.customers = customers;
        this.messages = messages;
    }

    public Result run(UUID tenantId, Journey j, UUID customerId, List<SimulatedEvent> events, Map<String, Object> triggerProperties) {
        Customer customer = customers.find(tenantId, customerId)
                .orElseThrow(() -> new InvalidInputException("/customerId", "no customer " + customerId + " in this shop"));
        List<SimulatedEvent> timeline = new ArrayList<>(events);
        timeline.sort(Comparator.comparing(SimulatedEvent::after));
        OffsetDateTime start = OffsetDateTime.now(clock);
        OffsetDateTime now = start;
        OffsetDateTime horizon = start.plus(HORIZON);
        ZoneId zone = messages.policy(tenantId).zoneOf(customer.timeZone());
        UUID runId = new UUID(0, 0);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("event", triggerProperties == null ? Map.of() : triggerProperties);
        data.put("journey", Map.of("id", "dry-run", "version", 0, "run", runId.toString()));
        List<Step> out = new ArrayList<>();
        if (j.filter() != null) {
            OffsetDateTime t = start;
            if (!db.read(c -> JourneyEngine.matches(c, db.dialect(), j.filter(), tenantId, customerId, t))) {
                return new Result(start, out, "does not enter: the customer does not match the journey's filter", false);
            }
        }
        boolean converted = false;
        String at = j.start();
        int seq = 0;
        while (at != null && out.size() < MAX_STEPS) {
            // a goal event before now ends the run if the journey says so
            if (j.goal() != null) {
                OffsetDateTime goalAt = first(timeline, j.goal().event(), start, start, now);
                if (goalAt != null && !converted) {
                    converted = true;
                    out.add(new Step(goalAt, at, "goal", "converted", Map.of("event", j.goal().event())));
                    if (j.goal().exit()) {
                        return new Result(start, out, "exited: goal reached", true);
                    }
                }
            }
            Journey.Step step = j.step(at);
            String type = type(step);
            if (step instanceof Journey.Wait w) {
                Duration d = w.reorderInterval() ? reorderInterval(tenantId, customerId, w.duration()) : w.duration();
                now = now.plus(d);
                out.add(new Step(now, at, type, "waited", Map.of("duration", d.toString())));
                at = w.next();
            } else if (step instanceof Journey.WaitForEvent w) {
                OffsetDateTime until = now.plus(w.timeout());
                OffsetDateTime e = first(timeline, w.event(), start, now, until);
                if (e != null) {
                    now = e;
                    out.add(new Step(now, at, type, "event", Map.of("event", w.event())));
                    at = w.next();
                } else {
                    now = until;
                    out.add(new Step(now, at, type, "timeout", Map.of("event", w.event(), "timeout", w.timeout().toString())));
                    at = w.timeoutNext();
                }
            } else if (step instanceof Journey.WaitUntil w) {
                now = Timing.nextTimeOfDay(now, w.time(), zone);
                out.add(new Step(now, at, type, "waited", Map.of("until", now.toString())));
                at = w.next();
            } else if (step instanceof Journey.Branch b) {
                OffsetDateTime t = now;
                boolean yes = db.read(c -> JourneyEngine.matches(c, db.dialect(), b.condition(), tenantId, customerId, t));
                out.add(new Step(now, at, type, yes ? "then" : "else", Map.of("note", "the condition is read on the customer as they are today")));
                at = yes ? b.then() : b.otherwise();
            } else if (step instanceof Journey.Split s) {
                Journey.Arm arm = Timing.arm(s.arms(), customerId, seq);
                out.add(new Step(now, at, type, "arm:" + arm.name(), Map.of("percent", arm.percent())));
                at = arm.next();
            } else if (step instanceof Journey.Send s) {
                OffsetDateTime allowed = Timing.afterQuiet(now, j.quietHours(), zone);
                now = allowed;
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("channel", s.channel());
                detail.put("purpose", s.purpose());
                try {
                    Messages.Preview p = messages.preview(tenantId, new Messages.SendRequest(customerId, s.channel(), s.purpose(), s.subject(), s.text(),
                            s.html(), data, null));
                    if (p.subject() != null) {
                        detail.put("subject", p.subject());
                    }
                    detail.put("text", p.text());
                    if (p.html() != null) {
                        detail.put("html", p.html());
                    }
                } catch (InvalidInputException e) {
                    detail.put("error", e.getMessage());
                }
                String refusal = messages.refusal(tenantId, customer, s.channel(), s.purpose());
                if (refusal != null) {
                    detail.put("reason", refusal);
                }
                out.add(new Step(now, at, type, refusal == null ? "sent" : "rejected", detail));
                at = s.next();
            } else if (step instanceof Journey.SendSurvey v) {
                now = Timing.afterQuiet(now, j.quietHours(), zone);
                out.add(new Step(now, at, type, "sent", Map.of("survey", v.survey().toString(), "note", "not sent in a dry run")));
                at = v.next();
            } else if (step instanceof Journey.Update u) {
                out.add(new Step(now, at, type, "done", Map.of("profile", io.rapport.core.json.Json.toJava(u.patch()))));
                at = u.next();
            } else if (step instanceof Journey.Tag t) {
                out.add(new Step(now, at, type, "done", Map.of("tag", t.tag())));
                at = t.next();
            } else if (step instanceof Journey.Webhook w) {
                out.add(new Step(now, at, type, "done", Map.of("url", w.url().toString(), "note", "not called in a dry run")));
                at = w.next();
            } else if (step instanceof Journey.Task t) {
                String title = Templates.render(t.title(), false, Templates.context(customer, runId, data), "/title");
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("title", title);
                if (t.assignee() != null) {
                    detail.put("assignee", t.assignee());
                }
                out.add(new Step(now, at, type, "done", detail));
                at = t.next();
            } else if (step instanceof Journey.Exit) {
                out.add(new Step(now, at, type, "completed", Map.of()));
                at = null;
            }
            seq++;
            if (now.isAfter(horizon)) {
                return new Result(start, out, "waiting beyond " + HORIZON.toDays() + " days", converted);
            }
        }
        if (j.goal() != null && !converted) {
            OffsetDateTime goalAt = first(timeline, j.goal().event(), start, start, start.plusDays(j.goal().withinDays()));
            if (goalAt != null) {
                converted = true;
                out.add(new Step(goalAt, null, "goal", "converted", Map.of("event", j.goal().event())));
            }
        }
        return new Result(start, out, at == null ? "completed" : "stopped after " + MAX_STEPS + " steps", converted);
    }

    /** @return when the first given event of {@code type} happens in (from, until], or null */
    private static OffsetDateTime first(List<SimulatedEvent> events, String type, OffsetDateTime start, OffsetDateTime from, OffsetDateTime until) {
        for (SimulatedEvent e : events) {
            OffsetDateTime t = start.plus(e.after());
            if (e.type().equals(type) && t.isAfter(from) && !t.isAfter(until)) {
                return t;
            }
        }
        return null;
    }

    private Duration reorderInterval(UUID tenantId, UUID customerId, Duration fallback) {
        return JourneyEngine.reorderInterval(db, tenantId, customerId, fallback);
    }

    /** @return the JSON type name of a step */
    static String type(Journey.Step s) {
        return switch (s.getClass().getSimpleName()) {
            case "Wait" -> "wait";
            case "WaitForEvent" -> "waitForEvent";
            case "WaitUntil" -> "waitUntil";
            case "Branch" -> "branch";
            case "Split" -> "split";
            case "Send" -> "send";
            case "SendSurvey" -> "survey";
            case "Update" -> "update";
            case "Tag" -> "tag";
            case "Webhook" -> "webhook";
            case "Task" -> "task";
            default -> "exit";
        };
    }
}

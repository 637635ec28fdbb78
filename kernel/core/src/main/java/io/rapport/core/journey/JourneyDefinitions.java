package io.rapport.core.journey;

import java.net.URI;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import io.rapport.core.message.Templates;
import io.rapport.core.segment.Condition;
import io.rapport.core.segment.Conditions;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

/**
 * Reads a journey from JSON, refusing anything it does not know with the JSON pointer of the problem, and checks the
 * graph: every target exists, every step is reached from {@code start}, and no cycle runs without a wait (it would
 * loop without end in one instant).
 *
 * <pre>
 * {"trigger": {"type": "event", "event": "cart.updated"},     also segment {segment: id}, date {attribute, time, offsetDays}, manual
 *  "filter": condition,                                        who may enter (a segment condition), optional
 *  "reentry": {"mode": "once" | "always" | "afterDays", "days": 30},
 *  "goal": {"event": "order.completed", "withinDays": 7, "exit": true},
 *  "exitOn": {"unsubscribed": true, "otherJourney": false},
 *  "quietHours": {"start": "21:00", "end": "08:00"},
 *  "frequencyCap": {"messages": 2, "days": 7},
 *  "start": "wait",
 *  "steps": {"wait": {"type": "waitForEvent", "event": "order.completed", "timeout": "PT1H", "next": null, "timeoutNext": "mail"},
 *            "mail": {"type": "send", "channel": "email", "subject": "...", "text": "...", "next": null}}}
 * </pre>
 *
 * Step types: wait {duration, reorderInterval}, waitForEvent {event, timeout, next, timeoutNext}, waitUntil {time},
 * branch {condition, then, else}, split {arms: [{name, percent, next}]}, send {channel, purpose, subject, text, html},
 * update {profile}, tag {tag}, webhook {url}, task {title, assignee}, exit. Durations are ISO-8601 ({@code PT1H},
 * {@code P3D}).
 */
public final class JourneyDefinitions {

    public static final int MAX_STEPS = 100;
    public static final Duration MAX_WAIT = Duration.ofDays(3650);
    static final Pattern STEP_ID = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");
    /** What an event type looks like: lower-case dot-separated words, such as {@code order.completed}. */
    public static final Pattern EVENT_TYPE = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+");
    static final Pattern ATTRIBUTE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,99}");
    static final Pattern CHANNEL = Pattern.compile("[a-z][a-z0-9_-]{0,39}");
    public static final List<String> STEP_TYPES = List.of("wait", "waitForEvent", "waitUntil", "branch", "split", "send", "survey", "update", "tag",
            "webhook", "task", "exit");
    public static final List<String> TRIGGER_TYPES = List.of("event", "segment", "date", "manual");

    private JourneyDefinitions() {
    }

    /** @throws InvalidInputException naming every problem found, with pointers under {@code at} */
    public static Journey parse(JsonValue json, String at) {
        List<FieldError> errors = new ArrayList<>();
        Journey j = read(json, at, errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return j;
    }

    private static Journey read(JsonValue json, String at, List<FieldError> errors) {
        if (json == null || json.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(at, "must be an object with a trigger, a start and steps"));
            return null;
        }
        JsonObject o = json.asJsonObject();
        allowOnly(o, at, errors, "trigger", "filter", "reentry", "goal", "exitOn", "quietHours", "frequencyCap", "start", "steps");
        Journey.Trigger trigger = trigger(o.get("trigger"), at + "/trigger", errors);
        Condition filter = o.containsKey("filter") && o.get("filter").getValueType() != JsonValue.ValueType.NULL
                ? condition(o.get("filter"), at + "/filter", errors) : null;
        Journey.Reentry reentry = reentry(o.get("reentry"), at + "/reentry", errors);
        Journey.Goal goal = goal(o.get("goal"), at + "/goal", errors);
        Journey.Exits exits = exits(o.get("exitOn"), at + "/exitOn", errors);
        Journey.Quiet quiet = quiet(o.get("quietHours"), at + "/quietHours", errors);
        Journey.Cap cap = cap(o.get("frequencyCap"), at + "/frequencyCap", errors);
        String start = text(o.get("start"), at + "/start", errors);
        Map<String, Journey.Step> steps = new LinkedHashMap<>();
        JsonValue s = o.get("steps");
        if (s == null || s.getValueType() != JsonValue.ValueType.OBJECT || s.asJsonObject().isEmpty()) {
            errors.add(new FieldError(at + "/steps", "must be an object of steps by id, such as {\"mail\": {\"type\": \"send\", ...}}"));
        } else if (s.asJsonObject().size() > MAX_STEPS) {
            errors.add(new FieldError(at + "/steps", "a journey has at most " + MAX_STEPS + " steps"));
        } else {
            for (Map.Entry<String, JsonValue> e : s.asJsonObject().entrySet()) {
                String p = at + "/steps/" + pointerToken(e.getKey());
                if (!STEP_ID.matcher(e.getKey()).matches()) {
                    errors.add(new FieldError(p, "a step id starts with a letter and has up to 64 letters, digits, '-' or '_'"));
                    continue;
                }
                Journey.Step step = step(e.getValue(), p, errors);
                if (step != null) {
                    steps.put(e.getKey(), step);
                }
            }
        }
        if (!errors.isEmpty()) {
            return null;
        }
        graph(start, steps, at, errors);
        return errors.isEmpty() ? new Journey(trigger, filter, reentry, goal, exits, quiet, cap, start, Map.copyOf(steps)) : null;
    }

    /** Targets exist, every step is reachable, and every cycle passes a wait. */
    private static void graph(String start, Map<String, Journey.Step> steps, String at, List<FieldError> errors) {
        if (!steps.containsKey(start)) {
            errors.add(new FieldError(at + "/start", "names no step: use one of " + String.join(", ", steps.keySet())));
            return;
        }
        for (Map.Entry<String, Journey.Step> e : steps.entrySet()) {
            for (String t : e.getValue().targets()) {
                if (t != null && !steps.containsKey(t)) {
                    errors.add(new FieldError(at + "/steps/" + e.getKey(), "leads to '" + t + "', which is not a step"));
                }
            }
        }
        if (!errors.isEmpty()) {
            return;
        }
        Set<String> reached = new HashSet<>();
        List<String> todo = new ArrayList<>(List.of(start));
        while (!todo.isEmpty()) {
            String id = todo.remove(todo.size() - 1);
            if (reached.add(id)) {
                steps.get(id).targets().stream().filter(t -> t != null).forEach(todo::add);
            }
        }
        for (String id : steps.keySet()) {
            if (!reached.contains(id)) {
                errors.add(new FieldError(at + "/steps/" + id, "is never reached from the start"));
            }
        }
        // a cycle among steps that take no time would run forever at once: find one, depth first, through non-waits
        Map<String, Integer> color = new HashMap<>();
        for (String id : steps.keySet()) {
            List<String> path = new ArrayList<>();
            if (cycle(id, steps, color, path)) {
                errors.add(new FieldError(at + "/steps/" + path.get(0), "is in a cycle without a wait: " + String.join(" → ", path)
                        + "; put a wait step on the way back"));
                return;
            }
        }
    }

    private static boolean cycle(String id, Map<String, Journey.Step> steps, Map<String, Integer> color, List<String> path) {
        Journey.Step step = steps.get(id);
        if (step.waits()) {
            return false;
        }
        Integer c = color.get(id);
        if (c != null) {
            if (c == 1) {
                int from = path.indexOf(id);
                List<String> loop = new ArrayList<>(path.subList(from, path.size()));
                loop.add(id);
                path.clear();
                path.addAll(loop);
                return true;
            }
            return false;
        }
        color.put(id, 1);
        path.add(id);
        for (String t : step.targets()) {
            if (t != null && cycle(t, steps, color, path)) {
                return true;
            }
        }
        path.remove(path.size() - 1);
        color.put(id, 2);
        return false;
    }

    private static Journey.Trigger trigger(JsonValue v, String p, List<FieldError> errors) {
        if (v == null || v.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(p, "must be an object such as {\"type\": \"event\", \"event\": \"cart.updated\"}"));
            return null;
        }
        JsonObject o = v.asJsonObject();
        String type = text(o.get("type"), p + "/type", errors);
        if (type == null) {
            return null;
        }
        switch (type) {
            case "event" -> {
                allowOnly(o, p, errors, "type", "event");
                String e = eventType(o.get("event"), p + "/event", errors);
                return e == null ? null : new Journey.OnEvent(e);
            }
            case "segment" -> {
                allowOnly(o, p, errors, "type", "segment");
                String id = text(o.get("segment"), p + "/segment", errors);
                try {
                    return id == null ? null : new Journey.OnSegment(UUID.fromString(id));
                } catch (IllegalArgumentException e) {
                    errors.add(new FieldError(p + "/segment", "is a segment's id"));
                    return null;
                }
            }
            case "date" -> {
                allowOnly(o, p, errors, "type", "attribute", "offsetDays", "time");
                String a = text(o.get("attribute"), p + "/attribute", errors);
                if (a != null && !ATTRIBUTE.matcher(a).matches()) {
                    errors.add(new FieldError(p + "/attribute", "is an attribute name"));
                    a = null;
                }
                Integer offset = o.containsKey("offsetDays") ? integer(o.get("offsetDays"), p + "/offsetDays", -366, 366, errors) : Integer.valueOf(0);
                LocalTime time = o.containsKey("time") ? time(o.get("time"), p + "/time", errors) : LocalTime.of(9, 0);
                return a == null || offset == null || time == null ? null : new Journey.OnDate(a, offset, time);
            }
            case "manual" -> {
                allowOnly(o, p, errors, "type");
                return new Journey.Manual();
            }
            default -> {
                errors.add(new FieldError(p + "/type", "is one of " + String.join(", ", TRIGGER_TYPES)));
                return null;
            }
        }
    }

    private static Journey.Reentry reentry(JsonValue v, String p, List<FieldError> errors) {
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return Journey.Reentry.DEFAULT;
        }
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(p, "must be an object such as {\"mode\": \"afterDays\", \"days\": 30}"));
            return null;
        }
        JsonObject o = v.asJsonObject();
        allowOnly(o, p, errors, "mode", "days");
        String mode = text(o.get("mode"), p + "/mode", errors);
        if (mode == null) {
            return null;
        }
        return switch (mode) {
            case "once" -> Journey.Reentry.DEFAULT;
            case "always" -> new Journey.Reentry(Journey.ReentryMode.ALWAYS, 0);
            case "afterDays" -> {
                Integer d = integer(o.get("days"), p + "/days", 1, 3650, errors);
                yield d == null ? null : new Journey.Reentry(Journey.ReentryMode.AFTER_DAYS, d);
            }
            default -> {
                errors.add(new FieldError(p + "/mode", "is one of once, always, afterDays"));
                yield null;
            }
        };
    }

    private static Journey.Goal goal(JsonValue v, String p, List<FieldError> errors) {
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(p, "must be an object such as {\"event\": \"order.completed\", \"withinDays\": 7}"));
            return null;
        }
        JsonObject o = v.asJsonObject();
        allowOnly(o, p, errors, "event", "withinDays", "exit");
        String e = eventType(o.get("event"), p + "/event", errors);
        Integer days = o.containsKey("withinDays") ? integer(o.get("withinDays"), p + "/withinDays", 1, 3650, errors) : Integer.valueOf(30);
        Boolean exit = o.containsKey("exit") ? bool(o.get("exit"), p + "/exit", errors) : Boolean.TRUE;
        return e == null || days == null || exit == null ? null : new Journey.Goal(e, days, exit);
    }

    private static Journey.Exits exits(JsonValue v, String p, List<FieldError> errors) {
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return Journey.Exits.DEFAULT;
        }
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(p, "must be an object such as {\"unsubscribed\": true, \"otherJourney\": false}"));
            return null;
        }
        JsonObject o = v.asJsonObject();
        allowOnly(o, p, errors, "unsubscribed", "otherJourney");
        Boolean unsubscribed = o.containsKey("unsubscribed") ? bool(o.get("unsubscribed"), p + "/unsubscribed", errors) : Boolean.TRUE;
        Boolean other = o.containsKey("otherJourney") ? bool(o.get("otherJourney"), p + "/otherJourney", errors) : Boolean.FALSE;
        return unsubscribed == null || other == null ? null : new Journey.Exits(unsubscribed, other);
    }

    private static Journey.Quiet quiet(JsonValue v, String p, List<FieldError> errors) {
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(p, "must be an object such as {\"start\": \"21:00\", \"end\": \"08:00\"}"));
            return null;
        }
        JsonObject o = v.asJsonObject();
        allowOnly(o, p, errors, "start", "end");
        LocalTime s = time(o.get("start"), p + "/start", errors);
        LocalTime e = time(o.get("end"), p + "/end", errors);
        if (s != null && s.equals(e)) {
            errors.add(new FieldError(p + "/end", "differs from the start"));
            return null;
        }
        return s == null || e == null ? null : new Journey.Quiet(s, e);
    }

    private static Journey.Cap cap(JsonValue v, String p, List<FieldError> errors) {
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(p, "must be an object such as {\"messages\": 2, \"days\": 7}"));
            return null;
        }
        JsonObject o = v.asJsonObject();
        allowOnly(o, p, errors, "messages", "days");
        Integer m = integer(o.get("messages"), p + "/messages", 1, 1000, errors);
        Integer d = integer(o.get("days"), p + "/days", 1, 365, errors);
        return m == null || d == null ? null : new Journey.Cap(m, d);
    }

    private static Journey.Step step(JsonValue v, String p, List<FieldError> errors) {
        if (v == null || v.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(p, "must be an object such as {\"type\": \"wait\", \"duration\": \"P1D\", \"next\": \"mail\"}"));
            return null;
        }
        JsonObject o = v.asJsonObject();
        String type = text(o.get("type"), p + "/type", errors);
        if (type == null) {
            return null;
        }
        int before = errors.size();
        Journey.Step step = switch (type) {
            case "wait" -> {
                allowOnly(o, p, errors, "type", "duration", "reorderInterval", "next");
                Duration d = duration(o.get("duration"), p + "/duration", errors);
                Boolean reorder = o.containsKey("reorderInterval") ? bool(o.get("reorderInterval"), p + "/reorderInterval", errors) : Boolean.FALSE;
                yield d == null || reorder == null ? null : new Journey.Wait(d, reorder, next(o, "next", p, errors));
            }
            case "waitForEvent" -> {
                allowOnly(o, p, errors, "type", "event", "timeout", "next", "timeoutNext");
                String e = eventType(o.get("event"), p + "/event", errors);
                Duration d = duration(o.get("timeout"), p + "/timeout", errors);
                yield e == null || d == null ? null : new Journey.WaitForEvent(e, d, next(o, "next", p, errors), next(o, "timeoutNext", p, errors));
            }
            case "waitUntil" -> {
                allowOnly(o, p, errors, "type", "time", "next");
                LocalTime t = time(o.get("time"), p + "/time", errors);
                yield t == null ? null : new Journey.WaitUntil(t, next(o, "next", p, errors));
            }
            case "branch" -> {
                allowOnly(o, p, errors, "type", "condition", "then", "else");
                Condition c = condition(o.get("condition"), p + "/condition", errors);
                yield c == null ? null : new Journey.Branch(c, next(o, "then", p, errors), next(o, "else", p, errors));
            }
            case "split" -> split(o, p, errors);
            case "send" -> {
                allowOnly(o, p, errors, "type", "channel", "purpose", "subject", "text", "html", "next");
                String channel = text(o.get("channel"), p + "/channel", errors);
                if (channel != null && !CHANNEL.matcher(channel).matches()) {
                    errors.add(new FieldError(p + "/channel", "is a channel type such as email or sms"));
                }
                String purpose = o.containsKey("purpose") ? text(o.get("purpose"), p + "/purpose", errors) : io.rapport.api.customer.Consent.PURPOSE_MARKETING;
                String subject = optionalText(o, "subject", p, errors);
                String text = text(o.get("text"), p + "/text", errors);
                String html = optionalText(o, "html", p, errors);
                template(subject, false, p + "/subject", errors);
                template(text, false, p + "/text", errors);
                template(html, true, p + "/html", errors);
                yield new Journey.Send(channel, purpose, subject, text, html, next(o, "next", p, errors));
            }
            case "survey" -> {
                allowOnly(o, p, errors, "type", "survey", "next");
                String id = text(o.get("survey"), p + "/survey", errors);
                UUID survey = null;
                try {
                    survey = id == null ? null : UUID.fromString(id);
                } catch (IllegalArgumentException e) {
                    errors.add(new FieldError(p + "/survey", "is a survey's id"));
                }
                yield survey == null ? null : new Journey.SendSurvey(survey, next(o, "next", p, errors));
            }
            case "update" -> {
                allowOnly(o, p, errors, "type", "profile", "next");
                if (o.get("profile") == null || o.get("profile").getValueType() != JsonValue.ValueType.OBJECT || o.getJsonObject("profile").isEmpty()) {
                    errors.add(new FieldError(p + "/profile", "must be a merge patch of the profile, such as {\"attributes\": {\"plan\": \"gold\"}}"));
                    yield null;
                }
                yield new Journey.Update(o.getJsonObject("profile"), next(o, "next", p, errors));
            }
            case "tag" -> {
                allowOnly(o, p, errors, "type", "tag", "next");
                String tag = text(o.get("tag"), p + "/tag", errors);
                if (tag != null && (tag.isBlank() || tag.length() > 100)) {
                    errors.add(new FieldError(p + "/tag", "a tag has 1 to 100 characters"));
                }
                yield new Journey.Tag(tag, next(o, "next", p, errors));
            }
            case "webhook" -> {
                allowOnly(o, p, errors, "type", "url", "next");
                String url = text(o.get("url"), p + "/url", errors);
                URI uri = null;
                if (url != null) {
                    try {
                        uri = new URI(url);
                        if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null || uri.getUserInfo() != null) {
                            throw new java.net.URISyntaxException(url, "not an http(s) URL with a host");
                        }
                    } catch (java.net.URISyntaxException e) {
                        errors.add(new FieldError(p + "/url", "is an http or https URL such as https://crm.example.com/hooks/rapport"));
                    }
                }
                yield new Journey.Webhook(uri, next(o, "next", p, errors));
            }
            case "task" -> {
                allowOnly(o, p, errors, "type", "title", "assignee", "next");
                String title = text(o.get("title"), p + "/title", errors);
                if (title != null && (title.isBlank() || title.length() > 500)) {
                    errors.add(new FieldError(p + "/title", "a title has 1 to 500 characters"));
                }
                template(title, false, p + "/title", errors);
                String assignee = optionalText(o, "assignee", p, errors);
                yield new Journey.Task(title, assignee, next(o, "next", p, errors));
            }
            case "exit" -> {
                allowOnly(o, p, errors, "type");
                yield new Journey.Exit();
            }
            default -> {
                errors.add(new FieldError(p + "/type", "'" + type + "' is not a step type: use one of " + String.join(", ", STEP_TYPES)));
                yield null;
            }
        };
        return errors.size() == before ? step : null;
    }

    private static Journey.Step split(JsonObject o, String p, List<FieldError> errors) {
        allowOnly(o, p, errors, "type", "arms");
        JsonValue v = o.get("arms");
        if (v == null || v.getValueType() != JsonValue.ValueType.ARRAY || v.asJsonArray().size() < 2 || v.asJsonArray().size() > 10) {
            errors.add(new FieldError(p + "/arms", "must be 2 to 10 arms such as [{\"name\": \"A\", \"percent\": 50, \"next\": \"a\"}, ...]"));
            return null;
        }
        JsonArray a = v.asJsonArray();
        List<Journey.Arm> arms = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int total = 0;
        for (int i = 0; i < a.size(); i++) {
            String ap = p + "/arms/" + i;
            if (a.get(i).getValueType() != JsonValue.ValueType.OBJECT) {
                errors.add(new FieldError(ap, "must be an object such as {\"name\": \"A\", \"percent\": 50, \"next\": \"a\"}"));
                continue;
            }
            JsonObject arm = a.getJsonObject(i);
            allowOnly(arm, ap, errors, "name", "percent", "next");
            String name = text(arm.get("name"), ap + "/name", errors);
            if (name != null && !STEP_ID.matcher(name).matches()) {
                errors.add(new FieldError(ap + "/name", "starts with a letter and has up to 64 letters, digits, '-' or '_'"));
                name = null;
            } else if (name != null && !names.add(name)) {
                errors.add(new FieldError(ap + "/name", "is the name of another arm"));
                name = null;
            }
            Integer percent = integer(arm.get("percent"), ap + "/percent", 1, 99, errors);
            if (name != null && percent != null) {
                total += percent;
                arms.add(new Journey.Arm(name, percent, next(arm, "next", ap, errors)));
            }
        }
        if (arms.size() == a.size() && total != 100) {
            errors.add(new FieldError(p + "/arms", "the arms' percentages add up to " + total + ", not 100"));
        }
        return new Journey.Split(List.copyOf(arms));
    }

    // --- values -------------------------------------------------------------------------------------------

    private static Condition condition(JsonValue v, String p, List<FieldError> errors) {
        try {
            return Conditions.parse(v, p);
        } catch (InvalidInputException e) {
            errors.addAll(e.errors());
            return null;
        }
    }

    private static void template(String t, boolean html, String p, List<FieldError> errors) {
        try {
            Templates.compile(t, html, p);
        } catch (InvalidInputException e) {
            errors.addAll(e.errors());
        }
    }

    /** A target step id, or null (absent or JSON null): the journey ends there. */
    private static String next(JsonObject o, String key, String p, List<FieldError> errors) {
        JsonValue v = o.get(key);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.STRING) {
            errors.add(new FieldError(p + "/" + key, "is a step id, or null to end the journey"));
            return null;
        }
        return ((jakarta.json.JsonString) v).getString();
    }

    private static String eventType(JsonValue v, String p, List<FieldError> errors) {
        String e = text(v, p, errors);
        if (e != null && !EVENT_TYPE.matcher(e).matches()) {
            errors.add(new FieldError(p, "is an event type such as order.completed"));
            return null;
        }
        return e;
    }

    private static Duration duration(JsonValue v, String p, List<FieldError> errors) {
        String s = text(v, p, errors);
        if (s == null) {
            return null;
        }
        try {
            Duration d = Duration.parse(s);
            if (d.isNegative() || d.isZero() || d.compareTo(MAX_WAIT) > 0) {
                errors.add(new FieldError(p, "is longer than zero and at most ten years"));
                return null;
            }
            return d;
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(p, "is an ISO-8601 duration such as PT30M, PT1H or P3D"));
            return null;
        }
    }

    private static LocalTime time(JsonValue v, String p, List<FieldError> errors) {
        String s = text(v, p, errors);
        if (s == null) {
            return null;
        }
        if (!s.matches("\\d\\d:\\d\\d")) {
            errors.add(new FieldError(p, "is a time of day such as 09:30"));
            return null;
        }
        try {
            return LocalTime.parse(s);
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(p, "is a time of day such as 09:30"));
            return null;
        }
    }

    private static Integer integer(JsonValue v, String p, int min, int max, List<FieldError> errors) {
        if (v == null || v.getValueType() != JsonValue.ValueType.NUMBER || !((jakarta.json.JsonNumber) v).isIntegral()
                || ((jakarta.json.JsonNumber) v).longValue() < min || ((jakarta.json.JsonNumber) v).longValue() > max) {
            errors.add(new FieldError(p, "is a whole number from " + min + " to " + max));
            return null;
        }
        return ((jakarta.json.JsonNumber) v).intValue();
    }

    private static Boolean bool(JsonValue v, String p, List<FieldError> errors) {
        if (v == JsonValue.TRUE) {
            return true;
        }
        if (v == JsonValue.FALSE) {
            return false;
        }
        errors.add(new FieldError(p, "is true or false"));
        return null;
    }

    private static String text(JsonValue v, String p, List<FieldError> errors) {
        if (v == null || v.getValueType() != JsonValue.ValueType.STRING || ((jakarta.json.JsonString) v).getString().isBlank()) {
            errors.add(new FieldError(p, "is required (a non-empty string)"));
            return null;
        }
        String s = ((jakarta.json.JsonString) v).getString();
        if (s.length() > 20_000) {
            errors.add(new FieldError(p, "has at most 20000 characters"));
            return null;
        }
        return s;
    }

    private static String optionalText(JsonObject o, String key, String p, List<FieldError> errors) {
        JsonValue v = o.get(key);
        return v == null || v.getValueType() == JsonValue.ValueType.NULL ? null : text(v, p + "/" + key, errors);
    }

    private static void allowOnly(JsonObject o, String p, List<FieldError> errors, String... keys) {
        Set<String> allowed = Set.of(keys);
        for (String k : o.keySet()) {
            if (!allowed.contains(k)) {
                errors.add(new FieldError(p + "/" + pointerToken(k), "is not a member here: use " + String.join(", ", keys)));
            }
        }
    }

    static String pointerToken(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    /** @return the attribute names a condition reads, for the check that some profile has them */
    public static Set<String> attributes(Condition c) {
        Set<String> out = new java.util.TreeSet<>();
        collect(c, out);
        return out;
    }

    private static void collect(Condition c, Set<String> out) {
        if (c instanceof Condition.All a) {
            a.conditions().forEach(x -> collect(x, out));
        } else if (c instanceof Condition.Any a) {
            a.conditions().forEach(x -> collect(x, out));
        } else if (c instanceof Condition.Not n) {
            collect(n.condition(), out);
        } else if (c instanceof Condition.Attribute a) {
            out.add(a.name());
        }
    }
}

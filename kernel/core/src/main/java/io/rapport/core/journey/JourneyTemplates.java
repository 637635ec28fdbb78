package io.rapport.core.journey;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.core.json.Json;
import io.rapport.core.segment.SegmentStore;
import io.rapport.core.validation.NotFoundException;
import jakarta.json.JsonObject;

/**
 * Ready-made journeys: welcome series, abandoned cart, post-purchase follow-up and review request, win-back,
 * replenishment and birthday. A template may need segments of its own (win-back needs "no order in 90 days"): they are
 * created when the template is used, unless the shop has a segment of that name already.
 */
public final class JourneyTemplates {

    /** The templates, in the order the console offers them. */
    public static final List<String> NAMES = List.of("welcome", "abandoned-cart", "post-purchase", "win-back", "replenishment", "birthday");

    /** A template as offered: its definition may hold {@code {{segment:key}}} where a segment's id goes. */
    public record Template(String name, String title, String description, JsonObject definition, JsonObject segments) {
    }

    private JourneyTemplates() {
    }

    public static List<Template> all() {
        List<Template> out = new ArrayList<>();
        NAMES.forEach(n -> out.add(get(n)));
        return out;
    }

    public static Template get(String name) {
        if (!NAMES.contains(name)) {
            throw new NotFoundException("no journey template '" + name + "': use one of " + String.join(", ", NAMES));
        }
        try (InputStream in = JourneyTemplates.class.getResourceAsStream("templates/" + name + ".json")) {
            JsonObject o = Json.readObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return new Template(name, o.getString("title"), o.getString("description"), o.getJsonObject("definition"),
                    o.containsKey("segments") ? o.getJsonObject("segments") : Json.object().build());
        } catch (IOException e) {
            throw new IllegalStateException("template " + name + " cannot be read", e);
        }
    }

    /** @return the template's definition for this shop, with the segments it needs (created if missing) in place */
    public static JsonObject instantiate(String name, UUID tenantId, SegmentStore segments) {
        Template t = get(name);
        String text = Json.write(t.definition());
        Map<String, UUID> ids = new LinkedHashMap<>();
        for (String key : t.segments().keySet()) {
            JsonObject s = t.segments().getJsonObject(key);
            String segmentName = s.getString("name");
            UUID id = segments.list(tenantId).stream().filter(x -> x.name().equals(segmentName)).map(SegmentStore.Segment::id).findFirst()
                    .orElseGet(() -> segments.create(tenantId, segmentName, "Created for the journey template " + t.title(),
                            Json.object().add("condition", s.get("condition")).build()).id());
            ids.put(key, id);
        }
        for (Map.Entry<String, UUID> e : ids.entrySet()) {
            text = text.replace("{{segment:" + e.getKey() + "}}", e.getValue().toString());
        }
        return Json.readObject(text);
    }
}

package io.rapport.core.message;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Customer;
import io.rapport.core.validation.InvalidInputException;

/**
 * Renders message templates with Mustache: logic-less, so a template from a request can only read the values it is
 * given, never run code. HTML parts escape every value; subject and text parts are plain text. Partials are not
 * loaded, and a missing value renders as nothing.
 */
public final class Templates {

    /** Template variable: the recipient's profile. */
    public static final String CUSTOMER = "customer";
    /** Template variable: the sender's extra values. */
    public static final String DATA = "data";
    /** Template variable: the message (its id). */
    public static final String MESSAGE = "message";
    /**
     * Template variable of a survey's message: {@code survey.link}, {@code survey.question}, {@code survey.name} and
     * the list {@code survey.scores} of {@code {score, link}} (a link per score); empty in every other message.
     */
    public static final String SURVEY = "survey";
    /** What a template reads under {@link #SURVEY}. */
    public static final List<String> SURVEY_FIELDS = List.of("link", "question", "name", "scores");

    private static final Mustache.Compiler HTML = Mustache.compiler().escapeHTML(true).defaultValue("")
            .withLoader(name -> {
                throw new IllegalArgumentException("templates cannot include other templates ({{> " + name + "}})");
            });
    private static final Mustache.Compiler TEXT = HTML.escapeHTML(false);

    private Templates() {
    }

    /** Compiled templates by kind and source: a campaign sends one template to many customers. */
    private record Key(boolean html, String source) {
    }

    static final int CACHE_SIZE = 256;
    private static final java.util.concurrent.ConcurrentHashMap<Key, Template> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param field the JSON pointer of the template, for errors
     * @return the rendered text, or null if {@code template} is null
     * @throws InvalidInputException if the template does not parse or reads a value no message has
     */
    public static String render(String template, boolean html, Map<String, Object> context, String field) {
        if (template == null) {
            return null;
        }
        return execute(compile(template, html, field), context, field);
    }

    /**
     * Compiles and checks a template once (cached), for rendering it for many customers with {@link #execute}.
     *
     * @return the template, or null if {@code template} is null
     * @throws InvalidInputException if the template does not parse or reads a value no message has
     */
    public static Template compile(String template, boolean html, String field) {
        if (template == null) {
            return null;
        }
        Key key = new Key(html, template);
        Template cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        Template t;
        try {
            t = (html ? HTML : TEXT).compile(template);
        } catch (MustacheException | IllegalArgumentException e) {
            throw new InvalidInputException(field, "is not a valid Mustache template: " + e.getMessage());
        }
        String unknown = unknownVariable(t);
        if (unknown != null) {
            throw new InvalidInputException(field, "uses {{" + unknown + "}}, which is not a value a template can read; it reads customer.<"
                    + String.join("|", CUSTOMER_FIELDS) + ">, customer.attributes.<name>, data.<name> and message.id");
        }
        if (CACHE.size() >= CACHE_SIZE) {
            CACHE.clear(); // crude but bounded: a burst of one-off templates cannot grow it
        }
        CACHE.put(key, t);
        return t;
    }

    /** @return the compiled template rendered over the context, or null for a null template */
    public static String execute(Template t, Map<String, Object> context, String field) {
        if (t == null) {
            return null;
        }
        try {
            return t.execute(context);
        } catch (MustacheException | IllegalArgumentException e) {
            throw new InvalidInputException(field, "cannot be rendered: " + e.getMessage());
        }
    }

    /** The profile's fields a template may read as {@code customer.<field>}: what {@link #context} puts there. */
    static final List<String> CUSTOMER_FIELDS = List.of("id", "email", "phone", "firstName", "lastName", "locale", "timeZone", "stage", "orderCount",
            "revenue", "attributes", "tags");

    /**
     * @return the first variable or section name outside a section that no context can have (a typo such as
     *         {{customer.frstName}}), or null. Names inside sections are relative to the section's value and not checked.
     */
    static String unknownVariable(Template t) {
        String[] found = {null};
        t.visit(new Mustache.Visitor() {
            @Override
            public void visitText(String text) {
            }

            @Override
            public void visitVariable(String name) {
                check(name);
            }

            @Override
            public boolean visitInclude(String name) {
                return false;
            }

            @Override
            public boolean visitSection(String name) {
                check(name);
                return false;
            }

            @Override
            public boolean visitInvertedSection(String name) {
                check(name);
                return false;
            }

            private void check(String name) {
                if (found[0] == null && !known(name)) {
                    found[0] = name;
                }
            }
        });
        return found[0];
    }

    private static boolean known(String name) {
        String[] p = name.split("\\.", -1);
        return switch (p[0]) {
            case CUSTOMER -> p.length == 1 || CUSTOMER_FIELDS.contains(p[1]) && (p.length == 2 || p[1].equals("attributes") && p.length == 3);
            case DATA -> true;
            case MESSAGE -> p.length == 1 || p.length == 2 && p[1].equals("id");
            case SURVEY -> p.length == 2 && SURVEY_FIELDS.contains(p[1]);
            default -> false;
        };
    }

    /** @return the values a template sees for this customer, message and data */
    public static Map<String, Object> context(Customer c, java.util.UUID messageId, Map<String, Object> data) {
        Map<String, Object> customer = new LinkedHashMap<>();
        customer.put("id", c.id().toString());
        customer.put("email", c.email());
        customer.put("phone", c.phone());
        customer.put("firstName", c.firstName());
        customer.put("lastName", c.lastName());
        customer.put("locale", c.locale());
        customer.put("timeZone", c.timeZone());
        customer.put("stage", c.stage());
        customer.put("orderCount", c.orderCount());
        customer.put("revenue", c.revenue() == null ? BigDecimal.ZERO : c.revenue());
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, AttributeValue> e : c.attributes().entrySet()) {
            attributes.put(e.getKey(), e.getValue().value() instanceof List<?> l ? l : String.valueOf(e.getValue().value()));
        }
        customer.put("attributes", attributes);
        customer.put("tags", List.copyOf(c.tags()));
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put(CUSTOMER, customer);
        ctx.put(DATA, data == null ? Map.of() : data);
        ctx.put(MESSAGE, Map.of("id", messageId.toString()));
        // a survey's message carries its values in data.survey (Surveys puts them there); others see an empty survey
        ctx.put(SURVEY, data != null && data.get(SURVEY) instanceof Map<?, ?> m ? m : Map.of());
        return ctx;
    }
}

package io.rapport.core.plugin;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * A component's configuration form, from its Metatype {@link ObjectClassDefinition}: rendered as JSON Schema
 * (2020-12) for the console, and used to check and type the values an admin sends before they reach Config Admin.
 * Passwords are write-only: they are never read back, and a missing password keeps the one already set.
 */
public final class ConfigSchema {

    /** JSON Schema keyword for a value that is sent but never returned (passwords). */
    public static final String WRITE_ONLY = "writeOnly";
    /** Config Admin properties that belong to the framework, not to the form. */
    static final Set<String> FRAMEWORK_PROPERTIES = Set.of("service.pid", "service.factoryPid", "service.bundleLocation",
            "felix.fileinstall.filename", "component.name", "component.id");

    private final String pid;
    private final ObjectClassDefinition ocd;
    private final Map<String, AttributeDefinition> attributes = new LinkedHashMap<>();
    private final Set<String> required = new java.util.LinkedHashSet<>();

    public ConfigSchema(String pid, ObjectClassDefinition ocd) {
        this.pid = pid;
        this.ocd = ocd;
        AttributeDefinition[] req = ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED);
        AttributeDefinition[] opt = ocd.getAttributeDefinitions(ObjectClassDefinition.OPTIONAL);
        for (AttributeDefinition a : req == null ? new AttributeDefinition[0] : req) {
            attributes.put(a.getID(), a);
            required.add(a.getID());
        }
        for (AttributeDefinition a : opt == null ? new AttributeDefinition[0] : opt) {
            attributes.put(a.getID(), a);
        }
    }

    public String pid() {
        return pid;
    }

    /** @return the names of the password attributes */
    public Set<String> passwords() {
        Set<String> out = new java.util.TreeSet<>();
        attributes.values().stream().filter(a -> a.getType() == AttributeDefinition.PASSWORD).forEach(a -> out.add(a.getID()));
        return out;
    }

    /** @return the form as a JSON Schema object */
    public Map<String, Object> toJsonSchema() {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        schema.put("$id", "urn:rapport:config:" + pid);
        schema.put("title", ocd.getName());
        if (ocd.getDescription() != null) {
            schema.put("description", ocd.getDescription());
        }
        schema.put("type", "object");
        Map<String, Object> props = new LinkedHashMap<>();
        for (AttributeDefinition a : attributes.values()) {
            props.put(a.getID(), property(a));
        }
        schema.put("properties", props);
        List<String> req = new ArrayList<>();
        for (String id : required) {
            // a required attribute with a default can be left out: the default applies
            if (attributes.get(id).getDefaultValue() == null) {
                req.add(id);
            }
        }
        schema.put("required", req);
        schema.put("additionalProperties", false);
        return schema;
    }

    private static Map<String, Object> property(AttributeDefinition a) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("type", jsonType(a.getType()));
        if (a.getType() == AttributeDefinition.PASSWORD) {
            item.put("format", "password");
            item.put(WRITE_ONLY, true);
        }
        String[] values = a.getOptionValues();
        String[] labels = a.getOptionLabels();
        if (values != null && values.length > 0) {
            List<Object> oneOf = new ArrayList<>();
            for (int i = 0; i < values.length; i++) {
                oneOf.add(Map.of("const", typed(a.getType(), values[i]), "title", labels != null && i < labels.length ? labels[i] : values[i]));
            }
            item.put("oneOf", oneOf);
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("title", a.getName() == null ? a.getID() : a.getName());
        if (a.getDescription() != null && !a.getDescription().isBlank()) {
            p.put("description", a.getDescription());
        }
        String[] defaults = a.getDefaultValue();
        if (a.getCardinality() == 0) {
            p.putAll(item);
            if (defaults != null && defaults.length > 0 && a.getType() != AttributeDefinition.PASSWORD) {
                p.put("default", typed(a.getType(), defaults[0]));
            }
        } else {
            p.put("type", "array");
            p.put("items", item);
            if (Math.abs(a.getCardinality()) != Integer.MAX_VALUE) {
                p.put("maxItems", Math.abs(a.getCardinality()));
            }
            if (defaults != null) {
                List<Object> d = new ArrayList<>();
                for (String v : defaults) {
                    d.add(typed(a.getType(), v));
                }
                p.put("default", d);
            }
        }
        return p;
    }

    private static String jsonType(int type) {
        return switch (type) {
            case AttributeDefinition.LONG, AttributeDefinition.INTEGER, AttributeDefinition.SHORT, AttributeDefinition.BYTE -> "integer";
            case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> "number";
            case AttributeDefinition.BOOLEAN -> "boolean";
            default -> "string";
        };
    }

    private static Object typed(int type, String value) {
        try {
            return switch (type) {
                case AttributeDefinition.LONG, AttributeDefinition.INTEGER, AttributeDefinition.SHORT, AttributeDefinition.BYTE -> Long.parseLong(value.trim());
                case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> new BigDecimal(value.trim());
                case AttributeDefinition.BOOLEAN -> Boolean.parseBoolean(value.trim());
                default -> value;
            };
        } catch (NumberFormatException e) {
            return value;
        }
    }

    /**
     * Checks an admin's values against the form and types them for Config Admin.
     *
     * @param input    the values as parsed from JSON (String, BigDecimal, Boolean, List)
     * @param previous the configuration in force, or null: passwords left out keep their value from it
     * @return the properties to give Config Admin
     * @throws InvalidInputException naming every bad value by its JSON pointer
     */
    public Dictionary<String, Object> validate(Map<String, Object> input, Dictionary<String, Object> previous) {
        List<FieldError> errors = new ArrayList<>();
        Hashtable<String, Object> out = new Hashtable<>();
        for (String key : input.keySet()) {
            if (!attributes.containsKey(key)) {
                errors.add(new FieldError("/" + key, "is not a setting of " + ocd.getName() + "; settings are " + attributes.keySet()));
            }
        }
        for (AttributeDefinition a : attributes.values()) {
            String field = "/" + a.getID();
            Object raw = input.get(a.getID());
            if (raw == null && a.getType() == AttributeDefinition.PASSWORD && previous != null && previous.get(a.getID()) != null) {
                out.put(a.getID(), previous.get(a.getID()));
                continue;
            }
            if (raw == null) {
                if (required.contains(a.getID()) && a.getDefaultValue() == null) {
                    errors.add(new FieldError(field, "is required"));
                }
                continue;
            }
            Object value = a.getCardinality() == 0 ? scalar(a, raw, field, errors) : array(a, raw, field, errors);
            if (value != null) {
                out.put(a.getID(), value);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return out;
    }

    private static Object array(AttributeDefinition a, Object raw, String field, List<FieldError> errors) {
        if (!(raw instanceof Collection<?> list)) {
            errors.add(new FieldError(field, "must be an array"));
            return null;
        }
        if (list.size() > Math.abs(a.getCardinality())) {
            errors.add(new FieldError(field, "takes at most " + Math.abs(a.getCardinality()) + " values"));
            return null;
        }
        List<Object> typed = new ArrayList<>();
        int i = 0;
        for (Object item : list) {
            Object v = scalar(a, item, field + "/" + i++, errors);
            if (v == null) {
                return null;
            }
            typed.add(v);
        }
        Object arr = java.lang.reflect.Array.newInstance(javaType(a.getType()), typed.size());
        for (int j = 0; j < typed.size(); j++) {
            java.lang.reflect.Array.set(arr, j, typed.get(j));
        }
        return arr;
    }

    private static Class<?> javaType(int type) {
        return switch (type) {
            case AttributeDefinition.LONG -> Long.class;
            case AttributeDefinition.INTEGER -> Integer.class;
            case AttributeDefinition.SHORT -> Short.class;
            case AttributeDefinition.BYTE -> Byte.class;
            case AttributeDefinition.DOUBLE -> Double.class;
            case AttributeDefinition.FLOAT -> Float.class;
            case AttributeDefinition.BOOLEAN -> Boolean.class;
            case AttributeDefinition.CHARACTER -> Character.class;
            default -> String.class;
        };
    }

    private static Object scalar(AttributeDefinition a, Object raw, String field, List<FieldError> errors) {
        int type = a.getType();
        Object value;
        try {
            value = switch (type) {
                case AttributeDefinition.LONG, AttributeDefinition.INTEGER, AttributeDefinition.SHORT, AttributeDefinition.BYTE -> {
                    if (!(raw instanceof BigDecimal n)) {
                        throw new IllegalArgumentException("must be a whole number");
                    }
                    long l = n.longValueExact();
                    yield switch (type) {
                        case AttributeDefinition.INTEGER -> Math.toIntExact(l);
                        case AttributeDefinition.SHORT -> n.shortValueExact();
                        case AttributeDefinition.BYTE -> n.byteValueExact();
                        default -> l;
                    };
                }
                case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> {
                    if (!(raw instanceof BigDecimal n)) {
                        throw new IllegalArgumentException("must be a number");
                    }
                    yield type == AttributeDefinition.FLOAT ? (Object) n.floatValue() : (Object) n.doubleValue();
                }
                case AttributeDefinition.BOOLEAN -> {
                    if (!(raw instanceof Boolean b)) {
                        throw new IllegalArgumentException("must be true or false");
                    }
                    yield b;
                }
                case AttributeDefinition.CHARACTER -> {
                    if (!(raw instanceof String s) || s.length() != 1) {
                        throw new IllegalArgumentException("must be one character");
                    }
                    yield s.charAt(0);
                }
                default -> {
                    if (!(raw instanceof String s)) {
                        throw new IllegalArgumentException("must be a string");
                    }
                    yield s;
                }
            };
        } catch (ArithmeticException e) {
            errors.add(new FieldError(field, "is out of range"));
            return null;
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(field, e.getMessage()));
            return null;
        }
        String[] options = a.getOptionValues();
        if (options != null && options.length > 0 && !List.of(options).contains(String.valueOf(value))) {
            errors.add(new FieldError(field, "must be one of " + List.of(options)));
            return null;
        }
        String problem = a.validate(String.valueOf(value));
        if (problem != null && !problem.isEmpty()) {
            errors.add(new FieldError(field, problem));
            return null;
        }
        return value;
    }

    /** @return a configuration's values for reading back: framework properties and passwords left out */
    public static Map<String, Object> readable(Dictionary<String, Object> props, Set<String> passwords) {
        Map<String, Object> out = new java.util.TreeMap<>();
        if (props == null) {
            return out;
        }
        for (java.util.Enumeration<String> keys = props.keys(); keys.hasMoreElements(); ) {
            String k = keys.nextElement();
            if (FRAMEWORK_PROPERTIES.contains(k) || passwords.contains(k)) {
                continue;
            }
            Object v = props.get(k);
            out.put(k, v != null && v.getClass().isArray() ? toList(v) : v);
        }
        return out;
    }

    static List<Object> toList(Object array) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < java.lang.reflect.Array.getLength(array); i++) {
            out.add(java.lang.reflect.Array.get(array, i));
        }
        return out;
    }
}

package io.rapport.connector.csv;

import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import io.rapport.api.customer.AttributeType;

/**
 * How a file's columns are mapped: for each column, the custom mapping's target, else the preset's, else a generic
 * column name's, else (contacts) an attribute named after the header whose type is inferred from the sample, or
 * (orders) nothing. Built once per file, from the header and the sample, so a resumed job maps as the first run did.
 *
 * @param preset       the preset used, or null
 * @param columns      one plan per column
 * @param dateOrder    how to read ambiguous dates
 * @param dateFormats  the preset's extra date patterns
 * @param decimalComma whether numbers write decimals with a comma (a {@code ;}-separated file)
 */
public record MappingPlan(Preset preset, List<ColumnPlan> columns, DateOrder dateOrder, List<DateTimeFormatter> dateFormats,
                          boolean decimalComma) {

    private static final Pattern LEADING_ZERO = Pattern.compile("[-+]?0\\d.*");

    public MappingPlan {
        columns = List.copyOf(columns);
        dateFormats = List.copyOf(dateFormats);
    }

    /**
     * @param header  the file's column names
     * @param options the import's options (custom mapping, date order)
     * @param preset  the preset, or null
     * @param kind    contacts or orders
     * @param sample  the file's first records, to infer attribute types from
     * @param delimiter the file's delimiter ({@code ;} means decimal commas)
     */
    static MappingPlan build(List<String> header, CsvOptions options, Preset preset, Preset.Kind kind, List<CsvRecord> sample,
                             Delimiter delimiter) {
        DateOrder order = options.dateOrder() != null ? options.dateOrder()
                : preset != null && preset.dateOrder() != null ? preset.dateOrder() : DateOrder.DMY;
        List<DateTimeFormatter> formats = preset == null ? List.of() : preset.formatters();
        boolean decimalComma = delimiter == Delimiter.SEMICOLON;
        Map<String, String> generic = kind == Preset.Kind.CONTACTS ? Presets.GENERIC_CONTACTS : Presets.GENERIC_ORDERS;
        List<ColumnPlan> plans = new ArrayList<>();
        Set<String> attributeNames = new HashSet<>();
        for (int i = 0; i < header.size(); i++) {
            String h = header.get(i);
            String source;
            Target target;
            Optional<String> custom = custom(options.mapping(), h, i);
            Optional<String> fromPreset = preset == null ? Optional.empty() : preset.targetOf(h);
            String fromGeneric = generic.get(h.trim().toLowerCase(Locale.ROOT));
            if (custom.isPresent()) {
                source = ColumnPlan.FROM_MAPPING;
                target = Target.parse(custom.get(), h);
            } else if (fromPreset.isPresent()) {
                source = ColumnPlan.FROM_PRESET;
                target = Target.parse(fromPreset.get(), h);
            } else if (fromGeneric != null) {
                source = ColumnPlan.FROM_GENERIC;
                target = Target.parse(fromGeneric, h);
            } else if (kind == Preset.Kind.CONTACTS && !Target.normaliseName(h).isEmpty()) {
                source = ColumnPlan.FROM_INFERENCE;
                target = Target.attribute(h, null);
            } else {
                source = ColumnPlan.FROM_INFERENCE;
                target = Target.IGNORED;
            }
            if (target.kind() == Target.Kind.ATTRIBUTE) {
                String name = unique(target.name(), attributeNames);
                AttributeType type = target.type() != null ? target.type() : infer(sample, i, order, formats, decimalComma);
                target = new Target(Target.Kind.ATTRIBUTE, name, null, type, false);
            }
            plans.add(new ColumnPlan(i, h, target, source));
        }
        return new MappingPlan(preset, plans, order, formats, decimalComma);
    }

    /** @return the index of the first column with that header (without case), or -1 */
    int indexOf(String header) {
        for (ColumnPlan c : columns) {
            if (c.header().equalsIgnoreCase(header)) {
                return c.index();
            }
        }
        return -1;
    }

    /**
     * Infers a column's type from the sample: BOOLEAN when every value is a yes/no word, NUMBER when every value is
     * a number (not one with a leading zero or a plus sign: codes and phone numbers stay text), DATE when every value
     * is a date, else STRING. Fewer than three values: STRING.
     */
    static AttributeType infer(List<CsvRecord> sample, int column, DateOrder order, List<DateTimeFormatter> formats, boolean decimalComma) {
        List<String> values = new ArrayList<>();
        for (CsvRecord r : sample) {
            String v = r.failed() ? null : r.field(column);
            if (v != null && !v.isBlank()) {
                values.add(v.trim());
            }
        }
        if (values.size() < 3) {
            return AttributeType.STRING;
        }
        if (values.stream().allMatch(v -> !v.matches("[01]") && Values.booleanOrNull(v) != null)) {
            return AttributeType.BOOLEAN;
        }
        if (values.stream().allMatch(v -> isNumber(v, decimalComma))) {
            return AttributeType.NUMBER;
        }
        if (values.stream().allMatch(v -> isDate(v, order, formats))) {
            return AttributeType.DATE;
        }
        return AttributeType.STRING;
    }

    private static boolean isNumber(String v, boolean decimalComma) {
        if (LEADING_ZERO.matcher(v).matches() && !v.matches("[-+]?0[.,]\\d+") || v.startsWith("+") || v.replaceAll("\\D", "").length() > 15) {
            return false;
        }
        try {
            Values.parseNumber(v, decimalComma);
            return true;
        } catch (BadValueException e) {
            return false;
        }
    }

    private static boolean isDate(String v, DateOrder order, List<DateTimeFormatter> formats) {
        try {
            Values.parseDate(v, order, formats);
            return true;
        } catch (BadValueException e) {
            return false;
        }
    }

    private static Optional<String> custom(Map<String, String> mapping, String header, int index) {
        for (Map.Entry<String, String> e : mapping.entrySet()) {
            if (e.getKey().trim().equalsIgnoreCase(header.trim())) {
                return Optional.of(e.getValue());
            }
        }
        String number = Integer.toString(index + 1);
        for (Map.Entry<String, String> e : mapping.entrySet()) {
            String k = e.getKey().trim();
            if (k.equals(number) || k.equals("#" + number)) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    private static String unique(String name, Set<String> taken) {
        String n = name;
        for (int i = 2; !taken.add(n); i++) {
            n = name + "_" + i;
        }
        return n;
    }
}

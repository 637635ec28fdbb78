package io.rapport.connector.csv;

import java.nio.charset.Charset;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The options of a CSV import, as an import job stores them ({@code Map<String,String>}, keys below). Every option
 * may be absent: the reader then detects (encoding, delimiter, preset) or takes the default.
 *
 * @param preset    a preset's name ({@link Presets}), or null to detect it from the header
 * @param mapping   column header (or 1-based column number) to target, overriding the preset; never null
 * @param delimiter the field separator, or null to sniff it
 * @param encoding  the character set, or null to detect it
 * @param dateOrder how to read 03/04/2021, or null for the preset's order (else DMY)
 * @param hasHeader whether the first record is the header; false needs {@code columns}
 * @param columns   the column names of a file without header (or to rename a header's columns), or empty
 * @param timeZone  the zone of date-times that have no offset
 * @param currency  the ISO 4217 currency of orders whose file has none, or null for the tenant's
 */
public record CsvOptions(String preset, Map<String, String> mapping, Delimiter delimiter, Charset encoding, DateOrder dateOrder,
                         boolean hasHeader, List<String> columns, ZoneId timeZone, String currency) {

    /** Option key: a preset name, such as {@code hubspot}; absent or {@code auto} detects it, {@code none} uses none. */
    public static final String PRESET = "preset";
    /** Option key: a JSON object of column to target, such as {@code {"E-mail":"email","Score":"attribute:score:NUMBER"}}. */
    public static final String MAPPING = "mapping";
    /** Option key: {@code comma}, {@code semicolon}, {@code tab}, {@code pipe}, {@code whitespace} or the character. */
    public static final String DELIMITER = "delimiter";
    /** Option key: a charset name such as {@code UTF-8}, {@code windows-1252}, {@code UTF-16}. */
    public static final String ENCODING = "encoding";
    /** Option key: {@code DMY}, {@code MDY} or {@code YMD}; default the preset's, else {@code DMY}. */
    public static final String DATE_ORDER = "dateOrder";
    /** Option key: {@code true} (default) or {@code false}. */
    public static final String HAS_HEADER = "hasHeader";
    /** Option key: comma-separated column names, for a file without header. */
    public static final String COLUMNS = "columns";
    /** Option key: an IANA zone for date-times without offset; default {@code UTC}. */
    public static final String TIME_ZONE = "timeZone";
    /** Option key: the default ISO 4217 currency of orders. */
    public static final String CURRENCY = "currency";

    /** {@link #PRESET} value: detect the preset from the header (the default). */
    public static final String PRESET_AUTO = "auto";
    /** {@link #PRESET} value: no preset, only the generic column names and the custom mapping. */
    public static final String PRESET_NONE = "none";

    /** Every key this record reads. */
    public static final List<String> KEYS = List.of(PRESET, MAPPING, DELIMITER, ENCODING, DATE_ORDER, HAS_HEADER, COLUMNS, TIME_ZONE, CURRENCY);

    public CsvOptions {
        mapping = mapping == null ? Map.of() : Map.copyOf(mapping);
        columns = columns == null ? List.of() : List.copyOf(columns);
        timeZone = timeZone == null ? ZoneId.of("UTC") : timeZone;
        if (!hasHeader && columns.isEmpty()) {
            throw new IllegalArgumentException("a file without header needs the '" + COLUMNS + "' option");
        }
    }

    /** @return the defaults: everything detected */
    public static CsvOptions defaults() {
        return parse(Map.of());
    }

    /**
     * Reads options as a job stores them. Unknown keys are ignored (another format's options).
     *
     * @throws IllegalArgumentException naming the key and the value when one is malformed
     */
    public static CsvOptions parse(Map<String, String> options) {
        Map<String, String> o = options == null ? Map.of() : options;
        String preset = blankToNull(o.get(PRESET));
        if (preset != null) {
            preset = preset.trim().toLowerCase(Locale.ROOT);
            if (!preset.equals(PRESET_AUTO) && !preset.equals(PRESET_NONE) && Presets.byName(preset).isEmpty()) {
                throw new IllegalArgumentException("'" + o.get(PRESET) + "' is not a preset: use one of " + Presets.names() + ", auto or none");
            }
            if (preset.equals(PRESET_AUTO)) {
                preset = null;
            }
        }
        String mappingJson = blankToNull(o.get(MAPPING));
        Map<String, String> mapping = mappingJson == null ? Map.of() : JsonStrings.parseObject(mappingJson);
        for (Map.Entry<String, String> e : mapping.entrySet()) {
            Target.parse(e.getValue(), e.getKey());
        }
        String d = o.get(DELIMITER);
        Delimiter delimiter = d == null || d.isEmpty() || d.equalsIgnoreCase(PRESET_AUTO) ? null : Delimiter.parse(d);
        Charset encoding = null;
        String enc = blankToNull(o.get(ENCODING));
        if (enc != null && !enc.equalsIgnoreCase(PRESET_AUTO)) {
            try {
                encoding = Charset.forName(enc.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + enc + "' is not a character encoding this server knows");
            }
        }
        DateOrder order = null;
        String dor = blankToNull(o.get(DATE_ORDER));
        if (dor != null) {
            try {
                order = DateOrder.valueOf(dor.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + dor + "' is not a date order: use DMY, MDY or YMD");
            }
        }
        boolean hasHeader = true;
        String hh = blankToNull(o.get(HAS_HEADER));
        if (hh != null) {
            Boolean b = Values.booleanOrNull(hh);
            if (b == null) {
                throw new IllegalArgumentException("'" + hh + "' is not true or false for " + HAS_HEADER);
            }
            hasHeader = b;
        }
        List<String> columns = new ArrayList<>();
        String cols = blankToNull(o.get(COLUMNS));
        if (cols != null) {
            Arrays.stream(cols.split(",")).map(String::trim).forEach(columns::add);
        }
        ZoneId zone = null;
        String tz = blankToNull(o.get(TIME_ZONE));
        if (tz != null) {
            try {
                zone = ZoneId.of(tz.trim());
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("'" + tz + "' is not a time zone");
            }
        }
        String currency = blankToNull(o.get(CURRENCY));
        if (currency != null) {
            currency = currency.trim().toUpperCase(Locale.ROOT);
            if (!currency.matches("[A-Z]{3}")) {
                throw new IllegalArgumentException("'" + o.get(CURRENCY) + "' is not an ISO 4217 currency code");
            }
        }
        return new CsvOptions(preset, mapping, delimiter, encoding, order, hasHeader, columns, zone, currency);
    }

    /** @return these options as a job stores them (only those that are set) */
    public Map<String, String> toMap() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        if (preset != null) {
            m.put(PRESET, preset);
        }
        if (!mapping.isEmpty()) {
            m.put(MAPPING, JsonStrings.write(mapping));
        }
        if (delimiter != null) {
            m.put(DELIMITER, delimiter.optionName());
        }
        if (encoding != null) {
            m.put(ENCODING, encoding.name());
        }
        if (dateOrder != null) {
            m.put(DATE_ORDER, dateOrder.name());
        }
        m.put(HAS_HEADER, Boolean.toString(hasHeader));
        if (!columns.isEmpty()) {
            m.put(COLUMNS, String.join(",", columns));
        }
        m.put(TIME_ZONE, timeZone.getId());
        if (currency != null) {
            m.put(CURRENCY, currency);
        }
        return m;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}

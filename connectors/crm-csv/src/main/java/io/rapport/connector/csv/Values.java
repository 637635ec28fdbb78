package io.rapport.connector.csv;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rapport.api.customer.ConsentStatus;

/**
 * Parses cells: dates, numbers, booleans, consent statuses, e-mail addresses. Every parser takes a trimmed, non-empty
 * value and throws {@link BadValueException} naming the value; nothing here evaluates a formula.
 */
public final class Values {

    private static final Set<String> TRUE = Set.of("true", "yes", "y", "1", "x", "on", "checked", "ja", "oui", "si", "wahr", "vrai");
    private static final Set<String> FALSE = Set.of("false", "no", "n", "0", "off", "unchecked", "nein", "non", "falsch", "faux");
    private static final Set<String> GRANTED = Set.of("granted", "subscribed", "opt-in", "optin", "opted in", "opted-in", "consented", "allowed",
            "true", "yes", "y", "1", "x");
    private static final Set<String> WITHDRAWN = Set.of("withdrawn", "unsubscribed", "opt-out", "optout", "opted out", "opted-out", "revoked",
            "denied", "refused", "false", "no", "n", "0");

    /** y/m/d with / . or - and an optional time, 12- or 24-hour. */
    private static final Pattern NUMERIC_DATE = Pattern.compile(
            "(\\d{1,4})([/.\\-])(\\d{1,2})\\2(\\d{1,4})(?:[ T]+(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?\\s*([AaPp][Mm])?)?");
    private static final Pattern COMPACT_DATE = Pattern.compile("(\\d{4})(\\d{2})(\\d{2})");
    private static final Pattern PLAIN_NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s.]+");

    private Values() {
    }

    /** @return true, false, or null when the value is not a boolean (empty is null too) */
    public static Boolean booleanOrNull(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (TRUE.contains(v)) {
            return Boolean.TRUE;
        }
        if (FALSE.contains(v)) {
            return Boolean.FALSE;
        }
        return null;
    }

    /** @return the boolean a cell says: true/false, yes/no, y/n, 1/0, x, on/off */
    public static boolean parseBoolean(String value) throws BadValueException {
        Boolean b = booleanOrNull(value);
        if (b == null) {
            throw new BadValueException("'" + value + "' is not yes or no");
        }
        return b;
    }

    /** @return the consent status a cell says: granted/subscribed/yes/true or withdrawn/unsubscribed/no/false */
    public static ConsentStatus parseConsentStatus(String value) throws BadValueException {
        String v = value.trim().toLowerCase(Locale.ROOT).replace('_', ' ');
        if (GRANTED.contains(v)) {
            return ConsentStatus.GRANTED;
        }
        if (WITHDRAWN.contains(v)) {
            return ConsentStatus.WITHDRAWN;
        }
        throw new BadValueException("'" + value + "' is not a consent status (granted or withdrawn, subscribed or unsubscribed, yes or no)");
    }

    /**
     * Reads a number: {@code 1234.5}, {@code 1,234.56}, {@code 1.234,56}, {@code 1 234,56}, {@code 1'234.56},
     * {@code $12.00}, {@code 12,00 €}, {@code EUR 12}, {@code (12.50)} (negative). A single separator followed by
     * exactly three digits ({@code 1,234} or {@code 1.234}) is a thousands separator when {@code decimalComma} says
     * the file writes decimals with a comma and the separator is a dot, or the other way round.
     *
     * @param decimalComma true when the file writes decimals with a comma (a {@code ;}-separated European file)
     */
    public static BigDecimal parseNumber(String value, boolean decimalComma) throws BadValueException {
        String v = value.trim();
        boolean negative = false;
        if (v.startsWith("(") && v.endsWith(")")) {
            negative = true;
            v = v.substring(1, v.length() - 1).trim();
        }
        v = v.replaceAll("^[A-Z]{3}\\s*|\\s*[A-Z]{3}$", "");
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (Character.isDigit(c) || c == '.' || c == ',' || c == '-' || c == '+') {
                sb.append(c);
            } else if (Character.isSpaceChar(c) || Character.isWhitespace(c) || c == '\'' || Character.getType(c) == Character.CURRENCY_SYMBOL) {
                continue;
            } else {
                throw notNumber(value);
            }
        }
        String s = sb.toString();
        if (s.endsWith("-") && !s.startsWith("-")) {
            s = "-" + s.substring(0, s.length() - 1);
        }
        if (s.startsWith("+")) {
            s = s.substring(1);
        }
        int dots = count(s, '.');
        int commas = count(s, ',');
        if (dots > 0 && commas > 0) {
            char decimal = s.lastIndexOf('.') > s.lastIndexOf(',') ? '.' : ',';
            char group = decimal == '.' ? ',' : '.';
            if (count(s, decimal) > 1) {
                throw notNumber(value);
            }
            s = s.replace(String.valueOf(group), "").replace(decimal, '.');
        } else if (commas > 0) {
            s = commas > 1 || (!decimalComma && groupOfThree(s, ',')) ? s.replace(",", "") : s.replace(',', '.');
        } else if (dots > 1 || (dots == 1 && decimalComma && groupOfThree(s, '.'))) {
            s = s.replace(".", "");
        }
        if (!PLAIN_NUMBER.matcher(s).matches()) {
            throw notNumber(value);
        }
        BigDecimal n = new BigDecimal(s);
        return negative ? n.negate() : n;
    }

    /** @return the whole number a cell says ({@code 3}, {@code 3.0}, {@code 1,000}) */
    public static int parseInt(String value, boolean decimalComma) throws BadValueException {
        BigDecimal n = parseNumber(value, decimalComma);
        try {
            return n.intValueExact();
        } catch (ArithmeticException e) {
            try {
                return n.stripTrailingZeros().intValueExact();
            } catch (ArithmeticException e2) {
                throw new BadValueException("'" + value + "' is not a whole number");
            }
        }
    }

    /**
     * Reads a date or a date-time: ISO 8601 (with or without offset), {@code yyyy-MM-dd HH:mm[:ss]},
     * {@code yyyyMMdd}, {@code d.M.yyyy}, {@code d/M/yyyy} or {@code M/d/yyyy} (by {@code order} when both parts are
     * 12 or less), each with an optional time ({@code 14:30}, {@code 2:30 PM}), and the preset's own patterns.
     *
     * @param formats extra {@link DateTimeFormatter} patterns, tried first
     * @param zone    the zone of a date-time without offset; a date is its start of day there
     */
    public static OffsetDateTime parseDateTime(String value, DateOrder order, List<DateTimeFormatter> formats, ZoneId zone)
            throws BadValueException {
        String v = value.trim();
        for (DateTimeFormatter f : formats) {
            try {
                TemporalAccessor t = f.parseBest(v, OffsetDateTime::from, LocalDateTime::from, LocalDate::from);
                return toOffset(t, zone);
            } catch (DateTimeException e) {
                // next format
            }
        }
        try {
            return OffsetDateTime.parse(v);
        } catch (DateTimeParseException e) {
            // not ISO with offset
        }
        try {
            return ZonedDateTime.parse(v).toOffsetDateTime();
        } catch (DateTimeParseException e) {
            // not ISO with zone
        }
        try {
            return LocalDateTime.parse(v).atZone(zone).toOffsetDateTime();
        } catch (DateTimeParseException e) {
            // not ISO local date-time
        }
        Matcher c = COMPACT_DATE.matcher(v);
        if (c.matches()) {
            return toOffset(date(value, c.group(1), c.group(2), c.group(3)), zone);
        }
        Matcher m = NUMERIC_DATE.matcher(v);
        if (!m.matches()) {
            throw notDate(value);
        }
        String a = m.group(1);
        String sep = m.group(2);
        String b = m.group(3);
        String cPart = m.group(4);
        LocalDate date;
        if (a.length() == 4) {
            date = date(value, a, b, cPart);
        } else if (a.length() > 2 || cPart.length() == 3) {
            throw notDate(value);
        } else {
            int first = Integer.parseInt(a);
            int second = Integer.parseInt(b);
            boolean dayFirst;
            if (sep.equals(".")) {
                dayFirst = true;
            } else if (first > 12) {
                dayFirst = true;
            } else if (second > 12) {
                dayFirst = false;
            } else {
                dayFirst = order != DateOrder.MDY;
            }
            String year = cPart.length() == 2 ? (Integer.parseInt(cPart) < 70 ? "20" : "19") + cPart : cPart;
            date = dayFirst ? date(value, year, b, a) : date(value, year, a, b);
        }
        if (m.group(5) == null) {
            return toOffset(date, zone);
        }
        int hour = Integer.parseInt(m.group(5));
        int minute = Integer.parseInt(m.group(6));
        int second = m.group(7) == null ? 0 : Integer.parseInt(m.group(7));
        int nanos = m.group(8) == null ? 0 : Integer.parseInt((m.group(8) + "000000000").substring(0, 9));
        String ampm = m.group(9);
        if (ampm != null) {
            if (hour < 1 || hour > 12) {
                throw notDate(value);
            }
            boolean pm = ampm.equalsIgnoreCase("pm");
            hour = hour % 12 + (pm ? 12 : 0);
        }
        try {
            return LocalDateTime.of(date, LocalTime.of(hour, minute, second, nanos)).atZone(zone).toOffsetDateTime();
        } catch (DateTimeException e) {
            throw notDate(value);
        }
    }

    /** @return the calendar date a cell names (the date part of a date-time, as written) */
    public static LocalDate parseDate(String value, DateOrder order, List<DateTimeFormatter> formats) throws BadValueException {
        return parseDateTime(value, order, formats, java.time.ZoneOffset.UTC).toLocalDate();
    }

    /** @return whether the value looks like an e-mail address (one {@code @}, a dot in the domain, no blank) */
    public static boolean looksLikeEmail(String value) {
        return EMAIL.matcher(value).matches();
    }

    private static OffsetDateTime toOffset(TemporalAccessor t, ZoneId zone) {
        if (t instanceof OffsetDateTime o) {
            return o;
        }
        if (t instanceof LocalDateTime l) {
            return l.atZone(zone).toOffsetDateTime();
        }
        return ((LocalDate) t).atStartOfDay(zone).toOffsetDateTime();
    }

    private static LocalDate date(String value, String y, String m, String d) throws BadValueException {
        try {
            return LocalDate.of(Integer.parseInt(y), Integer.parseInt(m), Integer.parseInt(d));
        } catch (DateTimeException | NumberFormatException e) {
            throw notDate(value);
        }
    }

    private static boolean groupOfThree(String s, char sep) {
        int i = s.indexOf(sep);
        return i > 0 && s.length() - i - 1 == 3 && !s.substring(0, i).equals("0") && !s.substring(0, i).equals("-0");
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }

    private static BadValueException notNumber(String value) {
        return new BadValueException("'" + value + "' is not a number");
    }

    private static BadValueException notDate(String value) {
        return new BadValueException("'" + value + "' is not a date");
    }
}

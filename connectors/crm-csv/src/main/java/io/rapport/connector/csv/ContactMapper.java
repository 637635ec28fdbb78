package io.rapport.connector.csv;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.rapport.api.customer.AttributeType;
import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.imports.ContactRecord;

/**
 * Maps a record to a {@link ContactRecord} by a {@link MappingPlan}. Values are trimmed, empty ones are absent; when
 * several columns have the same field target the first non-empty one wins. A record is refused, naming the column
 * and the value, for a value its column's type cannot hold, an e-mail address without the shape of one, a row with
 * more non-empty fields than the header has columns, or no external id, e-mail address nor phone number.
 */
public final class ContactMapper {

    /** {@link Consent#source()} of the consents an import records: {@code import:<preset>} or {@code import:csv}. */
    public static final String CONSENT_SOURCE_PREFIX = "import:";

    private final MappingPlan plan;
    private final java.time.ZoneId zone;
    private final OffsetDateTime fallbackTime;
    private final String consentSource;
    private final List<Integer> consentDateColumns = new ArrayList<>();
    private final Preset.FileConsent fileConsent;
    private final List<Integer> fileConsentDateColumns = new ArrayList<>();

    /**
     * @param fallbackTime when a consent was given or withdrawn, for a row that says nothing of it (the file's time)
     */
    public ContactMapper(MappingPlan plan, java.time.ZoneId zone, OffsetDateTime fallbackTime) {
        this.plan = plan;
        this.zone = zone;
        this.fallbackTime = fallbackTime;
        Preset preset = plan.preset();
        this.consentSource = CONSENT_SOURCE_PREFIX + (preset == null ? "csv" : preset.name());
        Preset.FileConsent rule = null;
        if (preset != null) {
            for (String h : preset.consentDateHeaders()) {
                int i = plan.indexOf(h);
                if (i >= 0) {
                    consentDateColumns.add(i);
                }
            }
            for (Preset.FileConsent r : preset.fileConsents()) {
                if (r.whenHeader() == null || plan.indexOf(r.whenHeader()) >= 0) {
                    rule = r;
                    break;
                }
            }
        }
        this.fileConsent = rule;
        if (rule != null) {
            for (String h : rule.dateHeaders()) {
                int i = plan.indexOf(h);
                if (i >= 0) {
                    fileConsentDateColumns.add(i);
                }
            }
        }
    }

    /** @return the contact, or why the record is refused */
    public Mapped<ContactRecord> map(CsvRecord rec) {
        long line = rec.line();
        if (rec.failed()) {
            return Mapped.refused(line, null, rec.error());
        }
        Mapped<ContactRecord> width = checkWidth(rec, plan.columns().size());
        if (width != null) {
            return width;
        }
        String externalId = null;
        String email = null;
        String phone = null;
        String firstName = null;
        String lastName = null;
        String locale = null;
        String timeZone = null;
        Map<String, AttributeValue> attributes = new LinkedHashMap<>();
        Set<String> tags = new LinkedHashSet<>();
        Map<String, ConsentStatus> consents = new LinkedHashMap<>();
        Map<String, OffsetDateTime> consentTimes = new LinkedHashMap<>();
        for (ColumnPlan c : plan.columns()) {
            String v = value(rec, c.index());
            if (v == null) {
                continue;
            }
            Target t = c.target();
            try {
                switch (t.kind()) {
                    case EXTERNAL_ID -> externalId = externalId == null ? v : externalId;
                    case EMAIL -> {
                        if (email == null) {
                            if (!Values.looksLikeEmail(v)) {
                                return Mapped.refused(line, c.header(), "'" + v + "' is not an e-mail address");
                            }
                            email = v;
                        }
                    }
                    case PHONE -> phone = phone == null ? v : phone;
                    case FIRST_NAME -> firstName = firstName == null ? v : firstName;
                    case LAST_NAME -> lastName = lastName == null ? v : lastName;
                    case LOCALE -> locale = locale == null ? v : locale;
                    case TIME_ZONE -> timeZone = timeZone == null ? v : timeZone;
                    case TAGS -> tags.addAll(splitList(v));
                    case ATTRIBUTE -> attributes.putIfAbsent(t.name(), attribute(t.type(), v));
                    case CONSENT -> {
                        ConsentStatus s = t.optOut()
                                ? (Values.parseBoolean(v) ? ConsentStatus.WITHDRAWN : null)
                                : Values.parseConsentStatus(v);
                        if (s != null) {
                            consents.putIfAbsent(t.name() + ":" + t.channel(), s);
                        }
                    }
                    case CONSENT_DATE -> consentTimes.putIfAbsent(t.name() + ":" + t.channel(),
                            Values.parseDateTime(v, plan.dateOrder(), plan.dateFormats(), zone));
                    default -> {
                        // ignore, and the order targets a contact has no use for
                    }
                }
            } catch (BadValueException e) {
                return Mapped.refused(line, c.header(), e.getMessage() + " (column '" + c.header() + "')");
            }
        }
        if (externalId == null && email == null && phone == null) {
            return Mapped.refused(line, null, "the row has no external id, e-mail address or phone number");
        }
        List<Consent> out = new ArrayList<>();
        OffsetDateTime rowTime = firstTime(rec, consentDateColumns);
        for (Map.Entry<String, ConsentStatus> e : consents.entrySet()) {
            String[] pc = e.getKey().split(":", 2);
            OffsetDateTime at = consentTimes.getOrDefault(e.getKey(), rowTime != null ? rowTime : fallbackTime);
            out.add(new Consent(pc[0], pc[1], e.getValue(), consentSource, at));
        }
        if (fileConsent != null && fileConsent.status() != null && !consents.containsKey(fileConsent.purpose() + ":" + fileConsent.channel())) {
            OffsetDateTime at = firstTime(rec, fileConsentDateColumns);
            out.add(new Consent(fileConsent.purpose(), fileConsent.channel(), fileConsent.status(), consentSource,
                    at != null ? at : rowTime != null ? rowTime : fallbackTime));
        }
        return Mapped.ok(new ContactRecord(line, externalId, email, phone, firstName, lastName, locale, timeZone, attributes, tags, out));
    }

    private AttributeValue attribute(AttributeType type, String v) throws BadValueException {
        return switch (type) {
            case STRING -> AttributeValue.of(v);
            case NUMBER -> AttributeValue.of(Values.parseNumber(v, plan.decimalComma()));
            case BOOLEAN -> AttributeValue.of(Values.parseBoolean(v));
            case DATE -> AttributeValue.of(Values.parseDate(v, plan.dateOrder(), plan.dateFormats()));
            case LIST -> AttributeValue.of(splitList(v));
        };
    }

    private OffsetDateTime firstTime(CsvRecord rec, List<Integer> columns) {
        for (int i : columns) {
            String v = value(rec, i);
            if (v != null) {
                try {
                    return Values.parseDateTime(v, plan.dateOrder(), plan.dateFormats(), zone);
                } catch (BadValueException e) {
                    // a malformed date there is the attribute's business; try the next column
                }
            }
        }
        return null;
    }

    /** @return a list cell's items: split on {@code ,} or {@code ;}, each trimmed and unquoted, empty ones dropped */
    static List<String> splitList(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split("[,;]")) {
            String s = part.trim();
            if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
                s = s.substring(1, s.length() - 1).trim();
            }
            if (!s.isEmpty() && !out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    static String value(CsvRecord rec, int index) {
        String v = rec.field(index);
        if (v == null) {
            return null;
        }
        v = v.strip();
        return v.isEmpty() ? null : v;
    }

    static <T> Mapped<T> checkWidth(CsvRecord rec, int columns) {
        for (int i = columns; i < rec.fields().size(); i++) {
            if (!rec.fields().get(i).isBlank()) {
                return Mapped.refused(rec.line(), null,
                        "the row has " + rec.fields().size() + " fields but the header has " + columns + " columns");
            }
        }
        return null;
    }
}

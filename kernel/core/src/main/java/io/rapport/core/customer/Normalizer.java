package io.rapport.core.customer;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.IllformedLocaleException;
import java.util.Locale;
import java.util.Optional;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.sanctionco.jmail.EmailValidator;
import com.sanctionco.jmail.JMail;

/**
 * Normalises identifiers the same way everywhere they enter: emails trimmed and lower-cased after a strict
 * syntax check, phones to E.164. Thread-safe.
 */
public final class Normalizer {

    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final EmailValidator EMAILS = JMail.strictValidator().requireTopLevelDomain();

    private Normalizer() {
    }

    /** @return the normalised email, or empty if {@code raw} is not a deliverable-looking address */
    public static Optional<String> email(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String trimmed = raw.trim();
        if (trimmed.length() > 320 || !EMAILS.isValid(trimmed)) {
            return Optional.empty();
        }
        return Optional.of(trimmed.toLowerCase(Locale.ROOT));
    }

    /**
     * @param defaultRegion ISO 3166 region for numbers written without a country code, or null to require one
     * @return the number in E.164 form, or empty if it is not a valid number
     */
    public static Optional<String> phone(String raw, String defaultRegion) {
        if (raw == null || raw.isBlank() || raw.length() > 40) {
            return Optional.empty();
        }
        try {
            PhoneNumber n = PHONES.parse(raw.trim(), defaultRegion == null ? "ZZ" : defaultRegion);
            if (!PHONES.isValidNumber(n)) {
                return Optional.empty();
            }
            return Optional.of(PHONES.format(n, PhoneNumberUtil.PhoneNumberFormat.E164));
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** @return the canonical BCP 47 tag, or empty if {@code raw} is not one */
    public static Optional<String> locale(String raw) {
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        try {
            Locale l = new Locale.Builder().setLanguageTag(raw.trim().replace('_', '-')).build();
            return l.getLanguage().isEmpty() ? Optional.empty() : Optional.of(l.toLanguageTag());
        } catch (IllformedLocaleException e) {
            return Optional.empty();
        }
    }

    /** @return the IANA zone id, or empty if {@code raw} names no zone */
    public static Optional<String> timeZone(String raw) {
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ZoneId.of(raw.trim()).getId());
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }
}

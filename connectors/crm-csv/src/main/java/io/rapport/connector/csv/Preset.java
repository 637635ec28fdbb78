package io.rapport.connector.csv;

import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.rapport.api.customer.ConsentStatus;

/**
 * The defaults for one source's export files: which column goes where, how it writes dates, which columns or which
 * kind of file mean consent. Data only; {@link Presets} holds them.
 *
 * @param name               the preset's name, the {@code preset} option's value
 * @param namespace          the namespace of the external ids it reads (an import job's namespace)
 * @param kind               what its files hold
 * @param columns            the real column headers of the export, in the export's order, to their targets
 * @param signatures         headers only this source writes (matched with their case): a file needs one of them for
 *                           the preset to be detected
 * @param dateOrder          how the source writes ambiguous numeric dates, or null for the default
 * @param dateFormats        extra date patterns the source writes, tried before the generic ones
 * @param fileConsents       consent that a kind of file means for every row (the first rule whose header is in the
 *                           file applies)
 * @param consentDateHeaders columns to take a consent's time from when no {@code consentDate} column is mapped
 * @param currency           the currency of its orders, or null
 * @param sources            where the headers were checked (documentation, public samples)
 */
public record Preset(String name, String namespace, Kind kind, Map<String, String> columns, List<String> signatures, DateOrder dateOrder,
                     List<String> dateFormats, List<FileConsent> fileConsents, List<String> consentDateHeaders, String currency,
                     List<String> sources) {

    /** What a preset's files hold. */
    public enum Kind {
        CONTACTS, ORDERS
    }

    /**
     * A consent every row of a file means, because of the kind of file it is (a Mailchimp "unsubscribed" export).
     *
     * @param whenHeader  the rule applies when the file has this column; null: always
     * @param purpose     the consent's purpose
     * @param channel     the consent's channel
     * @param status      the status, or null: no consent for such a file (the rules after it are not tried)
     * @param dateHeaders columns holding when the decision was made, first non-empty wins
     */
    public record FileConsent(String whenHeader, String purpose, String channel, ConsentStatus status, List<String> dateHeaders) {

        public FileConsent {
            dateHeaders = List.copyOf(dateHeaders);
        }
    }

    public Preset {
        columns = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        for (Map.Entry<String, String> e : columns.entrySet()) {
            Target.parse(e.getValue(), e.getKey());
        }
        signatures = List.copyOf(signatures);
        dateFormats = List.copyOf(dateFormats);
        fileConsents = List.copyOf(fileConsents);
        consentDateHeaders = List.copyOf(consentDateHeaders);
        sources = List.copyOf(sources);
        for (String f : dateFormats) {
            DateTimeFormatter.ofPattern(f, Locale.ROOT);
        }
    }

    /** @return the target this preset gives a column header (matched without case and surrounding blanks) */
    public Optional<String> targetOf(String header) {
        String h = header.trim();
        String exact = columns.get(h);
        if (exact != null) {
            return Optional.of(exact);
        }
        for (Map.Entry<String, String> e : columns.entrySet()) {
            if (e.getKey().equalsIgnoreCase(h)) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    /** @return the date patterns as formatters */
    public List<DateTimeFormatter> formatters() {
        return dateFormats.stream().map(f -> DateTimeFormatter.ofPattern(f, Locale.ROOT)).toList();
    }

    /**
     * Scores a header row: the share of its columns that this preset knows (a column matched with its case counts 1,
     * without case one half). A header with none of the preset's {@link #signatures} scores 0.
     */
    public double score(List<String> header) {
        if (header.isEmpty()) {
            return 0;
        }
        boolean signed = false;
        double points = 0;
        for (String raw : header) {
            String h = raw.trim();
            if (signatures.contains(h)) {
                signed = true;
            }
            if (columns.containsKey(h)) {
                points += 1;
            } else if (targetOf(h).isPresent()) {
                points += 0.5;
            }
        }
        return signed ? points / header.size() : 0;
    }
}

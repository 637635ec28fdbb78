package io.rapport.connector.csv;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Writes the realistic export files of src/test/resources/exports, deterministically (fixed seeds): run
 * {@code main} with the target folder to regenerate them ({@code ExportFilesTest} checks the committed files are
 * what this class writes).
 *
 * <p>Every file has the real column headers of its CRM's contact export and messy data:
 * <ul>
 * <li>duplicate contacts: every 50th row (that is not refused) repeats the contact 7 rows above with the e-mail
 * address in upper case and surrounded by blanks, and the phone number in national form instead of E.164 (or the
 * other way round) — not refused: deduplicating is the kernel's business;</li>
 * <li>bad e-mail addresses ({@code bob@}, {@code bob.example.com}, {@code bob @example.com}, {@code bob@@example.com}):
 * every 97th row, refused;</li>
 * <li>rows with no external id, e-mail address nor phone number: every 211th row, refused;</li>
 * <li>a bad value in a typed column (a date for HubSpot, Salesforce and Zoho, a number for Mailchimp and Mautic):
 * every 307th row, refused;</li>
 * <li>an empty line every 400 rows (not a record); quoted fields with line breaks, commas and doubled quotes every
 * 13th row; cells starting with {@code =}, {@code +}, {@code -}, {@code @} every 29th row (kept as text);</li>
 * <li>one field longer than 64 KiB in the Mautic file (row 1000), refused.</li>
 * </ul>
 * Row numbers count data rows from 1. The expected counts (see {@code ExportFilesTest}):
 * <pre>
 * file                      encoding, delimiter              rows  records  bad email  no identifier  bad value  too long
 * hubspot-contacts.csv      UTF-8 with BOM, comma, CRLF      3000     2947         30             14          9(date)     0
 * salesforce-contacts.csv   windows-1252, comma, CRLF        2500     2456         25             11          8(date)     0
 * mailchimp-subscribed.csv  UTF-8, comma, LF                 4000     3928         41             18         13(number)   0
 * zoho-contacts.csv         UTF-8, semicolon, CRLF, 1.234,56 2000     1965         20              9          6(date)     0
 * mautic-contacts.csv       UTF-8, comma, LF                 2200     2160         22             10          7(number)   1
 * </pre>
 */
public final class ExportFileGenerator {

    public static final String HUBSPOT_FILE = "hubspot-contacts.csv";
    public static final String SALESFORCE_FILE = "salesforce-contacts.csv";
    public static final String MAILCHIMP_FILE = "mailchimp-subscribed.csv";
    public static final String ZOHO_FILE = "zoho-contacts.csv";
    public static final String MAUTIC_FILE = "mautic-contacts.csv";

    public static final String BAD_EMAIL = "bad email";
    public static final String NO_IDENTIFIER = "no identifier";
    public static final String BAD_VALUE = "bad value";
    public static final String TOO_LONG = "field too long";

    /**
     * What reading a generated file must give.
     *
     * @param rows    data rows written (records, refused or not)
     * @param records rows that map to a contact
     * @param rejects refused rows by reason ({@link #BAD_EMAIL}, ...)
     */
    public record Expected(int rows, int records, Map<String, Integer> rejects) {
    }

    private static final String[] FIRST = {"Anna", "Ben", "Chloé", "David", "Elif", "François", "Greta", "Hugo", "Inès", "Jürgen", "Karin",
        "Lars", "Marta", "Nils", "Olivia", "Pável", "Renée", "Søren", "Tomás", "Zoë", "José", "Björn", "Anaïs", "Noah", "Mia", "Liam"};
    private static final String[] LAST = {"Müller", "Smith", "García", "Dubois", "Rossi", "Nowak", "Jensen", "O'Brien", "Fernández", "Schäfer",
        "Lefèvre", "Novák", "Johansson", "Kowalski", "Brown", "Martin", "Weiß", "Núñez", "Larsen", "Dupont"};
    private static final String[] DOMAINS = {"example.com", "example.org", "mail.example.net", "example.co.uk", "example.de"};
    private static final String[] CITIES = {"London", "Paris", "München", "Zürich", "Kraków", "Málaga", "New York", "Toronto", "Lyon", "Bergen"};
    private static final String[] BAD_EMAILS = {"bob@", "bob.example.com", "bob @example.com", "bob@@example.com"};
    private static final String[] FORMULAS = {"=HYPERLINK(\"http://evil.example\",\"click\")", "+1 (555) 0100", "-42", "@SUM(A1:A2)",
        "=1+2", "=cmd|' /C calc'!A0"};
    private static final String[] STAGES = {"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"};

    private ExportFileGenerator() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/exports");
        for (Map.Entry<String, Expected> e : generate(dir).entrySet()) {
            System.out.println(e.getKey() + " " + e.getValue());
        }
    }

    /** Writes the five files into {@code dir}. @return the expected counts per file name */
    public static Map<String, Expected> generate(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Expected> out = new LinkedHashMap<>();
        out.put(HUBSPOT_FILE, hubspot(dir.resolve(HUBSPOT_FILE)));
        out.put(SALESFORCE_FILE, salesforce(dir.resolve(SALESFORCE_FILE)));
        out.put(MAILCHIMP_FILE, mailchimp(dir.resolve(MAILCHIMP_FILE)));
        out.put(ZOHO_FILE, zoho(dir.resolve(ZOHO_FILE)));
        out.put(MAUTIC_FILE, mautic(dir.resolve(MAUTIC_FILE)));
        return out;
    }

    /** What kind of row row {@code i} is. */
    private enum RowKind {
        NORMAL, DUPLICATE, BAD_EMAIL, NO_IDENTIFIER, BAD_VALUE, TOO_LONG
    }

    private static RowKind kind(int i, boolean tooLongRow) {
        if (tooLongRow) {
            return RowKind.TOO_LONG;
        }
        if (i % 97 == 0) {
            return RowKind.BAD_EMAIL;
        }
        if (i % 211 == 0) {
            return RowKind.NO_IDENTIFIER;
        }
        if (i % 307 == 0) {
            return RowKind.BAD_VALUE;
        }
        return i % 50 == 0 ? RowKind.DUPLICATE : RowKind.NORMAL;
    }

    /** A generated person. */
    private record Person(String first, String last, String email, String e164, String national, String city, String country) {
    }

    private static Person person(Random rnd, int i) {
        String first = FIRST[rnd.nextInt(FIRST.length)];
        String last = LAST[rnd.nextInt(LAST.length)];
        String local = ascii(first).toLowerCase(Locale.ROOT) + "." + ascii(last).toLowerCase(Locale.ROOT).replace("'", "") + i;
        String email = local + "@" + DOMAINS[rnd.nextInt(DOMAINS.length)];
        int n = 1000000 + rnd.nextInt(8999999);
        String e164;
        String national;
        String country;
        switch (rnd.nextInt(3)) {
            case 0 -> {
                e164 = "+44 20 79" + (n / 100000 % 10) + " " + String.format("%04d", n % 10000);
                national = "020 79" + (n / 100000 % 10) + " " + String.format("%04d", n % 10000);
                country = "United Kingdom";
            }
            case 1 -> {
                e164 = "+33 6 " + String.format("%02d %02d %02d %02d", n / 1000000 % 100, n / 10000 % 100, n / 100 % 100, n % 100);
                national = "06 " + String.format("%02d %02d %02d %02d", n / 1000000 % 100, n / 10000 % 100, n / 100 % 100, n % 100);
                country = "France";
            }
            default -> {
                e164 = "+1 415 555 " + String.format("%04d", n % 10000);
                national = "(415) 555-" + String.format("%04d", n % 10000);
                country = "United States";
            }
        }
        return new Person(first, last, email, e164, national, CITIES[rnd.nextInt(CITIES.length)], country);
    }

    private static String ascii(String s) {
        return java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD).replaceAll("\\p{M}", "").replace("ø", "o").replace("ß", "ss");
    }

    private static String message(Random rnd, int i) {
        if (i % 13 == 0) {
            return "Called on " + (1 + rnd.nextInt(28)) + " May, said \"call back\",\nthen wrote:\r\nplease, no spam";
        }
        if (i % 29 == 0) {
            return FORMULAS[i / 29 % FORMULAS.length];
        }
        return rnd.nextInt(3) == 0 ? "" : "Met at " + CITIES[rnd.nextInt(CITIES.length)] + " fair";
    }

    /** Counts by kind, into an {@link Expected}. */
    private static final class Tally {
        int rows;
        int records;
        final Map<String, Integer> rejects = new LinkedHashMap<>();

        void add(RowKind k) {
            rows++;
            String reason = switch (k) {
                case BAD_EMAIL -> BAD_EMAIL;
                case NO_IDENTIFIER -> NO_IDENTIFIER;
                case BAD_VALUE -> BAD_VALUE;
                case TOO_LONG -> TOO_LONG;
                default -> null;
            };
            if (reason == null) {
                records++;
            } else {
                rejects.merge(reason, 1, Integer::sum);
            }
        }

        Expected expected() {
            return new Expected(rows, records, Map.copyOf(rejects));
        }
    }

    /** Writes CSV rows: quotes a field when it needs it (or always), doubles its quotes. */
    private static final class CsvOut implements AutoCloseable {
        private final Writer w;
        private final char sep;
        private final String eol;
        private final boolean quoteAll;

        CsvOut(Path file, Charset cs, boolean bom, char sep, String eol, boolean quoteAll) throws IOException {
            this.w = Files.newBufferedWriter(file, cs);
            this.sep = sep;
            this.eol = eol;
            this.quoteAll = quoteAll;
            if (bom) {
                w.write('\uFEFF');
            }
        }

        void row(List<String> fields) throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    sb.append(sep);
                }
                String f = fields.get(i) == null ? "" : fields.get(i);
                boolean quote = quoteAll || f.indexOf(sep) >= 0 || f.indexOf('"') >= 0 || f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0
                        || !f.equals(f.strip());
                sb.append(quote ? "\"" + f.replace("\"", "\"\"") + "\"" : f);
            }
            w.write(sb.append(eol).toString());
        }

        void emptyLine() throws IOException {
            w.write(eol);
        }

        @Override
        public void close() throws IOException {
            w.close();
        }
    }

    private static List<String> row(String... fields) {
        return new ArrayList<>(List.of(fields));
    }

    private static Expected hubspot(Path file) throws IOException {
        Random rnd = new Random(4_001L);
        Tally t = new Tally();
        List<Person> people = new ArrayList<>();
        try (CsvOut out = new CsvOut(file, StandardCharsets.UTF_8, true, ',', "\r\n", false)) {
            out.row(row("Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Lifecycle Stage", "Lead Status",
                    "Contact owner", "Company Name", "Job Title", "City", "Country/Region", "Create Date", "Last Activity Date", "Last Modified Date",
                    "Message", "Unsubscribed from all email", "Marketing contact status"));
            for (int i = 1; i <= 3000; i++) {
                RowKind k = kind(i, false);
                Person p = k == RowKind.DUPLICATE ? people.get(i - 8) : person(rnd, i);
                people.add(p);
                String email = switch (k) {
                    case DUPLICATE -> "  " + p.email().toUpperCase(Locale.ROOT) + " ";
                    case BAD_EMAIL -> BAD_EMAILS[i % BAD_EMAILS.length];
                    case NO_IDENTIFIER -> "";
                    default -> p.email();
                };
                String phone = k == RowKind.NO_IDENTIFIER ? "" : k == RowKind.DUPLICATE ? p.national() : p.e164();
                String created = k == RowKind.BAD_VALUE ? "2023-13-45 10:00"
                        : String.format("2023-%02d-%02d %02d:%02d", 1 + rnd.nextInt(12), 1 + rnd.nextInt(28), rnd.nextInt(24), rnd.nextInt(60));
                String activity = rnd.nextInt(4) == 0 ? "" : String.format("2024-%02d-%02d %02d:%02d", 1 + rnd.nextInt(12), 1 + rnd.nextInt(28),
                        rnd.nextInt(24), rnd.nextInt(60));
                String company = i % 29 == 0 ? FORMULAS[i / 29 % FORMULAS.length] : p.last() + " GmbH";
                out.row(row(k == RowKind.NO_IDENTIFIER ? "" : Long.toString(51_000_000L + i * 7L), p.first(), p.last(), email, phone,
                        rnd.nextInt(5) == 0 ? p.national() : "", STAGES[rnd.nextInt(STAGES.length)], rnd.nextBoolean() ? "NEW" : "OPEN",
                        "owner" + rnd.nextInt(5) + "@example.com", company, rnd.nextBoolean() ? "Buyer" : "CTO, Operations", p.city(), p.country(),
                        created, activity, created.startsWith("2023-13") ? "2024-01-01 00:00" : created, message(rnd, i),
                        rnd.nextInt(10) == 0 ? "true" : rnd.nextInt(4) == 0 ? "" : "false",
                        rnd.nextBoolean() ? "Marketing contact" : "Non-marketing contact"));
                t.add(k);
                if (i % 400 == 0) {
                    out.emptyLine();
                }
            }
        }
        return t.expected();
    }

    private static Expected salesforce(Path file) throws IOException {
        Random rnd = new Random(4_002L);
        Tally t = new Tally();
        List<Person> people = new ArrayList<>();
        try (CsvOut out = new CsvOut(file, Charset.forName("windows-1252"), false, ',', "\r\n", true)) {
            out.row(row("Contact ID", "First Name", "Last Name", "Account Name", "Title", "Email", "Phone", "Mobile", "Mailing City",
                    "Mailing Country", "Lead Source", "Email Opt Out", "Do Not Call", "Birthdate", "Created Date"));
            for (int i = 1; i <= 2500; i++) {
                RowKind k = kind(i, false);
                Person p = k == RowKind.DUPLICATE ? people.get(i - 8) : person(rnd, i);
                people.add(p);
                String email = switch (k) {
                    case DUPLICATE -> " " + p.email().toUpperCase(Locale.ROOT) + " ";
                    case BAD_EMAIL -> BAD_EMAILS[i % BAD_EMAILS.length];
                    case NO_IDENTIFIER -> "";
                    default -> p.email();
                };
                String phone = k == RowKind.NO_IDENTIFIER ? "" : k == RowKind.DUPLICATE ? p.e164() : p.national();
                String birth = k == RowKind.BAD_VALUE ? "13/45/1980" : rnd.nextInt(3) == 0 ? ""
                        : (1 + rnd.nextInt(12)) + "/" + (1 + rnd.nextInt(28)) + "/" + (1950 + rnd.nextInt(50));
                int hour = 1 + rnd.nextInt(12);
                String created = (1 + rnd.nextInt(12)) + "/" + (1 + rnd.nextInt(28)) + "/" + (2018 + rnd.nextInt(6)) + " " + hour + ":"
                        + String.format("%02d", rnd.nextInt(60)) + (rnd.nextBoolean() ? " AM" : " PM");
                String account = i % 29 == 0 ? FORMULAS[i / 29 % FORMULAS.length] : p.last() + " & Söhne";
                String title = i % 13 == 0 ? "Head of \"Sales\",\nEMEA" : rnd.nextBoolean() ? "Directeur général" : "Einkäufer";
                out.row(row(k == RowKind.NO_IDENTIFIER ? "" : String.format("0035g00000%05dAAA", i), p.first(), p.last(), account, title, email,
                        phone, rnd.nextInt(4) == 0 ? p.e164() : "", p.city(), p.country(), rnd.nextBoolean() ? "Web" : "Trade Show",
                        rnd.nextInt(8) == 0 ? "1" : "0", rnd.nextInt(20) == 0 ? "1" : "0", birth, created));
                t.add(k);
                if (i % 400 == 0) {
                    out.emptyLine();
                }
            }
        }
        return t.expected();
    }

    private static Expected mailchimp(Path file) throws IOException {
        Random rnd = new Random(4_003L);
        Tally t = new Tally();
        List<Person> people = new ArrayList<>();
        try (CsvOut out = new CsvOut(file, StandardCharsets.UTF_8, false, ',', "\n", false)) {
            out.row(row("Email Address", "First Name", "Last Name", "Address", "Phone Number", "Birthday", "MEMBER_RATING", "OPTIN_TIME",
                    "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP", "LATITUDE", "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE", "CC", "REGION",
                    "LAST_CHANGED", "LEID", "EUID", "NOTES", "TAGS"));
            for (int i = 1; i <= 4000; i++) {
                RowKind k = kind(i, false);
                Person p = k == RowKind.DUPLICATE ? people.get(i - 8) : person(rnd, i);
                people.add(p);
                String email = switch (k) {
                    case DUPLICATE -> " " + p.email().toUpperCase(Locale.ROOT) + "  ";
                    case BAD_EMAIL -> BAD_EMAILS[i % BAD_EMAILS.length];
                    case NO_IDENTIFIER -> "";
                    default -> p.email();
                };
                String phone = k == RowKind.NO_IDENTIFIER ? "" : k == RowKind.DUPLICATE ? p.national() : rnd.nextBoolean() ? p.e164() : "";
                String optin = String.format("2021-%02d-%02d %02d:%02d:%02d", 1 + rnd.nextInt(12), 1 + rnd.nextInt(28), rnd.nextInt(24),
                        rnd.nextInt(60), rnd.nextInt(60));
                String confirm = optin.substring(0, 17) + "59";
                String tags = switch (rnd.nextInt(4)) {
                    case 0 -> "\"VIP\",\"Blog\"";
                    case 1 -> "\"Newsletter\"";
                    case 2 -> "";
                    default -> "\"Customer\",\"Spring 2021\"";
                };
                String address = rnd.nextInt(3) == 0 ? "" : (10 + rnd.nextInt(90)) + " Main St  " + p.city() + "    " + p.country();
                out.row(row(email, p.first(), p.last(), address, phone, rnd.nextInt(3) == 0 ? "" : String.format("%02d/%02d", 1 + rnd.nextInt(12),
                        1 + rnd.nextInt(28)), k == RowKind.BAD_VALUE ? "five" : Integer.toString(1 + rnd.nextInt(5)), optin,
                        "203.0.113." + rnd.nextInt(255), confirm, "198.51.100." + rnd.nextInt(255), "51.5072000", "-0.1276000", "0", "1",
                        "Europe/London", "GB", "ENG", "2022-01-15 12:00:00", Integer.toString(100_000_000 + i),
                        k == RowKind.NO_IDENTIFIER ? "" : String.format("%010x", 0x5a5a5a5a5aL + i * 7919L), message(rnd, i), tags));
                t.add(k);
                if (i % 400 == 0) {
                    out.emptyLine();
                }
            }
        }
        return t.expected();
    }

    private static Expected zoho(Path file) throws IOException {
        Random rnd = new Random(4_004L);
        Tally t = new Tally();
        List<Person> people = new ArrayList<>();
        try (CsvOut out = new CsvOut(file, StandardCharsets.UTF_8, false, ';', "\r\n", true)) {
            out.row(row("Record Id", "Contact Owner", "Lead Source", "First Name", "Last Name", "Account Name", "Email", "Phone", "Mobile",
                    "Mailing City", "Mailing Country", "Date of Birth", "Email Opt Out", "Created Time", "Modified Time", "Tag", "Description",
                    "Annual Spend"));
            for (int i = 1; i <= 2000; i++) {
                RowKind k = kind(i, false);
                Person p = k == RowKind.DUPLICATE ? people.get(i - 8) : person(rnd, i);
                people.add(p);
                String email = switch (k) {
                    case DUPLICATE -> "  " + p.email().toUpperCase(Locale.ROOT);
                    case BAD_EMAIL -> BAD_EMAILS[i % BAD_EMAILS.length];
                    case NO_IDENTIFIER -> "";
                    default -> p.email();
                };
                String phone = k == RowKind.NO_IDENTIFIER ? "" : k == RowKind.DUPLICATE ? p.national() : p.e164();
                String birth = k == RowKind.BAD_VALUE ? "31.02.1980" : rnd.nextInt(3) == 0 ? ""
                        : (1 + rnd.nextInt(28)) + "." + (1 + rnd.nextInt(12)) + "." + (1950 + rnd.nextInt(50));
                String created = String.format("2020-%02d-%02d %02d:%02d:%02d", 1 + rnd.nextInt(12), 1 + rnd.nextInt(28), rnd.nextInt(24),
                        rnd.nextInt(60), rnd.nextInt(60));
                int cents = rnd.nextInt(500_000_00);
                String spend = String.format(Locale.GERMANY, "%,d,%02d", cents / 100, cents % 100);
                String description = i % 13 == 0 ? "Rückruf; \"dringend\"\nAnruf am Montag" : i % 29 == 0 ? FORMULAS[i / 29 % FORMULAS.length] : "";
                out.row(row(k == RowKind.NO_IDENTIFIER ? "" : Long.toString(4_876_876_000_000_100_000L + i), "Pat Owner",
                        rnd.nextBoolean() ? "Web Download" : "Cold Call", p.first(), p.last(), p.last() + " AG", email, phone,
                        rnd.nextInt(4) == 0 ? p.national() : "", p.city(), p.country(), birth, rnd.nextInt(6) == 0 ? "true" : "false", created,
                        created, rnd.nextInt(3) == 0 ? "" : rnd.nextBoolean() ? "VIP,Newsletter" : "Trade Fair 2020", description, spend));
                t.add(k);
                if (i % 400 == 0) {
                    out.emptyLine();
                }
            }
        }
        return t.expected();
    }

    private static Expected mautic(Path file) throws IOException {
        Random rnd = new Random(4_005L);
        Tally t = new Tally();
        List<Person> people = new ArrayList<>();
        try (CsvOut out = new CsvOut(file, StandardCharsets.UTF_8, false, ',', "\n", false)) {
            out.row(row("id", "title", "firstname", "lastname", "company", "position", "email", "mobile", "phone", "points", "fax", "address1",
                    "address2", "city", "state", "zipcode", "country", "preferred_locale", "timezone", "last_active", "attribution_date",
                    "attribution", "website", "facebook", "foursquare", "instagram", "linkedin", "skype", "twitter", "stage"));
            for (int i = 1; i <= 2200; i++) {
                RowKind k = kind(i, i == 1000);
                Person p = k == RowKind.DUPLICATE ? people.get(i - 8) : person(rnd, i);
                people.add(p);
                String email = switch (k) {
                    case DUPLICATE -> p.email().toUpperCase(Locale.ROOT) + " ";
                    case BAD_EMAIL -> BAD_EMAILS[i % BAD_EMAILS.length];
                    case NO_IDENTIFIER -> "";
                    default -> p.email();
                };
                String phone = k == RowKind.NO_IDENTIFIER ? "" : k == RowKind.DUPLICATE ? p.e164() : p.national();
                String lastActive = rnd.nextInt(5) == 0 ? "" : String.format("2024-%02d-%02d %02d:%02d:%02d", 1 + rnd.nextInt(12),
                        1 + rnd.nextInt(28), rnd.nextInt(24), rnd.nextInt(60), rnd.nextInt(60));
                String address2 = k == RowKind.TOO_LONG ? "x".repeat(70_000) : i % 13 == 0 ? "Bâtiment B,\n3e étage" : "";
                String company = i % 29 == 0 ? FORMULAS[i / 29 % FORMULAS.length] : p.last() + " SARL";
                out.row(row(k == RowKind.NO_IDENTIFIER ? "" : Integer.toString(i), rnd.nextBoolean() ? "Mr" : "Ms", p.first(), p.last(), company,
                        "Manager", email, rnd.nextInt(3) == 0 ? p.e164() : "", phone,
                        k == RowKind.BAD_VALUE ? "abc" : Integer.toString(rnd.nextInt(200)), "", (1 + rnd.nextInt(99)) + " rue de la Paix",
                        address2, p.city(), "", String.format("%05d", rnd.nextInt(99999)), p.country(), rnd.nextBoolean() ? "fr_FR" : "en_GB",
                        rnd.nextBoolean() ? "Europe/Paris" : "Europe/London", lastActive, "", "", "https://www.example.com/" + i, "", "", "",
                        "", "", "", rnd.nextInt(3) == 0 ? "Customer" : ""));
                t.add(k);
                if (i % 400 == 0) {
                    out.emptyLine();
                }
            }
        }
        return t.expected();
    }
}

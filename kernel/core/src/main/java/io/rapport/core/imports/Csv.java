package io.rapport.core.imports;

/** Cells of the CSV files Rapport writes (RFC 4180), safe to open in a spreadsheet. */
public final class Csv {

    private Csv() {
    }

    /**
     * @return the value as one CSV cell: quoted when it holds a delimiter, a quote or a line break; a value a
     *         spreadsheet would take for a formula ({@code = + - @}, tab or carriage return first) is prefixed with
     *         {@code '} so that it shows as text and is never evaluated (OWASP "CSV injection")
     */
    public static String cell(String value) {
        if (value == null) {
            return "";
        }
        String v = value;
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0 || v.startsWith("'")) {
            return '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }
}

package io.rapport.connector.csv;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes a flat JSON object of strings, such as the {@code mapping} option
 * ({@code {"E-mail": "email", "Score": "attribute:score:NUMBER"}}). JDK only, no nesting.
 */
final class JsonStrings {

    private final String text;
    private int pos;

    private JsonStrings(String text) {
        this.text = text;
    }

    /**
     * @return the object's members in order
     * @throws IllegalArgumentException naming the place when the text is not a flat object of strings
     */
    static Map<String, String> parseObject(String text) {
        JsonStrings p = new JsonStrings(text);
        Map<String, String> out = new LinkedHashMap<>();
        p.skipBlanks();
        p.expect('{');
        p.skipBlanks();
        if (p.peek() == '}') {
            p.pos++;
        } else {
            while (true) {
                p.skipBlanks();
                String key = p.string();
                p.skipBlanks();
                p.expect(':');
                p.skipBlanks();
                String value = p.string();
                out.put(key, value);
                p.skipBlanks();
                char c = p.next();
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw p.error("expected ',' or '}'");
                }
            }
        }
        p.skipBlanks();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the object");
        }
        return out;
    }

    /** @return the map as a JSON object */
    static String write(Map<String, String> map) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, String> e : map.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            quote(sb, e.getKey());
            sb.append(':');
            quote(sb, e.getValue());
        }
        return sb.append('}').toString();
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("bad \\u escape");
                    }
                    try {
                        sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    pos += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private void skipBlanks() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw error("unexpected end");
        }
        return text.charAt(pos);
    }

    private char next() {
        char c = peek();
        pos++;
        return c;
    }

    private void expect(char c) {
        if (next() != c) {
            pos--;
            throw error("expected '" + c + "'");
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("the mapping is not a JSON object of strings: " + what + " at character " + (pos + 1));
    }
}

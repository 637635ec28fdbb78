package io.rapport.connector.csv;

import java.util.Locale;

/**
 * How the fields of a record are separated. {@link #WHITESPACE} splits on runs of spaces and tabs and ignores
 * leading and trailing blanks (fixed-width style files such as CDNOW's); it has no quoting.
 */
public enum Delimiter {
    COMMA(',', "comma"),
    SEMICOLON(';', "semicolon"),
    TAB('\t', "tab"),
    PIPE('|', "pipe"),
    WHITESPACE(' ', "whitespace");

    private final char separator;
    private final String optionName;

    Delimiter(char separator, String optionName) {
        this.separator = separator;
        this.optionName = optionName;
    }

    /** @return the separating character (a space for {@link #WHITESPACE}) */
    public char separator() {
        return separator;
    }

    /** @return the name the {@code delimiter} option takes for it */
    public String optionName() {
        return optionName;
    }

    /**
     * Reads a {@code delimiter} option: a name ({@code comma}, {@code semicolon}, {@code tab}, {@code pipe},
     * {@code whitespace}) or the character itself ({@code ,} {@code ;} {@code |}, {@code \t}).
     *
     * @throws IllegalArgumentException naming the value when it is neither
     */
    public static Delimiter parse(String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("the delimiter is empty");
        }
        if (value.length() == 1 && value.charAt(0) != ' ') {
            for (Delimiter d : values()) {
                if (d != WHITESPACE && d.separator == value.charAt(0)) {
                    return d;
                }
            }
        }
        String name = value.trim().toLowerCase(Locale.ROOT);
        if (name.equals("\\t")) {
            return TAB;
        }
        for (Delimiter d : values()) {
            if (d.optionName.equals(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not a delimiter: use comma, semicolon, tab, pipe or whitespace");
    }
}

package io.rapport.connector.csv;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the reader found out about a file: what an import wizard shows before the admin confirms.
 *
 * @param encoding  the character set name, such as {@code UTF-8} or {@code windows-1252}
 * @param bom       whether the file starts with a byte-order mark
 * @param delimiter the delimiter's option name ({@code comma}, {@code semicolon}, ...)
 * @param header    the column names
 * @param preset    the preset used (named or detected), or null
 * @param namespace the preset's namespace for external ids, or null
 * @param columns   each column's plan, in file order
 */
public record FileDescription(String encoding, boolean bom, String delimiter, List<String> header, String preset, String namespace,
                              List<ColumnPlan> columns) {

    public FileDescription {
        header = List.copyOf(header);
        columns = List.copyOf(columns);
    }

    /** @return column header to target as a mapping writes it: the {@code mapping} option that reproduces this plan */
    public Map<String, String> mapping() {
        Map<String, String> m = new LinkedHashMap<>();
        for (ColumnPlan c : columns) {
            m.putIfAbsent(c.header(), c.target().toString());
        }
        return m;
    }
}

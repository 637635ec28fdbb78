package io.rapport.connector.csv;

/**
 * Where one column of a file goes.
 *
 * @param index  the column's position (0-based)
 * @param header the column's header (or its {@code columns} name)
 * @param target the target, with an attribute's type resolved
 * @param source how the target was chosen: {@code mapping}, {@code preset}, {@code generic} or {@code inferred}
 */
public record ColumnPlan(int index, String header, Target target, String source) {

    public static final String FROM_MAPPING = "mapping";
    public static final String FROM_PRESET = "preset";
    public static final String FROM_GENERIC = "generic";
    public static final String FROM_INFERENCE = "inferred";
}

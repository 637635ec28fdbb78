package io.rapport.spi.imports;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.OrderRecord;
import io.rapport.api.imports.Rejected;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A file format an import connector reads, as an import wizard sees it: what the connector makes of the start of a
 * file, before the admin confirms. Register an implementation as an OSGi service with the property {@link #FORMAT};
 * the kernel answers {@code POST /api/v1/imports/preview?format=…} with it. The connector reads the jobs of the
 * format through {@link io.rapport.api.imports.ImportService}.
 *
 * @since 0.1
 */
@ConsumerType
public interface ImportFormat {

    /** Service property: the format's name, such as {@code csv}, as import jobs name it. */
    String FORMAT = "rapport.import.format";

    /**
     * What the reader found out about a file.
     *
     * @param encoding  the character set, such as {@code UTF-8}
     * @param delimiter the delimiter, as the format's options name it
     * @param header    the column names, in file order
     * @param preset    the preset used (named in the options, or recognised from the header), or null
     * @param namespace the namespace of the file's ids that the preset implies, or null
     * @param mapping   column → target, as the format's {@code mapping} option takes it: what the admin may change
     * @param presets   the presets the format knows, for a choice
     * @param targets   what a column can be mapped to, for a choice
     */
    record Description(String encoding, String delimiter, List<String> header, String preset, String namespace, Map<String, String> mapping,
                       List<String> presets, List<String> targets) {
    }

    /**
     * The start of a file, read and mapped.
     *
     * @param rows     the first rows as read, one list of cells each
     * @param contacts the same rows mapped, for a contacts import
     * @param orders   the same rows mapped, for an orders import
     * @param rejected the rows refused, and why
     */
    record Preview(Description description, List<List<String>> rows, List<ContactRecord> contacts, List<OrderRecord> orders, List<Rejected> rejected) {
    }

    /**
     * Reads the start of a file (the whole file may not be there: a wizard sends its first part).
     *
     * @param kind    {@link io.rapport.api.imports.ImportService#KIND_CONTACTS} or {@code KIND_ORDERS}
     * @param options the options the admin chose so far
     * @param rows    how many rows to read at most
     * @throws IllegalArgumentException when an option is wrong or the file is not of this format, in words for the admin
     */
    Preview preview(Path file, String kind, Map<String, String> options, int rows) throws IOException;
}

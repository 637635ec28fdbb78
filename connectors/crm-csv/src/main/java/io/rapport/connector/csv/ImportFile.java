package io.rapport.connector.csv;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.rapport.api.imports.Rejected;

/**
 * An open file with its mapping plan, reading batches: what {@link ContactFileReader} and {@link OrderFileReader}
 * share. Records that start on or before {@code afterLine} are skipped without being mapped.
 */
final class ImportFile<T> implements Closeable {

    private final CsvSource source;
    private final MappingPlan plan;
    private final FileDescription description;
    private final Function<CsvRecord, Mapped<T>> mapper;
    private final long afterLine;
    private long lastLine;

    private ImportFile(CsvSource source, MappingPlan plan, Function<CsvRecord, Mapped<T>> mapper, long afterLine) {
        this.source = source;
        this.plan = plan;
        this.mapper = mapper;
        this.afterLine = afterLine;
        this.lastLine = afterLine;
        Preset p = plan.preset();
        this.description = new FileDescription(source.encoding().charset().name(), source.encoding().bomLength() > 0,
                source.delimiter().optionName(), source.header(), p == null ? null : p.name(), p == null ? null : p.namespace(), plan.columns());
    }

    /** A mapper made once the file's plan is known. */
    interface MapperFactory<T> {
        Function<CsvRecord, Mapped<T>> create(MappingPlan plan, CsvOptions options, OffsetDateTime fileTime);
    }

    static <T> ImportFile<T> open(Path file, Map<String, String> options, long afterLine, Preset.Kind kind, MapperFactory<T> factory)
            throws IOException {
        CsvOptions o = CsvOptions.parse(options);
        CsvSource source = CsvSource.open(file, o);
        try {
            Preset preset = null;
            if (o.preset() != null && !o.preset().equals(CsvOptions.PRESET_NONE)) {
                preset = Presets.byName(o.preset()).orElseThrow();
                if (preset.kind() != kind) {
                    throw new IllegalArgumentException("the preset '" + preset.name() + "' is for " + preset.kind().name().toLowerCase()
                            + ", not " + kind.name().toLowerCase());
                }
            } else if (o.preset() == null) {
                preset = Presets.detect(source.header(), kind).orElse(null);
            }
            MappingPlan plan = MappingPlan.build(source.header(), o, preset, kind, source.sample(), source.delimiter());
            OffsetDateTime fileTime = Files.getLastModifiedTime(file).toInstant().atOffset(ZoneOffset.UTC);
            return new ImportFile<>(source, plan, factory.create(plan, o, fileTime), afterLine);
        } catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
    }

    Batch<T> next(int maxRows) throws IOException {
        if (maxRows < 1) {
            throw new IllegalArgumentException("a batch needs at least one row, not " + maxRows);
        }
        List<T> records = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        CsvRecord r;
        while (records.size() + rejected.size() < maxRows && (r = source.next()) != null) {
            if (r.line() <= afterLine) {
                continue;
            }
            Mapped<T> m = mapper.apply(r);
            if (m.record() != null) {
                records.add(m.record());
            } else {
                rejected.add(m.rejected());
            }
            lastLine = r.line();
        }
        return new Batch<>(records, rejected, lastLine);
    }

    Preview<T> preview(int rows) throws IOException {
        List<List<String>> raw = new ArrayList<>();
        List<T> records = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        CsvRecord r;
        while (raw.size() < rows && (r = source.next()) != null) {
            raw.add(r.fields());
            Mapped<T> m = mapper.apply(r);
            if (m.record() != null) {
                records.add(m.record());
            } else {
                rejected.add(m.rejected());
            }
        }
        return new Preview<>(description, raw, records, rejected);
    }

    FileDescription description() {
        return description;
    }

    MappingPlan plan() {
        return plan;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}

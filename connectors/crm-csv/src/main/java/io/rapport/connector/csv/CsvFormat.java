package io.rapport.connector.csv;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.rapport.api.imports.ImportService;
import io.rapport.spi.imports.ImportFormat;
import org.osgi.service.component.annotations.Component;

/** The preview of a CSV file for the console's import wizard: what the reader detects and how the first rows map. */
@Component(service = ImportFormat.class, property = ImportFormat.FORMAT + "=" + CsvImportConnector.FORMAT)
public final class CsvFormat implements ImportFormat {

    /** What a contacts column can be mapped to, beside {@code attribute:<name>[:<type>]} and {@code consent:<purpose>:<channel>}. */
    static final List<String> CONTACT_TARGETS = List.of(Target.EXTERNAL_ID, Target.EMAIL, Target.PHONE, Target.FIRST_NAME, Target.LAST_NAME,
            Target.LOCALE, Target.TIME_ZONE, Target.TAGS, Target.ATTRIBUTE + ":<name>", Target.CONSENT + ":<purpose>:<channel>",
            Target.CONSENT + ":<purpose>:<channel>:" + Target.OPTOUT, Target.IGNORE);
    /** What an orders column can be mapped to. */
    static final List<String> ORDER_TARGETS = List.of(Target.ORDER_ID, Target.CUSTOMER_ID, Target.EMAIL, Target.ORDER_DATE, Target.AMOUNT, Target.CURRENCY,
            Target.QUANTITY, Target.SKU, Target.ITEM_NAME, Target.PRICE, Target.IGNORE);

    @Override
    public Preview preview(Path file, String kind, Map<String, String> options, int rows) throws IOException {
        boolean orders = ImportService.KIND_ORDERS.equals(kind);
        if (orders) {
            io.rapport.connector.csv.Preview<io.rapport.api.imports.OrderRecord> p = OrderFileReader.preview(file, options, rows);
            return new Preview(describe(p.file(), true), p.rawRows(), List.of(), p.records(), p.rejected());
        }
        io.rapport.connector.csv.Preview<io.rapport.api.imports.ContactRecord> p = ContactFileReader.preview(file, options, rows);
        return new Preview(describe(p.file(), false), p.rawRows(), p.records(), List.of(), p.rejected());
    }

    private static Description describe(FileDescription d, boolean orders) {
        List<String> presets = Presets.all().stream().filter(p -> (p.kind() == Preset.Kind.ORDERS) == orders).map(Preset::name).toList();
        return new Description(d.encoding(), d.delimiter(), d.header(), d.preset(), d.namespace(), d.mapping(), presets,
                orders ? ORDER_TARGETS : CONTACT_TARGETS);
    }
}

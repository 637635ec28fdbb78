package io.rapport.connector.csv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.rapport.api.imports.ImportService;
import io.rapport.spi.channel.Channel;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The CSV import connector: its Camel routes read the import jobs of format {@value #FORMAT} (files admins upload
 * through {@code POST /api/v1/imports}) and, when configured with a folder, queue a job for each file dropped there.
 * Runs without configuration, so that uploads work as soon as the connector is installed; one configuration per
 * watched folder.
 */
@Component(configurationPid = CsvImportConnector.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
@Designate(ocd = CsvImportConnector.Config.class)
public final class CsvImportConnector {

    /** The import format this connector reads. */
    public static final String FORMAT = "csv";
    /** Its configuration's PID. */
    public static final String PID = "io.rapport.connector.csv";
    /** Under a watched folder: where a file goes once its job is queued. */
    static final String IMPORTED = ".imported";
    private static final Logger LOG = Logger.getLogger(CsvImportConnector.class.getName());
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    @ObjectClassDefinition(name = "CSV import", description = "Reads uploaded CSV files, and the files dropped into a folder, into customers or orders.")
    public @interface Config {
        @AttributeDefinition(name = "Watched folder", description = "A folder on the server: each .csv or .txt file dropped there is imported, "
                + "then moved to its .imported folder. Empty: uploads only.", required = false)
        String folder() default "";

        @AttributeDefinition(name = "Tenant id", description = "Server-wide settings: the tenant (its id) the folder's files belong to. "
                + "A shop's own settings import into the shop.", required = false)
        String tenantId() default "";

        @AttributeDefinition(name = "What the files hold", options = {
                @Option(value = ImportService.KIND_CONTACTS, label = "Contacts"),
                @Option(value = ImportService.KIND_ORDERS, label = "Orders")})
        String kind() default ImportService.KIND_CONTACTS;

        @AttributeDefinition(name = "Preset", description = "The CRM whose export the files are (hubspot, salesforce, mailchimp, zoho, mautic, cdnow); "
                + "empty: recognised from the header.", required = false)
        String preset() default "";

        @AttributeDefinition(name = "Options", description = "Further reading options as key=value (delimiter, encoding, dateOrder, mapping, ...).",
                required = false, cardinality = 20)
        String[] options() default {};

        @AttributeDefinition(name = "Look for work every (seconds)", min = "1", max = "300")
        int pollSeconds() default 1;

        @AttributeDefinition(name = "Records per batch", description = "Each batch is written in one transaction with the job's progress.",
                min = "1", max = "5000")
        int batchSize() default 1000;
    }

    private final ImportService imports;
    private final JobRunner runner;
    private final ServiceRegistration<RoutesBuilder> routes;

    @Activate
    public CsvImportConnector(@Reference ImportService imports, Config config, Map<String, Object> properties, BundleContext context) {
        this.imports = imports;
        int batch = Math.max(1, Math.min(ImportService.MAX_BATCH, config.batchSize()));
        this.runner = new JobRunner(imports, FORMAT, batch);
        Folder folder = folder(config, properties);
        String id = folder == null ? "" : "-" + Integer.toHexString(folder.path().toString().hashCode());
        long period = Math.max(1, config.pollSeconds()) * 1000L;
        RouteBuilder builder = new RouteBuilder() {
            @Override
            public void configure() {
                // one job at a time, on the timer's thread; a stop leaves the job for its lease to run out, then resumes it
                from("timer:rapport-import-csv" + id + "?period=" + period + "&delay=" + period).routeId("import-csv" + id)
                        .process(e -> runner.runWaiting());
                if (folder != null) {
                    from(folder.uri()).routeId("import-csv-folder" + id).process(e -> queue(e, folder));
                }
            }
        };
        this.routes = context.registerService(RoutesBuilder.class, builder, new Hashtable<>());
        LOG.info(() -> "CSV import ready" + (folder == null ? "" : ", watching " + folder.path() + " for tenant " + folder.tenant()));
    }

    @Deactivate
    void deactivate() {
        runner.stop();
        try {
            routes.unregister();
        } catch (IllegalStateException e) {
            // the framework took it back already
        }
    }

    /** A watched folder and what its files are. */
    record Folder(Path path, UUID tenant, String kind, Map<String, String> options) {
        String uri() {
            // Camel takes the folder as it is; the file's name never reaches an expression
            return "file:" + path + "?include=(?i).*\\.(csv|txt)&readLock=changed&readLockMinAge=2000&noop=true&idempotent=false&delay=2000";
        }
    }

    static Folder folder(Config c, Map<String, Object> properties) {
        if (c.folder() == null || c.folder().isBlank()) {
            return null;
        }
        Object own = properties.get(Channel.TENANT);
        UUID tenant;
        try {
            tenant = own != null ? UUID.fromString(own.toString())
                    : c.tenantId() == null || c.tenantId().isBlank() ? null : UUID.fromString(c.tenantId().strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the tenant id '" + c.tenantId() + "' is not a UUID");
        }
        if (tenant == null) {
            throw new IllegalArgumentException("a watched folder needs the tenant id its files belong to");
        }
        if (own != null && c.tenantId() != null && !c.tenantId().isBlank() && !c.tenantId().strip().equals(own.toString())) {
            throw new IllegalArgumentException("these are one shop's own settings: its files import into that shop; leave the tenant id empty");
        }
        if (!ImportService.KIND_CONTACTS.equals(c.kind()) && !ImportService.KIND_ORDERS.equals(c.kind())) {
            throw new IllegalArgumentException("the files hold contacts or orders, not " + c.kind());
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String o : c.options() == null ? new String[0] : c.options()) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("an option is key=value, not '" + o + "'");
            }
            options.put(o.substring(0, eq).strip(), o.substring(eq + 1).strip());
        }
        if (c.preset() != null && !c.preset().isBlank()) {
            options.put(CsvOptions.PRESET, c.preset().strip());
        }
        CsvOptions.parse(options); // a bad option fails the configuration now, not each file later
        Path path = Path.of(c.folder().strip()).toAbsolutePath().normalize();
        try {
            Files.createDirectories(path.resolve(IMPORTED));
        } catch (IOException e) {
            throw new IllegalArgumentException("the folder " + path + " cannot be used: " + e.getMessage());
        }
        return new Folder(path, tenant, c.kind(), Map.copyOf(options));
    }

    /** Moves a dropped file out of the way and queues its job; the timer's route reads it. */
    private void queue(Exchange e, Folder folder) throws IOException {
        Path file = e.getIn().getBody(java.io.File.class).toPath();
        String name = file.getFileName().toString();
        Path kept = folder.path().resolve(IMPORTED).resolve(LocalDateTime.now().format(STAMP) + "-" + name);
        Files.move(file, kept);
        String preset = folder.options().get(CsvOptions.PRESET);
        ImportService.Job job = imports.create(folder.tenant(), folder.kind(), FORMAT, name, preset == null ? FORMAT : preset, kept, folder.options(), false);
        LOG.log(Level.INFO, "Queued import job {0} for {1}", new Object[] {job.id(), kept});
    }
}

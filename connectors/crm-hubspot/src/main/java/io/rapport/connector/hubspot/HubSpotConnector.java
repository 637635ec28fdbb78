package io.rapport.connector.hubspot;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.api.imports.ImportService;
import io.rapport.spi.channel.Channel;
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
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Syncs one tenant's contacts from HubSpot on a schedule. While configured, it registers a Camel
 * {@link RoutesBuilder} whose route ({@code hubspot-<tenant id>}) fires every {@code everyMinutes} on a timer and runs
 * one {@link HubSpotSync}; the kernel's whiteboard adds the route to its Camel context and removes it when the
 * component goes.
 *
 * <p>Whose contacts: a tenant's own settings (the factory configuration {@code <pid>~<tenant id>}, which the kernel
 * gives the property {@value Channel#TENANT}) sync into that tenant, and refuse a different {@code tenantId}; server-wide
 * settings name the tenant in {@code tenantId}: the configuration {@code <pid>}, or, beside tenants' own ones, the factory
 * configuration {@code <pid>~shared} (Declarative Services takes either a single configuration or factory ones, see
 * ADR 0007). Two settings for one tenant make two routes of one id: the kernel refuses the second.
 */
@Component(service = {}, configurationPid = HubSpotConnector.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        property = ImportService.CONNECTOR + "=" + HubSpotConnector.NAME)
@Designate(ocd = HubSpotConnector.Config.class)
public final class HubSpotConnector {

    /** Its configuration's PID. */
    public static final String PID = "io.rapport.connector.hubspot";
    /** Its name for a tenant's own settings: /api/v1/connectors/hubspot/settings. */
    public static final String NAME = HubSpotSync.FORMAT;
    /** The route's id is this followed by the tenant id. */
    public static final String ROUTE_ID_PREFIX = "hubspot-";
    /** The timer's name is this followed by the tenant id. */
    public static final String TIMER_PREFIX = "rapport-hubspot-";
    /** Service property of the registered routes: the tenant they sync. */
    public static final String PROPERTY_TENANT = Channel.TENANT;
    /** How long after the start the first sync runs: the server settles first. */
    static final Duration FIRST_DELAY = Duration.ofSeconds(5);

    @ObjectClassDefinition(name = "HubSpot contacts sync", description = "Pulls contacts from HubSpot's CRM with a private app's access token, "
            + "everything the first time, then what changed, on a schedule.")
    public @interface Config {
        @AttributeDefinition(name = "Access token", type = AttributeType.PASSWORD,
                description = "The private app's access token (HubSpot: Settings > Integrations > Private apps); the app needs the scope crm.objects.contacts.read.")
        String token();

        @AttributeDefinition(name = "API base URL", description = "HubSpot's API; change it only for a proxy or a test server.")
        String baseUrl() default HubSpotClient.DEFAULT_BASE_URL;

        @AttributeDefinition(name = "Every (minutes)", description = "How often the sync runs.", min = "1")
        int everyMinutes() default 15;

        @AttributeDefinition(name = "Extra properties", required = false, cardinality = 100,
                description = "More HubSpot contact properties to import, each its internal name, optionally followed by its type: "
                        + "favorite_color, score:number, renewal_date:date, vip:boolean, interests:list. Each becomes the attribute hubspot_<name>.")
        String[] properties() default {};

        @AttributeDefinition(name = "Tenant id", required = false,
                description = "Server-wide settings: the tenant (its id) the contacts go to; required. A shop's own settings: leave empty.")
        String tenantId() default "";
    }

    /**
     * What a configuration amounts to.
     *
     * @param tenant the tenant the contacts go to
     */
    record Settings(UUID tenant, URI baseUrl, String token, Duration every, List<ContactMapper.Extra> extras) {
        @Override
        public String toString() {
            return "Settings[" + tenant + " " + baseUrl + " every " + every.toMinutes() + " min]"; // never the token
        }
    }

    private final HubSpotSync sync;
    private final ServiceRegistration<RoutesBuilder> registration;

    @Activate
    public HubSpotConnector(@Reference ImportService imports, Config config, Map<String, Object> properties, BundleContext context) {
        Settings s = settings(config, properties);
        HubSpotClient client = new HubSpotClient(HubSpotClient.Settings.of(s.baseUrl(), s.token()));
        this.sync = new HubSpotSync(s.tenant(), imports, client, new ContactMapper(s.extras()), Clock.systemUTC(), HubSpotSync.OVERLAP);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(PROPERTY_TENANT, s.tenant().toString());
        this.registration = context.registerService(RoutesBuilder.class, routes(sync, s.every(), FIRST_DELAY), props);
    }

    @Deactivate
    void deactivate() {
        sync.stop(); // first: removing the route waits for a running sync
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already gone with the bundle
        }
    }

    /** The route: a timer that runs one sync at a time (a sync longer than the period delays the next one). */
    static RouteBuilder routes(HubSpotSync sync, Duration every, Duration delay) {
        String tenant = sync.tenant().toString();
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:" + TIMER_PREFIX + tenant + "?period=" + every.toMillis() + "&delay=" + delay.toMillis())
                        .routeId(ROUTE_ID_PREFIX + tenant)
                        .process(exchange -> sync.run());
            }
        };
    }

    /** Checks a configuration (an error here is shown to the admin as the plugin's failure). */
    static Settings settings(Config c, Map<String, Object> properties) {
        Object owner = properties == null ? null : properties.get(Channel.TENANT);
        UUID tenant = null;
        if (owner != null) {
            tenant = uuid(owner.toString(), "the tenant of these settings");
        }
        String configured = c.tenantId() == null ? "" : c.tenantId().strip();
        if (!configured.isEmpty()) {
            UUID named = uuid(configured, "the tenant id");
            // a shop's own HubSpot account fills that shop, never another's
            if (tenant != null && !tenant.equals(named)) {
                throw new IllegalArgumentException("these are one shop's own settings: its contacts go to that shop; leave the tenant id empty");
            }
            tenant = named;
        }
        if (tenant == null) {
            throw new IllegalArgumentException("the tenant id is required: the tenant the contacts go to");
        }
        if (c.token() == null || c.token().isBlank()) {
            throw new IllegalArgumentException("the access token is required");
        }
        String base = c.baseUrl() == null || c.baseUrl().isBlank() ? HubSpotClient.DEFAULT_BASE_URL : c.baseUrl().strip().replaceAll("/+$", "");
        URI url;
        try {
            url = URI.create(base);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the API base URL '" + c.baseUrl() + "' is not a URL");
        }
        if ((!"https".equals(url.getScheme()) && !"http".equals(url.getScheme())) || url.getHost() == null) {
            throw new IllegalArgumentException("the API base URL '" + c.baseUrl() + "' is not an http(s) URL");
        }
        if (c.everyMinutes() < 1) {
            throw new IllegalArgumentException("the sync runs every 1 minute or more");
        }
        List<ContactMapper.Extra> extras = new ArrayList<>();
        for (String p : c.properties() == null ? new String[0] : c.properties()) {
            if (p != null && !p.isBlank()) {
                extras.add(ContactMapper.Extra.parse(p));
            }
        }
        return new Settings(tenant, url, c.token().strip(), Duration.ofMinutes(c.everyMinutes()), List.copyOf(extras));
    }

    private static UUID uuid(String value, String what) {
        try {
            return UUID.fromString(value.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " '" + value + "' is not a UUID");
        }
    }
}

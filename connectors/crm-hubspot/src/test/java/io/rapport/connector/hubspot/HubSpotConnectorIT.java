package io.rapport.connector.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import io.rapport.api.imports.ImportService;
import io.rapport.testkit.PluginTestHost;
import org.apache.camel.RoutesBuilder;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** The built bundle in the kernel's Felix: it resolves, reads its settings and registers its route while configured. */
class HubSpotConnectorIT {

    static final String TENANT = "00000000-0000-0000-0000-000000000001";
    static final String SHOP = "00000000-0000-0000-0000-000000000007";
    static final String OTHER = "00000000-0000-0000-0000-000000000009";

    static String route(String tenant) {
        return "(rapport.tenant=" + tenant + ")";
    }

    @Test
    void registersItsRouteWhileConfiguredAndRemovesItWhenTheConfigurationGoes() {
        try (PluginTestHost host = PluginTestHost.start()) {
            host.host().register(ImportService.class, new FakeImports(), Map.of());
            Bundle bundle = host.installBuiltBundle();

            host.configure(HubSpotConnector.PID, Map.of("token", "pat-test", "tenantId", TENANT, "everyMinutes", 60,
                    "properties", new String[] {"score:number"}));
            assertThat(host.awaitService(RoutesBuilder.class, route(TENANT), Duration.ofSeconds(10))).isNotNull();
            Map<String, Object> schema = host.configSchema(bundle, HubSpotConnector.PID);
            assertThat(schema).containsEntry("title", "HubSpot contacts sync");
            assertThat(schema.toString()).contains("token", "baseUrl", "everyMinutes", "properties", "tenantId");

            host.deleteConfiguration(HubSpotConnector.PID);
            await().atMost(Duration.ofSeconds(10)).until(() -> !host.hasService(RoutesBuilder.class, null));
        }
    }

    @Test
    void aShopsOwnSettingsSyncThatShopBesideTheSharedOnesAndCannotNameAnother() throws Exception {
        try (PluginTestHost host = PluginTestHost.start()) {
            host.host().register(ImportService.class, new FakeImports(), Map.of());
            host.installBuiltBundle();

            // as the kernel stores them (ADR 0007): the shared settings <pid>~shared, a shop's own <pid>~<tenant id> with rapport.tenant
            Configuration shared = host.host().configAdmin().getFactoryConfiguration(HubSpotConnector.PID, "shared", "?");
            shared.update(new Hashtable<>(Map.of("token", "pat-shared", "tenantId", TENANT)));
            Configuration own = host.host().configAdmin().getFactoryConfiguration(HubSpotConnector.PID, SHOP, "?");
            own.update(new Hashtable<>(Map.of("token", "pat-shop", "rapport.tenant", SHOP)));
            host.awaitService(RoutesBuilder.class, route(TENANT), Duration.ofSeconds(10));
            host.awaitService(RoutesBuilder.class, route(SHOP), Duration.ofSeconds(10));

            Configuration wrong = host.host().configAdmin().getFactoryConfiguration(HubSpotConnector.PID, OTHER + "-x", "?");
            wrong.update(new Hashtable<>(Map.of("token", "pat-x", "rapport.tenant", SHOP, "tenantId", OTHER)));
            await().atMost(Duration.ofSeconds(10)).until(() -> failures(host.host().context()).stream()
                    .anyMatch(f -> f.contains("these are one shop's own settings: its contacts go to that shop; leave the tenant id empty")));
            assertThat(host.hasService(RoutesBuilder.class, route(OTHER))).isFalse();

            own.delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> !host.hasService(RoutesBuilder.class, route(SHOP)));
            assertThat(host.hasService(RoutesBuilder.class, route(TENANT))).isTrue();
        }
    }

    static List<String> failures(BundleContext ctx) {
        ServiceComponentRuntime scr = ctx.getService(ctx.getServiceReference(ServiceComponentRuntime.class));
        List<String> out = new ArrayList<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (c.failure != null) {
                    out.add(c.failure);
                }
            }
        }
        return out;
    }
}

package io.rapport.connector.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.annotation.Annotation;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.api.imports.ImportService;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.junit.jupiter.api.Test;

class HubSpotConnectorTest {

    static final String TENANT = "00000000-0000-0000-0000-000000000001";
    static final String OTHER = "00000000-0000-0000-0000-000000000002";

    record Cfg(String token, String baseUrl, int everyMinutes, String[] properties, String tenantId) implements HubSpotConnector.Config {
        @Override
        public Class<? extends Annotation> annotationType() {
            return HubSpotConnector.Config.class;
        }
    }

    static Cfg config(String tenantId) {
        return new Cfg(FakeHubSpot.TOKEN, HubSpotClient.DEFAULT_BASE_URL, 15, new String[] {"score:number", " "}, tenantId);
    }

    @Test
    void serverWideSettingsNameTheTenant() {
        HubSpotConnector.Settings s = HubSpotConnector.settings(config(TENANT), Map.of());

        assertThat(s.tenant()).isEqualTo(UUID.fromString(TENANT));
        assertThat(s.every()).isEqualTo(Duration.ofMinutes(15));
        assertThat(s.baseUrl()).hasToString("https://api.hubapi.com");
        assertThat(s.extras()).extracting(ContactMapper.Extra::attribute).containsExactly("hubspot_score");
        assertThat(s.toString()).doesNotContain(FakeHubSpot.TOKEN);
        assertThatThrownBy(() -> HubSpotConnector.settings(config(""), Map.of())).hasMessage("the tenant id is required: the tenant the contacts go to");
        assertThatThrownBy(() -> HubSpotConnector.settings(config("shop-1"), Map.of())).hasMessage("the tenant id 'shop-1' is not a UUID");
    }

    @Test
    void aTenantsOwnSettingsSyncIntoThatTenantOnly() {
        Map<String, Object> own = Map.of("rapport.tenant", TENANT);

        assertThat(HubSpotConnector.settings(config(""), own).tenant()).isEqualTo(UUID.fromString(TENANT));
        assertThat(HubSpotConnector.settings(config(TENANT), own).tenant()).isEqualTo(UUID.fromString(TENANT));
        assertThatThrownBy(() -> HubSpotConnector.settings(config(OTHER), own))
                .hasMessage("these are one shop's own settings: its contacts go to that shop; leave the tenant id empty");
    }

    @Test
    void refusesSettingsThatCannotWork() {
        assertThatThrownBy(() -> HubSpotConnector.settings(new Cfg(" ", null, 15, null, TENANT), Map.of())).hasMessage("the access token is required");
        assertThatThrownBy(() -> HubSpotConnector.settings(new Cfg("t", "ftp://x", 15, null, TENANT), Map.of()))
                .hasMessage("the API base URL 'ftp://x' is not an http(s) URL");
        assertThatThrownBy(() -> HubSpotConnector.settings(new Cfg("t", null, 0, null, TENANT), Map.of())).hasMessage("the sync runs every 1 minute or more");
        assertThatThrownBy(() -> HubSpotConnector.settings(new Cfg("t", null, 5, new String[] {"Bad Name"}, TENANT), Map.of()))
                .hasMessageContaining("'Bad Name' is not a HubSpot property");
        assertThat(HubSpotConnector.settings(new Cfg("t", "http://localhost:8089/", 5, null, TENANT), Map.of()).baseUrl())
                .hasToString("http://localhost:8089");
    }

    @Test
    void theRouteRunsASyncOnItsTimerUnderAnIdOfItsTenant() throws Exception {
        try (FakeHubSpot hubspot = FakeHubSpot.start().generate(30); DefaultCamelContext camel = new DefaultCamelContext()) {
            FakeImports imports = new FakeImports();
            HubSpotClient client = new HubSpotClient(HubSpotClient.Settings.of(hubspot.baseUrl(), FakeHubSpot.TOKEN));
            HubSpotSync sync = new HubSpotSync(UUID.fromString(TENANT), imports, client, new ContactMapper(List.of()), Clock.systemUTC(), Duration.ZERO);

            camel.addRoutes(HubSpotConnector.routes(sync, Duration.ofMinutes(15), Duration.ZERO));
            camel.start();

            assertThat(camel.getRoutes()).singleElement().satisfies(r -> {
                assertThat(r.getRouteId()).isEqualTo("hubspot-" + TENANT);
                assertThat(r.getEndpoint().getEndpointUri()).isEqualTo("timer://rapport-hubspot-" + TENANT + "?delay=0&period=900000");
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> imports.jobs().size() == 1
                    && imports.jobs().get(0).state() == ImportService.State.DONE);
            assertThat(imports.records(imports.jobs().get(0).id())).hasSize(30);
            assertThat(((ModelCamelContext) camel).getRouteDefinitions()).hasSize(1);
        }
    }
}

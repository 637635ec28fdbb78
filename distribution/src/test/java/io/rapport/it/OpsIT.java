package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** What operators scrape and read: health, metrics, the OpenAPI document, problem answers for unknown paths. */
@Order(4)
class OpsIT {

    @Test
    void healthReportsTheKernel() {
        Api.awaitReady();
        var ready = Api.anonymous().get("/health/ready").expect(200).json();
        assertThat(ready.getString("status")).isEqualTo("UP");
        assertThat(ready.getJsonArray("checks").getJsonObject(0).getJsonObject("data").getString("relay")).isEqualTo("running");
        Api.anonymous().get("/health/live").expect(200);
    }

    @Test
    void metricsAndOpenApiAreServed() {
        assertThat(Api.anonymous().get("/metrics?scope=application").expect(200).raw()).contains("rapport_events_stored_total");
        assertThat(Api.anonymous().get("/openapi").expect(200).raw()).contains("/api/v1/events", "/api/v1/customers/{id}/timeline");
    }

    @Test
    void unknownPathsAndMethodsAreProblems() {
        Api.operator().get("/api/v1/nothing-here").expectProblem(404, null);
        Api.operator().put("/api/v1/customers", "{}").expectProblem(405, null);
    }
}

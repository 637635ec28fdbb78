package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KPIs through the API with the two KPI plugins installed: orders ingested at known times in the past months, the
 * series with their hand-computed values and inputs, goals and their progress, and the errors.
 */
class KpisIT {

    static final List<String> PLUGINS = List.of("io.rapport.plugin.kpi.retention", "io.rapport.plugin.kpi.clv");
    static final List<String> KPIS = List.of("retention_rate", "churn_rate", "repeat_purchase_rate", "purchase_frequency", "average_order_value",
            "cart_abandonment_rate", "conversion_rate", "email_open_rate", "email_click_rate", "email_click_to_open_rate", "email_bounce_rate",
            "unsubscribe_rate", "historical_clv", "predicted_clv");

    static Api.Shop shop;
    /** Three months ago (no orders), two months ago and last month, in UTC. */
    static YearMonth empty;
    static YearMonth first;
    static YearMonth second;

    @BeforeAll
    static void setUp() throws IOException {
        Api.awaitReady();
        for (String name : PLUGINS) {
            if (Api.operator().get("/api/v1/admin/plugins/" + name).status() != 200) {
                String jar = name.equals(PLUGINS.get(0)) ? "kpi-retention.jar" : "kpi-clv.jar";
                Api.operator().upload("POST", "/api/v1/admin/plugins?start=true", Files.readAllBytes(Api.PLUGINS.resolve(jar)), "application/java-archive")
                        .expect(201);
            }
        }
        shop = Api.newShop(null);
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        empty = now.minusMonths(3);
        first = now.minusMonths(2);
        second = now.minusMonths(1);
        String run = UUID.randomUUID().toString().substring(0, 8);
        // two months ago: Ann 100, Bob 50; last month: Ann 30 and 60, Cy 90 (his first order). Noon UTC, mid-month:
        // the same month in any shop zone
        order("ann-" + run, first.atDay(10), "100", run + "a1");
        order("bob-" + run, first.atDay(20), "50", run + "b1");
        order("ann-" + run, second.atDay(10), "30", run + "a2");
        order("cy-" + run, second.atDay(15), "90", run + "c1");
        order("ann-" + run, second.atDay(20), "60", run + "a3");
        Api.awaitCustomer(shop.viewer(), "ann-" + run + "@example.com", c -> c.getInt("orderCount") == 3);
        Api.awaitCustomer(shop.viewer(), "bob-" + run + "@example.com", c -> c.getInt("orderCount") == 1);
        Api.awaitCustomer(shop.viewer(), "cy-" + run + "@example.com", c -> c.getInt("orderCount") == 1);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(shop.viewer().get("/api/v1/kpis")
                .expect(200).json().getJsonArray("items")).extracting(v -> v.asJsonObject().getString("id")).containsAll(KPIS));
    }

    @AfterAll
    static void tearDown() {
        for (String name : PLUGINS) {
            if (Api.operator().get("/api/v1/admin/plugins/" + name).status() == 200) {
                Api.operator().delete("/api/v1/admin/plugins/" + name).expect(204);
            }
        }
    }

    static void order(String who, LocalDate day, String total, String key) {
        shop.key().post("/api/v1/events", "{\"type\": \"order.completed\", \"customer\": {\"email\": \"" + who + "@example.com\"}, \"timestamp\": \""
                + day.atTime(12, 0).atOffset(ZoneOffset.UTC) + "\", \"properties\": {\"total\": " + total + "}, \"idempotencyKey\": \"o-" + key + "\"}")
                .expect(202);
    }

    static JsonObject series(String kpi, YearMonth from, YearMonth to) {
        return shop.viewer().get("/api/v1/kpis/" + kpi + "?granularity=month&from=" + from.atDay(1) + "&to=" + to.atEndOfMonth()).expect(200).json();
    }

    static String number(JsonObject o, String key) {
        return o.getJsonNumber(key).bigDecimalValue().stripTrailingZeros().toPlainString();
    }

    @Test
    void theListShowsBothPluginsKpisWithTheirDefinitions() {
        List<JsonObject> items = shop.viewer().get("/api/v1/kpis").expect(200).json().getJsonArray("items").getValuesAs(JsonObject.class);
        JsonObject aov = items.stream().filter(i -> i.getString("id").equals("average_order_value")).findFirst().orElseThrow();
        assertThat(aov.getString("unit")).isEqualTo("currency");
        assertThat(aov.getString("direction")).isEqualTo("higher");
        assertThat(aov.getString("module")).isEqualTo("retention");
        assertThat(aov.getJsonObject("current").getString("start")).as("the current month").isEqualTo(YearMonth.now(ZoneOffset.UTC).atDay(1).toString());
        JsonObject churn = items.stream().filter(i -> i.getString("id").equals("churn_rate")).findFirst().orElseThrow();
        assertThat(churn.getString("direction")).isEqualTo("lower");
        assertThat(churn.getString("unit")).isEqualTo("percent");
        JsonObject predicted = items.stream().filter(i -> i.getString("id").equals("predicted_clv")).findFirst().orElseThrow();
        assertThat(predicted.getString("module")).isEqualTo("clv");
        assertThat(Api.isNull(predicted.getJsonObject("current"), "value")).as("three customers: too few to fit a model").isTrue();
        assertThat(number(predicted.getJsonObject("current").getJsonObject("inputs"), "customers")).isEqualTo("3");
    }

    @Test
    void aSeriesHasTheHandComputedValuesAndTheirInputs() {
        JsonObject aov = series("average_order_value", empty, second);
        assertThat(aov.getString("granularity")).isEqualTo("month");
        assertThat(aov.getJsonObject("definition").getString("id")).isEqualTo("average_order_value");
        List<JsonObject> items = aov.getJsonArray("items").getValuesAs(JsonObject.class);
        assertThat(items).extracting(i -> i.getString("start")).containsExactly(empty.atDay(1).toString(), first.atDay(1).toString(),
                second.atDay(1).toString());
        assertThat(items.get(0).get("value")).as("no orders: no value, not 0").isEqualTo(JsonValue.NULL);
        assertThat(number(items.get(0).getJsonObject("inputs"), "orders")).isEqualTo("0");
        assertThat(number(items.get(1), "value")).isEqualTo("75"); // (100 + 50) / 2
        assertThat(number(items.get(1).getJsonObject("inputs"), "orders")).isEqualTo("2");
        assertThat(number(items.get(1).getJsonObject("inputs"), "revenue")).isEqualTo("150");
        assertThat(number(items.get(2), "value")).isEqualTo("60"); // (30 + 90 + 60) / 3
        assertThat(number(items.get(2).getJsonObject("inputs"), "revenue")).isEqualTo("180");

        // last month: active at its start Ann and Bob (S = 2), at its end Ann, Bob and Cy (E = 3), new Cy (N = 1)
        JsonObject retention = series("retention_rate", second, second).getJsonArray("items").getJsonObject(0);
        assertThat(number(retention, "value")).isEqualTo("100"); // (3 - 1) / 2
        assertThat(number(retention.getJsonObject("inputs"), "customersAtStart")).isEqualTo("2");
        assertThat(number(retention.getJsonObject("inputs"), "customersAtEnd")).isEqualTo("3");
        assertThat(number(retention.getJsonObject("inputs"), "newCustomers")).isEqualTo("1");
        // revenue per customer to the end of last month: (190 + 50 + 90) / 3 = 110
        JsonObject historical = series("historical_clv", second, second).getJsonArray("items").getJsonObject(0);
        assertThat(number(historical, "value")).isEqualTo("110");
        assertThat(number(historical.getJsonObject("inputs"), "revenue")).isEqualTo("330");
    }

    @Test
    void aGoalShowsItsProgressAndOnlyMarketersSetIt() {
        JsonObject set = shop.marketer().put("/api/v1/kpis/average_order_value/goal", "{\"target\": 50, \"granularity\": \"month\"}").expect(200).json();
        assertThat(number(set, "target")).isEqualTo("50");
        assertThat(set.getString("granularity")).isEqualTo("month");
        JsonObject goal = series("average_order_value", first, second).getJsonObject("goal");
        assertThat(number(goal, "target")).isEqualTo("50");
        assertThat(number(goal, "progress")).as("last month's 60 against 50").isEqualTo("1.2");
        JsonObject listed = shop.viewer().get("/api/v1/kpis").expect(200).json().getJsonArray("items").getValuesAs(JsonObject.class).stream()
                .filter(i -> i.getString("id").equals("average_order_value")).findFirst().orElseThrow();
        assertThat(number(listed.getJsonObject("goal"), "target")).isEqualTo("50");

        shop.viewer().put("/api/v1/kpis/average_order_value/goal", "{\"target\": 70}").expect(403);
        shop.marketer().put("/api/v1/kpis/average_order_value/goal", "{\"target\": \"lots\"}").expectProblem(400, "/target");
        shop.marketer().delete("/api/v1/kpis/average_order_value/goal").expect(204);
        assertThat(Api.isNull(series("average_order_value", second, second), "goal")).isTrue();
    }

    @Test
    void theCohortTableCountsCustomersByTheMonthOfTheirFirstOrder() {
        JsonObject t = shop.viewer().get("/api/v1/kpis/cohorts?from=" + empty + "&to=" + second.atEndOfMonth()).expect(200).json();
        assertThat(t.getString("event")).isEqualTo("order.completed");
        assertThat(t.getString("from")).isEqualTo(empty.toString());
        assertThat(t.getString("to")).isEqualTo(second.toString());
        List<JsonObject> cohorts = t.getJsonArray("cohorts").getValuesAs(JsonObject.class);
        assertThat(cohorts).extracting(c -> c.getString("month")).containsExactly(empty.toString(), first.toString(), second.toString());
        assertThat(cohorts.get(0).getInt("customers")).isZero();
        assertThat(cohorts.get(0).getJsonArray("rates").get(0)).as("an empty cohort has no rate, not 0").isEqualTo(JsonValue.NULL);
        // two months ago Ann and Bob ordered first; last month Ann again, and Cy first
        assertThat(cohorts.get(1).getInt("customers")).isEqualTo(2);
        assertThat(cohorts.get(1).getJsonArray("active").getValuesAs(jakarta.json.JsonNumber.class)).extracting(jakarta.json.JsonNumber::intValue)
                .containsExactly(2, 1);
        assertThat(cohorts.get(1).getJsonArray("rates").getValuesAs(jakarta.json.JsonNumber.class))
                .extracting(r -> r.bigDecimalValue().stripTrailingZeros().toPlainString()).containsExactly("1", "0.5");
        assertThat(cohorts.get(2).getInt("customers")).isEqualTo(1);
        assertThat(t.getJsonArray("cohorts")).hasSize(3);

        JsonObject list = shop.viewer().get("/api/v1/kpis").expect(200).json();
        assertThat(list.getJsonObject("orders").getString("first")).isEqualTo(first.atDay(10).toString());
        assertThat(list.getJsonObject("orders").getString("last")).isEqualTo(second.atDay(20).toString());

        shop.viewer().get("/api/v1/kpis/cohorts?from=last-year").expectProblem(400, "from");
        shop.viewer().get("/api/v1/kpis/cohorts?from=" + second + "&to=" + first).expectProblem(400, "to");
        shop.viewer().get("/api/v1/kpis/cohorts?from=2020-01&to=2025-12").expectProblem(400, "from");
        shop.viewer().get("/api/v1/kpis/cohorts?event=DROP%20TABLE").expectProblem(400, "event");
    }

    @Test
    void theTopScoresListCustomersHighestFirst() {
        // three customers are too few for a fit: predicted_clv writes no score, so the list is empty rather than an error
        JsonObject top = shop.viewer().get("/api/v1/kpis/scores/predicted_clv/top").expect(200).json();
        assertThat(top.getString("score")).isEqualTo("predicted_clv");
        assertThat(top.getJsonArray("items")).isEmpty();
        shop.viewer().get("/api/v1/kpis/scores/predicted_clv/top?limit=101").expectProblem(400, "limit");
        shop.viewer().get("/api/v1/kpis/scores/predicted_clv/top?limit=many").expectProblem(400, "limit");
        shop.viewer().get("/api/v1/kpis/scores/Not-A-Name/top").expectProblem(404, null);
    }

    @Test
    void unknownKpisAndBadParametersAreProblems() {
        shop.viewer().get("/api/v1/kpis/nope").expectProblem(404, null);
        shop.viewer().get("/api/v1/kpis/average_order_value?granularity=hour").expectProblem(400, "granularity");
        shop.viewer().get("/api/v1/kpis/average_order_value?granularity=month&from=yesterday").expectProblem(400, "from");
        shop.marketer().put("/api/v1/kpis/nope/goal", "{\"target\": 1}").expectProblem(404, null);
    }
}

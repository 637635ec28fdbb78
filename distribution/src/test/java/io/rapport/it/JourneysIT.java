package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Journeys through the API with the real email channel and GreenMail: the abandoned-cart and welcome templates end to
 * end (their waits shortened to seconds), a graceful restart in the middle of a wait, bad definitions named by pointer.
 * Runs late: it restarts the server.
 */
@Order(Integer.MAX_VALUE - 2)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JourneysIT {

    static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort()).withPerMethodLifecycle(false);

    @BeforeAll
    static void setUp() {
        Api.awaitReady();
        Mail.install();
        Mail.configure(Mail.FROM, "127.0.0.1", smtp.getSmtp().getPort());
    }

    @AfterAll
    static void tearDown() {
        Mail.uninstall();
    }

    @Test
    @Order(1)
    void anAbandonedCartFromItsTemplateRemindsOfTheItemsAndAnOrderEndsIt() throws MessagingException {
        Api.Shop shop = Api.newShop(null);
        JsonObject created = shop.marketer().post("/api/v1/journeys", "{\"name\": \"Cart\", \"template\": \"abandoned-cart\"}").expect(201).json();
        String id = created.getString("id");
        assertThat(created.getString("status")).isEqualTo("draft");
        // the template's hour and day, in seconds
        String quick = created.getJsonObject("definition").toString().replace("\"PT1H\"", "\"PT2S\"").replace("\"P1D\"", "\"PT3S\"");
        shop.marketer().put("/api/v1/journeys/" + id, "{\"name\": \"Cart\", \"definition\": " + quick + "}").expect(200);
        assertThat(shop.marketer().post("/api/v1/journeys/" + id + "/publish", "").expect(200).json().getInt("liveVersion")).isEqualTo(1);

        String ann = "ann-" + shop.slug() + "@example.com";
        String bob = "bob-" + shop.slug() + "@example.com";
        for (String email : List.of(ann, bob)) {
            shop.marketer().post("/api/v1/customers", consenting(email, "Ann")).expect(201);
            shop.key().post("/api/v1/events", "{\"type\": \"cart.updated\", \"customer\": {\"email\": \"" + email + "\"}, \"properties\": "
                    + "{\"items\": [{\"name\": \"Red shoes\", \"quantity\": 1, \"price\": \"59.90\"}], \"url\": \"https://shop.example/cart\"}}").expect(202);
        }
        // Bob orders at once: no reminder for him
        shop.key().post("/api/v1/events", "{\"type\": \"order.completed\", \"customer\": {\"email\": \"" + bob + "\"}, \"properties\": {\"total\": 59.9}}")
                .expect(202);

        MimeMessage first = await().atMost(WAIT).until(() -> to(ann), l -> !l.isEmpty()).get(0);
        assertThat(first.getSubject()).isEqualTo("You left something in your cart");
        assertThat(GreenMailUtil.getBody(first)).contains("Red shoes");
        shop.key().post("/api/v1/events", "{\"type\": \"order.completed\", \"customer\": {\"email\": \"" + ann + "\"}, \"properties\": {\"total\": 59.9}}")
                .expect(202);
        JsonObject analytics = await().atMost(WAIT).until(() -> shop.viewer().get("/api/v1/journeys/" + id + "/analytics").expect(200).json(),
                a -> a.getInt("converted") == 2 && a.getInt("active") == 0);
        assertThat(analytics.getInt("entered")).isEqualTo(2);
        assertThat(to(ann)).as("no last call after the order").hasSize(1);
        assertThat(to(bob)).isEmpty();
        JsonObject reminder = analytics.getJsonArray("steps").stream().map(JsonValue::asJsonObject).filter(s -> s.getString("step").equals("reminder"))
                .findFirst().orElseThrow();
        assertThat(reminder.getJsonObject("outcomes").getInt("sent")).isEqualTo(1);
        JsonObject runs = shop.viewer().get("/api/v1/journeys/" + id + "/runs?state=exited").expect(200).json();
        assertThat(runs.getJsonArray("items")).hasSize(2).allSatisfy(r -> assertThat(r.asJsonObject().getString("exitReason")).isEqualTo("goal reached"));
    }

    @Test
    @Order(2)
    void theWelcomeSeriesGreetsNewCustomersThenSplitsThem() {
        Api.Shop shop = Api.newShop(null);
        String id = shop.marketer().post("/api/v1/journeys", "{\"name\": \"Welcome\", \"template\": \"welcome\"}").expect(201).json().getString("id");
        JsonObject def = shop.viewer().get("/api/v1/journeys/" + id).expect(200).json().getJsonObject("definition");
        String quick = def.toString().replace("\"P2D\"", "\"PT2S\"").replaceAll("\"quietHours\":\\{[^}]*\\},?", "");
        shop.marketer().put("/api/v1/journeys/" + id, "{\"name\": \"Welcome\", \"definition\": " + quick + "}").expect(200);
        shop.marketer().post("/api/v1/journeys/" + id + "/publish", "").expect(200);
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String email = "w" + i + "-" + shop.slug() + "@example.com";
            emails.add(email);
            shop.marketer().post("/api/v1/customers", consenting(email, "W" + i)).expect(201);
        }
        await().atMost(WAIT).until(() -> emails.stream().allMatch(e -> to(e).size() == 2));
        assertThat(emails).allSatisfy(e -> {
            List<MimeMessage> got = to(e);
            assertThat(got.get(0).getSubject()).startsWith("Welcome, W");
            assertThat(got.get(1).getSubject()).isIn("10% off your first order", "A welcome gift is waiting for you");
        });
        JsonObject analytics = await().atMost(WAIT).until(() -> shop.viewer().get("/api/v1/journeys/" + id + "/analytics").expect(200).json(),
                a -> a.getInt("completed") == 6);
        assertThat(analytics.getJsonArray("arms")).extracting(a -> a.asJsonObject().getString("name")).containsExactly("A", "B");
        assertThat(analytics.getJsonArray("arms").stream().mapToInt(a -> a.asJsonObject().getInt("entered")).sum()).isEqualTo(6);
    }

    @Test
    @Order(3)
    void aDraftIsCheckedAndDryRunAndBadDefinitionsAreNamedByPointer() {
        Api.Shop shop = Api.newShop(null);
        String c = shop.marketer().post("/api/v1/customers", consenting("dry-" + shop.slug() + "@example.com", "Dee")).expect(201).json().getString("id");
        JsonObject templates = shop.viewer().get("/api/v1/journeys/templates").expect(200).json();
        assertThat(templates.getJsonArray("items")).extracting(t -> t.asJsonObject().getString("name"))
                .containsExactly("welcome", "abandoned-cart", "post-purchase", "win-back", "replenishment", "birthday");
        String id = shop.marketer().post("/api/v1/journeys", "{\"name\": \"Cart\", \"template\": \"abandoned-cart\"}").expect(201).json().getString("id");

        JsonObject dry = shop.marketer().post("/api/v1/journeys/" + id + "/dry-run", "{\"customerId\": \"" + c + "\", \"eventProperties\": "
                + "{\"items\": [{\"name\": \"Hat\", \"quantity\": 2}]}}").expect(200).json();
        assertThat(dry.getJsonArray("steps")).extracting(s -> s.asJsonObject().getString("outcome")).containsExactly("timeout", "sent", "timeout", "sent");
        assertThat(dry.getJsonArray("steps").getJsonObject(1).getJsonObject("detail").getString("text")).contains("Hello Dee").contains("- Hat × 2");
        JsonObject ordered = shop.marketer().post("/api/v1/journeys/" + id + "/dry-run", "{\"customerId\": \"" + c + "\", \"events\": "
                + "[{\"type\": \"order.completed\", \"after\": \"PT20M\"}]}").expect(200).json();
        assertThat(ordered.getBoolean("converted")).isTrue();
        assertThat(to("dry-" + shop.slug() + "@example.com")).as("a dry run sends nothing").isEmpty();

        // bad input, at save time
        String cycle = "{\"trigger\": {\"type\": \"manual\"}, \"start\": \"a\", \"steps\": {\"a\": {\"type\": \"tag\", \"tag\": \"x\", \"next\": \"b\"}, "
                + "\"b\": {\"type\": \"branch\", \"condition\": {\"tag\": \"y\"}, \"then\": \"a\", \"else\": null}}}";
        shop.marketer().post("/api/v1/journeys", "{\"name\": \"Loop\", \"definition\": " + cycle + "}").expectProblem(400, "/definition/steps/a");
        shop.marketer().post("/api/v1/journeys", "{\"name\": \"Odd\", \"definition\": {\"trigger\": {\"type\": \"manual\"}, \"start\": \"a\", "
                + "\"steps\": {\"a\": {\"type\": \"teleport\"}}}}").expectProblem(400, "/definition/steps/a/type");
        shop.marketer().post("/api/v1/journeys", "{\"name\": \"Tier\", \"definition\": {\"trigger\": {\"type\": \"manual\"}, \"start\": \"a\", "
                + "\"steps\": {\"a\": {\"type\": \"branch\", \"condition\": {\"attribute\": \"tier\", \"op\": \"eq\", \"value\": \"gold\"}, \"then\": null, "
                + "\"else\": null}}}}").expectProblem(400, "/definition/steps/a/condition");
        shop.marketer().post("/api/v1/journeys/validate", "{\"definition\": " + cycle + "}").expectProblem(400, "/definition/steps/a");
        shop.marketer().post("/api/v1/journeys", "{\"name\": \"Cart\", \"template\": \"abandoned-cart\"}").expectProblem(409, "/name");
        shop.marketer().post("/api/v1/journeys", "{\"name\": \"X\", \"template\": \"black-friday\"}").expectProblem(400, "/template");
        shop.marketer().post("/api/v1/journeys/" + id + "/dry-run", "{\"customerId\": \"" + c + "\", \"events\": [{\"type\": \"order.completed\", "
                + "\"after\": \"soon\"}]}").expectProblem(400, "/events/0/after");
        shop.viewer().post("/api/v1/journeys", "{\"name\": \"V\", \"template\": \"welcome\"}").expect(403);
        shop.marketer().post("/api/v1/journeys/" + id + "/enrol", "{\"customerIds\": [\"" + c + "\"]}").expectProblem(409, "/status");
        shop.marketer().post("/api/v1/journeys/" + id + "/publish", "").expect(200);
        shop.marketer().delete("/api/v1/journeys/" + id).expectProblem(409, "/status");
        assertThat(shop.marketer().post("/api/v1/journeys/" + id + "/stop", "").expect(200).json().getInt("left")).isZero();
        shop.viewer().get("/api/v1/journeys/" + UUID.randomUUID()).expectProblem(404, null);
    }

    @Test
    @Order(4)
    void aRestartInTheMiddleOfAWaitLosesNoStepAndRepeatsNone() {
        Api.Shop shop = Api.newShop(null);
        String def = "{\"trigger\": {\"type\": \"manual\"}, \"start\": \"w\", \"steps\": {\"w\": {\"type\": \"wait\", \"duration\": \"PT6S\", "
                + "\"next\": \"m\"}, \"m\": {\"type\": \"send\", \"channel\": \"email\", \"subject\": \"After the restart\", \"text\": \"Still here\", "
                + "\"next\": null}}}";
        String id = shop.marketer().post("/api/v1/journeys", "{\"name\": \"Restart\", \"definition\": " + def + "}").expect(201).json().getString("id");
        shop.marketer().post("/api/v1/journeys/" + id + "/publish", "").expect(200);
        List<String> ids = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String email = "r" + i + "-" + shop.slug() + "@example.com";
            emails.add(email);
            ids.add(shop.marketer().post("/api/v1/customers", consenting(email, null)).expect(201).json().getString("id"));
        }
        String list = String.join("\", \"", ids);
        assertThat(shop.marketer().post("/api/v1/journeys/" + id + "/enrol", "{\"customerIds\": [\"" + list + "\"]}").expect(200).json()
                .getInt("entered")).isEqualTo(20);
        await().atMost(WAIT).until(() -> shop.viewer().get("/api/v1/journeys/" + id + "/runs?state=waiting&limit=100").expect(200).json()
                .getJsonArray("items").size() == 20);

        Api.server("stop");
        Api.server("start");
        Api.awaitReady();

        await().atMost(WAIT).until(() -> emails.stream().allMatch(e -> to(e).size() == 1));
        JsonObject analytics = await().atMost(WAIT).until(() -> shop.viewer().get("/api/v1/journeys/" + id + "/analytics").expect(200).json(),
                a -> a.getInt("completed") == 20);
        assertThat(analytics.getInt("entered")).isEqualTo(20);
        assertThat(emails).allSatisfy(e -> assertThat(to(e)).as("exactly one message to %s", e).hasSize(1));
    }

    static String consenting(String email, String firstName) {
        return "{\"email\": \"" + email + "\"" + (firstName == null ? "" : ", \"firstName\": \"" + firstName + "\"")
                + ", \"consents\": [{\"purpose\": \"marketing\", \"channel\": \"email\", \"status\": \"granted\", \"source\": \"signup form\"}]}";
    }

    /** Messages GreenMail received for this address. */
    static List<MimeMessage> to(String email) {
        List<MimeMessage> out = new ArrayList<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            try {
                for (var a : m.getRecipients(Message.RecipientType.TO)) {
                    if (a.toString().contains(email)) {
                        out.add(m);
                    }
                }
            } catch (MessagingException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }
}

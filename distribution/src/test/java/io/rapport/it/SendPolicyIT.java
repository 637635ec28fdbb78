package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The tenant's send policy over HTTP: validation at each field, roles, and the answer. */
@Order(4)
class SendPolicyIT {

    static final String POLICY = "/api/v1/admin/send-policy";
    static Api.Shop shop;

    @BeforeAll
    static void setUp() {
        Api.awaitReady();
        shop = Api.newShop(null);
    }

    @Test
    void anAdminSetsQuietHoursAndACapThatOthersCanRead() {
        JsonObject none = shop.marketer().get(POLICY).expect(200).json();
        assertThat(none.isNull("quietHours")).isTrue();
        assertThat(none.isNull("frequencyCap")).isTrue();

        shop.admin().put(POLICY, "{\"quietHours\": {\"start\": \"9pm\", \"end\": \"08:00\"}, \"defaultTimeZone\": \"Europe/Atlantis\", "
                + "\"frequencyCap\": {\"messages\": 0, \"days\": 7}, \"tone\": \"gentle\"}")
                .expectProblem(400, "/quietHours/start").expectProblem(400, "/defaultTimeZone").expectProblem(400, "/frequencyCap/messages")
                .expectProblem(400, "/tone");
        shop.marketer().put(POLICY, "{\"quietHours\": null}").expectProblem(403, null);

        JsonObject set = shop.admin().put(POLICY, "{\"quietHours\": {\"start\": \"21:00\", \"end\": \"08:00\"}, \"defaultTimeZone\": \"Europe/Paris\", "
                + "\"frequencyCap\": {\"messages\": 3, \"days\": 7}}").expect(200).json();
        assertThat(set.getJsonObject("quietHours").getString("start")).isEqualTo("21:00");
        assertThat(set.getJsonObject("quietHours").getString("end")).isEqualTo("08:00");
        assertThat(set.getString("defaultTimeZone")).isEqualTo("Europe/Paris");
        assertThat(set.getJsonObject("frequencyCap").getInt("messages")).isEqualTo(3);
        assertThat(shop.viewer().get(POLICY).expect(403).status()).isEqualTo(403);
        assertThat(shop.marketer().get(POLICY).expect(200).json()).isEqualTo(set);
        assertThat(shop.admin().get("/api/v1/admin/audit").expect(200).raw()).contains("send-policy.changed");
        // another tenant is not affected
        assertThat(Api.newShop(null).admin().get(POLICY).expect(200).json().isNull("quietHours")).isTrue();
    }
}

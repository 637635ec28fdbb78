package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Authentication, roles and tenant isolation over HTTP. */
@Order(3)
class SecurityIT {

    static Api.Shop a;
    static Api.Shop b;

    @BeforeAll
    static void shops() {
        Api.awaitReady();
        a = Api.newShop(null);
        b = Api.newShop(null);
    }

    @Test
    void everyApiNeedsCredentials() {
        Api.anonymous().get("/api/v1/customers").expectProblem(401, null);
        assertThat(Api.anonymous().get("/api/v1/customers").header("WWW-Authenticate")).startsWith("Basic");
        Api.user("admin", "admin").get("/api/v1/customers").expectProblem(401, null);
        Api.user(a.slug() + "-admin", "wrong").get("/api/v1/me").expectProblem(401, null);
        a.key().get("/api/v1/customers").expectProblem(401, null);
    }

    @Test
    void rolesLimitWhatAUserMayDo() {
        a.viewer().post("/api/v1/customers", "{\"email\": \"v@example.com\"}").expectProblem(403, null);
        a.marketer().post("/api/v1/admin/api-keys", "{\"name\": \"x\"}").expectProblem(403, null);
        a.admin().post("/api/v1/admin/tenants", "{\"slug\": \"nope\", \"name\": \"Nope\", \"admin\": {\"username\": \"n\", \"password\": \"123456789012\"}}")
                .expectProblem(403, null);
        a.admin().post("/api/v1/admin/users", "{\"username\": \"short-" + a.slug() + "\", \"password\": \"short\", \"role\": \"viewer\"}")
                .expectProblem(400, "/password");
        assertThat(a.viewer().get("/api/v1/me").expect(200).json().getString("role")).isEqualTo("viewer");
    }

    @Test
    void aTenantNeverSeesAnotherTenantsCustomers() {
        String email = "shared-" + UUID.randomUUID() + "@example.com";
        a.key().post("/api/v1/events", "{\"type\": \"order.completed\", \"customer\": {\"email\": \"" + email + "\"}, \"properties\": {\"total\": 7}}").expect(202);
        b.key().post("/api/v1/events", "{\"type\": \"page.viewed\", \"customer\": {\"email\": \"" + email + "\"}}").expect(202);
        var inA = Api.awaitCustomer(a.viewer(), email, c -> c.getInt("orderCount") == 1);
        var inB = Api.awaitCustomer(b.viewer(), email, c -> true);
        assertThat(inB.getString("id")).isNotEqualTo(inA.getString("id"));
        assertThat(inB.getInt("orderCount")).isZero();
        String aId = inA.getString("id");
        b.admin().get("/api/v1/customers/" + aId).expectProblem(404, null);
        b.admin().get("/api/v1/customers/" + aId + "/timeline").expectProblem(404, null);
        b.admin().patch("/api/v1/customers/" + aId, "{\"firstName\": \"Mallory\"}").expectProblem(404, null);
        b.admin().delete("/api/v1/customers/" + aId).expectProblem(404, null);
        b.admin().post("/api/v1/customers/" + inB.getString("id") + "/merge", "{\"customerId\": \"" + aId + "\"}").expectProblem(404, null);
        b.admin().delete("/api/v1/admin/api-keys/" + a.keyId()).expectProblem(404, null);
        assertThat(a.viewer().get("/api/v1/customers/" + aId).json().getInt("orderCount")).isEqualTo(1);
    }

    @Test
    void aUserChangesTheirPassword() {
        String name = "pw-" + UUID.randomUUID().toString().substring(0, 8);
        a.admin().post("/api/v1/admin/users", "{\"username\": \"" + name + "\", \"password\": \"first-password-1\", \"role\": \"viewer\"}").expect(201);
        Api.user(name, "first-password-1").put("/api/v1/me/password", "{\"password\": \"second-password-2\"}").expect(204);
        Api.user(name, "first-password-1").get("/api/v1/me").expectProblem(401, null);
        Api.user(name, "second-password-2").get("/api/v1/me").expect(200);
    }
}

package io.rapport.core.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class StageRulesTest {

    private final StageRules rules = StageRules.defaults();

    @Test
    void eventsMoveCustomersForwardOnly() {
        assertThat(rules.advance(null, "page.viewed", 0)).isEqualTo("awareness");
        assertThat(rules.advance("awareness", "cart.updated", 0)).isEqualTo("consideration");
        assertThat(rules.advance("purchase", "page.viewed", 1)).isEqualTo("purchase");
        assertThat(rules.advance("consideration", "order.completed", 1)).isEqualTo("purchase");
        assertThat(rules.advance("purchase", "order.completed", 2)).isEqualTo("retention");
        assertThat(rules.advance("retention", "order.completed", 5)).isEqualTo("loyalty");
    }

    @Test
    void unknownTypesLeaveTheStage() {
        assertThat(rules.advance(null, "email.opened", 0)).isNull();
        assertThat(rules.advance("purchase", "email.opened", 1)).isEqualTo("purchase");
    }

    @Test
    void rulesMustNameConfiguredStages() {
        assertThatThrownBy(() -> new StageRules(List.of("lead", "client"), "order.completed=purchase"))
                .hasMessageContaining("purchase");
        assertThat(new StageRules(List.of("lead", "client"), "signup.completed=lead, orders>=1=client").advance(null, "x.y", 1)).isEqualTo("client");
    }
}

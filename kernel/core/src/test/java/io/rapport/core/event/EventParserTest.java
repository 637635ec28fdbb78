package io.rapport.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import io.rapport.api.customer.AttributeType;
import io.rapport.api.customer.Identifier;
import io.rapport.core.json.Json;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import org.junit.jupiter.api.Test;

class EventParserTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-06-01T12:00:00Z"), ZoneOffset.UTC);
    private final EventParser parser = new EventParser(3, clock);

    private List<EventParser.Item> parse(String json) {
        return parser.parse(Json.provider().createReader(new java.io.StringReader(json)).readValue(), "FR");
    }

    @Test
    void readsAFullEvent() {
        EventParser.Item item = parse("""
                {"type": "order.completed", "timestamp": "2026-05-31T10:00:00+02:00",
                 "customer": {"email": " Ann@Example.com", "phone": "06 12 34 56 78", "externalIds": {"shopify": "991"}, "anonymousId": "a-1"},
                 "properties": {"total": 42.50, "items": ["book"]},
                 "traits": {"firstName": "Ann", "vip": true, "birthday": {"type": "date", "value": "1990-05-01"}},
                 "idempotencyKey": "order-991"}
                """).get(0);
        assertThat(item.errors()).isEmpty();
        assertThat(item.event().type()).isEqualTo("order.completed");
        assertThat(item.event().occurredAt()).isEqualTo(OffsetDateTime.parse("2026-05-31T10:00:00+02:00"));
        assertThat(item.event().identifiers()).containsExactly(Identifier.email("ann@example.com"), Identifier.phone("+33612345678"),
                Identifier.anonymous("a-1"), Identifier.external("shopify", "991"));
        assertThat(item.event().properties().get("total")).isEqualTo(new BigDecimal("42.50"));
        assertThat(item.event().traits().get("birthday").type()).isEqualTo(AttributeType.DATE);
        assertThat(item.event().idempotencyKey()).isEqualTo("order-991");
    }

    @Test
    void timestampDefaultsToNow() {
        EventParser.Item item = parse("{\"type\": \"page.viewed\", \"customer\": {\"anonymousId\": \"x\"}}").get(0);
        assertThat(item.event().occurredAt().toInstant()).isEqualTo(clock.instant());
    }

    @Test
    void aBatchKeepsItsGoodEventsAndNamesEachBadField() {
        List<EventParser.Item> items = parse("""
                {"events": [
                  {"type": "page.viewed", "customer": {"email": "ok@example.com"}},
                  {"type": "Page Viewed", "customer": {"email": "not-an-email"}, "timestmap": "2026-01-01T00:00:00Z"},
                  {"type": "order.completed", "customer": {}, "properties": {"total": "12"}}
                ]}
                """);
        assertThat(items.get(0).ok()).isTrue();
        assertThat(items.get(1).errors()).extracting(FieldError::field)
                .containsExactlyInAnyOrder("/events/1/timestmap", "/events/1/type", "/events/1/customer/email");
        assertThat(items.get(2).errors()).extracting(FieldError::field)
                .containsExactlyInAnyOrder("/events/2/customer", "/events/2/properties/total");
    }

    @Test
    void refusesWhatOnlyTheKernelEmitsAndTheFarFuture() {
        EventParser.Item item = parse("{\"type\": \"consent.changed\", \"customer\": {\"email\": \"a@example.com\"}, \"timestamp\": \"2026-06-05T00:00:00Z\"}").get(0);
        assertThat(item.errors()).extracting(FieldError::field).containsExactlyInAnyOrder("/type", "/timestamp");
    }

    @Test
    void phonesWithoutCountryCodeUseTheTenantRegion() {
        EventParser.Item item = parse("{\"type\": \"sms.replied\", \"customer\": {\"phone\": \"0612345678\"}}").get(0);
        assertThat(item.event().identifiers()).containsExactly(Identifier.phone("+33612345678"));
    }

    @Test
    void oversizedAndEmptyBatchesAreRefusedWhole() {
        String one = "{\"type\": \"page.viewed\", \"customer\": {\"anonymousId\": \"x\"}}";
        assertThatThrownBy(() -> parse("[" + String.join(",", one, one, one, one) + "]"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("at most 3");
        assertThatThrownBy(() -> parse("[]")).isInstanceOf(InvalidInputException.class).hasMessageContaining("no events");
        assertThatThrownBy(() -> parse("42")).isInstanceOf(InvalidInputException.class);
    }
}

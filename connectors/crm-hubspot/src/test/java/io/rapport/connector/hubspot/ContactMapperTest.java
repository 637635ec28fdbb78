package io.rapport.connector.hubspot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.rapport.api.customer.AttributeType;
import io.rapport.api.customer.AttributeValue;
import io.rapport.api.imports.ContactRecord;
import org.junit.jupiter.api.Test;

class ContactMapperTest {

    final ContactMapper mapper = new ContactMapper(List.of(ContactMapper.Extra.parse("score:number"), ContactMapper.Extra.parse("renewal_date:date"),
            ContactMapper.Extra.parse("vip:boolean"), ContactMapper.Extra.parse("interests:list"), ContactMapper.Extra.parse("favorite_color")));

    static HubSpotClient.Contact contact(String id, Map<String, String> properties) {
        return new HubSpotClient.Contact(id, properties, null);
    }

    @Test
    void mapsEachPropertyToItsFieldOrTypedAttribute() {
        Map<String, String> p = new HashMap<>();
        p.put("hs_object_id", "501");
        p.put("email", "ada@example.com");
        p.put("firstname", "Ada");
        p.put("lastname", "Lovelace");
        p.put("phone", "+44 20 7946 0000");
        p.put("mobilephone", "+44 7700 900000");
        p.put("hs_language", "en-gb");
        p.put("lifecyclestage", "customer");
        p.put("hubspot_owner_id", "31415");
        p.put("createdate", "2023-12-31T23:30:00.000Z");
        p.put("lastmodifieddate", "2024-05-01T10:15:30.123Z");
        p.put("score", "42.5");
        p.put("renewal_date", "2025-01-31");
        p.put("vip", "true");
        p.put("interests", "books;travel; ;music");
        p.put("favorite_color", "green");

        ContactMapper.Mapped m = mapper.map(7, contact("501", p));

        assertThat(m.rejected()).isNull();
        ContactRecord r = m.record();
        assertThat(r.line()).isEqualTo(7);
        assertThat(r.externalId()).isEqualTo("501");
        assertThat(r.email()).isEqualTo("ada@example.com");
        assertThat(r.firstName()).isEqualTo("Ada");
        assertThat(r.lastName()).isEqualTo("Lovelace");
        assertThat(r.phone()).isEqualTo("+44 20 7946 0000"); // phone before mobilephone
        assertThat(r.locale()).isEqualTo("en-GB");
        assertThat(r.timeZone()).isNull();
        assertThat(r.attributes()).containsOnly(
                Map.entry("hubspot_lifecycle_stage", AttributeValue.of("customer")),
                Map.entry("hubspot_owner_id", AttributeValue.of("31415")),
                Map.entry("hubspot_created", AttributeValue.of(LocalDate.of(2023, 12, 31))),
                Map.entry("hubspot_last_modified", AttributeValue.of(LocalDate.of(2024, 5, 1))),
                Map.entry("hubspot_score", AttributeValue.of(new BigDecimal("42.5"))),
                Map.entry("hubspot_renewal_date", AttributeValue.of(LocalDate.of(2025, 1, 31))),
                Map.entry("hubspot_vip", AttributeValue.of(true)),
                Map.entry("hubspot_interests", AttributeValue.of(List.of("books", "travel", "music"))),
                Map.entry("hubspot_favorite_color", AttributeValue.of("green")));
        assertThat(r.tags()).isEmpty();
        assertThat(r.consents()).isEmpty();
    }

    @Test
    void takesTheMobileNumberWithoutAPhoneAndLeavesOutWhatIsMissing() {
        ContactRecord r = mapper.map(1, contact("9", Map.of("mobilephone", "+44 7700 900001", "lastmodifieddate", "1714558530123"))).record();

        assertThat(r.phone()).isEqualTo("+44 7700 900001");
        assertThat(r.email()).isNull();
        assertThat(r.locale()).isNull();
        assertThat(r.attributes()).containsOnlyKeys("hubspot_last_modified");
        assertThat(r.attributes().get("hubspot_last_modified")).isEqualTo(AttributeValue.of(LocalDate.of(2024, 5, 1))); // milliseconds too
    }

    @Test
    void aContactWithOnlyAnIdIsKeptAndOneWithNoIdEmailOrPhoneIsRejected() {
        assertThat(mapper.map(3, contact("77", Map.of("firstname", "Bo"))).record().externalId()).isEqualTo("77");
        assertThat(mapper.map(4, contact(null, Map.of("hs_object_id", "78"))).record().externalId()).isEqualTo("78");

        ContactMapper.Mapped m = mapper.map(5, contact(null, Map.of("firstname", "Nobody")));

        assertThat(m.record()).isNull();
        assertThat(m.rejected().line()).isEqualTo(5);
        assertThat(m.rejected().field()).isNull();
        assertThat(m.rejected().reason()).isEqualTo("the contact has no id, e-mail address or phone number");
    }

    @Test
    void aValueItsTypeCannotHoldRejectsTheContactNamingTheProperty() {
        ContactMapper.Mapped m = mapper.map(12, contact("5", Map.of("email", "x@example.com", "score", "lots")));

        assertThat(m.record()).isNull();
        assertThat(m.rejected().field()).isEqualTo("score");
        assertThat(m.rejected().reason()).isEqualTo("'lots' in score is not a number");
        assertThat(mapper.map(1, contact("5", Map.of("vip", "yes"))).rejected().reason()).isEqualTo("'yes' in vip is neither true nor false");
        assertThat(mapper.map(1, contact("5", Map.of("renewal_date", "soon"))).rejected().reason()).isEqualTo("'soon' in renewal_date is not a date");
    }

    @Test
    void asksHubSpotForTheMappedPropertiesAndTheExtraOnes() {
        assertThat(mapper.properties()).containsExactly("hs_object_id", "email", "firstname", "lastname", "phone", "mobilephone", "hs_language",
                "lifecyclestage", "hubspot_owner_id", "createdate", "lastmodifieddate", "score", "renewal_date", "vip", "interests", "favorite_color");
    }

    @Test
    void readsExtraPropertySettings() {
        assertThat(ContactMapper.Extra.parse(" Score : NUMBER ".toLowerCase())).isEqualTo(new ContactMapper.Extra("score", "hubspot_score", AttributeType.NUMBER));
        assertThat(ContactMapper.Extra.parse("hubspot_team_id")).isEqualTo(new ContactMapper.Extra("hubspot_team_id", "hubspot_team_id", AttributeType.STRING));
        assertThatThrownBy(() -> ContactMapper.Extra.parse("Favorite Color")).hasMessageContaining("internal name");
        assertThatThrownBy(() -> ContactMapper.Extra.parse("score:money")).hasMessageContaining("not 'money'");
    }

    @Test
    void languageTagsBecomeLocales() {
        assertThat(ContactMapper.locale("en")).isEqualTo("en");
        assertThat(ContactMapper.locale("pt-br")).isEqualTo("pt-BR");
        assertThat(ContactMapper.locale("zh_tw")).isEqualTo("zh-TW");
        assertThat(ContactMapper.locale("!!")).isNull();
    }
}

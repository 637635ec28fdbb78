package io.rapport.core.customer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NormalizerTest {

    @Test
    void emailsAreTrimmedAndLowerCased() {
        assertThat(Normalizer.email("  Ann.Smith@Example.COM ")).contains("ann.smith@example.com");
    }

    @Test
    void badEmailsAreRefused() {
        assertThat(Normalizer.email("ann@")).isEmpty();
        assertThat(Normalizer.email("ann smith@example.com")).isEmpty();
        assertThat(Normalizer.email("ann@localhost")).isEmpty();
        assertThat(Normalizer.email(null)).isEmpty();
    }

    @Test
    void phonesBecomeE164() {
        assertThat(Normalizer.phone("+33 6 12 34 56 78", null)).contains("+33612345678");
        assertThat(Normalizer.phone("06 12 34 56 78", "FR")).contains("+33612345678");
        assertThat(Normalizer.phone("(415) 555-2671", "US")).contains("+14155552671");
    }

    @Test
    void phonesWithoutCountryNeedARegion() {
        assertThat(Normalizer.phone("06 12 34 56 78", null)).isEmpty();
        assertThat(Normalizer.phone("+33 12", null)).isEmpty();
        assertThat(Normalizer.phone("call me", "FR")).isEmpty();
    }

    @Test
    void localesAndZones() {
        assertThat(Normalizer.locale("en_gb")).contains("en-GB");
        assertThat(Normalizer.locale("12")).isEmpty();
        assertThat(Normalizer.timeZone("Europe/Paris")).contains("Europe/Paris");
        assertThat(Normalizer.timeZone("Mars/Olympus")).isEmpty();
    }
}

package io.rapport.core.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void version7WithTheTimeInFrontAndTheRfcVariant() {
        UUID id = Ids.timeOrdered(0x0189_ABCD_EF01L);
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(0x0189_ABCD_EF01L);
        assertThat(id.toString()).startsWith("0189abcd-ef01-7");
    }

    @Test
    void laterMillisecondsSortLaterAndIdsDoNotRepeat() {
        assertThat(Ids.timeOrdered(1000).toString()).isLessThan(Ids.timeOrdered(1001).toString());
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            assertThat(seen.add(Ids.timeOrdered(42))).isTrue();
        }
    }
}

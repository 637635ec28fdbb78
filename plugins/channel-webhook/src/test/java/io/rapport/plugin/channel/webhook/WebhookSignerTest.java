package io.rapport.plugin.channel.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WebhookSignerTest {

    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @Test
    void signsIdTimestampAndBodyAndVerifiesAnyOfSeveralSignatures() {
        WebhookSigner s = new WebhookSigner(SECRET);
        String sig = s.sign("msg_1", 1700000000L, "{\"a\":1}");
        assertThat(sig).startsWith("v1,");
        assertThat(s.verify("msg_1", 1700000000L, "{\"a\":1}", "v1,bogus " + sig)).isTrue();
        assertThat(s.verify("msg_1", 1700000001L, "{\"a\":1}", sig)).isFalse();
        assertThat(s.verify("msg_1", 1700000000L, "{\"a\":2}", sig)).isFalse();
    }

    @Test
    void aSecretTooShortOrNotBase64IsRefusedUpFront() {
        assertThatThrownBy(() -> new WebhookSigner("whsec_")).hasMessageContaining("too short");
        assertThatThrownBy(() -> new WebhookSigner("whsec_AAA=")).hasMessageContaining("too short");
        assertThatThrownBy(() -> new WebhookSigner("whsec_not base64!")).hasMessageContaining("base64");
        assertThatThrownBy(() -> new WebhookSigner("short")).hasMessageContaining("too short");
        assertThatThrownBy(() -> new WebhookSigner(" ")).hasMessageContaining("required");
        assertThat(new WebhookSigner("a plain text secret of enough length").sign("i", 1, "b")).startsWith("v1,");
    }
}

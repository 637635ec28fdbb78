package io.rapport.plugin.channel.sms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class HttpReceiverTest {

    /** The example of Twilio's request validation documentation (twilio-php's "Validate Incoming Requests" gives the same). */
    static final String DOCS_TOKEN = "12345";
    static final String DOCS_URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
    static final Map<String, String> DOCS_PARAMETERS = Map.of("CallSid", "CA1234567890ABCDE", "Caller", "+14158675309", "Digits", "1234",
            "From", "+14158675309", "To", "+18005551212");
    static final String DOCS_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    @Test
    void theSignatureOfTwiliosDocumentedExample() throws Exception {
        assertThat(TwilioSignature.sign(DOCS_TOKEN, DOCS_URL, DOCS_PARAMETERS)).as("the tests' helper").isEqualTo(DOCS_SIGNATURE);
        assertThat(HttpReceiver.signature(DOCS_TOKEN, DOCS_URL, List.copyOf(DOCS_PARAMETERS.entrySet()))).isEqualTo(DOCS_SIGNATURE);
        assertThat(HttpReceiver.signature("54321", DOCS_URL, List.copyOf(DOCS_PARAMETERS.entrySet()))).isNotEqualTo(DOCS_SIGNATURE);
        assertThat(HttpReceiver.signature(DOCS_TOKEN, DOCS_URL.replace("https", "http"), List.copyOf(DOCS_PARAMETERS.entrySet()))).isNotEqualTo(DOCS_SIGNATURE);
    }

    @Test
    void aFormBodyIsDecodedInOrder() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("Body", "Stop now é");
        expected.put("From", "+33612345678");
        expected.put("Empty", "");
        assertThat(HttpReceiver.form("Body=Stop+now+%C3%A9&From=%2B33612345678&Empty=&")).containsExactlyElementsOf(expected.entrySet());
        assertThatThrownBy(() -> HttpReceiver.form("Body=%zz")).isInstanceOf(IllegalArgumentException.class);
        assertThat(HttpReceiver.isForm("application/x-www-form-urlencoded; charset=UTF-8")).isTrue();
        assertThat(HttpReceiver.isForm("application/json")).isFalse();
        assertThat(HttpReceiver.isForm(null)).isFalse();
    }
}

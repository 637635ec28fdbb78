package io.rapport.plugin.channel.sms;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The tests' own X-Twilio-Signature, written from Twilio's documentation (twilio.com/docs/usage/security, "Validating
 * requests"): take the full URL, append each POST parameter's name and value sorted by name, no delimiters; HMAC-SHA1
 * with the auth token as the key; Base64.
 */
final class TwilioSignature {

    private TwilioSignature() {
    }

    static String sign(String authToken, String url, Map<String, String> postParameters) throws Exception {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(postParameters).forEach((name, value) -> data.append(name).append(value));
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
    }
}

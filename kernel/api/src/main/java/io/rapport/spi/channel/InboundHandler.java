package io.rapport.spi.channel;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Takes what a provider posts back to the server: a bounce forwarded by a mail server, an SMS provider's status
 * callback or an inbound text. A {@link Channel} service that also implements this interface receives every
 * {@code POST /api/v1/public/inbound/<its type>}; other channels answer 404 there.
 *
 * <p>Contract: the kernel does not authenticate these requests (a provider cannot hold a Rapport API key): the handler
 * must, by the provider's signature or a secret the admin put in the URL, and answer {@link Response#unauthorized}
 * otherwise. The body is at most {@link #MAX_BODY} bytes. Delivery updates go to the kernel through
 * {@link io.rapport.api.message.MessageService#report} or {@code reportByProvider}; repeats are harmless there.
 * A handler that could not take the request now answers a 5xx, so that the provider tries again.
 *
 * @since 0.3
 */
@ConsumerType
public interface InboundHandler {

    /** The largest body the kernel hands over. */
    int MAX_BODY = 1024 * 1024;

    /**
     * A provider's request as it arrived.
     *
     * @param url         the URL the provider called, under the server's public URL (what signatures are computed over)
     * @param contentType the body's media type, or null
     * @param body        the raw body
     * @param headers     the request's headers, names in lower case
     * @param query       the query parameters
     */
    record Request(URI url, String contentType, byte[] body, Map<String, List<String>> headers, Map<String, List<String>> query) {
        public Request {
            Objects.requireNonNull(url, "url");
            body = body == null ? new byte[0] : body;
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            query = query == null ? Map.of() : Map.copyOf(query);
        }

        /** @return the first value of a header (any case), or null */
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        /** @return the first value of a query parameter, or null */
        public String parameter(String name) {
            List<String> v = query.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    /**
     * The answer to the provider.
     *
     * @param status      the HTTP status
     * @param contentType the body's media type, or null for none
     * @param body        the body, or null
     */
    record Response(int status, String contentType, String body) {

        /** @return 200 with no body */
        public static Response ok() {
            return new Response(200, null, null);
        }

        /** @return 401: the request does not prove it comes from the provider */
        public static Response unauthorized(String why) {
            return new Response(401, "text/plain; charset=UTF-8", why);
        }

        /** @return 400: the request is not one this handler understands */
        public static Response badRequest(String why) {
            return new Response(400, "text/plain; charset=UTF-8", why);
        }

        /** @return 503: not now; the provider should try again later */
        public static Response unavailable(String why) {
            return new Response(503, "text/plain; charset=UTF-8", why);
        }
    }

    /**
     * Handles one request; runs on a server thread, may block briefly on the kernel.
     *
     * @return the answer for the provider; never null
     */
    Response handle(Request request);
}

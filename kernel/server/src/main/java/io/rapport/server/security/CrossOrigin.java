package io.rapport.server.security;

import java.net.URI;
import java.util.Locale;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;

/**
 * Refuses state changes sent by a page of another origin, whatever credentials the browser attached (a session cookie,
 * or Basic credentials it remembers). Browsers send {@code Sec-Fetch-Site} and {@code Origin} with such requests;
 * clients that are not browsers (curl, integrations) send neither and are not affected.
 */
final class CrossOrigin {

    static final String SEC_FETCH_SITE = "Sec-Fetch-Site";
    static final String FORWARDED_HOST = "X-Forwarded-Host";

    private CrossOrigin() {
    }

    /** @return why the request is refused, or null if it comes from this origin or from no browser page */
    static String refusal(ContainerRequestContext request) {
        String site = request.getHeaderString(SEC_FETCH_SITE);
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return "Changes are accepted only from Rapport's own pages; this request came from a " + site + " page.";
        }
        String origin = request.getHeaderString("Origin");
        if (origin == null) {
            return null;
        }
        String host = request.getHeaderString(FORWARDED_HOST);
        if (host != null) {
            host = host.split(",", 2)[0]; // the first proxy's: the host the browser asked for
        } else {
            host = request.getHeaderString(HttpHeaders.HOST);
        }
        if (host == null || origin.equals("null") || !authority(origin).equals(withoutDefaultPort(host.trim().toLowerCase(Locale.ROOT)))) {
            return "Changes are accepted only from Rapport's own pages; this request came from " + origin + ".";
        }
        return null;
    }

    private static String authority(String origin) {
        try {
            URI u = URI.create(origin.trim());
            if (u.getHost() == null) {
                return "";
            }
            int port = u.getPort();
            boolean defaultPort = port == -1 || ("http".equals(u.getScheme()) && port == 80) || ("https".equals(u.getScheme()) && port == 443);
            return u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static String withoutDefaultPort(String host) {
        return host.endsWith(":80") || host.endsWith(":443") ? host.substring(0, host.lastIndexOf(':')) : host;
    }
}

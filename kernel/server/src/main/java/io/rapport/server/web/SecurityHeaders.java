package io.rapport.server.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Security headers on every answer of the WAR (console and API): scripts, styles and connections from this origin
 * only, no inline script or style, no framing, no MIME sniffing, no referrer to other sites. The console's pages are
 * revalidated at every load so that an upgrade is seen at once. {@code /} leads to the console.
 */
@WebFilter(urlPatterns = "/*", asyncSupported = true)
public class SecurityHeaders extends HttpFilter {

    private static final long serialVersionUID = 1L;

    /** The console's Content-Security-Policy; it allows nothing inline. */
    public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
            + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    public static final String CONSOLE_PATH = "/console/";
    public static final String API_PATH = "/api/";

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
        response.setHeader("Content-Security-Policy", CSP);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "same-origin");
        response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
        response.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (path.isEmpty() || path.equals("/") || path.equals("/console")) {
            response.sendRedirect(request.getContextPath() + CONSOLE_PATH);
            return;
        }
        if (path.startsWith(CONSOLE_PATH)) {
            response.setHeader("Cache-Control", "no-cache");
        } else if (path.startsWith(API_PATH)) {
            response.setHeader("Cache-Control", "no-store"); // customer data and CSRF tokens stay out of caches
        }
        chain.doFilter(request, response);
    }
}

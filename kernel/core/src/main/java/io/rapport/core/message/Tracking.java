package io.rapport.core.message;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Open and click tracking for a message's HTML part: every {@code http(s)} link of an {@code <a href>} becomes a signed
 * redirect through this server ({@link Links#click}), which records {@code <channel>.clicked} and leads to that link and
 * no other; a 1×1 image ({@link Links#open}) before {@code </body>} records {@code <channel>.opened}. Links to this
 * server itself (unsubscribe, preferences), {@code mailto:}, {@code tel:} and anchors are left as they are, and so is
 * a link marked {@code data-rapport-track="off"}.
 */
final class Tracking {

    /** An anchor's opening tag, and its href value in double or single quotes. */
    static final Pattern ANCHOR = Pattern.compile("<a\\b[^>]*?\\bhref\\s*=\\s*(\"([^\"]*)\"|'([^']*)')[^>]*>", Pattern.CASE_INSENSITIVE);
    static final Pattern BODY_END = Pattern.compile("</body\\s*>", Pattern.CASE_INSENSITIVE);
    static final String OFF = "data-rapport-track=\"off\"";

    private final Links links;

    Tracking(Links links) {
        this.links = links;
    }

    /** @return the HTML with its links tracked and the open pixel added */
    String apply(String html, UUID messageId) {
        Matcher m = ANCHOR.matcher(html);
        StringBuilder out = new StringBuilder(html.length() + 512);
        while (m.find()) {
            String tag = m.group();
            int valueGroup = m.group(2) != null ? 2 : 3;
            String raw = m.group(valueGroup);
            String url = unescape(raw.trim());
            String lower = url.toLowerCase(java.util.Locale.ROOT);
            boolean track = (lower.startsWith("http://") || lower.startsWith("https://")) && !links.isOwn(url) && !tag.contains(OFF);
            if (!track) {
                m.appendReplacement(out, Matcher.quoteReplacement(tag));
                continue;
            }
            String tracked = escape(links.click(messageId, url).toString());
            String replaced = tag.substring(0, m.start(valueGroup) - m.start()) + tracked + tag.substring(m.end(valueGroup) - m.start());
            m.appendReplacement(out, Matcher.quoteReplacement(replaced));
        }
        m.appendTail(out);
        String pixel = "<img src=\"" + escape(links.open(messageId).toString()) + "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0\">";
        Matcher end = BODY_END.matcher(out);
        if (end.find()) {
            out.insert(end.start(), pixel);
        } else {
            out.append(pixel);
        }
        return out.toString();
    }

    /** Undoes the HTML escaping Mustache applied to a value inside an attribute. */
    static String unescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        return s.replace("&quot;", "\"").replace("&#39;", "'").replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&#x3D;", "=").replace("&#61;", "=").replace("&#x60;", "`").replace("&amp;", "&");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }
}

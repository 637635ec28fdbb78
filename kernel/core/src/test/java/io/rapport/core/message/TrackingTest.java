package io.rapport.core.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rapport.core.TestClock;
import io.rapport.core.TestDb;
import io.rapport.core.db.Db;
import io.rapport.core.db.Migrations;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrackingTest {

    static final URI BASE = URI.create("https://engage.example.com");
    static final Pattern HREF = Pattern.compile("href=\"([^\"]*)\"");
    private TestDb db;
    private Links links;
    private Tracking tracking;
    private final UUID message = UUID.randomUUID();

    @BeforeEach
    void setUp() {
        db = TestDb.fresh();
        Migrations.migrate(db.dataSource());
        links = new Links(new Db(db.dataSource()), new TestClock(), BASE);
        tracking = new Tracking(links);
    }

    @AfterEach
    void tearDown() throws SQLException {
        db.close();
    }

    @Test
    void webLinksBecomeSignedRedirectsToThemselvesAndAPixelIsAddedBeforeTheBodyEnds() {
        String html = "<html><body><p>Hi</p><a class=\"b\" href=\"https://shop.example/sale?a=1&amp;b=2\">Sale</a> "
                + "<A HREF='http://shop.example/x'>x</A></body></html>";

        String out = tracking.apply(html, message);

        List<String> hrefs = hrefs(out);
        assertThat(hrefs).hasSize(1);
        assertThat(out).contains("<a class=\"b\" href=\"").contains(">Sale</a>").contains("HREF='" + BASE + Links.CLICK_PATH);
        URI first = URI.create(hrefs.get(0).replace("&amp;", "&"));
        assertThat(first.toString()).startsWith(BASE + Links.CLICK_PATH + "?m=" + message);
        String url = param(first, Links.URL_PARAMETER);
        assertThat(url).as("the link's own & is unescaped once").isEqualTo("https://shop.example/sale?a=1&b=2");
        assertThat(links.verifyTracking(message, url, param(first, Links.SIGNATURE_PARAMETER))).isTrue();
        assertThat(links.verifyTracking(message, "https://evil.example/", param(first, Links.SIGNATURE_PARAMETER))).as("no open redirect").isFalse();
        assertThat(links.verifyTracking(UUID.randomUUID(), url, param(first, Links.SIGNATURE_PARAMETER))).as("another message").isFalse();

        int pixel = out.indexOf("<img src=\"" + BASE + Links.OPEN_PATH);
        assertThat(pixel).isPositive().isLessThan(out.indexOf("</body>"));
        URI open = URI.create(out.substring(pixel + 10, out.indexOf('"', pixel + 10)).replace("&amp;", "&"));
        assertThat(links.verifyTracking(message, null, param(open, Links.SIGNATURE_PARAMETER))).isTrue();
        assertThat(links.verifyTracking(message, null, "forged")).isFalse();
    }

    @Test
    void ownLinksMailtoAnchorsAndLinksMarkedOffAreLeftAlone() {
        String html = "<a href=\"" + BASE + "/console/preferences.html?token=x\">prefs</a><a href=\"mailto:help@shop.example\">mail</a>"
                + "<a href=\"#top\">top</a><a href=\"tel:+33100000000\">call</a>"
                + "<a data-rapport-track=\"off\" href=\"https://shop.example/private\">private</a>";

        String out = tracking.apply(html, message);

        assertThat(out).startsWith(html).as("only the pixel is added, at the end without a body").endsWith("border:0\">");
    }

    private static List<String> hrefs(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = HREF.matcher(html);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String param(URI u, String name) {
        for (String kv : u.getRawQuery().split("&")) {
            if (kv.startsWith(name + "=")) {
                return URLDecoder.decode(kv.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}

package io.rapport.server.rest;

import io.rapport.core.message.Links;
import io.rapport.core.survey.Surveys;

/**
 * The survey page a customer opens from a message, and the pages that answer its form, as HTML built on the server:
 * phone first (a viewport, one column, large tap targets), no script (a plain form POST), the console's stylesheet
 * only (the Content-Security-Policy allows nothing inline). Every value is HTML-escaped.
 */
final class SurveyPage {

    /** The console's stylesheet and the survey page's own, both under the console. */
    static final String STYLESHEET = "/console/app.css";
    static final String SURVEY_STYLESHEET = "/console/survey.css";

    private SurveyPage() {
    }

    /** @return the words at the low and the high end of a survey's scale */
    static String[] ends(Surveys.Survey s) {
        return switch (s.kind()) {
            case NPS -> new String[] {"Not at all likely", "Extremely likely"};
            case CSAT -> new String[] {"Very dissatisfied", "Very satisfied"};
            case CES -> s.lowIsBetter() ? new String[] {"Very little effort", "A great deal of effort"} : new String[] {"Strongly disagree", "Strongly agree"};
        };
    }

    /**
     * The form.
     *
     * @param token  the send's token, or null for the editor's preview (whose form posts nowhere)
     * @param chosen the score chosen in advance (a link per score in the message), or null
     */
    static String form(Surveys.Survey s, String token, Integer chosen) {
        StringBuilder b = new StringBuilder();
        String[] ends = ends(s);
        b.append("<form class=\"survey\" method=\"post\" action=\"").append(token == null ? "#" : Links.SURVEY_PATH).append("\">\n");
        if (token != null) {
            b.append("<input type=\"hidden\" name=\"").append(Links.SURVEY_TOKEN_PARAMETER).append("\" value=\"").append(escape(token)).append("\">\n");
        }
        b.append("<fieldset class=\"scale scale-").append(s.scaleMax() - s.scaleMin() + 1).append("\" aria-describedby=\"scale-ends\">\n");
        b.append("<legend><h1>").append(escape(s.question())).append("</h1></legend>\n<div class=\"choices\">\n");
        for (int i = s.scaleMin(); i <= s.scaleMax(); i++) {
            String id = "score-" + i;
            String aria = i == s.scaleMin() ? " aria-label=\"" + i + " - " + escape(ends[0]) + "\""
                    : i == s.scaleMax() ? " aria-label=\"" + i + " - " + escape(ends[1]) + "\"" : "";
            b.append("<input type=\"radio\" name=\"").append(Links.SURVEY_SCORE_PARAMETER).append("\" id=\"").append(id).append("\" value=\"").append(i)
                    .append("\" required").append(aria).append(chosen != null && chosen == i ? " checked" : "").append(">");
            b.append("<label for=\"").append(id).append("\">").append(i).append("</label>\n");
        }
        b.append("</div>\n<p class=\"ends\" id=\"scale-ends\"><span>").append(s.scaleMin()).append(" = ").append(escape(ends[0])).append("</span><span>")
                .append(s.scaleMax()).append(" = ").append(escape(ends[1])).append("</span></p>\n</fieldset>\n");
        if (s.followUp() != null) {
            b.append("<div class=\"field\"><label for=\"comment\">").append(escape(s.followUp())).append(" <span class=\"optional\">(optional)</span></label>\n")
                    .append("<textarea id=\"comment\" name=\"comment\" rows=\"4\" maxlength=\"").append(Surveys.MAX_COMMENT).append("\"></textarea></div>\n");
        }
        b.append("<button type=\"submit\"").append(token == null ? " disabled" : "").append(">Send my answer</button>\n</form>\n");
        return page(s.name(), b.toString());
    }

    /** The page after an answer was recorded, or when there was one already. */
    static String thanks(Surveys.Survey s, Integer score, String comment, boolean before) {
        StringBuilder b = new StringBuilder("<h1>Thank you!</h1>\n");
        b.append("<p>").append(before ? "You have answered this survey already" : "We have your answer").append(score == null ? "" : ": <strong>" + score
                + "</strong> out of " + s.scaleMax()).append(".</p>\n");
        if (comment != null) {
            b.append("<blockquote>").append(escape(comment)).append("</blockquote>\n");
        }
        return page(s.name(), b.toString());
    }

    /** A page that says what went wrong and what to do. */
    static String problem(String title, String detail) {
        return page(title, "<h1>" + escape(title) + "</h1>\n<p>" + escape(detail) + "</p>\n");
    }

    /**
     * The page around a body. Its referrer policy is {@code same-origin}, not {@code no-referrer}: the link's token never
     * leaves for another site either way, but with {@code no-referrer} a browser sends {@code Origin: null} with the
     * form's POST, which the server refuses as a cross-origin change.
     */
    private static String page(String title, String body) {
        return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"same-origin\">\n"
                + "<meta name=\"robots\" content=\"noindex\">\n<title>" + escape(title) + "</title>\n<link rel=\"stylesheet\" href=\"" + STYLESHEET + "\">\n"
                + "<link rel=\"stylesheet\" href=\"" + SURVEY_STYLESHEET + "\">\n"
                + "</head>\n<body class=\"public survey-page\">\n<main>\n" + body + "</main>\n</body>\n</html>\n";
    }

    /** @return the text with the five HTML-significant characters escaped */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}

package io.rapport.server.rest;

import java.util.List;

import io.rapport.core.json.Json;
import io.rapport.core.message.Links;
import io.rapport.core.survey.Surveys;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * A survey as its customer reaches it from a message, without an account: the page (GET) and its form (POST). The
 * signed token in the link is the only credential and answers one send, once. Browsers get HTML pages; a client that
 * accepts JSON (and not HTML) gets JSON and application/problem+json: out of the scale 400, answered before 409,
 * expired 410, a link that is not the kernel's 404.
 */
@Path("/v1/public/surveys")
@RequestScoped
public class PublicSurveysResource {

    static final String HTML = MediaType.TEXT_HTML + "; charset=UTF-8";

    @Inject
    KernelHolder holder;

    @GET
    @Produces({MediaType.TEXT_HTML, MediaType.APPLICATION_JSON, "application/problem+json"})
    @Access(anonymous = true)
    @Operation(summary = "A survey's page", description = "?t=<token from the message>[&score=<n> chosen in advance]: the question, its scale and "
            + "the follow-up, as a form that works without JavaScript. Opening it records nothing.")
    public Response page(@QueryParam(Links.SURVEY_TOKEN_PARAMETER) String token, @QueryParam(Links.SURVEY_SCORE_PARAMETER) String score,
                         @Context HttpHeaders headers) {
        boolean json = wantsJson(headers);
        Surveys.Opened o;
        try {
            o = holder.kernel().surveys().open(token);
        } catch (NotFoundException e) {
            return notFound(json);
        }
        if (o.send().answered()) {
            return json ? conflict(o.send()) : html(200, SurveyPage.thanks(o.survey(), o.send().score(), o.send().comment(), true));
        }
        if (o.expired()) {
            return gone(json);
        }
        if (json) {
            return CustomersResource.ok(Json.object().add("name", o.survey().name()).add("kind", o.survey().kind().id()).add("scaleMin", o.survey().scaleMin())
                    .add("scaleMax", o.survey().scaleMax()).add("question", o.survey().question())
                    .add("followUp", o.survey().followUp() == null ? jakarta.json.JsonValue.NULL : Json.string(o.survey().followUp()))
                    .add("expiresAt", o.send().expiresAt().toString()).build());
        }
        return html(200, SurveyPage.form(o.survey(), token, chosen(score, o.survey())));
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces({MediaType.TEXT_HTML, MediaType.APPLICATION_JSON, "application/problem+json"})
    @Access(anonymous = true)
    @Operation(summary = "Answer a survey", description = "Form fields t (the token), score (a whole number on the survey's scale) and comment "
            + "(optional, at most 2000 characters). Records the answer and its survey.answered event once per send.")
    public Response answer(@FormParam(Links.SURVEY_TOKEN_PARAMETER) String token, @FormParam(Links.SURVEY_SCORE_PARAMETER) String score,
                           @FormParam("comment") String comment, @Context HttpHeaders headers) {
        boolean json = wantsJson(headers);
        Integer n = null;
        if (score != null && score.strip().matches("-?\\d{1,3}")) {
            n = Integer.valueOf(score.strip());
        }
        Surveys.Answer a;
        try {
            a = holder.kernel().surveys().answer(token, n, comment);
        } catch (NotFoundException e) {
            return notFound(json);
        } catch (InvalidInputException e) {
            if (json) {
                return new ExceptionMappers.InvalidInput().toResponse(e);
            }
            FieldError first = e.errors().get(0);
            String what = first.field().equals("/score") ? "Choose an answer" : "Your comment is too long";
            return html(400, SurveyPage.problem(what, (first.field().equals("/score") ? "The answer " : "The comment ") + first.detail()
                    + ". Go back and try again."));
        }
        return switch (a.outcome()) {
            case EXPIRED -> gone(json);
            case ALREADY_ANSWERED -> json ? conflict(a.send()) : html(409, SurveyPage.thanks(a.survey(), a.send().score(), a.send().comment(), true));
            case RECORDED -> json ? CustomersResource.ok(Json.object().add("score", a.send().score()).add("answeredAt", a.send().answeredAt().toString())
                    .build()) : html(200, SurveyPage.thanks(a.survey(), a.send().score(), a.send().comment(), false));
        };
    }

    /** @return the score to show as chosen, if it is on the scale */
    private static Integer chosen(String raw, Surveys.Survey s) {
        if (raw == null || !raw.matches("\\d{1,2}")) {
            return null;
        }
        int n = Integer.parseInt(raw);
        return n >= s.scaleMin() && n <= s.scaleMax() ? n : null;
    }

    /** Whether the client wants JSON: it accepts JSON and does not ask for HTML. */
    static boolean wantsJson(HttpHeaders headers) {
        String accept = headers.getHeaderString(HttpHeaders.ACCEPT);
        return accept != null && accept.contains("json") && !accept.contains("text/html");
    }

    private static Response html(int status, String page) {
        return Response.status(status).type(HTML).header("Cache-Control", "no-store, private").entity(page).build();
    }

    private static Response notFound(boolean json) {
        String detail = "This survey link is not valid: it may have been cut or changed in transit.";
        return json ? Problems.response(Response.Status.NOT_FOUND, "not-found", detail, null) : html(404, SurveyPage.problem("Link not valid", detail));
    }

    private static Response gone(boolean json) {
        String detail = "This survey has closed: its link has expired. Thank you all the same.";
        return json ? Problems.response(Response.Status.GONE, "survey-expired", detail, null) : html(410, SurveyPage.problem("Survey closed", detail));
    }

    private static Response conflict(Surveys.Send send) {
        return Problems.response(Response.Status.CONFLICT, "already-answered", "This survey has been answered already; the first answer stays.",
                List.of(new FieldError("/score", "was answered already")));
    }
}

package io.rapport.server.rest;

import java.io.InputStream;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.message.MessageService;
import io.rapport.core.Kernel;
import io.rapport.core.json.Json;
import io.rapport.core.message.Links;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.server.KernelHolder;
import io.rapport.server.security.Access;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * What a customer reaches from a link in a message, without an account: one-click unsubscribe (RFC 8058) and the
 * preference centre. The signed token in the link is the only credential, and it only ever changes that customer's
 * consents (never transactional messages, which need none).
 */
@Path("/v1/public")
@RequestScoped
@Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
public class PublicResource {

    /** Where a change through these links comes from, on the timeline's consent.changed events. */
    static final String SOURCE_ONE_CLICK = "one-click unsubscribe";
    static final String SOURCE_PREFERENCES = "preference centre";
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,39}");
    static final int MAX_CHOICES = 100;

    @Inject
    KernelHolder holder;

    @POST
    @Path("unsubscribe")
    @Access(anonymous = true, crossSite = true)
    @Operation(summary = "One-click unsubscribe (RFC 8058)", description = "The List-Unsubscribe-Post target: withdraws the purpose on the channel "
            + "that the token names, at once. The body (List-Unsubscribe=One-Click) is not needed. Repeating it changes nothing.")
    public Response unsubscribe(@QueryParam(Links.TOKEN_PARAMETER) String token, InputStream ignored) {
        Links.Claim claim = claim(token, Links.Kind.UNSUBSCRIBE);
        Kernel k = holder.kernel();
        Customer c = customer(claim);
        boolean already = c.consents().stream().anyMatch(x -> x.purpose().equals(claim.purpose()) && x.channel().equals(claim.channel())
                && x.status() == ConsentStatus.WITHDRAWN);
        if (!already) {
            k.customers().setConsent(claim.tenantId(), c.id(), new Consent(claim.purpose(), claim.channel(), ConsentStatus.WITHDRAWN, SOURCE_ONE_CLICK,
                    OffsetDateTime.now()), SOURCE_ONE_CLICK);
        }
        return CustomersResource.ok(Json.object().add("purpose", claim.purpose()).add("channel", claim.channel()).add("status", "withdrawn").build());
    }

    /** A transparent 1×1 GIF. */
    static final byte[] PIXEL = java.util.Base64.getDecoder().decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PublicResource.class);

    @GET
    @Path("t/open")
    @Produces("image/gif")
    @Access(anonymous = true)
    @Operation(summary = "The open pixel of a tracked message", description = "Records the message's first open as <channel>.opened and answers "
            + "a 1×1 image; a forged or damaged link records nothing and gets the image too.")
    public Response open(@QueryParam(Links.MESSAGE_PARAMETER) String m, @QueryParam(Links.SIGNATURE_PARAMETER) String s) {
        UUID id = uuid(m);
        if (id != null && holder.kernel().links().verifyTracking(id, null, s)) {
            track(id, new MessageService.Update(MessageService.Delivery.OPENED, null, null, null));
        }
        return Response.ok(PIXEL, "image/gif").header("Cache-Control", "no-store, private").build();
    }

    @GET
    @Path("t/click")
    @Access(anonymous = true)
    @Operation(summary = "The redirect of a tracked link", description = "Records the first click on this link of this message as "
            + "<channel>.clicked and leads (302) to the link. Only links the kernel signed for that message lead anywhere: anything else is a 404.")
    public Response click(@QueryParam(Links.MESSAGE_PARAMETER) String m, @QueryParam(Links.URL_PARAMETER) String u,
                          @QueryParam(Links.SIGNATURE_PARAMETER) String s) {
        UUID id = uuid(m);
        String lower = u == null ? "" : u.toLowerCase(java.util.Locale.ROOT);
        if (id == null || !(lower.startsWith("http://") || lower.startsWith("https://")) || !holder.kernel().links().verifyTracking(id, u, s)) {
            throw new NotFoundException("this link is not valid: it may have been cut or changed in transit");
        }
        track(id, new MessageService.Update(MessageService.Delivery.CLICKED, null, u, null));
        // as signed, not re-parsed: a link a browser takes (a space, a '|') must not fail here
        return Response.status(Response.Status.FOUND).header("Location", u).header("Cache-Control", "no-store, private")
                .header("Referrer-Policy", "no-referrer").build();
    }

    @POST
    @Path("inbound/{type}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.WILDCARD)
    @Access(anonymous = true, crossSite = true)
    @Operation(summary = "What a channel's provider posts back", description = "Bounces forwarded by a mail server, an SMS provider's status "
            + "callbacks and inbound texts, handed as they are to the server-wide channel of the type, which authenticates them (a provider "
            + "signature or a secret in the URL; see the channel's README). 404 when no active channel of the type takes any.")
    public Response inbound(@PathParam("type") String type, @jakarta.ws.rs.core.Context jakarta.ws.rs.core.HttpHeaders headers,
                            @jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri, InputStream body) {
        if (type == null || !NAME.matcher(type).matches()) {
            throw new NotFoundException("no channel type " + type);
        }
        return handOver(type, null, holder.kernel().whiteboard().channel(type), headers, uri, body);
    }

    @POST
    @Path("inbound/{type}/{tenant}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.WILDCARD)
    @Access(anonymous = true, crossSite = true)
    @Operation(summary = "What the provider of a shop's own channel posts back", description = "As inbound/{type}, handed to the channel "
            + "that runs with the tenant's own settings, which authenticates it with its own secrets. 404 when the tenant has none of its own.")
    public Response inboundOfTenant(@PathParam("type") String type, @PathParam("tenant") String tenant,
                                    @jakarta.ws.rs.core.Context jakarta.ws.rs.core.HttpHeaders headers,
                                    @jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri, InputStream body) {
        UUID tenantId = uuid(tenant);
        if (type == null || !NAME.matcher(type).matches() || tenantId == null) {
            throw new NotFoundException("no channel type " + type + " of tenant " + tenant);
        }
        return handOver(type, tenantId, holder.kernel().whiteboard().ownChannel(tenantId, type), headers, uri, body);
    }

    private Response handOver(String type, UUID tenantId, Optional<io.rapport.spi.channel.Channel> channel, jakarta.ws.rs.core.HttpHeaders headers,
                              jakarta.ws.rs.core.UriInfo uri, InputStream body) {
        io.rapport.spi.channel.InboundHandler handler = channel
                .filter(io.rapport.spi.channel.InboundHandler.class::isInstance).map(io.rapport.spi.channel.InboundHandler.class::cast)
                .orElseThrow(() -> new NotFoundException("no active " + type + " channel" + (tenantId == null ? "" : " of this tenant's own")
                        + " takes what its provider posts"));
        byte[] raw = Bodies.bytes(body, io.rapport.spi.channel.InboundHandler.MAX_BODY, "what the provider reports");
        java.util.Map<String, List<String>> h = new java.util.HashMap<>();
        headers.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), List.copyOf(v)));
        java.util.Map<String, List<String>> q = new java.util.HashMap<>();
        uri.getQueryParameters().forEach((k, v) -> q.put(k, List.copyOf(v)));
        String rawQuery = uri.getRequestUri().getRawQuery();
        // the URL the provider signed (Twilio signs it): the public one, whatever proxy is in between
        java.net.URI url = holder.kernel().links().publicUrl().resolve(INBOUND + type + (tenantId == null ? "" : "/" + tenantId)
                + (rawQuery == null ? "" : "?" + rawQuery));
        io.rapport.spi.channel.InboundHandler.Response r;
        try {
            r = handler.handle(new io.rapport.spi.channel.InboundHandler.Request(url, headers.getHeaderString("Content-Type"), raw, h, q));
        } catch (RuntimeException e) {
            LOG.warn("The {} channel failed on what its provider posted", type, e);
            r = io.rapport.spi.channel.InboundHandler.Response.unavailable("the " + type + " channel could not take this now; try again later");
        }
        Response.ResponseBuilder b = Response.status(r == null ? 500 : r.status()).header("Cache-Control", "no-store");
        if (r != null && r.body() != null) {
            b.type(r.contentType() == null ? "text/plain; charset=UTF-8" : r.contentType()).entity(r.body());
        }
        return b.build();
    }

    /** Where providers post: followed by the channel type and, for a tenant's own channel, the tenant id. */
    static final String INBOUND = "/api/v1/public/inbound/";

    /** Records an open or a click; a failure to record never stands between the customer and the page. */
    private void track(UUID id, MessageService.Update u) {
        try {
            holder.kernel().messages().report(id, u);
        } catch (RuntimeException e) {
            LOG.warn("Could not record {} of message {}", u.delivery(), id, e);
        }
    }

    private static UUID uuid(String raw) {
        try {
            return raw == null ? null : UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @GET
    @Path("unsubscribe")
    @Access(anonymous = true)
    @Operation(summary = "An unsubscribe link opened in a browser", description = "Changes nothing (a GET must not): leads to the preference centre.")
    public Response unsubscribePage(@QueryParam(Links.TOKEN_PARAMETER) String token) {
        Links.Claim claim = claim(token, Links.Kind.UNSUBSCRIBE);
        customer(claim);
        return Response.seeOther(holder.kernel().links().preferences(claim.tenantId(), claim.customerId())).build();
    }

    @GET
    @Path("preferences")
    @Access(anonymous = true)
    @Operation(summary = "The preference centre's content", description = "The customer's first name and, for every purpose and channel they "
            + "can be asked about, whether they agree.")
    public Response preferences(@QueryParam(Links.TOKEN_PARAMETER) String token) {
        Links.Claim claim = claim(token, Links.Kind.PREFERENCES);
        return CustomersResource.ok(describe(customer(claim)));
    }

    @PUT
    @Path("preferences")
    @Consumes(MediaType.APPLICATION_JSON)
    @Access(anonymous = true)
    @Operation(summary = "Change consents from the preference centre", description = "Body: {consents: [{purpose, channel, status: granted|withdrawn}]}.")
    public Response change(@QueryParam(Links.TOKEN_PARAMETER) String token, InputStream body) {
        Links.Claim claim = claim(token, Links.Kind.PREFERENCES);
        Customer c = customer(claim);
        JsonObject o = AdminResource.object(body);
        JsonValue list = o.get("consents");
        List<FieldError> errors = new ArrayList<>();
        List<Consent> wanted = new ArrayList<>();
        if (list == null || list.getValueType() != JsonValue.ValueType.ARRAY || list.asJsonArray().size() > MAX_CHOICES) {
            errors.add(new FieldError("/consents", "is a list of at most " + MAX_CHOICES + " {purpose, channel, status}"));
        } else {
            for (int i = 0; i < list.asJsonArray().size(); i++) {
                JsonValue v = list.asJsonArray().get(i);
                String at = "/consents/" + i;
                if (v.getValueType() != JsonValue.ValueType.OBJECT) {
                    errors.add(new FieldError(at, "is {purpose, channel, status}"));
                    continue;
                }
                String purpose = AdminResource.string(v.asJsonObject(), "purpose");
                String channel = AdminResource.string(v.asJsonObject(), "channel");
                String status = AdminResource.string(v.asJsonObject(), "status");
                if (purpose == null || !NAME.matcher(purpose).matches() || Consent.PURPOSE_TRANSACTIONAL.equals(purpose)) {
                    errors.add(new FieldError(at + "/purpose", "is a purpose such as marketing (transactional messages need no consent)"));
                }
                if (channel == null || !NAME.matcher(channel).matches()) {
                    errors.add(new FieldError(at + "/channel", "is a channel such as email"));
                }
                if (!"granted".equals(status) && !"withdrawn".equals(status)) {
                    errors.add(new FieldError(at + "/status", "is granted or withdrawn"));
                }
                if (errors.isEmpty()) {
                    wanted.add(new Consent(purpose, channel, "granted".equals(status) ? ConsentStatus.GRANTED : ConsentStatus.WITHDRAWN, SOURCE_PREFERENCES,
                            OffsetDateTime.now()));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        for (Consent w : wanted) {
            Optional<Consent> now = c.consents().stream().filter(x -> x.purpose().equals(w.purpose()) && x.channel().equals(w.channel())).findFirst();
            if (now.isEmpty() || now.get().status() != w.status()) {
                holder.kernel().customers().setConsent(claim.tenantId(), c.id(), w, SOURCE_PREFERENCES);
            }
        }
        return CustomersResource.ok(describe(customer(claim)));
    }

    private JsonObject describe(Customer c) {
        Set<String> purposes = new TreeSet<>(List.of(Consent.PURPOSE_MARKETING, Consent.PURPOSE_SURVEYS));
        Set<String> channels = new TreeSet<>(holder.kernel().channelTypes(c.tenantId()));
        for (Consent k : c.consents()) {
            if (!Consent.PURPOSE_TRANSACTIONAL.equals(k.purpose())) {
                purposes.add(k.purpose());
                channels.add(k.channel());
            }
        }
        JsonArrayBuilder choices = Json.array();
        for (String p : purposes) {
            for (String ch : channels) {
                Optional<Consent> k = c.consents().stream().filter(x -> x.purpose().equals(p) && x.channel().equals(ch)).findFirst();
                choices.add(Json.object().add("purpose", p).add("channel", ch)
                        .add("status", k.map(x -> x.status() == ConsentStatus.GRANTED ? "granted" : "withdrawn").orElse("unknown"))
                        .add("changedAt", k.map(x -> Json.string(x.changedAt().toString())).orElse(JsonValue.NULL)));
            }
        }
        return Json.object().add("firstName", Json.string(c.firstName())).add("consents", choices).build();
    }

    private Links.Claim claim(String token, Links.Kind kind) {
        Optional<Links.Claim> claim = holder.kernel().links().verify(token);
        if (claim.isEmpty() || claim.get().kind() != kind) {
            throw new WebApplicationException(Problems.response(Response.Status.FORBIDDEN, "invalid-link",
                    "This link is not valid or has expired. Use the link in a newer message.", null));
        }
        return claim.get();
    }

    private Customer customer(Links.Claim claim) {
        return holder.kernel().customers().find(claim.tenantId(), claim.customerId())
                .orElseThrow(() -> new WebApplicationException(Problems.response(Response.Status.NOT_FOUND, "not-found",
                        "There is no such customer any more.", null)));
    }
}

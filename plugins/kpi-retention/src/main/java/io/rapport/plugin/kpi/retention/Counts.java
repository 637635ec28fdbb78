package io.rapport.plugin.kpi.retention;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.event.EventTypes;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.Period;

/** What the modules read from the kernel's aggregates, shared by the modules that show the same counts. */
final class Counts {

    /** The channel whose messages the email KPIs count. */
    static final String EMAIL = "email";
    static final String EMAIL_OPENED = EventTypes.EMAIL_OPENED;
    static final String EMAIL_CLICKED = "email.clicked";
    static final String EMAIL_BOUNCED = "email.bounced";
    /** The properties of a {@code consent.changed} event (the kernel's consent store writes them). */
    static final String CONSENT_STATUS = "status";
    static final String CONSENT_CHANNEL = "channel";
    static final String CONSENT_PURPOSE = "purpose";

    private Counts() {
    }

    /** The module group every KPI of this bundle belongs to. */
    static final String MODULE = "retention";

    /**
     * The customer base around a period: S active at its start, E active at its end, N new in it, and S ∩ E.
     *
     * @param atStart  customers with an order in the 365 days before the period's first instant
     * @param atEnd    customers with an order in the 365 days before the instant the next period starts
     * @param newOnes  customers whose first order ever is in the period
     * @param retained customers with an order in both windows (active at the start and at the end)
     */
    record Base(long atStart, long atEnd, long newOnes, long retained) {
        static Base read(Period p, KpiData data) {
            Instant startFrom = Formulas.activeSince(p.from());
            Instant endFrom = Formulas.activeSince(p.to());
            // both first: the kernel may count the two windows with it, and answer the two counts below from there
            long retained = data.customersWithBoth(EventTypes.ORDER_COMPLETED, startFrom, p.from(), EventTypes.ORDER_COMPLETED, endFrom, p.to());
            return new Base(data.customersWith(EventTypes.ORDER_COMPLETED, startFrom, p.from()),
                    data.customersWith(EventTypes.ORDER_COMPLETED, endFrom, p.to()),
                    data.firstTimeCustomers(EventTypes.ORDER_COMPLETED, p.from(), p.to()), retained);
        }

        Map<String, BigDecimal> inputs() {
            Map<String, BigDecimal> in = new LinkedHashMap<>();
            in.put("customersAtStart", BigDecimal.valueOf(atStart));
            in.put("customersAtEnd", BigDecimal.valueOf(atEnd));
            in.put("newCustomers", BigDecimal.valueOf(newOnes));
            in.put("returningCustomers", BigDecimal.valueOf(Formulas.returning(atEnd, newOnes, retained)));
            in.put("retainedCustomers", BigDecimal.valueOf(retained));
            return in;
        }
    }

    /**
     * The emails of a period, each count by when its event occurred.
     *
     * @param sent          {@code message.sent} on the email channel: accepted by the channel
     * @param bouncedAtSend {@code message.bounced} on the email channel: refused at the send for good
     * @param bouncedLater  distinct messages with an {@code email.bounced} event (soft or hard)
     * @param opened        {@code email.opened} events (the kernel records only a message's first open)
     * @param clicked       distinct messages with an {@code email.clicked} event
     * @param withdrawn     {@code consent.changed} events to the status WITHDRAWN of the email channel and the marketing
     *                      purpose (unsubscribes)
     */
    record Email(long sent, long bouncedAtSend, long bouncedLater, long opened, long clicked, long withdrawn) {
        static Email read(Period p, KpiData data) {
            return new Email(data.countBy(EventTypes.MESSAGE_SENT, EventTypes.PROPERTY_CHANNEL, p.from(), p.to()).getOrDefault(EMAIL, 0L),
                    data.countBy(EventTypes.MESSAGE_BOUNCED, EventTypes.PROPERTY_CHANNEL, p.from(), p.to()).getOrDefault(EMAIL, 0L),
                    data.countBy(EMAIL_BOUNCED, EventTypes.PROPERTY_MESSAGE_ID, p.from(), p.to()).size(),
                    data.events(EMAIL_OPENED, p.from(), p.to()),
                    data.countBy(EMAIL_CLICKED, EventTypes.PROPERTY_MESSAGE_ID, p.from(), p.to()).size(),
                    data.countBy(EventTypes.CONSENT_CHANGED, CONSENT_STATUS, Map.of(CONSENT_CHANNEL, EMAIL, CONSENT_PURPOSE,
                            Consent.PURPOSE_MARKETING), p.from(), p.to()).getOrDefault(ConsentStatus.WITHDRAWN.name(), 0L));
        }

        long attempted() {
            return Formulas.attempted(sent, bouncedAtSend);
        }

        long bounced() {
            return Formulas.bounced(bouncedAtSend, bouncedLater);
        }

        long delivered() {
            return Formulas.delivered(sent, bouncedLater);
        }

        /** The counts that a rate is computed from, named as the API shows them. */
        Map<String, BigDecimal> inputs(String... names) {
            Map<String, BigDecimal> in = new LinkedHashMap<>();
            for (String name : names) {
                long v = switch (name) {
                    case "sent" -> sent;
                    case "bouncedAtSend" -> bouncedAtSend;
                    case "bouncedLater" -> bouncedLater;
                    case "attempted" -> attempted();
                    case "bounced" -> bounced();
                    case "delivered" -> delivered();
                    case "opened" -> opened;
                    case "clicked" -> clicked;
                    case "unsubscribed" -> withdrawn;
                    default -> throw new IllegalArgumentException(name);
                };
                in.put(name, BigDecimal.valueOf(v));
            }
            return in;
        }
    }

    static Map<String, BigDecimal> inputs(Object... nameValue) {
        Map<String, BigDecimal> in = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            Object v = nameValue[i + 1];
            in.put((String) nameValue[i], v instanceof BigDecimal b ? b : BigDecimal.valueOf(((Number) v).longValue()));
        }
        return in;
    }
}

package io.rapport.plugin.kpi.clv.model;

/**
 * One customer's sufficient statistics over a calibration period, in the notation of Fader, Hardie &amp; Lee (2005).
 *
 * @param customerId the customer
 * @param x          repeat purchases: purchase days after the first one (several purchases on one day count once)
 * @param tx         recency: time from the first purchase to the last one, in the summary's time unit
 * @param T          age: time from the first purchase to the end of calibration, in the summary's time unit
 * @param meanSpend  mean amount of the repeat purchase days (a day's purchases summed), 0 when x = 0
 */
public record CustomerSummary(String customerId, int x, double tx, double T, double meanSpend) {
}

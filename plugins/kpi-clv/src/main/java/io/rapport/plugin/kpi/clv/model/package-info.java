/**
 * Predictive customer lifetime value: the BG/NBD model of repeat purchases, the Gamma-Gamma model of spend, their
 * maximum-likelihood fits over distinct customer rows, and the summaries they are fitted on. Private to the bundle
 * (not exported) until a KPI component needs it elsewhere.
 */
package io.rapport.plugin.kpi.clv.model;

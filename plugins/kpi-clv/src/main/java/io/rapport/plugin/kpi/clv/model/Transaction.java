package io.rapport.plugin.kpi.clv.model;

import java.time.LocalDate;
import java.util.Objects;

/**
 * One purchase.
 *
 * @param customerId the buyer, not null
 * @param date       the day of the purchase, not null
 * @param amount     the amount paid
 */
public record Transaction(String customerId, LocalDate date, double amount) {

    public Transaction {
        Objects.requireNonNull(customerId, "customerId");
        Objects.requireNonNull(date, "date");
    }
}

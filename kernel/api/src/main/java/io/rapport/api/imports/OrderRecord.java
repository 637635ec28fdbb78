package io.rapport.api.imports;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;

/**
 * One order (a purchase, a transaction) as a source has it. The kernel records it as an {@code order.completed}
 * event on the customer's timeline at {@code orderedAt}, which moves the customer's order count and revenue, and
 * which KPIs read. A repeat of the same order (same {@code orderId}, or the same line of the same source without
 * one) is recorded once.
 *
 * @param line               where the record starts in its source
 * @param orderId            the order's id in the source, or null (then the source name and line identify it)
 * @param customerExternalId the customer's id in the source system (the job's namespace), or null
 * @param email              the customer's e-mail address, or null; with neither, the record is refused
 * @param amount             the order's total, in {@code currency}
 * @param currency           ISO 4217 code, or null for the tenant's
 * @param items              what was bought; may be empty (a source that only counts items gives a quantity)
 * @since 0.1
 */
public record OrderRecord(long line, String orderId, String customerExternalId, String email, OffsetDateTime orderedAt, BigDecimal amount,
                          String currency, List<Item> items) {

    public OrderRecord {
        Objects.requireNonNull(orderedAt, "orderedAt");
        Objects.requireNonNull(amount, "amount");
        items = items == null ? List.of() : List.copyOf(items);
    }

    /**
     * One line of an order.
     *
     * @param sku      the product's code, or null
     * @param name     the product's name, or null
     * @param quantity how many; at least 1
     * @param price    the unit price, or null
     */
    public record Item(String sku, String name, int quantity, BigDecimal price) {
    }
}

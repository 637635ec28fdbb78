package io.rapport.connector.csv;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;

import io.rapport.api.imports.OrderRecord;

/**
 * Maps a record to an {@link OrderRecord} by a {@link MappingPlan}. An order needs a date, an amount (or a price,
 * times the quantity) and a customer (an external id or an e-mail address). When the file names a quantity, a SKU,
 * an item name or a price, the order has one item with them (quantity 1 when absent); CDNOW's
 * {@code number_of_cds} thus becomes one item of that quantity. A date without time is the start of that day in the
 * options' zone (UTC by default).
 */
public final class OrderMapper {

    private final MappingPlan plan;
    private final ZoneId zone;
    private final String defaultCurrency;

    /** @param defaultCurrency the currency of orders whose row names none, or null for the tenant's */
    public OrderMapper(MappingPlan plan, ZoneId zone, String defaultCurrency) {
        this.plan = plan;
        this.zone = zone;
        this.defaultCurrency = defaultCurrency;
    }

    /** @return the order, or why the record is refused */
    public Mapped<OrderRecord> map(CsvRecord rec) {
        long line = rec.line();
        if (rec.failed()) {
            return Mapped.refused(line, null, rec.error());
        }
        Mapped<OrderRecord> width = ContactMapper.checkWidth(rec, plan.columns().size());
        if (width != null) {
            return width;
        }
        String orderId = null;
        String customerId = null;
        String email = null;
        OffsetDateTime orderedAt = null;
        BigDecimal amount = null;
        String currency = null;
        Integer quantity = null;
        String sku = null;
        String itemName = null;
        BigDecimal price = null;
        String dateColumn = null;
        for (ColumnPlan c : plan.columns()) {
            String v = ContactMapper.value(rec, c.index());
            if (v == null) {
                continue;
            }
            try {
                switch (c.target().kind()) {
                    case ORDER_ID -> orderId = orderId == null ? v : orderId;
                    case CUSTOMER_ID, EXTERNAL_ID -> customerId = customerId == null ? v : customerId;
                    case EMAIL -> {
                        if (email == null) {
                            if (!Values.looksLikeEmail(v)) {
                                return Mapped.refused(line, c.header(), "'" + v + "' is not an e-mail address");
                            }
                            email = v;
                        }
                    }
                    case ORDER_DATE -> {
                        if (orderedAt == null) {
                            orderedAt = Values.parseDateTime(v, plan.dateOrder(), plan.dateFormats(), zone);
                            dateColumn = c.header();
                        }
                    }
                    case AMOUNT -> amount = amount == null ? Values.parseNumber(v, plan.decimalComma()) : amount;
                    case CURRENCY -> {
                        if (currency == null) {
                            String code = v.toUpperCase(Locale.ROOT);
                            if (!code.matches("[A-Z]{3}")) {
                                return Mapped.refused(line, c.header(), "'" + v + "' is not an ISO 4217 currency code");
                            }
                            currency = code;
                        }
                    }
                    case QUANTITY -> {
                        if (quantity == null) {
                            int q = Values.parseInt(v, plan.decimalComma());
                            if (q < 1) {
                                return Mapped.refused(line, c.header(), "'" + v + "' is not a quantity of at least 1");
                            }
                            quantity = q;
                        }
                    }
                    case SKU -> sku = sku == null ? v : sku;
                    case ITEM_NAME -> itemName = itemName == null ? v : itemName;
                    case PRICE -> price = price == null ? Values.parseNumber(v, plan.decimalComma()) : price;
                    default -> {
                        // ignore, and the contact targets an order has no use for
                    }
                }
            } catch (BadValueException e) {
                return Mapped.refused(line, c.header(), e.getMessage() + " (column '" + c.header() + "')");
            }
        }
        if (customerId == null && email == null) {
            return Mapped.refused(line, null, "the row has no customer id or e-mail address");
        }
        if (orderedAt == null) {
            return Mapped.refused(line, dateColumn, "the row has no order date");
        }
        int qty = quantity == null ? 1 : quantity;
        if (amount == null && price != null) {
            amount = price.multiply(BigDecimal.valueOf(qty));
        }
        if (amount == null) {
            return Mapped.refused(line, null, "the row has no amount");
        }
        boolean hasItem = quantity != null || sku != null || itemName != null || price != null;
        List<OrderRecord.Item> items = hasItem ? List.of(new OrderRecord.Item(sku, itemName, qty, price)) : List.of();
        return Mapped.ok(new OrderRecord(line, orderId, customerId, email, orderedAt, amount, currency != null ? currency : defaultCurrency, items));
    }
}

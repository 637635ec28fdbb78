package io.rapport.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The events the driver sends and the rows the baseline writes for them. A request event and its baseline row carry
 * the same customer, type and properties, so both sides store the same bytes: the server's {@code identity} column
 * is {@code {"ids":[{"t":"email","n":"","v":EMAIL}],"verified":false}} and {@code properties} is the compact JSON sent.
 */
final class Events {

    static final String TYPE = "page.viewed";

    private final int customers;

    Events(int customers) {
        this.customers = customers;
    }

    String email(int customer) {
        return "u" + customer + "@example.com";
    }

    int randomCustomer(SplittableRandom rnd) {
        return rnd.nextInt(customers);
    }

    static String properties(int n) {
        return "{\"path\":\"/products/" + (n % 5000) + "\",\"referrer\":\"https://www.example.com/search?q=bench\",\"campaign\":\"spring-sale\"}";
    }

    static String identity(String email) {
        return "{\"ids\":[{\"t\":\"email\",\"n\":\"\",\"v\":\"" + email + "\"}],\"verified\":false}";
    }

    static String event(String email, int n) {
        return "{\"type\":\"" + TYPE + "\",\"customer\":{\"email\":\"" + email + "\"},\"properties\":" + properties(n) + "}";
    }

    /** {@code count} one-event request bodies for random customers. */
    List<String> singleBodies(SplittableRandom rnd, int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(event(email(randomCustomer(rnd)), rnd.nextInt(1 << 20)));
        }
        return out;
    }

    /** {@code count} batch request bodies (JSON arrays) of {@code size} events each. */
    List<String> batchBodies(SplittableRandom rnd, int count, int size) {
        List<String> out = new ArrayList<>(count);
        for (int b = 0; b < count; b++) {
            StringBuilder sb = new StringBuilder(size * 180).append('[');
            for (int i = 0; i < size; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(event(email(randomCustomer(rnd)), rnd.nextInt(1 << 20)));
            }
            out.add(sb.append(']').toString());
        }
        return out;
    }
}

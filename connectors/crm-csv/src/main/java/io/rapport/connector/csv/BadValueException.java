package io.rapport.connector.csv;

/** A cell whose value its column cannot hold; the message names the value in plain words. */
public final class BadValueException extends Exception {

    private static final long serialVersionUID = 1L;

    public BadValueException(String message) {
        super(message, null, false, false);
    }
}

package io.rapport.connector.hubspot;

/** HubSpot cannot be read (a refused token, a missing scope, HubSpot down): the message says why in plain words. */
public final class HubSpotException extends Exception {

    private static final long serialVersionUID = 1L;

    public HubSpotException(String message) {
        super(message);
    }

    public HubSpotException(String message, Throwable cause) {
        super(message, cause);
    }
}

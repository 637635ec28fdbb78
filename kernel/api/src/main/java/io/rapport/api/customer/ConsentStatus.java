package io.rapport.api.customer;

/**
 * Where a customer stands on one purpose over one channel.
 *
 * @since 0.1
 */
public enum ConsentStatus {
    /** The customer agreed; sends for this purpose over this channel are allowed. */
    GRANTED,
    /** The customer refused or unsubscribed; the kernel blocks sends for this purpose over this channel. */
    WITHDRAWN
}

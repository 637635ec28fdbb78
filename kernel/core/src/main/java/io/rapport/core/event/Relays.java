package io.rapport.core.event;

import java.time.Clock;

import io.rapport.core.customer.CustomerStore;
import io.rapport.core.customer.StageRules;
import io.rapport.core.db.Db;

/** Builds the relay with its projector; the two stay package-private to the event package. */
public final class Relays {

    private Relays() {
    }

    public static OutboxRelay create(Db db, Clock clock, StageRules stages, CustomerStore customers, EventBus bus, int batchSize) {
        return new OutboxRelay(db, new Projector(clock, stages, customers), bus, batchSize);
    }
}

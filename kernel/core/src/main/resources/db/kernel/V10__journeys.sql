-- Journeys: a versioned graph of steps (JSON data, see core/journey/JourneyDefinitions) and each customer's place in it.

-- The journey as the marketer edits it. 'draft' is the next version; published versions are in journey_version and
-- never change, so that customers inside a journey stay on the version they entered.
CREATE TABLE journey (
    id              UUID PRIMARY KEY,
    tenant_id       UUID          NOT NULL REFERENCES tenant (id),
    name            VARCHAR(200)  NOT NULL,
    description     VARCHAR(2000),
    draft           TEXT          NOT NULL,
    -- draft (never published), live (takes new customers), paused (takes none; those inside go on), stopped (all exited)
    status          VARCHAR(10)   NOT NULL,
    live_version    INT,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT journey_name UNIQUE (tenant_id, name)
);

CREATE TABLE journey_version (
    journey_id      UUID          NOT NULL REFERENCES journey (id),
    version         INT           NOT NULL,
    definition      TEXT          NOT NULL,
    published_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    published_by    VARCHAR(200)  NOT NULL,
    PRIMARY KEY (journey_id, version)
);

-- One customer's way through one version of a journey. due_at is when a worker next looks at it (null once it ended);
-- a worker claims due rows with FOR UPDATE SKIP LOCKED and moves due_at forward by its lease, so that another node
-- takes the run over only if this one died. seq counts the steps taken: the idempotency key of each step's effect.
CREATE TABLE journey_run (
    id              UUID PRIMARY KEY,
    tenant_id       UUID          NOT NULL,
    journey_id      UUID          NOT NULL REFERENCES journey (id),
    version         INT           NOT NULL,
    customer_id     UUID          NOT NULL REFERENCES customer (id),
    -- what let the customer in (an event id, a segment entry, a date, a manual request): each lets them in once
    entry_key       VARCHAR(200)  NOT NULL,
    -- active, waiting, completed, exited
    state           VARCHAR(10)   NOT NULL,
    step            VARCHAR(64),
    seq             INT           NOT NULL DEFAULT 0,
    due_at          TIMESTAMP WITH TIME ZONE,
    wait_event      VARCHAR(100),
    waiting_since   TIMESTAMP WITH TIME ZONE,
    -- bumped by every outside signal (an awaited event, an exit rule): a worker's write is conditional on it
    signal          INT           NOT NULL DEFAULT 0,
    exit_request    VARCHAR(200),
    variant         VARCHAR(64),
    attempts        INT           NOT NULL DEFAULT 0,
    context         TEXT,
    entered_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at        TIMESTAMP WITH TIME ZONE,
    exit_reason     VARCHAR(200),
    converted_at    TIMESTAMP WITH TIME ZONE,
    CONSTRAINT journey_run_entry UNIQUE (journey_id, entry_key)
);
CREATE INDEX journey_run_due ON journey_run (due_at);
CREATE INDEX journey_run_by_customer ON journey_run (customer_id, journey_id);
CREATE INDEX journey_run_by_journey ON journey_run (journey_id, state);

-- Every step a run took, for analytics and the customer's story. outcome: done, waiting, branch names, skipped...
CREATE TABLE journey_step (
    run_id          UUID          NOT NULL REFERENCES journey_run (id),
    seq             INT           NOT NULL,
    journey_id      UUID          NOT NULL,
    version         INT           NOT NULL,
    step            VARCHAR(64)   NOT NULL,
    outcome         VARCHAR(40)   NOT NULL,
    detail          VARCHAR(1000),
    at              TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX journey_step_by_journey ON journey_step (journey_id, step);

-- Work for a person, created by a journey's task step.
CREATE TABLE task (
    id              UUID PRIMARY KEY,
    tenant_id       UUID          NOT NULL REFERENCES tenant (id),
    customer_id     UUID          NOT NULL REFERENCES customer (id),
    journey_id      UUID,
    run_id          UUID,
    title           VARCHAR(500)  NOT NULL,
    assignee        VARCHAR(100),
    status          VARCHAR(10)   NOT NULL,
    -- the run and step that created it: a repeated step creates no second task
    source_key      VARCHAR(200)  NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    done_at         TIMESTAMP WITH TIME ZONE,
    done_by         VARCHAR(200),
    CONSTRAINT task_source UNIQUE (tenant_id, source_key)
);
CREATE INDEX task_open ON task (tenant_id, status, created_at);

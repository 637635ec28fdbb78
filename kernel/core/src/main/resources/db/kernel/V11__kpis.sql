-- KPIs: values per shop, KPI, granularity and period (and segment), with the inputs that produced them.
CREATE TABLE kpi_value (
    tenant_id       UUID          NOT NULL REFERENCES tenant (id),
    kpi             VARCHAR(63)   NOT NULL,
    granularity     VARCHAR(5)    NOT NULL,
    period_start    DATE          NOT NULL,
    -- the segment the value is restricted to; the nil UUID for the whole shop
    segment_id      UUID          NOT NULL,
    kpi_value       NUMERIC(24,8),
    inputs          TEXT          NOT NULL,
    computed_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (tenant_id, kpi, granularity, segment_id, period_start)
);

-- A target per KPI, with the granularity it is read at.
CREATE TABLE kpi_goal (
    tenant_id       UUID          NOT NULL REFERENCES tenant (id),
    kpi             VARCHAR(63)   NOT NULL,
    granularity     VARCHAR(5)    NOT NULL,
    target          NUMERIC(24,8) NOT NULL,
    set_by          VARCHAR(200)  NOT NULL,
    set_at          TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (tenant_id, kpi)
);

-- Days whose data changed after their values were computed (events that arrived late): their periods are recomputed.
CREATE TABLE kpi_dirty (
    tenant_id       UUID          NOT NULL,
    dirty_day       DATE          NOT NULL,
    PRIMARY KEY (tenant_id, dirty_day)
);

-- Scores per customer written by KPI modules (predicted lifetime value, probability alive); segments read them.
CREATE TABLE customer_score (
    tenant_id       UUID          NOT NULL,
    customer_id     UUID          NOT NULL REFERENCES customer (id),
    name            VARCHAR(63)   NOT NULL,
    score           NUMERIC(24,8) NOT NULL,
    computed_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (customer_id, name)
);
CREATE INDEX customer_score_lookup ON customer_score (tenant_id, name, score);

-- KPIs count a shop's events of a type in a period
CREATE INDEX event_by_type ON event (tenant_id, type, occurred_at);

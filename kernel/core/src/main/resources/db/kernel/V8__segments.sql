-- Segments: a condition kept as JSON data (never code, see core/segment/Conditions) and who matches it now.
CREATE TABLE segment (
    id              UUID PRIMARY KEY,
    tenant_id       UUID          NOT NULL REFERENCES tenant (id),
    name            VARCHAR(200)  NOT NULL,
    description     VARCHAR(2000),
    definition      TEXT          NOT NULL,
    -- true when the condition changes with time alone ("no order within 30 days"): rebuilt on a schedule
    time_dependent  BOOLEAN       NOT NULL,
    version         INT           NOT NULL,
    member_count    BIGINT        NOT NULL DEFAULT 0,
    rebuilt_at      TIMESTAMP WITH TIME ZONE,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT segment_name UNIQUE (tenant_id, name)
);

CREATE TABLE segment_member (
    segment_id      UUID NOT NULL REFERENCES segment (id),
    customer_id     UUID NOT NULL REFERENCES customer (id),
    tenant_id       UUID NOT NULL,
    since           TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (segment_id, customer_id)
);
CREATE INDEX segment_member_by_customer ON segment_member (customer_id);

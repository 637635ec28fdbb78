-- RFM scores per customer with orders in the window (recency, frequency, monetary: 1-5 by quintile within the
-- shop) and the named group they fall in; recomputed by the kernel (core/segment/Rfm), read by segments.
CREATE TABLE customer_rfm (
    customer_id     UUID          PRIMARY KEY REFERENCES customer (id),
    tenant_id       UUID          NOT NULL,
    recency_days    INT           NOT NULL,
    frequency       INT           NOT NULL,
    monetary        NUMERIC(19,4) NOT NULL,
    r               SMALLINT      NOT NULL,
    f               SMALLINT      NOT NULL,
    m               SMALLINT      NOT NULL,
    rfm_group       VARCHAR(40)   NOT NULL,
    computed_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX customer_rfm_by_tenant ON customer_rfm (tenant_id, rfm_group);

CREATE TABLE rfm_run (
    tenant_id       UUID          PRIMARY KEY REFERENCES tenant (id),
    window_days     INT           NOT NULL,
    customers       BIGINT        NOT NULL,
    computed_at     TIMESTAMP WITH TIME ZONE NOT NULL
);

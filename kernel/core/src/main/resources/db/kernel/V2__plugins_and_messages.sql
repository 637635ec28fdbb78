-- Plugins installed through the admin API: the database is the source of truth, the Felix cache is rebuilt
-- from it at every start so that several nodes converge to the same set.
CREATE TABLE plugin (
    symbolic_name   VARCHAR(200)  NOT NULL PRIMARY KEY,
    version         VARCHAR(100)  NOT NULL,
    jar             BYTEA         NOT NULL,
    sha256          VARCHAR(64)   NOT NULL,
    started         BOOLEAN       NOT NULL,
    installed_by    VARCHAR(200)  NOT NULL,
    installed_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Component configurations written through the admin API (Config Admin PIDs), as JSON objects.
CREATE TABLE plugin_config (
    pid             VARCHAR(300)  NOT NULL PRIMARY KEY,
    properties      TEXT          NOT NULL,
    updated_by      VARCHAR(200)  NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Messages sent through channels. Rendered once, so that every attempt sends the same content.
-- state: SENDING (due_at = lease end), RETRY (due_at = next attempt), SENT, REJECTED, DEAD (the dead letters).
CREATE TABLE message (
    id              UUID          NOT NULL PRIMARY KEY,
    tenant_id       UUID          NOT NULL REFERENCES tenant (id),
    customer_id     UUID          NOT NULL,
    channel         VARCHAR(100)  NOT NULL,
    purpose         VARCHAR(100)  NOT NULL,
    idempotency_key VARCHAR(200),
    subject         TEXT,
    body_text       TEXT,
    body_html       TEXT,
    data            TEXT,
    state           VARCHAR(20)   NOT NULL,
    attempts        INT           NOT NULL,
    due_at          TIMESTAMP WITH TIME ZONE,
    reason          VARCHAR(2000),
    provider_id     VARCHAR(300),
    created_by      VARCHAR(200)  NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT message_idempotency UNIQUE (idempotency_key, tenant_id)
);
CREATE INDEX message_due ON message (state, due_at);
CREATE INDEX message_customer ON message (tenant_id, customer_id, created_at);

-- Customers a channel must not reach (unsubscribed everywhere, bounced, complained).
CREATE TABLE suppression (
    tenant_id       UUID          NOT NULL REFERENCES tenant (id),
    customer_id     UUID          NOT NULL,
    channel         VARCHAR(100)  NOT NULL,
    reason          VARCHAR(200)  NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, channel)
);

-- Import jobs: a file uploaded by an admin or found by a connector, or an API sync, read by the connector of its
-- format in batches; each batch is written with the job's progress, so that a job resumes after a restart.

CREATE TABLE import_job (
    id              UUID PRIMARY KEY,
    tenant_id       UUID          NOT NULL REFERENCES tenant (id),
    kind            VARCHAR(16)   NOT NULL,
    format          VARCHAR(40)   NOT NULL,
    source          VARCHAR(300)  NOT NULL,
    namespace       VARCHAR(64)   NOT NULL,
    file_path       VARCHAR(1000),
    -- the kernel stored the file (an upload) and deletes it when the job ends
    owns_file       BOOLEAN       NOT NULL,
    options         TEXT          NOT NULL,
    dry_run         BOOLEAN       NOT NULL,
    state           VARCHAR(12)   NOT NULL,
    lines_done      BIGINT        NOT NULL DEFAULT 0,
    cursor_value    VARCHAR(200),
    rows_read       BIGINT        NOT NULL DEFAULT 0,
    created_count   BIGINT        NOT NULL DEFAULT 0,
    updated_count   BIGINT        NOT NULL DEFAULT 0,
    rejected_count  BIGINT        NOT NULL DEFAULT 0,
    failure         VARCHAR(2000),
    lease_until     TIMESTAMP WITH TIME ZONE,
    created_by      VARCHAR(200)  NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at      TIMESTAMP WITH TIME ZONE,
    finished_at     TIMESTAMP WITH TIME ZONE,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX import_job_queue ON import_job (format, state, created_at);
CREATE INDEX import_job_by_tenant ON import_job (tenant_id, created_at);

-- The error report: each record a job refused, once.
CREATE TABLE import_error (
    job_id          UUID          NOT NULL REFERENCES import_job (id),
    line            BIGINT        NOT NULL,
    field           VARCHAR(200),
    reason          VARCHAR(1000) NOT NULL,
    PRIMARY KEY (job_id, line)
);

-- Mappings an admin saved for next time: the options of a format (a preset, column → target, a delimiter...).
CREATE TABLE import_mapping (
    tenant_id       UUID          NOT NULL REFERENCES tenant (id),
    name            VARCHAR(100)  NOT NULL,
    kind            VARCHAR(16)   NOT NULL,
    format          VARCHAR(40)   NOT NULL,
    options         TEXT          NOT NULL,
    updated_by      VARCHAR(200)  NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

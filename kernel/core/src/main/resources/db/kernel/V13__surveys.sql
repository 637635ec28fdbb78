-- Surveys (NPS, CSAT, CES): a question on a fixed scale, sent to customers as a signed link; one answer per send.
-- The scale and its direction are part of the survey and never change once it has been sent (a new survey instead),
-- so that the answers of one survey are never on two scales.
CREATE TABLE survey (
    id              UUID PRIMARY KEY,
    tenant_id       UUID          NOT NULL REFERENCES tenant (id),
    name            VARCHAR(200)  NOT NULL,
    -- nps, csat or ces
    kind            VARCHAR(4)    NOT NULL,
    scale_min       INT           NOT NULL,
    scale_max       INT           NOT NULL,
    -- true only for a CES asking how much effort it took (1 = very little): the KPI mirrors its answers
    low_is_better   BOOLEAN       NOT NULL,
    question        VARCHAR(500)  NOT NULL,
    follow_up       VARCHAR(500),
    channel         VARCHAR(40)   NOT NULL,
    purpose         VARCHAR(40)   NOT NULL,
    subject         VARCHAR(500),
    -- a Mustache template that shows {{survey.link}}
    body_text       TEXT          NOT NULL,
    validity_days   INT           NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    archived_at     TIMESTAMP WITH TIME ZONE,
    CONSTRAINT survey_name UNIQUE (tenant_id, name)
);

-- One survey sent to one customer: the token in the link names this row. idempotency_key deduplicates sends
-- (a segment's member once a day, a journey run's step once).
CREATE TABLE survey_send (
    id              UUID PRIMARY KEY,
    tenant_id       UUID          NOT NULL REFERENCES tenant (id),
    survey_id       UUID          NOT NULL REFERENCES survey (id),
    customer_id     UUID          NOT NULL REFERENCES customer (id),
    channel         VARCHAR(40)   NOT NULL,
    message_id      UUID,
    idempotency_key VARCHAR(200),
    sent_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT survey_send_key UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX survey_send_by_customer ON survey_send (tenant_id, customer_id, sent_at);
CREATE INDEX survey_send_by_survey ON survey_send (survey_id, sent_at);

-- The answer to a send: its primary key is the send, so a second answer fails in the database.
CREATE TABLE survey_response (
    send_id         UUID PRIMARY KEY REFERENCES survey_send (id),
    tenant_id       UUID          NOT NULL,
    survey_id       UUID          NOT NULL,
    score           INT           NOT NULL,
    comment_text    VARCHAR(2000),
    answered_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX survey_response_by_survey ON survey_response (survey_id, answered_at);

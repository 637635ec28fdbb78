-- Scores are replaced a million at a time by the KPI batch (ADR 12): without the foreign key to customer, whose
-- check cost a third of each write. The write joins customer so that a customer erased before it gets no score;
-- erasure and merges delete a customer's scores themselves, and a score left by a write that raced an erasure is
-- invisible to segments (they join customer) and gone at the next write of its name. Numbered 14: a surveys branch
-- holds 13.
CREATE TABLE customer_score_v14 (
    tenant_id       UUID          NOT NULL,
    customer_id     UUID          NOT NULL,
    name            VARCHAR(63)   NOT NULL,
    score           NUMERIC(24,8) NOT NULL,
    computed_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (customer_id, name)
);
INSERT INTO customer_score_v14 (tenant_id, customer_id, name, score, computed_at)
    SELECT tenant_id, customer_id, name, score, computed_at FROM customer_score;
DROP TABLE customer_score;
ALTER TABLE customer_score_v14 RENAME TO customer_score;
CREATE INDEX customer_score_lookup ON customer_score (tenant_id, name, score);

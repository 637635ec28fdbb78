-- Console sign-in sessions, disabled users, and name search for the customer list.
-- ${textPatternOps} is 'text_pattern_ops' on PostgreSQL (so that LIKE 'prefix%' uses the index whatever the
-- database's collation) and empty on H2; ${outboxIdCache} is 10000 on H2 and 1 on PostgreSQL (see Migrations).

-- H2 writes an identity's sequence to the file every CACHE values, and with WRITE_DELAY=0 each such write is a
-- store of every changed page: with the default (32) a batch of 500 events paid 16 of them. H2's cache is
-- database-wide, so ids still follow insertion order. PostgreSQL keeps 1: its cache is per session, which would
-- break the outbox's order between connections.
ALTER TABLE outbox ALTER COLUMN id SET CACHE ${outboxIdCache};

-- A signed-in browser. Only the SHA-256 of the cookie's token is stored.
CREATE TABLE app_session (
    token_hash      VARCHAR(64)  PRIMARY KEY,
    user_id         UUID         NOT NULL REFERENCES app_user (id),
    tenant_id       UUID         NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    remote_addr     VARCHAR(100),
    user_agent      VARCHAR(300)
);
CREATE INDEX app_session_by_user ON app_session (user_id);
CREATE INDEX app_session_by_expiry ON app_session (expires_at);

ALTER TABLE app_user ADD COLUMN disabled_at TIMESTAMP WITH TIME ZONE;

-- Lower-cased "first last" and "last", kept by the kernel whenever a name changes: search by name prefix.
ALTER TABLE customer ADD COLUMN name_key VARCHAR(401);
ALTER TABLE customer ADD COLUMN surname_key VARCHAR(200);
UPDATE customer SET name_key = NULLIF(LOWER(TRIM(CONCAT(COALESCE(first_name, ''), ' ', COALESCE(last_name, '')))), ''),
                    surname_key = LOWER(last_name)
 WHERE first_name IS NOT NULL OR last_name IS NOT NULL;
CREATE INDEX customer_by_name ON customer (tenant_id, name_key ${textPatternOps});
CREATE INDEX customer_by_surname ON customer (tenant_id, surname_key ${textPatternOps});

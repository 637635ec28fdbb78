-- Secrets the kernel makes for itself on first start and shares between nodes: the key that signs the links in
-- messages (one-click unsubscribe, preference centre).
CREATE TABLE kernel_secret (
    name            VARCHAR(64)   PRIMARY KEY,
    secret          VARCHAR(200)  NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

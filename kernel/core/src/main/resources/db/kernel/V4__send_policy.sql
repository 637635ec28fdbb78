-- A tenant's rules for messages that are not transactional: quiet hours in the customer's time zone (or the
-- tenant's default zone) and a frequency cap across channels. No row: no quiet hours, no cap.
CREATE TABLE send_policy (
    tenant_id       UUID         PRIMARY KEY REFERENCES tenant (id),
    quiet_start     VARCHAR(5),
    quiet_end       VARCHAR(5),
    default_zone    VARCHAR(64)  NOT NULL,
    cap_messages    INT,
    cap_days        INT,
    updated_by      VARCHAR(200) NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

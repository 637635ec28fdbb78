-- What channels learn after a send (delivered, bounced, opened, clicked, complained): the furthest update of each
-- message, for the delivery log's filters, and the provider's id as a way in for delivery receipts (SMPP).
ALTER TABLE message ADD COLUMN delivery VARCHAR(20);
ALTER TABLE message ADD COLUMN delivery_at TIMESTAMP WITH TIME ZONE;
CREATE INDEX message_provider ON message (provider_id, channel);
CREATE INDEX message_channel ON message (tenant_id, channel, created_at);
CREATE INDEX suppression_recent ON suppression (tenant_id, created_at);

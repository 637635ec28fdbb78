-- The import benchmark's second baseline: what PostgreSQL alone needs to store the file's new customers in the
-- kernel's data model. The same rows and indexes the kernel writes for each new contact (the profile with its name
-- keys, its e-mail and phone identifiers, three attributes, the customer.created event and its outbox row), written
-- by INSERT ... SELECT from the COPY table inside one transaction: no client, no parsing, no checks, no round trips.
-- Run by ImportBench in the baseline schema after the kernel's migrations; :tenant is replaced by a tenant id.

-- not timed: which rows to write (valid e-mail, first row per person, phones in E.164), with time-ordered ids
CREATE TEMP TABLE floor_src AS
SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(row_number() OVER ()), 12, '0'))::uuid AS id,
       ('00000000-0000-7000-9000-' || lpad(to_hex(row_number() OVER ()), 12, '0'))::uuid AS event_id, d.*
  FROM (SELECT DISTINCT ON (lower(email)) lower(email) AS email, first_name, last_name,
               CASE WHEN phone LIKE '+%' THEN phone ELSE '+33' || substr(replace(phone, ' ', ''), 2) END AS phone,
               plan, signup_date, score
          FROM import_baseline WHERE email LIKE '%@%' ORDER BY lower(email)) d;
INSERT INTO tenant (id, slug, name, default_region, created_at) VALUES (':tenant', 'floor', 'Floor', 'FR', now());

-- timed
INSERT INTO customer (id, tenant_id, email, phone, first_name, last_name, name_key, surname_key, created_at, updated_at)
SELECT id, ':tenant', email, phone, first_name, last_name,
       NULLIF(LOWER(TRIM(CONCAT(COALESCE(first_name, ''), ' ', COALESCE(last_name, '')))), ''), LOWER(last_name), now(), now()
  FROM floor_src;
INSERT INTO customer_identifier (tenant_id, type, namespace, id_value, customer_id, created_at)
SELECT ':tenant', 'email', '', email, id, now() FROM floor_src;
INSERT INTO customer_identifier (tenant_id, type, namespace, id_value, customer_id, created_at)
SELECT ':tenant', 'phone', '', phone, id, now() FROM floor_src;
INSERT INTO customer_attribute (tenant_id, customer_id, name, type, attr_value) SELECT ':tenant', id, 'plan', 'STRING', plan FROM floor_src;
INSERT INTO customer_attribute (tenant_id, customer_id, name, type, attr_value) SELECT ':tenant', id, 'signup date', 'DATE', signup_date::text FROM floor_src;
INSERT INTO customer_attribute (tenant_id, customer_id, name, type, attr_value) SELECT ':tenant', id, 'score', 'NUMBER', score::text FROM floor_src;
INSERT INTO event (id, tenant_id, customer_id, type, occurred_at, received_at, source, properties)
SELECT event_id, ':tenant', id, 'customer.created', now(), now(), 'import floor', '{"by":"import floor","importJob":"00000000-0000-7000-8000-000000000000"}'
  FROM floor_src;
INSERT INTO outbox (tenant_id, event_id, created_at) SELECT ':tenant', event_id, now() FROM floor_src;

-- The audit trail: one row per change to customer data, naming who made
-- it and which fields changed, never their values.  customer is the
-- customer's public id (uuid), NULL for changes that concern nobody in
-- particular, or 'forgotten' once that customer has been forgotten.
-- fields lists the names of the fields changed, comma-separated; detail
-- is a JSON object of counts (forget, purge) or the id merged away.
CREATE TABLE audit (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	ts BIGINT NOT NULL,
	actor VARCHAR(160) NOT NULL,
	action VARCHAR(32) NOT NULL,
	customer VARCHAR(36),
	fields VARCHAR(255),
	detail TEXT,
	KEY audit_ts (ts),
	KEY audit_customer (customer)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

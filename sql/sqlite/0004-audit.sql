-- The audit trail: one row per change to customer data, naming who made
-- it and which fields changed, never their values.  customer is the
-- customer's public id (uuid), NULL for changes that concern nobody in
-- particular, or 'forgotten' once that customer has been forgotten.
-- fields lists the names of the fields changed, comma-separated; detail
-- is a JSON object of counts (forget, purge) or the id merged away.
CREATE TABLE audit (
	id INTEGER PRIMARY KEY,
	ts INTEGER NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	customer TEXT,
	fields TEXT,
	detail TEXT
);
CREATE INDEX audit_ts ON audit (ts);
CREATE INDEX audit_customer ON audit (customer);

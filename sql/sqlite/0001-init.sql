-- FaceTrack schema, version 1 (SQLite).  Times are milliseconds since the
-- epoch, UTC.  Descriptors are 128 little-endian float32 (512 bytes).
CREATE TABLE customers (
	id INTEGER PRIMARY KEY,
	uuid TEXT NOT NULL UNIQUE,
	name TEXT,
	email TEXT,
	notes TEXT,
	consent INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	last_visit INTEGER,
	visit_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX customers_created ON customers (created_at);
CREATE INDEX customers_visits ON customers (visit_count);
CREATE INDEX customers_last_visit ON customers (last_visit);
CREATE INDEX customers_name ON customers (name);

CREATE TABLE faces (
	id INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES customers (id),
	descriptor BLOB NOT NULL,
	quality REAL NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE INDEX faces_customer ON faces (customer_id);

CREATE TABLE visits (
	id INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES customers (id),
	ts INTEGER NOT NULL,
	source TEXT,
	distance REAL,
	new_customer INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX visits_ts ON visits (ts, customer_id);
CREATE INDEX visits_customer_ts ON visits (customer_id, ts);

CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	ts INTEGER NOT NULL,
	kind TEXT NOT NULL,
	customer_id INTEGER,
	payload TEXT NOT NULL
);
CREATE INDEX events_customer ON events (customer_id);

CREATE TABLE meta (
	k TEXT PRIMARY KEY,
	v TEXT
);

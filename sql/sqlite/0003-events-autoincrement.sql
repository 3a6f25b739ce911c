-- Event ids are never reused.  Without AUTOINCREMENT SQLite gives a new
-- row the largest id in the table plus one, so after a forget deleted
-- the newest events, the next event would take one of their ids, and a
-- follower of the feed that had seen them (ft-serve, a recogniser) would
-- skip it.  SQLite cannot add AUTOINCREMENT to a table: it is rebuilt,
-- ids kept; sqlite_sequence starts from the largest id copied.
CREATE TABLE events_new (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	ts INTEGER NOT NULL,
	kind TEXT NOT NULL,
	customer_id INTEGER,
	payload TEXT NOT NULL
);
INSERT INTO events_new (id, ts, kind, customer_id, payload)
	SELECT id, ts, kind, customer_id, payload FROM events ORDER BY id;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_customer ON events (customer_id);

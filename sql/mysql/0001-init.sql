-- FaceTrack schema, version 1 (MySQL 8 / MariaDB 10.6+).  Times are
-- milliseconds since the epoch, UTC.  Descriptors are 128 little-endian
-- float32 (512 bytes).
CREATE TABLE customers (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	uuid CHAR(36) NOT NULL,
	name VARCHAR(255),
	email VARCHAR(255),
	notes TEXT,
	consent TINYINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	last_visit BIGINT,
	visit_count BIGINT NOT NULL DEFAULT 0,
	UNIQUE KEY customers_uuid (uuid),
	KEY customers_created (created_at),
	KEY customers_visits (visit_count),
	KEY customers_last_visit (last_visit),
	KEY customers_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE faces (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	customer_id BIGINT NOT NULL,
	descriptor VARBINARY(512) NOT NULL,
	quality DOUBLE NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	KEY faces_customer (customer_id),
	CONSTRAINT faces_customer_fk FOREIGN KEY (customer_id)
		REFERENCES customers (id)
) ENGINE=InnoDB;

CREATE TABLE visits (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	customer_id BIGINT NOT NULL,
	ts BIGINT NOT NULL,
	source VARCHAR(255),
	distance DOUBLE,
	new_customer TINYINT NOT NULL DEFAULT 0,
	KEY visits_ts (ts, customer_id),
	KEY visits_customer_ts (customer_id, ts),
	CONSTRAINT visits_customer_fk FOREIGN KEY (customer_id)
		REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE events (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	ts BIGINT NOT NULL,
	kind VARCHAR(32) NOT NULL,
	customer_id BIGINT,
	payload TEXT NOT NULL,
	KEY events_customer (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE meta (
	k VARCHAR(64) NOT NULL PRIMARY KEY,
	v TEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

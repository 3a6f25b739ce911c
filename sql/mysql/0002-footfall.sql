-- Footfall: visits of people who are not recognised (FT_RECOGNITION
-- consented or anonymous), counted per source and hour, with no identity.
-- hour_ts is the start of the hour, milliseconds since the epoch, UTC.
CREATE TABLE footfall (
	source VARCHAR(255) NOT NULL,
	hour_ts BIGINT NOT NULL,
	visits BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (source, hour_ts),
	KEY footfall_hour (hour_ts)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX faces_created ON faces (created_at);

-- Footfall: visits of people who are not recognised (FT_RECOGNITION
-- consented or anonymous), counted per source and hour, with no identity.
-- hour_ts is the start of the hour, milliseconds since the epoch, UTC.
CREATE TABLE footfall (
	source TEXT NOT NULL,
	hour_ts INTEGER NOT NULL,
	visits INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (source, hour_ts)
);
CREATE INDEX footfall_hour ON footfall (hour_ts);
CREATE INDEX faces_created ON faces (created_at);

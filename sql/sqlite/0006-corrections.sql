-- Corrections of who is who.  different holds the pairs of customers
-- the owner said are two people: recognition never takes one for the
-- other, and suggestions never offer them again.  A pair is stored once,
-- its smaller id in a.  Rows go with either customer (a forget), and a
-- merge moves the dropped customer's pairs to the kept one.
CREATE TABLE different (
	a INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	b INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (a, b),
	CHECK (a < b)
);
CREATE INDEX different_b ON different (b);
-- The sample a visit was recognised by (the registering visit: a sample
-- it created), so that splitting samples off takes the visits they
-- explain along.  NULL for older visits and where no sample was
-- compared; a sample removed later leaves the id behind, unmatched.
ALTER TABLE visits ADD COLUMN face_id INTEGER;
CREATE INDEX visits_face ON visits (face_id);

-- Corrections of who is who.  different holds the pairs of customers
-- the owner said are two people: recognition never takes one for the
-- other, and suggestions never offer them again.  A pair is stored once,
-- its smaller id in a.  Rows go with either customer (a forget), and a
-- merge moves the dropped customer's pairs to the kept one.
CREATE TABLE different (
	a BIGINT NOT NULL,
	b BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (a, b),
	KEY different_b (b),
	CONSTRAINT different_order CHECK (a < b),
	CONSTRAINT different_a_fk FOREIGN KEY (a) REFERENCES customers (id)
		ON DELETE CASCADE,
	CONSTRAINT different_b_fk FOREIGN KEY (b) REFERENCES customers (id)
		ON DELETE CASCADE
) ENGINE=InnoDB;
-- The sample a visit was recognised by (the registering visit: a sample
-- it created), so that splitting samples off takes the visits they
-- explain along.  NULL for older visits and where no sample was
-- compared; a sample removed later leaves the id behind, unmatched.
ALTER TABLE visits ADD COLUMN face_id BIGINT NULL,
	ADD KEY visits_face (face_id);

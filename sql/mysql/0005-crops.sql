-- Face crops: the JPEG of each sample's aligned 150x150 chip, so that a
-- person can see what a sample is of.  NULL when none was kept (crops
-- turned off, or a sample from before this version).  A crop is part of
-- its sample's row: whatever deletes or overwrites the sample takes the
-- crop along.  A few KB, so InnoDB keeps it in the row's page, where the
-- erasure's overwrite reaches it (facetrack(7)).
ALTER TABLE faces ADD COLUMN crop BLOB NULL;

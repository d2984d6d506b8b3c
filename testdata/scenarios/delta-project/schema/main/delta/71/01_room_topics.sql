-- Every engine: a topic per room.
ALTER TABLE rooms ADD COLUMN topic TEXT;

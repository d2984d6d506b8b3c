DROP INDEX idx_notes_title;

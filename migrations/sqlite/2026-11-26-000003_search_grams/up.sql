-- A bigram index of the searchable text of records (names, English names, aliases), so that
-- `q` finds Chinese substrings of two characters or more without scanning every record.
CREATE TABLE record_grams (
    gram      TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (gram, record_id)
) WITHOUT ROWID;

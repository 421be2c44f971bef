CREATE TABLE record_grams_old (
    gram      TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (gram, record_id)
) WITHOUT ROWID;
INSERT INTO record_grams_old (gram, record_id)
SELECT gram, record_id FROM record_grams ORDER BY gram, record_id;
DROP TABLE record_grams;
ALTER TABLE record_grams_old RENAME TO record_grams;

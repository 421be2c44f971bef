-- The search index also holds a term `industry:<code>` for every industry code a record is
-- classified under (ancestors included, as in records.industry_codes), so that a list filtered
-- by industry is read along that code's postings instead of testing every record in turn.
-- Existing records get theirs here; the application writes them from now on.
WITH RECURSIVE split(record_id, code, rest) AS (
    SELECT id, '', substr(industry_codes, 2) FROM records WHERE industry_codes <> ''
    UNION ALL
    SELECT record_id, substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1)
    FROM split
    WHERE rest <> ''
)
INSERT OR IGNORE INTO record_grams (gram, record_id)
SELECT 'industry:' || code, record_id FROM split WHERE code <> '';

-- The search index also holds a term `industry:<code>` for every industry code a record is
-- classified under (ancestors included, as in records.industry_codes), so that a list filtered
-- by industry is read along that code's postings instead of testing every record in turn.
-- Existing records get theirs here; the application writes them from now on.
INSERT INTO record_grams (gram, record_id)
SELECT DISTINCT 'industry:' || code, id
FROM records, unnest(string_to_array(trim(BOTH ',' FROM industry_codes), ',')) AS code
WHERE industry_codes <> '' AND code <> ''
ON CONFLICT DO NOTHING;

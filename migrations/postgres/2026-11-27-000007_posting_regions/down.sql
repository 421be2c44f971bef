ALTER TABLE record_grams DROP CONSTRAINT record_grams_pkey;
ALTER TABLE record_grams DROP COLUMN region_code;
ALTER TABLE record_grams ADD CONSTRAINT record_grams_pkey PRIMARY KEY (gram, record_id);

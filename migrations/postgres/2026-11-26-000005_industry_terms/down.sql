DELETE FROM record_grams WHERE gram LIKE 'industry:%';

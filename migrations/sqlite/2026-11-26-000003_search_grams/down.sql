DROP TABLE record_grams;

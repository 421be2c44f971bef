DROP INDEX enterprise_nodes_counts;
ALTER TABLE enterprise_nodes DROP COLUMN is_leading;
ALTER TABLE enterprise_nodes DROP COLUMN is_local;

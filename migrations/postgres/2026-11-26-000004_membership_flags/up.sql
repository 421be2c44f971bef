-- Chain memberships carry their enterprise's local and leading flags, and hold live enterprises
-- only, so that the chain views count from this table's index alone.
ALTER TABLE enterprise_nodes ADD COLUMN is_local BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE enterprise_nodes ADD COLUMN is_leading BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE enterprise_nodes SET
    is_local = COALESCE((SELECT r.is_local FROM records r WHERE r.id = enterprise_nodes.enterprise_id), FALSE),
    is_leading = COALESCE((SELECT r.is_leading FROM records r WHERE r.id = enterprise_nodes.enterprise_id), FALSE);
DELETE FROM enterprise_nodes
    WHERE enterprise_id IN (SELECT id FROM records WHERE deleted_at IS NOT NULL);
CREATE INDEX enterprise_nodes_counts ON enterprise_nodes (node_id, is_local, is_leading, enterprise_id);

-- One index of ids per resource instead of one of (resource, id). A list in id order with
-- `resource = ...` could walk either that index or the primary key, and PostgreSQL's planner
-- took the primary key, skipping the other resources' rows one by one: at a million
-- enterprises the first page of enterprises read past the ten thousand agencies created before
-- them (7 ms instead of 0.1 ms). A partial index holds only its resource's rows, so the planner
-- prefers it. (SQLite's planner takes the (resource, id) index, which it keeps.)
-- A resource added to the CHECK of `records.resource` needs its index here too.
CREATE INDEX records_investor_ids ON records (id) WHERE resource = 'investor';
CREATE INDEX records_agency_ids ON records (id) WHERE resource = 'agency';
CREATE INDEX records_target_region_ids ON records (id) WHERE resource = 'target_region';
CREATE INDEX records_industry_ids ON records (id) WHERE resource = 'industry';
CREATE INDEX records_enterprise_ids ON records (id) WHERE resource = 'enterprise';
DROP INDEX records_resource_id;

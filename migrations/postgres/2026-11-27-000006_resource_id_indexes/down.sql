CREATE INDEX records_resource_id ON records (resource, id);
DROP INDEX records_investor_ids;
DROP INDEX records_agency_ids;
DROP INDEX records_target_region_ids;
DROP INDEX records_industry_ids;
DROP INDEX records_enterprise_ids;

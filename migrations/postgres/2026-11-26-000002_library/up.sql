-- The shared information library: investors, agencies, target regions, industries and
-- enterprises share one table of records (typed columns for what is filtered and indexed,
-- the whole record as JSON in `data`), with contacts, chain nodes, chain memberships and
-- supply links beside it.

CREATE TABLE records (
    id               TEXT PRIMARY KEY NOT NULL,
    resource         TEXT NOT NULL CHECK (resource IN ('investor', 'agency', 'target_region', 'industry', 'enterprise')),
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL,
    search           TEXT NOT NULL,
    kind             TEXT,
    status           TEXT,
    priority         TEXT,
    region_code      TEXT,
    country          TEXT,
    credit_code      TEXT,
    industry_codes   TEXT NOT NULL DEFAULT '',
    tags             TEXT NOT NULL DEFAULT '',
    owner_org_id     TEXT NOT NULL REFERENCES orgs (id),
    source_agency_id TEXT REFERENCES records (id),
    external_id      TEXT,
    is_local         BOOLEAN,
    is_leading       BOOLEAN,
    data             TEXT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    created_by       TEXT,
    deleted_at       TIMESTAMP
);
CREATE INDEX records_resource_id ON records (resource, id);
CREATE INDEX records_resource_name ON records (resource, name, id);
CREATE INDEX records_resource_region ON records (resource, region_code, id);
CREATE INDEX records_resource_updated ON records (resource, updated_at);
CREATE INDEX records_resource_name_key ON records (resource, name_key);
CREATE INDEX records_source_agency ON records (source_agency_id, resource, id);
CREATE INDEX records_owner ON records (owner_org_id, resource, id);
CREATE UNIQUE INDEX records_live_credit_code ON records (resource, credit_code)
    WHERE deleted_at IS NULL AND credit_code IS NOT NULL;
CREATE UNIQUE INDEX records_live_external_id ON records (resource, source_agency_id, external_id)
    WHERE deleted_at IS NULL AND external_id IS NOT NULL;

CREATE TABLE contacts (
    id         TEXT PRIMARY KEY NOT NULL,
    record_id  TEXT NOT NULL REFERENCES records (id),
    name       TEXT NOT NULL,
    title      TEXT,
    phone      TEXT,
    email      TEXT,
    wechat     TEXT,
    notes      TEXT,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX contacts_record ON contacts (record_id, id);

CREATE TABLE chain_nodes (
    id           TEXT PRIMARY KEY NOT NULL,
    industry_id  TEXT NOT NULL REFERENCES records (id),
    parent_id    TEXT REFERENCES chain_nodes (id),
    name         TEXT NOT NULL,
    position     TEXT NOT NULL CHECK (position IN ('upstream', 'midstream', 'downstream', 'supporting')),
    key_products TEXT NOT NULL DEFAULT '[]',
    notes        TEXT,
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    deleted_at   TIMESTAMP
);
CREATE INDEX chain_nodes_industry ON chain_nodes (industry_id, id);

CREATE TABLE enterprise_nodes (
    enterprise_id TEXT NOT NULL REFERENCES records (id),
    node_id       TEXT NOT NULL REFERENCES chain_nodes (id),
    role          TEXT,
    PRIMARY KEY (enterprise_id, node_id)
);
CREATE INDEX enterprise_nodes_node ON enterprise_nodes (node_id, enterprise_id);

CREATE TABLE supply_links (
    id          TEXT PRIMARY KEY NOT NULL,
    supplier_id TEXT NOT NULL REFERENCES records (id),
    customer_id TEXT NOT NULL REFERENCES records (id),
    product     TEXT,
    notes       TEXT,
    created_at  TIMESTAMP NOT NULL,
    created_by  TEXT,
    deleted_at  TIMESTAMP
);
CREATE INDEX supply_links_supplier ON supply_links (supplier_id);
CREATE INDEX supply_links_customer ON supply_links (customer_id);

-- Organisations, people, service clients, the audit trail and login throttling.

CREATE TABLE orgs (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('bureau', 'department', 'county', 'zone', 'agency')),
    name        TEXT NOT NULL,
    region_code TEXT,
    parent_id   TEXT REFERENCES orgs (id),
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP
);
CREATE UNIQUE INDEX orgs_live_kind_name ON orgs (kind, name) WHERE deleted_at IS NULL;

CREATE TABLE users (
    id                  TEXT PRIMARY KEY NOT NULL,
    username            TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    org_id              TEXT NOT NULL REFERENCES orgs (id),
    role                TEXT NOT NULL CHECK (role IN ('admin', 'bureau', 'department', 'county', 'zone', 'agency', 'reader')),
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash       TEXT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE clients (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    role        TEXT NOT NULL CHECK (role IN ('admin', 'bureau', 'department', 'county', 'zone', 'agency', 'reader')),
    secret_hash TEXT NOT NULL,
    expires_at  TIMESTAMP,
    revoked_at  TIMESTAMP,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX clients_org ON clients (org_id);

-- AUTOINCREMENT: a sequence number is never reused, even after the newest row is gone.
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at            TIMESTAMP NOT NULL,
    actor_id      TEXT,
    actor_name    TEXT,
    org_id        TEXT,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT,
    request_id    TEXT,
    ip            TEXT,
    changes       TEXT
);
CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_at ON audit_log (at, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;

CREATE TABLE login_throttle (
    username     TEXT PRIMARY KEY NOT NULL,
    failures     INTEGER NOT NULL,
    locked_until TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL
);

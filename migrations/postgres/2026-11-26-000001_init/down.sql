DROP TABLE login_throttle;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE clients;
DROP TABLE users;
DROP TABLE orgs;

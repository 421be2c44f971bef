DROP TABLE login_throttle;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
DROP TABLE clients;
DROP TABLE users;
DROP TABLE orgs;

//! The audit trail: one row per change or login, written in the same transaction as the change.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::{Map, Value};
use zhaoshang_types::AuditEntry;

use crate::core::db::DbConnection;
use crate::core::db::schema::audit_log;
use crate::core::error::ApiError;

/// Who did it, from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// User or client id.
    pub id: Option<String>,
    /// Username or client name.
    pub name: Option<String>,
    /// Organisation.
    pub org_id: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Client IP.
    pub ip: Option<String>,
}

impl Actor {
    /// The command line (bootstrap commands).
    pub fn cli() -> Self {
        Self {
            name: Some("zhaoshang-api (command line)".to_owned()),
            ..Self::default()
        }
    }
}

/// Fields whose values are never written into the audit trail.
const SECRET_FIELDS: [&str; 4] = ["password", "password_hash", "secret_hash", "client_secret"];

/// The changed fields between two JSON objects: `{"field": {"before": .., "after": ..}}`.
/// Either side may be `Null` (create, delete). Secret fields show `"[redacted]"`.
pub fn diff(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        if matches!(key.as_str(), "version" | "updated_at" | "created_at") {
            continue;
        }
        let (bv, av) = (
            b.get(key).unwrap_or(&Value::Null),
            a.get(key).unwrap_or(&Value::Null),
        );
        if bv != av {
            let redact = |v: &Value| {
                if SECRET_FIELDS.contains(&key.as_str()) && !v.is_null() {
                    Value::String("[redacted]".to_owned())
                } else {
                    v.clone()
                }
            };
            out.insert(
                key.clone(),
                serde_json::json!({"before": redact(bv), "after": redact(av)}),
            );
        }
    }
    Value::Object(out)
}

/// The changes of a creation as [`diff`] from nothing to `after` writes them, written
/// directly instead of through a tree of values (a batch sync creates up to a thousand
/// records at a time): each field that has a value, in key order, `{"after": .., "before":
/// null}`.
pub fn creation(after: &Value) -> Result<String, ApiError> {
    let mut out = Vec::with_capacity(1024);
    out.push(b'{');
    if let Some(fields) = after.as_object() {
        // serde_json's maps are ordered by key, as `diff` orders the fields and the two keys
        // of each.
        for (key, value) in fields {
            if value.is_null() || matches!(key.as_str(), "version" | "updated_at" | "created_at") {
                continue;
            }
            if out.len() > 1 {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, key).map_err(ApiError::internal)?;
            out.extend_from_slice(b":{\"after\":");
            if SECRET_FIELDS.contains(&key.as_str()) {
                out.extend_from_slice(b"\"[redacted]\"");
            } else {
                serde_json::to_writer(&mut out, value).map_err(ApiError::internal)?;
            }
            out.extend_from_slice(b",\"before\":null}");
        }
    }
    out.push(b'}');
    String::from_utf8(out).map_err(ApiError::internal)
}

/// Appends the audit row of a creation: every field of `after`, secrets hidden.
pub fn created(
    conn: &mut DbConnection,
    actor: &Actor,
    resource_type: &str,
    resource_id: &str,
    after: &Value,
) -> Result<(), ApiError> {
    record(
        conn,
        actor,
        "create",
        resource_type,
        Some(resource_id),
        Some(diff(&Value::Null, after)),
    )
}

/// Appends one audit row.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    resource_type: &str,
    resource_id: Option<&str>,
    changes: Option<Value>,
) -> Result<(), ApiError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(crate::core::db::now()),
            audit_log::actor_id.eq(actor.id.as_deref()),
            audit_log::actor_name.eq(actor.name.as_deref()),
            audit_log::org_id.eq(actor.org_id.as_deref()),
            audit_log::action.eq(action),
            audit_log::resource_type.eq(resource_type),
            audit_log::resource_id.eq(resource_id),
            audit_log::request_id.eq(actor.request_id.as_deref()),
            audit_log::ip.eq(actor.ip.as_deref()),
            audit_log::changes.eq(changes.map(|c| c.to_string())),
        ))
        .execute(conn)?;
    Ok(())
}

/// One change of many written together (`record_many`).
pub struct Entry {
    /// create, update, ...
    pub action: &'static str,
    /// The changed record.
    pub resource_id: String,
    /// The diff, as JSON.
    pub changes: String,
}

/// Appends one audit row per entry, many per statement (batch syncs).
pub fn record_many(
    conn: &mut DbConnection,
    actor: &Actor,
    resource_type: &str,
    entries: Vec<Entry>,
) -> Result<(), ApiError> {
    let at = crate::core::db::now();
    // Owned values: on SQLite a full chunk's statement is kept by its type (`insert_rows!`).
    let rows = entries.into_iter().map(|e| {
        (
            audit_log::at.eq(at),
            audit_log::actor_id.eq(actor.id.clone()),
            audit_log::actor_name.eq(actor.name.clone()),
            audit_log::org_id.eq(actor.org_id.clone()),
            audit_log::action.eq(e.action),
            audit_log::resource_type.eq(resource_type.to_owned()),
            audit_log::resource_id.eq(Some(e.resource_id)),
            audit_log::request_id.eq(actor.request_id.clone()),
            audit_log::ip.eq(actor.ip.clone()),
            audit_log::changes.eq(Some(e.changes)),
        )
    });
    crate::insert_rows!(conn, audit_log::table, rows, sqlite = 100, postgres = 1000)?;
    Ok(())
}

#[derive(Queryable)]
struct Row {
    seq: i64,
    at: NaiveDateTime,
    actor_id: Option<String>,
    actor_name: Option<String>,
    org_id: Option<String>,
    action: String,
    resource_type: String,
    resource_id: Option<String>,
    request_id: Option<String>,
    ip: Option<String>,
    changes: Option<String>,
}

/// Filters of `GET /api/v1/audit`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Resource type.
    pub resource_type: Option<String>,
    /// Resource id.
    pub resource_id: Option<String>,
    /// Actor id.
    pub actor_id: Option<String>,
    /// Action.
    pub action: Option<String>,
    /// From this time on (inclusive).
    pub since: Option<NaiveDateTime>,
    /// Before this time (exclusive).
    pub until: Option<NaiveDateTime>,
    /// Rows after this sequence number.
    pub after_seq: Option<i64>,
}

/// Audit rows in sequence order, at most `limit`.
pub fn list(conn: &mut DbConnection, f: &Filter, limit: i64) -> Result<Vec<AuditEntry>, ApiError> {
    let mut q = audit_log::table.into_boxed();
    if let Some(v) = &f.resource_type {
        q = q.filter(audit_log::resource_type.eq(v.clone()));
    }
    if let Some(v) = &f.resource_id {
        q = q.filter(audit_log::resource_id.eq(v.clone()));
    }
    if let Some(v) = &f.actor_id {
        q = q.filter(audit_log::actor_id.eq(v.clone()));
    }
    if let Some(v) = &f.action {
        q = q.filter(audit_log::action.eq(v.clone()));
    }
    if let Some(v) = f.since {
        q = q.filter(audit_log::at.ge(v));
    }
    if let Some(v) = f.until {
        q = q.filter(audit_log::at.lt(v));
    }
    if let Some(v) = f.after_seq {
        q = q.filter(audit_log::seq.gt(v));
    }
    let rows: Vec<Row> = q.order(audit_log::seq.asc()).limit(limit).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            seq: r.seq,
            at: DateTime::<Utc>::from_naive_utc_and_offset(r.at, Utc),
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            org_id: r.org_id,
            action: r.action,
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            request_id: r.request_id,
            ip: r.ip,
            changes: r.changes.and_then(|c| serde_json::from_str(&c).ok()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn diff_lists_changed_fields_and_hides_secrets() {
        let d = super::diff(
            &json!({"name": "a", "kind": "zone", "version": 1, "password_hash": "x"}),
            &json!({"name": "b", "kind": "zone", "version": 2, "password_hash": "y"}),
        );
        assert_eq!(
            d,
            json!({"name": {"before": "a", "after": "b"},
                   "password_hash": {"before": "[redacted]", "after": "[redacted]"}})
        );
        let created = super::diff(&serde_json::Value::Null, &json!({"name": "a"}));
        assert_eq!(created, json!({"name": {"before": null, "after": "a"}}));
    }

    #[test]
    fn creations_are_written_as_diff_writes_them() {
        let fields = serde_json::to_value(zhaoshang_types::EnterpriseFields {
            name: "浙江巨化股份有限公司 \"巨化\"".into(),
            aliases: vec!["巨化".into(), "Juhua\n集团".into()],
            industry_codes: vec!["2614".into(), "2619".into()],
            region_code: Some("330802".into()),
            employees: Some(12_000),
            is_local: true,
            ..zhaoshang_types::EnterpriseFields::default()
        })
        .expect("fields");
        for after in [
            fields,
            json!({}),
            json!({"version": 3, "created_at": "x", "updated_at": "y", "gone": null}),
            json!({"password": "p", "client_secret": null, "b": {"nested": [1, 2.5, null]},
                   "a": "\u{1f}\\", "name": "名"}),
        ] {
            assert_eq!(
                super::creation(&after).expect("creation"),
                super::diff(&serde_json::Value::Null, &after).to_string(),
                "{after}"
            );
        }
    }
}

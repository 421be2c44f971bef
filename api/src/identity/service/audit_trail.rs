//! Reading the audit trail.

use zhaoshang_types::{AuditEntry, AuditQuery, Page};

use crate::core::audit;
use crate::core::error::ApiError;
use crate::core::http::{decode_cursor, page_limit, paginate};
use crate::core::state::AppState;

/// Read the audit trail, oldest first (administrators and the bureau). 审计记录。
pub async fn list_audit(state: &AppState, query: AuditQuery) -> Result<Page<AuditEntry>, ApiError> {
    let limit = page_limit(query.limit)?;
    let after_seq = match query.cursor.as_deref().map(decode_cursor).transpose()? {
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            ApiError::invalid_field(
                "cursor",
                "invalid_cursor",
                "the cursor is not one this API gave out",
            )
        })?),
        None => None,
    };
    let filter = audit::Filter {
        resource_type: query.resource_type,
        resource_id: query.resource_id,
        actor_id: query.actor_id,
        action: query.action,
        since: query.since.map(|t| t.naive_utc()),
        until: query.until.map(|t| t.naive_utc()),
        after_seq,
    };
    let rows = state
        .db
        .read(move |conn| audit::list(conn, &filter, limit + 1))
        .await?;
    paginate(rows, limit, |r| r.seq.to_string(), Ok)
}

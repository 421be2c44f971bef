//! Organisations, users, clients, passwords and the audit trail through the SDK, by subject:
//! organisations and lists, users and passwords, the audit trail (and rolled-back writes),
//! and the answers to unknown ids and to stale or malformed `If-Match`. This file holds only
//! the helpers they share.

mod audit;
mod orgs;
mod preconditions;
mod users;

use futures_util::TryStreamExt as _;
use zhaoshang_client::Client;
use zhaoshang_types::{AuditEntry, AuditQuery, NewOrg, OrgKind};

/// A new organisation without a parent.
fn new_org(kind: OrgKind, name: &str, region_code: Option<&str>) -> NewOrg {
    NewOrg {
        kind,
        name: name.to_owned(),
        region_code: region_code.map(str::to_owned),
        parent_id: None,
    }
}

/// Every row of the audit trail, oldest first.
async fn audit_rows(admin: &Client) -> Vec<AuditEntry> {
    admin
        .audit(AuditQuery::default())
        .try_collect()
        .await
        .expect("the audit trail")
}

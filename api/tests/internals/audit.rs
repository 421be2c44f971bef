//! The audit log, as the database keeps it.

use zhaoshang_api::testing::TestDb;
use zhaoshang_types::{AuditQuery, NewOrg, OrgKind};

use crate::support::TestApp;

zhaoshang_api::db_test!(
    the_database_refuses_to_change_or_delete_audit_rows,
    audit_rows_are_immutable
);
async fn audit_rows_are_immutable(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    admin
        .create_org(&NewOrg {
            kind: OrgKind::Zone,
            name: "龙游经济开发区".into(),
            region_code: None,
            parent_id: None,
        })
        .await
        .expect("create");
    let rows = admin
        .list_audit(&AuditQuery::default())
        .await
        .expect("list")
        .items
        .len();
    assert!(rows > 0, "there are audit rows to change");
    // The database itself refuses to change or delete audit rows.
    use diesel::connection::SimpleConnection as _;
    let mut conn = app.database.blocking_conn().expect("conn");
    let update = conn.batch_execute("UPDATE audit_log SET action = 'tampered'");
    assert!(update.is_err(), "audit rows cannot be updated");
    let delete = conn.batch_execute("DELETE FROM audit_log");
    assert!(delete.is_err(), "audit rows cannot be deleted");
}

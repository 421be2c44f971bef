//! Migrations that fill in what records written before them lack.

use zhaoshang_api::testing::TestDb;
use zhaoshang_types::{EnterpriseFields, LibraryQuery};

use crate::enterprise;
use crate::support::{TestApp, credit_code};

zhaoshang_api::db_test!(
    existing_records_get_their_industry_terms_from_the_migration,
    industry_terms_migration
);
async fn industry_terms_migration(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let e = admin.enterprises();
    let a = e
        .create(&enterprise(
            "浙江巨化股份有限公司",
            "330802",
            &["2614"],
            true,
        ))
        .await
        .expect("a");
    let by_industry = || async {
        e.list(&LibraryQuery {
            industry: Some("261".into()),
            ..LibraryQuery::default()
        })
        .await
        .expect("list")
        .items
        .into_iter()
        .map(|r| r.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(by_industry().await, vec![a.id.clone()]);
    // As before the migration: records without terms are not found by them.
    use diesel::connection::SimpleConnection as _;
    let mut conn = app.database.blocking_conn().expect("conn");
    conn.batch_execute("DELETE FROM record_grams WHERE gram LIKE 'industry:%'")
        .expect("forget the terms");
    assert_eq!(by_industry().await, Vec::<String>::new());
    let up = migration_sql!(app, "2026-11-26-000005_industry_terms", "up.sql");
    conn.batch_execute(up).expect("migration");
    assert_eq!(by_industry().await, vec![a.id.clone()]);
    conn.batch_execute(up).expect("the migration may run twice");
    assert_eq!(by_industry().await, vec![a.id.clone()]);
}

zhaoshang_api::db_test!(
    postings_get_their_records_regions_from_the_migration,
    posting_regions_migration
);
async fn posting_regions_migration(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let e = admin.enterprises();
    let moved = e
        .create(&EnterpriseFields {
            credit_code: Some(credit_code(701)),
            ..enterprise("迁址测试氟材料公司", "330802", &["2614"], true)
        })
        .await
        .expect("enterprise");
    let stays = e
        .create(&EnterpriseFields {
            credit_code: Some(credit_code(702)),
            ..enterprise("留守测试氟材料公司", "330802", &["2614"], true)
        })
        .await
        .expect("enterprise");
    // The ids (sorted) that each way of reading a page finds for a region: postings in id
    // order either way, a rare term's candidates, and by name.
    let listed = |region: &'static str| {
        let e = e.clone();
        async move {
            let mut seen = Vec::new();
            for (q, industry, sort) in [
                (None, Some("2614"), None),
                (None, Some("261"), Some("-created_at")),
                (Some("氟材料"), None, None),
                (Some("测试氟材"), Some("26"), Some("name")),
            ] {
                let page = e
                    .list(&LibraryQuery {
                        q: q.map(str::to_owned),
                        industry: industry.map(str::to_owned),
                        region: Some(region.to_owned()),
                        sort: sort.map(str::to_owned),
                        ..LibraryQuery::default()
                    })
                    .await
                    .expect("list");
                let mut ids: Vec<String> = page.items.into_iter().map(|r| r.id).collect();
                ids.sort();
                seen.push(ids);
            }
            seen
        }
    };
    e.update(
        &moved.id,
        &serde_json::json!({"region_code": "330881"}),
        Some(moved.version),
    )
    .await
    .expect("move");
    assert_eq!(listed("330881").await, vec![vec![moved.id.clone()]; 4]);
    assert_eq!(listed("330802").await, vec![vec![stays.id.clone()]; 4]);

    // Records written before the postings carried regions get them from the migration (here:
    // the column taken away and the migration run again).
    use diesel::connection::SimpleConnection as _;
    let mut conn = app.database.blocking_conn().expect("conn");
    let down = migration_sql!(app, "2026-11-27-000007_posting_regions", "down.sql");
    let up = migration_sql!(app, "2026-11-27-000007_posting_regions", "up.sql");
    conn.batch_execute(down).expect("down");
    conn.batch_execute(up).expect("up");
    drop(conn);
    assert_eq!(listed("330881").await, vec![vec![moved.id.clone()]; 4]);
    assert_eq!(listed("330802").await, vec![vec![stays.id.clone()]; 4]);
}

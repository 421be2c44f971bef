//! Target regions (with their stationed groups) and the reference data: divisions and
//! industry codes.

use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{TestApp, db_test};
use zhaoshang_types::reference::{DivisionQuery, IndustryCodeQuery};
use zhaoshang_types::{IndustryFields, LibraryQuery, StationedGroup, TargetRegionFields};

use super::problem_field;

db_test!(target_regions_and_reference_data, regions_and_reference);
async fn regions_and_reference(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    target_regions(&admin).await;
    divisions(&admin).await;
    industry_codes(&admin).await;
}

/// A target region with its industries and stationed group; unknown industries are named;
/// regions are found by a prefix of their code.
async fn target_regions(admin: &Client) {
    let industry = admin
        .industries()
        .create(&IndustryFields {
            name: "消防装备".into(),
            ..IndustryFields::default()
        })
        .await
        .expect("industry");
    let region = admin
        .target_regions()
        .create(&TargetRegionFields {
            name: "上海".into(),
            region_code: Some("310000".into()),
            industry_ids: vec![industry.id.clone()],
            stationed_group: Some(StationedGroup {
                members: vec!["王五".into(), "赵六".into()],
                base_address: Some("上海市静安区".into()),
                since: chrono::NaiveDate::from_ymd_opt(2025, 3, 1),
            }),
            ..TargetRegionFields::default()
        })
        .await
        .expect("region");
    assert_eq!(
        region
            .fields
            .stationed_group
            .as_ref()
            .map(|g| g.members.len()),
        Some(2)
    );
    let err = admin
        .target_regions()
        .create(&TargetRegionFields {
            name: "x".into(),
            industry_ids: vec!["nope".into()],
            ..TargetRegionFields::default()
        })
        .await
        .expect_err("unknown industry");
    assert_eq!(
        problem_field(&err),
        ("industry_ids[0]".into(), "unknown_reference".into())
    );
    let found = admin
        .target_regions()
        .list(&LibraryQuery {
            region: Some("31".into()),
            ..LibraryQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(found.items.len(), 1);
}

/// The counties of 衢州 under their city, and a division found by its name.
async fn divisions(admin: &Client) {
    let divisions = admin
        .divisions(&DivisionQuery {
            parent: Some("330800".into()),
            limit: Some(500),
            ..DivisionQuery::default()
        })
        .await
        .expect("divisions");
    let codes: Vec<&str> = divisions.items.iter().map(|d| d.code.as_str()).collect();
    for code in ["330802", "330803", "330822", "330824", "330825", "330881"] {
        assert!(codes.contains(&code), "{code} under 衢州: {codes:?}");
    }
    let by_name = admin
        .divisions(&DivisionQuery {
            q: Some("柯城".into()),
            ..DivisionQuery::default()
        })
        .await
        .expect("q");
    assert_eq!(
        by_name
            .items
            .iter()
            .map(|d| d.code.as_str())
            .collect::<Vec<_>>(),
        ["330802"]
    );
}

/// Industry codes by prefix and level, and in pages.
async fn industry_codes(admin: &Client) {
    let codes = admin
        .industry_codes(&IndustryCodeQuery {
            q: Some("26".into()),
            level: Some(3),
            ..IndustryCodeQuery::default()
        })
        .await
        .expect("codes");
    assert!(
        !codes.items.is_empty()
            && codes
                .items
                .iter()
                .all(|c| c.level == 3 && c.code.starts_with("26"))
    );
    let page1 = admin
        .industry_codes(&IndustryCodeQuery {
            limit: Some(100),
            ..IndustryCodeQuery::default()
        })
        .await
        .expect("p1");
    let page2 = admin
        .industry_codes(&IndustryCodeQuery {
            limit: Some(100),
            cursor: page1.next_cursor.clone(),
            ..IndustryCodeQuery::default()
        })
        .await
        .expect("p2");
    assert_eq!(page2.items.len(), 100);
    assert_ne!(page1.items[0].code, page2.items[0].code);
}

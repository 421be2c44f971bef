//! The library's store underneath the lists: bounded reads and multi-row writes.

use futures_util::TryStreamExt as _;
use zhaoshang_api::db::DbKind;
use zhaoshang_api::testing::TestDb;
use zhaoshang_types::{EnterpriseFields, InvestorFields, LibraryQuery};

use crate::support::{TestApp, credit_code};
use crate::{agency_user, enterprise, investor};

zhaoshang_api::db_test!(
    a_bounded_list_and_its_rest_equal_the_page_read_whole,
    bounded_list
);
async fn bounded_list(db: TestDb) {
    use zhaoshang_api::library::store::{self, Bounded, ListFilter, TermCounts};
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (_, agency) = agency_user(&app, &admin, "宁波某招商顾问").await;
    for round in 0..2u64 {
        let items: Vec<InvestorFields> = (0..250u64)
            .map(|i| InvestorFields {
                external_id: Some(format!("NB-{round}-{i}")),
                credit_code: Some(credit_code(10_000 + round * 1000 + i)),
                region_code: Some(if i % 5 == 0 { "330881" } else { "330802" }.into()),
                ..investor(&format!("甬商{round}号{i:03}户"))
            })
            .collect();
        agency.investors().batch_upsert(&items).await.expect("sync");
    }
    let ids = |rows: &[store::ListRow]| rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    let mut conn = app.database.blocking_conn().expect("conn");
    let counts = TermCounts::default();
    let f = ListFilter {
        resource: "investor",
        q: Some("甬商".into()),
        region: Some("330881".into()),
        ..ListFilter::default()
    };
    // The second time round the first page's bound is the one kept from the first, and
    // a record within it is deleted meanwhile: the page still equals the page read whole.
    for round in 0..2 {
        let whole = store::list(&mut conn, &counts, &f, 31).expect("list");
        assert_eq!(whole.len(), 31, "round {round}");
        match (
            app.database.kind(),
            store::list_bounded(&mut conn, &counts, f.clone(), 31).expect("bounded"),
        ) {
            (DbKind::Sqlite, Bounded::Part(first, rest)) => {
                assert!(!first.is_empty() && first.len() < 31, "{}", first.len());
                let more = store::list(&mut conn, &counts, &rest, 31 - first.len() as i64)
                    .expect("the rest");
                let joined: Vec<_> = first.iter().chain(&more).map(|r| r.id.clone()).collect();
                assert_eq!(joined, ids(&whole), "round {round}");
            }
            // PostgreSQL bounds no work: nothing is read, the filter comes back as given, and
            // the page read with it is the page read whole.
            (DbKind::Postgres, Bounded::Unbounded(back)) => {
                assert_eq!(format!("{back:?}"), format!("{f:?}"), "round {round}");
                let page = store::list(&mut conn, &counts, &back, 31).expect("the page");
                assert_eq!(ids(&page), ids(&whole), "round {round}");
            }
            (kind, other) => panic!("{kind:?}: {other:?}"),
        }
        if round == 0 {
            admin
                .investors()
                .delete(&whole[1].id, None)
                .await
                .expect("delete");
        }
    }
}

zhaoshang_api::db_test!(
    a_bulk_insert_that_breaks_a_unique_key_is_a_conflict_and_writes_nothing,
    bulk_insert_conflict
);
/// The multi-row writes of batch syncs (a `COPY` on PostgreSQL): a row that breaks a unique
/// key fails the whole write as a 409 conflict, and the transaction leaves none of its rows
/// (the rows before it, their search postings) behind.
async fn bulk_insert_conflict(db: TestDb) {
    use zhaoshang_api::library::store;
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let held = admin
        .enterprises()
        .create(&EnterpriseFields {
            credit_code: Some(credit_code(77_001)),
            ..enterprise("衢州氟硅新材料有限公司", "330802", &["2614"], true)
        })
        .await
        .expect("create");
    let held_id = held.id.clone();
    let fresh_id = uuid::Uuid::now_v7().to_string();
    let fresh = fresh_id.clone();
    let err = app
        .database
        .write(move |conn| {
            let row = store::record(conn, "enterprise", &held_id, false)?
                .ok_or_else(|| zhaoshang_api::core::error::ApiError::not_found("held"))?;
            // A new record with its own name and code, then one holding the same credit code.
            let mut ok = row.clone();
            ok.id = fresh;
            ok.name = "衢州萤石矿业有限公司".into();
            ok.search = ok.name.clone();
            ok.credit_code = None;
            let mut twin = row;
            twin.id = uuid::Uuid::now_v7().to_string();
            store::insert_many(conn, &[ok, twin])
        })
        .await
        .expect_err("the credit code is held");
    assert_eq!(err.code(), "conflict", "{err:?}");
    assert_eq!(
        admin
            .enterprises()
            .get(&fresh_id)
            .await
            .expect_err("the row before the conflict was rolled back")
            .status(),
        Some(404)
    );
    let found: Vec<_> = admin
        .enterprises()
        .stream(LibraryQuery {
            q: Some("萤石矿业".into()),
            ..LibraryQuery::default()
        })
        .try_collect()
        .await
        .expect("search");
    assert!(found.is_empty(), "no postings left behind: {found:?}");
}

zhaoshang_api::db_test!(
    an_export_holds_at_most_100000_rows_and_says_when_more_matched,
    export_cap
);
async fn export_cap(db: TestDb) {
    let app = TestApp::spawn(db).await;
    zhaoshang_api::seed::seed_demo(&app.database)
        .await
        .expect("demo");
    zhaoshang_api::seed::seed_scale(&app.database, 100_001, 1)
        .await
        .expect("seed");
    let admin = app.admin().await;
    let e = admin.enterprises();
    let export = |query: LibraryQuery| {
        let e = &e;
        async move {
            let export = e.export(&query).await.expect("export");
            let mut rows = csv::Reader::from_reader(export.csv.as_slice());
            (rows.records().count(), export.truncated)
        }
    };
    assert_eq!(
        export(LibraryQuery::default()).await,
        (100_000, true),
        "the first 100,000 of more than 100,000"
    );
    // A narrower filter fits and says nothing.
    let (rows, truncated) = export(LibraryQuery {
        is_leading: Some(true),
        ..LibraryQuery::default()
    })
    .await;
    assert!(rows > 0 && rows < 100_000, "{rows}");
    assert!(!truncated);
}

/// A record's postings (term, region), in term order, as the database holds them.
async fn postings_of(app: &TestApp, id: &str) -> Vec<(String, Option<String>)> {
    use diesel::prelude::*;
    use zhaoshang_api::core::db::schema::record_grams;
    let id = id.to_owned();
    app.database
        .read(move |conn| {
            Ok(record_grams::table
                .filter(record_grams::record_id.eq(&id))
                .select((record_grams::gram, record_grams::region_code))
                .order(record_grams::gram)
                .load::<(String, Option<String>)>(conn)?)
        })
        .await
        .expect("postings")
}

zhaoshang_api::db_test!(
    a_changed_record_has_the_postings_of_a_new_one_with_its_fields,
    postings_follow_changes
);
/// After a PATCH and after a batch sync that change name, industries and region, the record's
/// postings are exactly those a record created with the new fields gets: none left of its old
/// terms, none missing, every one in the new region.
async fn postings_follow_changes(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let before = |n: u64| EnterpriseFields {
        credit_code: Some(credit_code(800 + n)),
        ..enterprise("江山蜂业科技公司", "330802", &["2614"], true)
    };
    let after = |n: u64| EnterpriseFields {
        credit_code: Some(credit_code(800 + n)),
        ..enterprise("江山氟硅新材料公司", "330881", &["3985"], true)
    };
    let e = admin.enterprises();
    let changed = e.create(&before(1)).await.expect("created");
    e.update(
        &changed.id,
        &serde_json::json!({"name": "江山氟硅新材料公司", "region_code": "330881", "industry_codes": ["3985"]}),
        Some(changed.version),
    )
    .await
    .expect("patched");
    let fresh = e.create(&after(2)).await.expect("created");
    let expected = postings_of(&app, &fresh.id).await;
    assert!(expected.len() > 5, "{expected:?}");
    assert!(expected.iter().all(|(_, r)| r.as_deref() == Some("330881")));
    assert_eq!(
        postings_of(&app, &changed.id).await,
        expected,
        "after a PATCH"
    );

    let (agency, synced_by) = agency_user(&app, &admin, "衢州某招商顾问").await;
    let item = |fields: EnterpriseFields, external: &str| EnterpriseFields {
        external_id: Some(external.to_owned()),
        source_agency_id: Some(agency.clone()),
        ..fields
    };
    let synced = synced_by.enterprises();
    let first = synced
        .batch_upsert(&[item(before(3), "E-1")])
        .await
        .expect("created by sync");
    let id = first.results[0].id.clone();
    synced
        .batch_upsert(&[item(after(3), "E-1"), item(after(4), "E-2")])
        .await
        .expect("updated by sync");
    let all = synced.list(&LibraryQuery::default()).await.expect("list");
    let other = all
        .items
        .iter()
        .find(|r| r.fields.external_id.as_deref() == Some("E-2"))
        .expect("E-2");
    let expected = postings_of(&app, &other.id).await;
    assert_eq!(postings_of(&app, &id).await, expected, "after a batch sync");
}

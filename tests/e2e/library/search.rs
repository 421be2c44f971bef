//! Lists: filters, search, sorting, pagination (also while rows are added), lists that equal
//! reads by id, and filtered lists that follow a record's change of region.

use std::collections::HashMap;

use futures_util::TryStreamExt as _;
use serde_json::json;
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Collection;
use zhaoshang_e2e::{TestApp, credit_code, db_test};
use zhaoshang_types::{AgencyFields, EnterpriseFields, LibraryQuery};

use super::{enterprise, problem_field, sorted};

/// A query with what `f` sets.
fn query(f: impl FnOnce(&mut LibraryQuery)) -> LibraryQuery {
    let mut q = LibraryQuery::default();
    f(&mut q);
    q
}

/// Each case's list holds exactly the expected records (in any order).
async fn expect_lists(
    e: &Collection<'_, EnterpriseFields>,
    cases: Vec<(&str, LibraryQuery, Vec<String>)>,
) {
    for (label, q, expected) in cases {
        let page = e
            .list(&q)
            .await
            .unwrap_or_else(|err| panic!("{label}: {err}"));
        let ids = sorted(page.items.into_iter().map(|r| r.id).collect());
        assert_eq!(ids, sorted(expected), "{label}: {q:?}");
    }
}

db_test!(filters_search_sort_and_pagination, filters_and_search);
async fn filters_and_search(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let e = admin.enterprises();
    let a = e
        .create(&EnterpriseFields {
            tags: vec!["龙头".into()],
            is_leading: true,
            aliases: vec!["巨化股份".into()],
            ..enterprise("浙江巨化股份有限公司", "330802", &["2614"], true)
        })
        .await
        .expect("a");
    let b = e
        .create(&enterprise(
            "衢州元立金属制品有限公司",
            "330803",
            &["3130"],
            true,
        ))
        .await
        .expect("b");
    let c = e
        .create(&EnterpriseFields {
            name_en: Some("Shanghai Huayi".into()),
            ..enterprise("上海华谊集团", "310104", &["2614"], false)
        })
        .await
        .expect("c");
    let (a_id, b_id, c_id) = (a.id.clone(), b.id.clone(), c.id.clone());
    let ind = |code: &str| query(|q| q.industry = Some(code.into()));
    expect_lists(
        &e,
        vec![
            ("industry 26", ind("26"), vec![a_id.clone(), c_id.clone()]),
            (
                "a section letter finds its classes",
                ind("C"),
                vec![a_id.clone(), b_id.clone(), c_id.clone()],
            ),
            (
                "region 3308",
                query(|q| q.region = Some("3308".into())),
                vec![a_id.clone(), b_id.clone()],
            ),
            (
                "region 3308 and industry 261",
                query(|q| {
                    q.region = Some("3308".into());
                    q.industry = Some("261".into());
                }),
                vec![a_id.clone()],
            ),
            (
                "a prefix that is no code of its own is still a prefix",
                ind("2"),
                vec![a_id.clone(), c_id.clone()],
            ),
        ],
    )
    .await;
    industry_pages_give_every_match_once(&e, [&a_id, &b_id, &c_id]).await;

    // A changed classification moves the record between industries.
    let c_moved = e
        .update(&c.id, &json!({"industry_codes": ["3130"]}), Some(c.version))
        .await
        .expect("reclassify");
    expect_lists(
        &e,
        vec![
            ("26 after", ind("26"), vec![a_id.clone()]),
            ("31 after", ind("31"), vec![b_id.clone(), c_id.clone()]),
        ],
    )
    .await;
    e.update(
        &c.id,
        &json!({"industry_codes": ["2614"]}),
        Some(c_moved.version),
    )
    .await
    .expect("back");

    // Flags and tags; two- and four-character Chinese substrings, aliases and English names.
    let text = |s: &str| query(|q| q.q = Some(s.into()));
    expect_lists(
        &e,
        vec![
            (
                "external",
                query(|q| q.is_local = Some(false)),
                vec![c_id.clone()],
            ),
            (
                "leading",
                query(|q| q.is_leading = Some(true)),
                vec![a_id.clone()],
            ),
            (
                "tag",
                query(|q| q.tag = Some("龙头".into())),
                vec![a_id.clone()],
            ),
            ("two characters", text("巨化"), vec![a_id.clone()]),
            ("four characters", text("元立金属"), vec![b_id.clone()]),
            ("another two", text("华谊"), vec![c_id.clone()]),
            ("English name", text("huayi"), vec![c_id.clone()]),
            ("alias", text("股份"), vec![a_id.clone()]),
        ],
    )
    .await;
    let err = e.list(&text("巨")).await.expect_err("one character");
    assert_eq!(problem_field(&err), ("q".into(), "too_short".into()));

    // Sorting by name, and updated_since.
    let by_name = e
        .list(&query(|q| q.sort = Some("name".into())))
        .await
        .expect("sorted");
    let names: Vec<&str> = by_name
        .items
        .iter()
        .map(|r| r.fields.name.as_str())
        .collect();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(names, expected);
    let later = e
        .list(&query(|q| {
            q.updated_since = Some(chrono::Utc::now() + chrono::Duration::hours(1));
        }))
        .await
        .expect("since");
    assert!(later.items.is_empty());
    let err = e
        .list(&query(|q| q.sort = Some("size".into())))
        .await
        .expect_err("sort");
    assert_eq!(problem_field(&err).0, "sort");
}

/// Pages of an industry, in both id orders, give every match once (`in_order`: by creation).
async fn industry_pages_give_every_match_once(
    e: &Collection<'_, EnterpriseFields>,
    in_order: [&String; 3],
) {
    for sort in ["created_at", "-created_at"] {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = e
                .list(&LibraryQuery {
                    industry: Some("C".into()),
                    sort: Some(sort.into()),
                    limit: Some(1),
                    cursor: cursor.take(),
                    ..LibraryQuery::default()
                })
                .await
                .expect("page");
            seen.extend(page.items.into_iter().map(|r| r.id));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut expected: Vec<String> = in_order.iter().map(|id| (*id).clone()).collect();
        if sort.starts_with('-') {
            expected.reverse();
        }
        assert_eq!(seen, expected, "{sort}");
    }
}

db_test!(
    walking_pages_sees_each_row_once_while_rows_are_added,
    paging_while_inserting
);
/// Four walks (in id order, by name either way, newest first) in pages of 5, each adding two
/// rows while it is under way: every row that existed when the walk started is seen exactly
/// once, no row twice, and nothing but those rows and the ones added meanwhile.
async fn paging_while_inserting(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let e = admin.enterprises();
    for i in 0..23 {
        e.create(&enterprise(
            &format!("企业{i:02}"),
            "330881",
            &["3130"],
            true,
        ))
        .await
        .expect("create");
    }
    let walks = [None, Some("name"), Some("-name"), Some("-created_at")];
    for (walk, sort) in walks.into_iter().enumerate() {
        let at_start: Vec<String> = e
            .stream(LibraryQuery::default())
            .map_ok(|r| r.id)
            .try_collect()
            .await
            .expect("the rows at the start");
        assert_eq!(at_start.len(), 23 + 2 * walk, "{sort:?}: rows at the start");
        let mut query = LibraryQuery {
            limit: Some(5),
            sort: sort.map(str::to_owned),
            ..LibraryQuery::default()
        };
        let mut seen = Vec::new();
        let mut added = Vec::new();
        loop {
            let page = e.list(&query).await.expect("page");
            seen.extend(page.items.iter().map(|r| r.id.clone()));
            if added.len() < 2 {
                // New rows arrive while the walk is under way.
                let new = e
                    .create(&enterprise(
                        &format!("新增{sort:?}{}", added.len()),
                        "330881",
                        &["3130"],
                        true,
                    ))
                    .await
                    .expect("create");
                added.push(new.id);
            }
            match page.next_cursor {
                Some(c) => query.cursor = Some(c),
                None => break,
            }
        }
        let mut times: HashMap<&str, usize> = HashMap::new();
        for id in &seen {
            *times.entry(id.as_str()).or_default() += 1;
        }
        let twice: Vec<_> = times.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "{sort:?}: rows seen twice: {twice:?}");
        let missed: Vec<_> = at_start
            .iter()
            .filter(|id| !times.contains_key(id.as_str()))
            .collect();
        assert!(
            missed.is_empty(),
            "{sort:?}: rows that existed at the start but were not seen: {missed:?}"
        );
        let strangers: Vec<_> = seen
            .iter()
            .filter(|id| !at_start.contains(id) && !added.contains(id))
            .collect();
        assert!(
            strangers.is_empty(),
            "{sort:?}: unknown rows: {strangers:?}"
        );
    }
    // The stream follows every cursor.
    let all: Vec<_> = e
        .stream(LibraryQuery {
            limit: Some(7),
            ..LibraryQuery::default()
        })
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(all.len(), 23 + 8);
}

db_test!(
    listed_records_equal_the_records_read_by_id,
    listed_equal_read
);
/// Lists read fewer columns than a read by id, and write timestamps themselves: whichever way
/// a page is found (postings of a term, a rare term's candidates, the records' own order, name
/// order), each item is the record as `GET` gives it.
async fn listed_equal_read(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let agency = admin
        .agencies()
        .create(&AgencyFields {
            name: "列表一致中介".into(),
            ..AgencyFields::default()
        })
        .await
        .expect("agency");
    let enterprises = admin.enterprises();
    let mut created = Vec::new();
    for (i, name) in ["列表一致甲企业", "列表一致乙企业", "列表一致丙企业"]
        .into_iter()
        .enumerate()
    {
        let e = enterprises
            .create(&EnterpriseFields {
                credit_code: Some(credit_code(900 + i as u64)),
                employees: Some(10 * i as u32),
                ..enterprise(name, "330802", &["2614"], i == 0)
            })
            .await
            .expect("enterprise");
        created.push(e);
    }
    // A change gives a later `updated_at` than `created_at`.
    let changed = enterprises
        .update(
            &created[1].id,
            &json!({"is_leading": true}),
            Some(created[1].version),
        )
        .await
        .expect("update");

    let listed = admin
        .agencies()
        .list(&LibraryQuery::default())
        .await
        .expect("agencies");
    let item = listed
        .items
        .iter()
        .find(|a| a.id == agency.id)
        .expect("the agency is listed");
    assert_eq!(item.org_id.as_deref(), Some(agency.id.as_str()));
    assert_eq!(item, &admin.agencies().get(&agency.id).await.expect("get"));

    for query in [
        LibraryQuery::default(),
        LibraryQuery {
            q: Some("列表一致".into()),
            ..LibraryQuery::default()
        },
        LibraryQuery {
            industry: Some("2614".into()),
            region: Some("3308".into()),
            ..LibraryQuery::default()
        },
        LibraryQuery {
            q: Some("一致乙".into()),
            sort: Some("name".into()),
            ..LibraryQuery::default()
        },
    ] {
        let page = enterprises.list(&query).await.expect("list");
        assert!(!page.items.is_empty(), "{query:?} finds the enterprises");
        for item in &page.items {
            let read = enterprises.get(&item.id).await.expect("get");
            assert_eq!(item, &read, "{query:?}");
        }
    }
    let listed_changed = enterprises
        .list(&LibraryQuery {
            q: Some("一致乙".into()),
            ..LibraryQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(listed_changed.items, vec![changed.clone()]);
    assert!(changed.updated_at > changed.created_at);

    // A deleted record is listed with its deletion time to those who may see it.
    enterprises
        .delete(&created[2].id, None)
        .await
        .expect("delete");
    let page = enterprises
        .list(&LibraryQuery {
            q: Some("一致丙".into()),
            include_deleted: Some(true),
            ..LibraryQuery::default()
        })
        .await
        .expect("list with deleted");
    let deleted = page.items.first().expect("the deleted record");
    assert_eq!(deleted.id, created[2].id);
    let at = deleted.deleted_at.expect("deleted_at");
    assert!(at >= created[2].created_at && deleted.updated_at == at);
    assert_eq!(deleted.fields, created[2].fields);
}

/// The ids (sorted) that each way of reading a page finds for `region`: postings in id order
/// either way, a rare term's candidates, and by name.
async fn listed_in_region(e: &Collection<'_, EnterpriseFields>, region: &str) -> Vec<Vec<String>> {
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
        seen.push(sorted(page.items.into_iter().map(|r| r.id).collect()));
    }
    seen
}

db_test!(
    a_record_whose_region_changes_moves_between_filtered_lists,
    region_change_moves_record
);
/// The postings of the search index carry their record's region, tested before the record is
/// read: when only the region of a record changes, lists by a term and a region follow it, on
/// every way a page is read (postings in id order either way, a rare term's candidates by name).
async fn region_change_moves_record(db: TestDb) {
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
    let both = sorted(vec![moved.id.clone(), stays.id.clone()]);
    let none = Vec::<String>::new();
    for (region, expected) in [("3308", both.clone()), ("330881", none.clone())] {
        assert_eq!(
            listed_in_region(&e, region).await,
            vec![expected; 4],
            "before the move: {region}"
        );
    }

    // Only the region changes: not the name, not the industries.
    e.update(
        &moved.id,
        &json!({"region_code": "330881"}),
        Some(moved.version),
    )
    .await
    .expect("move");
    for (region, expected) in [
        ("330881", vec![moved.id.clone()]),
        ("330802", vec![stays.id.clone()]),
        ("3308", both),
        ("31", none),
    ] {
        assert_eq!(
            listed_in_region(&e, region).await,
            vec![expected; 4],
            "after the move: {region}"
        );
    }
}

db_test!(
    a_renamed_record_is_found_by_its_new_name_only,
    rename_rewrites_postings
);
/// A change of name, industries and region together: the record is found by the terms of its
/// new name and industry, in its new region, and no longer by the terms it lost; the terms it
/// kept follow it to the new region (a batch sync of an existing record alike).
async fn rename_rewrites_postings(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let e = admin.enterprises();
    let record = e
        .create(&EnterpriseFields {
            credit_code: Some(credit_code(711)),
            ..enterprise("江山蜂业科技公司", "330802", &["2614"], true)
        })
        .await
        .expect("enterprise");
    e.update(
        &record.id,
        &json!({"name": "江山氟硅科技公司", "industry_codes": ["3985"], "region_code": "330881"}),
        Some(record.version),
    )
    .await
    .expect("changed");
    let found = |q: Option<&str>, industry: Option<&str>, region: Option<&str>| {
        let e = &e;
        let q = query(|l| {
            l.q = q.map(str::to_owned);
            l.industry = industry.map(str::to_owned);
            l.region = region.map(str::to_owned);
        });
        async move {
            e.list(&q)
                .await
                .expect("list")
                .items
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        }
    };
    let it = vec![record.id.clone()];
    let nothing: Vec<String> = Vec::new();
    for (label, q, industry, region, expected) in [
        ("new name", Some("氟硅"), None, None, &it),
        (
            "new name, new region",
            Some("氟硅"),
            None,
            Some("330881"),
            &it,
        ),
        (
            "kept term, new region",
            Some("江山"),
            None,
            Some("330881"),
            &it,
        ),
        (
            "kept term, old region",
            Some("江山"),
            None,
            Some("330802"),
            &nothing,
        ),
        ("lost term", Some("蜂业"), None, None, &nothing),
        ("new industry", None, Some("3985"), None, &it),
        ("lost industry", None, Some("2614"), None, &nothing),
    ] {
        assert_eq!(&found(q, industry, region).await, expected, "{label}");
    }
}

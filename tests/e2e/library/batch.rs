//! Batch syncs: large batches written whole, all-or-nothing batches with per-item results,
//! who may sync, items applied in order, and chain nodes and audit rows of synced records.

use futures_util::TryStreamExt as _;
use serde_json::json;
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{TestApp, credit_code, db_test};
use zhaoshang_types::{
    AuditQuery, BatchOutcome, BatchResult, ChainMembership, ChainNodeFields, EnterpriseFields,
    IndustryFields, InvestorFields, InvestorStatus, LibraryQuery, NodePosition, Role,
};

use super::{agency_user, enterprise, investor, problem_field};

/// The outcomes of a batch's items, in order.
fn outcomes(result: &BatchResult) -> Vec<BatchOutcome> {
    result.results.iter().map(|r| r.outcome).collect()
}

db_test!(
    batches_larger_than_one_statement_are_written_whole,
    large_batches
);
/// 250 items are written with two full multi-row statements (kept prepared, so the second
/// batch reuses them) and a shorter last one: every record, search term and audit row lands.
async fn large_batches(db: TestDb) {
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
        let result = agency.investors().batch_upsert(&items).await.expect("sync");
        assert_eq!(outcomes(&result), vec![BatchOutcome::Created; 250]);
        // Items from the first chunk, the second and the last, found by their names' terms.
        for i in [0u64, 150, 249] {
            let found = admin
                .investors()
                .list(&LibraryQuery {
                    q: Some(format!("{round}号{i:03}户")),
                    ..LibraryQuery::default()
                })
                .await
                .expect("search");
            assert_eq!(found.items.len(), 1, "round {round} item {i}");
            assert_eq!(
                found.items[0].fields.external_id.as_deref(),
                Some(format!("NB-{round}-{i}").as_str())
            );
        }
    }
    let all: Vec<_> = admin
        .investors()
        .stream(LibraryQuery {
            q: Some("甬商".into()),
            limit: Some(200),
            ..LibraryQuery::default()
        })
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(all.len(), 500);
    // One posting in five passes the region: a page of 30 is found in part within the
    // postings a worker thread may read itself (SQLite: four per row asked for), the rest read
    // after them; in either order every record of the region comes once, in order.
    let mut expected: Vec<String> = all
        .iter()
        .filter(|r| r.fields.region_code.as_deref() == Some("330881"))
        .map(|r| r.id.clone())
        .collect();
    expected.sort();
    assert_eq!(expected.len(), 100);
    for sort in ["created_at", "-created_at"] {
        let page: Vec<_> = admin
            .investors()
            .stream(LibraryQuery {
                q: Some("甬商".into()),
                region: Some("330881".into()),
                sort: Some(sort.into()),
                limit: Some(30),
                ..LibraryQuery::default()
            })
            .try_collect()
            .await
            .expect("pages");
        let ids: Vec<_> = page.into_iter().map(|r| r.id).collect();
        assert_eq!(ids, expected, "{sort}");
        expected.reverse();
    }
    // A filter that only the last postings of the search term pass, in either order: the page
    // is found however many postings are read before it (PostgreSQL reads them in chunks).
    for (sort, external) in [("created_at", "NB-1-249"), ("-created_at", "NB-0-0")] {
        let found = admin
            .investors()
            .list(&LibraryQuery {
                q: Some("甬商".into()),
                external_id: Some(external.into()),
                sort: Some(sort.into()),
                limit: Some(1),
                ..LibraryQuery::default()
            })
            .await
            .expect("search");
        assert_eq!(found.items.len(), 1, "{sort}");
        assert_eq!(found.items[0].fields.external_id.as_deref(), Some(external));
        assert!(found.next_cursor.is_none(), "{sort}: nothing after it");
    }
    let audit: Vec<_> = admin
        .audit(AuditQuery {
            resource_type: Some("investor".into()),
            action: Some("create".into()),
            ..AuditQuery::default()
        })
        .try_collect()
        .await
        .expect("audit");
    let mut audited: Vec<_> = audit.iter().filter_map(|a| a.resource_id.clone()).collect();
    audited.sort();
    audited.dedup();
    assert_eq!(audited.len(), 500);
}

db_test!(
    batch_syncs_are_all_or_nothing_with_per_item_results,
    batch_sync
);
async fn batch_sync(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (agency_id, agency) = agency_user(&app, &admin, "深圳某投资顾问").await;
    let items: Vec<InvestorFields> = (0..3)
        .map(|i| InvestorFields {
            external_id: Some(format!("SZ-{i}")),
            credit_code: Some(credit_code(100 + i)),
            ..investor(&format!("深圳客商{i}"))
        })
        .collect();
    let mut changed = items.clone();
    changed[1].status = InvestorStatus::Negotiating;
    let first = created_unchanged_or_updated(&agency, &items, &changed).await;
    a_bad_item_rejects_the_batch(&admin, &agency, &agency_id, &changed).await;
    who_may_sync(&app, &admin, &agency, &agency_id, &items, &first).await;
    items_apply_one_after_another(&agency, &changed).await;
    synced_enterprises_join_nodes_and_are_audited(&admin, &agency, &agency_id).await;
}

/// The same items again change nothing and keep their ids; one changed item is updated.
/// Returns the first sync's result.
async fn created_unchanged_or_updated(
    agency: &Client,
    items: &[InvestorFields],
    changed: &[InvestorFields],
) -> BatchResult {
    use BatchOutcome::{Created, Unchanged, Updated};
    let mut results = Vec::new();
    for (label, batch, expected) in [
        ("first", items, [Created, Created, Created]),
        ("again", items, [Unchanged, Unchanged, Unchanged]),
        ("one changed", changed, [Unchanged, Updated, Unchanged]),
    ] {
        let result = agency
            .investors()
            .batch_upsert(batch)
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(outcomes(&result), expected, "{label}");
        results.push(result);
    }
    let ids = |r: &BatchResult| r.results.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&results[0]), ids(&results[1]));
    results.swap_remove(0)
}

/// One bad item rejects the batch: nothing of it is written, and the errors name the items. A
/// credit code that another record holds rejects the batch too.
async fn a_bad_item_rejects_the_batch(
    admin: &Client,
    agency: &Client,
    agency_id: &str,
    changed: &[InvestorFields],
) {
    let mut bad = changed.to_vec();
    bad.push(InvestorFields {
        external_id: Some("SZ-3".into()),
        ..investor("深圳客商3")
    });
    bad.push(InvestorFields {
        external_id: Some("SZ-4".into()),
        region_code: Some("999999".into()),
        ..investor("深圳客商4")
    });
    bad.push(InvestorFields {
        external_id: None,
        ..investor("深圳客商5")
    });
    bad[0].notes = Some("would change".into());
    let err = agency
        .investors()
        .batch_upsert(&bad)
        .await
        .expect_err("rejected");
    let p = err.problem().expect("problem");
    assert_eq!(p.status, 422);
    let located: Vec<(Option<usize>, &str)> = p
        .errors
        .iter()
        .map(|e| (e.index, e.field.as_str()))
        .collect();
    assert!(
        located.contains(&(Some(4), "region_code")) && located.contains(&(Some(5), "external_id")),
        "{located:?}"
    );
    let all: Vec<_> = admin
        .investors()
        .stream(LibraryQuery {
            source_agency_id: Some(agency_id.to_owned()),
            ..LibraryQuery::default()
        })
        .try_collect()
        .await
        .expect("list");
    assert_eq!(all.len(), 3, "nothing of the rejected batch was written");
    assert!(all.iter().all(|r| r.fields.notes.is_none()));
    let taken = admin
        .investors()
        .create(&InvestorFields {
            credit_code: Some(credit_code(999)),
            ..investor("已有")
        })
        .await
        .expect("x");
    let err = agency
        .investors()
        .batch_upsert(&[InvestorFields {
            external_id: Some("SZ-9".into()),
            credit_code: taken.fields.credit_code.clone(),
            ..investor("深圳客商9")
        }])
        .await
        .expect_err("conflict");
    assert_eq!(
        err.problem()
            .map(|p| (p.errors[0].index, p.errors[0].code.clone())),
        Some((Some(0), "conflict".into()))
    );
}

/// Admins name the agency; departments may not sync; over 1,000 items is refused; enterprises
/// sync the same way.
async fn who_may_sync(
    app: &TestApp,
    admin: &Client,
    agency: &Client,
    agency_id: &str,
    items: &[InvestorFields],
    first: &BatchResult,
) {
    let err = admin
        .investors()
        .batch_upsert(&[InvestorFields {
            external_id: Some("A".into()),
            ..investor("x")
        }])
        .await
        .expect_err("no agency");
    assert_eq!(
        problem_field(&err),
        ("source_agency_id".into(), "required".into())
    );
    let by_admin = admin
        .investors()
        .batch_upsert(&[InvestorFields {
            external_id: Some("SZ-0".into()),
            source_agency_id: Some(agency_id.to_owned()),
            ..items[0].clone()
        }])
        .await
        .expect("admin syncs for the agency");
    assert_eq!(by_admin.results[0].id, first.results[0].id);
    let (_, dept) = app.user_with_role(admin, Role::Department).await;
    assert_eq!(
        dept.investors()
            .batch_upsert(items)
            .await
            .expect_err("dept")
            .status(),
        Some(403)
    );
    let too_many: Vec<InvestorFields> = (0..1001)
        .map(|i| InvestorFields {
            external_id: Some(i.to_string()),
            ..investor("x")
        })
        .collect();
    assert_eq!(
        agency
            .investors()
            .batch_upsert(&too_many)
            .await
            .expect_err("too many")
            .status(),
        Some(422)
    );
    let e = agency
        .enterprises()
        .batch_upsert(&[EnterpriseFields {
            external_id: Some("E-1".into()),
            ..enterprise("深圳某科技", "440305", &["3130"], false)
        }])
        .await
        .expect("enterprises");
    assert_eq!(e.results[0].outcome, BatchOutcome::Created);
}

/// A batch applies as if item after item: a code freed by an earlier item may be taken by a
/// later one; two new items cannot take the same code.
async fn items_apply_one_after_another(agency: &Client, changed: &[InvestorFields]) {
    let moved = agency
        .investors()
        .batch_upsert(&[
            InvestorFields {
                credit_code: Some(credit_code(200)),
                ..changed[0].clone()
            },
            InvestorFields {
                external_id: Some("SZ-10".into()),
                credit_code: changed[0].credit_code.clone(),
                ..investor("深圳客商10")
            },
        ])
        .await
        .expect("code moves to a new record");
    assert_eq!(
        outcomes(&moved),
        [BatchOutcome::Updated, BatchOutcome::Created]
    );
    let err = agency
        .investors()
        .batch_upsert(&[
            InvestorFields {
                external_id: Some("SZ-11".into()),
                credit_code: Some(credit_code(300)),
                ..investor("深圳客商11")
            },
            InvestorFields {
                external_id: Some("SZ-12".into()),
                credit_code: Some(credit_code(300)),
                ..investor("深圳客商12")
            },
        ])
        .await
        .expect_err("same code twice");
    assert_eq!(
        err.problem()
            .map(|p| (p.errors.len(), p.errors[0].index, p.errors[0].code.clone())),
        Some((1, Some(1), "conflict".into()))
    );
}

/// New enterprises of a batch join their chain nodes, and every item has its audit row.
async fn synced_enterprises_join_nodes_and_are_audited(
    admin: &Client,
    agency: &Client,
    agency_id: &str,
) {
    let industry = admin
        .industries()
        .create(&IndustryFields {
            name: "电力装备".into(),
            industry_codes: vec!["38".into()],
            ..IndustryFields::default()
        })
        .await
        .expect("industry");
    let node = admin
        .create_chain_node(
            &industry.id,
            &ChainNodeFields {
                name: "输变电设备".into(),
                position: NodePosition::Midstream,
                parent_id: None,
                key_products: vec![],
                notes: None,
            },
        )
        .await
        .expect("node");
    let on_node: Vec<EnterpriseFields> = (0..3)
        .map(|i| EnterpriseFields {
            external_id: Some(format!("E-node-{i}")),
            chain_nodes: vec![ChainMembership {
                node_id: node.id.clone(),
                role: Some("供应商".into()),
            }],
            ..enterprise(&format!("深圳电气{i}"), "440305", &["3821"], i == 0)
        })
        .collect();
    let synced = agency
        .enterprises()
        .batch_upsert(&on_node)
        .await
        .expect("on node");
    let tree = admin.chain(&industry.id).await.expect("chain");
    assert_eq!(
        (
            tree.nodes[0].local_enterprises,
            tree.nodes[0].external_enterprises
        ),
        (1, 2)
    );
    let audit: Vec<_> = admin
        .audit(AuditQuery {
            resource_type: Some("enterprise".into()),
            action: Some("create".into()),
            ..AuditQuery::default()
        })
        .try_collect()
        .await
        .expect("audit");
    for result in &synced.results {
        let row = audit
            .iter()
            .find(|a| a.resource_id.as_deref() == Some(result.id.as_str()))
            .unwrap_or_else(|| panic!("no audit row for {}", result.id));
        assert_eq!(
            row.changes
                .as_ref()
                .map(|c| c["source_agency_id"]["after"].clone()),
            Some(json!(agency_id)),
            "{}",
            result.id
        );
        assert!(row.request_id.is_some(), "{}", result.id);
    }
}

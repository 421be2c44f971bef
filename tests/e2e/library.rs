//! The shared information library through the SDK: records, filters, search, pagination,
//! duplicates, contacts and masking, agency isolation, batch syncs, CSV, chains and gaps.

use futures_util::TryStreamExt as _;
use serde_json::json;
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{PASSWORD, TestApp, credit_code, db_test};
use zhaoshang_types::reference::{DivisionQuery, IndustryCodeQuery};
use zhaoshang_types::{
    AgencyFields, AuditQuery, BatchOutcome, ChainMembership, ChainNodeFields, ContactFields,
    EnterpriseFields, IndustryFields, InvestorFields, InvestorStatus, LibraryQuery, NewUser,
    NodePosition, Priority, Role, StationedGroup, SupplyLinkFields, TargetRegionFields,
};

fn investor(name: &str) -> InvestorFields {
    InvestorFields {
        name: name.to_owned(),
        ..InvestorFields::default()
    }
}

fn enterprise(name: &str, region: &str, codes: &[&str], local: bool) -> EnterpriseFields {
    EnterpriseFields {
        name: name.to_owned(),
        region_code: Some(region.to_owned()),
        industry_codes: codes.iter().map(|c| (*c).to_owned()).collect(),
        is_local: local,
        ..EnterpriseFields::default()
    }
}

fn problem_field(err: &zhaoshang_client::Error) -> (String, String) {
    let p = err
        .problem()
        .unwrap_or_else(|| panic!("a problem: {err:?}"));
    let e = p
        .errors
        .first()
        .unwrap_or_else(|| panic!("field errors: {p:?}"));
    (e.field.clone(), e.code.clone())
}

db_test!(
    investors_lifecycle_validation_and_duplicates,
    investors_lifecycle
);
async fn investors_lifecycle(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let investors = admin.investors();
    let code = credit_code(1);
    let created = investors
        .create(&InvestorFields {
            credit_code: Some(code.clone()),
            country: Some("cn".into()),
            region_code: Some("330802".into()),
            industry_codes: vec!["2614".into()],
            status: InvestorStatus::Contacting,
            priority: Priority::A,
            tags: vec!["氟化工".into(), " 氟化工 ".into()],
            ..investor("巨化集团有限公司")
        })
        .await
        .expect("create");
    assert_eq!(created.version, 1);
    assert_eq!(created.fields.country.as_deref(), Some("CN"), "normalised");
    assert_eq!(created.fields.tags, ["氟化工"], "trimmed and deduplicated");
    assert_eq!(
        created.fields.owner_org_id,
        Some(admin.me().await.expect("me").org.id)
    );

    // Validation names the field and says what is wrong.
    let err = investors
        .create(&InvestorFields {
            credit_code: Some("91350100M000100Y4Z".into()),
            ..investor("x")
        })
        .await
        .expect_err("bad checksum");
    assert_eq!(
        problem_field(&err),
        ("credit_code".into(), "invalid_credit_code".into())
    );
    assert!(
        err.problem()
            .is_some_and(|p| p.errors[0].message.contains("should be '3'")),
        "{err}"
    );
    for (fields, field, code) in [
        (
            InvestorFields {
                region_code: Some("339999".into()),
                ..investor("x")
            },
            "region_code",
            "invalid_region_code",
        ),
        (
            InvestorFields {
                industry_codes: vec!["26".into(), "9999".into()],
                ..investor("x")
            },
            "industry_codes[1]",
            "invalid_industry_code",
        ),
        (
            InvestorFields {
                country: Some("China".into()),
                ..investor("x")
            },
            "country",
            "invalid_country",
        ),
        (investor("  "), "name", "required"),
        (
            InvestorFields {
                fortune500_rank: Some(501),
                ..investor("x")
            },
            "fortune500_rank",
            "out_of_range",
        ),
    ] {
        let err = investors.create(&fields).await.expect_err(field);
        assert_eq!(problem_field(&err), (field.to_owned(), code.to_owned()));
    }
    let res = app
        .http()
        .post(app.url("/api/v1/investors"))
        .bearer_auth(admin.bearer().await.expect("t").expect("t"))
        .json(&json!({"name": "x", "staus": "invested"}))
        .send()
        .await
        .expect("sent");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(
        (body["status"].as_u64(), body["errors"][0]["field"].as_str()),
        (Some(422), Some("staus"))
    );

    // Same credit code → 409 with the existing id; a look-alike name → possible_duplicates.
    let err = investors
        .create(&InvestorFields {
            credit_code: Some(code.clone()),
            ..investor("另一个名字")
        })
        .await
        .expect_err("dup");
    assert_eq!(
        (
            err.status(),
            err.problem().and_then(|p| p.existing_id.clone())
        ),
        (Some(409), Some(created.id.clone()))
    );
    let lookalike = investors
        .create(&investor("巨化 集团"))
        .await
        .expect("look-alike");
    assert_eq!(
        lookalike
            .possible_duplicates
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        [created.id.as_str()]
    );

    // Merge patch with If-Match; a stale version → 412; `null` clears.
    let changed = investors
        .save(
            &created,
            &InvestorFields {
                status: InvestorStatus::Negotiating,
                headquarters: Some("衢州".into()),
                ..created.fields.clone()
            },
        )
        .await
        .expect("save");
    assert_eq!(
        (changed.version, changed.fields.status),
        (2, InvestorStatus::Negotiating)
    );
    let err = investors
        .update(&created.id, &json!({"notes": "x"}), Some(created.version))
        .await
        .expect_err("stale");
    assert_eq!(err.status(), Some(412));
    let cleared = investors
        .update(&created.id, &json!({"headquarters": null}), Some(2))
        .await
        .expect("clear");
    assert_eq!(cleared.fields.headquarters, None);

    // Soft delete, hidden, restorable; the credit code is free while it is deleted.
    investors
        .delete(&created.id, Some(cleared.version))
        .await
        .expect("delete");
    assert_eq!(
        investors
            .get(&created.id)
            .await
            .map(|r| r.deleted_at.is_some())
            .ok(),
        Some(true),
        "admins still see it"
    );
    let (_, county) = app.user_with_role(&admin, Role::County).await;
    assert_eq!(
        county
            .investors()
            .get(&created.id)
            .await
            .expect_err("hidden")
            .status(),
        Some(404)
    );
    let live: Vec<_> = investors
        .stream(LibraryQuery::default())
        .try_collect()
        .await
        .expect("list");
    assert!(live.iter().all(|r| r.id != created.id));
    let with_deleted = investors
        .list(&LibraryQuery {
            include_deleted: Some(true),
            ..LibraryQuery::default()
        })
        .await
        .expect("list");
    assert!(with_deleted.items.iter().any(|r| r.id == created.id));
    assert_eq!(
        county
            .investors()
            .list(&LibraryQuery {
                include_deleted: Some(true),
                ..LibraryQuery::default()
            })
            .await
            .expect_err("403")
            .status(),
        Some(403)
    );
    let restored = investors.restore(&created.id).await.expect("restore");
    assert!(restored.deleted_at.is_none());
    assert_eq!(
        county
            .investors()
            .get(&created.id)
            .await
            .expect("visible again")
            .id,
        created.id
    );
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

    let ids = |page: zhaoshang_types::Page<zhaoshang_types::Enterprise>| {
        let mut v: Vec<String> = page.items.into_iter().map(|r| r.id).collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let q = |f: fn(&mut LibraryQuery)| {
        let mut q = LibraryQuery::default();
        f(&mut q);
        q
    };
    assert_eq!(
        ids(e
            .list(&q(|q| q.industry = Some("26".into())))
            .await
            .expect("26")),
        sorted(vec![a.id.clone(), c.id.clone()])
    );
    assert_eq!(
        ids(e
            .list(&q(|q| q.industry = Some("C".into())))
            .await
            .expect("C")),
        sorted(vec![a.id.clone(), b.id.clone(), c.id.clone()]),
        "a section letter finds its classes"
    );
    assert_eq!(
        ids(e
            .list(&q(|q| q.region = Some("3308".into())))
            .await
            .expect("3308")),
        sorted(vec![a.id.clone(), b.id.clone()])
    );
    assert_eq!(
        ids(e
            .list(&q(|q| {
                q.region = Some("3308".into());
                q.industry = Some("261".into())
            }))
            .await
            .expect("both")),
        vec![a.id.clone()]
    );
    assert_eq!(
        ids(e
            .list(&q(|q| q.industry = Some("2".into())))
            .await
            .expect("2")),
        sorted(vec![a.id.clone(), c.id.clone()]),
        "a prefix that is no code of its own is still a prefix"
    );
    // Pages of an industry, in both id orders, give every match once.
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
        let mut expected = vec![a.id.clone(), b.id.clone(), c.id.clone()];
        if sort.starts_with('-') {
            expected.reverse();
        }
        assert_eq!(seen, expected, "{sort}");
    }
    // A changed classification moves the record between industries.
    let c_moved = e
        .update(&c.id, &json!({"industry_codes": ["3130"]}), Some(c.version))
        .await
        .expect("reclassify");
    assert_eq!(
        ids(e
            .list(&q(|q| q.industry = Some("26".into())))
            .await
            .expect("26 after")),
        vec![a.id.clone()]
    );
    assert_eq!(
        ids(e
            .list(&q(|q| q.industry = Some("31".into())))
            .await
            .expect("31 after")),
        sorted(vec![b.id.clone(), c.id.clone()])
    );
    let c = e
        .update(
            &c.id,
            &json!({"industry_codes": ["2614"]}),
            Some(c_moved.version),
        )
        .await
        .expect("back");
    assert_eq!(
        ids(e
            .list(&q(|q| q.is_local = Some(false)))
            .await
            .expect("external")),
        vec![c.id.clone()]
    );
    assert_eq!(
        ids(e
            .list(&q(|q| q.is_leading = Some(true)))
            .await
            .expect("leading")),
        vec![a.id.clone()]
    );
    assert_eq!(
        ids(e
            .list(&q(|q| q.tag = Some("龙头".into())))
            .await
            .expect("tag")),
        vec![a.id.clone()]
    );
    // Two- and four-character Chinese substrings, aliases and English names.
    assert_eq!(
        ids(e.list(&q(|q| q.q = Some("巨化".into()))).await.expect("q2")),
        vec![a.id.clone()]
    );
    assert_eq!(
        ids(e
            .list(&q(|q| q.q = Some("元立金属".into())))
            .await
            .expect("q4")),
        vec![b.id.clone()]
    );
    assert_eq!(
        ids(e.list(&q(|q| q.q = Some("华谊".into()))).await.expect("q")),
        vec![c.id.clone()]
    );
    assert_eq!(
        ids(e
            .list(&q(|q| q.q = Some("huayi".into())))
            .await
            .expect("en")),
        vec![c.id.clone()]
    );
    assert_eq!(
        ids(e
            .list(&q(|q| q.q = Some("股份".into())))
            .await
            .expect("alias")),
        vec![a.id.clone()]
    );
    let err = e
        .list(&q(|q| q.q = Some("巨".into())))
        .await
        .expect_err("one character");
    assert_eq!(problem_field(&err), ("q".into(), "too_short".into()));
    // Sorting by name, and updated_since.
    let by_name = e
        .list(&q(|q| q.sort = Some("name".into())))
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
        .list(&q(|q| {
            q.updated_since = Some(chrono::Utc::now() + chrono::Duration::hours(1))
        }))
        .await
        .expect("since");
    assert!(later.items.is_empty());
    let err = e
        .list(&q(|q| q.sort = Some("size".into())))
        .await
        .expect_err("sort");
    assert_eq!(problem_field(&err).0, "sort");
}

db_test!(
    walking_pages_sees_each_row_once_while_rows_are_added,
    paging_while_inserting
);
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
    for sort in [None, Some("name"), Some("-name"), Some("-created_at")] {
        let mut query = LibraryQuery {
            limit: Some(5),
            sort: sort.map(str::to_owned),
            ..LibraryQuery::default()
        };
        let mut seen = Vec::new();
        let mut added = 0;
        loop {
            let page = e.list(&query).await.expect("page");
            seen.extend(page.items.iter().map(|r| r.id.clone()));
            if added < 2 {
                // New rows arrive while the walk is under way.
                e.create(&enterprise(
                    &format!("新增{sort:?}{added}"),
                    "330881",
                    &["3130"],
                    true,
                ))
                .await
                .expect("create");
                added += 1;
            }
            match page.next_cursor {
                Some(c) => query.cursor = Some(c),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{sort:?}: no row twice");
        assert!(
            seen.len() >= 23,
            "{sort:?}: every row that existed at the start: {}",
            seen.len()
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
    contacts_are_masked_for_every_caller_not_entitled,
    contacts_masking
);
async fn contacts_masking(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (_, county) = app.user_with_role(&admin, Role::County).await;
    let (_, other_county) = app.user_with_role(&admin, Role::County).await;
    let (_, bureau) = app.user_with_role(&admin, Role::Bureau).await;
    let (_, reader) = app.user_with_role(&admin, Role::Reader).await;
    let owned = county
        .investors()
        .create(&investor("柯城客商"))
        .await
        .expect("county creates");
    let contact = county
        .investor_contacts(&owned.id)
        .create(&ContactFields {
            name: "张三".into(),
            title: Some("总经理".into()),
            phone: Some("13812345678".into()),
            email: Some("zhang.san@example.com".into()),
            wechat: Some("zhangsan_wx".into()),
            notes: None,
        })
        .await
        .expect("contact");
    assert!(!contact.masked);
    // Merge patch of a contact, with If-Match; unknown fields are named.
    let changed = county
        .investor_contacts(&owned.id)
        .update(
            &contact.id,
            &json!({"title": "董事长", "wechat": null}),
            Some(contact.version),
        )
        .await
        .expect("update contact");
    assert_eq!(
        (
            changed.version,
            changed.fields.title.as_deref(),
            changed.fields.wechat.as_deref()
        ),
        (2, Some("董事长"), None)
    );
    let err = county
        .investor_contacts(&owned.id)
        .update(&contact.id, &json!({"notes": "x"}), Some(1))
        .await
        .expect_err("stale");
    assert_eq!(err.status(), Some(412));
    let err = county
        .investor_contacts(&owned.id)
        .update(&contact.id, &json!({"fax": "1"}), None)
        .await
        .expect_err("unknown");
    assert_eq!(problem_field(&err), ("fax".into(), "unknown_field".into()));
    county
        .investor_contacts(&owned.id)
        .update(&contact.id, &json!({"wechat": "zhangsan_wx"}), None)
        .await
        .expect("restore wechat");
    let extra = county
        .investor_contacts(&owned.id)
        .create(&ContactFields {
            name: "王五".into(),
            ..ContactFields::default()
        })
        .await
        .expect("second");
    county
        .investor_contacts(&owned.id)
        .delete(&extra.id, None)
        .await
        .expect("delete contact");
    assert_eq!(
        county
            .investor_contacts(&owned.id)
            .list()
            .await
            .expect("list")
            .items
            .len(),
        1,
        "the deleted contact is gone"
    );
    let err = county
        .investor_contacts(&owned.id)
        .create(&ContactFields {
            name: "李四".into(),
            phone: Some("call me".into()),
            ..ContactFields::default()
        })
        .await
        .expect_err("bad phone");
    assert_eq!(
        problem_field(&err),
        ("phone".into(), "invalid_phone".into())
    );

    for (who, client, full) in [
        ("admin", &admin, true),
        ("bureau", &bureau, true),
        ("owner", &county, true),
        ("other county", &other_county, false),
        ("reader", &reader, false),
    ] {
        let list = client.investor_contacts(&owned.id).list().await.expect(who);
        let c = &list.items[0];
        assert_eq!(c.masked, !full, "{who}");
        let text = serde_json::to_string(&list).expect("json");
        if full {
            assert_eq!(c.fields.phone.as_deref(), Some("13812345678"), "{who}");
        } else {
            assert_eq!(c.fields.phone.as_deref(), Some("138****5678"), "{who}");
            assert_eq!(c.fields.email.as_deref(), Some("z***@example.com"), "{who}");
            assert_eq!(c.fields.wechat.as_deref(), Some("z***"), "{who}");
            assert!(
                !text.contains("12345678")
                    && !text.contains("zhang.san")
                    && !text.contains("zhangsan_wx"),
                "{who}: {text}"
            );
        }
        // The CSV export is masked the same way.
        let res = app
            .http()
            .get(app.url(&format!(
                "/api/v1/investors/{}/contacts?format=csv",
                owned.id
            )))
            .bearer_auth(client.bearer().await.expect("t").expect("t"))
            .send()
            .await
            .expect("csv");
        let csv = res.text().await.expect("text");
        assert_eq!(csv.contains("13812345678"), full, "{who}: {csv}");
    }
    // Others cannot add or change contacts of a record they do not own.
    let err = other_county
        .investor_contacts(&owned.id)
        .create(&ContactFields {
            name: "x".into(),
            ..ContactFields::default()
        })
        .await
        .expect_err("403");
    assert_eq!(err.status(), Some(403));
    let err = reader
        .investors()
        .create(&investor("x"))
        .await
        .expect_err("reader");
    assert_eq!(err.status(), Some(403));
    let err = other_county
        .investors()
        .update(&owned.id, &json!({"notes": "x"}), None)
        .await
        .expect_err("not owner");
    assert_eq!(err.status(), Some(403));
    bureau
        .investors()
        .update(&owned.id, &json!({"notes": "招商局备注"}), None)
        .await
        .expect("bureau writes all");
    let err = county
        .investors()
        .update(
            &owned.id,
            &json!({"owner_org_id": other_county.me().await.expect("me").org.id}),
            None,
        )
        .await
        .expect_err("give away");
    assert_eq!(
        problem_field(&err),
        ("owner_org_id".into(), "forbidden_owner".into())
    );
}

/// An agency user with its own agency record and login org.
async fn agency_user(app: &TestApp, admin: &Client, name: &str) -> (String, Client) {
    let agency = admin
        .agencies()
        .create(&AgencyFields {
            name: name.to_owned(),
            region_code: Some("310101".into()),
            ..AgencyFields::default()
        })
        .await
        .expect("agency");
    assert_eq!(
        agency.org_id.as_deref(),
        Some(agency.id.as_str()),
        "the agency's login org has its id"
    );
    let org = admin
        .get_org(&agency.id)
        .await
        .expect("org created with the agency");
    assert_eq!(org.kind, zhaoshang_types::OrgKind::Agency);
    let user = admin
        .create_user(&NewUser {
            username: format!("agency-{}", uuid::Uuid::now_v7().simple()),
            display_name: name.to_owned(),
            org_id: agency.id.clone(),
            role: Role::Agency,
            password: PASSWORD.into(),
        })
        .await
        .expect("agency user");
    (agency.id, app.sign_in(&user.username).await)
}

db_test!(
    agencies_see_and_change_only_their_own_records,
    agency_isolation
);
async fn agency_isolation(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (mine_id, mine) = agency_user(&app, &admin, "上海某招商咨询").await;
    let (theirs_id, theirs) = agency_user(&app, &admin, "杭州某商会").await;
    let own = mine
        .investors()
        .create(&investor("沪上客商"))
        .await
        .expect("agency creates");
    assert_eq!(
        own.fields.source_agency_id.as_deref(),
        Some(mine_id.as_str()),
        "source is implied"
    );
    let foreign = theirs
        .investors()
        .create(&investor("杭州客商"))
        .await
        .expect("other agency");
    let bureau_owned = admin
        .investors()
        .create(&investor("局里客商"))
        .await
        .expect("admin");

    let seen: Vec<_> = mine
        .investors()
        .stream(LibraryQuery::default())
        .try_collect()
        .await
        .expect("list");
    assert_eq!(
        seen.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [own.id.as_str()]
    );
    for id in [&foreign.id, &bureau_owned.id] {
        assert_eq!(
            mine.investors()
                .get(id)
                .await
                .expect_err("invisible")
                .status(),
            Some(404)
        );
        assert_eq!(
            mine.investors()
                .update(id, &json!({"notes": "x"}), None)
                .await
                .expect_err("invisible")
                .status(),
            Some(404)
        );
        assert_eq!(
            mine.investor_contacts(id)
                .list()
                .await
                .expect_err("invisible")
                .status(),
            Some(404)
        );
    }
    let err = mine
        .investors()
        .create(&InvestorFields {
            source_agency_id: Some(theirs_id.clone()),
            ..investor("冒名")
        })
        .await
        .expect_err("spoof");
    assert_eq!(
        problem_field(&err),
        ("source_agency_id".into(), "forbidden_source".into())
    );
    // Only its own agency profile; no regions or industries; cannot create them.
    assert_eq!(
        mine.agencies().get(&mine_id).await.expect("own profile").id,
        mine_id
    );
    assert_eq!(
        mine.agencies()
            .get(&theirs_id)
            .await
            .expect_err("other")
            .status(),
        Some(404)
    );
    assert_eq!(
        mine.agencies()
            .list(&LibraryQuery::default())
            .await
            .expect("list")
            .items
            .len(),
        1
    );
    admin
        .industries()
        .create(&IndustryFields {
            name: "氟化工".into(),
            ..IndustryFields::default()
        })
        .await
        .expect("industry");
    assert!(
        mine.industries()
            .list(&LibraryQuery::default())
            .await
            .expect("list")
            .items
            .is_empty()
    );
    assert_eq!(
        mine.industries()
            .create(&IndustryFields {
                name: "x".into(),
                ..IndustryFields::default()
            })
            .await
            .expect_err("403")
            .status(),
        Some(403)
    );
    // Its own profile's contacts in full; another agency's are invisible; a reader sees them masked.
    let c = mine
        .agency_contacts(&mine_id)
        .create(&ContactFields {
            name: "陈敏".into(),
            phone: Some("13916001234".into()),
            ..ContactFields::default()
        })
        .await
        .expect("own agency contact");
    assert!(!c.masked);
    assert_eq!(
        mine.agency_contacts(&theirs_id)
            .list()
            .await
            .expect_err("other agency")
            .status(),
        Some(404)
    );
    let (_, reader) = app.user_with_role(&admin, Role::Reader).await;
    let seen = reader
        .agency_contacts(&mine_id)
        .list()
        .await
        .expect("reader");
    assert_eq!(seen.items[0].fields.phone.as_deref(), Some("139****1234"));
    // Stats of the agency.
    mine.investors()
        .update(&own.id, &json!({"status": "invested"}), None)
        .await
        .expect("own update");
    let stats = admin.agency_stats(&mine_id).await.expect("stats");
    assert_eq!(
        (
            stats.investors,
            stats.investors_by_status.get("invested").copied()
        ),
        (1, Some(1))
    );
    assert_eq!(
        mine.agency_stats(&theirs_id)
            .await
            .expect_err("other")
            .status(),
        Some(404)
    );
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
        assert_eq!(result.results.len(), 250);
        assert!(
            result
                .results
                .iter()
                .all(|r| r.outcome == BatchOutcome::Created)
        );
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
    let mut pages = Vec::new();
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
        pages.push(page.into_iter().map(|r| r.id).collect::<Vec<_>>());
    }
    let mut expected: Vec<String> = all
        .iter()
        .filter(|r| r.fields.region_code.as_deref() == Some("330881"))
        .map(|r| r.id.clone())
        .collect();
    expected.sort();
    assert_eq!(expected.len(), 100);
    assert_eq!(pages[0], expected);
    expected.reverse();
    assert_eq!(pages[1], expected);
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
    let first = agency.investors().batch_upsert(&items).await.expect("sync");
    assert!(
        first
            .results
            .iter()
            .all(|r| r.outcome == BatchOutcome::Created)
    );
    let again = agency
        .investors()
        .batch_upsert(&items)
        .await
        .expect("again");
    assert!(
        again
            .results
            .iter()
            .all(|r| r.outcome == BatchOutcome::Unchanged)
    );
    assert_eq!(
        first.results.iter().map(|r| &r.id).collect::<Vec<_>>(),
        again.results.iter().map(|r| &r.id).collect::<Vec<_>>()
    );
    let mut changed = items.clone();
    changed[1].status = InvestorStatus::Negotiating;
    let third = agency
        .investors()
        .batch_upsert(&changed)
        .await
        .expect("change one");
    assert_eq!(
        third.results.iter().map(|r| r.outcome).collect::<Vec<_>>(),
        [
            BatchOutcome::Unchanged,
            BatchOutcome::Updated,
            BatchOutcome::Unchanged
        ]
    );

    // One bad item rejects the batch: nothing of it is written, and the errors name the items.
    let mut bad = changed.clone();
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
            source_agency_id: Some(agency_id.clone()),
            ..LibraryQuery::default()
        })
        .try_collect()
        .await
        .expect("list");
    assert_eq!(all.len(), 3, "nothing of the rejected batch was written");
    assert!(all.iter().all(|r| r.fields.notes.is_none()));
    // A credit code that another record holds rejects the batch too.
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

    // Admins name the agency; departments may not sync; over 1,000 items is refused.
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
            source_agency_id: Some(agency_id.clone()),
            ..items[0].clone()
        }])
        .await
        .expect("admin syncs for the agency");
    assert_eq!(by_admin.results[0].id, first.results[0].id);
    let (_, dept) = app.user_with_role(&admin, Role::Department).await;
    assert_eq!(
        dept.investors()
            .batch_upsert(&items)
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
    // Enterprises sync the same way.
    let e = agency
        .enterprises()
        .batch_upsert(&[EnterpriseFields {
            external_id: Some("E-1".into()),
            ..enterprise("深圳某科技", "440305", &["3130"], false)
        }])
        .await
        .expect("enterprises");
    assert_eq!(e.results[0].outcome, BatchOutcome::Created);

    // A batch applies as if item after item: a code freed by an earlier item may be taken by
    // a later one; two new items cannot take the same code.
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
        moved.results.iter().map(|r| r.outcome).collect::<Vec<_>>(),
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

    // New enterprises of a batch join their chain nodes, and every item has its audit row.
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
            Some(json!(agency_id))
        );
        assert!(row.request_id.is_some());
    }
}

db_test!(lists_export_as_csv_for_excel, csv_export);
async fn csv_export(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    admin
        .enterprises()
        .create(&EnterpriseFields {
            main_products: vec!["萤石".into(), "氢氟酸".into()],
            ..enterprise("衢州某氟材料, 有限公司", "330802", &["2614"], true)
        })
        .await
        .expect("a");
    admin
        .enterprises()
        .create(&enterprise("外地企业", "310104", &["3130"], false))
        .await
        .expect("b");
    let bytes = admin
        .enterprises()
        .export_csv(&LibraryQuery {
            region: Some("3308".into()),
            ..LibraryQuery::default()
        })
        .await
        .expect("csv");
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    assert!(headers.iter().any(|h| h == "name") && headers.iter().any(|h| h == "main_products"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 1, "the same filters as the JSON list");
    let name_at = headers
        .iter()
        .position(|h| h == "name")
        .expect("name column");
    let products_at = headers
        .iter()
        .position(|h| h == "main_products")
        .expect("column");
    assert_eq!(&rows[0][name_at], "衢州某氟材料, 有限公司");
    assert_eq!(&rows[0][products_at], "萤石;氢氟酸");
    let res = app
        .http()
        .get(app.url("/api/v1/enterprises"))
        .header("accept", "text/csv")
        .bearer_auth(admin.bearer().await.expect("t").expect("t"))
        .send()
        .await
        .expect("sent");
    assert!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/csv"))
    );
}

db_test!(chains_count_enterprises_and_find_gaps, chains_and_gaps);
async fn chains_and_gaps(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let industry = admin
        .industries()
        .create(&IndustryFields {
            name: "氟化工及新材料".into(),
            industry_codes: vec!["26".into()],
            ..IndustryFields::default()
        })
        .await
        .expect("industry");
    let node = |name: &str, position: NodePosition, parent: Option<&str>| ChainNodeFields {
        name: name.into(),
        position,
        parent_id: parent.map(str::to_owned),
        key_products: vec![],
        notes: None,
    };
    let fluorite = admin
        .create_chain_node(
            &industry.id,
            &node("萤石开采", NodePosition::Upstream, None),
        )
        .await
        .expect("node");
    let hf = admin
        .create_chain_node(
            &industry.id,
            &node("氢氟酸", NodePosition::Midstream, Some(&fluorite.id)),
        )
        .await
        .expect("node");
    let film = admin
        .create_chain_node(
            &industry.id,
            &node("含氟薄膜", NodePosition::Downstream, Some(&hf.id)),
        )
        .await
        .expect("node");
    let err = admin
        .update_chain_node(&fluorite.id, &json!({"parent_id": film.id}), None)
        .await
        .expect_err("cycle");
    assert_eq!(problem_field(&err).1, "cycle");

    let on = |node_id: &str| {
        vec![ChainMembership {
            node_id: node_id.to_owned(),
            role: None,
        }]
    };
    let leader = admin
        .enterprises()
        .create(&EnterpriseFields {
            is_leading: true,
            chain_nodes: on(&hf.id),
            ..enterprise("巨化股份", "330802", &["2614"], true)
        })
        .await
        .expect("leader");
    admin
        .enterprises()
        .create(&EnterpriseFields {
            chain_nodes: on(&hf.id),
            ..enterprise("本地配套", "330803", &["2614"], true)
        })
        .await
        .expect("local");
    let supplier = admin
        .enterprises()
        .create(&EnterpriseFields {
            chain_nodes: on(&fluorite.id),
            ..enterprise("江西萤石矿业", "360702", &["1019"], false)
        })
        .await
        .expect("ext");
    let customer = admin
        .enterprises()
        .create(&enterprise("上海膜材料", "310104", &["2922"], false))
        .await
        .expect("ext2");
    let err = admin
        .enterprises()
        .create(&EnterpriseFields {
            chain_nodes: on("0192f7d4-0000-7000-8000-000000000000"),
            ..enterprise("x", "330802", &[], true)
        })
        .await
        .expect_err("node");
    assert_eq!(
        problem_field(&err),
        ("chain_nodes[0].node_id".into(), "unknown_reference".into())
    );
    admin
        .create_supply_link(
            &leader.id,
            &SupplyLinkFields {
                supplier_id: supplier.id.clone(),
                customer_id: leader.id.clone(),
                product: Some("萤石精粉".into()),
                notes: None,
            },
        )
        .await
        .expect("link in");
    admin
        .create_supply_link(
            &leader.id,
            &SupplyLinkFields {
                supplier_id: leader.id.clone(),
                customer_id: customer.id.clone(),
                product: Some("PVDF".into()),
                notes: None,
            },
        )
        .await
        .expect("link out");
    let err = admin
        .create_supply_link(
            &leader.id,
            &SupplyLinkFields {
                supplier_id: supplier.id.clone(),
                customer_id: customer.id.clone(),
                product: None,
                notes: None,
            },
        )
        .await
        .expect_err("not a party");
    assert_eq!(problem_field(&err).1, "not_a_party");
    assert_eq!(
        admin
            .supply_links(&leader.id)
            .await
            .expect("links")
            .items
            .len(),
        2
    );
    let temporary = admin
        .create_supply_link(
            &leader.id,
            &SupplyLinkFields {
                supplier_id: leader.id.clone(),
                customer_id: supplier.id.clone(),
                product: None,
                notes: None,
            },
        )
        .await
        .expect("a third link");
    admin
        .delete_supply_link(&leader.id, &temporary.id)
        .await
        .expect("delete link");
    assert_eq!(
        admin
            .delete_supply_link(&leader.id, &temporary.id)
            .await
            .expect_err("gone")
            .status(),
        Some(404)
    );
    assert_eq!(
        admin
            .supply_links(&leader.id)
            .await
            .expect("links")
            .items
            .len(),
        2
    );
    assert_eq!(
        admin
            .get_chain_node(&hf.id)
            .await
            .expect("node")
            .fields
            .parent_id
            .as_deref(),
        Some(fluorite.id.as_str())
    );

    let tree = admin.chain(&industry.id).await.expect("chain");
    assert_eq!(tree.nodes.len(), 1, "one top node");
    let top = &tree.nodes[0];
    assert_eq!(
        (
            top.node.fields.name.as_str(),
            top.local_enterprises,
            top.external_enterprises
        ),
        ("萤石开采", 0, 1)
    );
    let mid = &top.children[0];
    assert_eq!(
        (
            mid.node.fields.name.as_str(),
            mid.local_enterprises,
            mid.external_enterprises
        ),
        ("氢氟酸", 2, 0)
    );
    assert_eq!(
        mid.leading_enterprises
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        [leader.id.as_str()]
    );
    assert_eq!(mid.children[0].node.id, film.id);

    let gaps = admin.chain_gaps(&industry.id).await.expect("gaps");
    let missing: Vec<&str> = gaps
        .missing_nodes
        .iter()
        .map(|m| m.node.fields.name.as_str())
        .collect();
    assert_eq!(
        missing,
        ["萤石开采", "含氟薄膜"],
        "nodes without a local enterprise"
    );
    assert_eq!(
        gaps.missing_nodes[0].external_enterprises[0].id, supplier.id,
        "补链 target"
    );
    assert_eq!(gaps.leading_partners.len(), 1);
    let lp = &gaps.leading_partners[0];
    assert_eq!(lp.enterprise.id, leader.id);
    assert_eq!(
        lp.suppliers
            .iter()
            .map(|p| (p.enterprise.id.as_str(), p.product.as_deref()))
            .collect::<Vec<_>>(),
        [(supplier.id.as_str(), Some("萤石精粉"))]
    );
    assert_eq!(
        lp.customers
            .iter()
            .map(|p| p.enterprise.id.as_str())
            .collect::<Vec<_>>(),
        [customer.id.as_str()]
    );

    // Deleting a node with children is refused; a deleted enterprise leaves the counts.
    assert_eq!(
        admin
            .delete_chain_node(&hf.id, None)
            .await
            .expect_err("children")
            .status(),
        Some(409)
    );
    admin
        .enterprises()
        .delete(&supplier.id, None)
        .await
        .expect("delete");
    let tree = admin.chain(&industry.id).await.expect("chain");
    assert_eq!(tree.nodes[0].external_enterprises, 0);
}

db_test!(target_regions_and_reference_data, regions_and_reference);
async fn regions_and_reference(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
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

/// Create, read, update, a stale update (412), delete (hidden from lists), restore — for one
/// resource through its SDK collection.
async fn lifecycle<T>(
    label: &str,
    col: zhaoshang_client::Collection<'_, T>,
    fields: T,
    patch: serde_json::Value,
    changed: impl Fn(&T) -> bool,
) where
    T: serde::Serialize + serde::de::DeserializeOwned + Clone + PartialEq + std::fmt::Debug,
{
    let created = col
        .create(&fields)
        .await
        .unwrap_or_else(|e| panic!("{label}: create: {e}"));
    let read = col.get(&created.id).await.expect("read");
    assert_eq!(
        (read.version, &read.fields),
        (1, &created.fields),
        "{label}"
    );
    let updated = col
        .update(&created.id, &patch, Some(1))
        .await
        .unwrap_or_else(|e| panic!("{label}: update: {e}"));
    assert_eq!(updated.version, 2, "{label}");
    assert!(
        changed(&updated.fields),
        "{label}: the patch applied: {:?}",
        updated.fields
    );
    let err = col
        .update(&created.id, &patch, Some(1))
        .await
        .expect_err("stale");
    assert_eq!(err.status(), Some(412), "{label}");
    col.delete(&created.id, Some(2))
        .await
        .unwrap_or_else(|e| panic!("{label}: delete: {e}"));
    let listed: Vec<_> = col
        .stream(LibraryQuery::default())
        .try_collect()
        .await
        .expect("list");
    assert!(
        listed.iter().all(|r| r.id != created.id),
        "{label}: hidden once deleted"
    );
    let restored = col
        .restore(&created.id)
        .await
        .unwrap_or_else(|e| panic!("{label}: restore: {e}"));
    assert!(restored.deleted_at.is_none(), "{label}");
    let listed: Vec<_> = col
        .stream(LibraryQuery::default())
        .try_collect()
        .await
        .expect("list");
    assert!(
        listed.iter().any(|r| r.id == created.id),
        "{label}: back after restore"
    );
}

db_test!(
    every_resource_has_the_same_lifecycle,
    every_resource_lifecycle
);
async fn every_resource_lifecycle(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    lifecycle(
        "investor",
        admin.investors(),
        investor("生命周期客商"),
        json!({"status": "invested"}),
        |f| f.status == InvestorStatus::Invested,
    )
    .await;
    lifecycle(
        "agency",
        admin.agencies(),
        AgencyFields {
            name: "生命周期中介".into(),
            ..AgencyFields::default()
        },
        json!({"covered_region_codes": ["330800"]}),
        |f| f.covered_region_codes == ["330800"],
    )
    .await;
    lifecycle(
        "target region",
        admin.target_regions(),
        TargetRegionFields {
            name: "苏州".into(),
            region_code: Some("320500".into()),
            ..TargetRegionFields::default()
        },
        json!({"work_base": "已建立联络处"}),
        |f| f.work_base.as_deref() == Some("已建立联络处"),
    )
    .await;
    lifecycle(
        "industry",
        admin.industries(),
        IndustryFields {
            name: "输变电装备".into(),
            ..IndustryFields::default()
        },
        json!({"industry_codes": ["3821"]}),
        |f| f.industry_codes == ["3821"],
    )
    .await;
    lifecycle(
        "enterprise",
        admin.enterprises(),
        EnterpriseFields {
            credit_code: Some(credit_code(42)),
            ..enterprise("生命周期企业", "330802", &["3821"], true)
        },
        json!({"is_leading": true, "employees": 800}),
        |f| f.is_leading && f.employees == Some(800),
    )
    .await;
    // A credit code is unique among live enterprises.
    let err = admin
        .enterprises()
        .create(&EnterpriseFields {
            credit_code: Some(credit_code(42)),
            ..enterprise("另一家", "330803", &[], true)
        })
        .await
        .expect_err("same credit code");
    assert_eq!(err.status(), Some(409));
    assert!(err.problem().and_then(|p| p.existing_id.clone()).is_some());
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
    let mut both = vec![moved.id.clone(), stays.id.clone()];
    both.sort();
    assert_eq!(listed("3308").await, vec![both.clone(); 4]);
    assert_eq!(listed("330881").await, vec![Vec::<String>::new(); 4]);

    // Only the region changes: not the name, not the industries.
    e.update(
        &moved.id,
        &json!({"region_code": "330881"}),
        Some(moved.version),
    )
    .await
    .expect("move");
    assert_eq!(listed("330881").await, vec![vec![moved.id.clone()]; 4]);
    assert_eq!(listed("330802").await, vec![vec![stays.id.clone()]; 4]);
    assert_eq!(listed("3308").await, vec![both.clone(); 4]);
    assert_eq!(listed("31").await, vec![Vec::<String>::new(); 4]);
}

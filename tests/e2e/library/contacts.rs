//! Contacts: creating and changing them, masking for every caller not entitled (in JSON and
//! in the CSV export), and who may write a record and its contacts.

use serde_json::json;
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{TestApp, db_test};
use zhaoshang_types::{ContactFields, Role};

use super::{investor, problem_field};

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
    contacts_are_edited(&county, &owned.id).await;
    for (who, client, full) in [
        ("admin", &admin, true),
        ("bureau", &bureau, true),
        ("owner", &county, true),
        ("other county", &other_county, false),
        ("reader", &reader, false),
    ] {
        masked_unless_entitled(&app, who, client, &owned.id, full).await;
    }
    only_owners_and_the_bureau_write(&county, &other_county, &bureau, &reader, &owned.id).await;
}

/// Create, merge patch (with If-Match; unknown fields named), delete and validation of the
/// contacts of `investor_id`; one contact is left, with every way to reach the person.
async fn contacts_are_edited(county: &Client, investor_id: &str) {
    let contacts = county.investor_contacts(investor_id);
    let contact = contacts
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
    let changed = contacts
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
    let err = contacts
        .update(&contact.id, &json!({"notes": "x"}), Some(1))
        .await
        .expect_err("stale");
    assert_eq!(err.status(), Some(412));
    let err = contacts
        .update(&contact.id, &json!({"fax": "1"}), None)
        .await
        .expect_err("unknown");
    assert_eq!(problem_field(&err), ("fax".into(), "unknown_field".into()));
    contacts
        .update(&contact.id, &json!({"wechat": "zhangsan_wx"}), None)
        .await
        .expect("restore wechat");
    let extra = contacts
        .create(&ContactFields {
            name: "王五".into(),
            ..ContactFields::default()
        })
        .await
        .expect("second");
    contacts
        .delete(&extra.id, None)
        .await
        .expect("delete contact");
    assert_eq!(
        contacts.list().await.expect("list").items.len(),
        1,
        "the deleted contact is gone"
    );
    let err = contacts
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
}

/// `who` sees the contact in full (`full`) or masked, in the JSON list and in its CSV export.
async fn masked_unless_entitled(
    app: &TestApp,
    who: &str,
    client: &Client,
    investor_id: &str,
    full: bool,
) {
    let list = client
        .investor_contacts(investor_id)
        .list()
        .await
        .expect(who);
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
    // The CSV export is masked the same way: a CSV (not an error body) with the contact in it.
    let res = app
        .http()
        .get(app.url(&format!(
            "/api/v1/investors/{investor_id}/contacts?format=csv"
        )))
        .bearer_auth(client.bearer().await.expect("t").expect("t"))
        .send()
        .await
        .expect("csv");
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let csv = res.text().await.expect("text");
    assert_eq!(status, 200, "{who}: {csv}");
    assert!(
        content_type.starts_with("text/csv"),
        "{who}: content type {content_type:?}"
    );
    assert!(
        csv.contains("张三"),
        "{who}: the contact is exported: {csv}"
    );
    assert_eq!(csv.contains("13812345678"), full, "{who}: {csv}");
    if !full {
        assert!(csv.contains("138****5678"), "{who}: masked phone: {csv}");
        assert!(
            !csv.contains("zhang.san") && !csv.contains("zhangsan_wx"),
            "{who}: {csv}"
        );
    }
}

/// Others cannot add or change contacts of a record they do not own, readers create nothing,
/// the bureau writes every record, and an owner cannot give its record away.
async fn only_owners_and_the_bureau_write(
    county: &Client,
    other_county: &Client,
    bureau: &Client,
    reader: &Client,
    owned_id: &str,
) {
    let err = other_county
        .investor_contacts(owned_id)
        .create(&ContactFields {
            name: "x".into(),
            ..ContactFields::default()
        })
        .await
        .expect_err("403");
    assert_eq!(err.status(), Some(403), "another county adds a contact");
    let err = reader
        .investors()
        .create(&investor("x"))
        .await
        .expect_err("reader");
    assert_eq!(err.status(), Some(403), "a reader creates");
    let err = other_county
        .investors()
        .update(owned_id, &json!({"notes": "x"}), None)
        .await
        .expect_err("not owner");
    assert_eq!(err.status(), Some(403), "another county changes the record");
    bureau
        .investors()
        .update(owned_id, &json!({"notes": "招商局备注"}), None)
        .await
        .expect("bureau writes all");
    let err = county
        .investors()
        .update(
            owned_id,
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

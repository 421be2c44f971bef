//! What belongs to a record, changed and deleted: a record's contacts and an industry's chain
//! nodes. Whoever may write the record (its owner organisation, the bureau) may change and
//! delete them; another department, county or zone and a reader may not (403); an agency,
//! which cannot see the record, is answered 404. Stale and malformed `If-Match` are refused.

use reqwest::Method;
use serde_json::json;
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::{Client, Error};
use zhaoshang_e2e::{PASSWORD, TestApp, answer, db_test};
use zhaoshang_types::{
    ChainNodeFields, ContactFields, IndustryFields, NewUser, NodePosition, Role, User,
};

use super::{agency_user, investor};

/// The callers of a test: the owner, a colleague in the owner's organisation, the bureau, and
/// those who may not write (with the status each must get).
struct Callers {
    owner: Client,
    colleague: Client,
    bureau: Client,
    denied: Vec<(&'static str, Client, u16)>,
}

/// Another `role` user of `owner`'s organisation, signed in.
async fn colleague(app: &TestApp, admin: &Client, owner: &User, role: Role) -> Client {
    let user = admin
        .create_user(&NewUser {
            username: format!("colleague-{}", uuid::Uuid::now_v7().simple()),
            display_name: "同事".into(),
            org_id: owner.org_id.clone(),
            role,
            password: PASSWORD.into(),
        })
        .await
        .expect("a colleague");
    app.sign_in(&user.username).await
}

/// The owner has `owner_role`; the denied are another user of that role, users of the other
/// two writing roles, a reader and an agency.
async fn callers(app: &TestApp, admin: &Client, owner_role: Role) -> Callers {
    let (owner_user, owner) = app.user_with_role(admin, owner_role).await;
    let colleague = colleague(app, admin, &owner_user, owner_role).await;
    let (_, bureau) = app.user_with_role(admin, Role::Bureau).await;
    let mut denied = Vec::new();
    for (who, role) in [
        ("another department", Role::Department),
        ("another county", Role::County),
        ("another zone", Role::Zone),
        ("a reader", Role::Reader),
    ] {
        let (_, client) = app.user_with_role(admin, role).await;
        denied.push((who, client, 403));
    }
    let (_, agency) = agency_user(app, admin, "某招商咨询").await;
    denied.push(("an agency", agency, 404));
    Callers {
        owner,
        colleague,
        bureau,
        denied,
    }
}

/// The status and code of a refusal, for comparing with what is expected.
fn refusal(err: &Error) -> (Option<u16>, Option<&str>) {
    (err.status(), err.code())
}

/// The code that goes with a refusal status.
fn code_of(status: u16) -> &'static str {
    match status {
        403 => "forbidden",
        404 => "not_found",
        412 => "precondition_failed",
        _ => "?",
    }
}

db_test!(
    contacts_are_changed_and_deleted_by_those_who_may_write_the_record,
    contact_writes
);
async fn contact_writes(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let c = callers(&app, &admin, Role::County).await;
    let record = c
        .owner
        .investors()
        .create(&investor("柯城客商"))
        .await
        .expect("record");
    let contact = c
        .owner
        .investor_contacts(&record.id)
        .create(&ContactFields {
            name: "张三".into(),
            title: Some("总经理".into()),
            ..ContactFields::default()
        })
        .await
        .expect("contact");

    for (who, client, status) in &c.denied {
        let contacts = client.investor_contacts(&record.id);
        let expected = (Some(*status), Some(code_of(*status)));
        let err = contacts
            .update(&contact.id, &json!({"title": "篡改"}), None)
            .await
            .expect_err(who);
        assert_eq!(refusal(&err), expected, "{who}: PATCH: {err:?}");
        let err = contacts.delete(&contact.id, None).await.expect_err(who);
        assert_eq!(refusal(&err), expected, "{who}: DELETE: {err:?}");
    }
    let listed = c
        .owner
        .investor_contacts(&record.id)
        .list()
        .await
        .expect("list")
        .items;
    assert_eq!(
        listed,
        std::slice::from_ref(&contact),
        "unchanged by the refused calls"
    );

    // The owner, then the bureau, change it; a DELETE naming a stale version is refused; a
    // colleague in the owner's organisation deletes it.
    let contacts = c.owner.investor_contacts(&record.id);
    let changed = contacts
        .update(&contact.id, &json!({"title": "董事长"}), Some(1))
        .await
        .expect("the owner changes it");
    assert_eq!(
        (changed.version, changed.fields.title.as_deref()),
        (2, Some("董事长"))
    );
    let changed = c
        .bureau
        .investor_contacts(&record.id)
        .update(&contact.id, &json!({"notes": "招商局备注"}), Some(2))
        .await
        .expect("the bureau changes it");
    assert_eq!(changed.version, 3);
    let err = contacts
        .delete(&contact.id, Some(2))
        .await
        .expect_err("stale");
    assert_eq!(refusal(&err), (Some(412), Some("precondition_failed")));
    assert_eq!(
        contacts.list().await.expect("list").items,
        std::slice::from_ref(&changed),
        "still there after the stale DELETE"
    );
    let path = format!("/api/v1/investors/{}/contacts/{}", record.id, contact.id);
    malformed_if_match_refused(&app, &c.owner, &path).await;
    assert_eq!(
        contacts.list().await.expect("list").items,
        [changed],
        "unchanged by the malformed If-Match"
    );
    let theirs = c.colleague.investor_contacts(&record.id);
    theirs
        .delete(&contact.id, Some(3))
        .await
        .expect("a colleague deletes it");
    assert!(contacts.list().await.expect("list").items.is_empty());
    let err = theirs.delete(&contact.id, None).await.expect_err("gone");
    assert_eq!(
        refusal(&err),
        (Some(404), Some("not_found")),
        "DELETE again"
    );
    let err = theirs
        .update(&contact.id, &json!({"title": "x"}), None)
        .await
        .expect_err("gone");
    assert_eq!(refusal(&err), (Some(404), Some("not_found")), "PATCH gone");
}

/// PATCH and DELETE of `path` with `If-Match: abc` are 400 `invalid_if_match`.
async fn malformed_if_match_refused(app: &TestApp, owner: &Client, path: &str) {
    for method in [Method::PATCH, Method::DELETE] {
        let mut req = app
            .request_as(owner, method.clone(), path)
            .await
            .header("if-match", "abc");
        if method == Method::PATCH {
            req = req.json(&json!({"notes": "不该写入"}));
        }
        let (status, problem) = answer(req).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_if_match")),
            "{method} {path} with If-Match: abc: {problem}"
        );
    }
}

db_test!(
    chain_nodes_are_changed_and_deleted_by_those_who_may_write_the_industry,
    chain_node_writes
);
async fn chain_node_writes(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let c = callers(&app, &admin, Role::Department).await;
    let industry = c
        .owner
        .industries()
        .create(&IndustryFields {
            name: "新能源装备".into(),
            industry_codes: vec!["38".into()],
            ..IndustryFields::default()
        })
        .await
        .expect("industry");
    let node = c
        .owner
        .create_chain_node(
            &industry.id,
            &ChainNodeFields {
                name: "锂电池".into(),
                position: NodePosition::Midstream,
                parent_id: None,
                key_products: vec![],
                notes: None,
            },
        )
        .await
        .expect("node");

    for (who, client, status) in &c.denied {
        let expected = (Some(*status), Some(code_of(*status)));
        let err = client
            .update_chain_node(&node.id, &json!({"notes": "篡改"}), None)
            .await
            .expect_err(who);
        assert_eq!(refusal(&err), expected, "{who}: PATCH: {err:?}");
        let err = client
            .delete_chain_node(&node.id, None)
            .await
            .expect_err(who);
        assert_eq!(refusal(&err), expected, "{who}: DELETE: {err:?}");
    }
    let read = c.owner.get_chain_node(&node.id).await.expect("node");
    assert_eq!(read, node, "unchanged by the refused calls");

    // The owner, then the bureau, change it; a DELETE naming a stale version is refused; a
    // colleague in the owner's organisation deletes it.
    let changed = c
        .owner
        .update_chain_node(&node.id, &json!({"notes": "重点补链"}), Some(1))
        .await
        .expect("the owner changes it");
    assert_eq!(
        (changed.version, changed.fields.notes.as_deref()),
        (2, Some("重点补链"))
    );
    let changed = c
        .bureau
        .update_chain_node(&node.id, &json!({"key_products": ["磷酸铁锂"]}), Some(2))
        .await
        .expect("the bureau changes it");
    assert_eq!(changed.version, 3);
    let err = c
        .owner
        .delete_chain_node(&node.id, Some(2))
        .await
        .expect_err("stale");
    assert_eq!(refusal(&err), (Some(412), Some("precondition_failed")));
    assert_eq!(
        c.owner.get_chain_node(&node.id).await.expect("node"),
        changed,
        "still there after the stale DELETE"
    );
    malformed_if_match_refused(&app, &c.owner, &format!("/api/v1/chain-nodes/{}", node.id)).await;
    assert_eq!(
        c.owner.get_chain_node(&node.id).await.expect("node"),
        changed,
        "unchanged by the malformed If-Match"
    );
    c.colleague
        .delete_chain_node(&node.id, Some(3))
        .await
        .expect("a colleague deletes it");
    for (what, err) in [
        (
            "GET",
            c.owner.get_chain_node(&node.id).await.expect_err("gone"),
        ),
        (
            "DELETE again",
            c.owner
                .delete_chain_node(&node.id, None)
                .await
                .expect_err("gone"),
        ),
    ] {
        assert_eq!(refusal(&err), (Some(404), Some("not_found")), "{what}");
    }
    let tree = c.owner.chain(&industry.id).await.expect("chain");
    assert!(tree.nodes.is_empty(), "gone from the chain: {tree:?}");
}

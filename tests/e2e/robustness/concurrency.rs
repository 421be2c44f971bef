//! Changes sent at once without `If-Match`: they take turns and all apply.

use super::*;

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

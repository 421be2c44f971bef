//! Records: create with normalisation, validation, duplicates, merge patches with versions,
//! soft delete and restore, for investors and for every resource alike.

use futures_util::TryStreamExt as _;
use serde_json::json;
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::{Client, Collection};
use zhaoshang_e2e::{TestApp, credit_code, db_test};
use zhaoshang_types::{
    AgencyFields, EnterpriseFields, IndustryFields, Investor, InvestorFields, InvestorStatus,
    LibraryQuery, Priority, Record, Role, TargetRegionFields,
};

use super::{enterprise, investor, problem_field};

db_test!(
    investors_lifecycle_validation_and_duplicates,
    investors_lifecycle
);
async fn investors_lifecycle(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let code = credit_code(1);
    let created = create_normalised(&admin, &code).await;
    validation_names_the_field(&app, &admin).await;
    duplicates_are_refused_or_hinted(&admin, &created, &code).await;
    let cleared = merge_patches(&admin, &created).await;
    soft_delete_and_restore(&app, &admin, &created, cleared.version).await;
}

/// A created investor is normalised (country upper case, tags trimmed and deduplicated) and
/// owned by its creator's organisation.
async fn create_normalised(admin: &Client, code: &str) -> Investor {
    let created = admin
        .investors()
        .create(&InvestorFields {
            credit_code: Some(code.to_owned()),
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
    created
}

/// Validation names the field and says what is wrong; an unknown field is named too.
async fn validation_names_the_field(app: &TestApp, admin: &Client) {
    let cases = [
        (
            InvestorFields {
                credit_code: Some("91350100M000100Y4Z".into()),
                ..investor("x")
            },
            "credit_code",
            "invalid_credit_code",
            Some("should be '3'"),
        ),
        (
            InvestorFields {
                region_code: Some("339999".into()),
                ..investor("x")
            },
            "region_code",
            "invalid_region_code",
            None,
        ),
        (
            InvestorFields {
                industry_codes: vec!["26".into(), "9999".into()],
                ..investor("x")
            },
            "industry_codes[1]",
            "invalid_industry_code",
            None,
        ),
        (
            InvestorFields {
                country: Some("China".into()),
                ..investor("x")
            },
            "country",
            "invalid_country",
            None,
        ),
        (investor("  "), "name", "required", None),
        (
            InvestorFields {
                fortune500_rank: Some(501),
                ..investor("x")
            },
            "fortune500_rank",
            "out_of_range",
            None,
        ),
    ];
    for (fields, field, code, message) in cases {
        let err = admin.investors().create(&fields).await.expect_err(field);
        assert_eq!(
            problem_field(&err),
            (field.to_owned(), code.to_owned()),
            "{field}"
        );
        if let Some(message) = message {
            assert!(
                err.problem()
                    .is_some_and(|p| p.errors[0].message.contains(message)),
                "{field}: {err}"
            );
        }
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
}

/// The same credit code → 409 with the existing id; a look-alike name → `possible_duplicates`.
async fn duplicates_are_refused_or_hinted(admin: &Client, created: &Investor, code: &str) {
    let investors = admin.investors();
    let err = investors
        .create(&InvestorFields {
            credit_code: Some(code.to_owned()),
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
}

/// Merge patch with If-Match; a stale version → 412; `null` clears. Returns the last version.
async fn merge_patches(admin: &Client, created: &Investor) -> Investor {
    let investors = admin.investors();
    let changed = investors
        .save(
            created,
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
    cleared
}

/// Soft delete: hidden from lists and from those who do not see deleted records, restorable.
/// (That the credit code is free while the record is deleted: see
/// `a_deleted_records_credit_code_is_free_and_its_restore_conflicts`.)
async fn soft_delete_and_restore(app: &TestApp, admin: &Client, created: &Investor, version: i64) {
    let investors = admin.investors();
    investors
        .delete(&created.id, Some(version))
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
    let (_, county) = app.user_with_role(admin, Role::County).await;
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
    let with_deleted = LibraryQuery {
        include_deleted: Some(true),
        ..LibraryQuery::default()
    };
    let listed = investors.list(&with_deleted).await.expect("list");
    assert!(listed.items.iter().any(|r| r.id == created.id));
    assert_eq!(
        county
            .investors()
            .list(&with_deleted)
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

db_test!(
    a_deleted_records_credit_code_is_free_and_its_restore_conflicts,
    credit_code_free_while_deleted
);
/// A credit code is unique among live records only: once A is deleted, B may take its code;
/// restoring A would then make two live records with one code, and is refused (409) with B
/// named, A staying deleted.
async fn credit_code_free_while_deleted(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    code_freed_then_restore_conflicts(
        "investor",
        admin.investors(),
        InvestorFields {
            credit_code: Some(credit_code(501)),
            ..investor("先注销客商")
        },
        InvestorFields {
            credit_code: Some(credit_code(501)),
            ..investor("后登记客商")
        },
    )
    .await;
    code_freed_then_restore_conflicts(
        "enterprise",
        admin.enterprises(),
        EnterpriseFields {
            credit_code: Some(credit_code(502)),
            ..enterprise("先注销企业", "330802", &["2614"], true)
        },
        EnterpriseFields {
            credit_code: Some(credit_code(502)),
            ..enterprise("后登记企业", "330803", &["2614"], true)
        },
    )
    .await;
}

/// Creates `a`, deletes it, creates `b` (holding `a`'s credit code), and restores `a`.
async fn code_freed_then_restore_conflicts<T>(label: &str, col: Collection<'_, T>, a: T, b: T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + Clone + PartialEq + std::fmt::Debug,
{
    let a = col
        .create(&a)
        .await
        .unwrap_or_else(|e| panic!("{label}: create A: {e}"));
    col.delete(&a.id, Some(a.version))
        .await
        .unwrap_or_else(|e| panic!("{label}: delete A: {e}"));
    let b = col
        .create(&b)
        .await
        .unwrap_or_else(|e| panic!("{label}: B takes the code of the deleted A: {e}"));
    let err = col
        .restore(&a.id)
        .await
        .expect_err("restoring A would give two live records one credit code");
    assert_eq!(
        (err.status(), err.code()),
        (Some(409), Some("conflict")),
        "{label}: {err:?}"
    );
    assert_eq!(
        err.problem().and_then(|p| p.existing_id.clone()),
        Some(b.id.clone()),
        "{label}: the conflict names the live holder of the code"
    );
    let still: Record<T> = col.get(&a.id).await.expect("admins see deleted records");
    assert!(
        still.deleted_at.is_some() && still.version == a.version + 1,
        "{label}: A stays deleted and unchanged: {still:?}"
    );
}

/// Create, read, update, a stale update (412), delete (hidden from lists), restore — for one
/// resource through its SDK collection.
async fn lifecycle<T>(
    label: &str,
    col: Collection<'_, T>,
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

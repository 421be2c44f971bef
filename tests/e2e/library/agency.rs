//! Agency isolation: an agency user sees and changes only the records its agency brought, its
//! own profile and its contacts, and the statistics of its own agency.

use futures_util::TryStreamExt as _;
use serde_json::json;
use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{TestApp, db_test};
use zhaoshang_types::{
    ContactFields, EnterpriseFields, IndustryFields, InvestorFields, LibraryQuery, Role,
};

use super::{agency_user, investor, problem_field};

db_test!(
    agencies_see_and_change_only_their_own_records,
    agency_isolation
);
async fn agency_isolation(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (mine_id, mine) = agency_user(&app, &admin, "上海某招商咨询").await;
    let (theirs_id, theirs) = agency_user(&app, &admin, "杭州某商会").await;
    let own_id = only_own_records(&admin, &mine, &mine_id, &theirs, &theirs_id).await;
    only_own_profile(&admin, &mine, &mine_id, &theirs_id).await;
    agency_contacts(&app, &admin, &mine, &mine_id, &theirs_id).await;
    // Stats of the agency.
    mine.investors()
        .update(&own_id, &json!({"status": "invested"}), None)
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

/// The agency lists only the investor it created (its source implied), cannot read, change or
/// list the contacts of another's, and cannot name another agency as the source. Returns the
/// id of its own investor.
async fn only_own_records(
    admin: &Client,
    mine: &Client,
    mine_id: &str,
    theirs: &Client,
    theirs_id: &str,
) -> String {
    let own = mine
        .investors()
        .create(&investor("沪上客商"))
        .await
        .expect("agency creates");
    assert_eq!(
        own.fields.source_agency_id.as_deref(),
        Some(mine_id),
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
    for (whose, id) in [
        ("another agency's", &foreign.id),
        ("the bureau's", &bureau_owned.id),
    ] {
        let answers = [
            ("get", mine.investors().get(id).await.err()),
            (
                "update",
                mine.investors()
                    .update(id, &json!({"notes": "x"}), None)
                    .await
                    .err(),
            ),
            ("contacts", mine.investor_contacts(id).list().await.err()),
        ];
        for (op, err) in answers {
            assert_eq!(
                err.and_then(|e| e.status()),
                Some(404),
                "{op} of {whose} record is invisible"
            );
        }
    }
    let err = mine
        .investors()
        .create(&InvestorFields {
            source_agency_id: Some(theirs_id.to_owned()),
            ..investor("冒名")
        })
        .await
        .expect_err("spoof");
    assert_eq!(
        problem_field(&err),
        ("source_agency_id".into(), "forbidden_source".into())
    );
    own.id
}

/// Only its own agency profile; no industries; cannot create them.
async fn only_own_profile(admin: &Client, mine: &Client, mine_id: &str, theirs_id: &str) {
    assert_eq!(
        mine.agencies().get(mine_id).await.expect("own profile").id,
        mine_id
    );
    assert_eq!(
        mine.agencies()
            .get(theirs_id)
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
}

/// Its own profile's contacts in full; another agency's are invisible; a reader sees them
/// masked.
async fn agency_contacts(
    app: &TestApp,
    admin: &Client,
    mine: &Client,
    mine_id: &str,
    theirs_id: &str,
) {
    let c = mine
        .agency_contacts(mine_id)
        .create(&ContactFields {
            name: "陈敏".into(),
            phone: Some("13916001234".into()),
            ..ContactFields::default()
        })
        .await
        .expect("own agency contact");
    assert!(!c.masked);
    assert_eq!(
        mine.agency_contacts(theirs_id)
            .list()
            .await
            .expect_err("other agency")
            .status(),
        Some(404)
    );
    let (_, reader) = app.user_with_role(admin, Role::Reader).await;
    let seen = reader
        .agency_contacts(mine_id)
        .list()
        .await
        .expect("reader");
    assert_eq!(seen.items[0].fields.phone.as_deref(), Some("139****1234"));
}

db_test!(
    only_the_bureau_names_a_records_source_agency,
    source_agency_on_create
);
/// A department, county or zone user who names an agency as the source of a new record is
/// refused (`forbidden_source`): the source would open the record and its contacts to that
/// agency. Nothing is created, and the agency sees nothing. The bureau may name one.
async fn source_agency_on_create(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let (agency_id, agency) = agency_user(&app, &admin, "宁波某投资顾问").await;
    for role in [Role::Department, Role::County, Role::Zone] {
        let (_, user) = app.user_with_role(&admin, role).await;
        let investor_err = user
            .investors()
            .create(&InvestorFields {
                source_agency_id: Some(agency_id.clone()),
                ..investor(&format!("{} 的客商", role.as_str()))
            })
            .await
            .expect_err("a source named by a department, county or zone");
        let enterprise_err = user
            .enterprises()
            .create(&EnterpriseFields {
                name: format!("{} 的企业", role.as_str()),
                source_agency_id: Some(agency_id.clone()),
                ..EnterpriseFields::default()
            })
            .await
            .expect_err("a source named by a department, county or zone");
        for (what, err) in [("investor", investor_err), ("enterprise", enterprise_err)] {
            assert_eq!(err.status(), Some(422), "{what} by {role:?}");
            assert_eq!(
                problem_field(&err),
                ("source_agency_id".into(), "forbidden_source".into()),
                "{what} by {role:?}"
            );
        }
    }
    let all = LibraryQuery {
        include_deleted: Some(true),
        ..LibraryQuery::default()
    };
    assert!(
        admin
            .investors()
            .list(&all)
            .await
            .expect("list")
            .items
            .is_empty()
    );
    assert!(
        admin
            .enterprises()
            .list(&all)
            .await
            .expect("list")
            .items
            .is_empty()
    );
    let by_bureau = admin
        .investors()
        .create(&InvestorFields {
            source_agency_id: Some(agency_id.clone()),
            ..investor("局里登记的客商")
        })
        .await
        .expect("the bureau names the source");
    let seen = agency
        .investors()
        .list(&LibraryQuery::default())
        .await
        .expect("agency list");
    assert_eq!(
        seen.items.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [by_bureau.id.as_str()]
    );
}

//! Lists exported as CSV for Excel: the same filters as the JSON list, a BOM, list fields
//! joined, and `Accept: text/csv`; a format other than `json` or `csv` is named.

use reqwest::Method;
use zhaoshang_api::testing::TestDb;
use zhaoshang_e2e::{TestApp, answer, db_test};
use zhaoshang_types::{AgencyFields, EnterpriseFields, LibraryQuery};

use super::{enterprise, investor};

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
    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("a {name} column: {headers:?}"))
    };
    let rows: Vec<::csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 1, "the same filters as the JSON list");
    for (name, value) in [
        ("name", "衢州某氟材料, 有限公司"),
        ("main_products", "萤石;氢氟酸"),
    ] {
        assert_eq!(&rows[0][column(name)], value, "{name}");
    }
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

db_test!(an_unknown_export_format_is_named, unknown_format);
async fn unknown_format(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let investor = admin
        .investors()
        .create(&investor("某客商"))
        .await
        .expect("investor");
    let agency = admin
        .agencies()
        .create(&AgencyFields {
            name: "某商会".into(),
            ..AgencyFields::default()
        })
        .await
        .expect("agency");
    let mut paths: Vec<String> = [
        "investors",
        "agencies",
        "target-regions",
        "industries",
        "enterprises",
    ]
    .iter()
    .map(|p| format!("/api/v1/{p}"))
    .collect();
    paths.push(format!("/api/v1/investors/{}/contacts", investor.id));
    paths.push(format!("/api/v1/agencies/{}/contacts", agency.id));
    for path in paths {
        for format in ["xlsx", "xml"] {
            let case = format!("GET {path}?format={format}");
            let req = app
                .request_as(&admin, Method::GET, &format!("{path}?format={format}"))
                .await;
            let (status, problem) = answer(req).await;
            assert_eq!(
                (
                    status,
                    problem["code"].as_str(),
                    problem["errors"][0]["field"].as_str()
                ),
                (422, Some("validation_failed"), Some("format")),
                "{case}: {problem}"
            );
        }
    }
}

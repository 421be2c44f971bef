//! Lists exported as CSV for Excel: the same filters as the JSON list, a BOM, list fields
//! joined, and `Accept: text/csv`.

use zhaoshang_api::testing::TestDb;
use zhaoshang_e2e::{TestApp, db_test};
use zhaoshang_types::{EnterpriseFields, LibraryQuery};

use super::enterprise;

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

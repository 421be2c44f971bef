//! The library's CSV exports (written through `core::csv`: byte-order mark, no formulas).

use actix_web::HttpResponse;
use actix_web::http::header;
use serde_json::{Map, Value};
use zhaoshang_types::Contact;

use crate::core::csv;
use crate::library::Resource;
use crate::library::store::ListRow;

/// Every listed record, one line each, the resource's fields as columns.
pub fn records_csv<R: Resource>(rows: Vec<ListRow>, truncated: bool) -> HttpResponse {
    let mut out = csv::writer();
    let mut header = vec!["id", "version", "created_at", "updated_at", "deleted_at"];
    header.extend(R::FIELDS.iter().copied());
    let _ = out.write_record(&header);
    for row in rows {
        let data: Map<String, Value> = serde_json::from_str(&row.data).unwrap_or_default();
        let mut line = vec![
            row.id.clone(),
            row.version.to_string(),
            row.created_at.0.and_utc().to_rfc3339(),
            row.updated_at.0.and_utc().to_rfc3339(),
            row.deleted_at
                .map(|d| d.0.and_utc().to_rfc3339())
                .unwrap_or_default(),
        ];
        for field in R::FIELDS {
            line.push(csv_cell(data.get(*field).unwrap_or(&Value::Null)));
        }
        let _ = csv::write_line(&mut out, &line);
    }
    let body = out.into_inner().unwrap_or_default();
    let mut res = HttpResponse::Ok();
    res.content_type("text/csv; charset=utf-8").insert_header((
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{}.csv\"", R::PATH),
    ));
    if truncated {
        res.insert_header((EXPORT_TRUNCATED, "true"));
    }
    res.body(body)
}

/// Set (`true`) on an export that holds the first [`MAX_EXPORT`](crate::library::service::records::MAX_EXPORT)
/// of more matching rows: narrow the filter, or page through the JSON list.
pub const EXPORT_TRUNCATED: &str = "export-truncated";

fn csv_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    }
}

/// A record's contacts, as shown to the caller (masked or not).
pub fn contacts_csv(items: &[Contact]) -> HttpResponse {
    let mut out = csv::writer();
    let _ = out.write_record([
        "id",
        "record_id",
        "name",
        "title",
        "phone",
        "email",
        "wechat",
        "notes",
        "masked",
    ]);
    for c in items {
        let f = &c.fields;
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let _ = csv::write_line(
            &mut out,
            [
                c.id.clone(),
                c.record_id.clone(),
                f.name.clone(),
                opt(&f.title),
                opt(&f.phone),
                opt(&f.email),
                opt(&f.wechat),
                opt(&f.notes),
                c.masked.to_string(),
            ],
        );
    }
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .body(out.into_inner().unwrap_or_default())
}

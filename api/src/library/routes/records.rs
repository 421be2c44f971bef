//! The library's handlers, written once for every resource (investors, agencies, target
//! regions, industries, enterprises): parse, call the service, shape the answer. The routes in
//! `library::routes` wire them to paths with their OpenAPI descriptions.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;
use zhaoshang_types::{BatchResult, LibraryQuery, Page};

use super::csv::{contacts_csv, records_csv};
use crate::core::auth::Principal;
use crate::core::error::ApiError;
use crate::core::http::{created, etag, if_match, ok_versioned};
use crate::library::Library;
use crate::library::Resource;
use crate::library::service::records::{self as service, Listed};
use crate::library::service::{contacts, sync};
use crate::library::store::ListRow;

/// `GET /{resources}`: a page as JSON, or every matching row as CSV.
pub async fn list<R: Resource>(
    lib: &Library,
    p: &Principal,
    req: &HttpRequest,
    query: LibraryQuery,
) -> Result<HttpResponse, ApiError> {
    let csv = wants_csv(req, query.format.as_deref())?;
    match service::list::<R>(lib, p, query, csv).await? {
        Listed::All { rows, truncated } => Ok(records_csv::<R>(rows, truncated)),
        Listed::Page { rows, next_cursor } => Ok(HttpResponse::Ok()
            .insert_header(header::ContentType::json())
            .body(page_json(&rows, next_cursor.as_deref())?)),
    }
}

/// Whether the caller asked for CSV: `?format=csv`, or `Accept: text/csv` without a format.
fn wants_csv(req: &HttpRequest, format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ApiError::invalid_field(
            "format",
            "invalid_value",
            format!("format {other:?} is not json or csv"),
        )),
        None => Ok(accepts_csv(req)),
    }
}

/// A [`Page`] of records as JSON, each record's stored fields spliced in.
fn page_json(rows: &[ListRow], next_cursor: Option<&str>) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(64 + rows.iter().map(|r| r.data.len() + 256).sum::<usize>());
    out.extend_from_slice(b"{\"items\":[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        row.write_wire_json(&mut out)?;
    }
    out.extend_from_slice(b"],\"next_cursor\":");
    serde_json::to_writer(&mut out, &next_cursor).map_err(ApiError::internal)?;
    out.push(b'}');
    Ok(out)
}

fn accepts_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().starts_with("text/csv")))
}

/// `GET /{resources}/{id}`.
pub async fn get<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
) -> Result<HttpResponse, ApiError> {
    let row = service::get::<R>(lib, p, id).await?;
    let mut body = Vec::with_capacity(row.data.len() + 256);
    row.write_wire_json(&mut body)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row.version)))
        .insert_header(header::ContentType::json())
        .body(body))
}

/// `POST /{resources}`.
pub async fn create<R: Resource>(
    lib: &Library,
    p: &Principal,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    let record = service::create::<R>(lib, p, body).await?;
    Ok(created(
        format!("/api/v1/{}/{}", R::PATH, record.id),
        &record,
    ))
}

/// `PATCH /{resources}/{id}`: a JSON merge patch of the fields.
pub async fn update<R: Resource>(
    lib: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
    patch: Value,
) -> Result<HttpResponse, ApiError> {
    let record = service::update::<R>(lib, p, id, if_match(req)?, patch).await?;
    Ok(ok_versioned(&record))
}

/// `DELETE /{resources}/{id}` (soft: the record is hidden; its children and links stay).
pub async fn delete<R: Resource>(
    lib: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
) -> Result<HttpResponse, ApiError> {
    service::delete::<R>(lib, p, id, if_match(req)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /{resources}/{id}/restore` (admin and bureau).
pub async fn restore<R: Resource>(
    lib: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
) -> Result<HttpResponse, ApiError> {
    let record = service::restore::<R>(lib, p, id, if_match(req)?).await?;
    Ok(ok_versioned(&record))
}

/// `PUT /{resources}:batch`: upserts up to 1,000 records keyed by (`source_agency_id`,
/// `external_id`), all or nothing.
pub async fn batch<R: Resource>(
    lib: &Library,
    p: &Principal,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    let results = sync::batch::<R>(lib, p, body).await?;
    Ok(HttpResponse::Ok().json(BatchResult { results }))
}

/// `GET /{resources}/{id}/contacts`: masked unless the caller is entitled (JSON or CSV).
pub async fn list_contacts<R: Resource>(
    lib: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
    format: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let csv = wants_csv(req, format.as_deref())?;
    let items = contacts::list_contacts::<R>(lib, p, id).await?;
    if csv {
        return Ok(contacts_csv(&items));
    }
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// `POST /{resources}/{id}/contacts`.
pub async fn create_contact<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    let contact = contacts::create_contact::<R>(lib, p, id, body).await?;
    Ok(created(
        format!(
            "/api/v1/{}/{}/contacts/{}",
            R::PATH,
            contact.record_id,
            contact.id
        ),
        &contact,
    ))
}

/// `PATCH /{resources}/{id}/contacts/{contact_id}` (merge patch).
pub async fn update_contact<R: Resource>(
    lib: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
    contact_id: String,
    patch: Value,
) -> Result<HttpResponse, ApiError> {
    let contact =
        contacts::update_contact::<R>(lib, p, id, contact_id, if_match(req)?, patch).await?;
    Ok(ok_versioned(&contact))
}

/// `DELETE /{resources}/{id}/contacts/{contact_id}` (soft).
pub async fn delete_contact<R: Resource>(
    lib: &Library,
    p: &Principal,
    req: &HttpRequest,
    id: String,
    contact_id: String,
) -> Result<HttpResponse, ApiError> {
    contacts::delete_contact::<R>(lib, p, id, contact_id, if_match(req)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

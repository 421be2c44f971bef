//! `/api/v1/reference/…`: the GB/T 2260 divisions and GB/T 4754-2017 industry codes the server
//! validates against (read-only).

use actix_web::{get, web};
use zhaoshang_types::Page;
use zhaoshang_types::reference::{Division, DivisionQuery, IndustryCode, IndustryCodeQuery};

use crate::core::auth::Principal;
use crate::core::error::ApiError;
use crate::core::http::{decode_cursor, encode_cursor, page_limit};
use crate::core::reference;

fn page<T: Clone>(
    rows: Vec<&T>,
    key: impl Fn(&T) -> &str,
    after: Option<String>,
    limit: i64,
) -> Page<T> {
    let start = after.map_or(0, |a| {
        rows.iter()
            .position(|r| key(r) == a)
            .map_or(rows.len(), |i| i + 1)
    });
    let limit = usize::try_from(limit).unwrap_or(50);
    let items: Vec<T> = rows
        .iter()
        .skip(start)
        .take(limit)
        .map(|r| (*r).clone())
        .collect();
    let next_cursor = (start + limit < rows.len())
        .then(|| items.last().map(|r| encode_cursor(key(r))))
        .flatten();
    Page { items, next_cursor }
}

/// Administrative divisions: search by code prefix or Chinese name, or list a division's
/// children. 行政区划查询。
#[utoipa::path(tag = "reference", params(DivisionQuery), responses((status = 200, body = Page<Division>)))]
#[get("/reference/divisions")]
pub async fn divisions(
    _p: Principal,
    query: web::Query<DivisionQuery>,
) -> Result<web::Json<Page<Division>>, ApiError> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let rows: Vec<&Division> = reference::get()
        .divisions
        .iter()
        .filter(|d| {
            query
                .parent
                .as_deref()
                .is_none_or(|p| d.parent_code.as_deref() == Some(p))
        })
        .filter(|d| q.is_none_or(|q| d.code.starts_with(q) || d.name.contains(q)))
        .collect();
    Ok(web::Json(page(rows, |d| &d.code, after, limit)))
}

/// Industry codes: search by code prefix or Chinese name, by level, or list a code's children.
/// 国民经济行业分类查询。
#[utoipa::path(tag = "reference", params(IndustryCodeQuery), responses((status = 200, body = Page<IndustryCode>)))]
#[get("/reference/industry-codes")]
pub async fn industry_codes(
    _p: Principal,
    query: web::Query<IndustryCodeQuery>,
) -> Result<web::Json<Page<IndustryCode>>, ApiError> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    if query.level.is_some_and(|l| !(1..=4).contains(&l)) {
        return Err(ApiError::invalid_field(
            "level",
            "out_of_range",
            "level is 1 (门类) to 4 (小类)",
        ));
    }
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let rows: Vec<&IndustryCode> = reference::get()
        .industries
        .iter()
        .filter(|c| {
            query
                .parent
                .as_deref()
                .is_none_or(|p| c.parent_code.as_deref() == Some(p))
        })
        .filter(|c| query.level.is_none_or(|l| c.level == l))
        .filter(|c| q.is_none_or(|q| c.code.starts_with(&q.to_uppercase()) || c.name.contains(q)))
        .collect();
    Ok(web::Json(page(rows, |c| &c.code, after, limit)))
}

//! Industry chains (nodes, the chain tree, gap analysis), supply links between enterprises,
//! and agency statistics: the handlers.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde_json::Value;
use zhaoshang_types::{AgencyStats, ChainGaps, ChainNode, ChainTree, Page, SupplyLink};

use crate::core::auth::Principal;
use crate::core::error::ApiError;
use crate::core::extract::ApiJson;
use crate::core::http::{created, if_match, ok_versioned};
use crate::library::Library;
use crate::library::service::chains as service;

/// Add a node to an industry's chain. 新增产业链环节。
#[utoipa::path(tag = "industries", params(("id" = String, Path, description = "Industry id")),
    request_body = super::bodies::NewChainNode, responses((status = 201, body = ChainNode)))]
#[post("/{id}/nodes")]
pub async fn create_node(
    lib: web::Data<Library>,
    p: Principal,
    id: web::Path<String>,
    body: ApiJson<Value>,
) -> Result<HttpResponse, ApiError> {
    let node = service::create_node(&lib, &p, id.into_inner(), body.0).await?;
    Ok(created(format!("/api/v1/chain-nodes/{}", node.id), &node))
}

/// Read a chain node. 查看产业链环节。
#[utoipa::path(tag = "industries", params(("id" = String, Path)), responses((status = 200, body = ChainNode)))]
#[get("/{id}")]
pub async fn get_node(
    lib: web::Data<Library>,
    p: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let node = service::get_node(&lib, &p, id.into_inner()).await?;
    Ok(ok_versioned(&node))
}

/// Change a chain node (merge patch, `If-Match`). 修改产业链环节。
#[utoipa::path(tag = "industries",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body(content = super::bodies::ChainNodePatch, content_type = "application/merge-patch+json"),
    responses((status = 200, body = ChainNode)))]
#[patch("/{id}")]
pub async fn update_node(
    lib: web::Data<Library>,
    p: Principal,
    req: HttpRequest,
    id: web::Path<String>,
    body: ApiJson<Value>,
) -> Result<HttpResponse, ApiError> {
    let node = service::update_node(&lib, &p, id.into_inner(), if_match(&req)?, body.0).await?;
    Ok(ok_versioned(&node))
}

/// Delete a chain node (soft; refused while it has live child nodes). 删除产业链环节。
#[utoipa::path(tag = "industries",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    responses((status = 204, description = "Deleted"),
              (status = 409, description = "It has child nodes", body = zhaoshang_types::Problem, content_type = "application/problem+json")))]
#[delete("/{id}")]
pub async fn delete_node(
    lib: web::Data<Library>,
    p: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    service::delete_node(&lib, &p, id.into_inner(), if_match(&req)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The chain as a tree: per node the counts of local and external enterprises and the leading
/// enterprises. 产业链图谱。
#[utoipa::path(tag = "industries", params(("id" = String, Path, description = "Industry id")),
    responses((status = 200, body = ChainTree)))]
#[get("/{id}/chain")]
pub async fn chain(
    lib: web::Data<Library>,
    p: Principal,
    id: web::Path<String>,
) -> Result<web::Json<ChainTree>, ApiError> {
    Ok(web::Json(service::chain(&lib, &p, id.into_inner()).await?))
}

/// Gap analysis: nodes with no local enterprise and the external enterprises known there
/// (补链), and the non-local suppliers and customers of local leading enterprises (延链/强链).
/// 缺链分析。
#[utoipa::path(tag = "industries", params(("id" = String, Path, description = "Industry id")),
    responses((status = 200, body = ChainGaps)))]
#[get("/{id}/gaps")]
pub async fn gaps(
    lib: web::Data<Library>,
    p: Principal,
    id: web::Path<String>,
) -> Result<web::Json<ChainGaps>, ApiError> {
    Ok(web::Json(service::gaps(&lib, &p, id.into_inner()).await?))
}

/// Supply links in which the enterprise takes part. 供应关系。
#[utoipa::path(tag = "enterprises", params(("id" = String, Path)), responses((status = 200, body = Page<SupplyLink>)))]
#[get("/{id}/links")]
pub async fn list_links(
    lib: web::Data<Library>,
    p: Principal,
    id: web::Path<String>,
) -> Result<web::Json<Page<SupplyLink>>, ApiError> {
    Ok(web::Json(Page {
        items: service::list_links(&lib, &p, id.into_inner()).await?,
        next_cursor: None,
    }))
}

/// Add a supply link; the enterprise must be the supplier or the customer. 新增供应关系。
#[utoipa::path(tag = "enterprises", params(("id" = String, Path)), request_body = super::bodies::NewSupplyLink,
    responses((status = 201, body = SupplyLink)))]
#[post("/{id}/links")]
pub async fn create_link(
    lib: web::Data<Library>,
    p: Principal,
    id: web::Path<String>,
    body: ApiJson<Value>,
) -> Result<HttpResponse, ApiError> {
    Ok(
        HttpResponse::Created()
            .json(service::create_link(&lib, &p, id.into_inner(), body.0).await?),
    )
}

/// Remove a supply link (soft). 删除供应关系。
#[utoipa::path(tag = "enterprises", params(("id" = String, Path), ("link_id" = String, Path)),
    responses((status = 204, description = "Deleted")))]
#[delete("/{id}/links/{link_id}")]
pub async fn delete_link(
    lib: web::Data<Library>,
    p: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, link_id) = path.into_inner();
    service::delete_link(&lib, &p, id, link_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Investors an agency brought, by status, and its enterprises. 中介机构引荐统计。
#[utoipa::path(tag = "agencies", params(("id" = String, Path)), responses((status = 200, body = AgencyStats)))]
#[get("/{id}/stats")]
pub async fn agency_stats(
    lib: web::Data<Library>,
    p: Principal,
    id: web::Path<String>,
) -> Result<web::Json<AgencyStats>, ApiError> {
    Ok(web::Json(
        service::agency_stats(&lib, &p, id.into_inner()).await?,
    ))
}

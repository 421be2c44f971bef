//! The library's routes: the same seven operations for each resource, wired to the generic
//! handlers in `routes::library`, each with its OpenAPI description.

use actix_web::{HttpRequest, HttpResponse, put, web};
use zhaoshang_types::{
    AgencyFields, BatchResult, EnterpriseFields, IndustryFields, InvestorFields, LibraryQuery,
    Page, Record, TargetRegionFields,
};

pub mod bodies;
pub mod chains;
pub mod csv;
pub mod records;
pub mod reference;

use crate::core::auth::Principal;
use crate::core::error::ApiError;
use crate::core::extract::ApiJson;
use crate::library::Library;
use crate::library::{Agencies, Enterprises, Industries, Investors, TargetRegions};
use records as library;

macro_rules! record_routes {
    ($module:ident, $R:ty, $Fields:ty, $New:ty, $Patch:ty, $tag:literal, $list:literal, $item:literal, $restore:literal) => {
        pub mod $module {
            use super::*;
            use actix_web::{delete, get, patch, post};

            /// List with filters, `q` text search, `sort` and cursor pagination; `?format=csv`
            /// (or `Accept: text/csv`) exports every matching row as CSV (UTF-8 with BOM), at
            /// most 100,000 (`Export-Truncated: true` when more matched). 列表查询与导出。
            #[utoipa::path(
                tag = $tag,
                operation_id = concat!("list_", stringify!($module)),
                params(LibraryQuery),
                responses(
                    (status = 200, description = "A page of records, or CSV", content(
                        (Page<Record<$Fields>> = "application/json"),
                        (String = "text/csv"),
                    ), headers(
                        ("Export-Truncated" = String, description = "`true` on a CSV export that holds the first 100,000 of more matching rows"),
                    )),
                )
            )]
            #[get($list)]
            pub async fn list(
                state: web::Data<Library>,
                p: Principal,
                req: HttpRequest,
                query: web::Query<LibraryQuery>,
            ) -> Result<HttpResponse, ApiError> {
                library::list::<$R>(&state, &p, &req, query.into_inner()).await
            }

            /// Read one record (`ETag` is its version). 查看。
            #[utoipa::path(
                tag = $tag,
                operation_id = concat!("get_", stringify!($module)),
                params(("id" = String, Path, description = "Record id")),
                responses((status = 200, body = Record<$Fields>, headers(("ETag" = String))))
            )]
            #[get($item)]
            pub async fn get(state: web::Data<Library>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
                library::get::<$R>(&state, &p, id.into_inner()).await
            }

            /// Create a record. A credit code that exists answers 409 with `existing_id`; look-alike
            /// names come back in `possible_duplicates`. 新建。
            #[utoipa::path(
                tag = $tag,
                operation_id = concat!("create_", stringify!($module)),
                request_body = $New,
                responses(
                    (status = 201, body = Record<$Fields>, headers(("Location" = String), ("ETag" = String))),
                    (status = 409, description = "`conflict`: a unique value is taken (the credit code; for an agency, its organisation's name); see `existing_id`",
                     body = zhaoshang_types::Problem, content_type = "application/problem+json"),
                )
            )]
            #[post($list)]
            pub async fn create(state: web::Data<Library>, p: Principal, body: ApiJson<serde_json::Value>) -> Result<HttpResponse, ApiError> {
                library::create::<$R>(&state, &p, body.0).await
            }

            /// Change a record: a JSON merge patch of its fields (absent fields stay, `null` clears),
            /// with `If-Match`. 修改。
            #[utoipa::path(
                tag = $tag,
                operation_id = concat!("update_", stringify!($module)),
                request_body(content = $Patch, content_type = "application/merge-patch+json",
                    description = "Any of the record's fields"),
                params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
                responses(
                    (status = 200, body = Record<$Fields>),
                    (status = 409, description = "`conflict`: a unique value is taken (the credit code; for an agency, its organisation's name); see `existing_id`",
                     body = zhaoshang_types::Problem, content_type = "application/problem+json"),
                )
            )]
            #[patch($item)]
            pub async fn update(
                state: web::Data<Library>,
                p: Principal,
                req: HttpRequest,
                id: web::Path<String>,
                body: ApiJson<serde_json::Value>,
            ) -> Result<HttpResponse, ApiError> {
                library::update::<$R>(&state, &p, &req, id.into_inner(), body.0).await
            }

            /// Delete a record (soft: hidden, kept with its children and links, restorable). 删除。
            #[utoipa::path(
                tag = $tag,
                operation_id = concat!("delete_", stringify!($module)),
                params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
                responses((status = 204, description = "Deleted"))
            )]
            #[delete($item)]
            pub async fn delete(state: web::Data<Library>, p: Principal, req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
                library::delete::<$R>(&state, &p, &req, id.into_inner()).await
            }

            /// Restore a deleted record (admin and bureau). 恢复。
            #[utoipa::path(
                tag = $tag,
                operation_id = concat!("restore_", stringify!($module)),
                params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
                responses(
                    (status = 200, body = Record<$Fields>),
                    (status = 409, description = "`conflict`: a live record took its credit code meanwhile",
                     body = zhaoshang_types::Problem, content_type = "application/problem+json"),
                )
            )]
            #[post($restore)]
            pub async fn restore(state: web::Data<Library>, p: Principal, req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
                library::restore::<$R>(&state, &p, &req, id.into_inner()).await
            }
        }
    };
}

record_routes!(
    investors,
    Investors,
    InvestorFields,
    bodies::NewInvestor,
    bodies::InvestorPatch,
    "investors",
    "",
    "/{id}",
    "/{id}/restore"
);
record_routes!(
    agencies,
    Agencies,
    AgencyFields,
    bodies::NewAgency,
    bodies::AgencyPatch,
    "agencies",
    "",
    "/{id}",
    "/{id}/restore"
);
record_routes!(
    target_regions,
    TargetRegions,
    TargetRegionFields,
    bodies::NewTargetRegion,
    bodies::TargetRegionPatch,
    "target-regions",
    "",
    "/{id}",
    "/{id}/restore"
);
record_routes!(
    industries,
    Industries,
    IndustryFields,
    bodies::NewIndustry,
    bodies::IndustryPatch,
    "industries",
    "",
    "/{id}",
    "/{id}/restore"
);
record_routes!(
    enterprises,
    Enterprises,
    EnterpriseFields,
    bodies::NewEnterprise,
    bodies::EnterprisePatch,
    "enterprises",
    "",
    "/{id}",
    "/{id}/restore"
);

macro_rules! batch_route {
    ($name:ident, $R:ty, $Body:ty, $tag:literal, $path:literal) => {
        /// Agency sync: upsert up to 1,000 records keyed by (`source_agency_id`, `external_id`)
        /// in one transaction — all or nothing. Rejected: 422 whose `errors` carry `index`,
        /// `field`, `code`. For agency callers `source_agency_id` is implied. 批量同步。
        #[utoipa::path(
                                                    tag = $tag,
                                                    operation_id = stringify!($name),
                                                    request_body = $Body,
                                                    responses((status = 200, body = BatchResult))
                                                )]
        #[put($path)]
        pub async fn $name(
            state: web::Data<Library>,
            p: Principal,
            body: ApiJson<serde_json::Value>,
        ) -> Result<HttpResponse, ApiError> {
            library::batch::<$R>(&state, &p, body.0).await
        }
    };
}

batch_route!(
    batch_investors,
    Investors,
    bodies::InvestorBatch,
    "investors",
    "/investors:batch"
);
batch_route!(
    batch_enterprises,
    Enterprises,
    bodies::EnterpriseBatch,
    "enterprises",
    "/enterprises:batch"
);

macro_rules! contact_routes {
    ($module:ident, $R:ty, $tag:literal, $list:literal, $item:literal) => {
        pub mod $module {
            use super::*;
            use actix_web::{delete, get, patch, post};
            use zhaoshang_types::Contact;

            /// Contacts (personal data: phone, e-mail and WeChat masked unless the caller is
            /// entitled); `?format=csv` exports them. 联系人。
            #[utoipa::path(
                tag = $tag,
                operation_id = concat!("list_", stringify!($module)),
                params(("id" = String, Path), ("format" = Option<zhaoshang_types::ExportFormat>, Query, description = "`json` (default) or `csv`")),
                responses((status = 200, description = "A page of contacts, or CSV", content(
                    (Page<Contact> = "application/json"),
                    (String = "text/csv"),
                )))
            )]
            #[get($list)]
            pub async fn list(
                state: web::Data<Library>,
                p: Principal,
                req: HttpRequest,
                id: web::Path<String>,
                query: web::Query<FormatQuery>,
            ) -> Result<HttpResponse, ApiError> {
                library::list_contacts::<$R>(&state, &p, &req, id.into_inner(), query.into_inner().format).await
            }

            /// Add a contact. 新增联系人。
            #[utoipa::path(
                tag = $tag,
                operation_id = concat!("create_", stringify!($module)),
                params(("id" = String, Path)),
                request_body = super::bodies::NewContact,
                responses((status = 201, body = Contact))
            )]
            #[post($list)]
            pub async fn create(
                state: web::Data<Library>,
                p: Principal,
                id: web::Path<String>,
                body: ApiJson<serde_json::Value>,
            ) -> Result<HttpResponse, ApiError> {
                library::create_contact::<$R>(&state, &p, id.into_inner(), body.0).await
            }

            /// Change a contact (merge patch, `If-Match`). 修改联系人。
            #[utoipa::path(
                tag = $tag,
                operation_id = concat!("update_", stringify!($module)),
                params(("id" = String, Path), ("contact_id" = String, Path),
                       ("If-Match" = Option<String>, Header, description = "The ETag last read")),
                request_body(content = super::bodies::ContactPatch, content_type = "application/merge-patch+json"),
                responses((status = 200, body = Contact))
            )]
            #[patch($item)]
            pub async fn update(
                state: web::Data<Library>,
                p: Principal,
                req: HttpRequest,
                path: web::Path<(String, String)>,
                body: ApiJson<serde_json::Value>,
            ) -> Result<HttpResponse, ApiError> {
                let (id, contact_id) = path.into_inner();
                library::update_contact::<$R>(&state, &p, &req, id, contact_id, body.0).await
            }

            /// Delete a contact (soft). 删除联系人。
            #[utoipa::path(
                tag = $tag,
                operation_id = concat!("delete_", stringify!($module)),
                params(("id" = String, Path), ("contact_id" = String, Path),
                       ("If-Match" = Option<String>, Header, description = "The ETag last read")),
                responses((status = 204, description = "Deleted"))
            )]
            #[delete($item)]
            pub async fn delete(
                state: web::Data<Library>,
                p: Principal,
                req: HttpRequest,
                path: web::Path<(String, String)>,
            ) -> Result<HttpResponse, ApiError> {
                let (id, contact_id) = path.into_inner();
                library::delete_contact::<$R>(&state, &p, &req, id, contact_id).await
            }
        }
    };
}

/// `?format=` of sub-resource lists.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// `json` or `csv`.
    pub format: Option<String>,
}

contact_routes!(
    investor_contacts,
    Investors,
    "investors",
    "/{id}/contacts",
    "/{id}/contacts/{contact_id}"
);
contact_routes!(
    agency_contacts,
    Agencies,
    "agencies",
    "/{id}/contacts",
    "/{id}/contacts/{contact_id}"
);

//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use std::sync::OnceLock;

use actix_web::App;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::AppExt as _;

use crate::routes;

/// The fixed parts of the document; paths and schemas are collected from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "招商信息平台 API (zhaoshang)",
        description = "招商引资共享信息平台与招商项目库的 JSON API。\n\n\
            The JSON API of the city's investment-promotion shared information platform: key \
            investors (重点客商), intermediary agencies (中介机构), target regions (重点区域), key \
            industries with their chains and enterprises (重点产业及相关企业), and the project \
            library (招商项目库).\n\n\
            Errors are RFC 9457 `application/problem+json` bodies with a stable `code` and the \
            `request_id`. Lists are cursor-paginated: `{\"items\": [...], \"next_cursor\": ...}`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    servers((url = "/", description = "This server")),
    modifiers(&SecuritySchemes),
    security(("bearer" = [])),
    components(schemas(zhaoshang_types::Problem, zhaoshang_types::FieldError)),
    tags(
        (name = "operations", description = "Health, readiness and metrics. 运行状态。"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT from `POST /api/v1/auth/token`. 通过令牌接口获取的访问令牌。",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document this build serves (computed once).
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| {
        let (_, mut doc) = App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(routes::configure)
            .split_for_parts();
        doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
        doc
    })
}

/// The document as pretty JSON with a trailing newline, exactly as committed in
/// `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut json = serde_json::to_string_pretty(document()).unwrap_or_else(|_| "{}".to_owned());
    json.push('\n');
    json
}

/// The methods the document declares for a concrete request path (`{param}` segments match
/// any one segment). Empty when no documented path matches.
pub fn methods_for_path(path: &str) -> Vec<&'static str> {
    let doc = document();
    let wanted: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut methods = Vec::new();
    for (template, item) in doc.paths.paths.iter() {
        let parts: Vec<&str> = template.trim_end_matches('/').split('/').collect();
        let matches = parts.len() == wanted.len()
            && parts
                .iter()
                .zip(&wanted)
                .all(|(t, w)| (t.starts_with('{') && t.ends_with('}') && !w.is_empty()) || t == w);
        if !matches {
            continue;
        }
        for (name, op) in [
            ("GET", &item.get),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("DELETE", &item.delete),
            ("PATCH", &item.patch),
        ] {
            if op.is_some() && !methods.contains(&name) {
                methods.push(name);
            }
        }
    }
    methods
}

//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use std::sync::OnceLock;

use actix_web::App;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::AppExt as _;

use super::routes;

/// The fixed parts of the document; paths and schemas are collected from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "招商信息平台 API (zhaoshang)",
        description = "招商引资共享信息平台的 JSON API。\n\n\
            The JSON API of the city's investment-promotion shared information platform: key \
            investors (重点客商), intermediary agencies (中介机构), target regions (重点区域), and key \
            industries with their chains and enterprises (重点产业及相关企业); organisations, roles \
            and the audit trail.\n\n\
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
        (name = "auth", description = "Access tokens. 访问令牌。"),
        (name = "identity", description = "Organisations, users, service clients and the audit trail. 组织、用户、接入客户端与审计。"),
        (name = "investors", description = "Key investors (重点客商) and their contacts; agency syncs."),
        (name = "agencies", description = "Intermediary agencies (中介机构), their contacts and statistics. Creating an agency creates its login organisation (same id)."),
        (name = "target-regions", description = "Target regions (重点区域) with their stationed work groups (定点长驻)."),
        (name = "industries", description = "Key industries (重点产业), their chains (产业链) of upstream, midstream, downstream and supporting nodes, the chain tree and gap analysis (补链、延链、强链)."),
        (name = "enterprises", description = "Enterprises on the chains (相关企业、龙头企业), supply links, agency syncs."),
        (name = "reference", description = "GB/T 2260 administrative divisions and GB/T 4754-2017 industry codes (参考数据)."),
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
        document_errors_and_security(&mut doc);
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

/// Adds to every operation what the code does everywhere: bearer security unless the
/// operation is public, and the problem responses the middleware, extractors and permission
/// checks give.
fn document_errors_and_security(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_params = path.contains('{');
        for (method, op) in [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ] {
            let Some(op) = op.as_mut() else { continue };
            let public = op
                .security
                .as_ref()
                .is_some_and(|s| s.iter().all(|r| *r == SecurityRequirement::default()));
            if !public {
                op.security = Some(vec![SecurityRequirement::new(
                    "bearer",
                    Vec::<String>::new(),
                )]);
            }
            let responses = &mut op.responses.responses;
            let mut add = |code: &str, description: &str| {
                responses
                    .entry(code.to_owned())
                    .or_insert_with(|| problem(description));
            };
            if !public {
                add(
                    "401",
                    "`unauthorized` (no token) or `invalid_token` (garbled, expired, wrongly signed, or its user deactivated / client revoked); see `WWW-Authenticate`",
                );
                add("403", "`forbidden`: the caller's role may not do this");
                add(
                    "429",
                    "`rate_limited`: the caller's requests per minute are used up (only when the server runs with `--rate-limit-per-minute`); see `Retry-After`",
                );
            }
            if has_path_params {
                add(
                    "404",
                    "`not_found`: no such record, or one the caller may not see",
                );
            }
            if op.request_body.is_some() {
                add("400", "`invalid_json`: the body is not JSON");
                add(
                    "413",
                    "`payload_too_large`: the body is larger than the server accepts",
                );
                add("415", "`unsupported_media_type`: wrong `Content-Type`");
                add("422", "`validation_failed`: a field is wrong; see `errors`");
            } else if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
                add(
                    "400",
                    "`invalid_query`: a query parameter is malformed or unknown",
                );
                add(
                    "422",
                    "`validation_failed`: a parameter is out of range; see `errors`",
                );
            }
            if matches!(method, "patch" | "delete") && has_path_params {
                add(
                    "412",
                    "`precondition_failed`: `If-Match` names no current version (an older one, or a weak tag: the comparison is strong); read the record again",
                );
            }
            add(
                "500",
                "`internal`: an unexpected error; quote the `request_id`",
            );
        }
    }
}

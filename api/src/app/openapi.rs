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
    components(schemas(
        zhaoshang_types::Problem,
        zhaoshang_types::FieldError,
        zhaoshang_types::ListSort,
        zhaoshang_types::ExportFormat,
    )),
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
        document_links(&mut doc);
        spell_out_white_space(&mut doc);
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
    use utoipa::openapi::path::ParameterIn;
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
        for (_, op) in [
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
            let has_body = op.request_body.is_some();
            let has_query = op
                .parameters
                .iter()
                .flatten()
                .any(|p| p.parameter_in == ParameterIn::Query);
            let if_match = document_if_match(op);
            let mut add = |code: &str, description: &str| {
                op.responses
                    .responses
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
            let mut bad_request = Vec::new();
            if has_body {
                bad_request.push("`invalid_json`: the body is not JSON");
            }
            if has_query {
                bad_request.push("`invalid_query`: a query parameter is malformed or unknown");
            }
            if if_match {
                bad_request
                    .push("`invalid_if_match`: `If-Match` is not `*` or a list of entity tags");
            }
            if !bad_request.is_empty() {
                add("400", &bad_request.join("; "));
            }
            if has_body {
                add(
                    "413",
                    "`payload_too_large`: the body is larger than the server accepts",
                );
                add("415", "`unsupported_media_type`: wrong `Content-Type`");
                add("422", "`validation_failed`: a field is wrong; see `errors`");
            } else if has_query {
                add(
                    "422",
                    "`validation_failed`: a parameter is out of range; see `errors`",
                );
            }
            if if_match {
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

/// Gives the operation's `If-Match` header, if it has one, the syntax the server takes.
fn document_if_match(op: &mut utoipa::openapi::path::Operation) -> bool {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{ObjectBuilder, Type};

    let mut found = false;
    for parameter in op.parameters.iter_mut().flatten() {
        if parameter.parameter_in == ParameterIn::Header
            && parameter.name.eq_ignore_ascii_case("If-Match")
        {
            parameter.schema = Some(ObjectBuilder::new().schema_type(Type::String).into());
            parameter.description = Some(
                "`*`, or entity tags as RFC 9110 has them, comma-separated: the ETag last read \
                 (`\"3\"`; `W/\"3\"` is taken alike). The change is made only if one of them names \
                 the record's version; otherwise 412."
                    .to_owned(),
            );
            found = true;
        }
    }
    found
}

/// Links from each creation (a `POST` answering 201 with the new record, whose `id` is in the
/// body) to the operations on the created record: `POST /x` to `/x/{id}…`, and a chain node's
/// creation to `/chain-nodes/{id}`. Clients, and schemathesis' stateful tests, follow them.
fn document_links(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::extensions::Extensions;
    use utoipa::openapi::link::LinkBuilder;

    fn params(path: &str) -> Vec<&str> {
        path.split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect()
    }

    let operations: Vec<(String, String)> = doc
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            [&item.get, &item.put, &item.post, &item.delete, &item.patch]
                .into_iter()
                .flatten()
                .filter_map(|op| op.operation_id.clone())
                .map(|id| (path.clone(), id))
                .collect::<Vec<_>>()
        })
        .collect();
    for (path, item) in doc.paths.paths.iter_mut() {
        let Some(RefOr::T(created)) = item
            .post
            .as_mut()
            .and_then(|op| op.responses.responses.get_mut("201"))
        else {
            continue;
        };
        let (prefix, own) = match path.strip_suffix("/nodes") {
            Some(industry) if industry.starts_with("/api/v1/industries/") => {
                ("/api/v1/chain-nodes", Vec::new())
            }
            _ => (path.as_str(), params(path)),
        };
        for (target, operation_id) in &operations {
            let Some(rest) = target
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('/'))
            else {
                continue;
            };
            let first = rest.split('/').next().unwrap_or_default();
            let Some(new) = first.strip_prefix('{').and_then(|f| f.strip_suffix('}')) else {
                continue;
            };
            let wanted = params(target);
            if !wanted.iter().all(|p| *p == new || own.contains(p)) {
                continue;
            }
            // utoipa 5.5 writes `Link::operation_id` as `operation_id`; OpenAPI's name for it is
            // `operationId`, set through the extensions, which are written as named.
            let mut link = LinkBuilder::new()
                .extensions(Some(Extensions::from_iter([(
                    "operationId",
                    operation_id.as_str(),
                )])))
                .parameter(new, "$response.body#/id");
            for p in wanted.iter().filter(|p| **p != new) {
                link = link.parameter(*p, format!("$request.path.{p}"));
            }
            created
                .links
                .insert(operation_id.clone(), RefOr::T(link.build()));
        }
    }
}

/// What the server trims (Rust's `char::is_whitespace`, Unicode `White_Space`), as the body of
/// a character class. JSON Schema's patterns read `\s` as ECMA-262 does, which differs (it takes
/// U+FEFF and not U+0085), so the document spells the class out.
const WHITE_SPACE: &str = r"\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// Every pattern of the document with `\s` and `\S` spelled out as [`WHITE_SPACE`].
fn spell_out_white_space(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;

    if let Some(components) = doc.components.as_mut() {
        for schema in components.schemas.values_mut() {
            spell_out_in(schema);
        }
    }
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            for parameter in op.parameters.iter_mut().flatten() {
                if let Some(schema) = parameter.schema.as_mut() {
                    spell_out_in(schema);
                }
            }
            for content in op
                .request_body
                .iter_mut()
                .flat_map(|body| body.content.values_mut())
            {
                if let Some(schema) = content.schema.as_mut() {
                    spell_out_in(schema);
                }
            }
        }
    }

    fn spell_out_in(schema: &mut RefOr<utoipa::openapi::schema::Schema>) {
        use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema};

        let RefOr::T(schema) = schema else { return };
        match schema {
            Schema::Object(object) => {
                if let Some(pattern) = object.pattern.as_mut() {
                    *pattern = spell_out(pattern);
                }
                for property in object.properties.values_mut() {
                    spell_out_in(property);
                }
                if let Some(AdditionalProperties::RefOr(extra)) =
                    object.additional_properties.as_deref_mut()
                {
                    spell_out_in(extra);
                }
            }
            Schema::Array(array) => {
                if let ArrayItems::RefOrSchema(items) = &mut array.items {
                    spell_out_in(items);
                }
            }
            Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(spell_out_in),
            Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(spell_out_in),
            Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(spell_out_in),
            _ => {}
        }
    }
}

/// `\s` and `\S` of a pattern spelled out as [`WHITE_SPACE`] (inside a bracket expression `\s`
/// becomes the class's body; the patterns of this API use no `\S` there).
fn spell_out(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('s') if in_class => out.push_str(WHITE_SPACE),
                Some('s') => {
                    out.push('[');
                    out.push_str(WHITE_SPACE);
                    out.push(']');
                }
                Some('S') if !in_class => {
                    out.push_str("[^");
                    out.push_str(WHITE_SPACE);
                    out.push(']');
                }
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_is_spelled_out_inside_and_outside_classes() {
        let ws = WHITE_SPACE;
        assert_eq!(spell_out(r"\S"), format!("[^{ws}]"));
        assert_eq!(spell_out(r"^\s*(x)?\s*$"), format!("^[{ws}]*(x)?[{ws}]*$"));
        assert_eq!(spell_out(r"^[^,\s]$"), format!("^[^,{ws}]$"));
        assert_eq!(spell_out(r#"^(\*|"[0-9]")\.$"#), r#"^(\*|"[0-9]")\.$"#);
    }

    #[test]
    fn no_pattern_of_the_document_keeps_a_white_space_escape() {
        let json = document_json();
        for escape in [r#"\\s"#, r#"\\S"#] {
            assert!(!json.contains(escape), "{escape} left in the document");
        }
    }
}

//! Request extractors whose failures are problems with field paths.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use zhaoshang_types::FieldError;

use crate::core::error::{self, ApiError, Code};

/// A JSON body. Unlike `web::Json`, a rejected body answers 422 with the path of the offending
/// field (`contacts[0].phone`), unknown fields by name, and 400 only for malformed JSON.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = is_json(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(error::unsupported_media_type("application/json"));
            }
            let bytes = body.await.map_err(|e| error::from_actix(&e))?;
            parse_json(&bytes).map(ApiJson)
        })
    }
}

/// Whether the request says its body is JSON (`application/json` or `application/*+json`).
pub fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Parses a JSON body, reporting where it is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    reject_nul_in_json(bytes)?;
    reject_duplicate_keys(bytes)?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(json_error)?;
    de.end()
        .map_err(|e| ApiError::new(Code::InvalidJson, e.to_string()))?;
    Ok(value)
}

/// 422 `invalid_character` naming the field when a string of the body holds U+0000, which
/// PostgreSQL cannot store (and no field of this API means): the same answer on both backends.
/// JSON spells it `\u0000`; only when that appears is the body walked to find the field.
fn reject_nul_in_json(bytes: &[u8]) -> Result<(), ApiError> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(()); // malformed: the parse that follows says where
    };
    match nul_path(&value, String::new()) {
        Some(field) => Err(nul_error(field)),
        None => Ok(()),
    }
}

/// 422 `duplicate_key` naming the member when an object of the body names a key twice. JSON
/// parsers disagree on which one wins (RFC 8259, 4), so neither is guessed. Malformed bodies
/// pass: the parse that follows says where they are wrong.
fn reject_duplicate_keys(bytes: &[u8]) -> Result<(), ApiError> {
    use serde::de::DeserializeSeed as _;
    let found = std::cell::RefCell::new(None);
    let walk = dup::Walk {
        parent: None,
        at: dup::Step::Root,
        found: &found,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    if walk.deserialize(&mut de).is_ok() {
        return Ok(());
    }
    match found.into_inner() {
        // A malformed body is the parse's to report (400), even if it repeats a key first.
        Some(_) if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err() => Ok(()),
        Some(field) => Err(ApiError::invalid_field(
            field,
            "duplicate_key",
            "this key appears more than once in its object; send it once",
        )),
        None => Ok(()),
    }
}

/// The walk of [`reject_duplicate_keys`]: visits every value without building it, and keeps
/// the path of the value it is in only as links to its parents, spelt out on a find.
mod dup {
    use std::cell::RefCell;
    use std::collections::HashSet;
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    #[derive(Clone, Copy)]
    pub enum Step<'a> {
        Root,
        Key(&'a str),
        Index(usize),
    }

    pub struct Walk<'a> {
        pub parent: Option<&'a Walk<'a>>,
        pub at: Step<'a>,
        pub found: &'a RefCell<Option<String>>,
    }

    impl Walk<'_> {
        /// `contacts[0].phone`.
        fn path(&self, out: &mut String) {
            if let Some(parent) = self.parent {
                parent.path(out);
            }
            match self.at {
                Step::Root => {}
                Step::Key(key) if out.is_empty() => out.push_str(key),
                Step::Key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
    }

    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();

        fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
            de.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }

        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0;
            while seq
                .next_element_seed(Walk {
                    parent: Some(&self),
                    at: Step::Index(i),
                    found: self.found,
                })?
                .is_some()
            {
                i += 1;
            }
            Ok(())
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen: HashSet<String> = HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                let child = Walk {
                    parent: Some(&self),
                    at: Step::Key(&key),
                    found: self.found,
                };
                if seen.contains(&key) {
                    let mut path = String::new();
                    child.path(&mut path);
                    *self.found.borrow_mut() = Some(path);
                    return Err(de::Error::custom("duplicate key"));
                }
                map.next_value_seed(child)?;
                seen.insert(key);
            }
            Ok(())
        }
    }
}

/// A URI whose path or query, decoded, holds U+0000 (`%00`): 404 for a path (no record or
/// route has such a name), 422 naming the query parameter.
pub fn nul_in_uri(uri: &actix_web::http::Uri) -> Option<ApiError> {
    if uri.path().contains("%00") {
        return Some(ApiError::not_found("no such record or route"));
    }
    let query = uri.query()?;
    if !query.contains("%00") {
        return None;
    }
    let bad = query.split('&').find(|pair| pair.contains("%00"))?;
    let key = bad.split('=').next().unwrap_or_default();
    let field = percent_decoded(key).unwrap_or_else(|| key.to_owned());
    Some(nul_error(field.replace('\0', "")))
}

/// A query string's percent-decoded text, if it is UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("{text}="))
        .ok()?
        .into_iter()
        .next()
        .map(|(k, _)| k)
}

/// The error for text holding U+0000.
pub fn nul_error(field: String) -> ApiError {
    ApiError::invalid_field(
        field,
        "invalid_character",
        "text may not contain the character U+0000",
    )
}

/// The path of the first string (key or value) holding U+0000.
fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let inner = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.contains('\0') {
                Some(inner)
            } else {
                nul_path(v, inner)
            }
        }),
        _ => None,
    }
}

fn json_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    if !err.inner().is_data() {
        return ApiError::new(
            Code::InvalidJson,
            format!("the body is not valid JSON: {}", err.into_inner()),
        );
    }
    ApiError::validation(vec![field_error(err, None)])
}

/// Where a value does not fit its type: the field path, and `unknown_field`, `required` or
/// `invalid_value`.
fn field_error(
    err: serde_path_to_error::Error<serde_json::Error>,
    index: Option<usize>,
) -> FieldError {
    let path = err.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let message = err.into_inner().to_string();
    let message = match message.split_once(" at line ") {
        Some((head, _)) => head.to_owned(),
        None => message,
    };
    let (field, code) = if let Some(name) = quoted(&message, "unknown field `") {
        (join(&path, &name), "unknown_field")
    } else if let Some(name) = quoted(&message, "missing field `") {
        (join(&path, &name), "required")
    } else {
        (path, "invalid_value")
    };
    FieldError {
        index,
        field,
        code: code.to_owned(),
        message,
    }
}

/// An `unknown_field` error for each key of `map` not among `allowed`.
pub fn unknown_keys(
    map: &serde_json::Map<String, serde_json::Value>,
    allowed: &[&str],
    index: Option<usize>,
) -> Vec<FieldError> {
    map.keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| FieldError {
            index,
            field: k.clone(),
            code: "unknown_field".to_owned(),
            message: format!(
                "unknown field `{k}`; the fields are: {}",
                allowed.join(", ")
            ),
        })
        .collect()
}

/// Decodes a JSON object whose keys must be among `allowed`: every unknown key is named, and a
/// wrong value located (`chain_nodes[0].node_id`). `index` marks errors of batch items.
pub fn decode_object<T: DeserializeOwned>(
    value: serde_json::Value,
    allowed: &[&str],
    index: Option<usize>,
) -> Result<T, Vec<FieldError>> {
    let Some(map) = value.as_object() else {
        return Err(vec![FieldError {
            index,
            field: String::new(),
            code: "invalid_value".to_owned(),
            message: "expected a JSON object".to_owned(),
        }]);
    };
    let unknown = unknown_keys(map, allowed, index);
    if !unknown.is_empty() {
        return Err(unknown);
    }
    serde_path_to_error::deserialize(value).map_err(|e| vec![field_error(e, index)])
}

fn quoted(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    rest.split_once('`').map(|(name, _)| name.to_owned())
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() || path == name || path.ends_with(&format!(".{name}")) {
        if path.is_empty() {
            name.to_owned()
        } else {
            path.to_owned()
        }
    } else {
        format!("{path}.{name}")
    }
}

/// The raw request body, within the configured size limit (413 problem beyond it).
#[derive(Debug)]
pub struct Body(pub web::Bytes);

impl FromRequest for Body {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move { body.await.map(Body).map_err(|e| error::from_actix(&e)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        phone: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        #[serde(default)]
        contacts: Vec<Inner>,
    }

    fn field_error(body: &str) -> (String, String) {
        let err = parse_json::<Outer>(body.as_bytes()).expect_err("body must be rejected");
        let problem = err.problem();
        assert_eq!(problem.status, 422, "{problem:?}");
        let e = &problem.errors[0];
        (e.field.clone(), e.code.clone())
    }

    #[test]
    fn unknown_fields_are_named() {
        assert_eq!(
            field_error(r#"{"name":"x","nmae":"y"}"#),
            ("nmae".into(), "unknown_field".into())
        );
        assert_eq!(
            field_error(r#"{"name":"x","contacts":[{"phone":"1","fax":"2"}]}"#),
            ("contacts[0].fax".into(), "unknown_field".into())
        );
    }

    #[test]
    fn missing_and_mistyped_fields_are_named() {
        assert_eq!(field_error(r#"{}"#), ("name".into(), "required".into()));
        assert_eq!(
            field_error(r#"{"name":"x","contacts":[{}]}"#),
            ("contacts[0].phone".into(), "required".into())
        );
        assert_eq!(
            field_error(r#"{"name":5}"#),
            ("name".into(), "invalid_value".into())
        );
    }

    #[test]
    fn duplicate_keys_are_named() {
        assert_eq!(
            field_error(r#"{"name":"x","name":"y"}"#),
            ("name".into(), "duplicate_key".into())
        );
        assert_eq!(
            field_error(r#"{"name":"x","contacts":[{"phone":"1"},{"phone":"2","phone":"3"}]}"#),
            ("contacts[1].phone".into(), "duplicate_key".into())
        );
        let err = parse_json::<serde_json::Value>(br#"{"a":{"b":1,"b":2}}"#).expect_err("dup");
        assert_eq!(err.problem().errors[0].field, "a.b");
        // A body that is not JSON is that first, whatever it repeats.
        let err = parse_json::<serde_json::Value>(br#"{"a":1,"a":"#).expect_err("truncated");
        assert_eq!(err.code(), "invalid_json");
        // The same key in different objects is fine.
        parse_json::<serde_json::Value>(br#"{"a":{"b":1},"c":{"b":2},"b":[{"b":3}]}"#)
            .expect("distinct objects");
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let err = parse_json::<Outer>(b"{\"name\":").expect_err("truncated");
        assert_eq!(err.problem().status, 400);
        assert_eq!(err.code(), "invalid_json");
        let err = parse_json::<Outer>(b"{\"name\":\"x\"} trailing").expect_err("trailing bytes");
        assert_eq!(err.code(), "invalid_json");
    }
}

//! Pieces every resource handler uses: pagination, ETags and `If-Match`, responses.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use zhaoshang_types::Page;

use crate::core::error::{ApiError, Code};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 500;

/// The page size asked for: default 50, 1 to 500.
pub fn page_limit(limit: Option<u32>) -> Result<i64, ApiError> {
    match limit.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(i64::from(n)),
        n => Err(ApiError::invalid_field(
            "limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_LIMIT} (got {n})"),
        )),
    }
}

/// An opaque cursor for a position (hex, so it is URL-safe and clearly not for reading).
pub fn encode_cursor(position: &str) -> String {
    position.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The position in a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    let invalid = || {
        ApiError::invalid_field(
            "cursor",
            "invalid_cursor",
            "the cursor is not one this API gave out",
        )
    };
    let digits = cursor.as_bytes();
    if !digits.len().is_multiple_of(2) || digits.len() > 512 {
        return Err(invalid());
    }
    // Byte by byte: a cursor is client input, and a character boundary is not a hex pair's.
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = digits
        .chunks_exact(2)
        .map(|pair| match pair {
            [high, low] => Some(u8::try_from(hex(*high)? * 16 + hex(*low)?).ok()?),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(invalid)?;
    // A position never holds U+0000, which PostgreSQL cannot take as text.
    String::from_utf8(bytes)
        .ok()
        .filter(|position| !position.contains('\0'))
        .ok_or_else(invalid)
}

/// Turns `limit + 1` fetched rows into a page: the extra row only says there is a next page,
/// whose cursor is the key of the last row shown.
pub fn paginate<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> String,
    wire: impl Fn(R) -> Result<T, ApiError>,
) -> Result<Page<T>, ApiError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| encode_cursor(&key(r)))
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(wire)
        .collect::<Result<Vec<T>, ApiError>>()?;
    Ok(Page { items, next_cursor })
}

/// The strong ETag of a record version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// What `If-Match` asks for (RFC 9110): any version of the record, or one of the versions its
/// entity tags name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match`, or `*`.
    #[default]
    Any,
    /// The versions named by the listed entity tags (`"3"`, or weak, `W/"3"`, taken alike); a
    /// tag this API does not give out names none.
    OneOf(Vec<i64>),
}

impl IfMatch {
    /// `If-Match: "version"`.
    pub fn version(version: i64) -> Self {
        Self::OneOf(vec![version])
    }
}

/// The caller's `If-Match`: `*` or a comma-separated list of entity tags; anything else is 400
/// `invalid_if_match`.
pub fn if_match(req: &HttpRequest) -> Result<IfMatch, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(IfMatch::Any);
    };
    parse_if_match(value.as_bytes()).ok_or_else(|| {
        ApiError::new(
            Code::InvalidIfMatch,
            format!(
                "If-Match must be * or entity tags like \"3\" (got {})",
                String::from_utf8_lossy(value.as_bytes())
            ),
        )
    })
}

/// `If-Match = "*" / #entity-tag` (RFC 9110): `None` when the value is not of that form.
fn parse_if_match(value: &[u8]) -> Option<IfMatch> {
    let value = value.trim_ascii();
    if value == b"*" {
        return Some(IfMatch::Any);
    }
    let mut versions = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_ascii_start();
        if rest.is_empty() {
            return Some(IfMatch::OneOf(versions));
        }
        if let Some(after) = rest.strip_prefix(b",") {
            // An empty list element.
            rest = after;
            continue;
        }
        let quoted = rest
            .strip_prefix(b"W/")
            .unwrap_or(rest)
            .strip_prefix(b"\"")?;
        let end = quoted.iter().position(|&b| b == b'"')?;
        let (tag, after) = quoted.split_at(end);
        if !tag
            .iter()
            .all(|&b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80)
        {
            return None;
        }
        if let Some(version) = version_of(tag) {
            versions.push(version);
        }
        rest = after.strip_prefix(b"\"")?.trim_ascii_start();
        if !rest.is_empty() {
            rest = rest.strip_prefix(b",")?;
        }
    }
}

/// The version an entity tag's content names, if it is one this API gives out (digits).
fn version_of(tag: &[u8]) -> Option<i64> {
    if tag.is_empty() || tag.len() > 18 || !tag.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(tag).ok()?.parse().ok()
}

/// 412 unless the caller's `If-Match` names the current version.
pub fn check_version(expected: &IfMatch, current: i64) -> Result<(), ApiError> {
    match expected {
        IfMatch::OneOf(versions) if !versions.contains(&current) => Err(version_conflict(current)),
        _ => Ok(()),
    }
}

/// 412 `precondition_failed`: the record changed since the caller read it.
pub fn version_conflict(current: i64) -> ApiError {
    ApiError::new(
        Code::PreconditionFailed,
        format!(
            "the record was changed by someone else (now version {current}); read it again and retry"
        ),
    )
}

/// A wire type with a version: its `ETag`, and what `If-Match` is checked against.
pub trait Versioned {
    /// The version.
    fn version(&self) -> i64;
}

macro_rules! versioned {
    ($($t:ty),* $(,)?) => {
        $(impl Versioned for $t {
            fn version(&self) -> i64 {
                self.version
            }
        })*
    };
}

versioned!(
    zhaoshang_types::Org,
    zhaoshang_types::User,
    zhaoshang_types::ServiceClient,
    zhaoshang_types::Contact,
    zhaoshang_types::ChainNode,
);

impl<T> Versioned for zhaoshang_types::Record<T> {
    fn version(&self) -> i64 {
        self.version
    }
}

impl Versioned for zhaoshang_types::ClientCreated {
    fn version(&self) -> i64 {
        self.client.version
    }
}

/// 200 with the body and its `ETag`.
pub fn ok_versioned<T: Serialize + Versioned>(body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(body.version())))
        .json(body)
}

/// 201 with `Location`, the body and its `ETag`.
pub fn created<T: Serialize + Versioned>(location: String, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(body.version())))
        .json(body)
}

/// Walks up from `parent` through `parent_of` (the parent of a live record, or `None` when
/// there is no such record) and refuses a missing parent (`missing`) or a cycle back to `id`.
pub fn check_parent_chain(
    id: Option<&str>,
    parent: &str,
    missing: &str,
    mut parent_of: impl FnMut(&str) -> Result<Option<Option<String>>, ApiError>,
) -> Result<(), ApiError> {
    let mut cursor = Some(parent.to_owned());
    let mut steps = 0;
    while let Some(current) = cursor {
        if Some(current.as_str()) == id || steps > 64 {
            return Err(ApiError::invalid_field(
                "parent_id",
                "cycle",
                "a record cannot be its own ancestor",
            ));
        }
        cursor = parent_of(&current)?
            .ok_or_else(|| ApiError::invalid_field("parent_id", "unknown_reference", missing))?;
        steps += 1;
    }
    Ok(())
}

/// A value as JSON (for audit diffs).
pub fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// A text field of at most `max` characters as sent, not blank; trimmed.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let too_long = value.chars().count() > max;
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::invalid_field(
            field,
            "required",
            format!("{field} must not be empty"),
        ));
    }
    if too_long {
        return Err(ApiError::invalid_field(
            field,
            "too_long",
            format!("{field} may have at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let c = encode_cursor("0192f7d4-6c1e");
        assert_eq!(decode_cursor(&c).expect("round trip"), "0192f7d4-6c1e");
        for bad in ["xyz", "abc", "zz", "00", "610062", "c3", &"00".repeat(300)] {
            assert_eq!(
                decode_cursor(bad).expect_err(bad).code(),
                "validation_failed"
            );
        }
    }

    #[test]
    fn if_match_takes_star_or_a_list_of_entity_tags() {
        let parse = |v: &str| parse_if_match(v.as_bytes());
        assert_eq!(parse("*"), Some(IfMatch::Any));
        assert_eq!(parse(" \"3\" "), Some(IfMatch::version(3)));
        assert_eq!(parse("W/\"3\""), Some(IfMatch::version(3)));
        assert_eq!(
            parse("\"a,b\", W/\"4\" ,, \"5\""),
            Some(IfMatch::OneOf(vec![4, 5]))
        );
        // Entity tags this API does not give out name no version.
        for none in [
            "\"x\"",
            "\"\"",
            "\"-1\"",
            "\"1.5\"",
            "\"1234567890123456789\"",
            "",
        ] {
            assert_eq!(parse(none), Some(IfMatch::OneOf(Vec::new())), "{none:?}");
        }
        for bad in [
            "3",
            "abc",
            "W/abc",
            "1.5",
            "\"3",
            "\"3\" \"4\"",
            "**",
            "\"a b\"",
            "W/ \"3\"",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert!(check_version(&IfMatch::Any, 7).is_ok());
        assert!(check_version(&IfMatch::OneOf(vec![6, 7]), 7).is_ok());
        assert!(check_version(&IfMatch::version(6), 7).is_err());
        assert!(check_version(&IfMatch::OneOf(Vec::new()), 7).is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(page_limit(None).expect("default"), 50);
        assert_eq!(page_limit(Some(500)).expect("max"), 500);
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(501)).is_err());
    }
}

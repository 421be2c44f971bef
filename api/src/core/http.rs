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

/// What a request's `If-Match` asks of the record it writes (RFC 9110, 13.1.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Precondition(Option<Vec<i64>>);

impl Precondition {
    /// No condition: `If-Match` absent, or `*` (the record exists, or the write is a 404).
    pub const NONE: Self = Self(None);

    /// The condition that the record is at `version`.
    pub fn version(version: i64) -> Self {
        Self(Some(vec![version]))
    }

    /// Whether a record at `current` meets the condition. Strong comparison: weak tags and
    /// tags this API never gives out match no version.
    pub fn matches(&self, current: i64) -> bool {
        self.0
            .as_ref()
            .is_none_or(|versions| versions.contains(&current))
    }
}

/// Parses an `If-Match` field value: `*` or a comma-separated list of entity tags
/// (`"3"`, `W/"3"`, `"3", "4"`); `None` when it is not that syntax.
pub fn parse_if_match(value: &str) -> Option<Precondition> {
    let value = value.trim_matches([' ', '\t']);
    if value == "*" {
        return Some(Precondition::NONE);
    }
    let mut versions = Vec::new();
    let mut rest = value;
    loop {
        // Empty list elements are allowed (RFC 9110, 5.6.1), and an empty list names no
        // version: it is met by none (412), as the grammar `#entity-tag` allows it.
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return Some(Precondition(Some(versions)));
        }
        let (weak, tagged) = match rest.strip_prefix("W/") {
            Some(after) => (true, after),
            None => (false, rest),
        };
        let opaque = tagged.strip_prefix('"')?;
        let end = opaque.find('"')?;
        let (tag, after) = opaque.split_at(end);
        if !tag
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80)
        {
            return None;
        }
        // A weak tag, or one that is not a version this API could have given out, matches
        // nothing.
        if let Some(v) = tag
            .parse::<i64>()
            .ok()
            .filter(|v| !weak && v.to_string() == tag)
        {
            versions.push(v);
        }
        rest = after.strip_prefix('"')?.trim_start_matches([' ', '\t']);
        if !rest.is_empty() {
            rest = rest.strip_prefix(',')?;
        }
    }
}

/// The `If-Match` condition of a request; 400 `invalid_if_match` when the field is not an
/// entity-tag list (an unquoted `3`, say). Several `If-Match` fields form one list.
pub fn if_match(req: &HttpRequest) -> Result<Precondition, ApiError> {
    let mut values = req.headers().get_all(header::IF_MATCH).peekable();
    if values.peek().is_none() {
        return Ok(Precondition::NONE);
    }
    let invalid = |shown: &str| {
        ApiError::new(
            Code::InvalidIfMatch,
            format!(
                "If-Match must be * or a list of entity tags like \"3\", as given in ETag (got {shown})"
            ),
        )
    };
    // Every field is checked; `*` in any of them asks for no version.
    let mut all = Some(Vec::new());
    for value in values {
        let text = value
            .to_str()
            .map_err(|_| invalid("a value that is not visible ASCII"))?;
        match parse_if_match(text).ok_or_else(|| invalid(text))? {
            Precondition(None) => all = None,
            Precondition(Some(versions)) => {
                if let Some(all) = all.as_mut() {
                    all.extend(versions);
                }
            }
        }
    }
    Ok(Precondition(all))
}

/// 412 unless the record's `current` version meets the caller's `If-Match`.
pub fn check_version(expected: &Precondition, current: i64) -> Result<(), ApiError> {
    if expected.matches(current) {
        Ok(())
    } else {
        Err(version_conflict(current))
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
    fn if_match_follows_rfc_9110() {
        let versions = |v: &str| parse_if_match(v).map(|p| p.0);
        assert_eq!(versions("*"), Some(None));
        assert_eq!(versions("\"3\""), Some(Some(vec![3])));
        assert_eq!(versions(" \"3\" , \"4\""), Some(Some(vec![3, 4])));
        // Weak tags and tags this API never gives out are well-formed but match nothing.
        assert_eq!(versions("W/\"3\""), Some(Some(vec![])));
        assert_eq!(versions("\"abc\""), Some(Some(vec![])));
        assert_eq!(versions("\"03\""), Some(Some(vec![])));
        assert_eq!(versions("\"3\",, \"4\","), Some(Some(vec![3, 4])));
        assert_eq!(versions(""), Some(Some(vec![])));
        assert_eq!(versions(" , "), Some(Some(vec![])));
        for bad in ["3", "\"3", "3\"", "\"3\" \"4\"", "W/3", "\"a b\""] {
            assert_eq!(versions(bad), None, "{bad}");
        }
        assert!(Precondition::NONE.matches(7));
        assert!(Precondition::version(7).matches(7));
        assert!(!Precondition::version(6).matches(7));
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(page_limit(None).expect("default"), 50);
        assert_eq!(page_limit(Some(500)).expect("max"), 500);
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(501)).is_err());
    }
}

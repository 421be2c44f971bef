//! Property tests of every decoder of untrusted text: whatever a client sends, they answer
//! (a value or an error) and never panic; what the API gives out decodes to what it encoded.

use actix_web::web;
use proptest::prelude::*;
use serde_json::Value;
use zhaoshang_api::core::csv;
use zhaoshang_api::core::extract::{nul_in_uri, parse_json};
use zhaoshang_api::core::http::{Precondition, decode_cursor, encode_cursor, parse_if_match};
use zhaoshang_api::library::service::merge_patch;
use zhaoshang_types::{AuditQuery, LibraryQuery, OrgQuery, UserQuery};

/// Any JSON value without U+0000 (which the API refuses), a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let text = "[^\u{0}]{0,8}";
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text.prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(text, inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// RFC 7396, section 2, as written there.
fn reference_merge(target: &Value, patch: &Value) -> Value {
    let Value::Object(patch) = patch else {
        return patch.clone();
    };
    let mut out = match target {
        Value::Object(t) => t.clone(),
        _ => serde_json::Map::new(),
    };
    for (k, v) in patch {
        if v.is_null() {
            out.remove(k);
        } else {
            let merged = reference_merge(out.get(k).unwrap_or(&Value::Null), v);
            out.insert(k.clone(), merged);
        }
    }
    Value::Object(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn cursors_decode_or_are_refused(text in any::<String>()) {
        let _ = decode_cursor(&text);
    }

    #[test]
    fn cursors_round_trip(position in "\\PC{0,100}") {
        prop_assert_eq!(decode_cursor(&encode_cursor(&position)).ok(), Some(position));
    }

    #[test]
    fn if_match_parses_or_is_refused(text in any::<String>()) {
        let _ = parse_if_match(&text);
    }

    #[test]
    fn if_match_lists_of_our_etags_match_their_versions(
        versions in prop::collection::vec(any::<i64>(), 1..5),
        other in any::<i64>(),
    ) {
        let header = versions
            .iter()
            .map(|v| format!("\"{v}\""))
            .collect::<Vec<_>>()
            .join(" , ");
        let parsed = parse_if_match(&header).expect("a list of entity tags");
        for v in &versions {
            prop_assert!(parsed.matches(*v));
        }
        prop_assert_eq!(parsed.matches(other), versions.contains(&other));
        prop_assert_ne!(parsed, Precondition::NONE);
    }

    #[test]
    fn json_bodies_parse_or_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_json::<Value>(&bytes);
        let _ = parse_json::<LibraryQuery>(&bytes);
    }

    #[test]
    fn json_that_serde_writes_is_read_back(value in json()) {
        let bytes = serde_json::to_vec(&value).expect("serialise");
        prop_assert_eq!(parse_json::<Value>(&bytes).ok(), Some(value));
    }

    #[test]
    fn merge_patches_follow_rfc_7396(target in json(), patch in json()) {
        let mut merged = target.clone();
        merge_patch(&mut merged, &patch);
        prop_assert_eq!(merged, reference_merge(&target, &patch));
    }

    #[test]
    fn csv_cells_are_never_formulas_and_read_back(text in any::<String>()) {
        let shown = csv::cell(&text);
        prop_assert!(!shown.starts_with(['=', '+', '-', '@', '\t', '\r']));
        prop_assert!(shown.ends_with(text.as_str()));
        let mut out = csv::writer();
        csv::write_line(&mut out, [text.as_str(), "x"]).expect("write");
        let bytes = out.into_inner().expect("bytes");
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.get(3..).unwrap_or_default());
        let record = reader.records().next().expect("a line").expect("valid CSV");
        prop_assert_eq!(record.get(0), Some(shown.as_ref()));
        prop_assert_eq!(record.get(1), Some("x"));
    }

    #[test]
    fn query_strings_parse_or_are_refused(query in any::<String>()) {
        let _ = web::Query::<LibraryQuery>::from_query(&query);
        let _ = web::Query::<OrgQuery>::from_query(&query);
        let _ = web::Query::<UserQuery>::from_query(&query);
        let _ = web::Query::<AuditQuery>::from_query(&query);
        if let Ok(uri) = format!("/api/v1/investors?{query}").parse::<actix_web::http::Uri>() {
            let _ = nul_in_uri(&uri);
        }
    }
}

//! Strict decoding of the demo's data files: serde drops a key a type does not have, and a
//! misspelt key in a data file would silently lose what it holds.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes a value, refusing keys its type does not have, at any depth (serde would drop a
/// misspelt key silently): every key given must come back when the value is encoded again. For
/// types that encode every field, as the wire `*Fields` types and the demo's own do.
pub(super) fn strict<T: DeserializeOwned + Serialize>(value: Value) -> anyhow::Result<T> {
    let decoded: T = serde_path_to_error::deserialize(&value)?;
    match unknown_key(&value, &serde_json::to_value(&decoded)?) {
        Some(path) => anyhow::bail!("unknown field {path}"),
        None => Ok(decoded),
    }
}

/// The path of the first key of `given` that `known` does not have.
fn unknown_key(given: &Value, known: &Value) -> Option<String> {
    let join = |head: String, tail: String| {
        if tail.starts_with('[') {
            format!("{head}{tail}")
        } else {
            format!("{head}.{tail}")
        }
    };
    match (given, known) {
        (Value::Object(given), Value::Object(known)) => {
            given.iter().find_map(|(key, value)| match known.get(key) {
                None => Some(key.clone()),
                Some(k) => unknown_key(value, k).map(|tail| join(key.clone(), tail)),
            })
        }
        (Value::Array(given), Value::Array(known)) => given
            .iter()
            .zip(known)
            .enumerate()
            .find_map(|(i, (g, k))| unknown_key(g, k).map(|tail| join(format!("[{i}]"), tail))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use zhaoshang_types::{AgencyFields, ContactFields};

    use super::*;

    #[test]
    fn a_misspelt_key_is_refused_with_its_path() {
        let err = strict::<Vec<ContactFields>>(json!([
            { "name": "李四", "phone": "13900000001" },
            { "name": "张三", "phnoe": "13900000000" },
        ]))
        .expect_err("misspelt");
        assert_eq!(err.to_string(), "unknown field [1].phnoe");
        let err = strict::<AgencyFields>(json!({
            "name": "某中介",
            "agreement": { "signed_on": "2025-03-01", "term": "x" },
        }))
        .expect_err("misspelt");
        assert_eq!(err.to_string(), "unknown field agreement.term");
        let agency = strict::<AgencyFields>(json!({ "name": "某中介", "kind": "consultancy" }))
            .expect("known keys");
        assert_eq!(agency.name, "某中介");
    }

    #[test]
    fn a_wrong_value_is_located() {
        let err = strict::<AgencyFields>(json!({ "name": "某中介", "kind": "no_such_kind" }))
            .expect_err("no such kind");
        assert!(
            err.to_string()
                .starts_with("kind: unknown variant `no_such_kind`"),
            "{err}"
        );
    }
}

//! Queries of the shared information library.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zhaoshang_types::{
    ChainNode, ChainNodeFields, Contact, ContactFields, DuplicateHint, EnterpriseRef, NodePosition,
    Record, SupplyLink, SupplyLinkFields,
};

use crate::core::db::DbConnection;
use crate::core::db::schema::{
    chain_nodes, contacts, enterprise_nodes, record_grams, records, supply_links,
};
use crate::core::error::ApiError;
use crate::library::Index;
use crate::library::validate::name_key;

mod chains;
mod contact;
mod crud;
mod list;
mod rows;
mod search;

pub use chains::*;
pub use contact::*;
pub use crud::*;
pub use list::*;
pub use rows::*;
pub use search::*;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use zhaoshang_types::{AgencyFields, ChainMembership, EnterpriseFields};

    fn row<T: Serialize>(resource: &str, fields: &T) -> RecordRow {
        RecordRow::new(
            "0190a0b0-0000-7000-8000-000000000001".into(),
            resource,
            "org".into(),
            Some("user".into()),
            &Index {
                name: "x".into(),
                ..Index::default()
            },
            fields,
        )
        .expect("row")
    }

    fn spliced(row: &RecordRow) -> Value {
        let mut out = Vec::new();
        row.write_wire_json(&mut out).expect("json");
        serde_json::from_slice(&out).expect("valid JSON")
    }

    #[test]
    fn spliced_json_equals_the_wire_form() {
        let enterprise = EnterpriseFields {
            name: "巨化股份 \"引号\"".into(),
            region_code: Some("330802".into()),
            industry_codes: vec!["2614".into()],
            chain_nodes: vec![ChainMembership {
                node_id: "n".into(),
                role: Some("龙头".into()),
            }],
            ..EnterpriseFields::default()
        };
        let mut r = row("enterprise", &enterprise);
        let wire =
            serde_json::to_value(r.to_wire::<EnterpriseFields>().expect("wire")).expect("value");
        assert_eq!(spliced(&r), wire);
        assert_eq!(wire["chain_nodes"][0]["role"], json!("龙头"));

        r.deleted_at = Some(r.updated_at);
        let wire =
            serde_json::to_value(r.to_wire::<EnterpriseFields>().expect("wire")).expect("value");
        assert!(wire.get("deleted_at").is_some());
        assert_eq!(spliced(&r), wire);

        let agency = row("agency", &AgencyFields::default());
        let wire =
            serde_json::to_value(agency.to_wire::<AgencyFields>().expect("wire")).expect("value");
        assert_eq!(wire["org_id"], json!(agency.id));
        assert_eq!(spliced(&agency), wire);

        // A record with no stored fields at all still gives one object.
        let mut empty = agency.clone();
        empty.data = "{}".into();
        assert_eq!(spliced(&empty)["id"], json!(agency.id));
        empty.data = "[]".into();
        assert!(empty.write_wire_json(&mut Vec::new()).is_err());
    }

    /// Timestamps are written as chrono writes `DateTime<Utc>`, for every fraction length, the
    /// ends of the range it handles itself, and what it leaves to chrono.
    #[test]
    fn wire_times_are_written_as_chrono_writes_them() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let cases = [
            day.and_hms_opt(0, 0, 0),
            day.and_hms_nano_opt(3, 41, 40, 87_016_000),
            day.and_hms_nano_opt(23, 59, 59, 120_000_000),
            day.and_hms_nano_opt(12, 5, 9, 1),
            day.and_hms_nano_opt(12, 5, 9, 999_999_999),
            day.and_hms_nano_opt(23, 59, 59, 1_500_000_000), // a leap second
            chrono::NaiveDate::from_ymd_opt(1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)),
            chrono::NaiveDate::from_ymd_opt(9999, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 59)),
            chrono::NaiveDate::from_ymd_opt(-1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)),
            chrono::NaiveDate::from_ymd_opt(10000, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)),
        ];
        for t in cases.into_iter().map(|t| t.expect("time")) {
            assert_eq!(
                serde_json::to_string(&WireTime(t)).expect("json"),
                serde_json::to_string(&utc(t)).expect("json"),
                "{t:?}"
            );
        }
    }

    /// SQLite's text timestamps are read by position as chrono reads them, other forms (and
    /// nonsense) as diesel does.
    #[test]
    fn stamps_parse_as_diesel_writes_them() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        for t in [
            day.and_hms_opt(0, 0, 0),
            day.and_hms_nano_opt(3, 41, 40, 87_016_000),
            day.and_hms_nano_opt(12, 5, 9, 1),
            day.and_hms_nano_opt(12, 5, 9, 120_000_000),
        ] {
            let t = t.expect("time");
            assert_eq!(Stamp::parse(&t.format("%F %T%.f").to_string()), Some(t));
        }
        assert_eq!(
            Stamp::parse("2026-11-27 03:41:40.5"),
            day.and_hms_milli_opt(3, 41, 40, 500)
        );
        for other in [
            "2026-11-27T03:41:40",
            "2026-11-27 03:41",
            "2026-02-30 00:00:00",
            "2026-11-27 24:00:00",
            "2026-11-27 03:41:40.",
            "2026-11-27 03:41:40.1234567890",
            "2026-11-27 03:41:4x",
            "２０２６-11-27 03:41:40",
        ] {
            assert_eq!(Stamp::parse(other), None, "{other}");
        }
    }

    #[test]
    fn industry_terms_never_meet_bigrams() {
        let mut r = row("enterprise", &EnterpriseFields::default());
        r.search = "巨化".into();
        r.industry_codes = ",C,26,261,2614,".into();
        let terms: Vec<String> = terms_of_record(&r).into_iter().map(|(t, _, _)| t).collect();
        assert_eq!(
            terms,
            [
                "巨化",
                "industry:C",
                "industry:26",
                "industry:261",
                "industry:2614"
            ]
        );
        assert!(grams("industry:26").iter().all(|g| g.chars().count() == 2));
    }
}

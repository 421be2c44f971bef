//! Reference data compiled into the binary: GB/T 2260 administrative divisions, GB/T 4754-2017
//! industry codes, and the GB 32100-2015 unified social credit code check.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use zhaoshang_types::reference::{Division, IndustryCode};

const PROVINCES: &str = include_str!("../../data/reference/provinces.csv");
const CITIES: &str = include_str!("../../data/reference/cities.csv");
const AREAS: &str = include_str!("../../data/reference/areas.csv");
const INDUSTRIES: &str = include_str!("../../data/reference/gbt4754-2017.csv");

/// The loaded tables.
pub struct Reference {
    /// Divisions in code order.
    pub divisions: Vec<Division>,
    division_index: HashMap<String, usize>,
    /// Industry codes in file (hierarchical) order.
    pub industries: Vec<IndustryCode>,
    industry_index: HashMap<String, usize>,
}

#[derive(Deserialize)]
struct Row {
    code: String,
    name: String,
    #[serde(rename = "cityCode", default)]
    city_code: Option<String>,
    #[serde(rename = "provinceCode", default)]
    province_code: Option<String>,
}

#[derive(Deserialize)]
struct IndustryRow {
    code: String,
    name: String,
    level: u8,
    level_name: String,
    parent_code: String,
    section: String,
    description: String,
}

fn pad(code: &str) -> String {
    format!("{code:0<6}")
}

fn read<T: for<'de> Deserialize<'de>>(text: &str) -> Vec<T> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .filter_map(Result::ok)
        .collect()
}

impl Reference {
    fn load() -> Self {
        let mut divisions = Vec::new();
        for (rows, level) in [
            (read::<Row>(PROVINCES), "province"),
            (read::<Row>(CITIES), "city"),
            (read::<Row>(AREAS), "county"),
        ] {
            for r in rows {
                let parent = match level {
                    "city" => r.province_code.as_deref().map(pad),
                    "county" => r.city_code.as_deref().map(pad),
                    _ => None,
                };
                divisions.push(Division {
                    code: pad(&r.code),
                    name: r.name,
                    level: level.to_owned(),
                    parent_code: parent,
                });
            }
        }
        divisions.sort_by(|a, b| a.code.cmp(&b.code));
        divisions.dedup_by(|a, b| a.code == b.code);
        let division_index = divisions
            .iter()
            .enumerate()
            .map(|(i, d)| (d.code.clone(), i))
            .collect();
        let industries: Vec<IndustryCode> = read::<IndustryRow>(INDUSTRIES)
            .into_iter()
            .map(|r| IndustryCode {
                code: r.code,
                name: r.name,
                level: r.level,
                level_name: r.level_name,
                parent_code: Some(r.parent_code).filter(|p| !p.is_empty()),
                section: r.section,
                description: Some(r.description).filter(|d| !d.is_empty()),
            })
            .collect();
        let industry_index = industries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), i))
            .collect();
        Self {
            divisions,
            division_index,
            industries,
            industry_index,
        }
    }

    /// A division by six-digit code.
    pub fn division(&self, code: &str) -> Option<&Division> {
        self.division_index
            .get(code)
            .and_then(|&i| self.divisions.get(i))
    }

    /// An industry code at any level (`C`, `26`, `261`, `2614`).
    pub fn industry(&self, code: &str) -> Option<&IndustryCode> {
        self.industry_index
            .get(code)
            .and_then(|&i| self.industries.get(i))
    }
}

/// The tables (loaded on first use, about 4,800 rows).
pub fn get() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(Reference::load)
}

/// Why a region code is not acceptable, if it is not.
pub fn check_region_code(code: &str) -> Result<(), String> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{code:?} is not a six-digit GB/T 2260 code"));
    }
    if get().division(code).is_none() {
        return Err(format!("{code} is not a GB/T 2260 administrative division"));
    }
    Ok(())
}

/// Why an industry code is not acceptable, if it is not.
pub fn check_industry_code(code: &str) -> Result<(), String> {
    if get().industry(code).is_none() {
        return Err(format!(
            "{code:?} is not a GB/T 4754-2017 industry code (e.g. C, 26, 261, 2614)"
        ));
    }
    Ok(())
}

const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The check character (18th) of the first 17 characters of a unified social credit code, or
/// `None` when they are not 17 characters of the code's alphabet.
pub fn credit_check_char(body: &str) -> Option<char> {
    let mut sum = 0usize;
    let mut n = 0;
    for (c, w) in body.chars().zip(CREDIT_WEIGHTS) {
        sum += CREDIT_ALPHABET.find(c)? * w as usize;
        n += 1;
    }
    if n != 17 || body.chars().count() != 17 {
        return None;
    }
    CREDIT_ALPHABET.chars().nth((31 - sum % 31) % 31)
}

/// Checks a unified social credit code (GB 32100-2015): 18 characters of the 31-character
/// alphabet, positions 3–8 a region code, and the check character. The message says which
/// character is wrong or what the check character should be.
pub fn check_credit_code(code: &str) -> Result<(), String> {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(format!(
            "a unified social credit code has 18 characters, this one has {}",
            chars.len()
        ));
    }
    if let Some((i, c)) = chars
        .iter()
        .enumerate()
        .take(17)
        .find(|(_, c)| !CREDIT_ALPHABET.contains(**c))
    {
        let hint = if c.is_ascii_lowercase() {
            " (use upper case)"
        } else {
            " (I, O, S, V and Z are never used)"
        };
        return Err(format!(
            "character {} ({c:?}) is not allowed in a credit code{hint}",
            i + 1
        ));
    }
    // GB 32100's registering authorities: 1–9, A (military), N (agriculture), Y (others).
    if let Some(first) = chars.first()
        && !"123456789ANY".contains(*first)
    {
        return Err(format!(
            "the 1st character (registering authority) is {first:?}: GB 32100 uses 1 to 9, A, N or Y"
        ));
    }
    if let Some((i, c)) = chars
        .iter()
        .enumerate()
        .skip(2)
        .take(6)
        .find(|(_, c)| !c.is_ascii_digit())
    {
        return Err(format!(
            "character {} ({c:?}) is in the region code (3rd to 8th), which is six digits",
            i + 1
        ));
    }
    let (body, check) = match chars.split_at_checked(17) {
        Some((body, [check])) => (body.iter().collect::<String>(), *check),
        _ => return Err("a unified social credit code has 18 characters".to_owned()),
    };
    let expected = credit_check_char(&body).unwrap_or('0');
    if check != expected {
        return Err(format!(
            "the check character (18th) is {check:?} but should be {expected:?}: a character is mistyped"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_from_the_standard_pass_and_bad_ones_say_why() {
        for ok in [
            "91350100M000100Y43",
            "914403001922038216",
            "9144030071526726XG",
            "91110108551385082Q",
        ] {
            assert_eq!(check_credit_code(ok), Ok(()), "{ok}");
        }
        let err = check_credit_code("91350100M000100Y4Z").expect_err("bad check");
        assert!(err.contains("should be '3'"), "{err}");
        assert!(
            check_credit_code("91350100M000100Y4")
                .expect_err("short")
                .contains("18 characters")
        );
        assert!(
            check_credit_code("91350100O000100Y43")
                .expect_err("O")
                .contains("character 9")
        );
        assert!(
            check_credit_code("91350100m000100Y43")
                .expect_err("lower")
                .contains("upper case")
        );
        // The checksum of all zeros holds; the registering authority does not.
        let zeros = "000000000000000000";
        assert_eq!(credit_check_char(&zeros[..17]), Some('0'));
        assert!(
            check_credit_code(zeros)
                .expect_err("zeros")
                .contains("registering authority")
        );
        let body = "913A0100M000100Y4";
        let letter_region = format!("{body}{}", credit_check_char(body).unwrap_or('0'));
        assert!(
            check_credit_code(&letter_region)
                .expect_err("a letter in the region")
                .contains("character 4")
        );
    }

    #[test]
    fn divisions_and_industries_are_loaded() {
        let r = get();
        assert_eq!(
            r.division("330800").map(|d| d.name.as_str()),
            Some("衢州市")
        );
        assert_eq!(
            r.division("330802")
                .map(|d| (d.name.as_str(), d.parent_code.as_deref())),
            Some(("柯城区", Some("330800")))
        );
        assert_eq!(
            r.division("330000").map(|d| d.level.as_str()),
            Some("province")
        );
        assert!(r.divisions.len() > 3300);
        assert_eq!(r.industry("C").map(|c| c.level), Some(1));
        assert_eq!(r.industries.len(), 20 + 97 + 473 + 1381);
        assert!(check_region_code("330881").is_ok());
        assert!(check_region_code("339999").is_err());
        assert!(check_industry_code("2614").is_ok());
        assert!(check_industry_code("9999").is_err());
    }
}

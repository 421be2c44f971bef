//! Field checks shared by the library's resources. Each pushes a [`FieldError`] and leaves the
//! value normalised (trimmed, upper-cased codes, no empty strings). A length limit counts the
//! characters as sent, before trimming, as the document's `maxLength` does.

use zhaoshang_types::FieldError;

use crate::core::reference;

/// Collected field errors.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Adds one.
    pub fn push(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            index: None,
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        });
    }

    /// A required text of at most `max` characters, not blank.
    pub fn text(&mut self, field: &str, value: &mut String, max: usize) {
        let too_long = value.chars().count() > max;
        *value = value.trim().to_owned();
        if value.is_empty() {
            self.push(field, "required", format!("{field} must not be empty"));
        } else if too_long {
            self.push(
                field,
                "too_long",
                format!("{field} may have at most {max} characters"),
            );
        }
    }

    /// An optional text of at most `max` characters (blank becomes `None`).
    pub fn opt_text(&mut self, field: &str, value: &mut Option<String>, max: usize) {
        if let Some(v) = value.as_mut() {
            if v.chars().count() > max {
                self.push(
                    field,
                    "too_long",
                    format!("{field} may have at most {max} characters"),
                );
            }
            *v = v.trim().to_owned();
        }
        if value.as_deref().is_some_and(str::is_empty) {
            *value = None;
        }
    }

    /// A list of short texts: at most `max_items` entries of at most `max_len` characters as
    /// sent (a longer list is refused before any other check), trimmed, blank entries refused,
    /// repeats dropped.
    pub fn list(
        &mut self,
        field: &str,
        values: &mut Vec<String>,
        max_items: usize,
        max_len: usize,
    ) {
        if values.len() > max_items {
            self.push(
                field,
                "too_many",
                format!("{field} may have at most {max_items} entries"),
            );
            return;
        }
        let mut seen = std::collections::HashSet::with_capacity(values.len());
        let mut out: Vec<String> = Vec::with_capacity(values.len());
        for (i, sent) in values.iter().enumerate() {
            let v = sent.trim();
            if v.is_empty() {
                self.push(
                    &format!("{field}[{i}]"),
                    "blank",
                    format!("an entry of {field} is empty: leave it out"),
                );
                continue;
            }
            if sent.chars().count() > max_len {
                self.push(
                    &format!("{field}[{i}]"),
                    "too_long",
                    format!("at most {max_len} characters"),
                );
            }
            if field == "tags" && v.contains(',') {
                self.push(
                    &format!("{field}[{i}]"),
                    "invalid_format",
                    "a tag cannot contain a comma",
                );
            }
            if seen.insert(v) {
                out.push(v.to_owned());
            }
        }
        *values = out;
    }

    /// An optional GB/T 2260 region code.
    pub fn region(&mut self, field: &str, value: &mut Option<String>) {
        self.opt_text(field, value, 6);
        if let Some(code) = value.as_deref()
            && let Err(message) = reference::check_region_code(code)
        {
            self.push(field, "invalid_region_code", message);
        }
    }

    /// A list of GB/T 2260 region codes.
    pub fn regions(&mut self, field: &str, values: &mut Vec<String>) {
        self.list(field, values, 100, 6);
        for (i, code) in values.iter().enumerate() {
            if let Err(message) = reference::check_region_code(code) {
                self.push(&format!("{field}[{i}]"), "invalid_region_code", message);
            }
        }
    }

    /// A list of GB/T 4754 industry codes (upper-cased).
    pub fn industries(&mut self, field: &str, values: &mut Vec<String>) {
        for v in values.iter_mut() {
            *v = v.trim().to_uppercase();
        }
        self.list(field, values, 50, 4);
        for (i, code) in values.iter().enumerate() {
            if let Err(message) = reference::check_industry_code(code) {
                self.push(&format!("{field}[{i}]"), "invalid_industry_code", message);
            }
        }
    }

    /// An optional unified social credit code (upper-cased, checksum verified).
    pub fn credit_code(&mut self, field: &str, value: &mut Option<String>) {
        self.opt_text(field, value, 18);
        if let Some(code) = value.as_mut() {
            *code = code.to_uppercase();
            if let Err(message) = reference::check_credit_code(code) {
                self.push(field, "invalid_credit_code", message);
            }
        }
    }

    /// An ISO 3166-1 alpha-2 country, default `CN`.
    pub fn country(&mut self, field: &str, value: &mut Option<String>) {
        let code = value
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .unwrap_or("CN")
            .to_uppercase();
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            self.push(
                field,
                "invalid_country",
                format!("{field} must be an ISO 3166-1 alpha-2 code such as CN, US or DE"),
            );
        }
        *value = Some(code);
    }

    /// An optional phone number: digits with `+ - ( )` and spaces, 5 to 20 digits.
    pub fn phone(&mut self, field: &str, value: &mut Option<String>) {
        self.opt_text(field, value, 32);
        if let Some(v) = value.as_deref() {
            let digits = v.chars().filter(char::is_ascii_digit).count();
            let allowed = v
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
            if !allowed || !(5..=20).contains(&digits) {
                self.push(
                    field,
                    "invalid_phone",
                    "a phone number has 5 to 20 digits and only + - ( ) and spaces besides",
                );
            }
        }
    }

    /// An optional e-mail address.
    pub fn email(&mut self, field: &str, value: &mut Option<String>) {
        self.opt_text(field, value, 254);
        if let Some(v) = value.as_deref() {
            let ok = match v.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !v.chars().any(char::is_whitespace)
                        && !domain.contains('@')
                }
                None => false,
            };
            if !ok {
                self.push(
                    field,
                    "invalid_email",
                    "not an e-mail address (name@example.com)",
                );
            }
        }
    }
}

/// The name with spaces, brackets and company-form suffixes removed: two names with the same
/// key are reported as possible duplicates.
pub fn name_key(name: &str) -> String {
    let mut key: String = name
        .chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '(' | ')' | '（' | '）' | '[' | ']' | '【' | '】' | '·' | '.' | ','
                )
        })
        .flat_map(char::to_lowercase)
        .collect();
    const SUFFIXES: [&str; 12] = [
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "集团公司",
        "集团",
        "公司",
        "co ltd",
        "coltd",
        "limited",
        "ltd",
        "inc",
        "corp",
    ];
    loop {
        let before = key.len();
        for suffix in SUFFIXES {
            if let Some(stripped) = key.strip_suffix(suffix)
                && !stripped.is_empty()
            {
                key = stripped.to_owned();
            }
        }
        if key.len() == before {
            break;
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_drop_repeats_refuse_blanks_and_refuse_long_ones_at_once() {
        let mut e = Errors::default();
        let mut tags = vec![" a ".to_owned(), "b".into(), "a".into()];
        e.list("tags", &mut tags, 30, 50);
        assert!(e.0.is_empty(), "{:?}", e.0);
        assert_eq!(tags, ["a", "b"]);

        let mut e = Errors::default();
        let mut codes = vec![String::new()];
        e.industries("industry_codes", &mut codes);
        assert_eq!(
            e.0.iter()
                .map(|f| (f.field.as_str(), f.code.as_str()))
                .collect::<Vec<_>>(),
            [("industry_codes[0]", "blank")]
        );

        // A list far over its bound gets one error, without its entries being compared.
        let mut e = Errors::default();
        let mut many: Vec<String> = (0..150_000).map(|i| format!("t{i}")).collect();
        e.list("tags", &mut many, 30, 50);
        assert_eq!(e.0.len(), 1);
        assert_eq!(
            (e.0[0].field.as_str(), e.0[0].code.as_str()),
            ("tags", "too_many")
        );
    }

    #[test]
    fn name_keys_ignore_form_and_punctuation() {
        assert_eq!(name_key("巨化集团有限公司"), name_key("巨化 集团"));
        assert_eq!(name_key("浙江巨化股份有限公司"), "浙江巨化");
        assert_eq!(
            name_key("（衢州）元立金属"),
            name_key("衢州元立金属有限公司")
        );
        assert_ne!(name_key("巨化"), name_key("巨石"));
    }

    #[test]
    fn contact_formats() {
        let mut e = Errors::default();
        e.phone("phone", &mut Some("138 1234 5678".into()));
        e.phone("phone", &mut Some("+86 (570) 801-2345".into()));
        e.email("email", &mut Some("zhang@example.com".into()));
        assert!(e.0.is_empty(), "{:?}", e.0);
        e.phone("phone", &mut Some("call me".into()));
        e.email("email", &mut Some("zhang@example".into()));
        e.email("email", &mut Some("not an address".into()));
        assert_eq!(
            e.0.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
            ["invalid_phone", "invalid_email", "invalid_email"]
        );
    }
}

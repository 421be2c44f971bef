//! Password and secret hashing (argon2id, PHC strings).

use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};

use crate::core::error::ApiError;

/// Hashes a password or client secret.
pub fn hash(secret: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(secret.as_bytes())
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Whether `secret` matches the stored hash (false for a malformed hash).
pub fn verify(secret: &str, stored: &str) -> bool {
    Argon2::default()
        .verify_password(secret.as_bytes(), stored)
        .is_ok()
}

/// A hash that matches nothing, verified against for unknown names so that a failed login
/// takes as long whether or not the name exists.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("not a password of anyone").unwrap_or_default())
}

/// Password rules: 10 to 256 characters.
pub fn check_strength(field: &str, password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(ApiError::invalid_field(
            field,
            "too_short",
            "the password needs at least 10 characters",
        ));
    }
    if n > 256 {
        return Err(ApiError::invalid_field(
            field,
            "too_long",
            "the password may have at most 256 characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_only_the_right_secret() {
        let h = super::hash("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("correct horse battery", &h));
        assert!(!super::verify("correct horse batterz", &h));
        assert!(!super::verify("anything", "not a phc string"));
        assert!(!super::verify("anything", super::dummy_hash()));
    }
}

//! Access tokens: JWTs signed with HS256 by this server.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// User or client id.
    pub sub: String,
    /// `user` or `client`.
    pub kind: String,
    /// Organisation id at issue time.
    pub org: String,
    /// Role at issue time.
    pub role: String,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Not before.
    pub nbf: u64,
    /// Expires at.
    pub exp: u64,
    /// Token id.
    pub jti: String,
}

/// Tokens already verified, with their claims, so that a caller's next request skips the
/// signature check. An entry is used only before its token's `exp`; the whole map is cleared
/// when it is full of live tokens.
#[derive(Default)]
struct Verified(Mutex<HashMap<Box<str>, Claims>>);

impl Verified {
    /// Distinct live tokens kept at most (a few hundred bytes each).
    const CAPACITY: usize = 4096;

    fn get(&self, token: &str, now: u64) -> Option<Claims> {
        let map = self.0.lock().ok()?;
        map.get(token).filter(|c| now < c.exp).cloned()
    }

    fn put(&self, token: &str, claims: &Claims, now: u64) {
        if now >= claims.exp {
            return;
        }
        let Ok(mut map) = self.0.lock() else { return };
        if map.len() >= Self::CAPACITY {
            map.retain(|_, c| now < c.exp);
            if map.len() >= Self::CAPACITY {
                map.clear();
            }
        }
        map.insert(token.into(), claims.clone());
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().map(|m| m.len()).unwrap_or_default()
    }
}

/// Signs and verifies tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Issuer written into and required of tokens.
    pub issuer: String,
    /// Audience written into and required of tokens.
    pub audience: String,
    /// Lifetime of issued tokens in seconds.
    pub ttl_secs: u64,
    verified: Verified,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// Why a token was rejected.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidToken(pub String);

impl TokenKeys {
    /// Keys from a secret of at least 32 bytes.
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl_secs: u64) -> anyhow::Result<Self> {
        if secret.len() < 32 {
            anyhow::bail!(
                "the token-signing secret must have at least 32 bytes (it has {})",
                secret.len()
            );
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl_secs,
            verified: Verified::default(),
        })
    }

    /// Issues a token for a user or client.
    pub fn issue(
        &self,
        kind: &str,
        sub: &str,
        org: &str,
        role: &str,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: sub.to_owned(),
            kind: kind.to_owned(),
            org: org.to_owned(),
            role: role.to_owned(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::now_v7().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Verifies signature, algorithm (HS256 only), issuer, audience and times. A token that
    /// verified before and has not expired is answered from memory.
    pub fn verify(&self, token: &str) -> Result<Claims, InvalidToken> {
        let now = jsonwebtoken::get_current_timestamp();
        if let Some(claims) = self.verified.get(token, now) {
            return Ok(claims);
        }
        let claims = self.verify_signed(token)?;
        self.verified.put(token, &claims, now);
        Ok(claims)
    }

    fn verify_signed(&self, token: &str) -> Result<Claims, InvalidToken> {
        use jsonwebtoken::errors::ErrorKind;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                InvalidToken(
                    match e.kind() {
                        ErrorKind::ExpiredSignature => "the token has expired",
                        ErrorKind::ImmatureSignature => "the token is not valid yet",
                        ErrorKind::InvalidIssuer => "the token was issued by someone else",
                        ErrorKind::InvalidAudience => "the token is meant for another audience",
                        ErrorKind::InvalidSignature => "the token's signature does not verify",
                        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                            "the token's signing algorithm is not accepted"
                        }
                        ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                        _ => "the token is malformed",
                    }
                    .to_owned(),
                )
            })
    }
}

/// The signing secret: the given value, else the given file, else `data_dir/jwt-secret`
/// (created once with 256 random bits, mode 0600, so restarts keep tokens valid).
pub fn load_secret(
    value: Option<&str>,
    file: Option<&Path>,
    data_dir: &Path,
) -> anyhow::Result<Vec<u8>> {
    if let Some(value) = value {
        return Ok(value.as_bytes().to_vec());
    }
    if let Some(file) = file {
        let raw = std::fs::read(file)
            .with_context(|| format!("cannot read the JWT secret file {}", file.display()))?;
        return Ok(trim_ascii(&raw).to_vec());
    }
    let path = data_dir.join("jwt-secret");
    match std::fs::read(&path) {
        Ok(raw) => return Ok(trim_ascii(&raw).to_vec()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("cannot read {}", path.display())));
        }
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let secret: [u8; 32] = rand::random();
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, hex.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a token-signing secret");
    Ok(hex.into_bytes())
}

fn trim_ascii(raw: &[u8]) -> &[u8] {
    raw.trim_ascii()
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secret_is_private_and_stable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = load_secret(None, None, dir.path()).expect("generated");
        assert_eq!(first.len(), 64);
        let again = load_secret(None, None, dir.path()).expect("read back");
        assert_eq!(first, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join("jwt-secret"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn issued_tokens_verify_and_foreign_ones_do_not() {
        let keys = TokenKeys::new(&[7; 32], "zhaoshang", "zhaoshang-api", 60).expect("keys");
        let token = keys.issue("user", "u1", "o1", "admin").expect("issue");
        let claims = keys.verify(&token).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.role.as_str()), ("u1", "admin"));
        let other = TokenKeys::new(&[8; 32], "zhaoshang", "zhaoshang-api", 60).expect("keys");
        assert!(other.verify(&token).is_err());
        assert!(TokenKeys::new(b"short", "i", "a", 60).is_err());
    }

    fn signed(keys: &TokenKeys, exp: u64) -> String {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            iss: "zhaoshang".into(),
            aud: "zhaoshang-api".into(),
            sub: "u1".into(),
            kind: "user".into(),
            org: "o1".into(),
            role: "admin".into(),
            iat: now - 100,
            nbf: now - 100,
            exp,
            jti: "j".into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding)
            .expect("encode")
    }

    #[test]
    fn verified_tokens_are_remembered_only_while_they_live() {
        let keys = TokenKeys::new(&[7; 32], "zhaoshang", "zhaoshang-api", 60).expect("keys");
        let now = jsonwebtoken::get_current_timestamp();
        let live = signed(&keys, now + 3600);
        let first = keys.verify(&live).expect("valid");
        assert_eq!(keys.verified.len(), 1);
        assert_eq!(keys.verify(&live).expect("remembered"), first);
        assert_eq!(keys.verified.len(), 1);

        // A forged copy of a remembered token is still checked: another signature fails.
        let (unsigned, _) = live.rsplit_once('.').expect("three parts");
        let forged = format!("{unsigned}.AAAA");
        assert!(keys.verify(&forged).is_err());
        assert_eq!(keys.verified.len(), 1);

        // Past `exp` but within the leeway: accepted, never remembered.
        let ending = signed(&keys, now - 5);
        assert!(keys.verify(&ending).is_ok());
        assert_eq!(keys.verified.len(), 1);
        // A remembered entry is not served once its token has expired.
        assert!(keys.verified.get(&live, now + 3600).is_none());
        assert!(keys.verified.get(&live, now).is_some());
        // Past the leeway: rejected.
        let expired = signed(&keys, now - 100);
        assert_eq!(
            keys.verify(&expired).map_err(|e| e.0),
            Err("the token has expired".to_owned())
        );
    }

    #[test]
    fn remembered_tokens_stay_bounded() {
        let keys = TokenKeys::new(&[7; 32], "zhaoshang", "zhaoshang-api", 60).expect("keys");
        let claims = keys
            .verify(&keys.issue("user", "u1", "o1", "admin").expect("issue"))
            .expect("valid");
        let now = jsonwebtoken::get_current_timestamp();
        for i in 0..Verified::CAPACITY + 10 {
            keys.verified.put(&format!("t{i}"), &claims, now);
        }
        assert!(keys.verified.len() <= Verified::CAPACITY);
        assert!(
            keys.verified
                .get(&format!("t{}", Verified::CAPACITY + 9), now)
                .is_some()
        );
    }
}

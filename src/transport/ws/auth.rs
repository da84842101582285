//! HTTP Basic auth and the station identity in the request path, as OCPP
//! 2.0.1 uses them: Part 4 §3.1.1 puts the Charging Station identity as the
//! last path segment of the connection URL; Part 2 "Security" (A00.FR.2xx,
//! security profiles 1 and 2) has the station send
//! `Authorization: Basic base64(<identity>:<password>)` on the upgrade.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The identity and password of HTTP Basic auth. OCPP's username is the
/// station identity (A00.FR.203), so the server also checks it matches the
/// station id in the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password (it ends up in logs and journals).
        f.debug_struct("BasicAuth")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

impl BasicAuth {
    /// The value of the `Authorization` header.
    pub fn header_value(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    /// Whether an `Authorization` header value carries exactly these
    /// credentials. Compared in constant time (over SHA-256 digests, so not
    /// even the length of the expected password leaks through timing).
    pub fn matches_header(&self, header: &str) -> bool {
        let Some((scheme, b64)) = header.trim().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
            return false;
        };
        let expected = format!("{}:{}", self.username, self.password);
        ct_eq(&raw, expected.as_bytes())
    }
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let (da, db) = (Sha256::digest(a), Sha256::digest(b));
    da.iter()
        .zip(db.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// OCPP 2.0.1 Part 4 §3.1.1: the identity is an identifierString of at most
/// 48 characters.
pub const MAX_STATION_ID_LEN: usize = 48;

/// The station identity: the last segment of the request path,
/// percent-decoded. `Err` says why there is none.
pub fn station_id_from_path(path: &str) -> Result<String, String> {
    let last = path.rsplit('/').next().unwrap_or("");
    if last.is_empty() {
        return Err(format!(
            "path {path:?} has no station identity as its last segment"
        ));
    }
    let id = percent_decode(last)
        .ok_or_else(|| format!("path segment {last:?} is not valid percent-encoded UTF-8"))?;
    if id.chars().count() > MAX_STATION_ID_LEN {
        return Err(format!(
            "station identity is longer than {MAX_STATION_ID_LEN} characters"
        ));
    }
    // The identity is the Basic-auth username, which cannot hold ':' (RFC 7617 §2).
    if id.contains(':') || id.chars().any(char::is_control) {
        return Err(format!(
            "station identity {id:?} contains ':' or a control character"
        ));
    }
    Ok(id)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The subprotocols a request offers, from every `Sec-WebSocket-Protocol`
/// header (comma-separated, RFC 6455 §4.1).
pub fn offered_subprotocols<'a>(values: impl Iterator<Item = &'a [u8]>) -> Vec<String> {
    values
        .filter_map(|v| std::str::from_utf8(v).ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn station_id_is_last_segment_percent_decoded() {
        assert_eq!(station_id_from_path("/ocpp/CP001").unwrap(), "CP001");
        assert_eq!(station_id_from_path("/ocpp/CP%20001").unwrap(), "CP 001");
        assert!(station_id_from_path("/ocpp/").is_err());
        assert!(station_id_from_path("/ocpp/%zz").is_err());
        assert!(station_id_from_path("/ocpp/%").is_err());
        assert!(station_id_from_path("/ocpp/a%3Ab").is_err());
        assert!(station_id_from_path(&format!("/{}", "x".repeat(49))).is_err());
    }

    #[test]
    fn basic_auth_header_round_trip() {
        let a = BasicAuth {
            username: "CP001".into(),
            password: "s3cret-password".into(),
        };
        assert!(a.matches_header(&a.header_value()));
        assert!(a.matches_header(&a.header_value().replace("Basic", "basic")));
        let wrong = BasicAuth {
            password: "nope".into(),
            ..a.clone()
        };
        assert!(!a.matches_header(&wrong.header_value()));
        assert!(!a.matches_header("Bearer abc"));
        assert!(!a.matches_header("Basic !!!"));
        assert!(!format!("{a:?}").contains("s3cret"));
    }
}

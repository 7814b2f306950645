//! TLS-sig v2 userSigs (A1-init-login-messages.md §1.2), as made by Tencent's `TLSSigAPIv2`
//! libraries: HMAC-SHA256 over identifier, sdkappid, time and expire; a JSON document; zlib;
//! URL-safe base64 with `+/=` replaced by `*-_`.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::io::{Read, Write};

/// Why a userSig was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigError {
    /// Not base64 / zlib / JSON, or fields missing.
    Malformed,
    /// HMAC does not match the app's key.
    BadSignature,
    /// `TLS.identifier` is not the login user.
    WrongIdentifier,
    /// `TLS.sdkappid` is not the app.
    WrongAppId,
    /// `TLS.time + TLS.expire` has passed.
    Expired,
}

impl std::fmt::Display for SigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SigError::Malformed => "userSig is malformed",
            SigError::BadSignature => "userSig signature does not match the app's secret key",
            SigError::WrongIdentifier => "userSig was issued for another identifier",
            SigError::WrongAppId => "userSig was issued for another SDKAppID",
            SigError::Expired => "userSig expired",
        })
    }
}

impl std::error::Error for SigError {}

/// What a valid userSig says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigInfo {
    /// `TLS.time`.
    pub time: u64,
    /// `TLS.expire` (seconds).
    pub expire: u64,
}

impl SigInfo {
    /// Unix seconds at which the signature stops being valid.
    pub fn expires_at(&self) -> u64 {
        self.time.saturating_add(self.expire)
    }
}

fn hmac(key: &str, identifier: &str, sdkappid: u64, time: u64, expire: u64, userbuf: Option<&str>) -> String {
    let mut content =
        format!("TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{time}\nTLS.expire:{expire}\n");
    if let Some(buf) = userbuf {
        content.push_str(&format!("TLS.userbuf:{buf}\n"));
    }
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("hmac key of any length");
    mac.update(content.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

fn to_url(b64: String) -> String {
    b64.replace('+', "*").replace('/', "-").replace('=', "_")
}

fn from_url(sig: &str) -> String {
    sig.replace('*', "+").replace('-', "/").replace('_', "=")
}

/// Make a userSig valid from `now` for `expire` seconds.
pub fn generate(sdkappid: u64, key: &str, identifier: &str, expire: u64, now: u64) -> String {
    let doc = json!({
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": now,
        "TLS.sig": hmac(key, identifier, sdkappid, now, expire, None),
    });
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(doc.to_string().as_bytes());
    to_url(STANDARD.encode(z.finish().unwrap_or_default()))
}

/// Check a userSig for `identifier` in app `sdkappid` at time `now`.
pub fn verify(sig: &str, sdkappid: u64, key: &str, identifier: &str, now: u64) -> Result<SigInfo, SigError> {
    let packed = STANDARD.decode(from_url(sig.trim())).map_err(|_| SigError::Malformed)?;
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(packed.as_slice())
        .take(64 * 1024)
        .read_to_end(&mut json)
        .map_err(|_| SigError::Malformed)?;
    let doc: Value = serde_json::from_slice(&json).map_err(|_| SigError::Malformed)?;
    let num = |k: &str| doc[k].as_u64().or_else(|| doc[k].as_str().and_then(|s| s.parse().ok()));
    let ident = doc["TLS.identifier"].as_str().ok_or(SigError::Malformed)?;
    let app = num("TLS.sdkappid").ok_or(SigError::Malformed)?;
    let time = num("TLS.time").ok_or(SigError::Malformed)?;
    let expire = num("TLS.expire").ok_or(SigError::Malformed)?;
    let given = doc["TLS.sig"].as_str().ok_or(SigError::Malformed)?;
    let userbuf = doc["TLS.userbuf"].as_str();
    if hmac(key, ident, app, time, expire, userbuf) != given {
        return Err(SigError::BadSignature);
    }
    if ident != identifier {
        return Err(SigError::WrongIdentifier);
    }
    if app != sdkappid {
        return Err(SigError::WrongAppId);
    }
    let info = SigInfo { time, expire };
    if now >= info.expires_at() {
        return Err(SigError::Expired);
    }
    Ok(info)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

    #[test]
    fn generated_sig_verifies() {
        let sig = generate(1400000001, KEY, "alice", 86400, 1_700_000_000);
        assert!(!sig.contains('+') && !sig.contains('/') && !sig.contains('='));
        let info = verify(&sig, 1400000001, KEY, "alice", 1_700_000_100).unwrap();
        assert_eq!(info.expires_at(), 1_700_086_400);
    }

    #[test]
    fn every_refusal_has_its_reason() {
        let sig = generate(1400000001, KEY, "alice", 100, 1_700_000_000);
        assert_eq!(verify(&sig, 1400000001, "other-key", "alice", 1_700_000_001), Err(SigError::BadSignature));
        assert_eq!(verify(&sig, 1400000001, KEY, "bob", 1_700_000_001), Err(SigError::WrongIdentifier));
        assert_eq!(verify(&sig, 1400000002, KEY, "alice", 1_700_000_001), Err(SigError::WrongAppId));
        assert_eq!(verify(&sig, 1400000001, KEY, "alice", 1_700_000_100), Err(SigError::Expired));
        assert_eq!(verify("%%%", 1400000001, KEY, "alice", 0), Err(SigError::Malformed));
        assert_eq!(verify("eJwrSS0uAQAEXQHB", 1400000001, KEY, "alice", 0), Err(SigError::Malformed));
    }
}

//! Frames: `{"head": {...}, "body": {...}}` (WIRE.md §1.2, §2).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The 4-byte prefix of a compressed server frame.
pub const COMP_PREFIX: &[u8; 4] = b"COMP";

/// A frame head. Requests carry most fields; replies and pushes need only `servcmd` and `seq`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Head {
    /// Always `"v4"` on requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ver: Option<String>,
    /// 7 for Web.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<u32>,
    /// Constant `537048168`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websdkappid: Option<u64>,
    /// Constant `"1.7.3"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websdkversion: Option<String>,
    /// The user, on the first `wslogin` and on upload-signature commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// The TLS-sig v2 userSig, sent with `identifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usersig: Option<String>,
    /// The login ticket from the `wslogin` reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a2: Option<String>,
    /// The user's TinyId (a string) from the `wslogin` reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tinyid: Option<String>,
    /// `InstId` from the login reply, 0 before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_instid: Option<u64>,
    /// The app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdkappid: Option<u64>,
    /// `"json"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contenttype: Option<String>,
    /// Client time in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reqtime: Option<u64>,
    /// 2.x `192371`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdkability: Option<u64>,
    /// 2.x tracing id.
    #[serde(default, rename = "tjgID", skip_serializing_if = "Option::is_none")]
    pub tjg_id: Option<String>,
    /// `service.command`.
    #[serde(default)]
    pub servcmd: String,
    /// Request sequence; replies echo it.
    #[serde(default)]
    pub seq: u64,
}

impl Head {
    /// A reply or push head: just `servcmd` and `seq` (WIRE.md §2.2).
    pub fn reply(servcmd: impl Into<String>, seq: u64) -> Self {
        Head { servcmd: servcmd.into(), seq, ..Head::default() }
    }

    /// The key a reply is matched with: `servcmd + seq` (WIRE.md §1.3).
    pub fn match_key(&self) -> String {
        format!("{}{}", self.servcmd, self.seq)
    }
}

/// One frame. The body stays a JSON value; typed bodies are in [`crate::cmd`] and [`crate::msg`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// The head.
    pub head: Head,
    /// The body (an object).
    #[serde(default)]
    pub body: Value,
}

/// Why a frame could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// `COMP` payload that neither zlib nor gzip could inflate.
    Inflate,
    /// The frame (inflated, for `COMP`) is larger than the caller's limit of this many bytes.
    /// Inflating stops at the limit: a small `COMP` frame that would inflate to gigabytes
    /// allocates no more than the limit.
    TooLarge(usize),
    /// Not a JSON object with a `head`.
    Json(String),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Inflate => f.write_str("compressed frame could not be inflated"),
            FrameError::TooLarge(max) => write!(f, "frame larger than {max} bytes"),
            FrameError::Json(e) => write!(f, "frame is not valid JSON: {e}"),
        }
    }
}

impl std::error::Error for FrameError {}

impl Frame {
    /// A frame with the given head and body.
    pub fn new(head: Head, body: Value) -> Self {
        Frame { head, body }
    }

    /// Serialise to the JSON text sent on the wire.
    pub fn to_json(&self) -> String {
        // Serialising a Value tree with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parse a frame from JSON text.
    pub fn from_json(text: &str) -> Result<Self, FrameError> {
        serde_json::from_str(text).map_err(|e| FrameError::Json(e.to_string()))
    }

    /// Parse a frame from the bytes of a binary WebSocket message: plain UTF-8 JSON, or `COMP`
    /// followed by a zlib (RFC 1950) or gzip (RFC 1952) stream (WIRE.md §1.2). A frame whose
    /// JSON is longer than `max_bytes` is [`FrameError::TooLarge`]; a `COMP` stream is inflated
    /// no further than that.
    pub fn from_bytes(bytes: &[u8], max_bytes: usize) -> Result<Self, FrameError> {
        let json = plain(bytes, max_bytes)?;
        serde_json::from_slice(&json).map_err(|e| FrameError::Json(e.to_string()))
    }
}

/// Parse the bytes of a binary WebSocket message (plain JSON, or `COMP` + zlib/gzip) into a
/// JSON value, without typed decoding (the SDK's path: one `Value` parser keeps the wasm small).
/// The JSON may be at most `max_bytes` long, as in [`Frame::from_bytes`].
pub fn value_from_bytes(bytes: &[u8], max_bytes: usize) -> Result<Value, FrameError> {
    let json = plain(bytes, max_bytes)?;
    // Checked as UTF-8 first and parsed as text: the SDK then has one JSON reader (`&str`), not a
    // second one for bytes (about 9 KB of wasm). The same frames are accepted: JSON is UTF-8.
    // Invalid UTF-8 is refused as a whole here; parsing bytes, serde_json refused it in the
    // string it was in, with the same outcome.
    let text =
        std::str::from_utf8(&json).map_err(|e| FrameError::Json(format!("invalid unicode in the frame: {e}")))?;
    serde_json::from_str(text).map_err(|e| FrameError::Json(e.to_string()))
}

/// The JSON value of a binary WebSocket message, or `None` when it is not one: the SDK's path,
/// which drops a frame it cannot read and so does not format why ([`value_from_bytes`] does,
/// and formatting serde's errors would put their code in the wasm).
pub fn value_of_bytes(bytes: &[u8], max_bytes: usize) -> Option<Value> {
    let json = plain(bytes, max_bytes).ok()?;
    serde_json::from_str(std::str::from_utf8(&json).ok()?).ok()
}

/// The JSON bytes of a frame: as they are, or inflated after `COMP`, at most `max_bytes`.
/// Without the `inflate` feature a `COMP` frame is an error (the platform must inflate it first).
fn plain(bytes: &[u8], max_bytes: usize) -> Result<std::borrow::Cow<'_, [u8]>, FrameError> {
    match bytes.strip_prefix(COMP_PREFIX.as_slice()) {
        #[cfg(feature = "inflate")]
        Some(packed) => inflate(packed, max_bytes).map(std::borrow::Cow::Owned),
        #[cfg(not(feature = "inflate"))]
        Some(_) => Err(FrameError::Inflate),
        None if bytes.len() > max_bytes => Err(FrameError::TooLarge(max_bytes)),
        None => Ok(std::borrow::Cow::Borrowed(bytes)),
    }
}

/// Inflate a zlib or gzip stream, detecting the container from its first bytes, to at most
/// `max_bytes`: a stream that inflates to more is [`FrameError::TooLarge`] and costs at most
/// about `max_bytes` of memory (the output grows as it is produced, never past the limit).
/// There is no uncapped variant.
#[cfg(feature = "inflate")]
pub fn inflate(data: &[u8], max_bytes: usize) -> Result<Vec<u8>, FrameError> {
    use miniz_oxide::inflate::{decompress_to_vec_with_limit, decompress_to_vec_zlib_with_limit, TINFLStatus};
    let result = if data.len() >= 10 && data[0] == 0x1f && data[1] == 0x8b {
        let body = gzip_body(data).ok_or(FrameError::Inflate)?;
        decompress_to_vec_with_limit(body, max_bytes)
    } else {
        decompress_to_vec_zlib_with_limit(data, max_bytes)
    };
    result.map_err(|e| match e.status {
        TINFLStatus::HasMoreOutput => FrameError::TooLarge(max_bytes),
        _ => FrameError::Inflate,
    })
}

/// The deflate stream of a gzip member: after the fixed 10-byte header and the optional fields
/// selected by FLG (RFC 1952 §2.3).
#[cfg(feature = "inflate")]
fn gzip_body(data: &[u8]) -> Option<&[u8]> {
    let flags = *data.get(3)?;
    let mut pos = 10usize;
    if flags & 0x04 != 0 {
        let xlen = usize::from(*data.get(pos)?) | usize::from(*data.get(pos + 1)?) << 8;
        pos += 2 + xlen;
    }
    for bit in [0x08u8, 0x10] {
        if flags & bit != 0 {
            pos += data.get(pos..)?.iter().position(|&b| b == 0)? + 1;
        }
    }
    if flags & 0x02 != 0 {
        pos += 2;
    }
    data.get(pos..)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn head_skips_absent_fields_and_keeps_names() {
        let mut head = Head::reply("openim.sendmsg", 7);
        head.tjg_id = Some(String::new());
        let text = serde_json::to_string(&head).unwrap();
        assert_eq!(text, r#"{"tjgID":"","servcmd":"openim.sendmsg","seq":7}"#);
    }

    #[test]
    fn plain_and_malformed_bytes() {
        let f = Frame::from_bytes(br#"{"head":{"servcmd":"a.b","seq":3},"body":{"X":1}}"#, 1024).unwrap();
        assert_eq!(f.head.match_key(), "a.b3");
        assert_eq!(f.body["X"], 1);
        assert!(Frame::from_bytes(b"not json", 1024).is_err());
        assert_eq!(Frame::from_bytes(b"COMPgarbage", 1024), Err(FrameError::Inflate));
        assert_eq!(Frame::from_bytes(br#"{"head":{"servcmd":"a.b","seq":3}}"#, 10), Err(FrameError::TooLarge(10)));
    }

    #[test]
    #[cfg(feature = "inflate")]
    fn inflates_zlib_and_gzip() {
        let json = br#"{"head":{"servcmd":"x.y","seq":1},"body":{}}"#;
        let zlib = miniz_oxide::deflate::compress_to_vec_zlib(json, 6);
        let raw = miniz_oxide::deflate::compress_to_vec(json, 6);
        // A gzip member with the FNAME flag set, to exercise header parsing.
        let mut gz = vec![0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3];
        gz.extend_from_slice(b"name\0");
        gz.extend_from_slice(&raw);
        gz.extend_from_slice(&[0; 8]);
        for packed in [zlib, gz] {
            let mut bytes = COMP_PREFIX.to_vec();
            bytes.extend_from_slice(&packed);
            assert_eq!(Frame::from_bytes(&bytes, json.len()).unwrap().head.servcmd, "x.y");
            // One byte short of the inflated size: refused, not truncated.
            assert_eq!(Frame::from_bytes(&bytes, json.len() - 1), Err(FrameError::TooLarge(json.len() - 1)));
        }
    }

    #[test]
    #[cfg(feature = "inflate")]
    fn a_zlib_bomb_stops_at_the_limit() {
        // 64 MiB of spaces compress to about 64 KB; the limit is 1 MiB.
        let big = vec![b' '; 64 << 20];
        for packed in [miniz_oxide::deflate::compress_to_vec_zlib(&big, 9), gzip(&big)] {
            assert!(packed.len() < 128 * 1024, "{}", packed.len());
            let started = std::time::Instant::now();
            assert_eq!(inflate(&packed, 1 << 20), Err(FrameError::TooLarge(1 << 20)));
            let mut frame = COMP_PREFIX.to_vec();
            frame.extend_from_slice(&packed);
            assert_eq!(value_from_bytes(&frame, 1 << 20), Err(FrameError::TooLarge(1 << 20)));
            // Stopping early is what keeps it cheap (inflating all 64 MiB takes far longer).
            assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
        }
        assert_eq!(inflate(&miniz_oxide::deflate::compress_to_vec_zlib(b"abc", 6), 3).unwrap(), b"abc");
    }

    #[cfg(feature = "inflate")]
    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        gz.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(data, 9));
        gz.extend_from_slice(&[0; 8]);
        gz
    }
}

//! Input rules shared by the WebSocket and REST paths (docs/security.md "Request limits and
//! validation"): identifiers, message elements, and reading the `seq` of a frame that does not
//! parse, so that it can still be answered.

use serde_json::Value;

/// Longest UserID, in bytes (Tencent: "up to 32 bytes").
pub const MAX_USER_ID_BYTES: usize = 32;
/// Longest GroupID, in bytes (Tencent: custom group IDs up to 48 bytes).
pub const MAX_GROUP_ID_BYTES: usize = 48;
/// Longest nick or avatar URL given to `account_import` (the profile value limit).
pub const MAX_ACCOUNT_FIELD_BYTES: usize = 500;
/// Longest `servcmd` echoed in the reply to a malformed frame (longer ones are answered with an
/// empty `servcmd`; real ones are under 64 bytes).
const MAX_SERVCMD_BYTES: usize = 128;
/// Deepest nesting of merged-forward (`TIMRelayElem`) messages checked.
const MAX_RELAY_DEPTH: usize = 8;

/// Whether `id` follows Tencent's UserID rule: 1 to 32 bytes of printable ASCII (0x20–0x7e).
/// No control characters (newline, NUL), nothing outside ASCII.
pub fn user_id_ok(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_USER_ID_BYTES && printable_ascii(id)
}

/// Why `id` is not a valid UserID, or `None` when it is (for error replies; the identifier
/// itself is not repeated, it may be megabytes).
pub fn user_id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        Some("identifier is empty".into())
    } else if id.len() > MAX_USER_ID_BYTES {
        Some(format!("identifier is {} bytes, at most {MAX_USER_ID_BYTES} are allowed", id.len()))
    } else if !printable_ascii(id) {
        Some("identifier must be printable ASCII (0x20-0x7e)".into())
    } else {
        None
    }
}

/// Whether `id` is a valid GroupID: 1 to 48 bytes of printable ASCII.
pub fn group_id_ok(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_GROUP_ID_BYTES && printable_ascii(id)
}

fn printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// Element types accepted in `MsgBody`.
pub const KNOWN_ELEMS: &[&str] = &[
    "TIMTextElem",
    "TIMCustomElem",
    "TIMFaceElem",
    "TIMLocationElem",
    "TIMImageElem",
    "TIMFileElem",
    "TIMVideoFileElem",
    "TIMSoundElem",
    "TIMRelayElem",
];

#[derive(Clone, Copy)]
enum Kind {
    /// A JSON string.
    Str,
    /// A JSON number.
    Num,
    /// A number, or a string (media sizes and flags: SDKs have sent both).
    NumOrStr,
}

/// Fields each element type may carry, with their type, and whether they are required.
/// Unlisted keys are kept as sent (WIRE.md §5.4: the web SDK adds its own).
fn fields(msg_type: &str) -> &'static [(&'static str, Kind, bool)] {
    use Kind::*;
    match msg_type {
        "TIMTextElem" => &[("Text", Str, true)],
        "TIMCustomElem" => &[("Data", Str, false), ("Desc", Str, false), ("Ext", Str, false), ("Sound", Str, false)],
        "TIMFaceElem" => &[("Index", Num, true), ("Data", Str, false)],
        "TIMLocationElem" => &[("Desc", Str, false), ("Latitude", Num, true), ("Longitude", Num, true)],
        "TIMImageElem" => &[("UUID", Str, false), ("ImageFormat", NumOrStr, false)],
        "TIMFileElem" => &[
            ("Url", Str, false),
            ("UUID", Str, false),
            ("FileName", Str, false),
            ("FileSize", NumOrStr, false),
            ("Download_Flag", NumOrStr, false),
        ],
        "TIMSoundElem" => &[
            ("Url", Str, false),
            ("UUID", Str, false),
            ("Size", NumOrStr, false),
            ("Second", NumOrStr, false),
            ("Download_Flag", NumOrStr, false),
        ],
        "TIMVideoFileElem" => &[
            ("VideoUrl", Str, false),
            ("VideoUUID", Str, false),
            ("VideoFormat", Str, false),
            ("VideoSize", NumOrStr, false),
            ("VideoSecond", NumOrStr, false),
            ("VideoDownloadFlag", NumOrStr, false),
            ("ThumbUrl", Str, false),
            ("ThumbUUID", Str, false),
            ("ThumbFormat", NumOrStr, false),
            ("ThumbSize", NumOrStr, false),
            ("ThumbWidth", NumOrStr, false),
            ("ThumbHeight", NumOrStr, false),
            ("ThumbDownloadFlag", NumOrStr, false),
        ],
        "TIMRelayElem" => &[
            ("Title", Str, false),
            ("CompatibleText", Str, false),
            ("JsonMsgKey", Str, false),
            ("PbMsgKey", Str, false),
        ],
        _ => &[],
    }
}

fn kind_ok(v: &Value, k: Kind) -> bool {
    match k {
        Kind::Str => v.is_string(),
        Kind::Num => v.is_number(),
        Kind::NumOrStr => v.is_number() || v.is_string(),
    }
}

/// Check a `MsgBody` (an array of `{MsgType, MsgContent}`) against the element shapes of
/// WIRE.md §5.4 / Tencent's message format: known `MsgType`, `MsgContent` an object, required
/// fields present, every known field of its type. `Err` holds the reason (answered with 90002).
pub fn check_msg_body(body: &Value) -> Result<(), String> {
    check_body(body, 0)
}

fn check_body(body: &Value, depth: usize) -> Result<(), String> {
    let items = body.as_array().ok_or("MsgBody must be an array")?;
    if items.is_empty() {
        return Err("MsgBody is empty".into());
    }
    for (i, item) in items.iter().enumerate() {
        check_elem(item, depth).map_err(|e| format!("MsgBody[{i}]: {e}"))?;
    }
    Ok(())
}

fn check_elem(item: &Value, depth: usize) -> Result<(), String> {
    let msg_type = item["MsgType"].as_str().ok_or("MsgType must be a string")?;
    if !KNOWN_ELEMS.contains(&msg_type) {
        return Err(format!("unknown MsgType {msg_type:?}"));
    }
    let content = item["MsgContent"].as_object().ok_or_else(|| format!("{msg_type}: MsgContent must be an object"))?;
    for &(name, kind, required) in fields(msg_type) {
        match content.get(name) {
            None | Some(Value::Null) if required => return Err(format!("{msg_type}: {name} is required")),
            None | Some(Value::Null) => {}
            Some(v) if !kind_ok(v, kind) => return Err(format!("{msg_type}: {name} has the wrong type")),
            Some(_) => {}
        }
    }
    match msg_type {
        "TIMImageElem" => {
            let infos = content.get("ImageInfoArray").ok_or("TIMImageElem: ImageInfoArray is required")?;
            let infos = infos.as_array().ok_or("TIMImageElem: ImageInfoArray must be an array")?;
            for info in infos {
                let info = info.as_object().ok_or("TIMImageElem: each ImageInfoArray item must be an object")?;
                for (name, kind) in [
                    ("Type", Kind::NumOrStr),
                    ("Size", Kind::NumOrStr),
                    ("Width", Kind::NumOrStr),
                    ("Height", Kind::NumOrStr),
                    ("URL", Kind::Str),
                ] {
                    if info.get(name).is_some_and(|v| !v.is_null() && !kind_ok(v, kind)) {
                        return Err(format!("TIMImageElem: ImageInfoArray {name} has the wrong type"));
                    }
                }
            }
        }
        "TIMRelayElem" => {
            if let Some(list) = content.get("AbstractList").filter(|v| !v.is_null()) {
                let ok = list.as_array().is_some_and(|l| l.iter().all(Value::is_string));
                if !ok {
                    return Err("TIMRelayElem: AbstractList must be an array of strings".into());
                }
            }
            if let Some(list) = content.get("MsgList").filter(|v| !v.is_null()) {
                let list = list.as_array().ok_or("TIMRelayElem: MsgList must be an array")?;
                if depth >= MAX_RELAY_DEPTH && !list.is_empty() {
                    return Err("TIMRelayElem: merged messages nested too deep".into());
                }
                for m in list {
                    if !m.is_object() {
                        return Err("TIMRelayElem: each MsgList item must be an object".into());
                    }
                    if !m["MsgBody"].is_null() {
                        check_body(&m["MsgBody"], depth + 1).map_err(|e| format!("TIMRelayElem MsgList: {e}"))?;
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The `servcmd` (empty when unreadable) and `seq` of a frame that did not parse as a request
/// (a head field of the wrong type, a lone surrogate in a string, broken JSON), so that it can
/// be answered instead of left to the client's timeout. `None` when no `seq` can be read.
/// Compressed (`COMP`) frames are not looked into.
pub fn salvage_head(bytes: &[u8]) -> Option<(String, u64)> {
    if bytes.starts_with(tim_proto::frame::COMP_PREFIX) {
        return None;
    }
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        let head = &v["head"];
        let seq = match &head["seq"] {
            Value::Number(n) => n.as_u64()?,
            Value::String(s) => s.parse().ok()?,
            _ => return None,
        };
        let servcmd = head["servcmd"].as_str().filter(|c| c.len() <= MAX_SERVCMD_BYTES).unwrap_or("");
        return Some((servcmd.to_string(), seq));
    }
    // Not JSON serde accepts (e.g. `\ud800`): look for the keys in the text.
    let text = String::from_utf8_lossy(bytes);
    let seq = after_key(&text, "seq").and_then(|rest| {
        let rest = rest.strip_prefix('"').unwrap_or(rest);
        let digits: &str = &rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())];
        digits.parse::<u64>().ok()
    })?;
    let servcmd = after_key(&text, "servcmd")
        .and_then(|rest| rest.strip_prefix('"'))
        .and_then(|rest| rest.find(['"', '\\']).filter(|&end| rest[end..].starts_with('"')).map(|end| &rest[..end]))
        .filter(|c| c.len() <= MAX_SERVCMD_BYTES)
        .unwrap_or("");
    Some((servcmd.to_string(), seq))
}

/// The text after `"key"` and its colon (whitespace skipped), at the key's first occurrence.
fn after_key<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let quoted = format!("\"{key}\"");
    let at = text.find(&quoted)? + quoted.len();
    let rest = text[at..].trim_start();
    Some(rest.strip_prefix(':')?.trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identifiers() {
        assert!(user_id_ok("alice-01_x@y.z"));
        assert!(!user_id_ok(""));
        assert!(!user_id_ok(&"a".repeat(33)));
        assert!(!user_id_ok("a\nb"));
        assert!(!user_id_ok("a\0b"));
        assert!(!user_id_ok("ü"));
        assert!(group_id_ok(&"g".repeat(48)));
        assert!(!group_id_ok(&"g".repeat(49)));
    }

    #[test]
    fn elements() {
        let ok = |b: Value| check_msg_body(&b).is_ok();
        assert!(ok(json!([{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi","Extra":1}}])));
        assert!(!ok(json!([{"MsgType":"TIMTextElem","MsgContent":{"Text":{"evil":[1,2]}}}])));
        assert!(!ok(json!([{"MsgType":"TIMTextElem","MsgContent":"hi"}])));
        assert!(!ok(json!([{"MsgType":"TIMTextElem"}])));
        assert!(!ok(json!([])));
        assert!(!ok(json!({"MsgType":"TIMTextElem"})));
        assert!(ok(json!([{"MsgType":"TIMLocationElem","MsgContent":{"Desc":"d","Latitude":1.5,"Longitude":2}}])));
        assert!(!ok(json!([{"MsgType":"TIMLocationElem","MsgContent":{"Latitude":"north","Longitude":2}}])));
        assert!(ok(json!([{"MsgType":"TIMImageElem","MsgContent":{"UUID":"u","ImageFormat":3,
            "ImageInfoArray":[{"Type":1,"Size":16,"Width":640,"Height":480,"URL":"http://x","InstanceId":0}]}}])));
        assert!(!ok(json!([{"MsgType":"TIMImageElem","MsgContent":{"ImageInfoArray":[{"URL":5}]}}])));
        let relay = |inner: Value| {
            json!([{"MsgType":"TIMRelayElem","MsgContent":{"Title":"t","AbstractList":["a"],
            "MsgList":[{"From_Account":"a","MsgBody":inner}]}}])
        };
        assert!(ok(relay(json!([{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]))));
        assert!(!ok(relay(json!([{"MsgType":"TIMTextElem","MsgContent":{"Text":7}}]))));
    }

    #[test]
    fn salvage() {
        let s = |t: &str| salvage_head(t.as_bytes());
        assert_eq!(s(r#"{"head":{"servcmd":"a.b","seq":7,"reqtime":"x"},"body":{}}"#), Some(("a.b".into(), 7)));
        assert_eq!(s(r#"{"head":{"servcmd":"a.b","seq":8},"body":{"T":"\ud800"}}"#), Some(("a.b".into(), 8)));
        assert_eq!(s(r#"{"head":{"servcmd":5,"seq":9}}"#), Some((String::new(), 9)));
        assert_eq!(s(r#"{"head":{"servcmd":"a.b","seq":"x"}}"#), None);
        assert_eq!(s("garbage"), None);
    }
}

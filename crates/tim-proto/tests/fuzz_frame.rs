//! Fuzz targets for the frame decoder (`Frame::from_bytes`, `Frame::from_json`,
//! `frame::value_from_bytes`, `frame::inflate`): binary and text frames, `COMP` + zlib/gzip.
//!
//! Structure-aware generators: valid heads with mutated fields (wrong types, out-of-range
//! numbers, missing or null fields), valid frames with byte-level mutations (truncation, flips,
//! injected JSON tokens such as lone surrogate escapes), and valid `COMP` frames with mutated
//! compressed payloads and gzip headers. A short run is part of `cargo test`;
//! `TIM_FUZZ_CASES=200000 cargo test --release -p tim-proto --test fuzz_frame` is the long run
//! (docs/security.md, "Fuzzing").
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};
use tim_proto::frame::{self, FrameError, COMP_PREFIX};
use tim_proto::{cmd, Frame, Head};

/// Cases per property: `TIM_FUZZ_CASES`, or a small default that keeps `cargo test` quick.
fn config(default: u32) -> Config {
    let cases = std::env::var("TIM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    Config { cases, failure_persistence: None, ..Config::default() }
}

// ---- the API under test --------------------------------------------------------------------
// Every decoder call goes through these three functions, with the server's default cap (frames
// generated here are far below it).

fn decode(bytes: &[u8]) -> Result<Frame, FrameError> {
    Frame::from_bytes(bytes, CAP)
}

fn decode_value(bytes: &[u8]) -> Result<Value, FrameError> {
    frame::value_from_bytes(bytes, CAP)
}

fn inflate(data: &[u8]) -> Option<Vec<u8>> {
    frame::inflate(data, CAP).ok()
}

// ---- generators ---------------------------------------------------------------------------

/// Strings a client may send: ASCII, any Unicode, control characters, and the protocol's own
/// vocabulary.
fn arb_str() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_.@#-]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(24).collect()),
        prop::sample::select(vec![
            "",
            "\0",
            "\n",
            "v4",
            "json",
            "1.7.3",
            "COMP",
            "\u{feff}",
            "\u{10ffff}",
            "🦀",
            "a\u{0}b",
        ])
        .prop_map(String::from),
        prop::sample::select(cmd::ALL.to_vec()).prop_map(String::from),
    ]
}

/// Any JSON value, shallow; `floats` off for round-trip properties (serde_json's default float
/// parsing is not exact).
fn arb_value(floats: bool) -> BoxedStrategy<Value> {
    let num = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec![0u64, 1, 7, u64::from(u32::MAX), u64::from(u32::MAX) + 1, u64::MAX])
            .prop_map(Value::from),
    ];
    let float = any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number));
    let leaf = if floats {
        prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::from), num, float, arb_str().prop_map(Value::from)]
            .boxed()
    } else {
        prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::from), num, arb_str().prop_map(Value::from)]
            .boxed()
    };
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(arb_str(), inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Str,
    U32,
    U64,
}

/// Every head field with its wire type; `true` = optional (`null` allowed).
const HEAD_FIELDS: &[(&str, Kind, bool)] = &[
    ("ver", Kind::Str, true),
    ("platform", Kind::U32, true),
    ("websdkappid", Kind::U64, true),
    ("websdkversion", Kind::Str, true),
    ("identifier", Kind::Str, true),
    ("usersig", Kind::Str, true),
    ("a2", Kind::Str, true),
    ("tinyid", Kind::Str, true),
    ("status_instid", Kind::U64, true),
    ("sdkappid", Kind::U64, true),
    ("contenttype", Kind::Str, true),
    ("reqtime", Kind::U64, true),
    ("sdkability", Kind::U64, true),
    ("tjgID", Kind::Str, true),
    ("servcmd", Kind::Str, false),
    ("seq", Kind::U64, false),
];

/// Whether the typed decoder must accept `v` for a field of this kind.
fn field_ok(kind: Kind, optional: bool, v: &Value) -> bool {
    (optional && v.is_null())
        || match kind {
            Kind::Str => v.is_string(),
            Kind::U32 => v.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)),
            Kind::U64 => v.as_u64().is_some(),
        }
}

/// A well-typed value for a head field.
fn typed_field(kind: Kind, name: &'static str) -> BoxedStrategy<Value> {
    match kind {
        Kind::Str if name == "servcmd" => prop::sample::select(cmd::ALL.to_vec()).prop_map(Value::from).boxed(),
        Kind::Str => arb_str().prop_map(Value::from).boxed(),
        Kind::U32 => any::<u32>().prop_map(Value::from).boxed(),
        Kind::U64 => any::<u64>().prop_map(Value::from).boxed(),
    }
}

/// A head as the SDK sends it (every field, well typed).
fn valid_head() -> impl Strategy<Value = Map<String, Value>> {
    let fields: Vec<_> = HEAD_FIELDS.iter().map(|&(name, kind, _)| typed_field(kind, name)).collect();
    fields.prop_map(|values| HEAD_FIELDS.iter().map(|f| f.0.to_string()).zip(values).collect())
}

/// One edit of a head field: removed, or replaced by any value (often of the wrong type).
#[derive(Clone, Debug)]
enum Edit {
    Remove(usize),
    Set(usize, Value),
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    let n = HEAD_FIELDS.len();
    prop_oneof![
        (0..n).prop_map(Edit::Remove),
        (0..n, arb_value(true)).prop_map(|(i, v)| Edit::Set(i, v)),
        (0..n, prop::sample::select(vec![json!(-1), json!(1.5), json!("7"), json!(u64::MAX), json!(null), json!([])]))
            .prop_map(|(i, v)| Edit::Set(i, v)),
    ]
}

/// A valid head with 0–4 edits.
fn mutated_head() -> impl Strategy<Value = Map<String, Value>> {
    (valid_head(), prop::collection::vec(arb_edit(), 0..5)).prop_map(|(mut head, edits)| {
        for e in edits {
            match e {
                Edit::Remove(i) => {
                    head.remove(HEAD_FIELDS[i].0);
                }
                Edit::Set(i, v) => {
                    head.insert(HEAD_FIELDS[i].0.to_string(), v);
                }
            }
        }
        head
    })
}

/// A well-typed head, as the encoder sees it.
fn arb_head() -> impl Strategy<Value = Head> {
    let s = || prop::option::of(arb_str());
    let n = || prop::option::of(any::<u64>());
    (
        (s(), prop::option::of(any::<u32>()), n(), s(), s(), s(), s(), s()),
        (n(), n(), s(), n(), n(), s(), arb_str(), any::<u64>()),
    )
        .prop_map(
            |(
                (ver, platform, websdkappid, websdkversion, identifier, usersig, a2, tinyid),
                (status_instid, sdkappid, contenttype, reqtime, sdkability, tjg_id, servcmd, seq),
            )| Head {
                ver,
                platform,
                websdkappid,
                websdkversion,
                identifier,
                usersig,
                a2,
                tinyid,
                status_instid,
                sdkappid,
                contenttype,
                reqtime,
                sdkability,
                tjg_id,
                servcmd,
                seq,
            },
        )
}

/// The JSON text of a frame: head (mutated) and body (any value, sometimes absent).
fn frame_text() -> impl Strategy<Value = String> {
    (mutated_head(), prop::option::of(arb_value(true))).prop_map(|(head, body)| {
        let mut f = json!({ "head": head });
        if let Some(b) = body {
            f["body"] = b;
        }
        f.to_string()
    })
}

/// A byte-level mutation of a frame.
#[derive(Clone, Debug)]
enum Mutation {
    Truncate(prop::sample::Index),
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Delete(prop::sample::Index, usize),
}

/// JSON fragments that stress a parser.
const TOKENS: &[&str] = &[
    r#""\ud800""#,
    r#""\udc00\ud800""#,
    r#"\u0000"#,
    "1e999",
    "-0",
    "18446744073709551616",
    "-1",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "\\",
    "null",
    "true",
    r#""head":"#,
    r#""seq":"#,
    "\u{0}",
    "\u{fffd}",
    "\u{feff}",
];

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (any::<prop::sample::Index>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (any::<prop::sample::Index>(), prop::sample::select(TOKENS.to_vec()).prop_map(|t| t.as_bytes().to_vec()))
            .prop_map(|(i, t)| Mutation::Insert(i, t)),
        (any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..4))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<prop::sample::Index>(), 1..16usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

fn mutate(bytes: &mut Vec<u8>, mutations: &[Mutation]) {
    for m in mutations {
        if bytes.is_empty() {
            return;
        }
        match m {
            Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len())),
            Mutation::Flip(i, x) => {
                let at = i.index(bytes.len());
                bytes[at] ^= x;
            }
            Mutation::Insert(i, t) => {
                let at = i.index(bytes.len() + 1);
                bytes.splice(at..at, t.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let at = i.index(bytes.len());
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
}

/// How a frame is packed.
#[derive(Clone, Debug)]
enum Pack {
    Plain,
    Zlib(u8),
    /// gzip with FLG bits (FHCRC, FEXTRA, FNAME, FCOMMENT) and the optional fields' bytes.
    Gzip {
        level: u8,
        flags: u8,
        extra: Vec<u8>,
        name: Vec<u8>,
        comment: Vec<u8>,
    },
}

fn arb_pack() -> impl Strategy<Value = Pack> {
    let field = || prop::collection::vec(1..=255u8, 0..12);
    prop_oneof![
        Just(Pack::Plain),
        (0..=9u8).prop_map(Pack::Zlib),
        (0..=9u8, 0..16u8, field(), field(), field()).prop_map(|(level, f, extra, name, comment)| Pack::Gzip {
            level,
            flags: f << 1,
            extra,
            name,
            comment
        }),
    ]
}

fn pack(json: &[u8], p: &Pack) -> Vec<u8> {
    let mut out = COMP_PREFIX.to_vec();
    match p {
        Pack::Plain => return json.to_vec(),
        Pack::Zlib(level) => out.extend(miniz_oxide::deflate::compress_to_vec_zlib(json, *level)),
        Pack::Gzip { level, flags, extra, name, comment } => {
            out.extend([0x1f, 0x8b, 8, *flags, 0, 0, 0, 0, 0, 3]);
            if flags & 0x04 != 0 {
                out.extend((extra.len() as u16).to_le_bytes());
                out.extend(extra);
            }
            if flags & 0x08 != 0 {
                out.extend(name);
                out.push(0);
            }
            if flags & 0x10 != 0 {
                out.extend(comment);
                out.push(0);
            }
            if flags & 0x02 != 0 {
                out.extend([0xAB, 0xCD]);
            }
            out.extend(miniz_oxide::deflate::compress_to_vec(json, *level));
            // CRC32 + ISIZE trailer (not checked by the decoder; present as senders write it).
            out.extend([0; 8]);
        }
    }
    out
}

// ---- properties ---------------------------------------------------------------------------

/// What every decode must satisfy, whatever the input: no panic, only the documented errors,
/// and the three entry points agree.
fn check_decode(bytes: &[u8]) -> Result<(), TestCaseError> {
    let typed = decode(bytes);
    let value = decode_value(bytes);
    // The SDK's path reads exactly what the value decoder reads.
    prop_assert_eq!(frame::value_of_bytes(bytes, CAP), value.clone().ok());
    let comp = bytes.starts_with(COMP_PREFIX);
    if !comp {
        prop_assert_ne!(&typed, &Err(FrameError::Inflate), "plain bytes never fail to inflate");
    }
    match (&typed, &value) {
        (Err(FrameError::Inflate), v) => prop_assert_eq!(v, &Err(FrameError::Inflate)),
        (Err(FrameError::Json(e)), _) => prop_assert!(!e.is_empty()),
        (Ok(f), Ok(v)) => {
            // A typed frame is a JSON object with a head, and the generic parser reads the same.
            prop_assert!(v.get("head").is_some_and(Value::is_object), "{v}");
            prop_assert!(v["head"]["servcmd"].as_str().unwrap_or("") == f.head.servcmd);
            prop_assert_eq!(v["head"]["seq"].as_u64().unwrap_or(0), f.head.seq);
        }
        // The one difference: the typed decoder skips unknown fields without checking their
        // `\u` escapes or number ranges (a lone surrogate or `1e999` there is ignored), the
        // value decoder refuses them.
        (Ok(f), Err(FrameError::Json(e))) => prop_assert!(
            ["escape", "surrogate", "unicode", "number out of range"].iter().any(|w| e.contains(w)),
            "typed decode accepted {f:?}, value decode refused: {e}"
        ),
        (Ok(f), Err(e)) => prop_assert!(false, "typed decode accepted {f:?}, value decode refused: {e}"),
        #[allow(unreachable_patterns)]
        (Err(e), _) => prop_assert!(false, "undocumented error {e:?}"),
    }
    // Text frames: the same text as a WebSocket text message decodes the same way.
    if let (false, Ok(text)) = (comp, std::str::from_utf8(bytes)) {
        prop_assert_eq!(Frame::from_json(text), typed);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(1024))]

    /// The typed decoder accepts exactly the documented head shape: each present field of its
    /// type (`null` for optional ones), `servcmd` and `seq` not `null`; anything else in the body.
    #[test]
    fn head_fields_of_the_wrong_type_are_refused_and_the_rest_read(
        head in mutated_head(),
        // No floats: serde_json's default float parsing may differ in the last digit.
        body in prop::option::of(arb_value(false)),
    ) {
        let mut f = json!({ "head": head });
        if let Some(b) = &body {
            f["body"] = b.clone();
        }
        let text = f.to_string();
        let expect_ok = HEAD_FIELDS
            .iter()
            .all(|&(name, kind, optional)| head.get(name).is_none_or(|v| field_ok(kind, optional, v)));
        let got = decode(text.as_bytes());
        prop_assert_eq!(got.is_ok(), expect_ok, "{} -> {:?}", text, got);
        if let Ok(frame) = got {
            prop_assert_eq!(&frame.head.servcmd, head.get("servcmd").and_then(Value::as_str).unwrap_or(""));
            prop_assert_eq!(frame.head.seq, head.get("seq").and_then(Value::as_u64).unwrap_or(0));
            prop_assert_eq!(&frame.head.a2, &head.get("a2").and_then(Value::as_str).map(String::from));
            prop_assert_eq!(frame.body, body.unwrap_or(Value::Null));
        } else {
            prop_assert!(matches!(got, Err(FrameError::Json(_))));
        }
        check_decode(text.as_bytes())?;
    }

    /// Byte-mutated frames, plain or `COMP` (mutated before or after compression), never panic and
    /// fail only with the documented errors.
    #[test]
    fn mutated_frames_never_panic(
        text in frame_text(),
        before in prop::collection::vec(arb_mutation(), 0..4),
        packing in arb_pack(),
        after in prop::collection::vec(arb_mutation(), 0..3),
    ) {
        let mut json = text.into_bytes();
        mutate(&mut json, &before);
        let mut bytes = pack(&json, &packing);
        // Mutate the compressed payload (after `COMP`), or the plain text.
        let skip = if bytes.starts_with(COMP_PREFIX) { 4 } else { 0 };
        let mut payload = bytes.split_off(skip);
        mutate(&mut payload, &after);
        bytes.extend(payload);
        check_decode(&bytes)?;
        if after.is_empty() && !matches!(packing, Pack::Plain) && !json.starts_with(COMP_PREFIX) {
            // An intact container inflates to exactly what was packed.
            prop_assert_eq!(inflate(&bytes[4..]), Some(json.clone()));
            prop_assert_eq!(decode(&bytes), decode(&json));
        }
    }

    /// Random bytes, with and without the `COMP` prefix and the gzip magic.
    #[test]
    fn random_bytes_never_panic(prefix in prop::sample::select(vec![&b""[..], b"COMP", b"COMP\x1f\x8b\x08", b"COMPx\x9c"]),
                                rest in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut bytes = prefix.to_vec();
        bytes.extend(rest);
        check_decode(&bytes)?;
    }

    /// Encoder round trip: every frame the encoder writes decodes to itself, as text, as plain
    /// bytes and as `COMP` (zlib and gzip).
    #[test]
    fn encoded_frames_decode_to_themselves(head in arb_head(), body in arb_value(false), packing in arb_pack()) {
        let f = Frame::new(head, body);
        let text = f.to_json();
        prop_assert_eq!(Frame::from_json(&text), Ok(f.clone()));
        prop_assert_eq!(decode(&pack(text.as_bytes(), &packing)), Ok(f.clone()));
        prop_assert_eq!(decode_value(text.as_bytes()), Ok(serde_json::to_value(&f).unwrap()));
    }
}

/// The documented inbound cap (`max_frame_bytes`, 1 MiB by default).
const CAP: usize = 1024 * 1024;

proptest! {
    #![proptest_config(config(16))]

    /// Inflating never produces more than the cap, whatever the ratio (zlib bombs before login).
    #[test]
    fn inflate_output_never_exceeds_the_cap(
        len in (CAP + 1)..(8 * CAP),
        byte in any::<u8>(),
        gzip in any::<bool>(),
    ) {
        let plain = vec![byte; len];
        let packing = if gzip {
            Pack::Gzip { level: 9, flags: 0, extra: vec![], name: vec![], comment: vec![] }
        } else {
            Pack::Zlib(9)
        };
        let bytes = pack(&plain, &packing);
        prop_assert!(bytes.len() < CAP, "a bomb: {} bytes in", bytes.len());
        let out = inflate(&bytes[4..]);
        prop_assert!(out.as_ref().map_or(0, Vec::len) <= CAP, "inflated {} bytes", out.map_or(0, |o| o.len()));
        prop_assert!(decode(&bytes).is_err());
    }
}

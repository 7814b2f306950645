//! Fuzz targets for the userSig verifier (`usersig::verify`).
//!
//! Near-valid userSigs: the TLS document of a real signature with its fields retyped (numbers as
//! strings, negative, fractional, missing), re-signed or not, packed as zlib, gzip or raw
//! deflate, in URL-safe or standard base64; byte mutations of valid userSigs; padding around the
//! 64 KiB inflation cap; random text. An oracle says which result each document must get. A short
//! run is part of `cargo test`; `TIM_FUZZ_CASES=200000 cargo test --release -p tim-proto
//! --features usersig --test fuzz_usersig` is the long run (docs/security.md, "Fuzzing").
#![allow(clippy::unwrap_used)]

use base64::{engine::general_purpose::STANDARD, Engine as _};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};
use std::io::{Read, Write};
use tim_proto::usersig::{generate, verify, SigError, SigInfo};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const APP: u64 = 1_400_000_001;
/// The verifier's cap on the inflated document (A1 §1.2: real documents are ~200 bytes).
const DOC_CAP: usize = 64 * 1024;

fn config(default: u32) -> Config {
    let cases = std::env::var("TIM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    Config { cases, failure_persistence: None, ..Config::default() }
}

fn to_url(b64: &str) -> String {
    b64.replace('+', "*").replace('/', "-").replace('=', "_")
}

fn unpack(sig: &str) -> Value {
    let b = STANDARD.decode(sig.replace('*', "+").replace('-', "/").replace('_', "=")).unwrap();
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(b.as_slice()).read_to_end(&mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// The `TLS.sig` a real signer gives these fields (taken from `generate`).
fn real_hmac(identifier: &str, app: u64, time: u64, expire: u64) -> String {
    unpack(&generate(app, KEY, identifier, expire, time))["TLS.sig"].as_str().unwrap().to_string()
}

#[derive(Clone, Debug)]
enum Container {
    Zlib,
    Gzip,
    Deflate,
}

/// Compress and base64 a document's bytes.
fn pack(doc: &[u8], container: &Container, url_safe: bool) -> String {
    let packed = match container {
        Container::Zlib => {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(doc).unwrap();
            z.finish().unwrap()
        }
        Container::Gzip => {
            let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(doc).unwrap();
            z.finish().unwrap()
        }
        Container::Deflate => {
            let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(doc).unwrap();
            z.finish().unwrap()
        }
    };
    let b64 = STANDARD.encode(packed);
    if url_safe {
        to_url(&b64)
    } else {
        b64
    }
}

/// How a numeric field is written in the document.
#[derive(Clone, Debug)]
enum Num {
    Number,
    Text,
    /// Any other value (often of the wrong type).
    Other(Value),
    Missing,
}

fn arb_num() -> impl Strategy<Value = Num> {
    prop_oneof![
        4 => Just(Num::Number),
        2 => Just(Num::Text),
        1 => Just(Num::Missing),
        2 => prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[ +-]?[0-9]{0,21}[a-z. ]?".prop_map(Value::from),
            Just(Value::Null),
            Just(json!([1])),
            Just(json!({"n": 1})),
            any::<bool>().prop_map(Value::from),
        ].prop_map(Num::Other),
    ]
}

/// What the verifier reads from a field written as `n` for the value `v`: a number, or a
/// string holding one (A1 §1.2: some signers write strings).
fn written(v: u64, n: &Num) -> Option<Value> {
    match n {
        Num::Number => Some(json!(v)),
        Num::Text => Some(json!(v.to_string())),
        Num::Other(x) => Some(x.clone()),
        Num::Missing => None,
    }
}

fn read_num(v: &Option<Value>) -> Option<u64> {
    let v = v.as_ref()?;
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

#[derive(Clone, Debug)]
enum SigField {
    /// The HMAC of the fields as read.
    Real,
    /// The HMAC of the fields as read, one character changed.
    Altered(prop::sample::Index),
    /// A value that is not the HMAC (any JSON).
    Other(Value),
    Missing,
}

fn arb_sig_field() -> impl Strategy<Value = SigField> {
    prop_oneof![
        6 => Just(SigField::Real),
        1 => any::<prop::sample::Index>().prop_map(SigField::Altered),
        1 => prop_oneof![Just(json!("")), Just(json!(null)), Just(json!(5)), "[A-Za-z0-9+/=]{0,44}".prop_map(Value::from)]
            .prop_map(SigField::Other),
        1 => Just(SigField::Missing),
    ]
}

fn arb_identifier() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("alice".to_string()),
        "[a-zA-Z0-9_@.-]{0,16}",
        any::<String>().prop_map(|s| s.chars().take(20).collect()),
        Just("alice\nTLS.sdkappid:1".to_string()),
    ]
}

#[derive(Clone, Debug)]
struct Doc {
    identifier: Option<Value>,
    app: (u64, Num),
    time: (u64, Num),
    expire: (u64, Num),
    sig: SigField,
    extra: Vec<(String, Value)>,
}

fn arb_doc() -> impl Strategy<Value = Doc> {
    let app = prop_oneof![3 => Just(APP), 1 => Just(APP + 1), 1 => any::<u64>()];
    let time = prop_oneof![3 => 1_600_000_000u64..1_800_000_000, 1 => any::<u64>()];
    let expire = prop_oneof![3 => 0u64..1_000_000, 1 => any::<u64>()];
    let identifier = prop_oneof![
        8 => arb_identifier().prop_map(|s| Some(Value::from(s))),
        1 => Just(None),
        1 => prop_oneof![Just(json!(null)), Just(json!(7)), Just(json!(["alice"]))].prop_map(Some),
    ];
    let extra = prop::collection::vec(
        (
            prop::sample::select(vec!["TLS.ver", "TLS.userbuf", "TLS.other", ""]).prop_map(String::from),
            prop_oneof![Just(json!("2.0")), Just(json!(null)), Just(json!("buf")), Just(json!(2))],
        ),
        0..3,
    );
    (identifier, (app, arb_num()), (time, arb_num()), (expire, arb_num()), arb_sig_field(), extra)
        .prop_map(|(identifier, app, time, expire, sig, extra)| Doc { identifier, app, time, expire, sig, extra })
}

/// The document's JSON and the result the verifier must give for it.
fn build(doc: &Doc, identifier: &str, sdkappid: u64, now: u64) -> (Value, Result<SigInfo, SigError>) {
    let mut m = Map::new();
    for (k, v) in &doc.extra {
        m.insert(k.clone(), v.clone());
    }
    let fields = [
        ("TLS.sdkappid", written(doc.app.0, &doc.app.1)),
        ("TLS.time", written(doc.time.0, &doc.time.1)),
        ("TLS.expire", written(doc.expire.0, &doc.expire.1)),
    ];
    for (k, v) in &fields {
        match v {
            Some(v) => m.insert(k.to_string(), v.clone()),
            None => m.remove(*k),
        };
    }
    match &doc.identifier {
        Some(v) => m.insert("TLS.identifier".into(), v.clone()),
        None => m.remove("TLS.identifier"),
    };
    let ident = doc.identifier.as_ref().and_then(Value::as_str);
    let (app, time, expire) = (read_num(&fields[0].1), read_num(&fields[1].1), read_num(&fields[2].1));
    let real = match (ident, app, time, expire) {
        (Some(i), Some(a), Some(t), Some(e)) => Some(real_hmac(i, a, t, e)),
        _ => None,
    };
    let sig = match (&doc.sig, &real) {
        (SigField::Real, Some(r)) => Some(json!(r)),
        (SigField::Real, None) => Some(json!("")),
        (SigField::Altered(i), Some(r)) => {
            let mut b = r.clone().into_bytes();
            let at = i.index(b.len());
            b[at] = if b[at] == b'A' { b'B' } else { b'A' };
            Some(json!(String::from_utf8(b).unwrap()))
        }
        (SigField::Altered(_), None) => Some(json!("A")),
        (SigField::Other(v), _) => Some(v.clone()),
        (SigField::Missing, _) => None,
    };
    if let Some(s) = &sig {
        m.insert("TLS.sig".into(), s.clone());
    } else {
        m.remove("TLS.sig");
    }
    // A userbuf is signed too; these documents' signatures never cover one.
    let userbuf = m.get("TLS.userbuf").and_then(Value::as_str).is_some();
    let expected = match (ident, app, time, expire, sig.as_ref().and_then(Value::as_str)) {
        (Some(i), Some(a), Some(t), Some(e), Some(s)) => {
            if userbuf || Some(s) != real.as_deref() {
                Err(SigError::BadSignature)
            } else if i != identifier {
                Err(SigError::WrongIdentifier)
            } else if a != sdkappid {
                Err(SigError::WrongAppId)
            } else if now >= t.saturating_add(e) {
                Err(SigError::Expired)
            } else {
                Ok(SigInfo { time: t, expire: e })
            }
        }
        _ => Err(SigError::Malformed),
    };
    (Value::Object(m), expected)
}

fn arb_container() -> impl Strategy<Value = Container> {
    prop_oneof![6 => Just(Container::Zlib), 1 => Just(Container::Gzip), 1 => Just(Container::Deflate)]
}

/// A byte-level mutation of a userSig's text.
#[derive(Clone, Debug)]
enum Mutation {
    Truncate(prop::sample::Index),
    Replace(prop::sample::Index, char),
    Insert(prop::sample::Index, char),
    Delete(prop::sample::Index),
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    let c = prop_oneof![
        prop::sample::select(vec!['*', '-', '_', '+', '/', '=', 'A', 'a', '0', ' ', '\n', '\0', 'é', '🦀']),
        any::<char>()
    ];
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (any::<prop::sample::Index>(), c.clone()).prop_map(|(i, c)| Mutation::Replace(i, c)),
        (any::<prop::sample::Index>(), c).prop_map(|(i, c)| Mutation::Insert(i, c)),
        any::<prop::sample::Index>().prop_map(Mutation::Delete),
    ]
}

fn mutate(sig: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = sig.chars().collect();
    for m in mutations {
        if chars.is_empty() {
            break;
        }
        match m {
            Mutation::Truncate(i) => chars.truncate(i.index(chars.len())),
            Mutation::Replace(i, c) => {
                let at = i.index(chars.len());
                chars[at] = *c;
            }
            Mutation::Insert(i, c) => chars.insert(i.index(chars.len() + 1), *c),
            Mutation::Delete(i) => {
                chars.remove(i.index(chars.len()));
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(config(1024))]

    /// Near-valid documents get exactly the documented result: `Malformed` for a missing or
    /// unreadable field, `BadSignature`, `WrongIdentifier`, `WrongAppId`, `Expired`, in that order.
    #[test]
    fn near_valid_documents_get_the_documented_result(
        doc in arb_doc(),
        container in arb_container(),
        url_safe in prop::bool::weighted(0.8),
        space in prop::sample::select(vec!["", " ", "\n", "\t "]),
        who in prop_oneof![3 => Just("alice".to_string()), 1 => arb_identifier()],
        sdkappid in prop_oneof![3 => Just(APP), 1 => any::<u64>()],
        now in prop_oneof![3 => 1_600_000_000u64..1_800_000_000, 1 => any::<u64>()],
    ) {
        let (json, mut expected) = build(&doc, &who, sdkappid, now);
        let sig = format!("{space}{}{space}", pack(json.to_string().as_bytes(), &container, url_safe));
        if !matches!(container, Container::Zlib) {
            // Only zlib (RFC 1950) is a userSig container.
            expected = Err(SigError::Malformed);
        }
        prop_assert_eq!(verify(&sig, sdkappid, KEY, &who, now), expected, "{}", json);
    }

    /// A userSig that is verified after byte mutations says what the original said: nothing in
    /// the text can be changed to alter identifier, app or times.
    #[test]
    fn mutated_sigs_never_verify_as_something_else(
        identifier in arb_identifier(),
        expire in 1u64..1_000_000,
        mutations in prop::collection::vec(arb_mutation(), 1..4),
    ) {
        let t = 1_700_000_000;
        let sig = generate(APP, KEY, &identifier, expire, t);
        let bad = mutate(&sig, &mutations);
        match verify(&bad, APP, KEY, &identifier, t) {
            Ok(info) => prop_assert_eq!(info, SigInfo { time: t, expire }),
            Err(e) => prop_assert!(matches!(e, SigError::Malformed | SigError::BadSignature), "{e:?}"),
        }
    }

    /// Round trip: every generated userSig verifies for its user and app until it expires.
    #[test]
    fn generated_sigs_verify_until_they_expire(
        identifier in any::<String>(),
        app in any::<u64>(),
        time in any::<u64>(),
        expire in any::<u64>(),
        age in any::<u64>(),
    ) {
        let sig = generate(app, KEY, &identifier, expire, time);
        let now = time.saturating_add(age);
        let expected = if now >= time.saturating_add(expire) { Err(SigError::Expired) } else { Ok(SigInfo { time, expire }) };
        prop_assert_eq!(verify(&sig, app, KEY, &identifier, now), expected);
        prop_assert_eq!(verify(&sig, app, "another key", &identifier, now), Err(SigError::BadSignature));
    }

    /// Random text, and base64 of random bytes, is refused as `Malformed`.
    #[test]
    fn random_text_is_malformed(text in any::<String>(), bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        prop_assert_eq!(verify(&text, APP, KEY, "alice", 0), Err(SigError::Malformed));
        let b64 = to_url(&STANDARD.encode(&bytes));
        prop_assert_eq!(verify(&b64, APP, KEY, "alice", 0), Err(SigError::Malformed));
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// The document is read up to 64 KiB and no further: a signed document padded past the cap
    /// (the compressed userSig stays small) is refused, one just under it verifies.
    #[test]
    fn documents_past_the_inflation_cap_are_refused(pad in 0usize..(4 * DOC_CAP), inside in any::<bool>()) {
        let t = 1_700_000_000;
        let real = unpack(&generate(APP, KEY, "alice", 100, t));
        let mut text = real.to_string();
        if inside {
            // Padding inside the object: the cut document is not JSON.
            let mut doc = real.clone();
            doc["TLS.ver"] = json!("x".repeat(pad));
            text = doc.to_string();
        } else {
            // Trailing whitespace after a complete document is harmless: it is never read.
            text.push_str(&" ".repeat(pad));
        }
        let sig = pack(text.as_bytes(), &Container::Zlib, true);
        prop_assert!(sig.len() < 2 * 1024, "{} bytes", sig.len());
        let got = verify(&sig, APP, KEY, "alice", t + 1);
        if inside && text.len() > DOC_CAP {
            prop_assert_eq!(got, Err(SigError::Malformed));
        } else {
            prop_assert_eq!(got, Ok(SigInfo { time: t, expire: 100 }));
        }
    }
}

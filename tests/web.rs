//! Browser tests of the wasm boundary, in headless Chromium (wasm-bindgen-test): `WasmTim`, the
//! engine as a JS class, fed and drained the way `js/platform.js` drives it — JSON text in, one
//! array per output back, binary frames as bytes. The platform itself (sockets, clock, the
//! IndexedDB store) is JS, tested end to end against a real server by `tests/e2e/store.mjs`.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Uint8Array};
use serde_json::{json, Value};
use tim_wasm::WasmTim;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn outputs(t: &mut WasmTim) -> Vec<Vec<JsValue>> {
    t.drain().iter().map(|o| o.unchecked_into::<Array>().to_vec()).collect()
}

fn kind(o: &[JsValue]) -> String {
    o[0].as_string().unwrap_or_default()
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}

fn engine(options: Value) -> WasmTim {
    WasmTim::new(&options.to_string()).unwrap_or_else(|_| panic!("WasmTim::new({options})"))
}

#[wasm_bindgen_test]
fn test_options_are_checked() {
    assert!(WasmTim::new("not json").is_err());
    assert!(WasmTim::new(r#"{"baseUrl":"ws://127.0.0.1:1"}"#).is_err(), "SDKAppID is required");
    assert!(WasmTim::new(r#"{"SDKAppID":"1400000001","baseUrl":"ws://127.0.0.1:1"}"#).is_ok(), "as a string too");
}

#[wasm_bindgen_test]
fn test_login_over_the_boundary_connect_frames_settle_and_cache() {
    let mut t = engine(json!({"SDKAppID": 1400000001u64, "baseUrl": "ws://127.0.0.1:1/", "compress": true, "seed": 7}));
    // Like TIM.create, the engine asks for its socket at once; it asks for compressed frames
    // because the platform said it inflates them.
    let outs = outputs(&mut t);
    assert_eq!(outs.len(), 1, "{outs:?}");
    assert_eq!(kind(&outs[0]), "connect");
    let socket = outs[0][1].as_f64().expect("socket id");
    let url = outs[0][2].as_string().unwrap_or_default();
    assert!(url.starts_with("ws://127.0.0.1:1/binfo?"), "{url}");
    assert!(url.contains("compress=gzip"), "{url}");

    // A call before login is refused with tim-js-sdk's code; bad arguments come back as such.
    let r = parse(&t.call("getConversationList", "[]"));
    assert_eq!(r["err"]["code"], 2024, "{r}");
    let r = parse(&t.call("login", "[{\"userID\": \"alice\"}]"));
    assert!(r["err"]["code"].as_i64().is_some_and(|c| c != 0), "login without userSig: {r}");
    let r = parse(&t.call("login", "not json"));
    assert!(r.get("err").is_some() || r.get("throw").is_some(), "arguments that are not JSON: {r}");

    let r = parse(&t.call("login", &json!([{"userID": "alice", "userSig": "sig"}]).to_string()));
    let call = r["pending"].as_u64().expect("login is pending");
    t.opened(socket);
    let outs = outputs(&mut t);
    assert!(outs.iter().any(|o| kind(o) == "load" && o[1].as_string().as_deref() == Some("alice")), "{outs:?}");
    // The login frame goes out binary (`/binfo`): bytes of JSON, as the official SDK sends it.
    let frame = outs
        .iter()
        .filter(|o| kind(o) == "send" && o[1].as_f64() == Some(socket))
        .find_map(|o| o[2].dyn_ref::<Uint8Array>().map(|b| serde_json::from_slice::<Value>(&b.to_vec()).ok()))
        .flatten()
        .expect("a binary frame");
    assert!(frame["head"]["servcmd"].as_str().is_some_and(|c| c.ends_with("wslogin")), "{frame}");
    assert_eq!(frame["head"]["identifier"], "alice");

    // The cache answers; a snapshot that is not JSON is refused so the store can retry.
    assert!(!t.cache_loaded("alice", "{\"conversations\": [tru"));
    assert!(t.cache_loaded("alice", ""));

    // The server refuses the userSig: the login call settles with its code, over the sink's
    // shape (call id, ok, result JSON).
    let reply = json!({"head": frame["head"], "body": {"ActionStatus": "FAIL", "ErrorCode": 70001, "ErrorInfo": "userSig expired"}});
    t.bytes(socket, reply.to_string().as_bytes());
    let outs = outputs(&mut t);
    let settled = outs.iter().find(|o| kind(o) == "settle").expect("settle");
    assert_eq!(settled[1].as_f64(), Some(call as f64));
    assert_eq!(settled[2].as_bool(), Some(false));
    let err = parse(&settled[3].as_string().unwrap_or_default());
    assert_eq!(err["code"], 70001, "{err}");

    // Frames that are not frames are dropped without an answer or a crash.
    t.bytes(socket, b"COMP\x00\x01");
    t.bytes(socket, &[0xff, 0xfe]);
    t.text(socket, "{\"head\": 5}");
    assert!(outputs(&mut t).iter().all(|o| kind(o) != "settle"));
    t.closed(socket);
    t.tick();
    t.history_loaded(99.0, "not json");
    let _ = outputs(&mut t);
    // Logged out by the refusal: destroy answers at once, and the instance is done.
    let r = parse(&t.call("destroy", "[]"));
    assert!(r.get("ok").is_some() || r.get("err").is_some(), "{r}");
    assert!(parse(&t.call("getConversationList", "[]"))["err"]["code"].is_i64());
    assert!(outputs(&mut t).iter().all(|o| kind(o) != "connect"), "no reconnect after destroy");
}

#[wasm_bindgen_test]
fn test_dev_mode_sends_text_frames() {
    let mut t = engine(json!({"SDKAppID": 1400000001u64, "baseUrl": "ws://127.0.0.1:1", "devMode": true}));
    let outs = outputs(&mut t);
    let socket = outs[0][1].as_f64().expect("socket id");
    assert!(outs[0][2].as_string().is_some_and(|u| u.contains("/info?") && !u.contains("compress")), "{outs:?}");
    let _ = t.call("login", &json!([{"userID": "bob", "userSig": "sig"}]).to_string());
    t.opened(socket);
    let sent: Vec<Value> = outputs(&mut t)
        .iter()
        .filter(|o| kind(o) == "send")
        .filter_map(|o| o[2].as_string())
        .map(|s| parse(&s))
        .collect();
    assert!(sent.iter().any(|f| f["head"]["identifier"] == "bob"), "{sent:?}");
}

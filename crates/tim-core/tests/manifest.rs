//! The engine's dispatch against the method manifest (api/methods.json, docs/architecture.md
//! "Method manifest"): every present `sync` / `async` method reaches a handler of
//! `Engine::call` (any answer but the "unknown method" error, CANNOT_FIND_PROTOCOL), and names
//! the manifest does not list answer that error. The manifest is read here only, as test data:
//! it is not compiled into the library.
//!
//! The engine refuses most calls before SDK_READY, so the test logs one in without a network:
//! it answers the engine's frames itself (the wslogin with a reply shaped like tim-server's,
//! every other request with an error) and its cache request with "no cache".
#![allow(clippy::unwrap_used)]

use serde_json::{json, Value};
use tim_core::{CallResult, Config, Engine, Output, SocketId};
use tim_proto::code::CANNOT_FIND_PROTOCOL;

const MANIFEST: &str = include_str!("../../../api/methods.json");
const NOW: u64 = 1_700_000_000_000;

/// Answer what the engine asked for until it asks for nothing more; true once SDK_READY came.
fn serve(e: &mut Engine, socket: SocketId) -> bool {
    let mut ready = false;
    for _ in 0..20 {
        let out = e.drain();
        if out.is_empty() {
            return ready;
        }
        for o in out {
            match o {
                Output::Send { text, .. } => {
                    let frame: Value = serde_json::from_str(&text).unwrap();
                    let body = if frame["head"]["servcmd"] == tim_proto::cmd::WSLOGIN {
                        // As tim-server's login_reply (crates/tim-server/src/ws.rs).
                        json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "A2Key": "a2-manifest-test",
                            "TinyId": "144115000000000001", "InstId": 1, "HelloInterval": 120, "TimeStamp": NOW / 1000})
                    } else {
                        json!({"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": "not served by this test"})
                    };
                    e.on_text(socket, &json!({"head": frame["head"], "body": body}).to_string(), NOW);
                }
                Output::LoadCache { user } => e.cache_loaded(&user, Value::Null, NOW),
                Output::Emit { name, .. } if name == "sdkStateReady" => ready = true,
                _ => {}
            }
        }
    }
    panic!("the engine kept asking for more");
}

/// An engine logged in as `u1`, past SDK_READY.
fn ready_engine() -> (Engine, SocketId) {
    let cfg = Config {
        sdk_app_id: 1_400_000_001,
        base_url: "ws://127.0.0.1:9".into(),
        dev_mode: false,
        instance_id: String::new(),
        seed: 13,
        tz_offset_min: 0,
        compress: false,
    };
    let mut e = Engine::new(cfg, NOW);
    let socket = e
        .drain()
        .into_iter()
        .find_map(|o| match o {
            Output::Connect { socket, .. } => Some(socket),
            _ => None,
        })
        .expect("the engine opens a socket");
    let login = e.call("login", json!([{"userID": "u1", "userSig": "sig"}]), NOW);
    assert!(matches!(login, CallResult::Pending(_)), "login: {login:?}");
    e.on_open(socket, NOW);
    assert!(serve(&mut e, socket), "SDK_READY after the login reply");
    (e, socket)
}

fn is_unknown(r: &CallResult) -> bool {
    matches!(r, CallResult::Done(Err(err)) if err.code == CANNOT_FIND_PROTOCOL)
}

#[test]
fn engine_serves_every_manifest_method_and_no_other() {
    let manifest: Vec<Value> = serde_json::from_str(MANIFEST).unwrap();
    let engine_methods: Vec<&str> = manifest
        .iter()
        .filter(|m| m["present"] == true && (m["kind"] == "sync" || m["kind"] == "async"))
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(engine_methods.len() > 50, "the manifest lists the engine's methods");

    let (mut e, socket) = ready_engine();
    for name in &engine_methods {
        // Still ready, so the call below goes to the dispatch rather than the not-ready check.
        let probe = e.call("_checkReady", json!([]), NOW);
        assert_eq!(probe, CallResult::Done(Ok(Value::Null)), "the engine is ready before {name}");
        let r = e.call(name, json!([]), NOW);
        assert!(!is_unknown(&r), "api/methods.json lists {name}, but Engine::call does not know it: {r:?}");
        serve(&mut e, socket);
    }

    // Names not in the manifest: tim-js-sdk methods this release lacks, and nonsense.
    for name in ["getFriendList", "revokeMessage", "noSuchMethod"] {
        assert!(!manifest.iter().any(|m| m["name"] == name), "{name} is in the manifest");
        let r = e.call(name, json!([]), NOW);
        assert!(is_unknown(&r), "{name} is not in api/methods.json, but Engine::call answers it: {r:?}");
    }
}

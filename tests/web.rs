//! Browser tests of the platform code, in headless Chromium (wasm-bindgen-test): the IndexedDB
//! cache, and the WebSocket transport driving the engine against a real tim-server.
//!
//! The server address comes from the environment at build time (set by scripts/test.sh):
//! TIM_TEST_WS and TIM_TEST_SDKAPPID. Without them the transport test is skipped and says so.
#![cfg(target_arch = "wasm32")]

use std::{cell::RefCell, rc::Rc};

use js_sys::{Function, Promise};
use serde_json::{json, Value};
use tim_wasm::{idb, WasmTim};
use wasm_bindgen::{prelude::*, JsCast};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = "export function sleep_ms(ms) { return new Promise((r) => setTimeout(r, ms)); }
export async function fetch_text(url) { return (await fetch(url)).text(); }
let inflated = 0;
export function inflater() {
  return async (bytes) => {
    const format = bytes[0] === 0x1f && bytes[1] === 0x8b ? 'gzip' : 'deflate';
    const out = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format))).arrayBuffer();
    inflated += 1;
    return new Uint8Array(out);
  };
}
export function inflated_count() { return inflated; }")]
extern "C" {
    fn sleep_ms(ms: i32) -> Promise;
    fn fetch_text(url: &str) -> Promise;
    fn inflater() -> Function;
    fn inflated_count() -> u32;
}

async fn sleep(ms: i32) {
    let _ = JsFuture::from(sleep_ms(ms)).await;
}

#[wasm_bindgen_test]
async fn test_idb_roundtrip_and_upsert() {
    let name = format!("tim-wasm-test-{}", js_sys::Math::random());
    let empty = idb::load(&name).await.expect("open empty");
    assert_eq!(empty["conversations"], json!([]));
    assert_eq!(empty["messages"], json!([]));
    let batch = |text: &str| idb::Batch {
        conversations: vec![("C2Cbob".into(), json!({"conversationID": "C2Cbob", "text": text}).to_string())],
        messages: vec![
            ("1-2-3".into(), json!({"ID": "1-2-3"}).to_string()),
            ("1-2-4".into(), json!({"ID": "1-2-4"}).to_string()),
        ],
        meta: json!({"cookie": text}).to_string(),
    };
    idb::save(&name, batch("first")).await.expect("save");
    idb::save(&name, batch("second")).await.expect("save again");
    let got = idb::load(&name).await.expect("load");
    assert_eq!(got["conversations"].as_array().map(Vec::len), Some(1), "upsert by key, not append");
    assert_eq!(got["conversations"][0]["text"], "second");
    assert_eq!(got["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(got["meta"]["cookie"], "second");
    idb::delete(&name).await.expect("delete");
    assert_eq!(idb::load(&name).await.expect("reopen")["messages"], json!([]));
}

type Log = Rc<RefCell<Vec<(String, Value)>>>;

fn sink(log: &Log) -> Function {
    let log = log.clone();
    Closure::<dyn FnMut(String, JsValue, JsValue, JsValue)>::new(
        move |kind: String, a: JsValue, b: JsValue, c: JsValue| {
            let entry = match kind.as_str() {
                "event" => (
                    a.as_string().unwrap_or_default(),
                    b.as_string().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(Value::Null),
                ),
                _ => (
                    format!("settle:{}", a.as_f64().unwrap_or(-1.0)),
                    json!({"ok": b.as_bool(), "v": c.as_string().and_then(|s| serde_json::from_str::<Value>(&s).ok())}),
                ),
            };
            log.borrow_mut().push(entry);
        },
    )
    .into_js_value()
    .unchecked_into()
}

async fn wait_for(log: &Log, key: &str) -> Value {
    for _ in 0..200 {
        if let Some((_, v)) = log.borrow().iter().find(|(k, _)| k == key) {
            return v.clone();
        }
        sleep(50).await;
    }
    panic!("timed out waiting for {key}; log: {:?}", log.borrow());
}

#[wasm_bindgen_test]
async fn test_transport_logs_in_sends_and_persists() {
    let (Some(ws), Some(app)) = (option_env!("TIM_TEST_WS"), option_env!("TIM_TEST_SDKAPPID")) else {
        console_log!("SKIPPED: TIM_TEST_WS / TIM_TEST_SDKAPPID not set at build time");
        return;
    };
    let user = format!("wasmtest{}", (js_sys::Math::random() * 1e9) as u64);
    let peer = format!("{user}peer");
    // A userSig for a fresh user from the demo endpoint (which allows CORS).
    let http = ws.replacen("ws", "http", 1);
    let body = JsFuture::from(fetch_text(&format!("{http}/dev/usersig?userID={user}")))
        .await
        .expect("fetch userSig")
        .as_string()
        .unwrap_or_default();
    let sig = serde_json::from_str::<Value>(&body).expect("json")["userSig"].as_str().unwrap_or_default().to_string();

    let log: Log = Rc::default();
    let opts = json!({"SDKAppID": app, "baseUrl": ws}).to_string();
    let tim = WasmTim::new(&opts, sink(&log), Some(inflater())).expect("create");
    let r: Value =
        serde_json::from_str(&tim.call("login", &json!([{"userID": user, "userSig": sig}]).to_string())).expect("json");
    let id = r["pending"].as_u64().expect("login is pending");
    let settled = wait_for(&log, &format!("settle:{id}")).await;
    assert_eq!(settled["ok"], true, "login resolved: {settled}");
    wait_for(&log, "sdkStateReady").await;

    // Over a kilobyte, so the server compresses the history reply below (COMP + zlib).
    let long = "hi ".repeat(600);
    let msg: Value = serde_json::from_str(&tim.call(
        "createTextMessage",
        &json!([{"to": peer, "conversationType": "C2C", "payload": {"text": long}}]).to_string(),
    ))
    .expect("json");
    let msg = msg["ok"].clone();
    assert_eq!(msg["status"], "unSend");
    let r: Value = serde_json::from_str(&tim.call("sendMessage", &json!([msg]).to_string())).expect("json");
    let sent = wait_for(&log, &format!("settle:{}", r["pending"].as_u64().expect("pending"))).await;
    assert_eq!(sent["ok"], true, "send resolved: {sent}");
    assert_eq!(sent["v"]["message"]["status"], "success");
    assert!(sent["v"]["message"]["time"].as_u64().unwrap_or(0) > 0);

    // The engine persisted the new conversation to IndexedDB.
    let name = idb::db_name(app.parse().unwrap_or(0), &user);
    let mut found = false;
    for _ in 0..40 {
        let snap = idb::load(&name).await.expect("load");
        if snap["conversations"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["conversationID"] == format!("C2C{peer}")))
        {
            assert!(snap["messages"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["payload"]["text"] == long.as_str())));
            found = true;
            break;
        }
        sleep(50).await;
    }
    assert!(found, "conversation persisted");

    // The receiver logs in on a second instance: its first sync reply carries the long message,
    // compressed by the server (COMP + zlib) and inflated by the platform before the engine
    // sees it, in order with the other frames.
    let before = inflated_count();
    let body =
        JsFuture::from(fetch_text(&format!("{http}/dev/usersig?userID={peer}"))).await.expect("fetch").as_string();
    let peer_sig = serde_json::from_str::<Value>(&body.unwrap_or_default()).expect("json")["userSig"].clone();
    let log2: Log = Rc::default();
    let tim2 = WasmTim::new(&opts, sink(&log2), Some(inflater())).expect("create");
    let r: Value =
        serde_json::from_str(&tim2.call("login", &json!([{"userID": peer, "userSig": peer_sig}]).to_string()))
            .expect("json");
    assert!(r["pending"].is_u64());
    wait_for(&log2, "sdkStateReady").await;
    let r: Value = serde_json::from_str(&tim2.call("getConversationList", "[]")).expect("json");
    let conv = &r["ok"]["conversationList"][0];
    assert_eq!(conv["conversationID"], format!("C2C{user}"));
    assert_eq!(conv["lastMessage"]["messageForShow"], long.as_str());
    assert!(inflated_count() > before, "the sync reply came compressed and was inflated");
    let _ = tim2.call("destroy", "[]");
    let _ = tim.call("destroy", "[]");
}

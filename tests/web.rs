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

fn msg_json(conv: &str, peer: &str, id: &str, time: u64, text: &str) -> Value {
    json!({"ID": id, "type": "TIMTextElem", "payload": {"text": text}, "conversationID": conv,
        "conversationType": "C2C", "to": peer, "from": "me", "flow": "out", "time": time, "status": "success",
        "sequence": time, "random": 1, "_messageKey": format!("{time}_1_{time}"),
        "_elements": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]})
}

fn records(conv: &str, peer: &str, range: std::ops::Range<u64>) -> Vec<idb::MessageRecord> {
    // Message IDs are unique across conversations: bob's are `m-<i>`, others' `<peer>-<i>`.
    let id = |i: u64| if peer == "bob" { format!("m-{i}") } else { format!("{peer}-{i}") };
    range
        .map(|i| idb::MessageRecord::of(&msg_json(conv, peer, &id(i), 1_700_000_000 + i, &format!("t{i}")), i as f64))
        .collect()
}

#[wasm_bindgen_test]
async fn test_idb_pages_keep_one_seconds_messages_in_write_order_and_whole() {
    let name = format!("tim-wasm-test-{}", js_sys::Math::random());
    let db = idb::open(&name).await.expect("open");
    // Six messages of one second whose IDs sort against their arrival, then one older.
    let ids = ["z", "c", "x", "a", "y", "b"];
    let mut messages: Vec<idb::MessageRecord> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            idb::MessageRecord::of(&msg_json("C2Cbob", "bob", id, 1_700_000_100, &format!("s{k}")), 10.0 + k as f64)
        })
        .collect();
    messages.push(idb::MessageRecord::of(&msg_json("C2Cbob", "bob", "old", 1_700_000_099, "old"), 1.0));
    idb::save(&db, idb::Batch { messages, ..Default::default() }).await.expect("save");
    let texts =
        |p: &[Value]| p.iter().map(|m| m["payload"]["text"].as_str().unwrap_or("").to_string()).collect::<Vec<_>>();
    // Asked for 2: the second is read whole, newest (last written) first.
    let top = idb::page(&db, "C2Cbob", None, 2).await.expect("page");
    assert_eq!(texts(&top), ["s5", "s4", "s3", "s2", "s1", "s0"]);
    let below = idb::page(&db, "C2Cbob", Some((1_700_000_100, "\u{10ffff}".into())), 15).await.expect("page");
    assert_eq!(
        texts(&below),
        ["s5", "s4", "s3", "s2", "s1", "s0", "old"],
        "a bound above every ID takes the second whole"
    );
    db.close();
    let _ = idb::delete(&name).await;
}

#[wasm_bindgen_test]
async fn test_idb_roundtrip_upsert_and_pages_from_the_index() {
    let name = format!("tim-wasm-test-{}", js_sys::Math::random());
    let db = idb::open(&name).await.expect("open");
    let empty = idb::load(&db).await.expect("load empty");
    assert_eq!(empty["conversations"], json!([]));
    assert_eq!(empty["outbox"], json!([]));
    let batch = |text: &str| idb::Batch {
        conversations: vec![("C2Cbob".into(), json!({"conversationID": "C2Cbob", "text": text}).to_string())],
        messages: records("C2Cbob", "bob", 0..40),
        outbox: vec![("o-1".into(), json!({"ID": "o-1", "message": {"ID": "o-1"}}).to_string())],
        meta: json!({"cookie": text}).to_string(),
        ..Default::default()
    };
    idb::save(&db, batch("first")).await.expect("save");
    idb::save(&db, batch("second")).await.expect("save again");
    // Another conversation's messages interleave in time but not in its pages.
    let other = idb::Batch { messages: records("C2Ccarol", "carol", 20..30), ..Default::default() };
    idb::save(&db, other).await.expect("save other");
    let got = idb::load(&db).await.expect("load");
    assert_eq!(got["conversations"].as_array().map(Vec::len), Some(1), "upsert by key, not append");
    assert_eq!(got["conversations"][0]["text"], "second");
    assert_eq!(got["meta"]["cookie"], "second");
    assert_eq!(got["outbox"][0]["ID"], "o-1");
    assert!(got.get("messages").is_none(), "warm start reads no messages");
    // Pages: newest first below a bound, from one conversation only.
    let ids = |p: &[Value]| p.iter().map(|m| m["ID"].as_str().unwrap_or("").to_string()).collect::<Vec<_>>();
    let top = idb::page(&db, "C2Cbob", None, 15).await.expect("page");
    assert_eq!(ids(&top), (25..40).rev().map(|i| format!("m-{i}")).collect::<Vec<_>>());
    let below = Some((1_700_000_025, "m-25".to_string()));
    let next = idb::page(&db, "C2Cbob", below, 15).await.expect("page 2");
    assert_eq!(ids(&next), (10..25).rev().map(|i| format!("m-{i}")).collect::<Vec<_>>());
    let last = idb::page(&db, "C2Cbob", Some((1_700_000_010, "m-10".into())), 15).await.expect("page 3");
    assert_eq!(last.len(), 10);
    assert_eq!(idb::page(&db, "C2Cnobody", None, 15).await.expect("empty page"), Vec::<Value>::new());
    // Outbox deletes.
    idb::save(&db, idb::Batch { outbox_delete: vec!["o-1".into()], ..Default::default() }).await.expect("delete");
    assert_eq!(idb::load(&db).await.expect("load")["outbox"], json!([]));
    // The joined-group list is replaced as a whole; a batch without one leaves it alone.
    let groups = |ids: &[&str]| idb::Batch {
        groups: Some(ids.iter().map(|id| (id.to_string(), json!({"groupID": id}).to_string())).collect()),
        ..Default::default()
    };
    idb::save(&db, groups(&["g1", "g2"])).await.expect("groups");
    idb::save(&db, groups(&["g2", "g3"])).await.expect("groups again");
    idb::save(&db, idb::Batch { meta: json!({"cookie": "c3"}).to_string(), ..Default::default() }).await.expect("meta");
    let got = idb::load(&db).await.expect("load");
    assert_eq!(got["groups"], json!([{"groupID": "g2"}, {"groupID": "g3"}]));
    assert_eq!(got["meta"]["cookie"], "c3");
    db.close();
    idb::delete(&name).await.expect("delete");
    let db = idb::open(&name).await.expect("reopen");
    assert_eq!(idb::page(&db, "C2Cbob", None, 15).await.expect("page"), Vec::<Value>::new());
    db.close();
    let _ = idb::delete(&name).await;
}

#[wasm_bindgen_test]
async fn test_quota_exhaustion_evicts_the_oldest_history_and_keeps_the_outbox() {
    let name = format!("tim-wasm-test-{}", js_sys::Math::random());
    let db = idb::open(&name).await.expect("open");
    idb::save(&db, idb::Batch { messages: records("C2Cbob", "bob", 0..30), ..Default::default() }).await.expect("save");
    idb::simulate_quota_exceeded(Some(40));
    let batch = idb::Batch {
        conversations: vec![("C2Cbob".into(), json!({"conversationID": "C2Cbob"}).to_string())],
        messages: records("C2Cbob", "bob", 30..50),
        outbox: vec![("o-1".into(), json!({"ID": "o-1", "message": {"ID": "o-1"}}).to_string())],
        meta: json!({"cookie": "c"}).to_string(),
        ..Default::default()
    };
    let r = idb::save(&db, batch).await;
    assert!(r.is_ok(), "the write went through after eviction: {r:?}");
    // The newest history stayed, contiguous; the oldest went.
    let page = idb::page(&db, "C2Cbob", None, 100).await.expect("page");
    assert_eq!(page.len(), 30, "20 oldest evicted for 20 new");
    assert_eq!(page[0]["ID"], "m-49");
    let times: Vec<u64> = page.iter().filter_map(|m| m["time"].as_u64()).collect();
    assert!(times.windows(2).all(|w| w[0] == w[1] + 1), "contiguous: {times:?}");
    // A batch that can never fit is written without its messages: outbox, conversations and
    // the cursor are kept.
    let huge = idb::Batch {
        messages: records("C2Cbob", "bob", 100..200),
        outbox: vec![("o-2".into(), json!({"ID": "o-2", "message": {"ID": "o-2"}}).to_string())],
        ..Default::default()
    };
    let r2 = idb::save(&db, huge).await;
    idb::simulate_quota_exceeded(None);
    assert!(r2.is_ok(), "the slim write went through: {r2:?}");
    let got = idb::load(&db).await.expect("load");
    let outbox: Vec<&str> = got["outbox"].as_array().into_iter().flatten().filter_map(|q| q["ID"].as_str()).collect();
    assert_eq!(outbox.len(), 2, "outbox survives: {got}");
    assert_eq!(got["meta"]["cookie"], "c");
    assert_eq!(got["conversations"][0]["conversationID"], "C2Cbob");
    db.close();
    let _ = idb::delete(&name).await;
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
        let db = idb::open(&name).await.expect("open");
        let snap = idb::load(&db).await.expect("load");
        let page = idb::page(&db, &format!("C2C{peer}"), None, 15).await.expect("page");
        db.close();
        if snap["conversations"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["conversationID"] == format!("C2C{peer}")))
        {
            assert!(page.iter().any(|m| m["payload"]["text"] == long.as_str()));
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

async fn user_sig(http: &str, user: &str) -> String {
    let body = JsFuture::from(fetch_text(&format!("{http}/dev/usersig?userID={user}")))
        .await
        .expect("fetch userSig")
        .as_string()
        .unwrap_or_default();
    serde_json::from_str::<Value>(&body).expect("json")["userSig"].as_str().unwrap_or_default().to_string()
}

fn call(tim: &WasmTim, method: &str, args: Value) -> Value {
    serde_json::from_str(&tim.call(method, &args.to_string())).expect("json")
}

async fn settled(tim: &WasmTim, log: &Log, method: &str, args: Value) -> Value {
    let r = call(tim, method, args);
    if r.get("ok").is_some() {
        return json!({"ok": true, "v": r["ok"]});
    }
    let id = r["pending"].as_u64().unwrap_or_else(|| panic!("{method}: {r}"));
    wait_for(log, &format!("settle:{id}")).await
}

#[wasm_bindgen_test]
async fn test_warm_start_from_a_seeded_cache_and_writes_under_quota() {
    let (Some(ws), Some(app)) = (option_env!("TIM_TEST_WS"), option_env!("TIM_TEST_SDKAPPID")) else {
        console_log!("SKIPPED: TIM_TEST_WS / TIM_TEST_SDKAPPID not set at build time");
        return;
    };
    let http = ws.replacen("ws", "http", 1);
    let user = format!("wasmwarm{}", (js_sys::Math::random() * 1e9) as u64);
    let peer = format!("{user}peer");
    let conv = format!("C2C{peer}");
    // Seed the cache as an earlier session would have left it: one conversation, 40 messages.
    let name = idb::db_name(app.parse().unwrap_or(0), &user);
    let db = idb::open(&name).await.expect("open");
    let c = json!({"conversationID": conv, "type": "C2C", "unreadCount": 2, "lastMessage": {"lastTime": 1_700_000_039,
        "messageForShow": "t39", "fromAccount": user, "payload": {"text": "t39"}, "type": "TIMTextElem"},
        "userProfile": {"userID": peer, "nick": "", "avatar": ""}, "_lastTime": 1_700_000_039});
    let batch = idb::Batch {
        conversations: vec![(conv.clone(), c.to_string())],
        messages: records(&conv, &peer, 0..40),
        ..Default::default()
    };
    idb::save(&db, batch).await.expect("seed");
    db.close();

    let log: Log = Rc::default();
    let opts = json!({"SDKAppID": app, "baseUrl": ws}).to_string();
    let tim = WasmTim::new(&opts, sink(&log), Some(inflater())).expect("create");
    let r = call(&tim, "login", json!([{"userID": user, "userSig": user_sig(&http, &user).await}]));
    assert!(r["pending"].is_u64(), "{r}");
    wait_for(&log, "sdkStateReady").await;
    // Ready from the cache: the list at ready is the cached one. (The server knows no
    // conversation of this user, so the full sync after it empties the list, as tim-js-sdk's
    // does; the cached history stays readable.)
    let list = wait_for(&log, "onConversationListUpdated").await;
    assert_eq!(list[0]["conversationID"], conv.as_str(), "{list}");
    assert_eq!(list[0]["unreadCount"], 2);
    // History pages come from the messages index, newest page first, each oldest first.
    let texts = |p: &Value| -> Vec<String> {
        p["v"]["messageList"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["payload"]["text"].as_str().map(String::from))
            .collect()
    };
    let p1 = settled(&tim, &log, "getMessageList", json!([{"conversationID": conv}])).await;
    assert_eq!(texts(&p1), (25..40).map(|i| format!("t{i}")).collect::<Vec<_>>(), "{p1}");
    assert_eq!(p1["v"]["isCompleted"], false);
    let next = p1["v"]["nextReqMessageID"].clone();
    let p2 = settled(&tim, &log, "getMessageList", json!([{"conversationID": conv, "nextReqMessageID": next}])).await;
    assert_eq!(texts(&p2), (10..25).map(|i| format!("t{i}")).collect::<Vec<_>>(), "{p2}");
    let next = p2["v"]["nextReqMessageID"].clone();
    // The last ten: the cache runs out, the server has nothing older, the history is complete.
    let p3 = settled(&tim, &log, "getMessageList", json!([{"conversationID": conv, "nextReqMessageID": next}])).await;
    assert_eq!(texts(&p3), (0..10).map(|i| format!("t{i}")).collect::<Vec<_>>(), "{p3}");
    assert_eq!(p3["v"]["isCompleted"], true);

    // The disk is full (test hook): the SDK keeps working, the conversation is still written.
    idb::simulate_quota_exceeded(Some(0));
    let msg = call(
        &tim,
        "createTextMessage",
        json!([{"to": peer, "conversationType": "C2C", "payload": {"text": "under quota"}}]),
    );
    let sent = settled(&tim, &log, "sendMessage", json!([msg["ok"]])).await;
    assert_eq!(sent["ok"], true, "{sent}");
    let mut persisted = false;
    for _ in 0..40 {
        sleep(50).await;
        let db = idb::open(&name).await.expect("open");
        let snap = idb::load(&db).await.expect("load");
        db.close();
        if snap["conversations"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["lastMessage"]["messageForShow"] == "under quota")
        {
            persisted = true;
            break;
        }
    }
    idb::simulate_quota_exceeded(None);
    assert!(persisted, "the conversation was written without the messages that did not fit");
    let _ = tim.call("destroy", "[]");
    sleep(100).await;
    let _ = idb::delete(&name).await;
}

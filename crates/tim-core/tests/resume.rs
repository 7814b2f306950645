//! Login option `_resume` (a tab taking over a shared connection, docs/tabs.md): the first sync
//! from the cached cursor announces the messages it finds; without the option, or without a
//! cached cursor, the first sync stays silent as in tim-js-sdk.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use serde_json::{json, Value};

fn texts(list: &[Value]) -> Vec<String> {
    list.iter().map(|m| m["payload"]["text"].as_str().unwrap_or("").to_string()).collect()
}

/// A new engine for `user` with `cache` as its IndexedDB snapshot, logged in with `resume`.
async fn takeover(server: &ServerHandle, user: &str, cache: Value, resume: bool) -> Driver {
    let mut d = Driver::new(server);
    d.user = user.to_string();
    d.cache = cache;
    d.pump_until(5_000, |d| d.sent.iter().any(|f| f["head"]["servcmd"] == "heartbeat.alive")).await;
    let sig = tim_proto::usersig::generate(APP, KEY, user, 86_400, now() / 1000);
    let mut o = json!({"userID": user, "userSig": sig});
    if resume {
        o["_resume"] = json!(true);
    }
    d.call("login", json!([o])).await.unwrap();
    d.wait_event("sdkStateReady").await;
    d.pump(500).await;
    d
}

#[tokio::test]
async fn test_resume_announces_what_arrived_after_the_cached_cursor() {
    let server = server().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let mut b = Driver::new(&server);
    b.login(&bob).await;
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    b.send_text(&alice, "one").await;
    received_where(&mut a, "one", |m| m["payload"]["text"] == "one").await;
    a.pump(200).await;
    let meta =
        a.persisted.iter().rev().map(|p| p.2.clone()).find(|m| m["cookie"].as_str().is_some_and(|c| !c.is_empty()));
    let cache = json!({"conversations": [], "messages": [], "meta": meta.expect("a persisted cursor")});
    a.cut();
    drop(a);
    // Sent while no tab holds the connection.
    b.send_text(&alice, "two").await;
    b.send_text(&alice, "three").await;

    let mut r = takeover(&server, &alice, cache.clone(), true).await;
    let got = texts(&r.received());
    // "one" may come again (the cursor moves at syncs, not at pushes): the tabs drop it by ID.
    let after: Vec<&String> = got.iter().filter(|t| *t != "one").collect();
    assert_eq!(after, ["two", "three"], "{got:?}");
    assert!(got.iter().filter(|t| *t == "one").count() <= 1);

    // Without the option: a silent first sync, as before.
    let mut q = takeover(&server, &alice, cache, false).await;
    assert_eq!(texts(&q.received()), Vec::<String>::new());
    // With the option but no cached cursor: the whole stream is not announced.
    let mut n = takeover(&server, &alice, Value::Null, true).await;
    assert_eq!(texts(&n.received()), Vec::<String>::new());
    // Later messages are announced to the live instance as usual.
    b.send_text(&alice, "four").await;
    received_where(&mut n, "four", |m| m["payload"]["text"] == "four").await;
}

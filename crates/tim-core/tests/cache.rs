//! The engine's cache protocol against a real in-process tim-server over real WebSockets: warm
//! start from a cached conversation list with history read from the cache on demand, resync of
//! 500 messages missed while offline (C2C through the sync cursor, a group through its
//! sequences, announced after a reconnect, a warm start or a resumed tab session, at most the
//! newest 1,000 per group, silent after a cold start), and the outbox of messages sent while
//! offline.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

fn texts(page: &Value) -> Vec<String> {
    page["messageList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["payload"]["text"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Everything a driver persisted, as the platform would hold it: `(snapshot, messages)` (the
/// platform reads history pages from the messages on demand, not at warm start).
fn stored(d: &Driver) -> (Value, Vec<Value>) {
    let mut snapshot = d.snapshot();
    let messages = snapshot.as_object_mut().and_then(|o| o.remove("messages"));
    (snapshot, messages.and_then(|m| m.as_array().cloned()).unwrap_or_default())
}

/// Page through a conversation's history, oldest first.
async fn all_history(d: &mut Driver, conv: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut next = String::new();
    for _ in 0..100 {
        let page = d.call("getMessageList", json!([{"conversationID": conv, "nextReqMessageID": next}])).await.unwrap();
        let mut t = texts(&page);
        t.extend(out);
        out = t;
        if page["isCompleted"] == true {
            return out;
        }
        next = page["nextReqMessageID"].as_str().unwrap().to_string();
        assert!(!next.is_empty(), "{page}");
    }
    panic!("history never completed");
}

#[tokio::test]
async fn test_warm_start_answers_from_the_cache_then_the_network_brings_what_changed() {
    let server = server().await;
    let (alice, bob) = (uid("walice"), uid("wbob"));
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    for i in 0..40 {
        a.send_text(&bob, &format!("m{i:02}")).await;
    }
    a.pump(300).await;
    let (snapshot, messages) = stored(&a);
    assert_eq!(messages.len(), 40);
    a.call("logout", json!([])).await.unwrap();

    // While alice is away bob writes once more (a later second than the cached last message).
    let mut b = Driver::new(&server);
    b.login(&bob).await;
    b.pump(1_100).await;
    b.send_text(&alice, "while away").await;

    // A reloaded page: the cache holds the conversation list and the history (read lazily).
    let mut w = Driver::new(&server);
    w.cache = snapshot;
    w.cached_history = messages;
    w.login(&alice).await;
    // SDK_READY came from the cache: the first getConversationList answers from it.
    let list = w.call("getConversationList", json!([])).await.unwrap();
    assert_eq!(list["conversationList"][0]["conversationID"], format!("C2C{bob}"), "{list}");
    // The network then brings the message sent meanwhile, announced once.
    let got = received_where(&mut w, "while away", |m| m["payload"]["text"] == "while away").await;
    assert_eq!(got["flow"], "in");
    w.pump(300).await;
    assert!(w.received().iter().all(|m| m["payload"]["text"] != "while away"), "announced once");
    // History: all 40 cached messages plus the new one, in order, each once, read from the cache
    // (no getroammsg for what the cache holds; the last read finds nothing older on the server).
    let all = all_history(&mut w, &format!("C2C{bob}")).await;
    let mut want: Vec<String> = (0..40).map(|i| format!("m{i:02}")).collect();
    want.push("while away".into());
    assert_eq!(all, want);
    let roams = w.servcmds().iter().filter(|c| *c == "openim.getroammsg").count();
    assert!(roams <= 1, "the cache answered the pages; getroammsg {roams} times");
}

#[tokio::test]
async fn test_resync_after_500_c2c_messages_missed_offline_shows_each_once_in_order() {
    let server = server().await;
    let (alice, bob) = (uid("ralice"), uid("rbob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    a.send_text(&bob, "first").await;
    received_where(&mut b, "first", |m| m["payload"]["text"] == "first").await;
    b.offline = true;
    b.cut();
    b.pump(200).await;
    for i in 0..500 {
        a.send_text(&bob, &format!("r{i:03}")).await;
    }
    b.offline = false;
    let mut seen: Vec<String> = Vec::new();
    let deadline = now() + 30_000;
    while seen.len() < 500 && now() < deadline {
        b.pump(200).await;
        seen.extend(b.received().iter().map(|m| m["payload"]["text"].as_str().unwrap_or("").to_string()));
    }
    b.pump(1_500).await;
    seen.extend(b.received().iter().map(|m| m["payload"]["text"].as_str().unwrap_or("").to_string()));
    let want: Vec<String> = (0..500).map(|i| format!("r{i:03}")).collect();
    assert_eq!(seen, want, "all 500, once, in order");
    let list = b.call("getConversationList", json!([])).await.unwrap();
    assert_eq!(list["conversationList"][0]["unreadCount"], 501, "{}", list["conversationList"][0]);
    let all = all_history(&mut b, &format!("C2C{alice}")).await;
    assert_eq!(all.len(), 501);
    assert_eq!(all[1..], want[..]);
}

/// alice creates a public group and bob joins it: `(alice, bob, groupID)`, both logged in.
async fn group_pair(server: &ServerHandle, prefix: &str) -> (Driver, Driver, String) {
    let mut a = Driver::new(server);
    let mut b = Driver::new(server);
    a.login(&uid(&format!("{prefix}alice"))).await;
    b.login(&uid(&format!("{prefix}bob"))).await;
    let r = a.call("createGroup", json!([{"type": "Public", "name": "R", "joinOption": "FreeAccess"}])).await.unwrap();
    let gid = r["group"]["groupID"].as_str().unwrap().to_string();
    b.call("joinGroup", json!([{"groupID": gid}])).await.unwrap();
    (a, b, gid)
}

/// Send a text to group `gid`, waiting out the server's message rate limit (10006).
async fn send_group_text(d: &mut Driver, gid: &str, text: &str, opts: Value) {
    loop {
        let m = d
            .call("createTextMessage", json!([{"to": gid, "conversationType": "GROUP", "payload": {"text": text}}]))
            .await
            .unwrap();
        match d.call("sendMessage", json!([m, opts])).await {
            Ok(_) => return,
            Err(e) if e.code == 10006 => d.pump(200).await,
            Err(e) => panic!("{e:?}"),
        }
    }
}

/// The texts of MESSAGE_RECEIVED messages until `n` came (or 30 s), then 1.5 s more.
async fn announced(d: &mut Driver, n: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let deadline = now() + 30_000;
    while seen.len() < n && now() < deadline {
        d.pump(200).await;
        seen.extend(d.received().iter().map(|m| m["payload"]["text"].as_str().unwrap_or("").to_string()));
    }
    d.pump(1_500).await;
    seen.extend(d.received().iter().map(|m| m["payload"]["text"].as_str().unwrap_or("").to_string()));
    seen
}

fn unread_of(list: &Value, conv: &str) -> Value {
    let c = list["conversationList"].as_array().unwrap().iter().find(|c| c["conversationID"] == conv);
    c.map_or(Value::Null, |c| c["unreadCount"].clone())
}

/// `a` sends `text` to the group and `b` receives it: the last message the app saw.
async fn seen_in_group(a: &mut Driver, b: &mut Driver, gid: &str, text: &str) {
    send_group_text(a, gid, text, Value::Null).await;
    received_where(b, text, |m| m["payload"]["text"] == text).await;
}

/// A C2C text message created by `d` (not sent).
async fn c2c_text(d: &mut Driver, to: &str, text: &str) -> Value {
    let m = json!([{"to": to, "conversationType": "C2C", "payload": {"text": text}}]);
    d.call("createTextMessage", m).await.unwrap()
}

/// `b` loses the network (and notices).
async fn go_offline(b: &mut Driver) {
    b.offline = true;
    b.cut();
    b.pump(200).await;
}

/// `b` is offline while `a` sends `texts` to the group; then the network is back.
async fn missed_offline(a: &mut Driver, b: &mut Driver, gid: &str, texts: impl IntoIterator<Item = String>) {
    go_offline(b).await;
    for t in texts {
        send_group_text(a, gid, &t, Value::Null).await;
    }
    b.offline = false;
}

#[tokio::test]
async fn test_resync_after_500_group_messages_missed_offline_announces_and_fills_the_history_once_in_order() {
    let server = server().await;
    let (mut a, mut b, gid) = group_pair(&server, "g").await;
    seen_in_group(&mut a, &mut b, &gid, "before").await;
    missed_offline(&mut a, &mut b, &gid, (0..500).map(|i| format!("g{i:03}"))).await;
    let want: Vec<String> = (0..500).map(|i| format!("g{i:03}")).collect();
    // The reconnect's conversation list names a later sequence: the missed 500 are announced.
    assert_eq!(announced(&mut b, 500).await, want, "all 500, once, in order");
    let all = all_history(&mut b, &format!("GROUP{gid}")).await;
    let pos = all.iter().position(|t| t == "before").unwrap();
    assert_eq!(all[pos + 1..], want[..], "all 500 after the last one seen, once, in order");
    assert_eq!(all.iter().filter(|t| t.starts_with('g')).count(), 500);
}

#[tokio::test]
async fn test_warm_start_announces_the_500_group_messages_sent_since_the_cache_once_in_order() {
    let server = server().await;
    let (mut a, mut b, gid) = group_pair(&server, "wg").await;
    seen_in_group(&mut a, &mut b, &gid, "before").await;
    b.pump(300).await;
    let (snapshot, messages) = stored(&b);
    let bob = b.user.clone();
    b.call("logout", json!([])).await.unwrap();
    for i in 0..500 {
        send_group_text(&mut a, &gid, &format!("w{i:03}"), Value::Null).await;
    }
    // A reloaded page: SDK_READY from the cached list, then the network names 500 more.
    let mut w = Driver::new(&server);
    w.cache = snapshot;
    w.cached_history = messages;
    w.login(&bob).await;
    let want: Vec<String> = (0..500).map(|i| format!("w{i:03}")).collect();
    assert_eq!(announced(&mut w, 500).await, want, "exactly the 500 missed, once, in order");
    let all = all_history(&mut w, &format!("GROUP{gid}")).await;
    let pos = all.iter().position(|t| t == "before").unwrap();
    assert_eq!(all[pos + 1..], want[..]);
}

#[tokio::test]
async fn test_reconnect_announces_missed_group_messages_once_and_keeps_the_unread_count_exact() {
    let server = server().await;
    let (mut a, mut b, gid) = group_pair(&server, "cg").await;
    let conv = format!("GROUP{gid}");
    seen_in_group(&mut a, &mut b, &gid, "seen").await;
    b.call("setMessageRead", json!([{"conversationID": conv}])).await.unwrap();
    b.pump(300).await;
    const N: usize = 30;
    missed_offline(&mut a, &mut b, &gid, (0..N).map(|i| format!("c{i:02}"))).await;
    let want: Vec<String> = (0..N).map(|i| format!("c{i:02}")).collect();
    assert_eq!(announced(&mut b, N).await, want, "N, once, in order");
    let list = b.call("getConversationList", json!([])).await.unwrap();
    assert_eq!(unread_of(&list, &conv), N, "the server's count, not N more on top: {list}");
    // A live message afterwards: announced once, counted once.
    send_group_text(&mut a, &gid, "live", Value::Null).await;
    assert_eq!(announced(&mut b, 1).await, ["live"]);
    let list = b.call("getConversationList", json!([])).await.unwrap();
    assert_eq!(unread_of(&list, &conv), N + 1, "{list}");
}

#[tokio::test]
async fn test_a_tip_missed_while_offline_is_filed_like_a_push_of_it_and_announced_in_order() {
    let server = server().await;
    let (mut a, mut b, gid) = group_pair(&server, "tg").await;
    let conv = format!("GROUP{gid}");
    seen_in_group(&mut a, &mut b, &gid, "seen").await;
    b.call("setMessageRead", json!([{"conversationID": conv}])).await.unwrap();
    b.pump(300).await;
    go_offline(&mut b).await;
    send_group_text(&mut a, &gid, "t1", Value::Null).await;
    let mut c = Driver::new(&server);
    c.login(&uid("tgcarol")).await;
    c.call("joinGroup", json!([{"groupID": gid}])).await.unwrap();
    send_group_text(&mut a, &gid, "t2", Value::Null).await;
    b.events.clear();
    b.offline = false;
    let mut got: Vec<Value> = Vec::new();
    let deadline = now() + 15_000;
    while got.len() < 3 && now() < deadline {
        b.pump(200).await;
        got.extend(b.received());
    }
    b.pump(1_000).await;
    got.extend(b.received());
    let kinds: Vec<(String, String)> = got
        .iter()
        .map(|m| (m["type"].as_str().unwrap().to_string(), m["payload"]["text"].as_str().unwrap_or("").to_string()))
        .collect();
    let want = [("TIMTextElem", "t1"), ("TIMGroupTipElem", ""), ("TIMTextElem", "t2")];
    assert_eq!(kinds, want.map(|(k, t)| (k.to_string(), t.to_string())), "once each, in sequence order");
    assert_eq!(got[1]["payload"]["operationType"], 1, "{}", got[1]);
    // The tip's effect on the group, as a push of it would have: three members now.
    let groups = b.events.iter().rev().find(|(n, _)| n == "onGroupListUpdated").and_then(|e| e.1.clone());
    let g = groups.as_ref().and_then(|l| l.as_array()?.iter().find(|g| g["groupID"] == gid.as_str()).cloned());
    assert_eq!(g.map(|g| g["memberCount"].clone()), Some(json!(3)), "{groups:?}");
    let list = b.call("getConversationList", json!([])).await.unwrap();
    assert_eq!(unread_of(&list, &conv), 3, "the server's count: {list}");
}

#[tokio::test]
async fn test_one_group_resync_announces_at_most_the_newest_1000_missed_messages() {
    let server = server().await;
    let (mut a, mut b, gid) = group_pair(&server, "kg").await;
    seen_in_group(&mut a, &mut b, &gid, "before").await;
    missed_offline(&mut a, &mut b, &gid, (0..1_010).map(|i| format!("k{i:04}"))).await;
    let want: Vec<String> = (10..1_010).map(|i| format!("k{i:04}")).collect();
    assert_eq!(announced(&mut b, 1_000).await, want, "the newest 1,000, once, in order");
    // The older ones are in the history all the same (from the server, when paged to).
    let all = all_history(&mut b, &format!("GROUP{gid}")).await;
    assert_eq!(all.iter().filter(|t| t.starts_with('k')).count(), 1_010);
}

#[tokio::test]
async fn test_a_resumed_tab_session_announces_group_messages_sent_since_the_cache() {
    let server = server().await;
    let (mut a, mut b, gid) = group_pair(&server, "rg").await;
    seen_in_group(&mut a, &mut b, &gid, "before").await;
    b.pump(300).await;
    let (snapshot, messages) = stored(&b);
    let bob = b.user.clone();
    b.cut();
    drop(b);
    for i in 0..3 {
        send_group_text(&mut a, &gid, &format!("r{i}"), Value::Null).await;
    }
    // A tab taking over the session (login option `_resume`, docs/tabs.md) from the cache.
    let mut r = Driver::new(&server);
    r.user = bob.clone();
    r.cache = snapshot;
    r.cached_history = messages;
    r.pump_until(5_000, |d| d.sent.iter().any(|f| f["head"]["servcmd"] == "heartbeat.alive")).await;
    let sig = tim_proto::usersig::generate(APP, KEY, &bob, 86_400, now() / 1000);
    r.call("login", json!([{"userID": bob, "userSig": sig, "_resume": true}])).await.unwrap();
    r.wait_event("sdkStateReady").await;
    assert_eq!(announced(&mut r, 3).await, ["r0", "r1", "r2"]);
}

#[tokio::test]
async fn test_cold_start_announces_no_group_message_already_there() {
    let server = server().await;
    let (mut a, b, gid) = group_pair(&server, "sg").await;
    let bob = b.user.clone();
    drop(b);
    for i in 0..5 {
        send_group_text(&mut a, &gid, &format!("s{i}"), Value::Null).await;
    }
    // The newest one is kept out of the conversation's last message: the conversation list
    // names an older sequence than the group list.
    let opts = json!({"messageControlInfo": {"excludedFromLastMessage": true}});
    send_group_text(&mut a, &gid, "hidden", opts).await;
    let mut c = Driver::new(&server);
    c.login(&bob).await;
    c.pump(2_000).await;
    assert_eq!(c.received(), Vec::<Value>::new(), "the first sync after a cold start is silent");
    let list = c.call("getConversationList", json!([])).await.unwrap();
    assert!(unread_of(&list, &format!("GROUP{gid}")).as_u64().is_some_and(|n| n >= 6), "{list}");
    // Later messages are announced as usual.
    send_group_text(&mut a, &gid, "after", Value::Null).await;
    assert_eq!(announced(&mut c, 1).await, ["after"]);
}

#[tokio::test]
async fn test_offline_send_waits_in_the_outbox_and_is_delivered_once() {
    let server = server().await;
    let (alice, bob) = (uid("oalice"), uid("obob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    go_offline(&mut a).await;
    let m = c2c_text(&mut a, &bob, "from the outbox").await;
    let CallResult::Pending(call) = a.engine.call("sendMessage", json!([m]), now()) else { panic!("not pending") };
    a.run_outputs();
    // The message waits as unSend in the persisted outbox, not on the wire.
    a.pump(1_000).await;
    assert!(!a.settled.contains_key(&call), "no answer while offline");
    let sends = a.servcmds().iter().filter(|c| *c == "openim.sendmsg").count();
    assert_eq!(sends, 0);
    // Back online: sent once, the call resolves, bob gets it once.
    a.offline = false;
    assert!(a.pump_until(15_000, |d| d.settled.contains_key(&call)).await, "sendMessage settled");
    let sent = a.settled.remove(&call).unwrap().unwrap();
    assert_eq!(sent["message"]["status"], "success", "{sent}");
    received_where(&mut b, "outbox message", |m| m["payload"]["text"] == "from the outbox").await;
    b.pump(1_000).await;
    assert!(b.received().iter().all(|m| m["payload"]["text"] != "from the outbox"), "delivered once");
}

#[tokio::test]
async fn test_outbox_restored_from_the_cache_is_sent_after_login_and_the_server_dedups_a_repeat() {
    let server = server().await;
    let (alice, bob) = (uid("palice"), uid("pbob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    go_offline(&mut a).await;
    let m = c2c_text(&mut a, &bob, "survives reload").await;
    let _ = a.engine.call("sendMessage", json!([m]), now());
    a.run_outputs();
    a.pump(200).await;
    // The outbox record the engine persists (`{ID, message, opts}`), as a reloaded page reads it.
    let outbox = vec![json!({"ID": m["ID"], "message": m, "opts": null})];
    // The page reloads twice with the same outbox (e.g. the first send's reply was lost): the
    // server keeps one copy.
    for _ in 0..2 {
        let mut r = Driver::new(&server);
        r.cache = json!({"conversations": [], "outbox": outbox, "meta": {}});
        r.login(&alice).await;
        r.pump(1_000).await;
        assert_eq!(r.servcmds().iter().filter(|c| *c == "openim.sendmsg").count(), 1);
        r.call("logout", json!([])).await.unwrap();
    }
    received_where(&mut b, "restored outbox message", |m| m["payload"]["text"] == "survives reload").await;
    b.pump(1_000).await;
    assert!(b.received().iter().all(|m| m["payload"]["text"] != "survives reload"), "delivered once");
    let page = b.call("getMessageList", json!([{"conversationID": format!("C2C{alice}")}])).await.unwrap();
    assert_eq!(texts(&page), ["survives reload"]);
}

#[tokio::test]
async fn test_after_a_warm_start_only_messages_newer_than_the_cache_are_announced() {
    let server = server().await;
    let (alice, bob) = (uid("nalice"), uid("nbob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    // bob receives five by push (his cached sync cursor stays older than them).
    for i in 0..5 {
        a.send_text(&bob, &format!("pushed {i}")).await;
    }
    let mut got = 0;
    let deadline = now() + 10_000;
    while got < 5 && now() < deadline {
        b.pump(100).await;
        got += b.received().len();
    }
    assert_eq!(got, 5);
    // bob goes away at once; a message most likely of the same second as his cached last one
    // is new to him all the same.
    b.offline = true;
    b.cut();
    a.send_text(&bob, "quick").await;
    b.pump(500).await;
    let (snapshot, messages) = stored(&b);
    // Later seconds than the cached last message (times are in seconds: docs/cache.md).
    a.pump(1_100).await;
    for i in 0..3 {
        a.send_text(&bob, &format!("later {i}")).await;
    }
    let mut w = Driver::new(&server);
    w.cache = snapshot;
    w.cached_history = messages;
    w.login(&bob).await;
    w.pump(1_500).await;
    let texts: Vec<String> =
        w.received().iter().map(|m| m["payload"]["text"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(texts, ["quick", "later 0", "later 1", "later 2"], "only what the cache did not have");
    let all = all_history(&mut w, &format!("C2C{alice}")).await;
    let want: Vec<String> = (0..5)
        .map(|i| format!("pushed {i}"))
        .chain(["quick".to_string()])
        .chain((0..3).map(|i| format!("later {i}")))
        .collect();
    assert_eq!(all, want);
}

//! The engine driven natively against a real in-process tim-server over real WebSockets:
//! login sequence, live delivery, reconnect with exactly-once delivery, resend after a lost
//! reply, history paging from the cache and the server, unread counting, kick-out, and the
//! cached conversation list before the network answers.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[tokio::test]
async fn test_login_sequence_matches_the_official_order() {
    let server = server().await;
    let mut a = Driver::new(&server);
    a.login(&uid("alice")).await;
    a.pump(300).await;
    let cmds = a.servcmds();
    let pos = |c: &str| cmds.iter().position(|x| x == c).unwrap_or_else(|| panic!("{c} not sent: {cmds:?}"));
    // WIRE.md §3.1 (2.x without the friendship module and telemetry).
    let order = [
        "heartbeat.alive",
        "im_open_status.wslogin",
        "profile.portrait_get_all",
        "sns.black_list_get",
        "recentcontact.page_get",
        "openim.authkey",
        "openim.getmsg",
        "im_sdk_config_mgr.fetch_config",
        "recentcontact.get_contact_group",
        "openim.get_c2c_peer_mute_notifications",
        "group_open_http_svc.get_joined_group_list",
        "million_group_open_http_svc.get_joined_group_list",
        "im_sdk_config_mgr.fetch_imsdk_purchase_bitsv2",
    ];
    for w in order.windows(2) {
        assert!(pos(w[0]) < pos(w[1]), "{} should come before {}: {cmds:?}", w[0], w[1]);
    }
    // The first wslogin carries identifier+usersig; later frames carry a2+tinyid only.
    let login = &a.sent[pos("im_open_status.wslogin")];
    assert_eq!(login["head"]["identifier"], a.user.as_str());
    assert!(login["head"]["a2"].is_null());
    let after = &a.sent[pos("recentcontact.page_get")];
    assert!(after["head"]["identifier"].is_null() && after["head"]["a2"].is_string());
    assert_eq!(after["head"]["tinyid"].as_str().map(|t| t.parse::<u64>().is_ok()), Some(true));
    // Seqs go up by one per request.
    let seqs: Vec<u64> = a.sent.iter().map(|f| f["head"]["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] > w[0]));
    // Each login-phase command exactly once.
    for c in order.iter().skip(1) {
        assert_eq!(cmds.iter().filter(|x| x == c).count(), 1, "{c} sent more than once");
    }
}

#[tokio::test]
async fn test_send_receive_and_conversations() {
    let server = server().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    let sent = a.send_text(&bob, "hello bob").await;
    assert_eq!(sent["status"], "success");
    assert!(sent["time"].as_u64().unwrap() > 0);
    b.pump_until(5_000, |d| d.events.iter().any(|e| e.0 == "onMessageReceived")).await;
    let got = b.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["ID"], sent["ID"]);
    assert_eq!(got[0]["payload"]["text"], "hello bob");
    assert_eq!(got[0]["flow"], "in");
    // The sender's own instance gets no MESSAGE_RECEIVED for its message.
    a.pump(300).await;
    assert!(a.received().is_empty());
    b.pump(1_200).await;
    let list = b.call("getConversationList", json!([])).await.unwrap();
    let conv = &list["conversationList"][0];
    assert_eq!(conv["conversationID"], format!("C2C{alice}"));
    assert_eq!(conv["unreadCount"], 1);
    assert_eq!(conv["lastMessage"]["messageForShow"], "hello bob");
    b.call("setMessageRead", json!([{"conversationID": format!("C2C{alice}")}])).await.unwrap();
    let list = b.call("getConversationList", json!([])).await.unwrap();
    assert_eq!(list["conversationList"][0]["unreadCount"], 0);
    // A new instance of bob gets the unread state from the server: 0 after the read report,
    // and 2 after two more messages.
    a.send_text(&bob, "two").await;
    a.send_text(&bob, "three").await;
    b.call("logout", json!([])).await.unwrap();
    let mut b2 = Driver::new(&server);
    b2.login(&bob).await;
    b2.pump(300).await;
    let list = b2.call("getConversationList", json!([])).await.unwrap();
    assert_eq!(list["conversationList"][0]["unreadCount"], 2, "{list}");
    assert!(b2.received().is_empty(), "the initial sync raises no MESSAGE_RECEIVED");
}

#[tokio::test]
async fn test_reconnect_delivers_messages_sent_meanwhile_exactly_once() {
    let server = server().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    a.send_text(&bob, "before").await;
    b.pump(300).await;
    assert_eq!(b.received().len(), 1);

    // bob's network goes away; alice sends three messages meanwhile.
    b.offline = true;
    b.cut();
    b.pump(200).await;
    let mut ids = Vec::new();
    for t in ["m1", "m2", "m3"] {
        ids.push(a.send_text(&bob, t).await["ID"].clone());
    }
    b.pump(500).await;
    assert!(b.received().is_empty());
    // The network comes back: the engine reconnects, re-logs in with its A2 key, resyncs.
    b.offline = false;
    let relogin_from = b.sent.len();
    b.pump_until(10_000, |d| d.events.iter().filter(|e| e.0 == "onMessageReceived").count() >= 1).await;
    b.pump(1_500).await;
    let got = b.received();
    let got_ids: Vec<&Value> = got.iter().map(|m| &m["ID"]).collect();
    assert_eq!(got_ids, ids.iter().collect::<Vec<_>>(), "each message exactly once, in order");
    let relogin =
        b.sent[relogin_from..].iter().find(|f| f["head"]["servcmd"] == "im_open_status.wslogin").expect("re-login");
    assert!(relogin["head"]["a2"].is_string() && relogin["head"]["usersig"].is_null(), "re-login uses the A2 key");
    assert!(b.events.iter().any(|e| e.0 == "netStateChange" && e.1.as_ref().unwrap()["state"] == "connected"));
    // Still one SDK_READY only.
    assert!(!b.events.iter().any(|e| e.0 == "sdkStateReady"));
}

#[tokio::test]
async fn test_lost_reply_is_resent_and_answered_once() {
    let server = server().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    // The connection drops right after the sendmsg frame left: the reply is lost.
    a.cut_after = Some("openim.sendmsg".into());
    let sent = a.send_text(&bob, "once").await;
    assert_eq!(sent["status"], "success");
    let frames: Vec<&Value> = a.sent.iter().filter(|f| f["head"]["servcmd"] == "openim.sendmsg").collect();
    assert_eq!(frames.len(), 2, "the pending request was resent after reconnect");
    assert_eq!(frames[0], frames[1], "with the same seq and bytes");
    b.pump(1_500).await;
    let got = b.received();
    assert_eq!(got.iter().filter(|m| m["payload"]["text"] == "once").count(), 1);
    // History holds it once too.
    let h = b.call("getMessageList", json!([{"conversationID": format!("C2C{alice}")}])).await.unwrap();
    assert_eq!(h["messageList"].as_array().unwrap().iter().filter(|m| m["payload"]["text"] == "once").count(), 1);
}

#[tokio::test]
async fn test_history_pages_from_cache_then_server() {
    let server = server().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    for i in 0..40 {
        a.send_text(&bob, &format!("n{i:02}")).await;
    }
    // bob logs in later: the initial sync brings the 40 messages into the engine's cache.
    let mut b = Driver::new(&server);
    b.login(&bob).await;
    b.pump(300).await;
    let conv = format!("C2C{alice}");
    let before = b.servcmds().iter().filter(|c| *c == "openim.getroammsg").count();
    let p1 = b.call("getMessageList", json!([{"conversationID": conv}])).await.unwrap();
    let texts = |p: &Value| {
        p["messageList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["payload"]["text"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(texts(&p1), (25..40).map(|i| format!("n{i:02}")).collect::<Vec<_>>(), "newest 15, oldest first");
    assert_eq!(p1["isCompleted"], false);
    assert_eq!(b.servcmds().iter().filter(|c| *c == "openim.getroammsg").count(), before, "answered from the cache");
    let mut all = texts(&p1);
    let mut next = p1["nextReqMessageID"].clone();
    loop {
        let p = b
            .call("getMessageList", json!([{"conversationID": conv, "nextReqMessageID": next, "count": 15}]))
            .await
            .unwrap();
        let mut t = texts(&p);
        t.extend(all);
        all = t;
        if p["isCompleted"] == true {
            assert_eq!(p["nextReqMessageID"], "");
            break;
        }
        next = p["nextReqMessageID"].clone();
    }
    assert_eq!(all, (0..40).map(|i| format!("n{i:02}")).collect::<Vec<_>>());
    // A fresh instance of alice has an empty cache: pages come from openim.getroammsg.
    a.call("logout", json!([])).await.unwrap();
    let mut a2 = Driver::new(&server);
    a2.login(&alice).await;
    let conv = format!("C2C{bob}");
    let p = a2.call("getMessageList", json!([{"conversationID": conv, "count": 10}])).await.unwrap();
    assert_eq!(texts(&p).len(), 10);
    assert_eq!(p["messageList"][9]["payload"]["text"], "n39");
    assert_eq!(p["messageList"][9]["flow"], "out");
}

#[tokio::test]
async fn test_kick_out_and_not_ready_codes() {
    let server = server().await;
    let alice = uid("alice");
    let mut a1 = Driver::new(&server);
    a1.login(&alice).await;
    let mut a2 = Driver::new(&server);
    a2.login(&alice).await;
    let kick = a1.wait_event("kickedOut").await.unwrap();
    assert_eq!(kick["type"], "multipleAccount");
    a1.wait_event("sdkStateNotReady").await;
    let err = a1.call("getConversationList", json!([])).await.unwrap_err();
    assert_eq!(err.code, 3003);
    assert!(a1.events.iter().any(|e| e.0 == "error"), "a not-ready call raises ERROR");
    // The new instance works.
    assert!(a2.call("getConversationList", json!([])).await.is_ok());
    // Not logged in at all: 2024. Bad args: Params validate failed.
    let mut c = Driver::new(&server);
    c.pump(200).await;
    assert_eq!(c.call("getMessageList", json!([{"conversationID": "C2Cx"}])).await.unwrap_err().code, 2024);
    assert_eq!(
        a2.call("createTextMessage", json!([{"to": "bob", "conversationType": "C2C", "payload": {}}]))
            .await
            .unwrap_err()
            .message,
        "Params validate failed."
    );
}

#[tokio::test]
async fn test_cached_conversations_show_before_the_network_answers() {
    let server = server().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    a.send_text(&bob, "cached text").await;
    a.pump(200).await;
    let snapshot = a.snapshot();
    assert!(snapshot["meta"]["cookie"].as_str().is_some_and(|c| !c.is_empty()), "the sync cursor is persisted");
    // A new instance with the network down: the list comes from the cache.
    let mut off = Driver::new(&server);
    off.offline = true;
    off.cache = snapshot;
    off.pump(100).await;
    let sig = tim_proto::usersig::generate(APP, KEY, &alice, 86_400, now() / 1000);
    let r = off.engine.call("login", json!([{"userID": alice, "userSig": sig}]), now());
    assert!(matches!(r, CallResult::Pending(_)));
    let list = off.wait_event("onConversationListUpdated").await.unwrap();
    assert_eq!(list[0]["conversationID"], format!("C2C{bob}"));
    assert_eq!(list[0]["lastMessage"]["messageForShow"], "cached text");
    assert!(!off.events.iter().any(|e| e.0 == "sdkStateReady"));
    // Back online: login completes; history merges the cache with the server, without doubles.
    off.offline = false;
    off.wait_event("sdkStateReady").await;
    let p = off.call("getMessageList", json!([{"conversationID": format!("C2C{bob}")}])).await.unwrap();
    let list = p["messageList"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{p}");
    assert_eq!(list[0]["payload"]["text"], "cached text");
}

#[tokio::test]
async fn test_malformed_frames_are_dropped_and_the_session_goes_on() {
    let server = server().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    b.pump(1_200).await;
    b.events.clear();
    let socket = *b.sockets.keys().next().unwrap();
    let junk: Vec<&[u8]> = vec![
        b"",
        b"not json",
        b"COMP\x00\x01\x02",
        b"[1,2,3]",
        br#"{"head":5,"body":{}}"#,
        br#"{"head":{"servcmd":"openim.getmsg","seq":"abc"},"body":[]}"#,
        br#"{"head":{"servcmd":"im_open_push.msg_push","seq":1},"body":{"EventArray":[{"Event":1,"C2cMsgArray":[5,"x",{"MsgBody":7},{"From_Account":"mallory","To_Account":"trudy","MsgBody":[]}]}]}}"#,
        br#"{"head":{"servcmd":"im_open_push.msg_push","seq":2},"body":{"EventArray":"nope","NeedAck":"x"}}"#,
    ];
    for j in junk {
        b.engine.on_bytes(socket, j, now());
        b.engine.on_text(socket, &String::from_utf8_lossy(j), now());
    }
    b.run_outputs();
    assert!(b.received().is_empty(), "junk produced no messages");
    let list = b.call("getConversationList", json!([])).await.unwrap();
    assert_eq!(list["conversationList"], json!([]), "junk produced no conversations");
    // The session still works.
    a.send_text(&bob, "still here").await;
    b.pump_until(5_000, |d| d.events.iter().any(|e| e.0 == "onMessageReceived")).await;
    assert_eq!(b.received()[0]["payload"]["text"], "still here");
}

#[tokio::test]
async fn test_sync_goes_ahead_when_the_cache_never_answers() {
    let server = server().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    a.send_text(&bob, "while bob was away").await;
    let mut b = Driver::new(&server);
    b.cache_hangs = true;
    b.login(&bob).await;
    assert!(
        b.pump_until(6_000, |d| d.sent.iter().any(|f| f["head"]["servcmd"] == "openim.getmsg")).await,
        "getmsg is sent without the cache"
    );
    b.pump(1_500).await;
    let list = b.call("getConversationList", json!([])).await.unwrap();
    assert_eq!(list["conversationList"][0]["unreadCount"], 1, "{list}");
    assert_eq!(list["conversationList"][0]["lastMessage"]["messageForShow"], "while bob was away");
}

#[tokio::test]
async fn test_sending_a_sent_message_again_answers_the_first_result() {
    let server = server().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    let m = a
        .call("createTextMessage", json!([{"to": bob, "conversationType": "C2C", "payload": {"text": "once"}}]))
        .await
        .unwrap();
    let first = a.call("sendMessage", json!([m])).await.unwrap();
    let sends = a.servcmds().iter().filter(|c| *c == "openim.sendmsg").count();
    let again = a.call("sendMessage", json!([m])).await.unwrap();
    assert_eq!(again["message"]["time"], first["message"]["time"]);
    assert_eq!(a.servcmds().iter().filter(|c| *c == "openim.sendmsg").count(), sends, "not sent twice");
}

#[tokio::test]
async fn test_cached_group_list_shows_at_warm_start_and_answers_get_group_list_offline() {
    let server = server().await;
    let alice = uid("galice");
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    let r = a.call("createGroup", json!([{"type": "Public", "name": "Cached G", "joinOption": "FreeAccess"}])).await;
    let gid = r.unwrap()["group"]["groupID"].as_str().unwrap().to_string();
    a.pump(1_200).await;
    let mut groups = a.persisted_groups.clone().expect("the joined-group list is persisted");
    assert_eq!(groups.iter().map(|g| g["name"].clone()).collect::<Vec<_>>(), vec![json!("Cached G")]);
    // A group the cache still lists but the server no longer does: the network list replaces it.
    groups.push(json!({"groupID": "@TGS#gone", "name": "Left long ago", "type": "Public"}));
    let mut w = Driver::new(&server);
    w.cache = json!({"conversations": [], "groups": groups, "meta": {}});
    w.login(&alice).await;
    let first = w.wait_event("onGroupListUpdated").await.unwrap();
    let ids = |l: &Value| {
        let mut ids: Vec<String> =
            l.as_array().unwrap().iter().map(|g| g["groupID"].as_str().unwrap().into()).collect();
        ids.sort();
        ids
    };
    let mut cached = vec!["@TGS#gone".to_string(), gid.clone()];
    cached.sort();
    assert_eq!(ids(&first), cached, "the first list is the cached one");
    let online = w.call("getGroupList", json!([])).await.unwrap();
    assert_eq!(ids(&online["groupList"]), vec![gid.clone()]);
    // Offline, getGroupList answers from memory at once instead of waiting for the network.
    w.offline = true;
    w.cut();
    w.pump(100).await;
    let CallResult::Done(Ok(offline)) = w.engine.call("getGroupList", json!([]), now()) else { panic!("not answered") };
    assert_eq!(ids(&offline["groupList"]), vec![gid]);
}

#[tokio::test]
async fn test_a_conversation_deleted_elsewhere_while_away_leaves_the_cached_list_after_the_sync() {
    let server = server().await;
    let (alice, bob, carol) = (uid("dalice"), uid("dbob"), uid("dcarol"));
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    a.send_text(&bob, "to bob").await;
    a.send_text(&carol, "to carol").await;
    a.pump(1_200).await;
    let snapshot = a.snapshot();
    a.call("logout", json!([])).await.unwrap();
    // Another device deletes the conversation with bob while this one is closed.
    let mut other = Driver::new(&server);
    other.login(&alice).await;
    other.call("deleteConversation", json!([format!("C2C{bob}")])).await.unwrap();
    other.call("logout", json!([])).await.unwrap();
    // The reload starts from the cache with both; the full sync drops bob's.
    let mut w = Driver::new(&server);
    w.cache = snapshot;
    w.login(&alice).await;
    let ids = |l: &Value| {
        l.as_array().unwrap().iter().map(|c| c["conversationID"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let first = w.wait_event("onConversationListUpdated").await.unwrap();
    assert_eq!(ids(&first).len(), 2, "the cached list first: {first}");
    w.pump(1_500).await;
    let list = w.call("getConversationList", json!([])).await.unwrap();
    assert_eq!(ids(&list["conversationList"]), vec![format!("C2C{carol}")]);
    // And the cache learns it: the record of bob's conversation is written as gone.
    let gone =
        w.persisted.iter().flat_map(|p| p.0.iter()).rfind(|c| c["conversationID"] == format!("C2C{bob}").as_str());
    assert_eq!(gone.map(|c| c["_lastTime"].clone()), Some(json!(0)), "{gone:?}");
    // The sync changed nothing else: carol's cached record is not written again.
    let rewritten: Vec<&Value> = w
        .persisted
        .iter()
        .flat_map(|p| p.0.iter())
        .filter(|c| c["conversationID"] == format!("C2C{carol}").as_str())
        .collect();
    assert!(rewritten.is_empty(), "{rewritten:?}");
}

#[tokio::test]
async fn test_messages_missed_while_away_are_announced_when_the_cache_answers_after_the_network() {
    let server = server().await;
    let (alice, bob) = (uid("lalice"), uid("lbob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    let r = b.call("createGroup", json!([{"type": "Private", "name": "L", "memberList": [{"userID": alice}]}])).await;
    let gid = r.unwrap()["group"]["groupID"].as_str().unwrap().to_string();
    let group_text = |d: &mut Driver, text: String| {
        d.engine.call(
            "createTextMessage",
            json!([{"to": gid, "conversationType": "GROUP", "payload": {"text": text}}]),
            now(),
        )
    };
    let send_group = async |d: &mut Driver, text: String| {
        let CallResult::Done(Ok(m)) = group_text(d, text) else { panic!("createTextMessage") };
        d.call("sendMessage", json!([m])).await.unwrap();
    };
    send_group(&mut b, "group seen".into()).await;
    b.send_text(&alice, "seen 0").await;
    a.pump_until(5_000, |d| d.events.iter().any(|e| e.0 == "onMessageReceived")).await;
    a.pump(1_200).await;
    let snapshot = a.snapshot();
    a.call("logout", json!([])).await.unwrap();
    for i in 0..3 {
        b.send_text(&alice, &format!("missed {i}")).await;
    }
    for i in 0..2 {
        send_group(&mut b, format!("group missed {i}")).await;
    }
    // The reload: the conversation list comes from the network before IndexedDB answers.
    let mut w = Driver::new(&server);
    w.cache_hangs = true;
    w.user = alice.clone();
    w.pump_until(5_000, |d| d.sent.iter().any(|f| f["head"]["servcmd"] == "heartbeat.alive")).await;
    let sig = tim_proto::usersig::generate(APP, KEY, &alice, 86_400, now() / 1000);
    assert!(matches!(
        w.engine.call("login", json!([{"userID": alice, "userSig": sig}]), now()),
        CallResult::Pending(_)
    ));
    let listed =
        |d: &Driver| d.sent.iter().any(|f| f["head"]["servcmd"] == "group_open_http_svc.get_joined_group_list");
    assert!(w.pump_until(5_000, listed).await, "the conversation list sync completes first");
    w.engine.cache_loaded(&alice, snapshot, now());
    w.wait_event("sdkStateReady").await;
    w.pump_until(5_000, |d| d.events.iter().filter(|e| e.0 == "onMessageReceived").count() > 0).await;
    w.pump(500).await;
    w.pump_until(5_000, |d| d.events.iter().filter(|e| e.0 == "onMessageReceived").count() > 1).await;
    w.pump(500).await;
    let texts: Vec<String> =
        w.received().iter().map(|m| m["payload"]["text"].as_str().unwrap_or("").to_string()).collect();
    let (group, c2c): (Vec<String>, Vec<String>) = texts.into_iter().partition(|t| t.starts_with("group"));
    assert_eq!(c2c, vec!["missed 0", "missed 1", "missed 2"]);
    assert_eq!(group, vec!["group missed 0", "group missed 1"], "group messages missed, announced once, in order");
}

#[tokio::test]
async fn test_messages_of_one_second_read_back_from_the_cache_keep_their_order() {
    let server = server().await;
    let (alice, bob) = (uid("oalice"), uid("obob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    let texts: Vec<String> = (0..12).map(|i| format!("burst {i:02}")).collect();
    for t in &texts {
        b.send_text(&alice, t).await;
    }
    a.pump_until(5_000, |d| d.events.iter().filter(|e| e.0 == "onMessageReceived").count() >= 12).await;
    a.pump(1_200).await;
    let snapshot = a.snapshot();
    a.call("logout", json!([])).await.unwrap();
    let mut w = Driver::new(&server);
    w.cache = json!({"conversations": snapshot["conversations"], "meta": snapshot["meta"]});
    w.cached_history = snapshot["messages"].as_array().unwrap().clone();
    w.login(&alice).await;
    let page = w.call("getMessageList", json!([{"conversationID": format!("C2C{bob}"), "count": 15}])).await.unwrap();
    let got: Vec<String> =
        page["messageList"].as_array().unwrap().iter().map(|m| m["payload"]["text"].as_str().unwrap().into()).collect();
    assert_eq!(got, texts, "{page}");
}

/// A new instance's first sync brings only what is unread (the server leaves out conversations
/// and messages read elsewhere): the rest of the history comes from `openim.getroammsg`, whole and
/// in order, and a read conversation is not unread.
#[tokio::test]
async fn test_a_new_instance_pages_read_history_from_the_server() {
    let server = server().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    a.send_text(&bob, "m0").await;
    a.send_text(&bob, "m1").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await; // m0, m1 in an earlier second
    a.send_text(&bob, "n00").await;
    let mut b = Driver::new(&server);
    b.login(&bob).await;
    b.pump(300).await;
    let conv = format!("C2C{alice}");
    b.call("setMessageRead", json!([{"conversationID": conv}])).await.unwrap();
    b.call("logout", json!([])).await.unwrap();
    for i in 1..15 {
        a.send_text(&bob, &format!("n{i:02}")).await;
    }
    // The new instance's first sync brings n00 (the second of bob's read) to n14: exactly a
    // page, and 14 unread.
    let mut b2 = Driver::new(&server);
    b2.login(&bob).await;
    b2.pump(300).await;
    let list = b2.call("getConversationList", json!([])).await.unwrap();
    let c = list["conversationList"].as_array().unwrap().iter().find(|c| c["conversationID"] == conv).cloned();
    assert_eq!(c.unwrap()["unreadCount"], 14);
    let mut all: Vec<String> = Vec::new();
    let mut next = Value::Null;
    for _ in 0..5 {
        let mut args = json!({"conversationID": conv, "count": 15});
        if !next.is_null() {
            args["nextReqMessageID"] = next.clone();
        }
        let p = b2.call("getMessageList", json!([args])).await.unwrap();
        let mut t: Vec<String> = p["messageList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["payload"]["text"].as_str().unwrap().to_string())
            .collect();
        t.append(&mut all);
        all = t;
        if p["isCompleted"] == true {
            break;
        }
        next = p["nextReqMessageID"].clone();
    }
    let want: Vec<String> =
        ["m0", "m1"].iter().map(|s| s.to_string()).chain((0..15).map(|i| format!("n{i:02}"))).collect();
    assert_eq!(all, want);
}

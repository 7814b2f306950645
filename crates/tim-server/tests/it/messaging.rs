//! C2C messaging: ordering, dedup of resends, offline sync, live push + IsSyncMsg copies,
//! history paging, conversations and unread, read reports.

use crate::common::*;
use serde_json::{json, Value};
use std::time::Duration;

const SHORT: Duration = Duration::from_millis(300);

fn unread_of(rep: &Value, peer: &str) -> u64 {
    rep["C2CPairUnreadCount"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["From_Account"] == peer)
        .map(|e| e["UnreadCount"].as_u64().unwrap())
        .unwrap_or(0)
}

#[tokio::test]
async fn offline_delivery_ordering_and_dedup() {
    let server = start().await;
    let mut bob = Client::connect(&server, "bob-1").await;
    bob.login("bob").await;
    drop(bob);
    let mut alice = Client::connect(&server, "alice-1").await;
    alice.login("alice").await;

    let r1 = alice.send_text("bob", "one", 3_057_140_001, 11).await;
    assert_eq!(r1["ErrorCode"], 0, "{r1}");
    let t1 = r1["MsgTime"].as_u64().unwrap();
    assert_eq!(r1["MsgKey"], format!("3057140001_11_{t1}"));
    alice.send_text("bob", "two", 3_057_140_002, 12).await;
    alice.send_text("bob", "three", 3_057_140_003, 13).await;
    // Resend of "one" (same From/To/MsgSeq/MsgRandom), a second later: the original answer.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = alice.send_text("bob", "one", 3_057_140_001, 11).await;
    assert_eq!((&again["MsgTime"], &again["MsgKey"]), (&r1["MsgTime"], &r1["MsgKey"]));

    let mut bob = Client::connect(&server, "bob-1").await;
    bob.login("bob").await;
    let (msgs, last) = bob.getmsg_all("").await;
    assert_eq!(texts(&msgs), ["one", "two", "three"]);
    let m = &msgs[0];
    assert_eq!((m["From_Account"].as_str(), m["To_Account"].as_str()), (Some("alice"), Some("bob")));
    assert_eq!(m["TinyId"].as_str().unwrap(), alice.tinyid);
    assert_eq!(m["MsgKey"], r1["MsgKey"]);
    assert_eq!(m["MsgTimeStamp"], r1["MsgTime"]);
    assert!(m["MsgClientTime"].as_u64().unwrap() > 0);
    assert_eq!(unread_of(&last, "alice"), 3);

    // The cookie is a position: nothing new after it; new messages come after it.
    let cookie = last["Cookie"].as_str().unwrap().to_string();
    let (none, _) = bob.getmsg_all(&cookie).await;
    assert!(none.is_empty());
    alice.send_text("bob", "four", 3_057_140_004, 14).await;
    assert_eq!(texts(&[pushed_c2c(&bob.push(Duration::from_secs(2)).await.unwrap())]), ["four"]);
    let (after, _) = bob.getmsg_all(&cookie).await;
    assert_eq!(texts(&after), ["four"]);

    // The sender's own stream has its messages too (natural direction); position 0 pages it
    // from the start (an empty cookie would bring only what alice has not read: nothing).
    let (mine, _) = alice.getmsg_all("0:0").await;
    assert_eq!(texts(&mine), ["one", "two", "three", "four"]);
    assert_eq!(mine[0]["From_Account"], "alice");

    // History shows "one" once.
    let h = bob.call("openim.getroammsg", json!({"Peer_Account":"alice","MaxCnt":15,"LastMsgTime":0,"MsgKey":"","WithRecalledMsg":1,"GetDirection":0})).await;
    assert_eq!(texts(h["MsgList"].as_array().unwrap()), ["one", "two", "three", "four"]);
    assert_eq!(h["Complete"], 1);
    server.shutdown().await;
}

#[tokio::test]
async fn getmsg_pages_with_syncflag() {
    let server = start_with(tim_server::Config { getmsg_page_size: 2, ..config() }).await;
    let mut alice = Client::connect(&server, "a").await;
    alice.login("alice").await;
    for i in 0..5u64 {
        alice.send_text("bob", &format!("m{i}"), 100 + i, 200 + i).await;
    }
    let mut bob = Client::connect(&server, "b").await;
    bob.login("bob").await;
    let mut flags = Vec::new();
    let mut cookie = String::new();
    let mut sync = 0;
    let mut all = Vec::new();
    loop {
        let rep = bob.call("openim.getmsg", json!({"Cookie": cookie, "SyncFlag": sync})).await;
        sync = rep["SyncFlag"].as_u64().unwrap();
        cookie = rep["Cookie"].as_str().unwrap().into();
        flags.push(sync);
        all.extend(rep["MsgList"].as_array().unwrap().iter().cloned());
        if sync == 2 {
            break;
        }
    }
    assert_eq!(flags, [1, 1, 2]);
    assert_eq!(texts(&all), ["m0", "m1", "m2", "m3", "m4"]);
    server.shutdown().await;
}

#[tokio::test]
async fn live_push_and_sync_copy_to_senders_other_session() {
    let server = start().await;
    let mut bob = Client::connect(&server, "bob").await;
    bob.login("bob").await;
    let mut alice = Client::connect(&server, "alice-web").await;
    alice.login("alice").await;
    // alice's second session on another platform (web multi-instance is kicked by default).
    let mut alice2 = Client::connect_url(&server, "binfo", APP, "alice-mp", 8).await;
    alice2.login("alice").await;

    let r = alice.send_text("bob", "hi bob", 3_001_000_001, 4242).await;
    let got = pushed_c2c(&bob.push(Duration::from_secs(2)).await.unwrap());
    assert_eq!((got["From_Account"].as_str(), got["To_Account"].as_str()), (Some("alice"), Some("bob")));
    assert_eq!(got["MsgKey"], r["MsgKey"]);
    assert_eq!(got["TinyId"].as_str().unwrap(), alice.tinyid);
    assert_eq!(got["MsgRandom"], 4242);
    assert!(got.get("IsSyncMsg").is_none());

    let copy = pushed_c2c(&alice2.push(Duration::from_secs(2)).await.unwrap());
    assert_eq!(copy["IsSyncMsg"], 1);
    assert_eq!((copy["From_Account"].as_str(), copy["To_Account"].as_str()), (Some("bob"), Some("alice")));
    assert_eq!(copy["TinyId"].as_str().unwrap(), alice.tinyid);
    assert_eq!(copy["MsgKey"], r["MsgKey"]);
    // Not echoed to the sending socket.
    alice.no_push(SHORT).await;

    // Read report with receipt: the peer gets C2cReadedReceipt, the reader's other sessions get
    // ReadC2cMsgNotify (bob has one session: nothing), the reader itself nothing.
    let t = r["MsgTime"].as_u64().unwrap();
    let rep = bob
        .call("openim.msgreaded", json!({"C2CMsgReaded":{"Cookie":"","C2CMsgReadedItem":[{"To_Account":"alice","LastedMsgTime":t,"Receipt":1}]}}))
        .await;
    assert_eq!(rep["ErrorCode"], 0);
    for a in [&mut alice, &mut alice2] {
        let f = a.push(Duration::from_secs(2)).await.unwrap();
        let n = &f.body["EventArray"][0]["C2cNotifyMsgArray"][0]["C2cReadedReceipt"];
        assert_eq!(n["To_Account"], "bob", "{}", f.to_json());
        assert_eq!(n["UinPairReadArray"][0]["From_Account"], "alice");
        assert_eq!(n["UinPairReadArray"][0]["To_Account"], "bob");
        assert_eq!(n["UinPairReadArray"][0]["LastReadTime"], t);
    }
    bob.no_push(SHORT).await;
    let prt = alice.call("openim.get_peer_read_time", json!({"To_Account":["bob"]})).await;
    assert_eq!(prt["ReadTime"][0]["ReadTime"], t);
    // alice reads on one session: the other gets ReadC2cMsgNotify.
    bob.send_text("alice", "back", 5, 6).await;
    alice.push(Duration::from_secs(2)).await.unwrap();
    alice2.push(Duration::from_secs(2)).await.unwrap();
    alice
        .call("openim.msgreaded", json!({"C2CMsgReaded":{"C2CMsgReadedItem":[{"To_Account":"bob","LastedMsgTime":tim_server::now(),"Receipt":0}]}}))
        .await;
    let f = alice2.push(Duration::from_secs(2)).await.unwrap();
    assert_eq!(
        f.body["EventArray"][0]["C2cNotifyMsgArray"][0]["ReadC2cMsgNotify"]["UinPairReadArray"][0]["From_Account"],
        "bob"
    );
    bob.no_push(SHORT).await;
    server.shutdown().await;
}

#[tokio::test]
async fn getroammsg_pages_newest_first_each_oldest_first() {
    let server = start().await;
    let mut alice = Client::connect(&server, "a").await;
    alice.login("alice").await;
    let mut bob = Client::connect(&server, "b").await;
    bob.login("bob").await;
    for i in 1..=5u64 {
        let c = if i % 2 == 0 { &mut bob } else { &mut alice };
        let to = if i % 2 == 0 { "alice" } else { "bob" };
        assert_eq!(c.send_text(to, &format!("m{i}"), i, 1000 + i).await["ErrorCode"], 0);
    }
    let mut pages = Vec::new();
    let (mut t, mut key) = (0u64, String::new());
    loop {
        let rep = alice
            .call("openim.getroammsg", json!({"Peer_Account":"bob","MaxCnt":2,"LastMsgTime":t,"MsgKey":key,"WithRecalledMsg":1,"GetDirection":0}))
            .await;
        assert_eq!(rep["ErrorCode"], 0, "{rep}");
        let list = rep["MsgList"].as_array().unwrap().clone();
        pages.push(texts(&list));
        t = rep["LastMsgTime"].as_u64().unwrap();
        key = rep["MsgKey"].as_str().unwrap().to_string();
        assert_eq!(key, list[0]["MsgKey"].as_str().unwrap(), "cursor is the oldest returned");
        if rep["Complete"] == 1 {
            break;
        }
        assert!(pages.len() < 5);
    }
    assert_eq!(pages, [vec!["m4", "m5"], vec!["m2", "m3"], vec!["m1"]]);
    server.shutdown().await;
}

#[tokio::test]
async fn conversations_unread_and_read() {
    let server = start().await;
    let mut alice = Client::connect(&server, "a").await;
    alice.login("alice").await;
    alice.send_text("bob", "x", 1, 1).await;
    let r2 = alice.send_text("bob", "y", 2, 2).await;
    alice.send_text("carol", "z", 3, 3).await;
    let _ = rest(
        &server,
        "im_open_login_svc/account_import",
        &json!({"UserID":"alice","Nick":"Alice A","FaceUrl":"http://a/img.png"}),
    )
    .await;

    let mut bob = Client::connect(&server, "b").await;
    bob.login("bob").await;
    let pg = bob
        .call(
            "recentcontact.page_get",
            json!({"From_Account":"bob","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"OrderType":1}),
        )
        .await;
    assert_eq!(pg["CompleteFlag"], 1);
    let items = pg["SessionItem"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{pg}");
    let it = &items[0];
    assert_eq!((it["Type"].as_u64(), it["To_Account"].as_str()), (Some(1), Some("alice")));
    assert_eq!(it["LastC2CMsgFromAccount"], "alice");
    assert_eq!(it["MsgTime"], r2["MsgTime"]);
    assert_eq!((it["MsgSeq"].as_u64(), it["MsgRandom"].as_u64()), (Some(2), Some(2)));
    assert_eq!(it["LastMsg"]["MsgBody"][0]["MsgContent"]["Text"], "y");
    assert_eq!((it["C2cNick"].as_str(), it["C2cImage"].as_str()), (Some("Alice A"), Some("http://a/img.png")));

    let (_, last) = bob.getmsg_all("").await;
    assert_eq!(unread_of(&last, "alice"), 2);
    bob.call("openim.msgreaded", json!({"C2CMsgReaded":{"Cookie":"","C2CMsgReadedItem":[{"To_Account":"alice","LastedMsgTime":r2["MsgTime"],"Receipt":1}]}}))
        .await;
    let (_, last) = bob.getmsg_all("").await;
    assert_eq!(unread_of(&last, "alice"), 0);
    // alice's list has both conversations, most recent first; her peer read time for bob is set.
    let pa = alice.call("recentcontact.page_get", json!({})).await;
    let peers: Vec<&str> =
        pa["SessionItem"].as_array().unwrap().iter().map(|i| i["To_Account"].as_str().unwrap()).collect();
    assert_eq!(peers.len(), 2);
    let bob_item = pa["SessionItem"].as_array().unwrap().iter().find(|i| i["To_Account"] == "bob").unwrap();
    assert_eq!(bob_item["C2cPeerReadTime"], r2["MsgTime"]);
    // History marks alice's messages read by bob.
    let h = alice.call("openim.getroammsg", json!({"Peer_Account":"bob","MaxCnt":15})).await;
    assert!(h["MsgList"].as_array().unwrap().iter().all(|m| m["IsPeerRead"] == 1));
    server.shutdown().await;
}

#[tokio::test]
async fn sendmsg_validation_and_online_only() {
    let server = start().await;
    let mut alice = Client::connect(&server, "a").await;
    alice.login("alice").await;
    let mut bob = Client::connect(&server, "b").await;
    bob.login("bob").await;
    let base = json!({"To_Account":"bob","MsgSeq":1,"MsgRandom":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let cases = [
        (with("MsgBody", json!([])), 90002),
        (with("MsgBody", json!([{"MsgType":"TIMBogusElem","MsgContent":{}}])), 90002),
        (with("MsgBody", json!([{"MsgType":"TIMTextElem","MsgContent":{"Text":"x".repeat(13_000)}}])), 90005),
        (with("From_Account", json!("mallory")), 20001),
        (with("To_Account", json!("")), 90003),
        (with("MsgSeq", json!("not a number")), 90001),
    ];
    for (body, code) in cases {
        let rep = alice.call("openim.sendmsg", body.clone()).await;
        assert_eq!(rep["ErrorCode"], code, "{body} -> {rep}");
    }
    bob.no_push(SHORT).await;

    // Online-only: delivered, not stored.
    let rep = alice.call("openim.sendmsg", with("MsgLifeTime", json!(0))).await;
    assert_eq!(rep["ErrorCode"], 0);
    let got = pushed_c2c(&bob.push(Duration::from_secs(2)).await.unwrap());
    assert_eq!(got["MsgLifeTime"], 0);
    let (msgs, _) = bob.getmsg_all("").await;
    assert!(msgs.is_empty());
    let h = bob.call("openim.getroammsg", json!({"Peer_Account":"alice","MaxCnt":15})).await;
    assert!(h["MsgList"].as_array().unwrap().is_empty());
    // Other element types pass through unchanged.
    let custom = json!([{"MsgType":"TIMCustomElem","MsgContent":{"Data":"d","Desc":"","Ext":"e","Junk":{"k":1}}}]);
    assert_eq!(alice.call("openim.sendmsg", with("MsgBody", custom.clone())).await["ErrorCode"], 0);
    assert_eq!(pushed_c2c(&bob.push(Duration::from_secs(2)).await.unwrap())["MsgBody"], custom);
    server.shutdown().await;
}

fn msgreaded(peer: &str, time: u64) -> Value {
    json!({"C2CMsgReaded":{"Cookie":"","C2CMsgReadedItem":[{"To_Account": peer, "LastedMsgTime": time, "Receipt": 1}]}})
}

/// A new device's first `getmsg` (empty cookie) brings what the user has not read, not the whole
/// stream: tim-js-sdk 2.x counts every incoming message of `MsgList` as unread, so a conversation
/// read on another device would come back unread. Later syncs from its cookie bring what is new.
#[tokio::test]
async fn a_new_devices_first_getmsg_brings_only_what_is_unread() {
    // Every device stays online (a second web login would kick the first).
    let multi = tim_server::config::MultiInstance::Allow;
    let server = start_with(tim_server::Config { getmsg_page_size: 2, multi_instance: multi, ..config() }).await;
    let (mut alice, a) = user(&server, "alice").await;
    let (mut carol, c) = user(&server, "carol").await;
    let (mut bob, b) = user(&server, "bob").await;
    for i in 0..3u64 {
        let r = alice.send_text(&b, &format!("a{i}"), 100 + i, 7).await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
    }
    tokio::time::sleep(Duration::from_millis(1100)).await; // alice's messages in an earlier second
                                                           // bob answers alice on his first device and reads the conversation (up to its last message,
                                                           // as the SDKs do).
    let b0 = bob.send_text(&a, "b0", 200, 7).await;
    let read = bob.call("openim.msgreaded", msgreaded(&a, b0["MsgTime"].as_u64().unwrap())).await;
    assert_eq!(read["ErrorCode"], 0, "{read}");
    // carol's three messages stay unread.
    for i in 0..3u64 {
        carol.send_text(&b, &format!("c{i}"), 300 + i, 7).await;
    }

    let mut fresh = Client::connect(&server, &format!("new-{b}")).await;
    fresh.login(&b).await;
    let (msgs, rep) = fresh.getmsg_all("").await;
    assert_eq!(texts(&msgs), ["c0", "c1", "c2"], "only the unread conversation's messages");
    assert_eq!(unread_of(&rep, &c), 3);
    assert_eq!(unread_of(&rep, &a), 0);
    assert!(rep["C2CPairUnreadCount"].as_array().unwrap().iter().all(|p| p["From_Account"] != a.as_str()), "{rep}");

    // The cookie stands at the stream's end: what comes later arrives, whatever its conversation.
    let cookie = rep["Cookie"].as_str().unwrap().to_string();
    alice.send_text(&b, "a3", 103, 7).await; // most likely in the second of bob's read
    bob.send_text(&c, "b1", 201, 7).await;
    let (later, rep) = fresh.getmsg_all(&cookie).await;
    assert_eq!(texts(&later), ["a3", "b1"]);
    assert_eq!((unread_of(&rep, &a), unread_of(&rep, &c)), (1, 3));

    // Another new device now gets alice's unread tail (from the second of bob's read: a3, which
    // came after the read, whatever its second, and b0 of that second) and carol's (with bob's own
    // message in it): each conversation's part is contiguous, in stream order.
    let mut third = Client::connect(&server, &format!("third-{b}")).await;
    third.login(&b).await;
    let (msgs, _) = third.getmsg_all("").await;
    assert_eq!(texts(&msgs), ["b0", "c0", "c1", "c2", "a3", "b1"]);
    // A cookie that is not one of ours is answered like an empty one.
    let (msgs, _) = third.getmsg_all("junk").await;
    assert_eq!(texts(&msgs), ["b0", "c0", "c1", "c2", "a3", "b1"]);
    // Position 0 pages the whole stream.
    let (all, _) = third.getmsg_all("0:0").await;
    assert_eq!(texts(&all), ["a0", "a1", "a2", "b0", "c0", "c1", "c2", "a3", "b1"]);
    server.shutdown().await;
}

fn roam(peer: &str, count: u64, time: u64, key: &str, direction: u64) -> Value {
    json!({"Peer_Account": peer, "MaxCnt": count, "LastMsgTime": time, "MsgKey": key, "WithRecalledMsg": 1,
        "GetDirection": direction})
}

/// `getroammsg` honours `GetDirection`: 1 pages newer messages, oldest first, with the cursor on
/// the newest sent; a time without a key includes that second (tim-js-sdk's
/// `getMessageListHopping` and the Mini Program's missed-message recovery send a time only).
#[tokio::test]
async fn getroammsg_pages_newer_messages_with_direction_1() {
    let server = start().await;
    let (mut alice, a) = user(&server, "alice").await;
    let (mut bob, b) = user(&server, "bob").await;
    let mut times = Vec::new();
    for i in 0..3u64 {
        times.push(alice.send_text(&b, &format!("m{i}"), 10 + i, 1).await["MsgTime"].as_u64().unwrap());
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for i in 3..6u64 {
        let (c, to) = if i == 4 { (&mut bob, &a) } else { (&mut alice, &b) };
        times.push(c.send_text(to, &format!("m{i}"), 10 + i, 1).await["MsgTime"].as_u64().unwrap());
    }
    assert!(times[3] > times[2]);

    // Newer, by key: after m1, pages of 2 until the newest.
    let first = bob.call("openim.getroammsg", roam(&a, 6, 0, "", 0)).await;
    let key1 = first["MsgList"][1]["MsgKey"].as_str().unwrap().to_string();
    let (mut t, mut key, mut pages) = (0, key1, Vec::new());
    loop {
        let rep = bob.call("openim.getroammsg", roam(&a, 2, t, &key, 1)).await;
        assert_eq!(rep["ErrorCode"], 0, "{rep}");
        let list = rep["MsgList"].as_array().unwrap().clone();
        pages.push(texts(&list));
        t = rep["LastMsgTime"].as_u64().unwrap();
        key = rep["MsgKey"].as_str().unwrap().to_string();
        assert_eq!(key, list.last().unwrap()["MsgKey"].as_str().unwrap(), "cursor is the newest returned");
        if rep["Complete"] == 1 {
            break;
        }
        assert!(pages.len() < 5);
    }
    assert_eq!(pages, [vec!["m2", "m3"], vec!["m4", "m5"]]);

    // Newer, by time (what the Mini Program sends after onAppShow: its last message's time,
    // 15 + 1): that second and after.
    let rep = bob.call("openim.getroammsg", roam(&a, 16, times[0], "", 1)).await;
    assert_eq!(texts(rep["MsgList"].as_array().unwrap()), ["m0", "m1", "m2", "m3", "m4", "m5"]);
    assert_eq!((rep["Complete"].as_u64(), rep["LastMsgTime"].as_u64()), (Some(1), Some(times[5])));
    let rep = bob.call("openim.getroammsg", roam(&a, 4, times[3], "", 1)).await;
    assert_eq!(texts(rep["MsgList"].as_array().unwrap()), ["m3", "m4", "m5"]);
    assert_eq!(rep["Complete"], 1);
    let rep = bob.call("openim.getroammsg", roam(&a, 2, times[0], "", 1)).await;
    assert_eq!(texts(rep["MsgList"].as_array().unwrap()), ["m0", "m1"]);
    assert_eq!(rep["Complete"], 0);
    // Older, by time: that second and before.
    let rep = bob.call("openim.getroammsg", roam(&a, 15, times[3], "", 0)).await;
    assert_eq!(texts(rep["MsgList"].as_array().unwrap()), ["m0", "m1", "m2", "m3", "m4", "m5"]);
    let rep = bob.call("openim.getroammsg", roam(&a, 15, times[0], "", 0)).await;
    assert_eq!(texts(rep["MsgList"].as_array().unwrap()), ["m0", "m1", "m2"]);
    assert_eq!(rep["Complete"], 1);
    // Anything but 0 and 1 is refused.
    assert_eq!(bob.call("openim.getroammsg", roam(&a, 2, 0, "", 7)).await["ErrorCode"], 20001);
    server.shutdown().await;
}

/// A read time ahead of the server's clock is taken as now, so a message arriving later counts as
/// unread and a new device's first sync brings it.
#[tokio::test]
async fn a_read_time_ahead_of_the_clock_is_now() {
    let server = start().await;
    let (mut alice, a) = user(&server, "alice").await;
    let (mut bob, b) = user(&server, "bob").await;
    alice.send_text(&b, "x0", 1, 1).await;
    tokio::time::sleep(Duration::from_millis(1100)).await; // x0 before the second of the read
    let rep = bob.call("openim.msgreaded", msgreaded(&a, tim_server::now() + 3600)).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let prt = alice.call("openim.get_peer_read_time", json!({"To_Account": [b]})).await;
    assert!(prt["ReadTime"][0]["ReadTime"].as_u64().unwrap() <= tim_server::now(), "{prt}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    alice.send_text(&b, "x1", 2, 1).await;
    let mut fresh = Client::connect(&server, &format!("new-{b}")).await;
    fresh.login(&b).await;
    let (msgs, rep) = fresh.getmsg_all("").await;
    assert_eq!(texts(&msgs), ["x1"]);
    assert_eq!(unread_of(&rep, &a), 1);
    server.shutdown().await;
}

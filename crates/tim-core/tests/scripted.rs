//! Scripted engine tests: the engine fed frames and a fake clock, its outputs asserted. No
//! sockets, no server (the harness in `scripted/harness.rs` plays both, answering only what a
//! test says, with the bodies tim-server sends). Each test runs in milliseconds.
//!
//! Scenarios: resend and dedup, reconnect backoff and re-login, sync cursor paging, group
//! sequence holes, unread counting, and the 1,000-message group resync cap.
#![allow(clippy::unwrap_used)]

#[path = "scripted/harness.rs"]
mod harness;
use harness::*;

const ALICE: &str = "alice";
const G: &str = "@TGS#G1";
const GCONV: &str = "GROUP@TGS#G1";
const CALICE: &str = "C2Calice";

/// Seconds of the fake clock, `d` seconds after T0.
fn secs(d: u64) -> u64 {
    T0 / 1000 + d
}

fn in_group(last: u64) -> Account {
    Account { sessions: vec![group_item(G, last, 0)], groups: vec![joined(G, last + 1)], ..Account::default() }
}

fn texts(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|m| m["payload"]["text"].as_str().unwrap().to_string()).collect()
}

fn seqs(list: &[Value]) -> Vec<u64> {
    list.iter().map(|m| m["sequence"].as_u64().unwrap()).collect()
}

/// A complete `page_get` reply (the last page) with these items.
fn last_page(items: Vec<Value>, ts: u64) -> Value {
    json!({"SessionItem": items, "CompleteFlag": 1, "TimeStamp": ts, "StartIndex": 0, "TopTimeStamp": 0,
        "TopStartIndex": 0, "GroupItem": []})
}

// ====================================================================== 1. resend / dedup

#[test]
fn a_send_whose_reply_is_lost_is_resent_unchanged_after_reconnect_and_settles_once() {
    let mut s = Script::logged_in(Account::default());
    let m =
        s.call_ok("createTextMessage", json!([{"to": ALICE, "conversationType": "C2C", "payload": {"text": "once"}}]));
    let call = s.call_pending("sendMessage", json!([m.clone()]));
    let first = s.request("openim.sendmsg");
    assert_eq!(first["body"]["MsgRandom"], m["random"]);
    assert_eq!(first["body"]["MsgSeq"], m["sequence"]);
    let old_socket = s.socket;

    // The socket dies before the reply: nothing settles, the engine reconnects.
    s.close();
    assert!(s.settlements(call).is_empty(), "not failed by the close");
    let from = s.reconnect();
    // Pending requests first, unchanged (same seq, same bytes), then the re-login (WIRE.md §1.5).
    let cmds = s.requests_since(from);
    assert_eq!(cmds[..2], ["openim.sendmsg", "im_open_status.wslogin"], "{cmds:?}");
    let frames: Vec<&Value> = s.sent.iter().filter(|f| f["head"]["servcmd"] == "openim.sendmsg").collect();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0], frames[1], "the resend is the same frame: same seq, MsgRandom and MsgSeq");
    s.answer_relogin();

    // A reply on the dead socket is ignored; the reply to the resend settles the call once.
    let time = secs(3);
    let late = json!({"head": {"servcmd": "openim.sendmsg", "seq": first["head"]["seq"]},
        "body": ok(json!({"MsgTime": time, "MsgKey": "k"}))});
    s.e.on_bytes(old_socket, late.to_string().as_bytes(), s.now);
    s.pump();
    assert!(s.settlements(call).is_empty(), "a frame of the old socket settles nothing");
    let key = format!("{}_{}_{time}", m["sequence"], m["random"]);
    s.reply("openim.sendmsg", json!({"MsgTime": time, "MsgKey": key}));
    let sent = s.resolved(call)["message"].clone();
    assert_eq!(sent["status"], "success");
    assert_eq!(sent["ID"], m["ID"]);
    assert_eq!(sent["time"], time);
    // A duplicate reply to the same request (servcmd + seq) is not a second settlement.
    s.answer(&first, json!({"MsgTime": time, "MsgKey": key}));
    assert_eq!(s.settlements(call).len(), 1);
    s.advance(1_000);
    let conv = s.conversation(CALICE);
    assert_eq!(conv["lastMessage"]["messageForShow"], "once");
    assert_eq!(conv["unreadCount"], 0);
}

#[test]
fn a_send_that_timed_out_offline_fails_and_is_sent_again_with_the_same_random_and_seq() {
    let mut s = Script::logged_in(Account::default());
    let m =
        s.call_ok("createTextMessage", json!([{"to": ALICE, "conversationType": "C2C", "payload": {"text": "retry"}}]));
    let call = s.call_pending("sendMessage", json!([m.clone()]));
    let first = s.request("openim.sendmsg");
    // The network goes down for good: the request times out after 15 s (WIRE.md §1.3).
    s.close();
    let sent_at = s.now;
    let mut tries = 0;
    while s.settlements(call).is_empty() {
        tries += 1;
        assert!(tries < 200, "never settled");
        s.advance(100);
        if !s.open && s.connects.last().unwrap().0 == s.now {
            s.close();
        }
    }
    assert_eq!(s.now - sent_at, 15_000);
    let err = s.settlements(call)[0].clone().unwrap_err();
    assert_eq!(err.code, 2801);
    assert_eq!(err.data.unwrap()["message"]["status"], "fail");
    s.forget(&first);
    // Back online, the app sends the failed message again: the same MsgRandom and MsgSeq, so a
    // server that stored the first one answers with it instead of storing a second.
    s.reconnect_when_due();
    s.answer_relogin();
    let again = s.call_pending("sendMessage", json!([m.clone()]));
    let req = s.request("openim.sendmsg");
    assert_ne!(req["head"]["seq"], first["head"]["seq"], "a new request");
    assert_eq!(req["body"]["MsgRandom"], first["body"]["MsgRandom"]);
    assert_eq!(req["body"]["MsgSeq"], first["body"]["MsgSeq"]);
    s.reply("openim.sendmsg", json!({"MsgTime": secs(1), "MsgKey": "k"}));
    assert_eq!(s.resolved(again)["message"]["ID"], m["ID"]);
}

#[test]
fn a_message_pushed_then_synced_after_reconnect_is_announced_and_kept_once() {
    let mut s = Script::logged_in(Account::default());
    let m1 = c2c(ALICE, ME, 1001, 11, secs(5), "m1");
    let m2 = c2c(ALICE, ME, 1002, 12, secs(6), "m2");
    s.push(c2c_push(vec![m1.clone()]));
    let got = s.received();
    assert_eq!(texts(&json!(got)), ["m1"]);
    assert_eq!(got[0]["ID"], c2c_id(ALICE, 11, secs(5)));
    assert_eq!(got[0]["flow"], "in");

    // Offline and back: the getmsg resync from the last cookie brings m1 again and m2.
    s.reconnect();
    s.answer_relogin();
    s.reply("recentcontact.page_get", last_page(vec![c2c_item(ALICE, &m2)], secs(7)));
    let g = s.request("openim.getmsg");
    assert_eq!(g["body"]["Cookie"], "k0", "the resync starts at the last cookie");
    s.reply(
        "openim.getmsg",
        json!({"Cookie": "k1", "SyncFlag": 2, "MsgList": [m1, m2],
            "C2CPairUnreadCount": [{"From_Account": ALICE, "UnreadCount": 2}]}),
    );
    assert_eq!(s.received_texts(), ["m2"], "m1 was announced by its push: only m2 is new");
    assert_eq!(s.unread(CALICE), 2, "the server's count");

    // The history holds each message once, merged with the server's copy.
    let call = s.call_pending("getMessageList", json!([{"conversationID": CALICE}]));
    let roam = s.request("openim.getroammsg");
    assert_eq!(roam["body"]["Peer_Account"], ALICE);
    s.reply("openim.getroammsg", json!({"Complete": 1, "MsgList": [m1, m2], "LastMsgTime": secs(5), "MsgKey": ""}));
    let page = s.resolved(call);
    assert_eq!(texts(&page["messageList"]), ["m1", "m2"]);
    assert_eq!(page["isCompleted"], true);
}

#[test]
fn a_message_sent_while_offline_goes_out_once_after_the_relogin() {
    let mut s = Script::logged_in(Account::default());
    s.close();
    let m =
        s.call_ok("createTextMessage", json!([{"to": ALICE, "conversationType": "C2C", "payload": {"text": "later"}}]));
    let call = s.call_pending("sendMessage", json!([m.clone()]));
    assert!(!s.cmds().contains(&"openim.sendmsg".to_string()), "nothing sent while offline");
    s.advance(0);
    let from = s.sent.len();
    s.open();
    // The outbox goes out on the new socket, after the re-login request.
    let cmds = s.requests_since(from);
    let login = cmds.iter().position(|c| c == "im_open_status.wslogin").unwrap();
    let send = cmds.iter().position(|c| c == "openim.sendmsg").expect("the outbox is flushed on reconnect");
    assert!(login < send, "{cmds:?}");
    assert_eq!(cmds.iter().filter(|c| *c == "openim.sendmsg").count(), 1);
    s.answer_relogin();
    let req = s.reply("openim.sendmsg", json!({"MsgTime": secs(9), "MsgKey": "x"}));
    assert_eq!(req["body"]["MsgRandom"], m["random"]);
    assert_eq!(s.resolved(call)["message"]["status"], "success");
}

#[test]
fn an_echo_of_a_group_message_being_sent_is_not_announced_and_the_reply_files_it_once() {
    let mut s = Script::logged_in(in_group(5));
    let m =
        s.call_ok("createTextMessage", json!([{"to": G, "conversationType": "GROUP", "payload": {"text": "mine"}}]));
    let call = s.call_pending("sendMessage", json!([m.clone()]));
    let req = s.request("group_open_http_svc.send_group_msg");
    // The server pushes the stored message to every member, the sending socket too, before it
    // answers (WIRE.md §5.3: the sender's own instance recognises it by its random).
    let mut echo = grp(G, ME, 6, "mine");
    for (k, v) in
        [("Random", "Random"), ("MsgRandom", "Random"), ("MsgClientTime", "MsgClientTime"), ("ClientSeq", "ClientSeq")]
    {
        echo[k] = req["body"][v].clone();
    }
    s.push(group_push(vec![echo.clone()]));
    assert!(s.received().is_empty(), "this instance's own message is not a received one");
    s.reply("group_open_http_svc.send_group_msg", json!({"MsgSeq": 6, "MsgTime": secs(6)}));
    let sent = s.resolved(call)["message"].clone();
    assert_eq!(
        (sent["ID"].clone(), sent["sequence"].clone(), sent["status"].clone()),
        (m["ID"].clone(), json!(6), json!("success"))
    );
    // A late copy is a duplicate too.
    s.push(group_push(vec![echo]));
    assert!(s.received().is_empty());
    s.advance(1_000);
    let conv = s.conversation(GCONV);
    assert_eq!((conv["unreadCount"].clone(), conv["lastMessage"]["lastSequence"].clone()), (json!(0), json!(6)));
    let call = s.call_pending("getMessageList", json!([{"conversationID": GCONV}]));
    let older = s.request("group_open_http_svc.group_msg_get");
    s.answer(&older, group_history(&older, 5));
    let page = s.resolved(call);
    assert_eq!(seqs(page["messageList"].as_array().unwrap()), (1..=6).collect::<Vec<_>>());
    assert_eq!(page["messageList"][5]["ID"], m["ID"]);
}

#[test]
fn an_echo_of_a_c2c_message_being_sent_is_not_announced() {
    let mut s = Script::logged_in(Account::default());
    let m =
        s.call_ok("createTextMessage", json!([{"to": ALICE, "conversationType": "C2C", "payload": {"text": "mine"}}]));
    let call = s.call_pending("sendMessage", json!([m.clone()]));
    let b = s.request("openim.sendmsg")["body"].clone();
    // The sync copy (IsSyncMsg, addresses from the peer's side) reaches the sending socket first.
    let mut echo = c2c(ALICE, ME, b["MsgSeq"].as_u64().unwrap(), b["MsgRandom"].as_u64().unwrap(), secs(1), "mine");
    echo["MsgClientTime"] = b["MsgClientTime"].clone();
    echo["TinyId"] = json!(MY_TINY);
    echo["IsSyncMsg"] = json!(1);
    s.push(c2c_push(vec![echo.clone()]));
    assert!(s.received().is_empty(), "this instance's own message is not a received one");
    s.reply("openim.sendmsg", json!({"MsgTime": secs(1), "MsgKey": "k"}));
    assert_eq!(s.resolved(call)["message"]["ID"], m["ID"]);
    s.push(c2c_push(vec![echo]));
    assert!(s.received().is_empty());
    s.advance(1_000);
    assert_eq!(s.conversation(CALICE)["lastMessage"]["messageForShow"], "mine");
    assert_eq!(s.unread(CALICE), 0);
}

// ====================================================================== 2. reconnect backoff

/// Tick from now (at once, then every 100 ms) until the engine asks for a socket.
fn until_connect(s: &mut Script) {
    let n = s.connects.len();
    s.advance(0);
    let limit = s.now + 120_000;
    while s.connects.len() == n {
        assert!(s.now < limit, "no reconnect within 120 s");
        s.advance(100);
    }
}

#[test]
fn reconnect_backs_off_0_1_2_4_8_16_30_30_s_with_net_states_in_order() {
    let mut s = Script::logged_in(Account::default());
    s.take("netStateChange");
    let before = s.connects.len();
    let down = s.now;
    s.close();
    // The network stays down: every attempt fails at once.
    for _ in 0..9 {
        until_connect(&mut s);
        s.close();
    }
    let at: Vec<u64> = s.connects[before..].iter().map(|(t, _)| t - down).collect();
    assert_eq!(at, [0, 1_000, 3_000, 7_000, 15_000, 31_000, 61_000, 91_000, 121_000]);
    let gaps: Vec<u64> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    let mut want = vec!["disconnected"];
    for _ in 0..9 {
        want.extend(["connecting", "disconnected"]);
    }
    assert_eq!(s.net_states(), want);
    // Each attempt is a new socket with a new URL `random`.
    let sockets: Vec<SocketId> = s.connects[before..].iter().map(|c| c.1).collect();
    assert!(sockets.windows(2).all(|w| w[1] == w[0] + 1));

    // The network is back: connected, and once the server answered, the schedule starts over.
    until_connect(&mut s);
    s.open();
    s.answer_relogin();
    assert_eq!(s.net_states(), ["connecting", "connected"]);
    s.advance(1_000);
    s.reply("recentcontact.page_get", last_page(vec![], secs(200)));
    let again = s.now;
    s.close();
    until_connect(&mut s);
    assert_eq!(s.connects.last().unwrap().0, again, "the first attempt after a working connection is at once");
    assert!(s.take("sdkStateReady").is_empty() && s.take("sdkStateNotReady").is_empty());
}

#[test]
fn a_server_that_answers_and_closes_at_once_is_not_reconnected_to_without_pause() {
    let mut s = Script::logged_in(Account::default());
    let before = s.connects.len();
    let down = s.now;
    s.close();
    // Each new socket opens, the re-login is answered, and the server closes it at once: a close
    // within a second of the open counts as a failed attempt (WIRE.md §1.5).
    for _ in 0..6 {
        s.reconnect_when_due();
        s.answer_relogin();
        s.close();
    }
    let at: Vec<u64> = s.connects[before..].iter().map(|(t, _)| t - down).collect();
    assert_eq!(at, [0, 1_000, 3_000, 7_000, 15_000, 31_000]);
    // A connection that works for a second starts the schedule over.
    s.reconnect_when_due();
    s.answer_relogin();
    s.advance(1_000);
    s.reply("recentcontact.page_get", last_page(vec![], secs(100)));
    let t = s.now;
    s.close();
    s.reconnect_when_due();
    assert_eq!(s.connects.last().unwrap().0, t);
}

#[test]
fn reconnect_relogs_in_with_the_a2_key_and_resyncs_from_the_last_cursors() {
    let mut s = Script::logged_in(Account::default());
    let login_ts = s.sent.iter().rev().find(|f| f["head"]["servcmd"] == "recentcontact.page_get").unwrap().clone();
    assert_eq!(login_ts["body"]["TimeStamp"], 0, "the first conversation sync is a full one");
    s.take("netStateChange");
    let from = s.reconnect();
    assert_eq!(s.net_states(), ["disconnected", "connecting", "connected"]);
    let cmds = s.cmds_since(from);
    assert_eq!(
        cmds,
        [
            "im_open_status.wslogin",
            "heartbeat.alive",
            "recentcontact.page_get",
            "recentcontact.get_contact_group",
            "openim.get_c2c_peer_mute_notifications",
            "group_open_http_svc.get_joined_group_list",
            "million_group_open_http_svc.get_joined_group_list",
            "openim.getmsg"
        ],
        "WIRE.md §1.5 (2.x): re-login, heartbeat, resync"
    );
    let login = s.request("im_open_status.wslogin");
    assert_eq!(login["head"]["a2"], A2);
    assert_eq!(login["head"]["tinyid"], MY_TINY);
    assert!(login["head"].get("identifier").is_none() && login["head"].get("usersig").is_none());
    assert_eq!(login["body"], json!({"State": "Online", "is_web_uniapp": 0, "InstType": 0}));
    s.answer_relogin();
    let page = s.request("recentcontact.page_get");
    // The login's page_get reply said TimeStamp = T0/1000 - 1: the resync is incremental from it.
    assert_eq!(page["body"]["TimeStamp"], secs(0) - 1);
    assert_eq!(page["body"]["StartIndex"], 0);
    assert_eq!(s.request("openim.getmsg")["body"]["Cookie"], "k0");
    // Still logged in, one SDK_READY ever.
    assert!(s.take("sdkStateReady").is_empty());
    assert!(matches!(s.call("getConversationList", json!([])), CallResult::Text(_)));
}

#[test]
fn a_heartbeat_without_answer_closes_the_socket_4001_and_reconnects() {
    let mut s = Script::logged_in(Account::default());
    s.auto_heartbeat = false;
    let n = s.sent.len();
    // The last frame came in at T0 (the login's replies): 10 s later, a heartbeat.
    s.run_for(T0 + 9_500 - s.now, 500);
    assert_eq!(s.cmds_since(n), Vec::<String>::new());
    s.advance(500);
    assert_eq!(s.cmds_since(n), ["heartbeat.alive"]);
    let beat_at = s.now;
    assert_eq!(beat_at, T0 + 10_000);
    // No answer within 3 s: the socket is closed with 4001 and a new one opened.
    s.run_for(2_500, 500);
    assert!(s.closes.is_empty());
    s.run_for(500, 500);
    assert_eq!(s.closes.last().map(|c| (c.0 - beat_at, c.2)), Some((3_000, 4001)));
    s.advance(0);
    assert_eq!(s.connects.last().unwrap().0, beat_at + 3_000);
    s.take("netStateChange");
    s.auto_heartbeat = true;
    s.open();
    s.answer_relogin();
    assert_eq!(s.net_states(), ["connected"]);
}

// ====================================================================== 3. sync cursor paging

#[test]
fn getmsg_pages_with_the_previous_cookie_until_sync_flag_2_and_announces_each_message_once() {
    let mut s = Script::logged_in(Account::default());
    s.reconnect();
    s.answer_relogin();
    s.reply("recentcontact.page_get", last_page(vec![], secs(1)));
    let msgs: Vec<Value> = (0..5).map(|i| c2c(ALICE, ME, 2000 + i, 20 + i, secs(10 + i), &format!("p{i}"))).collect();
    let pages = [("k1", 1, &msgs[0..2]), ("k2", 0, &msgs[2..4]), ("k3", 2, &msgs[4..5])];
    let (mut cookie, mut flag) = ("k0".to_string(), 0);
    for (next, sync_flag, list) in pages {
        let req = s.request("openim.getmsg");
        assert_eq!(req["body"]["Cookie"], cookie.as_str());
        assert_eq!(req["body"]["SyncFlag"], flag, "the previous reply's SyncFlag is sent back");
        assert_eq!(s.unanswered("openim.getmsg").len(), 1, "one page at a time");
        s.reply("openim.getmsg", json!({"Cookie": next, "SyncFlag": sync_flag, "MsgList": list}));
        (cookie, flag) = (next.to_string(), sync_flag);
    }
    assert!(s.unanswered("openim.getmsg").is_empty(), "SyncFlag 2 ends the sync");
    assert_eq!(s.received_texts(), ["p0", "p1", "p2", "p3", "p4"], "each once, in order");
    // The next sync starts where this one ended.
    s.reconnect();
    s.answer_relogin();
    assert_eq!(s.request("openim.getmsg")["body"]["Cookie"], "k3");
}

#[test]
fn an_empty_cookie_ends_the_sync_and_keeps_the_last_cursor() {
    let mut s = Script::logged_in(Account::default());
    s.reconnect();
    s.answer_relogin();
    s.reply("openim.getmsg", json!({"Cookie": "", "SyncFlag": 1, "MsgList": []}));
    assert!(s.unanswered("openim.getmsg").is_empty(), "an empty Cookie stops the loop (WIRE.md §4.3)");
    s.reconnect();
    s.answer_relogin();
    assert_eq!(s.request("openim.getmsg")["body"]["Cookie"], "k0");
}

#[test]
fn the_login_sync_is_silent_and_files_its_messages_with_the_servers_unread_count() {
    let mut s = Script::login_start();
    let msgs: Vec<Value> = (0..3).map(|i| c2c(ALICE, ME, 3000 + i, 30 + i, secs(i), &format!("s{i}"))).collect();
    let req = s.request("openim.getmsg");
    assert_eq!(req["body"]["Cookie"], "");
    s.reply("openim.getmsg", json!({"Cookie": "k1", "SyncFlag": 1, "MsgList": &msgs[..2]}));
    s.reply(
        "openim.getmsg",
        json!({"Cookie": "k2", "SyncFlag": 2, "MsgList": &msgs[2..],
            "C2CPairUnreadCount": [{"From_Account": ALICE, "UnreadCount": 3}]}),
    );
    s.reply("recentcontact.page_get", last_page(vec![c2c_item(ALICE, &msgs[2])], secs(3)));
    assert_eq!(s.take("sdkStateReady").len(), 1);
    s.advance(1_000);
    assert!(s.received().is_empty(), "no MESSAGE_RECEIVED for the first sync (WIRE.md §4.3)");
    let conv = s.conversation(CALICE);
    assert_eq!(conv["unreadCount"], 3);
    assert_eq!(conv["lastMessage"]["messageForShow"], "s2");
}

#[test]
fn a_message_pushed_after_the_silent_first_sync_filed_it_is_announced_once() {
    let mut s = Script::login_start();
    s.reply("recentcontact.page_get", last_page(vec![], secs(0)));
    assert_eq!(s.take("sdkStateReady").len(), 1);
    // The first sync brings a message from before the login and one sent while the login ran,
    // whose push comes after this reply filed it: only the pushed one is news to the app.
    let before = c2c(ALICE, ME, 1, 11, secs(0), "offline");
    let during = c2c(ALICE, ME, 2, 12, secs(0), "during the login");
    s.reply("openim.getmsg", json!({"Cookie": "k1", "SyncFlag": 2, "MsgList": [before, during.clone()]}));
    assert!(s.received().is_empty(), "the first sync is silent");
    s.push(c2c_push(vec![during.clone()]));
    s.push(c2c_push(vec![during]));
    s.advance(1_000);
    assert_eq!(s.received_texts(), ["during the login"], "announced once, by its push; the offline one stays silent");
    assert_eq!(s.conversation(CALICE)["lastMessage"]["messageForShow"], "during the login");
}

#[test]
fn over_several_silent_pages_the_push_of_a_last_page_message_is_announced() {
    let mut s = Script::login_start();
    s.reply("recentcontact.page_get", last_page(vec![], secs(0)));
    let old = c2c(ALICE, ME, 1, 21, secs(0), "old");
    let during = c2c(ALICE, ME, 2, 22, secs(0), "late");
    s.reply("openim.getmsg", json!({"Cookie": "k1", "SyncFlag": 1, "MsgList": [old]}));
    s.reply("openim.getmsg", json!({"Cookie": "k2", "SyncFlag": 2, "MsgList": [during.clone()]}));
    s.push(c2c_push(vec![during]));
    s.advance(1_000);
    assert_eq!(s.received_texts(), ["late"]);
}

#[test]
fn page_get_pages_with_the_four_cursors_and_sdk_ready_waits_for_the_last_page() {
    let mut s = Script::login_start();
    s.reply("openim.getmsg", json!({"Cookie": "k0", "SyncFlag": 2, "MsgList": []}));
    let first = s.request("recentcontact.page_get");
    assert_eq!(
        first["body"],
        json!({"From_Account": ME, "TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0,
            "OrderType": 1, "MsgAssistFlags": 4, "AssistFlags": 15})
    );
    let ma = c2c(ALICE, ME, 1, 1, secs(50), "from alice");
    let mc = c2c("carol", ME, 2, 2, secs(40), "from carol");
    s.reply(
        "recentcontact.page_get",
        json!({"SessionItem": [c2c_item(ALICE, &ma), group_item(G, 4, 2)], "CompleteFlag": 0,
            "TimeStamp": 111, "StartIndex": 2, "TopTimeStamp": 1, "TopStartIndex": 0, "GroupItem": []}),
    );
    assert!(s.take("sdkStateReady").is_empty(), "not ready before the last page");
    let second = s.request("recentcontact.page_get");
    for (k, v) in [("TimeStamp", 111), ("StartIndex", 2), ("TopTimeStamp", 1), ("TopStartIndex", 0)] {
        assert_eq!(second["body"][k], v, "{k} of the previous reply");
    }
    s.reply("recentcontact.page_get", last_page(vec![c2c_item("carol", &mc)], 222));
    assert_eq!(s.take("sdkStateReady").len(), 1);
    assert!(s.unanswered("recentcontact.page_get").is_empty(), "CompleteFlag 1 ends the paging");
    s.advance(1_000);
    let list = s.call_ok("getConversationList", json!([]));
    let ids: Vec<&str> =
        list["conversationList"].as_array().unwrap().iter().map(|c| c["conversationID"].as_str().unwrap()).collect();
    assert_eq!(ids, [CALICE, "C2Ccarol", GCONV], "both pages, newest first");
    assert_eq!(s.unread(GCONV), 2);
    // The next sync is incremental from the last page's TimeStamp.
    s.reply("group_open_http_svc.get_joined_group_list", json!({"TotalCount": 0, "GroupIdList": []}));
    s.reconnect();
    s.answer_relogin();
    let page = s.request("recentcontact.page_get");
    assert_eq!((page["body"]["TimeStamp"].clone(), page["body"]["StartIndex"].clone()), (json!(222), json!(0)));
}

// ====================================================================== 4. group sequence holes

#[test]
fn a_reconnect_that_names_a_later_group_sequence_fetches_the_missing_range_in_order() {
    let mut s = Script::logged_in(in_group(5));
    s.push(group_push(vec![grp(G, ALICE, 6, &gtext(6)), grp(G, ALICE, 7, &gtext(7))]));
    assert_eq!(s.received_texts(), ["g0006", "g0007"]);
    s.reconnect();
    s.answer_relogin();
    // 8..12 were sent while the connection was down; the push of 10 reached the new socket
    // before the conversation list's answer.
    s.push(group_push(vec![grp(G, ALICE, 10, &gtext(10))]));
    assert_eq!(s.received_texts(), ["g0010"]);
    s.reply("recentcontact.page_get", last_page(vec![group_item(G, 12, 7)], secs(20)));
    let get = s.request("group_open_http_svc.group_msg_get");
    assert_eq!(get["body"], json!({"WithRecalledMsg": 1, "GroupId": G, "ReqMsgNumber": 5, "ReqMsgSeq": 12}));
    // A new message is pushed while the resync runs.
    s.push(group_push(vec![grp(G, ALICE, 13, &gtext(13))]));
    assert_eq!(s.received_texts(), ["g0013"]);
    s.answer(&get, group_history(&get, 13));
    assert!(s.unanswered("group_open_http_svc.group_msg_get").is_empty(), "the range is complete");
    assert_eq!(seqs(&s.received()), [8, 9, 11, 12], "the rest of the hole, in order, none twice");
    s.advance(1_000);
    assert_eq!(s.unread(GCONV), 7 + 1, "the server's count of 6..12, plus 13");
    assert_eq!(s.conversation(GCONV)["lastMessage"]["lastSequence"], 13, "the resync does not move it back");

    // The history: one run, the older part from the server, each message once.
    let call = s.call_pending("getMessageList", json!([{"conversationID": GCONV}]));
    let older = s.request("group_open_http_svc.group_msg_get");
    assert_eq!(older["body"]["ReqMsgSeq"], 5, "below what is held");
    s.answer(&older, group_history(&older, 13));
    let page = s.resolved(call);
    let list = page["messageList"].as_array().unwrap();
    assert_eq!(seqs(list), (1..=13).collect::<Vec<_>>());
    assert_eq!(page["isCompleted"], true);
}

#[test]
fn a_gap_between_pushes_is_filled_from_the_server_when_the_history_is_read() {
    let mut s = Script::logged_in(in_group(5));
    s.push(group_push(vec![grp(G, ALICE, 6, &gtext(6))]));
    // 7 and 8 never arrive.
    s.push(group_push(vec![grp(G, ALICE, 9, &gtext(9))]));
    assert_eq!(s.received_texts(), ["g0006", "g0009"]);
    // As tim-js-sdk (its loss detection only reports): a push gap alone fetches nothing.
    assert!(s.unanswered("group_open_http_svc.group_msg_get").is_empty());
    let call = s.call_pending("getMessageList", json!([{"conversationID": GCONV, "count": 15}]));
    let get = s.request("group_open_http_svc.group_msg_get");
    assert_eq!(get["body"]["ReqMsgSeq"], 8, "the hole is fetched from just below the newest run");
    assert_eq!(get["body"]["ReqMsgNumber"], 15);
    s.answer(&get, group_history(&get, 9));
    let page = s.resolved(call);
    let list = page["messageList"].as_array().unwrap();
    assert_eq!(seqs(list), (1..=9).collect::<Vec<_>>(), "in order, 6 not twice");
    assert_eq!(texts(&page["messageList"])[6], "g0007");
    assert!(s.received().is_empty(), "history is not announced");
}

#[test]
fn a_resync_page_that_skips_sequences_moves_on_below_it_and_ends() {
    let mut s = Script::logged_in(in_group(5));
    s.reconnect();
    s.answer_relogin();
    s.reply("recentcontact.page_get", last_page(vec![group_item(G, 30, 25)], secs(40)));
    let first = s.request("group_open_http_svc.group_msg_get");
    assert_eq!((first["body"]["ReqMsgSeq"].clone(), first["body"]["ReqMsgNumber"].clone()), (json!(30), json!(20)));
    // The server leaves out 25..21 (invisible to this member) in its page of 20.
    let mut page = group_history(&first, 30);
    page["RspMsgList"] = json!(page["RspMsgList"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["MsgSeq"].as_u64().unwrap() > 25)
        .cloned()
        .collect::<Vec<_>>());
    s.answer(&first, page);
    let second = s.request("group_open_http_svc.group_msg_get");
    assert_eq!(second["body"]["ReqMsgSeq"], 25, "the next page starts below the lowest returned");
    assert_eq!(second["body"]["ReqMsgNumber"], 20);
    s.answer(&second, group_history(&second, 30));
    assert!(s.unanswered("group_open_http_svc.group_msg_get").is_empty());
    assert_eq!(seqs(&s.received()), (6..=30).collect::<Vec<_>>());
}

#[test]
fn a_later_sequence_named_while_a_resync_runs_is_fetched_after_it() {
    let mut s = Script::logged_in(in_group(5));
    s.reconnect();
    s.answer_relogin();
    s.reply("recentcontact.page_get", last_page(vec![group_item(G, 12, 7)], secs(20)));
    let first = s.request("group_open_http_svc.group_msg_get");
    assert_eq!(first["body"]["ReqMsgSeq"], 12);
    // The app reads the group list meanwhile: it names 15 as the newest.
    let call = s.call_pending("getGroupList", json!([]));
    s.reply("group_open_http_svc.get_joined_group_list", json!({"TotalCount": 1, "GroupIdList": [joined(G, 16)]}));
    s.resolved(call);
    assert_eq!(s.unanswered("group_open_http_svc.group_msg_get").len(), 1, "one resync at a time");
    s.answer(&first, group_history(&first, 15));
    assert_eq!(seqs(&s.received()), (6..=12).collect::<Vec<_>>());
    let second = s.request("group_open_http_svc.group_msg_get");
    assert_eq!((second["body"]["ReqMsgSeq"].clone(), second["body"]["ReqMsgNumber"].clone()), (json!(15), json!(3)));
    s.answer(&second, group_history(&second, 15));
    assert_eq!(seqs(&s.received()), [13, 14, 15]);
    assert!(s.unanswered("group_open_http_svc.group_msg_get").is_empty());
}

// ====================================================================== 5. unread counting

#[test]
fn received_messages_count_unread_once_and_own_messages_do_not() {
    let mut s = Script::logged_in(in_group(5));
    assert_eq!(s.totals(), [0], "the login's total");
    let m1 = c2c(ALICE, ME, 1, 101, secs(1), "hi");
    s.push(c2c_push(vec![m1.clone()]));
    s.advance(1_000);
    assert_eq!(s.totals(), [1]);
    assert_eq!(s.unread(CALICE), 1);
    let g6 = grp(G, ALICE, 6, &gtext(6));
    s.push(group_push(vec![g6.clone()]));
    s.advance(1_000);
    assert_eq!(s.totals(), [2]);
    assert_eq!(s.unread(GCONV), 1);

    // The same messages again (a duplicate push): not announced, not counted.
    s.received();
    s.push(c2c_push(vec![m1.clone()]));
    s.push(group_push(vec![g6]));
    s.advance(1_000);
    assert!(s.received().is_empty());
    assert!(s.totals().is_empty(), "no change, no event");
    assert_eq!((s.unread(CALICE), s.unread(GCONV)), (1, 1));

    // My own messages from another device: a group message from me, and the IsSyncMsg copy of a
    // C2C message I sent (addresses from the peer's side, WIRE.md §5.3).
    s.push(group_push(vec![grp(G, ME, 7, "mine")]));
    let mut copy = c2c(ALICE, ME, 2, 102, secs(2), "mine too");
    copy["IsSyncMsg"] = json!(1);
    copy["TinyId"] = json!(MY_TINY);
    s.push(c2c_push(vec![copy]));
    let got = s.received();
    assert_eq!(got.iter().map(|m| m["flow"].as_str().unwrap()).collect::<Vec<_>>(), ["out", "out"]);
    s.advance(1_000);
    assert!(s.totals().is_empty());
    assert_eq!((s.unread(CALICE), s.unread(GCONV)), (1, 1));
    assert_eq!(s.conversation(CALICE)["lastMessage"]["messageForShow"], "mine too");

    // A message sent with excludedFromUnreadCount: announced, not counted.
    let mut quiet = c2c(ALICE, ME, 3, 103, secs(3), "quiet");
    quiet["SendMsgControl"] = json!(["NoUnread"]);
    s.push(c2c_push(vec![quiet]));
    assert_eq!(s.received_texts(), ["quiet"]);
    s.advance(1_000);
    assert_eq!(s.unread(CALICE), 1);
}

#[test]
fn set_message_read_clears_the_count_reports_it_and_updates_the_total() {
    let mut s = Script::logged_in(in_group(5));
    s.totals();
    s.push(c2c_push(vec![c2c(ALICE, ME, 1, 101, secs(1), "a"), c2c(ALICE, ME, 2, 102, secs(2), "b")]));
    s.push(group_push(vec![grp(G, ALICE, 6, "x"), grp(G, ALICE, 7, "y"), grp(G, ALICE, 8, "z")]));
    s.advance(1_000);
    assert_eq!(s.totals(), [5]);

    let call = s.call_pending("setMessageRead", json!([{"conversationID": CALICE}]));
    let req = s.request("openim.msgreaded");
    assert_eq!(
        req["body"],
        json!({"C2CMsgReaded": {"Cookie": "", "C2CMsgReadedItem": [{"To_Account": ALICE, "LastedMsgTime": secs(2), "Receipt": 1}]}})
    );
    assert_eq!(s.unread(CALICE), 0, "at once, before the server answers");
    s.reply("openim.msgreaded", json!({}));
    assert_eq!(s.resolved(call), json!({}));
    s.advance(1_000);
    assert_eq!(s.totals(), [3]);

    let call = s.call_pending("setMessageRead", json!([{"conversationID": GCONV}]));
    let req = s.request("group_open_http_svc.msg_read_report");
    assert_eq!(req["body"], json!({"GroupId": G, "MsgReadedSeq": 8}));
    s.reply("group_open_http_svc.msg_read_report", json!({}));
    s.resolved(call);
    s.advance(1_000);
    assert_eq!(s.totals(), [0]);
    assert_eq!((s.unread(CALICE), s.unread(GCONV)), (0, 0));
    // A new message counts from zero again.
    s.push(c2c_push(vec![c2c(ALICE, ME, 3, 103, secs(3), "c")]));
    s.advance(1_000);
    assert_eq!(s.totals(), [1]);
}

#[test]
fn the_total_unread_event_is_coalesced_to_one_per_second() {
    let mut s = Script::logged_in(Account::default());
    s.totals();
    for i in 0..5 {
        s.push(c2c_push(vec![c2c(ALICE, ME, 10 + i, 200 + i, secs(10 + i), "n")]));
        s.advance(100);
    }
    // Five messages within half a second: one event after the throttle, with the final count.
    s.advance(1_000);
    assert_eq!(s.totals(), [5]);
    assert_eq!(s.unread(CALICE), 5);
}

#[test]
fn read_on_another_device_clears_the_count() {
    let mut s = Script::logged_in(Account::default());
    s.totals();
    s.push(c2c_push(vec![c2c(ALICE, ME, 1, 101, secs(1), "a")]));
    s.advance(1_000);
    assert_eq!(s.totals(), [1]);
    s.push(json!({"EventArray": [{"Event": 9, "C2cNotifyMsgArray": [
        {"ReadC2cMsgNotify": {"UinPairReadArray": [{"From_Account": ALICE, "LastReadTime": secs(1)}]}}]}]}));
    s.advance(1_000);
    assert_eq!(s.totals(), [0]);
    assert_eq!(s.unread(CALICE), 0);
}

// ====================================================================== 6. the resync cap

#[test]
fn a_long_offline_gap_is_resynced_up_to_the_newest_1000_messages_and_no_further() {
    let mut s = Script::logged_in(in_group(5));
    s.reconnect();
    s.answer_relogin();
    // 1,500 messages were sent while the connection was down: 6..=1505.
    s.reply("recentcontact.page_get", last_page(vec![group_item(G, 1505, 1500)], secs(2000)));
    let mut asked = Vec::new();
    while let Some(req) = s.unanswered("group_open_http_svc.group_msg_get").pop() {
        assert!(asked.len() < 100, "the resync does not end");
        asked.push((req["body"]["ReqMsgSeq"].as_u64().unwrap(), req["body"]["ReqMsgNumber"].as_u64().unwrap()));
        s.answer(&req, group_history(&req, 1505));
    }
    assert_eq!(asked.len(), 50, "1,000 messages in pages of 20");
    assert_eq!(asked[0], (1505, 20));
    assert_eq!(*asked.last().unwrap(), (525, 20));
    assert!(asked.iter().all(|(top, n)| top - n + 1 >= 506), "nothing at or below 505 asked: {asked:?}");
    let got = s.received();
    assert_eq!(got.len(), 1_000);
    assert_eq!(seqs(&got), (506..=1505).collect::<Vec<_>>(), "the newest 1,000, once, in order");
    assert_eq!(got[0]["payload"]["text"], "g0506");
    s.advance(1_000);
    assert_eq!(s.unread(GCONV), 1500, "the unread count is the server's, not the cap");
    assert_eq!(s.conversation(GCONV)["lastMessage"]["lastSequence"], 1505);

    // The older ones stay on the server until the history is paged down to them: the 1,000 are
    // in memory, and the page below them is asked from 505 down.
    let mut shown = Vec::new();
    let mut next = Value::Null;
    let call = loop {
        let args = json!([{"conversationID": GCONV, "nextReqMessageID": next, "count": 15}]);
        match s.call("getMessageList", args) {
            CallResult::Done(Ok(page)) => {
                let mut p = seqs(page["messageList"].as_array().unwrap());
                p.extend(shown);
                shown = p;
                next = page["nextReqMessageID"].clone();
            }
            CallResult::Pending(call) => break call,
            other => panic!("{other:?}"),
        }
    };
    // 66 full pages from memory; the 67th would reach below 506, so it is the server's.
    assert!(shown == (516..=1505).collect::<Vec<_>>(), "pages from memory: {}..{}", shown[0], shown[shown.len() - 1]);
    let below = s.request("group_open_http_svc.group_msg_get");
    assert_eq!(below["body"]["ReqMsgSeq"], 505, "just below the resynced run");
    s.answer(&below, group_history(&below, 1505));
    let page = s.resolved(call);
    assert_eq!(seqs(page["messageList"].as_array().unwrap()), (501..=515).collect::<Vec<_>>());
    assert!(s.received().is_empty(), "history is not announced");
}

#[test]
fn a_gap_of_exactly_1000_is_resynced_whole() {
    let mut s = Script::logged_in(in_group(5));
    s.reconnect();
    s.answer_relogin();
    s.reply("recentcontact.page_get", last_page(vec![group_item(G, 1005, 1000)], secs(2000)));
    let mut pages = 0;
    while let Some(req) = s.unanswered("group_open_http_svc.group_msg_get").pop() {
        pages += 1;
        assert!(pages <= 60);
        s.answer(&req, group_history(&req, 1005));
    }
    assert_eq!(pages, 50);
    assert_eq!(seqs(&s.received()), (6..=1005).collect::<Vec<_>>());
}

#[test]
fn a_group_push_of_a_message_the_conversation_list_already_counted_is_not_counted_again() {
    // The conversation list (page_get) names sequence 5 as the group's last message, unread 1;
    // the push of that same message arrives after it (it was sent while the login ran).
    let acct = Account { sessions: vec![group_item(G, 5, 1)], groups: vec![joined(G, 6)], ..Account::default() };
    let mut s = Script::logged_in(acct);
    assert_eq!(s.unread(GCONV), 1);
    s.push(group_push(vec![grp(G, ALICE, 5, &gtext(5))]));
    assert_eq!(s.unread(GCONV), 1, "counted once: the list's count already has it");
    // A later message counts.
    s.push(group_push(vec![grp(G, ALICE, 6, &gtext(6))]));
    assert_eq!(s.received_texts(), [gtext(5), gtext(6)], "both announced: the app had seen neither");
    assert_eq!(s.unread(GCONV), 2);
}

#[test]
fn calls_waiting_for_the_server_at_logout_are_settled_once_with_an_error_rooms_included() {
    let mut s = Script::logged_in(Account::default());
    let room = s.call_pending("getJoinedCommunityList", json!([]));
    let profile = s.call_pending("getUserProfile", json!([{"userIDList": [ALICE]}]));
    let out = s.call_pending("logout", json!([]));
    assert!(s.resolved(out).is_object(), "logout resolves at once");
    for id in [room, profile] {
        let settled = s.settlements(id);
        assert_eq!(settled.len(), 1, "call {id} settled once");
        assert!(settled[0].is_err(), "call {id} rejected: the session ended");
    }
}

#[test]
fn a_reconnect_while_the_conversation_sync_runs_starts_it_over_once() {
    let mut s = Script::logged_in(Account::default());
    s.reconnect();
    s.answer_relogin();
    assert_eq!(s.unanswered("recentcontact.page_get").len(), 1, "the resync's page_get is out");
    // The connection drops before it is answered.
    let from = s.reconnect();
    s.answer_relogin();
    let pages = s.cmds_since(from).iter().filter(|c| *c == "recentcontact.page_get").count();
    assert_eq!(pages, 1, "one conversation sync: the old request is not resent beside the new one");
    let after = s.sent.len();
    s.reply("recentcontact.page_get", last_page(vec![], secs(9)));
    assert!(
        !s.cmds_since(after).iter().any(|c| c == "recentcontact.page_get"),
        "and it ends with its last page: nothing pages on"
    );
}

#[test]
fn a_group_joined_on_another_device_while_offline_is_listed_after_the_reconnect() {
    let mut s = Script::logged_in(Account::default());
    s.take("onGroupListUpdated");
    s.reconnect();
    s.answer_relogin();
    s.reply("group_open_http_svc.get_joined_group_list", json!({"TotalCount": 1, "GroupIdList": [joined(G, 1)]}));
    s.advance(1_000);
    let updates = s.take("onGroupListUpdated");
    let last = updates.last().and_then(Clone::clone).expect("GROUP_LIST_UPDATED after the reconnect");
    assert_eq!(last[0]["groupID"], G);
}

//! REST API, malformed input, compression, text mode, demo mode, health.

use crate::common::*;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn rest_import_and_sendmsg_reach_the_online_user() {
    let server = start().await;
    let rep = rest(
        &server,
        "im_open_login_svc/account_import",
        &json!({"UserID":"bob","Nick":"Bob B","FaceUrl":"http://b.png"}),
    )
    .await;
    assert_eq!((rep["ActionStatus"].as_str(), rep["ErrorCode"].as_i64()), (Some("OK"), Some(0)), "{rep}");
    let mut bob = Client::connect(&server, "b").await;
    bob.login("bob").await;
    let prof = bob.call("profile.portrait_get_all", json!({"UserItem":[{"To_Account":"bob"}]})).await;
    assert_eq!(prof["UserProfileItem"][0]["ProfileItem"][0]["Value"], "Bob B");
    rest(&server, "im_open_login_svc/account_import", &json!({"UserID":"alice"})).await;

    // From_Account given: delivered as alice, synced to alice's sessions (SyncOtherMachine 1).
    let mut alice = Client::connect(&server, "a").await;
    alice.login("alice").await;
    let body = json!({"SyncOtherMachine":1,"From_Account":"alice","To_Account":"bob","MsgRandom":1287657,
        "MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"from REST"}}]});
    let rep = rest(&server, "openim/sendmsg", &body).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    assert!(rep["MsgTime"].as_u64().unwrap() > 0);
    assert!(rep["MsgKey"].as_str().unwrap().contains("_1287657_"));
    let got = pushed_c2c(&bob.push(Duration::from_secs(2)).await.unwrap());
    assert_eq!(
        (got["From_Account"].as_str(), got["MsgBody"][0]["MsgContent"]["Text"].as_str()),
        (Some("alice"), Some("from REST"))
    );
    let copy = pushed_c2c(&alice.push(Duration::from_secs(2)).await.unwrap());
    assert_eq!((copy["IsSyncMsg"].as_u64(), copy["From_Account"].as_str()), (Some(1), Some("bob")));
    // Same request again: a resend, same answer, no second delivery.
    let again = rest(&server, "openim/sendmsg", &body).await;
    assert_eq!(again["MsgKey"], rep["MsgKey"]);
    bob.no_push(Duration::from_millis(300)).await;

    // No From_Account: sent by the admin. SyncOtherMachine 2: not in the admin's stream.
    let rep = rest(
        &server,
        "openim/sendmsg",
        &json!({"SyncOtherMachine":2,"To_Account":"bob","MsgRandom":5,
        "MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"system"}}]}),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let got = pushed_c2c(&bob.push(Duration::from_secs(2)).await.unwrap());
    assert_eq!(got["From_Account"], "administrator");
    server.shutdown().await;
}

#[tokio::test]
async fn rest_auth_and_body_errors() {
    let server = start().await;
    let body = r#"{"UserID":"x"}"#;
    let now = tim_server::now();
    let path = |app: u64, id: &str, sig: &str| {
        format!("/v4/im_open_login_svc/account_import?sdkappid={app}&identifier={id}&usersig={sig}&random=1&contenttype=json")
    };
    let admin_sig = tim_proto::usersig::generate(APP, KEY, "administrator", 3600, now);
    let cases = [
        (
            path(APP, "administrator", &tim_proto::usersig::generate(APP, "bad", "administrator", 3600, now)),
            body,
            70009,
        ),
        (path(APP, "administrator", "garbage"), body, 70009),
        (
            path(APP, "administrator", &tim_proto::usersig::generate(APP, KEY, "administrator", 10, now - 100)),
            body,
            70001,
        ),
        (path(APP, "alice", &tim_proto::usersig::generate(APP, KEY, "alice", 3600, now)), body, 90009),
        (path(999, "administrator", &admin_sig), body, 70003),
        (path(APP, "administrator", &admin_sig), "{not json", 90001),
        (path(APP, "administrator", &admin_sig), r#"{"Nick":"no user id"}"#, 90003),
        (path(APP, "administrator", &admin_sig).replace("account_import", "nope"), body, 80002),
    ];
    for (p, b, code) in cases {
        let (status, text) = http(&server, "POST", &p, b).await;
        assert_eq!(status, 200);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!((v["ErrorCode"].as_i64(), v["ActionStatus"].as_str()), (Some(code), Some("FAIL")), "{p} -> {text}");
    }
    // WebSocket users cannot call admin commands.
    let mut c = Client::connect(&server, "i").await;
    c.login("alice").await;
    assert_eq!(c.call("im_open_login_svc.kick", json!({"UserID":"bob"})).await["ErrorCode"], 90009);
    server.shutdown().await;
}

#[tokio::test]
async fn rest_kick() {
    let server = start().await;
    let mut c = Client::connect(&server, "i").await;
    c.login("alice").await;
    assert_eq!(rest(&server, "im_open_login_svc/kick", &json!({"UserID":"alice"})).await["ErrorCode"], 0);
    let f = c.push(Duration::from_secs(2)).await.unwrap();
    assert_eq!(f.body["EventArray"][0]["C2cNotifyMsgArray"][0]["KickoutMsgNotify"]["KickType"], 3);
    let hello = c.call("im_open_status.wshello", json!({})).await;
    assert_eq!((hello["ErrorCode"].as_i64(), hello["KickType"].as_u64()), (Some(1002), Some(3)));
    server.shutdown().await;
}

#[tokio::test]
async fn malformed_frames_are_ignored() {
    let server = start_with(tim_server::Config { max_frame_bytes: 64 * 1024, ..config() }).await;
    let mut c = Client::connect(&server, "i").await;
    c.login("alice").await;
    for junk in [
        Message::Binary(b"not json".to_vec().into()),
        Message::Binary(b"COMPgarbage".to_vec().into()),
        Message::Binary(vec![0xff, 0xfe, 0x00].into()),
        Message::Text("{".into()),
        Message::Text(r#"{"body":{}}"#.into()),
        Message::Text(r#"{"head":{"seq":1},"body":{}}"#.into()),
        Message::Text(r#"[1,2,3]"#.into()),
        Message::Text(r#"{"head":{"servcmd":"openim.sendmsg","seq":"x"},"body":{}}"#.into()),
        Message::Binary(vec![b' '; 100 * 1024].into()),
    ] {
        c.send_raw(junk).await;
    }
    // A frame with a bad body type is answered with an error, not a crash.
    let seq = c.send("openim.sendmsg", json!("a string body")).await;
    assert_eq!(c.reply("openim.sendmsg", seq).await["ErrorCode"], 90001);
    let seq = c.send("openim.getroammsg", json!({"Peer_Account": 5})).await;
    assert_eq!(c.reply("openim.getroammsg", seq).await["ErrorCode"], 90001);
    let seq = c.send("openim.getmsg", json!({"Cookie": "-5"})).await;
    assert_eq!(c.reply("openim.getmsg", seq).await["ErrorCode"], 0);
    assert_eq!(c.call("heartbeat.alive", json!({})).await["ErrorCode"], 0);
    // Junk without a readable seq gets nothing; the frame without servcmd but with `seq: 1` is
    // answered (docs/security.md "Malformed frames").
    let answered: Vec<(String, u64, Value)> =
        c.pushes.iter().map(|f| (f.head.servcmd.clone(), f.head.seq, f.body["ErrorCode"].clone())).collect();
    assert_eq!(answered, vec![(String::new(), 1, json!(20001))], "replies to junk: {:?}", c.pushes);
    server.shutdown().await;
}

#[tokio::test]
async fn large_replies_are_compressed_and_text_mode_is_plain() {
    let server = start().await;
    let mut alice = Client::connect(&server, "a").await;
    alice.login("alice").await;
    for i in 0..20u64 {
        alice.send_text("bob", &format!("message number {i} with some padding text"), i + 1, i + 1).await;
    }
    let mut bob = Client::connect(&server, "b").await;
    bob.login("bob").await;
    let before = bob.compressed;
    let (msgs, _) = bob.getmsg_all("").await;
    assert_eq!(msgs.len(), 20);
    assert!(bob.compressed > before, "large getmsg reply should be COMP-compressed");
    let small = bob.compressed;
    bob.call("heartbeat.alive", json!({})).await;
    assert_eq!(bob.compressed, small, "small replies stay plain");

    // /info: text frames, never compressed.
    let mut t = Client::connect_url(&server, "info", APP, "t", 7).await;
    t.login("carol").await;
    let (msgs, _) = t.getmsg_all("").await;
    assert!(msgs.is_empty());
    alice.send_text("carol", &"long ".repeat(400), 99, 99).await;
    let f = t.push(Duration::from_secs(2)).await.unwrap();
    assert_eq!(pushed_c2c(&f)["To_Account"], "carol");
    assert_eq!(t.compressed, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn demo_mode_creates_and_keeps_an_app_and_serves_usersigs() {
    let cfg = tim_server::Config { listen: "127.0.0.1:0".into(), demo: true, ..backend_default() };
    let server = start_with(cfg.clone()).await;
    let app = server.created_app().cloned().expect("demo app created");
    assert!((1_400_000_000..1_400_100_000).contains(&app.sdkappid));
    assert_eq!(app.secret_key.len(), 64);
    assert_eq!(http(&server, "GET", "/healthz", "").await, (200, "ok".to_string()));
    let (status, text) =
        http(&server, "GET", &format!("/dev/usersig?sdkappid={}&userID=alice", app.sdkappid), "").await;
    assert_eq!(status, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((v["SDKAppID"].as_u64(), v["userID"].as_str()), (Some(app.sdkappid), Some("alice")));
    let s = v["userSig"].as_str().unwrap();
    assert!(tim_proto::usersig::verify(s, app.sdkappid, &app.secret_key, "alice", tim_server::now()).is_ok());
    assert_eq!(http(&server, "GET", "/dev/usersig?userID=", "").await.0, 400);
    server.shutdown().await;

    // Restart on the same data dir: same app, nothing new created.
    let server = start_with(cfg).await;
    assert!(server.created_app().is_none());
    assert_eq!(server.apps(), vec![app]);
    server.shutdown().await;

    // Without demo mode there is no /dev/usersig, and no app at all is an error.
    let server = start().await;
    assert_eq!(http(&server, "GET", "/dev/usersig?userID=alice", "").await.0, 404);
    server.shutdown().await;
    let empty = tim_server::Config { listen: "127.0.0.1:0".into(), ..backend_default() };
    ensure_database(&empty).await;
    assert!(matches!(tim_server::Server::start(empty).await, Err(tim_server::StartError::NoApps)));
}

#[tokio::test]
async fn static_dir_is_served_and_shutdown_closes_sockets() {
    let dir = temp_dir();
    std::fs::write(dir.join("index.html"), "<h1>hi</h1>").unwrap();
    let server = start_with(tim_server::Config { static_dir: Some(dir), ..config() }).await;
    let (status, body) = http(&server, "GET", "/index.html", "").await;
    assert_eq!((status, body.as_str()), (200, "<h1>hi</h1>"));
    let mut c = Client::connect(&server, "i").await;
    c.login("alice").await;
    let stop = tokio::spawn(server.shutdown());
    assert!(c.recv(Duration::from_secs(3)).await.is_none());
    assert!(c.closed);
    tokio::time::timeout(Duration::from_secs(5), stop).await.expect("shutdown finishes").unwrap();
}

#[tokio::test]
async fn idle_sockets_are_closed() {
    let server = start_with(tim_server::Config { idle_timeout_secs: 1, ..config() }).await;
    let mut c = Client::connect(&server, "i").await;
    c.login("alice").await;
    assert!(c.recv(Duration::from_secs(3)).await.is_none());
    assert!(c.closed);
    server.shutdown().await;
}

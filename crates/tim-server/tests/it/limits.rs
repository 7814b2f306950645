//! Request limits and validation (docs/security.md): rate limits, identifier rules, message
//! element shapes, malformed frames answered, display names from the profile, escaped logs.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

fn text(t: &str) -> Value {
    json!([{"MsgType":"TIMTextElem","MsgContent":{"Text": t}}])
}

async fn sendmsg(c: &mut Client, to: &str, body: Value, n: u64) -> Value {
    c.call(
        "openim.sendmsg",
        json!({"To_Account": to, "MsgSeq": n, "MsgRandom": n, "MsgBody": body, "MsgClientTime": tim_server::now()}),
    )
    .await
}

async fn account_exists(server: &tim_server::ServerHandle, user: &str) -> bool {
    match server.store().account(APP, user) {
        Ok(a) => a.is_some(),
        // PostgreSQL text cannot hold NUL: such an account cannot exist there.
        Err(_) if user.contains('\0') => false,
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn one_user_sending_too_fast_gets_60018_and_others_are_not_affected() {
    let mut config = config();
    config.limits.user_cmds_per_sec = 5;
    config.limits.user_cmds_burst = 10;
    let server = start_with(config).await;
    let (mut alice, _) = user(&server, "alice").await;
    let (mut bob, bob_id) = user(&server, "bob").await;
    let mut codes = Vec::new();
    for n in 1..=30 {
        codes.push(sendmsg(&mut alice, &bob_id, text("hi"), n).await["ErrorCode"].as_i64().unwrap());
    }
    let ok = codes.iter().filter(|c| **c == 0).count();
    assert!(codes.iter().all(|c| *c == 0 || *c == 60018), "{codes:?}");
    assert!((10..=14).contains(&ok), "the burst of 10 plus what refilled at 5/s: {codes:?}");
    // Another user's budget is their own.
    let rep = bob
        .call(
            "openim.sendmsg",
            json!({"To_Account": "x-peer", "MsgSeq": 1, "MsgRandom": 1,
        "MsgBody": text("fine")}),
        )
        .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    // Heartbeats are never limited (the SDK must not be logged out for being alive).
    let rep = alice.call("heartbeat.alive", json!({})).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sendmsg(&mut alice, &bob_id, text("later"), 99).await["ErrorCode"], 0, "refilled");
    server.shutdown().await;
}

#[tokio::test]
async fn rest_calls_beyond_the_app_rate_get_60007() {
    let mut config = config();
    config.limits.rest_per_sec = 2;
    config.limits.rest_burst = 5;
    let server = start_with(config).await;
    let mut codes = Vec::new();
    for n in 0..12 {
        let rep = rest(&server, "im_open_login_svc/account_import", &json!({"UserID": format!("r{n}")})).await;
        codes.push(rep["ErrorCode"].as_i64().unwrap());
    }
    assert!(codes[..5].iter().all(|c| *c == 0), "{codes:?}");
    assert!(codes.contains(&60007), "{codes:?}");
    assert!(codes.iter().all(|c| *c == 0 || *c == 60007), "{codes:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn logins_from_one_address_beyond_the_rate_get_70050() {
    let mut config = config();
    config.limits.logins_per_ip_per_sec = 1;
    config.limits.logins_per_ip_burst = 3;
    let server = start_with(config).await;
    let mut codes = Vec::new();
    for n in 0..6 {
        let mut c = Client::connect(&server, &format!("i{n}")).await;
        let id = uniq("login");
        codes.push(c.login_with(&id, &sig(&id)).await["ErrorCode"].as_i64().unwrap());
    }
    assert_eq!(&codes[..3], &[0, 0, 0], "{codes:?}");
    assert!(codes[3..].contains(&70050), "{codes:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn accounts_created_by_sending_to_unknown_ids_are_capped_with_70398() {
    let mut config = config();
    config.limits.auto_import_per_user_per_sec = 1;
    config.limits.auto_import_per_user_burst = 5;
    let server = start_with(config).await;
    let (mut alice, _) = user(&server, "alice").await;
    let peers: Vec<String> = (0..10).map(|n| uniq(&format!("new{n}"))).collect();
    let mut codes = Vec::new();
    for (n, p) in peers.iter().enumerate() {
        codes.push(sendmsg(&mut alice, p, text("hi"), n as u64 + 1).await["ErrorCode"].as_i64().unwrap());
    }
    assert_eq!(&codes[..5], &[0; 5], "{codes:?}");
    assert!(codes[5..].contains(&70398), "{codes:?}");
    let refused: Vec<&String> = peers.iter().zip(&codes).filter(|(_, c)| **c == 70398).map(|(p, _)| p).collect();
    for p in refused {
        assert!(!account_exists(&server, p).await, "{p} must not be created");
    }
    // Existing accounts are not counted, and the admin is not limited.
    assert_eq!(sendmsg(&mut alice, &peers[0], text("again"), 50).await["ErrorCode"], 0);
    let rep = rest(
        &server,
        "openim/sendmsg",
        &json!({"To_Account": uniq("byadmin"), "MsgRandom": 7,
        "MsgBody": text("x")}),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    server.shutdown().await;
}

#[tokio::test]
async fn identifiers_breaking_the_rules_are_refused_on_every_path() {
    let server = start().await;
    // Login: a 5,000-byte identifier with a valid userSig for it.
    let long = "u".repeat(5000);
    let mut c = Client::connect(&server, "x").await;
    let rep = c.login_with(&long, &sig(&long)).await;
    assert_eq!(rep["ErrorCode"], 70402, "{rep}");
    assert!(!account_exists(&server, &long).await);
    let rep = c.login_with("a\nb", &sig("a\nb")).await;
    assert_eq!(rep["ErrorCode"], 70402, "{rep}");

    // sendmsg To_Account: too long, NUL, newline, non-ASCII. Nothing is created.
    let (mut alice, alice_id) = user(&server, "alice").await;
    let bad = ["t".repeat(33), "a\0b".into(), "a\nb".into(), "bö".into(), "x".repeat(500_000)];
    for (n, to) in bad.iter().enumerate() {
        let rep = sendmsg(&mut alice, to, text("hi"), n as u64 + 1).await;
        assert_eq!(rep["ErrorCode"], 20003, "{rep}");
        assert!(!account_exists(&server, to).await);
    }
    // REST: To_Account and From_Account.
    let rep = rest(
        &server,
        "openim/sendmsg",
        &json!({"From_Account": "f".repeat(1024), "To_Account": alice_id,
        "MsgRandom": 1, "MsgBody": text("x")}),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 20003, "{rep}");
    let rep =
        rest(&server, "openim/sendmsg", &json!({"To_Account": "a\nb", "MsgRandom": 2, "MsgBody": text("x")})).await;
    assert_eq!(rep["ErrorCode"], 20003, "{rep}");
    // account_import.
    for id in ["i".repeat(33), "line\nbreak".into()] {
        let rep = rest(&server, "im_open_login_svc/account_import", &json!({"UserID": id})).await;
        assert_eq!(rep["ErrorCode"], 70402, "{rep}");
        assert!(!account_exists(&server, &id).await);
    }
    // Groups: a member with a newline, a custom GroupId with a newline.
    let rep = alice
        .call(
            "group_open_http_svc.create_group",
            json!({"Type":"Public","Name":"g",
            "MemberList":[{"Member_Account":"m\nx"}]}),
        )
        .await;
    assert_eq!(rep["ErrorCode"], 10004, "{rep}");
    assert!(!account_exists(&server, "m\nx").await);
    let rep =
        alice.call("group_open_http_svc.create_group", json!({"Type":"Public","Name":"g","GroupId":"g\nx"})).await;
    assert_eq!(rep["ErrorCode"], 10004, "{rep}");
    server.shutdown().await;
}

#[tokio::test]
async fn message_elements_of_the_wrong_shape_are_refused_on_every_path() {
    let server = start().await;
    let (mut alice, _) = user(&server, "alice").await;
    let (mut bob, bob_id) = user(&server, "bob").await;
    let rep = alice
        .call(
            "group_open_http_svc.create_group",
            json!({"Type":"Public","Name":"g",
        "MemberList":[{"Member_Account": bob_id}]}),
        )
        .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let gid = rep["GroupId"].as_str().unwrap().to_string();
    while bob.push(Duration::from_millis(300)).await.is_some() {}
    let bad = [
        json!([{"MsgType":"TIMTextElem","MsgContent":{"Text":{"evil":[1,2]}}}]),
        json!([{"MsgType":"TIMTextElem","MsgContent":"a string"}]),
        json!([{"MsgType":"TIMTextElem"}]),
        json!([{"MsgType":"TIMTextElem","MsgContent":{}}]),
        json!([{"MsgType":"TIMCustomElem","MsgContent":{"Data":{"x":1}}}]),
        json!([{"MsgType":"TIMFaceElem","MsgContent":{"Index":"one"}}]),
        json!([{"MsgType":"TIMLocationElem","MsgContent":{"Desc":"d","Latitude":"n","Longitude":1}}]),
        json!([{"MsgType":"TIMImageElem","MsgContent":{"UUID":"u","ImageInfoArray":"none"}}]),
        json!([{"MsgType":"TIMSoundElem","MsgContent":{"Url":["x"]}}]),
        json!([{"MsgType":"TIMVideoFileElem","MsgContent":{"VideoUrl":{}}}]),
        json!([{"MsgType":"TIMFileElem","MsgContent":{"FileName":7}}]),
        json!([{"MsgType":"TIMRelayElem","MsgContent":{"Title":"t","MsgList":[{"MsgBody":[{"MsgType":"TIMTextElem",
            "MsgContent":{"Text":5}}]}]}}]),
        json!([{"MsgType":"TIMTextElem","MsgContent":{"Text":"ok"}}, 5]),
    ];
    for (n, body) in bad.iter().enumerate() {
        let n = n as u64 + 1;
        let rep = sendmsg(&mut alice, &bob_id, body.clone(), n).await;
        assert_eq!(rep["ErrorCode"], 90002, "C2C {body}: {rep}");
        let rep = alice
            .call("group_open_http_svc.send_group_msg", json!({"GroupId": gid, "Random": n, "MsgBody": body}))
            .await;
        assert_eq!(rep["ErrorCode"], 90002, "group {body}: {rep}");
        let rep =
            rest(&server, "openim/sendmsg", &json!({"To_Account": bob_id, "MsgRandom": n, "MsgBody": body})).await;
        assert_eq!(rep["ErrorCode"], 90002, "REST {body}: {rep}");
    }
    bob.no_push(Duration::from_millis(300)).await;
    // The shapes the SDK sends still pass.
    let good = json!([{"MsgType":"TIMImageElem","MsgContent":{"ImageFormat":3,"UUID":"u","ImageInfoArray":[
        {"Type":1,"Size":16,"Width":640,"Height":480,"URL":"http://x/1.png","InstanceId":0,"MsgType":1}]}},
        {"MsgType":"TIMLocationElem","MsgContent":{"Desc":"here","Longitude":116.3,"Latitude":39.9}},
        {"MsgType":"TIMFaceElem","MsgContent":{"Index":1,"Data":"tt00"}}]);
    assert_eq!(sendmsg(&mut alice, &bob_id, good, 100).await["ErrorCode"], 0);
    server.shutdown().await;
}

#[tokio::test]
async fn other_nonsense_is_refused() {
    let server = start().await;
    let rep =
        rest(&server, "im_open_login_svc/account_import", &json!({"UserID":"n1","Nick":"n".repeat(100_000)})).await;
    assert_eq!(rep["ErrorCode"], 70402, "{rep}");
    assert!(!account_exists(&server, "n1").await);
    let rep = rest(&server, "im_open_login_svc/account_import", &json!({"UserID":"n2","FaceUrl":{"x":1}})).await;
    assert_eq!(rep["ErrorCode"], 70402, "{rep}");

    let (mut alice, _) = user(&server, "alice").await;
    let many: Vec<Value> = (0..10_000).map(|_| json!({"Tag":"Tag_Profile_IM_Nick","Value":"n"})).collect();
    let rep = alice.call("profile.portrait_set", json!({"ProfileItem": many})).await;
    assert_eq!(rep["ErrorCode"], 40001, "{rep}");
    let rep = alice
        .call(
            "profile.portrait_set",
            json!({"ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"n".repeat(100_000)}]}),
        )
        .await;
    assert_eq!(rep["ErrorCode"], 40601, "{rep}");

    let rep = alice.call("group_open_http_svc.create_group", json!({"Type":"Public","Name":"g"})).await;
    let gid = rep["GroupId"].as_str().unwrap().to_string();
    for random in [json!(-1), json!("7"), json!(1.5), json!(4_294_967_296u64)] {
        let rep = alice
            .call("group_open_http_svc.send_group_msg", json!({"GroupId": gid, "Random": random, "MsgBody": text("x")}))
            .await;
        assert_eq!(rep["ErrorCode"], 10004, "Random {random}: {rep}");
    }
    let rep = alice
        .call("group_open_http_svc.send_group_msg", json!({"GroupId": gid, "Random": 5, "MsgBody": text("x")}))
        .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");

    let rep = alice.call("openim.getmsg", json!({"Cookie": {"a": 1}, "SyncFlag": 0})).await;
    assert_eq!(rep["ErrorCode"], 90001, "{rep}");
    let rep = alice.call("openim.getmsg", json!({"Cookie": "", "SyncFlag": 0})).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    server.shutdown().await;
}

/// Real frames of a logged-in client, each field of the head set to values of the wrong type
/// and a lone surrogate put into its strings: every frame whose seq can be read is answered,
/// with that seq.
#[tokio::test]
async fn every_mutated_frame_with_a_readable_seq_gets_a_reply() {
    let server = start().await;
    let (mut alice, _) = user(&server, "alice").await;
    let (_bob, bob_id) = user(&server, "bob").await;
    let bases = [
        ("heartbeat.alive", json!({})),
        ("openim.sendmsg", json!({"To_Account": bob_id, "MsgSeq": 1, "MsgRandom": 1, "MsgBody": text("hi")})),
        ("openim.getmsg", json!({"Cookie": "", "SyncFlag": 0})),
        ("profile.portrait_get", json!({"To_Account": [bob_id], "TagList": ["Tag_Profile_IM_Nick"]})),
        ("recentcontact.page_get", json!({"StartIndex": 0, "TopStartIndex": 0, "TopCount": 100})),
    ];
    let wrong = [json!("x"), json!(5), json!(-1), json!(1.5), json!({"a": 1}), json!([1]), json!(true)];
    let mut frames: Vec<(Option<u64>, String)> = Vec::new();
    let mut seq = 500_000u64;
    for (servcmd, body) in &bases {
        let head = {
            alice.seq += 1;
            let mut h = json!({"ver":"v4","platform":7,"websdkappid":537048168,"websdkversion":"1.7.3",
                "status_instid": alice.inst_id, "sdkappid": APP, "contenttype":"json", "reqtime": tim_server::now(),
                "sdkability":192371, "tjgID":"", "servcmd": servcmd, "seq": 0, "a2": alice.a2, "tinyid": alice.tinyid});
            h["seq"] = json!(0);
            h
        };
        let keys: Vec<String> = head.as_object().unwrap().keys().cloned().collect();
        for key in &keys {
            for w in &wrong {
                seq += 1;
                let mut h = head.clone();
                h[key.as_str()] = w.clone();
                let readable = if key == "seq" { None } else { Some(seq) };
                if key != "seq" {
                    h["seq"] = json!(seq);
                }
                frames.push((readable, json!({"head": h, "body": body}).to_string()));
            }
            // A lone surrogate in a string field of the head.
            if head[key.as_str()].is_string() {
                seq += 1;
                let mut h = head.clone();
                h["seq"] = json!(seq);
                h[key.as_str()] = json!("MARK");
                let t = json!({"head": h, "body": body}).to_string().replace("MARK", "x\\ud800y");
                frames.push((Some(seq), t));
            }
        }
        // A lone surrogate in every string of the body.
        seq += 1;
        let mut h = head.clone();
        h["seq"] = json!(seq);
        let t = json!({"head": h, "body": body}).to_string();
        let t = t.replace("\"hi\"", "\"h\\udc00i\"").replace("\"Cookie\":\"\"", "\"Cookie\":\"\\ud800\"");
        frames.push((Some(seq), t));
        // Truncated JSON with the head intact.
        seq += 1;
        let mut h = head.clone();
        h["seq"] = json!(seq);
        let t = json!({"head": h, "body": body}).to_string();
        frames.push((Some(seq), t[..t.len() - 2].to_string()));
    }
    assert!(frames.len() > 300, "{} frames", frames.len());
    let want: HashSet<u64> = frames.iter().filter_map(|(s, _)| *s).collect();
    for (_, t) in &frames {
        alice.send_raw(Message::Text(t.clone().into())).await;
    }
    let mut got = HashSet::new();
    while got.len() < want.len() {
        let Some(f) = alice.recv(Duration::from_secs(5)).await else { break };
        if want.contains(&f.head.seq) {
            got.insert(f.head.seq);
        }
    }
    let missing: Vec<&String> =
        frames.iter().filter(|(s, _)| s.is_some_and(|s| !got.contains(&s))).map(|(_, t)| t).take(5).collect();
    assert!(missing.is_empty(), "{} of {} frames unanswered, e.g. {missing:#?}", want.len() - got.len(), want.len());
    server.shutdown().await;
}

#[tokio::test]
async fn display_names_come_from_the_senders_profile() {
    let server = start().await;
    let rep = rest(
        &server,
        "im_open_login_svc/account_import",
        &json!({"UserID":"alice","Nick":"Alice","FaceUrl":"http://a.png"}),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let mut alice = Client::connect(&server, "a").await;
    alice.login("alice").await;
    let (mut bob, bob_id) = user(&server, "bob").await;
    let spoof = |n: u64| {
        json!({"From_Account":"alice","To_Account": bob_id, "MsgRandom": n, "MsgSeq": n,
        "From_AccountNick":"alice (Admin)","From_AccountHeadurl":"http://evil/admin.png","MsgBody": text("hi")})
    };
    assert_eq!(rest(&server, "openim/sendmsg", &spoof(1)).await["ErrorCode"], 0);
    assert_eq!(alice.call("openim.sendmsg", spoof(2)).await["ErrorCode"], 0);
    for _ in 0..2 {
        let m = pushed_c2c(&bob.push(Duration::from_secs(2)).await.unwrap());
        assert_eq!(
            (m["From_AccountNick"].as_str(), m["From_AccountHeadurl"].as_str()),
            (Some("Alice"), Some("http://a.png")),
            "{m}"
        );
    }
    let rep = alice
        .call(
            "group_open_http_svc.create_group",
            json!({"Type":"Public","Name":"g",
        "MemberList":[{"Member_Account": bob_id}]}),
        )
        .await;
    let gid = rep["GroupId"].as_str().unwrap().to_string();
    let rep = alice
        .call(
            "group_open_http_svc.send_group_msg",
            json!({"GroupId": gid, "Random": 9,
        "From_AccountNick":"alice (Admin)","From_AccountHeadurl":"http://evil","MsgBody": text("g")}),
        )
        .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let rep = bob.call("group_open_http_svc.group_msg_get", json!({"GroupId": gid, "ReqMsgNumber": 20})).await;
    let list = rep["RspMsgList"].as_array().unwrap();
    let m = list.iter().find(|m| m["Random"] == 9).unwrap_or_else(|| panic!("{rep}"));
    let info = &m["GroupInfo"];
    assert_eq!(
        (info["From_AccountNick"].as_str(), info["From_AccountHeadurl"].as_str()),
        (Some("Alice"), Some("http://a.png")),
        "{m}"
    );
    server.shutdown().await;
}

/// A newline in the instance id or identifier must not start a log line of its own.
#[tokio::test]
async fn user_values_cannot_forge_log_lines() {
    use std::io::Read;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = temp_dir();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tim-server"))
        .arg("serve")
        .env("TIM_DEMO", "1")
        .env("TIM_LISTEN", format!("127.0.0.1:{port}"))
        .env("TIM_DATA_DIR", &dir)
        .env("TIM_STORAGE", "sqlite")
        .env("RUST_LOG", "debug,tower_http=warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let mut usersig = Value::Null;
    for _ in 0..100 {
        if let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let req = "GET /dev/usersig?userID=alice HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_string();
            s.write_all(req.as_bytes()).await.unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            usersig = serde_json::from_str(out.split_once("\r\n\r\n").unwrap().1).unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sdkappid = usersig["SDKAppID"].as_u64().unwrap();
    let forged = "2099-01-01T00:00:00.000000Z  INFO FORGED: admin logged in";
    let instance = format!("i%0A{}", forged.replace(' ', "%20").replace(':', "%3A"));
    let mut c = Client::connect_addr(&addr, "binfo", sdkappid, &instance, 7).await;
    let rep = c.login_with("alice", usersig["userSig"].as_str().unwrap()).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    // A REST path and a refused identifier with newlines too.
    let rep = c.login_with("bob\nFORGED: x", "sig\nFORGED: y").await;
    assert_ne!(rep["ErrorCode"], 0);
    drop(c);
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().unwrap();
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut out).unwrap();
    let _ = child.wait();
    assert!(out.contains("FORGED"), "the values are logged: {out}");
    let clean = |l: &str| l.replace('\u{1b}', "");
    for line in out.lines() {
        let l = clean(line);
        assert!(!l.starts_with("2099") && !l.trim_start().starts_with("FORGED"), "forged log line: {line:?}");
    }
}

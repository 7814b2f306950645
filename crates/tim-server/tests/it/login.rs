//! Login, auth failures, reconnect with A2, kick-out.

use crate::common::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn heartbeat_is_anonymous_and_other_commands_need_login() {
    let server = start().await;
    let mut c = Client::connect(&server, "i1").await;
    assert_eq!(c.call("heartbeat.alive", json!({})).await["ErrorCode"], 0);
    assert_eq!(c.call("imopenstat.tim_web_report_v2", json!({})).await["ErrorCode"], 0);
    assert_eq!(c.call("openim.getmsg", json!({"Cookie":""})).await["ErrorCode"], 70001);
    server.shutdown().await;
}

#[tokio::test]
async fn login_reply_fields() {
    let server = start().await;
    let mut c = Client::connect(&server, "i1").await;
    let rep = c.login("alice").await;
    assert_eq!(rep["ActionStatus"], "OK");
    assert!(rep["A2Key"].as_str().unwrap().len() >= 32);
    let tiny: u64 = rep["TinyId"].as_str().expect("TinyId is a string").parse().unwrap();
    assert!(tiny > 0);
    assert!(rep["InstId"].as_u64().unwrap() > 0);
    assert_eq!(rep["HelloInterval"], 120);
    let ts = rep["TimeStamp"].as_u64().unwrap();
    assert!(ts.abs_diff(tim_server::now()) <= 2);
    // Same user again (another socket) keeps the TinyId; another user gets another one.
    let mut c2 = Client::connect_url(&server, "binfo", APP, "i2", 8).await;
    assert_eq!(c2.login("alice").await["TinyId"], rep["TinyId"]);
    let mut c3 = Client::connect(&server, "i3").await;
    assert_ne!(c3.login("bob").await["TinyId"], rep["TinyId"]);
    // Logged-in commands of the login phase.
    let prof = c
        .call(
            "profile.portrait_get_all",
            json!({"From_Account":"alice","UserItem":[{"To_Account":"alice"},{"To_Account":"nobody"}]}),
        )
        .await;
    assert_eq!(prof["ErrorCode"], 0);
    assert_eq!(prof["UserProfileItem"][0]["ResultCode"], 0);
    assert_eq!(prof["UserProfileItem"][0]["ProfileItem"][0]["Tag"], "Tag_Profile_IM_Nick");
    // An unknown account: 40003, and the NOT_FOUND account tim-js-sdk drops.
    assert_eq!(prof["UserProfileItem"][1]["ResultCode"], 40003);
    assert_eq!(prof["UserProfileItem"][1]["To_Account"], "@TLS#NOT_FOUND");
    assert_eq!(c.call("sns.black_list_get", json!({})).await["StartIndex"], 0);
    assert_eq!(c.call("sns.friend_get", json!({})).await["CompleteFlag"], 1);
    assert_eq!(c.call("recentcontact.page_get", json!({})).await["CompleteFlag"], 1);
    assert_eq!(c.call("recentcontact.get_contact_group", json!({})).await["CompleteFlag"], 1);
    let bits = c.call("im_sdk_config_mgr.fetch_imsdk_purchase_bitsv2", json!({"uint32_sdkappid": APP})).await;
    assert_eq!(bits["str_purchase_bits"].as_str().unwrap(), "1".repeat(64));
    let cfg = c.call("im_sdk_config_mgr.fetch_config", json!({"uint32_sdkappid": APP, "uint64_version": 0})).await;
    assert_eq!(cfg["str_json_config"], "");
    assert_eq!(c.call("group_open_http_svc.get_joined_group_list", json!({})).await["TotalCount"], 0);
    assert_eq!(c.call("im_open_status.wshello", json!({"is_web_uniapp":0})).await["ErrorCode"], 0);
    let unknown = c.call("foo.bar", json!({})).await;
    assert_eq!((unknown["ErrorCode"].as_i64(), unknown["ActionStatus"].as_str()), (Some(80002), Some("FAIL")));
    server.shutdown().await;
}

#[tokio::test]
async fn auth_failures_are_70001() {
    let server = start().await;
    let now = tim_server::now();
    let cases = [
        ("garbage", "not-a-sig".to_string()),
        ("bad key", tim_proto::usersig::generate(APP, "wrong-key", "alice", 3600, now)),
        ("other app's sig", tim_proto::usersig::generate(OTHER_APP, OTHER_KEY, "alice", 3600, now)),
        ("expired", tim_proto::usersig::generate(APP, KEY, "alice", 10, now - 100)),
        ("other identifier", tim_proto::usersig::generate(APP, KEY, "mallory", 3600, now)),
    ];
    for (what, s) in cases {
        let mut c = Client::connect(&server, "i1").await;
        let rep = c.login_with("alice", &s).await;
        assert_eq!(rep["ErrorCode"], 70001, "{what}: {rep}");
        assert!(!rep["ErrorInfo"].as_str().unwrap().is_empty(), "{what}");
    }
    // Unknown SDKAppID: socket accepted, login refused.
    let mut c = Client::connect_url(&server, "binfo", 1_234, "i1", 7).await;
    let rep = c.login_with("alice", &sig("alice")).await;
    assert_eq!(rep["ErrorCode"], 70001, "{rep}");
    assert!(rep["ErrorInfo"].as_str().unwrap().contains("1234"));
    // Unknown A2.
    let mut c = Client::connect(&server, "i1").await;
    c.a2 = "nope".into();
    assert_eq!(c.call("openim.getmsg", json!({"Cookie":""})).await["ErrorCode"], 70001);
    server.shutdown().await;
}

#[tokio::test]
async fn reconnect_with_a2_accepts_resent_requests_before_relogin() {
    let server = start().await;
    let mut c = Client::connect(&server, "inst-a").await;
    let first = c.login("alice").await;
    let (a2, tiny) = (c.a2.clone(), c.tinyid.clone());
    drop(c);
    let mut c = Client::connect(&server, "inst-a").await;
    c.a2 = a2;
    c.tinyid = tiny;
    // A resent request first, then wslogin with a2 + tinyid and no identifier/usersig.
    assert_eq!(c.call("openim.getmsg", json!({"Cookie":""})).await["ErrorCode"], 0);
    let rep = c.call("im_open_status.wslogin", json!({"State":"Online","is_web_uniapp":0,"InstType":0})).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    assert_eq!(rep["A2Key"], first["A2Key"]);
    assert_eq!(rep["TinyId"], first["TinyId"]);
    // Logout revokes the A2 key.
    assert_eq!(c.call("im_open_status.wslogout", json!({"wslogout_type":0})).await["ErrorCode"], 0);
    assert_eq!(c.call("openim.getmsg", json!({"Cookie":""})).await["ErrorCode"], 70001);
    server.shutdown().await;
}

#[tokio::test]
async fn second_web_instance_kicks_the_first() {
    let server = start().await;
    let mut old = Client::connect(&server, "old").await;
    old.login("alice").await;
    // Another platform is not kicked.
    let mut mini = Client::connect_url(&server, "binfo", APP, "mini", 8).await;
    mini.login("alice").await;
    let mut new = Client::connect(&server, "new").await;
    new.login("alice").await;

    let kick = old.push(Duration::from_secs(2)).await.expect("kick push");
    assert_eq!(kick.head.servcmd, "im_open_push.msg_push");
    let notify = &kick.body["EventArray"][0]["C2cNotifyMsgArray"][0]["KickoutMsgNotify"];
    assert_eq!(notify["KickType"], 1, "{}", kick.to_json());
    let hello = old.call("im_open_status.wshello", json!({"is_web_uniapp":0})).await;
    assert_eq!((hello["ErrorCode"].as_i64(), hello["KickType"].as_u64()), (Some(1002), Some(1)));
    // The old socket is closed soon after.
    assert!(old.recv(Duration::from_secs(2)).await.is_none());
    assert!(old.closed);
    // Its A2 key no longer works on a new socket.
    let mut again = Client::connect(&server, "old").await;
    again.a2 = old.a2.clone();
    assert_eq!(again.call("im_open_status.wslogin", json!({})).await["ErrorCode"], 70001);
    // The new instance and the other platform are fine.
    assert_eq!(new.call("im_open_status.wshello", json!({})).await["ErrorCode"], 0);
    assert_eq!(mini.call("im_open_status.wshello", json!({})).await["ErrorCode"], 0);
    mini.no_push(Duration::from_millis(200)).await;
    server.shutdown().await;
}

#[tokio::test]
async fn multi_instance_allow_keeps_both() {
    let server = start_with(tim_server::Config { multi_instance: tim_server::MultiInstance::Allow, ..config() }).await;
    let mut a = Client::connect(&server, "a").await;
    a.login("alice").await;
    let mut b = Client::connect(&server, "b").await;
    b.login("alice").await;
    a.no_push(Duration::from_millis(300)).await;
    assert_eq!(a.call("im_open_status.wshello", json!({})).await["ErrorCode"], 0);
    server.shutdown().await;
}

#[tokio::test]
async fn usersig_expiry_while_online() {
    let server = start().await;
    let mut c = Client::connect(&server, "i").await;
    let s = tim_proto::usersig::generate(APP, KEY, "alice", 2, tim_server::now());
    assert_eq!(c.login_with("alice", &s).await["ErrorCode"], 0);
    assert_eq!(c.call("im_open_status.wshello", json!({})).await["ErrorCode"], 0);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(c.call("im_open_status.wshello", json!({})).await["ErrorCode"], 70001);
    server.shutdown().await;
}

#[tokio::test]
async fn usersig_frames_and_profile_set() {
    let server = start().await;
    // A frame with identifier + usersig on a socket that is not logged in is served as that user.
    let mut c = Client::connect(&server, "i").await;
    let mut head = serde_json::json!({"servcmd":"profile.portrait_set","seq":5,"sdkappid":APP,"identifier":"alice","usersig":sig("alice")});
    let seq = c
        .send_frame(
            head.clone(),
            json!({"From_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"Alice Two"}]}),
        )
        .await;
    assert_eq!(c.reply("profile.portrait_set", seq).await["ErrorCode"], 0);
    head["usersig"] = json!("bad");
    head["seq"] = json!(6);
    let seq = c.send_frame(head, json!({})).await;
    assert_eq!(c.reply("profile.portrait_set", seq).await["ErrorCode"], 70001);

    let mut a = Client::connect(&server, "a").await;
    a.login("alice").await;
    let mut a2 = Client::connect_url(&server, "binfo", APP, "a2", 8).await;
    a2.login("alice").await;
    let p = a.call("profile.portrait_get_all", json!({"UserItem":[{"To_Account":"alice"}]})).await;
    assert_eq!(p["UserProfileItem"][0]["ProfileItem"][0]["Value"], "Alice Two");
    let r = a
        .call("profile.portrait_set", json!({"ProfileItem":[{"Tag":"Tag_Profile_IM_Image","Value":"http://x/a.png"}]}))
        .await;
    assert_eq!(r["ErrorCode"], 0);
    let f = a2.push(Duration::from_secs(2)).await.unwrap();
    let m = &f.body["EventArray"][0]["ProfileDataMod"][0];
    assert_eq!(
        (m["Profile_Account"].as_str(), m["ProfileList"][0]["ValueBytes"].as_str()),
        (Some("alice"), Some("http://x/a.png"))
    );
    let p = a.call("profile.portrait_get_all", json!({"UserItem":[{"To_Account":"alice"}]})).await;
    assert_eq!(p["UserProfileItem"][0]["ProfileItem"][0]["Value"], "Alice Two");
    assert_eq!(p["UserProfileItem"][0]["ProfileItem"][1]["Value"], "http://x/a.png");
    server.shutdown().await;
}

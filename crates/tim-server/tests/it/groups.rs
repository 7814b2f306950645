//! Groups against a real server (both backends via the harness; across two nodes when
//! `TIM_TEST_REDIS_URL` is set): lifecycle, messages, history, read reports, unread in
//! `page_get`, tips and system notices, permissions, REST, concurrent sequences.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use tim_server::config::ClusterConfig;
use tim_server::{Config, ServerHandle};

async fn create(c: &mut Client, kind: &str, members: &[&str], join: &str) -> String {
    let list: Vec<Value> = members.iter().map(|m| json!({"Member_Account": m})).collect();
    let r = c
        .call(
            "group_open_http_svc.create_group",
            json!({"Type": kind, "Name": "G-One", "MemberList": list, "ApplyJoinOption": join, "WebPushFlag": 1,
                "FaceUrl": ""}),
        )
        .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let id = r["GroupId"].as_str().unwrap().to_string();
    assert!(id.starts_with("@TGS#"), "{id}");
    id
}

async fn send(c: &mut Client, group: &str, text: &str, random: u64, client_seq: u64) -> Value {
    c.call(
        "group_open_http_svc.send_group_msg",
        json!({"GroupId": group, "Random": random, "ClientSeq": client_seq, "MsgPriority": "Normal",
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}], "CloudCustomData": "",
            "MsgClientTime": tim_server::now(), "GroupAtInfo": [{"GroupAtAllFlag": 0, "GroupAt_Account": "x"}]}),
    )
    .await
}

fn group_item(page: &Value, group: &str) -> Value {
    page["SessionItem"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["Type"] == 2 && i["ToAccount"] == group)
        .cloned()
        .unwrap_or_else(|| panic!("no group item for {group} in {page}"))
}

fn seqs(list: &Value) -> Vec<u64> {
    list.as_array().unwrap().iter().map(|m| m["MsgSeq"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn lifecycle_messages_history_read_and_unread() {
    let server = start().await;
    let (mut a, alice) = user(&server, "alice").await;
    let (mut b, bob) = user(&server, "bob").await;
    let (mut c, carol) = user(&server, "carol").await;

    let g = create(&mut a, "Public", &[&bob], "FreeAccess").await;
    let n = next_event(&mut b, 5).await;
    assert_eq!(n["MsgBody"]["ReportType"], 6, "{n}");
    assert_eq!(n["GroupInfo"]["GroupId"], g.as_str());

    // carol joins: tip OpType 1 (seq 1) to the members.
    let r = c.call("group_open_http_svc.apply_join_group", json!({"GroupId": g, "ApplyMsg": ""})).await;
    assert_eq!(r["JoinedStatus"], "JoinedSuccess", "{r}");
    for cl in [&mut a, &mut b] {
        let t = next_event(cl, 4).await;
        assert_eq!(t["MsgBody"]["OpType"], 1, "{t}");
        assert_eq!(t["MsgBody"]["List_Account"], json!([carol]));
        assert_eq!(t["MsgBody"]["MemberNum"], 3);
        assert_eq!(t["MsgSeq"], 1);
        assert_eq!(t["ToGroupId"], g.as_str());
    }

    // alice sends three messages: seq 2, 3, 4; pushed to bob and carol, not back to alice.
    for (i, text) in ["one", "two", "three"].iter().enumerate() {
        let r = send(&mut a, &g, text, 100 + i as u64, 3000 + i as u64).await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
        assert_eq!(r["MsgSeq"], 2 + i as u64, "{r}");
        assert!(r["MsgTime"].as_u64().unwrap() > 0);
        for cl in [&mut b, &mut c] {
            let m = next_event(cl, 3).await;
            assert_eq!(m["MsgBody"][0]["MsgContent"]["Text"], *text);
            assert_eq!(m["ToGroupId"], g.as_str());
            assert_eq!(m["GroupInfo"]["GroupId"], g.as_str());
            assert_eq!(m["From_Account"], alice.as_str());
            assert_eq!(m["MsgSeq"], 2 + i as u64);
            assert_eq!(m["Random"], 100 + i as u64);
            assert_eq!(m["GroupAtInfo"][0]["GroupAt_Account"], "x");
            assert!(!m["TinyId"].as_str().unwrap().is_empty());
        }
    }
    a.no_push(Duration::from_millis(200)).await;
    // A resend answers the original.
    let again = send(&mut a, &g, "two", 101, 3001).await;
    assert_eq!(again["MsgSeq"], 3, "{again}");

    // History, newest first, paged.
    let h = b.call("group_open_http_svc.group_msg_get", json!({"GroupId": g, "ReqMsgSeq": 4, "ReqMsgNumber": 2})).await;
    assert_eq!(h["ErrorCode"], 0, "{h}");
    assert_eq!(seqs(&h["RspMsgList"]), vec![4, 3]);
    assert_ne!(h["IsFinished"], 2);
    let h = b.call("group_open_http_svc.group_msg_get", json!({"GroupId": g, "ReqMsgSeq": 2, "ReqMsgNumber": 2})).await;
    assert_eq!(seqs(&h["RspMsgList"]), vec![2, 1]);
    assert_eq!(h["IsFinished"], 2);
    assert_eq!(h["RspMsgList"][1]["Event"], 4);
    assert_eq!(h["RspMsgList"][1]["MsgBody"]["OpType"], 1);

    // Unread in page_get, then a read report.
    let p = b.call("recentcontact.page_get", json!({"From_Account": bob, "StartIndex": 0})).await;
    let item = group_item(&p, &g);
    assert_eq!(item["UnreadMsgCount"], 4, "{item}");
    assert_eq!(item["MsgSeq"], 4);
    assert_eq!(item["MsgGroupFrom_Account"], alice.as_str());
    assert_eq!(item["LastMsg"]["MsgBody"][0]["MsgContent"]["Text"], "three");
    let p = a.call("recentcontact.page_get", json!({})).await;
    assert_eq!(group_item(&p, &g)["UnreadMsgCount"], 0, "sending reads the group up to the new message");
    let r = b.call("group_open_http_svc.msg_read_report", json!({"GroupId": g, "MsgReadedSeq": 3})).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let item = group_item(&b.call("recentcontact.page_get", json!({})).await, &g);
    assert_eq!((item["UnreadMsgCount"].clone(), item["MsgGroupReadedSeq"].clone()), (json!(1), json!(3)));

    // Group lists.
    let l = b.call("group_open_http_svc.get_joined_group_list", json!({"Member_Account": bob, "Limit": 50})).await;
    assert_eq!(l["TotalCount"], 1, "{l}");
    let obj = &l["GroupIdList"][0];
    assert_eq!(
        (obj["GroupId"].clone(), obj["Type"].clone(), obj["Name"].clone()),
        (json!(g), json!("Public"), json!("G-One"))
    );
    assert_eq!((obj["NextMsgSeq"].clone(), obj["MemberNum"].clone()), (json!(5), json!(3)));
    assert_eq!((obj["SelfInfo"]["Role"].clone(), obj["SelfInfo"]["MsgSeq"].clone()), (json!("Member"), json!(3)));
    let m = b.call("million_group_open_http_svc.get_joined_group_list", json!({})).await;
    assert_eq!(m["GroupIdList"], json!([]));
    let s = a.call("group_open_http_svc.get_group_self_member_info", json!({"GroupIdList": [g]})).await;
    assert_eq!(s["GroupInfo"][0]["ErrorCode"], 0, "{s}");
    assert_eq!(s["GroupInfo"][0]["Owner_Account"], alice.as_str());
    assert_eq!(s["MemberList"][0]["Role"], "Owner");
    let mi = b.call("group_open_http_svc.get_group_member_info", json!({"GroupId": g, "Limit": 30, "Offset": 0})).await;
    assert_eq!(mi["MemberNum"], 3, "{mi}");

    // Profile: bob may not; alice may (tip OpType 6).
    let r = b.call("group_open_http_svc.modify_group_base_info", json!({"GroupId": g, "Name": "nope"})).await;
    assert_eq!(r["ErrorCode"], 10007, "{r}");
    let r = a.call("group_open_http_svc.modify_group_base_info", json!({"GroupId": g, "Name": "G-Two"})).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let t = next_event(&mut b, 4).await;
    assert_eq!((t["MsgBody"]["OpType"].clone(), t["MsgSeq"].clone()), (json!(6), json!(5)));
    assert_eq!(t["MsgBody"]["MsgGroupNewInfo"]["GroupName"], "G-Two");

    // Kick carol: tip 3 to bob, notice 4 to carol.
    let r =
        a.call("group_open_http_svc.delete_group_member", json!({"GroupId": g, "MemberToDel_Account": [carol]})).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(next_event(&mut b, 4).await["MsgBody"]["OpType"], 3);
    assert_eq!(next_event(&mut c, 5).await["MsgBody"]["ReportType"], 4);
    let r = send(&mut c, &g, "still here?", 1, 1).await;
    assert_eq!(r["ErrorCode"], 10007, "{r}");

    // Add carol back: tip 1, notice 7.
    let r = a
        .call(
            "group_open_http_svc.add_group_member",
            json!({"GroupId": g, "MemberList": [{"Member_Account": carol}, {"Member_Account": bob}]}),
        )
        .await;
    assert_eq!(
        r["MemberList"],
        json!([{"Member_Account": carol, "Result": 1}, {"Member_Account": bob, "Result": 2}]),
        "{r}"
    );
    assert_eq!(next_event(&mut c, 5).await["MsgBody"]["ReportType"], 7);
    assert_eq!(next_event(&mut b, 4).await["MsgBody"]["OpType"], 1);

    // bob quits: tip 2.
    let r = b.call("group_open_http_svc.quit_group", json!({"GroupId": g})).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(next_event(&mut a, 4).await["MsgBody"]["OpType"], 2);
    let l = b.call("group_open_http_svc.get_joined_group_list", json!({})).await;
    assert_eq!(l["TotalCount"], 0, "{l}");

    // Dismiss: notice 5; the group is gone (10010).
    let r = a.call("group_open_http_svc.destroy_group", json!({"GroupId": g})).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(next_event(&mut c, 5).await["MsgBody"]["ReportType"], 5);
    assert_eq!(send(&mut a, &g, "gone", 9, 9).await["ErrorCode"], 10010);
    server.shutdown().await;
}

#[tokio::test]
async fn permission_and_parameter_errors() {
    let server = start().await;
    let (mut a, _alice) = user(&server, "alice").await;
    let (mut b, bob) = user(&server, "bob").await;
    let (mut c, _carol) = user(&server, "carol").await;
    let work = create(&mut a, "Private", &[&bob], "").await;
    let public = create(&mut a, "Public", &[&bob], "FreeAccess").await;
    let closed = create(&mut a, "Public", &[], "DisableApply").await;
    let asked = create(&mut a, "Public", &[], "NeedPermission").await;
    let code = |v: Value| v["ErrorCode"].as_i64().unwrap();

    assert_eq!(code(send(&mut c, &public, "hi", 1, 1).await), 10007, "non-member send");
    assert_eq!(code(b.call("group_open_http_svc.destroy_group", json!({"GroupId": public})).await), 10007);
    assert_eq!(code(c.call("group_open_http_svc.apply_join_group", json!({"GroupId": work})).await), 10007);
    assert_eq!(code(c.call("group_open_http_svc.apply_join_group", json!({"GroupId": closed})).await), 10007);
    let r = c.call("group_open_http_svc.apply_join_group", json!({"GroupId": asked, "ApplyMsg": "hi"})).await;
    assert_eq!(r["JoinedStatus"], "WaitAdminApproval", "{r}");
    assert_eq!(code(b.call("group_open_http_svc.apply_join_group", json!({"GroupId": public})).await), 10013);
    assert_eq!(code(a.call("group_open_http_svc.quit_group", json!({"GroupId": public})).await), 10009);
    assert_eq!(code(c.call("group_open_http_svc.quit_group", json!({"GroupId": public})).await), 10007);
    assert_eq!(
        code(
            b.call(
                "group_open_http_svc.add_group_member",
                json!({"GroupId": public, "MemberList": [{"Member_Account": "zed"}]})
            )
            .await
        ),
        10007
    );
    assert_eq!(
        code(
            b.call("group_open_http_svc.delete_group_member", json!({"GroupId": public, "MemberToDel_Account": [bob]}))
                .await
        ),
        10007
    );
    assert_eq!(
        code(c.call("group_open_http_svc.group_msg_get", json!({"GroupId": work, "ReqMsgNumber": 5})).await),
        10007
    );
    assert_eq!(code(send(&mut a, "@TGS#nothere", "hi", 1, 1).await), 10010);
    assert_eq!(code(a.call("group_open_http_svc.create_group", json!({"Type": "Weird", "Name": "x"})).await), 10004);
    assert_eq!(code(a.call("group_open_http_svc.create_group", json!({"Type": "Public", "Name": ""})).await), 10004);
    let r = a.call("group_open_http_svc.create_group", json!({"Type": "Public", "Name": "x", "GroupId": public})).await;
    assert_eq!(code(r), 10021);
    assert_eq!(code(a.call("group_open_http_svc.destroy_group", json!({"GroupId": 5})).await), 10004);
    // In a Work group any member may add members; only the owner may dismiss, and not a Work group.
    let r = b
        .call(
            "group_open_http_svc.add_group_member",
            json!({"GroupId": work, "MemberList": [{"Member_Account": "zed"}]}),
        )
        .await;
    assert_eq!(code(r), 0);
    assert_eq!(code(a.call("group_open_http_svc.destroy_group", json!({"GroupId": work})).await), 10007);
    server.shutdown().await;
}

#[tokio::test]
async fn rest_group_api() {
    let server = start().await;
    let (mut b, bob) = user(&server, "bob").await;
    let alice = uniq("alice");
    let r = rest(
        &server,
        "group_open_http_svc/create_group",
        &json!({"Owner_Account": alice, "Type": "Public", "Name": "REST", "ApplyJoinOption": "FreeAccess"}),
    )
    .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let g = r["GroupId"].as_str().unwrap().to_string();
    let r = rest(
        &server,
        "group_open_http_svc/add_group_member",
        &json!({"GroupId": g, "MemberList": [{"Member_Account": bob}]}),
    )
    .await;
    assert_eq!(r["MemberList"][0]["Result"], 1, "{r}");
    assert_eq!(next_event(&mut b, 5).await["MsgBody"]["ReportType"], 7);
    let r = rest(
        &server,
        "group_open_http_svc/send_group_msg",
        &json!({"GroupId": g, "From_Account": alice, "Random": 5,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "from rest"}}]}),
    )
    .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(r["MsgSeq"], 2, "{r}");
    let m = next_event(&mut b, 3).await;
    assert_eq!(m["MsgBody"][0]["MsgContent"]["Text"], "from rest");
    let r = rest(&server, "group_open_http_svc/get_joined_group_list", &json!({"Member_Account": bob})).await;
    assert_eq!(r["TotalCount"], 1, "{r}");
    assert_eq!(r["GroupIdList"][0]["GroupId"], g.as_str());
    // get_group_info: the full profile with the member list; unknown groups per item.
    let r = rest(&server, "group_open_http_svc/get_group_info", &json!({"GroupIdList": [g, "@TGS#nope"]})).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(r["GroupInfo"][0]["Name"], "REST");
    let mut who: Vec<&str> = r["GroupInfo"][0]["MemberList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Member_Account"].as_str().unwrap())
        .collect();
    who.sort();
    let mut want = vec![alice.as_str(), bob.as_str()];
    want.sort();
    assert_eq!(who, want);
    assert_eq!(r["GroupInfo"][1]["ErrorCode"], 10010);
    // A custom system notification: ReportType 255 with the content as UserDefinedField.
    let r = rest(
        &server,
        "group_open_http_svc/send_group_system_notification",
        &json!({"GroupId": g, "ToMembers_Account": [bob], "Content": "maintenance at 5"}),
    )
    .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let n = next_event(&mut b, 5).await;
    assert_eq!(
        (n["MsgBody"]["ReportType"].as_u64(), n["MsgBody"]["UserDefinedField"].as_str()),
        (Some(255), Some("maintenance at 5"))
    );
    let r = rest(&server, "group_open_http_svc/send_group_system_notification", &json!({"GroupId": g})).await;
    assert_eq!(r["ErrorCode"], 10004, "{r}");
    // Users may not call the admin-only commands over the WebSocket.
    let r = b.call("group_open_http_svc.get_group_info", json!({"GroupIdList": [g]})).await;
    assert_eq!(r["ErrorCode"], 90009, "{r}");
    let r = rest(&server, "group_open_http_svc/destroy_group", &json!({"GroupId": g})).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(next_event(&mut b, 5).await["MsgBody"]["ReportType"], 5);
    server.shutdown().await;
}

const PER: u64 = 25;

async fn send_many(c: &mut Client, g: &str, tag: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for i in 0..PER {
        let r = send(c, g, &format!("{tag}{i}"), 1000 + i, 4000 + i).await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
        out.push(r["MsgSeq"].as_u64().unwrap());
    }
    out
}

/// No per-group message rate: these tests send as fast as they can (the rate limit has its own
/// test in `group_members.rs`).
fn unlimited(c: Config) -> Config {
    Config { groups: tim_server::config::GroupsConfig { msg_rate_per_sec: 0, ..Default::default() }, ..c }
}

/// Two senders at once into one group (on `s1` and `s2`): the sequences are exactly 1..=2·PER,
/// each sender's increasing, and the history holds every message once.
async fn concurrent(s1: &ServerHandle, s2: &ServerHandle) {
    let (mut a, _alice) = user(s1, "alice").await;
    let (mut b, bob) = user(s2, "bob").await;
    let g = create(&mut a, "Private", &[&bob], "").await;
    let (sa, sb) = tokio::join!(send_many(&mut a, &g, "a"), send_many(&mut b, &g, "b"));
    assert!(sa.windows(2).all(|w| w[0] < w[1]) && sb.windows(2).all(|w| w[0] < w[1]));
    let all: BTreeSet<u64> = sa.iter().chain(&sb).copied().collect();
    assert_eq!(all, (1..=2 * PER).collect::<BTreeSet<u64>>(), "gaps or duplicates: {sa:?} {sb:?}");
    let h = a.call("group_open_http_svc.group_msg_get", json!({"GroupId": g, "ReqMsgNumber": 100})).await;
    assert_eq!(seqs(&h["RspMsgList"]), (1..=2 * PER).rev().collect::<Vec<_>>());
    assert_eq!(h["IsFinished"], 2);
}

#[tokio::test]
async fn concurrent_sends_get_unique_gap_free_sequences() {
    let server = start_with(unlimited(config())).await;
    concurrent(&server, &server).await;
    server.shutdown().await;
}

#[tokio::test]
async fn concurrent_sends_and_pushes_across_two_nodes() {
    let Some(url) = std::env::var("TIM_TEST_REDIS_URL").ok().filter(|u| !u.is_empty()) else {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "\n!!! SKIPPED: two-node group test needs TIM_TEST_REDIS_URL !!!");
        return;
    };
    let base = unlimited(config());
    let node = |n: &str| Config {
        cluster: ClusterConfig {
            redis_url: Some(url.clone()),
            node_id: Some(format!("{n}-{:08x}", rand::random::<u32>())),
            presence_ttl_secs: 5,
            heartbeat_secs: 1,
        },
        ..base.clone()
    };
    let n1 = start_with(node("g1")).await;
    let n2 = start_with(node("g2")).await;
    concurrent(&n1, &n2).await;
    // A message sent on node 1 reaches a member on node 2.
    let (mut a, _alice) = user(&n1, "alice").await;
    let (mut b, bob) = user(&n2, "bob").await;
    let g = create(&mut a, "Public", &[&bob], "FreeAccess").await;
    assert_eq!(next_event(&mut b, 5).await["MsgBody"]["ReportType"], 6);
    assert_eq!(send(&mut a, &g, "across", 1, 1).await["MsgSeq"], 1);
    assert_eq!(next_event(&mut b, 3).await["MsgBody"][0]["MsgContent"]["Text"], "across");
    n1.shutdown().await;
    n2.shutdown().await;
}

fn texts_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["MsgBody"][0]["MsgContent"]["Text"].as_str())
        .map(str::to_string)
        .collect()
}

async fn history(c: &mut Client, g: &str) -> Value {
    let r = c.call("group_open_http_svc.group_msg_get", json!({"GroupId": g, "ReqMsgNumber": 20})).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    r
}

async fn page(c: &mut Client) -> Value {
    c.call("recentcontact.page_get", json!({"TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0})).await
}

/// New members of Work and Public groups do not see what was sent before they joined (history,
/// the conversation's last message and unread), unless `[groups] history_before_join`; Meeting
/// and Community members do (B-conversations-groups.md §4.1).
#[tokio::test]
async fn new_members_see_history_from_before_joining_only_where_the_type_allows() {
    for history_before_join in [false, true] {
        let mut cfg = config();
        cfg.groups.history_before_join = history_before_join;
        let server = start_with(cfg).await;
        let (mut a, _alice) = user(&server, "alice").await;
        let (mut b, bob) = user(&server, "bob").await;
        for (servcmd, kind) in [
            ("group_open_http_svc.create_group", "Public"),
            ("group_open_http_svc.create_group", "Private"),
            ("group_open_http_svc.create_group", "ChatRoom"),
            ("million_group_open_http_svc.create_group", "Community"),
        ] {
            let r = a.call(servcmd, json!({"Type": kind, "Name": kind, "ApplyJoinOption": "FreeAccess"})).await;
            let g = r["GroupId"].as_str().unwrap().to_string();
            for (i, text) in ["before-1", "before-2"].iter().enumerate() {
                assert_eq!(send(&mut a, &g, text, 10 + i as u64, 20 + i as u64).await["ErrorCode"], 0);
            }
            // bob joins (a Work group only by invitation).
            let r = if kind == "Private" {
                a.call(
                    "group_open_http_svc.add_group_member",
                    json!({"GroupId": g, "MemberList": [{"Member_Account": bob}]}),
                )
                .await
            } else {
                b.call("group_open_http_svc.apply_join_group", json!({"GroupId": g, "ApplyMsg": ""})).await
            };
            assert_eq!(r["ErrorCode"], 0, "{kind}: {r}");
            let hidden = matches!(kind, "Public" | "Private") && !history_before_join;
            // The tip of alice adding bob counts as unread for him; joining by himself reads the
            // group up to his join tip.
            let tip = u64::from(kind == "Private");
            let unread_before = if hidden { tip } else { 3 * tip };
            let h = history(&mut b, &g).await;
            let item = group_item(&page(&mut b).await, &g);
            if hidden {
                assert!(texts_of(&h["RspMsgList"]).is_empty(), "{kind}: {h}");
                assert_eq!(seqs(&h["RspMsgList"]), [3], "{kind}: only the join tip");
                assert_eq!(h["IsFinished"], 2);
                assert_eq!((item["MsgSeq"].as_u64(), item["UnreadMsgCount"].as_u64()), (Some(3), Some(tip)), "{item}");
                // Read up to the join point at least (bob's own join tip reads it too).
                assert_eq!(item["MsgGroupReadedSeq"], 3 - tip, "{item}");
            } else {
                assert_eq!(texts_of(&h["RspMsgList"]), ["before-2", "before-1"], "{kind}: {h}");
                assert_eq!(item["UnreadMsgCount"], unread_before, "{kind}: {item}");
            }
            // The owner's view is whole either way.
            assert_eq!(texts_of(&history(&mut a, &g).await["RspMsgList"]), ["before-2", "before-1"]);
            // What comes after the join is bob's.
            assert_eq!(send(&mut a, &g, "after", 30, 40).await["ErrorCode"], 0);
            let h = history(&mut b, &g).await;
            let want: &[&str] = if hidden { &["after"] } else { &["after", "before-2", "before-1"] };
            assert_eq!(texts_of(&h["RspMsgList"]), want, "{kind}");
            let item = group_item(&page(&mut b).await, &g);
            assert_eq!(item["UnreadMsgCount"], unread_before + 1, "{kind}: {item}");
            assert_eq!(item["LastMsg"]["MsgBody"][0]["MsgContent"]["Text"], "after");
        }
        server.shutdown().await;
    }
}

/// `get_group_notify` (tim-js-sdk 2.x) and `batch_get_group_notify` (3.x) answer the group's
/// recall notices since a time in the shape the SDKs read (none: the server recalls no group
/// messages), members only.
#[tokio::test]
async fn group_notify_commands_answer_recall_notices() {
    let server = start().await;
    let (mut a, _alice) = user(&server, "alice").await;
    let (mut c, _carol) = user(&server, "carol").await;
    let g = create(&mut a, "Public", &[], "FreeAccess").await;
    let other = create(&mut a, "Public", &[], "FreeAccess").await;
    send(&mut a, &g, "hi", 1, 1).await;
    // 2.x, as the SDK sends it after login and reconnects.
    let now_ms = tim_server::now() * 1000;
    let req = json!({"NotifyType": 1, "GroupId": g, "BeginTime": 0, "EndTime": now_ms, "Limit": 20});
    let r = a.call("group_open_http_svc.get_group_notify", req.clone()).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!((r["NextMsgTime"].as_u64(), r["NotifyMsgList"].clone()), (Some(0), json!([])), "{r}");
    assert_eq!(c.call("group_open_http_svc.get_group_notify", req.clone()).await["ErrorCode"], 10007);
    let mut bad = req.clone();
    bad["GroupId"] = json!("@TGS#nosuchgroup");
    assert_eq!(a.call("group_open_http_svc.get_group_notify", bad).await["ErrorCode"], 10010);
    let mut bad = req.clone();
    bad["BeginTime"] = json!("yesterday");
    assert_eq!(a.call("group_open_http_svc.get_group_notify", bad).await["ErrorCode"], 10004);
    // 3.x: several groups at once, a failing one answered in its item.
    let list = json!({"NotifyReqList": [
        {"NotifyType": 1, "Limit": 20, "GroupId": g, "BeginTime": 0, "EndTime": now_ms},
        {"NotifyType": 1, "Limit": 20, "GroupId": other, "BeginTime": 0, "EndTime": now_ms},
        {"NotifyType": 1, "Limit": 20, "GroupId": "@TGS#nosuchgroup", "BeginTime": 0, "EndTime": now_ms}]});
    let r = a.call("group_open_http_svc.batch_get_group_notify", list).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let items = r["NotifyRspList"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for (item, (id, code)) in items.iter().zip([(g.as_str(), 0), (other.as_str(), 0), ("@TGS#nosuchgroup", 10010)]) {
        assert_eq!((item["GroupId"].as_str(), item["ErrorCode"].as_i64()), (Some(id), Some(code)), "{item}");
        assert_eq!((item["NextMsgTime"].as_u64(), item["NotifyMsgList"].clone()), (Some(0), json!([])));
    }
    assert_eq!(a.call("group_open_http_svc.batch_get_group_notify", json!({})).await["ErrorCode"], 10004);
    let many: Vec<Value> = (0..1001).map(|_| json!({"GroupId": g})).collect();
    let r = a.call("group_open_http_svc.batch_get_group_notify", json!({"NotifyReqList": many})).await;
    assert_eq!(r["ErrorCode"], 10004);
    server.shutdown().await;
}

//! Group member management against a real server over WebSockets (SQLite, or PostgreSQL when
//! `TIM_TEST_POSTGRES_URL` is set): join applications and their handling, owner transfer,
//! roles, mutes, mute-all, the per-group message rate, member limits, profile lengths, name
//! cards and custom member fields, member profiles, group counters, and the REST commands.

use crate::common::*;
use serde_json::{json, Value};
use std::time::Duration;
use tim_server::store::{self, Application};
use tim_server::Config;

const G: &str = "group_open_http_svc";

/// The next tip (`Event 4`) with this `OpType`.
async fn next_tip(c: &mut Client, op: u64) -> Value {
    loop {
        let t = next_event(c, 4).await;
        if t["MsgBody"]["OpType"] == op {
            return t;
        }
    }
}

/// The next system notice (`Event 5`) with this `ReportType`.
async fn next_notice(c: &mut Client, report: u64) -> Value {
    loop {
        let n = next_event(c, 5).await;
        if n["MsgBody"]["ReportType"] == report {
            return n;
        }
    }
}

async fn call(c: &mut Client, cmd: &str, body: Value) -> Value {
    c.call(&format!("{G}.{cmd}"), body).await
}

/// Create a group; `members` are `(user, role)` with role `""` for ordinary members.
async fn create(c: &mut Client, kind: &str, members: &[(&str, &str)], extra: Value) -> String {
    let list: Vec<Value> = members
        .iter()
        .map(|(m, r)| if r.is_empty() { json!({"Member_Account": m}) } else { json!({"Member_Account": m, "Role": r}) })
        .collect();
    let mut body = json!({"Type": kind, "Name": "Members", "MemberList": list, "WebPushFlag": 1, "FaceUrl": ""});
    if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
        b.extend(e);
    }
    let r = call(c, "create_group", body).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    r["GroupId"].as_str().unwrap().to_string()
}

async fn send(c: &mut Client, group: &str, text: &str) -> Value {
    c.call(
        "group_open_http_svc.send_group_msg",
        json!({"GroupId": group, "Random": rand::random::<u32>(), "ClientSeq": rand::random::<u16>(),
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}], "MsgClientTime": tim_server::now()}),
    )
    .await
}

async fn members(c: &mut Client, group: &str) -> Vec<Value> {
    let r = call(
        c,
        "get_group_member_info",
        json!({"GroupId": group, "Limit": 100, "Offset": 0,
        "MemberInfoFilter": ["Role", "NameCard", "ShutUpUntil", "JoinTime"]}),
    )
    .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    r["MemberList"].as_array().unwrap().clone()
}

fn find<'a>(list: &'a [Value], user: &str) -> &'a Value {
    list.iter().find(|m| m["Member_Account"] == user).unwrap_or_else(|| panic!("{user} not in {list:?}"))
}

fn code(v: &Value) -> i64 {
    v["ErrorCode"].as_i64().unwrap()
}

#[tokio::test]
async fn join_applications_are_approved_or_rejected_once() {
    let server = start().await;
    let (mut a, alice) = user(&server, "alice").await;
    let (mut b, bob) = user(&server, "bob").await;
    let (mut d, dave) = user(&server, "dave").await;
    let (mut c, carol) = user(&server, "carol").await;
    let (mut e, erin) = user(&server, "erin").await;
    let g =
        create(&mut a, "Public", &[(&bob, "Admin"), (&dave, "")], json!({"ApplyJoinOption": "NeedPermission"})).await;

    next_notice(&mut d, 6).await;
    // carol applies: a pending application, notice 1 to the owner and the admin only.
    let r = call(&mut c, "apply_join_group", json!({"GroupId": g, "ApplyMsg": "let me in", "WebPushFlag": 1})).await;
    assert_eq!(code(&r), 0, "{r}");
    assert_eq!(r["JoinedStatus"], "WaitAdminApproval", "{r}");
    let mut auth = String::new();
    for cl in [&mut a, &mut b] {
        let n = next_notice(cl, 1).await;
        assert_eq!(n["MsgBody"]["Operator_Account"], carol.as_str(), "{n}");
        assert_eq!(n["MsgBody"]["RemarkInfo"], "let me in");
        assert_eq!(n["GroupInfo"]["GroupId"], g.as_str());
        auth = n["MsgBody"]["Authentication"].as_str().unwrap().to_string();
        assert!(!auth.is_empty());
    }
    d.no_push(Duration::from_millis(300)).await;
    // Not a member yet.
    let r = call(&mut c, "get_group_member_info", json!({"GroupId": g})).await;
    assert_eq!(code(&r), 10007, "{r}");

    // The pending list (getGroupApplicationList) for the approvers, not for ordinary members.
    let p = call(&mut a, "get_pendency", json!({"StartTime": 0, "Limit": 20, "Handle_Account": alice})).await;
    assert_eq!(code(&p), 0, "{p}");
    assert_eq!(p["NextStartTime"], 0);
    let list = p["PendencyList"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{p}");
    assert_eq!(list[0]["From_Account"], carol.as_str());
    assert_eq!(list[0]["GroupId"], g.as_str());
    assert_eq!(list[0]["Authentication"], auth.as_str());
    assert_eq!(list[0]["Handled"], 0);
    assert_eq!(list[0]["GroupName"], "Members");
    let p = call(&mut d, "get_pendency", json!({"StartTime": 0, "Limit": 20, "Handle_Account": dave})).await;
    assert_eq!(p["PendencyList"], json!([]), "{p}");

    // An ordinary member may not handle it; a bad action is a parameter error.
    let handle = |action: &str, who: &str| {
        json!({"GroupId": g, "Applicant_Account": who, "HandleMsg": action, "ApprovalMsg": "welcome",
            "Authentication": auth, "MsgKey": 0, "UserDefinedField": ""})
    };
    let r = call(&mut d, "handle_apply_join_group", handle("Agree", &carol)).await;
    assert_eq!(code(&r), 10007, "{r}");
    let r = call(&mut b, "handle_apply_join_group", handle("Maybe", &carol)).await;
    assert_eq!(code(&r), 10004, "{r}");

    // The admin agrees: notice 2 to carol, join tip to everyone; the owner's later try is 10024.
    let r = call(&mut b, "handle_apply_join_group", handle("Agree", &carol)).await;
    assert_eq!(code(&r), 0, "{r}");
    let n = next_notice(&mut c, 2).await;
    assert_eq!(n["MsgBody"]["RemarkInfo"], "welcome", "{n}");
    assert_eq!(n["MsgBody"]["Operator_Account"], bob.as_str());
    for cl in [&mut a, &mut d, &mut c] {
        let t = next_tip(cl, 1).await;
        assert_eq!(t["MsgBody"]["List_Account"], json!([carol]), "{t}");
        assert_eq!(t["MsgBody"]["Operator_Account"], bob.as_str());
        assert_eq!(t["MsgBody"]["MemberNum"], 4);
    }
    let r = call(&mut a, "handle_apply_join_group", handle("Reject", &carol)).await;
    assert_eq!(code(&r), 10024, "{r}");
    // The SDK then deletes the handled notice (nothing is stored, so nothing to delete).
    let r = a
        .call("openim.deletemsg", json!({"DelMsgList": [{"From_Account": "@TIM#SYSTEM", "MsgSeq": 1, "MsgRandom": 2}]}))
        .await;
    assert_eq!(code(&r), 0, "{r}");
    assert_eq!(members(&mut c, &g).await.len(), 4);

    // erin applies twice (one pending application), the owner rejects: notice 3; again: 10024.
    for msg in ["first", "second"] {
        let r = call(&mut e, "apply_join_group", json!({"GroupId": g, "ApplyMsg": msg})).await;
        assert_eq!(r["JoinedStatus"], "WaitAdminApproval", "{r}");
    }
    let p = call(&mut a, "get_pendency", json!({"StartTime": 0, "Limit": 20, "Handle_Account": alice})).await;
    let list = p["PendencyList"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{p}");
    assert_eq!(list[0]["ApplyMsg"], "second");
    let r = call(&mut a, "handle_apply_join_group", handle("Reject", &erin)).await;
    assert_eq!(code(&r), 0, "{r}");
    let n = next_notice(&mut e, 3).await;
    assert_eq!(n["MsgBody"]["RemarkInfo"], "welcome", "{n}");
    let r = call(&mut b, "handle_apply_join_group", handle("Agree", &erin)).await;
    assert_eq!(code(&r), 10024, "{r}");
    let p = call(&mut a, "get_pendency", json!({"StartTime": 0, "Limit": 20, "Handle_Account": alice})).await;
    assert_eq!(p["PendencyList"], json!([]), "{p}");
    // Nobody applied: parameter error.
    let r = call(&mut a, "handle_apply_join_group", handle("Agree", "nobody-applied")).await;
    assert_eq!(code(&r), 10004, "{r}");

    // DisableApply refuses requests with 10007.
    let closed = create(&mut a, "Public", &[], json!({"ApplyJoinOption": "DisableApply"})).await;
    let r = call(&mut e, "apply_join_group", json!({"GroupId": closed, "ApplyMsg": ""})).await;
    assert_eq!(code(&r), 10007, "{r}");
}

#[test]
fn pending_applications_survive_a_restart() {
    let cfg = config();
    ensure_database_blocking(&cfg);
    let group = uniq("@TGS#2app");
    {
        let s = store::open(&cfg).unwrap();
        let app = Application {
            sdkappid: APP,
            group_id: group.clone(),
            applicant: "zoe".into(),
            apply_msg: "hi".into(),
            apply_time: 100,
            ..Application::default()
        };
        let stored = s.put_application(&app).unwrap();
        assert!(stored.id > 0);
        assert_eq!(stored.state, "Pending");
    }
    let s = store::open(&cfg).unwrap();
    let app = s.application(APP, &group, "zoe").unwrap().unwrap();
    assert_eq!((app.state.as_str(), app.apply_msg.as_str(), app.apply_time), ("Pending", "hi", 100));
    let first = s.settle_application(APP, &group, "zoe", "Agreed", "amy", 200).unwrap().unwrap();
    assert_eq!((first.state.as_str(), first.handler.as_str(), first.handle_time), ("Agreed", "amy", 200));
    assert!(s.settle_application(APP, &group, "zoe", "Rejected", "bea", 201).unwrap().is_none());
}

#[tokio::test]
async fn full_groups_refuse_joins_adds_and_approvals() {
    let server = start().await;
    let (mut a, _alice) = user(&server, "alice").await;
    let (mut b, bob) = user(&server, "bob").await;
    let (mut c, carol) = user(&server, "carol").await;

    let free =
        create(&mut a, "Public", &[(&bob, "")], json!({"ApplyJoinOption": "FreeAccess", "MaxMemberCount": 2})).await;
    let r = call(&mut c, "apply_join_group", json!({"GroupId": free, "ApplyMsg": ""})).await;
    assert_eq!(code(&r), 10014, "{r}");
    let r = call(&mut a, "add_group_member", json!({"GroupId": free, "MemberList": [{"Member_Account": carol}]})).await;
    assert_eq!(code(&r), 10014, "{r}");
    assert_eq!(members(&mut b, &free).await.len(), 2);

    let asked =
        create(&mut a, "Public", &[(&bob, "")], json!({"ApplyJoinOption": "NeedPermission", "MaxMemberCount": 2}))
            .await;
    let r = call(&mut c, "apply_join_group", json!({"GroupId": asked, "ApplyMsg": ""})).await;
    assert_eq!(r["JoinedStatus"], "WaitAdminApproval", "{r}");
    let r = call(
        &mut a,
        "handle_apply_join_group",
        json!({"GroupId": asked, "Applicant_Account": carol, "HandleMsg": "Agree", "ApprovalMsg": ""}),
    )
    .await;
    assert_eq!(code(&r), 10014, "{r}");
    // Still pending after the refusal; a member leaving makes room.
    let r = call(&mut b, "quit_group", json!({"GroupId": asked})).await;
    assert_eq!(code(&r), 0, "{r}");
    let r = call(
        &mut a,
        "handle_apply_join_group",
        json!({"GroupId": asked, "Applicant_Account": carol, "HandleMsg": "Agree", "ApprovalMsg": ""}),
    )
    .await;
    assert_eq!(code(&r), 0, "{r}");

    // More initial members than MaxMemberCount.
    let r = call(
        &mut a,
        "create_group",
        json!({"Type": "Public", "Name": "x", "MaxMemberCount": 1, "MemberList": [{"Member_Account": bob}]}),
    )
    .await;
    assert_eq!(code(&r), 10014, "{r}");
    // The default of a Work group is 200, a Meeting's 10,000 capped by the plan (2,000).
    let work = create(&mut a, "Private", &[], json!({})).await;
    let meeting = create(&mut a, "ChatRoom", &[], json!({"MaxMemberCount": 50_000})).await;
    let r = call(&mut a, "get_group_self_member_info", json!({"GroupIdList": [work, meeting]})).await;
    assert_eq!(r["GroupInfo"][0]["MaxMemberNum"], 200, "{r}");
    assert_eq!(r["GroupInfo"][1]["MaxMemberNum"], 2000, "{r}");
}

#[tokio::test]
async fn profile_lengths_and_initial_member_rules() {
    let server = start().await;
    let (mut a, _alice) = user(&server, "alice").await;
    let base = |extra: Value| {
        let mut b = json!({"Type": "Public", "Name": "ok"});
        if let (Some(o), Value::Object(e)) = (b.as_object_mut(), extra) {
            o.extend(e);
        }
        b
    };
    for bad in [
        json!({"Name": "n".repeat(31)}),
        json!({"Introduction": "i".repeat(241)}),
        json!({"Notification": "n".repeat(301)}),
        json!({"FaceUrl": "f".repeat(101)}),
        json!({"MemberList": [{"Member_Account": "x1", "Role": "Owner"}]}),
        json!({"MemberList": (0..501).map(|n| json!({"Member_Account": format!("u{n}")})).collect::<Vec<_>>()}),
    ] {
        let r = call(&mut a, "create_group", base(bad.clone())).await;
        assert_eq!(code(&r), 10004, "{bad}: {r}");
    }
    let r = call(
        &mut a,
        "create_group",
        json!({"Type": "Private", "Name": "w",
        "MemberList": [{"Member_Account": "x2", "Role": "Admin"}]}),
    )
    .await;
    assert_eq!(code(&r), 10004, "Work has no admins: {r}");
    let g = create(&mut a, "Public", &[], json!({"Name": "n".repeat(30), "Notification": "n".repeat(300)})).await;
    let r = call(&mut a, "modify_group_base_info", json!({"GroupId": g, "Introduction": "i".repeat(241)})).await;
    assert_eq!(code(&r), 10004, "{r}");
    let r = call(&mut a, "modify_group_base_info", json!({"GroupId": g, "Introduction": "i".repeat(240)})).await;
    assert_eq!(code(&r), 0, "{r}");
}

#[tokio::test]
async fn owner_transfer() {
    let server = start().await;
    let (mut a, alice) = user(&server, "alice").await;
    let (mut b, bob) = user(&server, "bob").await;
    let (mut c, carol) = user(&server, "carol").await;
    let g = create(&mut a, "Public", &[(&bob, ""), (&carol, "")], json!({})).await;

    let r = call(&mut b, "change_group_owner", json!({"GroupId": g, "NewOwner_Account": bob})).await;
    assert_eq!(code(&r), 10007, "{r}");
    let r = call(&mut a, "change_group_owner", json!({"GroupId": g, "NewOwner_Account": "stranger"})).await;
    assert_eq!(code(&r), 10004, "{r}");
    let r = call(&mut a, "change_group_owner", json!({"GroupId": g, "NewOwner_Account": bob})).await;
    assert_eq!(code(&r), 0, "{r}");
    let t = next_tip(&mut c, 6).await;
    assert_eq!(t["MsgBody"]["MsgGroupNewInfo"]["Owner_Account"], bob.as_str(), "{t}");
    assert_eq!(t["MsgBody"]["Operator_Account"], alice.as_str());
    let list = members(&mut c, &g).await;
    assert_eq!(find(&list, &bob)["Role"], "Owner");
    assert_eq!(find(&list, &alice)["Role"], "Member");
    let r = call(&mut c, "get_group_self_member_info", json!({"GroupIdList": [g]})).await;
    assert_eq!(r["GroupInfo"][0]["Owner_Account"], bob.as_str(), "{r}");
    // The old owner lost the power; the new one has it.
    let r = call(&mut a, "change_group_owner", json!({"GroupId": g, "NewOwner_Account": alice})).await;
    assert_eq!(code(&r), 10007, "{r}");
    let r = call(&mut a, "quit_group", json!({"GroupId": g})).await;
    assert_eq!(code(&r), 0, "the old owner may now quit: {r}");

    // AVChatRoom: no transfer.
    let room = create(&mut b, "AVChatRoom", &[], json!({})).await;
    let r = call(&mut c, "apply_join_group", json!({"GroupId": room, "ApplyMsg": ""})).await;
    assert_eq!(code(&r), 0, "{r}");
    let r = call(&mut b, "change_group_owner", json!({"GroupId": room, "NewOwner_Account": carol})).await;
    assert_eq!(code(&r), 10007, "{r}");

    // REST.
    let r = rest(&server, "group_open_http_svc/change_group_owner", &json!({"GroupId": g, "NewOwner_Account": carol}))
        .await;
    assert_eq!(code(&r), 0, "{r}");
    let list = members(&mut c, &g).await;
    assert_eq!(find(&list, &carol)["Role"], "Owner");
}

#[tokio::test]
async fn roles_mutes_and_mute_all() {
    let server = start().await;
    let (mut a, alice) = user(&server, "alice").await;
    let (mut b, bob) = user(&server, "bob").await;
    let (mut c, carol) = user(&server, "carol").await;
    let g = create(&mut a, "Public", &[(&bob, ""), (&carol, "")], json!({})).await;
    let modify = |target: &str, extra: Value| {
        let mut body = json!({"GroupId": g, "Member_Account": target});
        if let (Some(o), Value::Object(e)) = (body.as_object_mut(), extra) {
            o.extend(e);
        }
        body
    };

    // Roles: owner only; tip 4 to all, notice 9 to the target.
    let r = call(&mut b, "modify_group_member_info", modify(&carol, json!({"Role": "Admin"}))).await;
    assert_eq!(code(&r), 10007, "{r}");
    let r = call(&mut a, "modify_group_member_info", modify(&bob, json!({"Role": "Owner"}))).await;
    assert_eq!(code(&r), 10004, "{r}");
    let r = call(&mut a, "modify_group_member_info", modify(&bob, json!({"Role": "Admin"}))).await;
    assert_eq!(code(&r), 0, "{r}");
    let t = next_tip(&mut c, 4).await;
    assert_eq!(t["MsgBody"]["List_Account"], json!([bob]), "{t}");
    assert_eq!(t["MsgBody"]["Operator_Account"], alice.as_str());
    let n = next_notice(&mut b, 9).await;
    assert_eq!(n["GroupInfo"]["GroupId"], g.as_str(), "{n}");
    assert_eq!(find(&members(&mut c, &g).await, &bob)["Role"], "Admin");

    // The admin mutes an ordinary member: tip 7 with ShutupTime; the muted send gets 10017.
    let r = call(&mut b, "modify_group_member_info", modify(&carol, json!({"ShutUpTime": 600}))).await;
    assert_eq!(code(&r), 0, "{r}");
    for cl in [&mut a, &mut c] {
        let t = next_tip(cl, 7).await;
        assert_eq!(t["MsgBody"]["MsgMemberExtraInfo"], json!([{"Member_Account": carol, "ShutupTime": 600}]), "{t}");
        assert_eq!(t["MsgBody"]["List_Account"], json!([carol]));
    }
    let r = send(&mut c, &g, "can I talk?").await;
    assert_eq!(code(&r), 10017, "{r}");
    let until = find(&members(&mut a, &g).await, &carol)["ShutUpUntil"].as_u64().unwrap();
    assert!(until >= tim_server::now() + 590 && until <= tim_server::now() + 600, "{until}");
    let r =
        call(&mut a, "get_specified_group_member_info", json!({"GroupId": g, "Member_List_Account": [carol]})).await;
    assert_eq!(r["MemberList"][0]["ShutUpUntil"], until, "{r}");

    // Hierarchy: an admin cannot mute the owner, a member cannot mute anyone, nobody mutes self.
    let r = call(&mut b, "modify_group_member_info", modify(&alice, json!({"ShutUpTime": 60}))).await;
    assert_eq!(code(&r), 10007, "{r}");
    let r = call(&mut c, "modify_group_member_info", modify(&bob, json!({"ShutUpTime": 60}))).await;
    assert_eq!(code(&r), 10007, "{r}");
    let r = call(&mut a, "modify_group_member_info", modify(&alice, json!({"ShutUpTime": 60}))).await;
    assert_eq!(code(&r), 10007, "{r}");
    let r = call(&mut a, "modify_group_member_info", modify("stranger", json!({"ShutUpTime": 60}))).await;
    assert_eq!(code(&r), 10004, "{r}");

    // Unmute (0): carol talks again.
    let r = call(&mut a, "modify_group_member_info", modify(&carol, json!({"ShutUpTime": 0}))).await;
    assert_eq!(code(&r), 0, "{r}");
    let t = next_tip(&mut c, 7).await;
    assert_eq!(t["MsgBody"]["MsgMemberExtraInfo"][0]["ShutupTime"], 0, "{t}");
    let r = send(&mut c, &g, "thanks").await;
    assert_eq!(code(&r), 0, "{r}");
    assert_eq!(find(&members(&mut a, &g).await, &carol)["ShutUpUntil"], 0);

    // Mute all: ordinary members get 10017, the owner and admins still post.
    let r = call(&mut a, "modify_group_base_info", json!({"GroupId": g, "ShutUpAllMember": "On"})).await;
    assert_eq!(code(&r), 0, "{r}");
    assert_eq!(code(&send(&mut c, &g, "hello?").await), 10017);
    assert_eq!(code(&send(&mut a, &g, "owner speaks").await), 0);
    assert_eq!(code(&send(&mut b, &g, "admin speaks").await), 0);
    let r = call(&mut b, "modify_group_base_info", json!({"GroupId": g, "ShutUpAllMember": "Off"})).await;
    assert_eq!(code(&r), 0, "{r}");
    assert_eq!(code(&send(&mut c, &g, "free again").await), 0);

    // Admin cancelled: tip 5, notice 10.
    let r = call(&mut a, "modify_group_member_info", modify(&bob, json!({"Role": "Member"}))).await;
    assert_eq!(code(&r), 0, "{r}");
    let t = next_tip(&mut c, 5).await;
    assert_eq!(t["MsgBody"]["List_Account"], json!([bob]), "{t}");
    next_notice(&mut b, 10).await;

    // REST forbid_send_msg mutes several members at once.
    let r = rest(
        &server,
        "group_open_http_svc/forbid_send_msg",
        &json!({"GroupId": g,
        "Members_Account": [bob, carol], "MuteTime": 120}),
    )
    .await;
    assert_eq!(code(&r), 0, "{r}");
    let t = next_tip(&mut a, 7).await;
    assert_eq!(t["MsgBody"]["MsgMemberExtraInfo"].as_array().unwrap().len(), 2, "{t}");
    assert_eq!(code(&send(&mut b, &g, "muted").await), 10017);
    // REST modify_group_member_info unmutes.
    let r = rest(
        &server,
        "group_open_http_svc/modify_group_member_info",
        &json!({"GroupId": g,
        "Member_Account": bob, "ShutUpTime": 0}),
    )
    .await;
    assert_eq!(code(&r), 0, "{r}");
    assert_eq!(code(&send(&mut b, &g, "unmuted").await), 0);

    // Work groups: no muting and no admin role.
    let work = create(&mut a, "Private", &[(&bob, "")], json!({})).await;
    let w = |extra: Value| {
        let mut body = json!({"GroupId": work, "Member_Account": bob});
        if let (Some(o), Value::Object(e)) = (body.as_object_mut(), extra) {
            o.extend(e);
        }
        body
    };
    let r = call(&mut a, "modify_group_member_info", w(json!({"ShutUpTime": 60}))).await;
    assert_eq!(code(&r), 10007, "{r}");
    let r = call(&mut a, "modify_group_member_info", w(json!({"Role": "Admin"}))).await;
    assert_eq!(code(&r), 10007, "{r}");
}

#[tokio::test]
async fn name_cards_custom_fields_and_member_profiles() {
    let server = start().await;
    let (mut a, alice) = user(&server, "alice").await;
    let (mut b, bob) = user(&server, "bob").await;
    let (mut c, carol) = user(&server, "carol").await;
    let (mut s, _stranger) = user(&server, "stranger").await;
    let g = create(&mut a, "Public", &[(&bob, "Admin"), (&carol, "")], json!({})).await;

    // Own card: fine; an ordinary member's card for someone else: 10007; too long: 10004.
    let r = call(&mut c, "modify_group_member_info", json!({"GroupId": g, "Member_Account": carol, "NameCard": "Caz"}))
        .await;
    assert_eq!(code(&r), 0, "{r}");
    let t = next_tip(&mut a, 7).await;
    assert_eq!(t["MsgBody"]["MsgMemberExtraInfo"], json!([{"Member_Account": carol, "NameCard": "Caz"}]), "{t}");
    let r =
        call(&mut c, "modify_group_member_info", json!({"GroupId": g, "Member_Account": bob, "NameCard": "B"})).await;
    assert_eq!(code(&r), 10007, "{r}");
    let r = call(
        &mut c,
        "modify_group_member_info",
        json!({"GroupId": g, "Member_Account": carol, "NameCard": "x".repeat(51)}),
    )
    .await;
    assert_eq!(code(&r), 10004, "{r}");
    // The admin sets an ordinary member's fields, not the owner's.
    let r = call(
        &mut b,
        "modify_group_member_info",
        json!({"GroupId": g, "Member_Account": carol, "AppMemberDefinedData": [{"Key": "level", "Value": "3"}]}),
    )
    .await;
    assert_eq!(code(&r), 0, "{r}");
    let r =
        call(&mut b, "modify_group_member_info", json!({"GroupId": g, "Member_Account": alice, "NameCard": "A"})).await;
    assert_eq!(code(&r), 10007, "{r}");
    let r = call(
        &mut a,
        "modify_group_member_info",
        json!({"GroupId": g, "Member_Account": carol,
            "AppMemberDefinedData": [{"Key": "level", "Value": "4"}, {"Key": "team", "Value": "red"}]}),
    )
    .await;
    assert_eq!(code(&r), 0, "{r}");
    let too_many: Vec<Value> = (0..6).map(|n| json!({"Key": format!("k{n}"), "Value": "v"})).collect();
    let r = call(
        &mut a,
        "modify_group_member_info",
        json!({"GroupId": g, "Member_Account": carol, "AppMemberDefinedData": too_many}),
    )
    .await;
    assert_eq!(code(&r), 10004, "{r}");

    // getGroupMemberProfile: named members with role, card and fields; a filter; non-members 10007.
    let r = call(
        &mut b,
        "get_specified_group_member_info",
        json!({"GroupId": g, "Member_List_Account": [carol, alice, "nobody"]}),
    )
    .await;
    assert_eq!(code(&r), 0, "{r}");
    let list = r["MemberList"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{r}");
    let cm = find(list, &carol);
    assert_eq!(cm["NameCard"], "Caz");
    assert_eq!(cm["Role"], "Member");
    assert_eq!(cm["AppMemberDefinedData"], json!([{"Key": "level", "Value": "4"}, {"Key": "team", "Value": "red"}]));
    assert_eq!(find(list, &alice)["Role"], "Owner");
    let r = call(
        &mut b,
        "get_specified_group_member_info",
        json!({"GroupId": g, "Member_List_Account": [carol], "AppDefinedDataFilter_GroupMember": ["team"]}),
    )
    .await;
    assert_eq!(r["MemberList"][0]["AppMemberDefinedData"], json!([{"Key": "team", "Value": "red"}]), "{r}");
    let r =
        call(&mut s, "get_specified_group_member_info", json!({"GroupId": g, "Member_List_Account": [carol]})).await;
    assert_eq!(code(&r), 10007, "{r}");
    // The member list carries the same fields, and filters by role.
    let list = members(&mut c, &g).await;
    assert_eq!(find(&list, &carol)["NameCard"], "Caz");
    let r = call(&mut c, "get_group_member_info", json!({"GroupId": g, "MemberRoleFilter": ["Admin"]})).await;
    let list = r["MemberList"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{r}");
    assert_eq!(list[0]["Member_Account"], bob.as_str());
    assert_eq!(r["MemberNum"], 3);

    // MsgFlag: only one's own.
    let r =
        call(&mut a, "modify_group_member_info", json!({"GroupId": g, "Member_Account": carol, "MsgFlag": "Discard"}))
            .await;
    assert_eq!(code(&r), 10007, "{r}");
    let r =
        call(&mut c, "modify_group_member_info", json!({"GroupId": g, "Member_Account": carol, "MsgFlag": "Discard"}))
            .await;
    assert_eq!(code(&r), 0, "{r}");
    let r = call(&mut c, "get_group_self_member_info", json!({"GroupIdList": [g]})).await;
    assert_eq!(r["MemberList"][0]["MsgFlag"], "Discard", "{r}");
}

#[tokio::test]
async fn group_message_rate_is_limited() {
    let server = start_with(Config {
        groups: tim_server::config::GroupsConfig { msg_rate_per_sec: 5, ..Default::default() },
        ..config()
    })
    .await;
    let (mut a, _alice) = user(&server, "alice").await;
    let g = create(&mut a, "Public", &[], json!({})).await;
    let mut codes = Vec::new();
    for n in 0..8 {
        codes.push(code(&send(&mut a, &g, &format!("m{n}")).await));
    }
    assert_eq!(&codes[..5], &[0, 0, 0, 0, 0], "{codes:?}");
    assert!(codes[5..].contains(&10006), "{codes:?}");
    // Another group has its own budget; after a second the group may send again.
    let other = create(&mut a, "Public", &[], json!({})).await;
    assert_eq!(code(&send(&mut a, &other, "elsewhere").await), 0);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(code(&send(&mut a, &g, "later").await), 0);
}

#[tokio::test]
async fn group_counters_are_atomic_and_pushed() {
    let server = start().await;
    let (mut a, alice) = user(&server, "alice").await;
    let mut others = Vec::new();
    let mut ids = Vec::new();
    for n in 0..6 {
        let (c, id) = user(&server, &format!("m{n}")).await;
        others.push(c);
        ids.push(id);
    }
    let list: Vec<(&str, &str)> = ids.iter().map(|i| (i.as_str(), "")).collect();
    let g = create(&mut a, "Public", &list, json!({})).await;

    let r = call(
        &mut a,
        "update_group_counter",
        json!({"GroupId": g, "Mode": "Set",
        "GroupCounter": [{"Key": "likes", "Value": 10}, {"Key": "seats", "Value": 4}]}),
    )
    .await;
    assert_eq!(code(&r), 0, "{r}");
    assert_eq!(r["GroupCounter"], json!([{"Key": "likes", "Value": 10}, {"Key": "seats", "Value": 4}]));
    let item = next_event(&mut others[0], 6).await;
    assert_eq!(item["ToGroupId"], g.as_str(), "{item}");
    let info = &item["MsgBody"]["GroupCounterInfo"][0];
    assert_eq!(info["Type"], 0, "{item}");
    assert!(info["GroupCounterSeq"].as_u64().unwrap() > 0);
    assert_eq!(info["GroupCounter"], json!([{"Key": "likes", "Value": 10}, {"Key": "seats", "Value": 4}]));
    // The writer's socket gets the same push (tim-js-sdk fills its cache from pushes only).
    let own = next_event(&mut a, 6).await;
    assert_eq!(own["MsgBody"], item["MsgBody"], "{own}");

    // Six members increase at once: no lost update.
    let mut tasks = Vec::new();
    for mut c in others.drain(..) {
        let g = g.clone();
        tasks.push(tokio::spawn(async move {
            let r = call(
                &mut c,
                "update_group_counter",
                json!({"GroupId": g, "Mode": "Increase",
                "GroupCounter": [{"Key": "likes", "Value": 1}]}),
            )
            .await;
            assert_eq!(code(&r), 0, "{r}");
            c
        }));
    }
    for t in tasks {
        others.push(t.await.unwrap());
    }
    let r = call(&mut a, "get_group_counter", json!({"GroupId": g, "GroupCounterKeys": []})).await;
    assert_eq!(code(&r), 0, "{r}");
    assert_eq!(r["GroupCounter"], json!([{"Key": "likes", "Value": 16}, {"Key": "seats", "Value": 4}]), "{r}");
    // Decrease (a missing key starts at 0), selected keys, bad input, non-members.
    let r = call(
        &mut a,
        "update_group_counter",
        json!({"GroupId": g, "Mode": "Decrease",
        "GroupCounter": [{"Key": "seats", "Value": 1}, {"Key": "fresh", "Value": 2}]}),
    )
    .await;
    assert_eq!(r["GroupCounter"], json!([{"Key": "seats", "Value": 3}, {"Key": "fresh", "Value": -2}]), "{r}");
    let r = call(&mut a, "get_group_counter", json!({"GroupId": g, "GroupCounterKeys": ["seats"]})).await;
    assert_eq!(r["GroupCounter"], json!([{"Key": "seats", "Value": 3}]), "{r}");
    for bad in [
        json!({"GroupId": g, "Mode": "Multiply", "GroupCounter": [{"Key": "x", "Value": 1}]}),
        json!({"GroupId": g, "Mode": "Set", "GroupCounter": []}),
        json!({"GroupId": g, "Mode": "Set", "GroupCounter": [{"Key": "", "Value": 1}]}),
        json!({"GroupId": g, "Mode": "Set", "GroupCounter": [{"Key": "x", "Value": "one"}]}),
        json!({"GroupId": g, "Mode": "Increase", "GroupCounter": [{"Key": "x", "Value": -1}]}),
    ] {
        let r = call(&mut a, "update_group_counter", bad.clone()).await;
        assert_eq!(code(&r), 10004, "{bad}: {r}");
    }
    let (mut s, _) = user(&server, "stranger").await;
    let r = call(&mut s, "get_group_counter", json!({"GroupId": g})).await;
    assert_eq!(code(&r), 10007, "{r}");
    let r = call(
        &mut s,
        "update_group_counter",
        json!({"GroupId": g, "Mode": "Set",
        "GroupCounter": [{"Key": "x", "Value": 1}]}),
    )
    .await;
    assert_eq!(code(&r), 10007, "{r}");
    // REST reads them too, and they go with the group.
    let r = rest(&server, "group_open_http_svc/get_group_counter", &json!({"GroupId": g})).await;
    assert_eq!(r["GroupCounter"].as_array().unwrap().len(), 3, "{r}");
    let _ = alice;
    let r = call(&mut a, "destroy_group", json!({"GroupId": g})).await;
    assert_eq!(code(&r), 0, "{r}");
    let r = rest(&server, "group_open_http_svc/get_group_counter", &json!({"GroupId": g})).await;
    assert_eq!(code(&r), 10010, "{r}");
}

#[tokio::test]
async fn the_per_user_joined_group_limit_is_enforced() {
    let server = start_with(Config {
        groups: tim_server::config::GroupsConfig { max_joined_per_user: 2, ..Default::default() },
        ..config()
    })
    .await;
    let (mut c, carol) = user(&server, "carol").await;
    let mut owners = Vec::new();
    for name in ["alice", "bob", "dave", "erin", "frank"] {
        owners.push(user(&server, name).await.0);
    }
    create(&mut owners[0], "Private", &[(&carol, "")], json!({})).await;
    create(&mut owners[1], "Private", &[(&carol, "")], json!({})).await;
    // carol is in two groups: a third leaves her out (OverJoinedGroupLimit_Account / Result 4).
    let body = json!({"Type": "Private", "Name": "Third", "MemberList": [{"Member_Account": carol}], "FaceUrl": ""});
    let r = call(&mut owners[2], "create_group", body).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(r["OverJoinedGroupLimit_Account"], json!([carol]), "{r}");
    let third = r["GroupId"].as_str().unwrap().to_string();
    let r =
        call(&mut owners[2], "add_group_member", json!({"GroupId": third, "MemberList": [{"Member_Account": carol}]}))
            .await;
    assert_eq!(r["MemberList"][0]["Result"], 4, "{r}");
    // Joining or creating a group is refused with 10037; AVChatRooms do not count.
    let free = create(&mut owners[3], "ChatRoom", &[], json!({})).await;
    let r = call(&mut c, "apply_join_group", json!({"GroupId": free, "ApplyMsg": ""})).await;
    assert_eq!(code(&r), 10037, "{r}");
    let r = call(&mut c, "create_group", json!({"Type": "Public", "Name": "Mine", "FaceUrl": ""})).await;
    assert_eq!(code(&r), 10037, "{r}");
    let room = create(&mut owners[4], "AVChatRoom", &[], json!({})).await;
    let r = call(&mut c, "apply_join_group", json!({"GroupId": room, "ApplyMsg": ""})).await;
    assert_eq!(code(&r), 0, "{r}");
}

#[tokio::test]
async fn system_notices_are_kept_for_offline_members_and_deleted_on_request() {
    let server = start().await;
    let (mut a, _alice) = user(&server, "alice").await;
    let (bob, carol) = (uniq("bob"), uniq("carol"));
    // bob and carol are offline when the group is created with them (notice ReportType 6).
    create(&mut a, "Private", &[(&bob, ""), (&carol, "")], json!({})).await;
    let mut b = Client::connect(&server, &format!("inst-{bob}")).await;
    b.login(&bob).await;
    let r = b.call("openim.getmsg", json!({"Cookie": "", "SyncFlag": 0})).await;
    assert_eq!(code(&r), 0, "{r}");
    let items = r["EventArray"][0]["GroupTips"].as_array().cloned().unwrap_or_default();
    assert_eq!(r["EventArray"][0]["Event"], 5, "{r}");
    assert_eq!(items.len(), 1, "{r}");
    assert_eq!(items[0]["MsgBody"]["ReportType"], 6);
    // The cookie moves past it; deleting it (openim.deletemsg) keeps it from a new device.
    let again = b.call("openim.getmsg", json!({"Cookie": r["Cookie"], "SyncFlag": 0})).await;
    assert_eq!(again["EventArray"], json!([]), "{again}");
    let del = json!({"DelMsgList": [{"From_Account": items[0]["From_Account"], "MsgSeq": items[0]["MsgSeq"],
        "MsgRandom": items[0]["MsgRandom"]}]});
    assert_eq!(code(&b.call("openim.deletemsg", del).await), 0);
    let fresh = b.call("openim.getmsg", json!({"Cookie": "", "SyncFlag": 0})).await;
    assert_eq!(fresh["EventArray"], json!([]), "{fresh}");
}

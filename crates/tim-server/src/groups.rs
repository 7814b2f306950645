//! Group commands (WIRE.md §4.2, §4.5, §4.7, §4.9; rules from B-conversations-groups.md): the
//! group lifecycle (create, join, quit, add, kick, profile, dismiss), group messages with dense
//! per-group sequences, history, read reports, and the tips (`Event 4`) and system notices
//! (`Event 5`) they cause. Served on the WebSocket and on REST `/v4/group_open_http_svc/…`.
//!
//! Member management (roles, mutes, name cards, owner transfer), join applications and group
//! counters are in [`crate::group_members`]; this file enforces them where they meet the core
//! (joins, sends, limits).
//!
//! Not enforced yet: targeted messages (`To_Account`), online-only group messages are pushed
//! but not stored, and ChatRoom/AVChatRoom/Community follow the Public rules with free joins.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tim_proto::cmd::event;
use tim_proto::code;
use tim_proto::msg::MsgElem;

use crate::api::cx::Cx;
use crate::api::reply::{ensure_user, fail, internal, ok, ok_with, ApiError, Reply, Who, GROUP_ACCOUNT};
use crate::store::{Group, GroupInserted, GroupMsg, Member};
use crate::{now, State};

/// Wire group types (WIRE.md §4.9).
pub const TYPES: &[&str] = &["Private", "Public", "ChatRoom", "AVChatRoom", "Community"];

/// The editable profile, stored as JSON text in [`Group::info`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Info {
    pub(crate) name: String,
    pub(crate) introduction: String,
    pub(crate) notification: String,
    pub(crate) face_url: String,
    pub(crate) max_member_num: u64,
    pub(crate) apply_join_option: String,
    pub(crate) invite_join_option: String,
    pub(crate) shut_up_all_member: String,
    pub(crate) app_defined_data: Vec<Value>,
    /// 1 for a topic-enabled community (`SupportTopic`).
    pub(crate) support_topic: u64,
}

pub(crate) fn info_of(g: &Group) -> Info {
    serde_json::from_str(&g.info).unwrap_or_default()
}

pub(crate) fn str_field<'a>(body: &'a Value, key: &str) -> &'a str {
    body[key].as_str().unwrap_or("")
}

pub(crate) fn group_id_field(body: &Value) -> Result<String, ApiError> {
    match body["GroupId"].as_str() {
        Some(g) if crate::validate::group_id_ok(g) => Ok(g.to_string()),
        _ => Err(fail(code::GROUP_INVALID_PARAMETERS, "GroupId must be 1 to 48 bytes of printable ASCII")),
    }
}

/// The group, or 10010.
pub(crate) fn load(st: &State, sdkappid: u64, group_id: &str) -> Result<Group, ApiError> {
    match st.store.group(sdkappid, group_id) {
        Ok(Some(g)) => Ok(g),
        Ok(None) => Err(fail(code::GROUP_NOT_FOUND, format!("group {group_id} does not exist"))),
        Err(e) => Err(internal(e)),
    }
}

pub(crate) fn membership(st: &State, g: &Group, user: &str) -> Result<Option<Member>, ApiError> {
    st.store.member(g.sdkappid, &g.group_id, user).map_err(internal)
}

/// The caller's membership, or 10007 (the admin passes as `None`).
pub(crate) fn require_member(st: &State, who: &Who, g: &Group, user: &str) -> Result<Option<Member>, ApiError> {
    if who.is_admin() {
        return membership(st, g, user);
    }
    match membership(st, g, user)? {
        Some(m) => Ok(Some(m)),
        None => Err(fail(code::GROUP_PERMISSION_DENY, format!("{user} is not a member of {}", g.group_id))),
    }
}

pub(crate) fn is_manager(m: &Option<Member>) -> bool {
    m.as_ref().is_some_and(|m| m.role == "Owner" || m.role == "Admin")
}

pub(crate) fn deny(what: &str) -> ApiError {
    fail(code::GROUP_PERMISSION_DENY, format!("no permission: {what}"))
}

pub(crate) fn new_member(user: &str, role: &str, t: u64) -> Member {
    Member {
        user: user.to_string(),
        role: role.to_string(),
        join_time: t,
        read_seq: 0,
        msg_flag: "AcceptAndNotify".into(),
        name_card: String::new(),
        mute_until: 0,
        custom_data: "[]".into(),
        join_seq: 0,
    }
}

/// The last sequence of `g` that member `m` may not see: where they joined, in the group types
/// whose new members do not see earlier messages (Work and Public, unless
/// `[groups] history_before_join`; B-conversations-groups.md §4.1); 0 (all visible) in Meeting
/// groups and communities (and their topics).
pub(crate) fn join_floor(st: &State, g: &Group, m: &Member) -> u64 {
    match g.kind.as_str() {
        "Private" | "Public" if !st.config.groups.history_before_join => m.join_seq,
        _ => 0,
    }
}

/// A new `@TGS#…` group ID (`@TGS#_…` for communities).
fn new_group_id(kind: &str) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let tail: String = (0..10).map(|_| char::from(ALNUM[rand::random::<usize>() % ALNUM.len()])).collect();
    if kind == "Community" {
        format!("@TGS#_{tail}")
    } else {
        format!("@TGS#2{tail}")
    }
}

/// The full group object of `get_joined_group_list` / `get_group_self_member_info`.
pub(crate) fn group_obj(g: &Group, self_info: Option<&Member>) -> Value {
    let info = info_of(g);
    let mut v = json!({
        "GroupId": g.group_id, "Type": g.kind, "Name": info.name, "FaceUrl": info.face_url,
        "NextMsgSeq": g.next_msg_seq, "LastMsgTime": g.last_msg_time, "Introduction": info.introduction,
        "Notification": info.notification, "Owner_Account": g.owner, "CreateTime": g.create_time,
        "InfoSeq": g.info_seq, "LastInfoTime": g.last_info_time, "MemberNum": g.member_num,
        "MaxMemberNum": info.max_member_num, "ApplyJoinOption": info.apply_join_option,
        "InviteJoinOption": info.invite_join_option,
        "ShutUpAllMember": if info.shut_up_all_member.is_empty() { "Off".to_string() } else { info.shut_up_all_member },
        "AppDefinedData": info.app_defined_data, "SupportTopic": info.support_topic, "LastRecallTime": 0, "AtInfoList": [],
    });
    if let Some(m) = self_info {
        v["SelfInfo"] = self_obj(m);
    }
    v
}

fn self_obj(m: &Member) -> Value {
    json!({"Role": m.role, "JoinTime": m.join_time, "MsgFlag": m.msg_flag, "MsgSeq": m.read_seq,
        "NameCard": m.name_card, "NoUnreadSeqList": []})
}

pub(crate) fn member_obj(m: &Member) -> Value {
    json!({"Member_Account": m.user, "Role": m.role, "JoinTime": m.join_time, "NameCard": m.name_card,
        "ShutUpUntil": crate::group_members::mute_left(m).map(|_| m.mute_until).unwrap_or(0),
        "AppMemberDefinedData": crate::group_members::custom_fields(m), "MsgSeq": m.read_seq,
        "MsgFlag": m.msg_flag, "LastSendMsgTime": 0})
}

/// A stored message or tip as it travels (WIRE.md §5.3, §5.5).
pub fn group_msg_wire(g: &Group, m: &GroupMsg) -> Value {
    let name = info_of(g).name;
    if m.event == event::GROUP_TIP {
        let mut tip = json!({
            "From_Account": m.from, "ToGroupId": m.group_id,
            "GroupInfo": {"GroupId": m.group_id, "GroupType": g.kind, "GroupName": name},
            "MsgSeq": m.msg_seq, "MsgRandom": m.random, "Random": m.random, "MsgTimeStamp": m.msg_time,
            "MsgTime": m.msg_time, "Event": event::GROUP_TIP,
            "MsgBody": serde_json::from_str::<Value>(&m.body).unwrap_or_else(|_| json!({})),
        });
        crate::topics::patch_wire(g, &mut tip);
        return tip;
    }
    let mut v = json!({
        "From_Account": m.from, "ToGroupId": m.group_id,
        "GroupInfo": {"GroupId": m.group_id, "GroupName": name, "GroupType": g.kind,
            "From_AccountNick": m.nick, "From_AccountHeadurl": m.headurl,
            "MsgFrom_AccountExtraInfo": {"NameCard": ""}},
        "MsgSeq": m.msg_seq, "Random": m.random, "MsgRandom": m.random, "MsgTimeStamp": m.msg_time,
        "MsgTime": m.msg_time, "ClientSeq": m.client_seq, "MsgClientTime": m.client_time,
        "TinyId": m.from_tiny_id.to_string(), "MsgPriority": "Normal",
        "MsgBody": serde_json::from_str::<Value>(&m.body).unwrap_or_else(|_| json!([])),
        "CloudCustomData": m.cloud_custom_data, "OnlineOnlyFlag": 0, "IsPlaceMsg": 0, "IsSystemMsg": 0,
        "NeedReadReceipt": 0, "MsgFlagBits": m.flags,
    });
    if let (Some(o), Ok(Value::Object(extra))) = (v.as_object_mut(), serde_json::from_str::<Value>(&m.extra)) {
        o.extend(extra);
    }
    crate::topics::patch_wire(g, &mut v);
    v
}

/// Push `body` to every member's sessions (through the hub, so across nodes), except `except`:
/// one fan-out, the frame serialised once (see [`crate::hub::Hub::push_users`]).
pub(crate) fn push_members(st: &Cx<'_>, sdkappid: u64, members: &[Member], except: Option<u64>, body: &Value) {
    let users: Vec<&str> = members.iter().map(|m| m.user.as_str()).collect();
    st.push_users(sdkappid, &users, except, body);
}

/// Store a tip (`Event 4`) with the next group sequence and push it to the current members.
pub(crate) fn tip(st: &Cx<'_>, who: &Who, g: &Group, operator: &str, body: Value) -> Result<(), ApiError> {
    if crate::avchatroom::is_room(g) {
        return crate::avchatroom::tip(st, who, g, operator, body);
    }
    let t = now();
    let msg = GroupMsg {
        sdkappid: g.sdkappid,
        group_id: g.group_id.clone(),
        from: operator.to_string(),
        random: u64::from(rand::random::<u32>()),
        msg_time: t,
        client_time: t,
        body: body.to_string(),
        extra: "{}".into(),
        event: event::GROUP_TIP,
        ..GroupMsg::default()
    };
    let stored = match st.store.store_group_msg(&msg).map_err(internal)? {
        GroupInserted::New(m) | GroupInserted::Duplicate(m) => m,
        GroupInserted::NoGroup => return Ok(()),
    };
    let _ = crate::topics::set_read(st, g, operator, stored.msg_seq);
    let members = st.store.members(g.sdkappid, crate::topics::member_group(g)).map_err(internal)?;
    let push = json!({"EventArray":[{"Event": event::GROUP_TIP, "GroupTips":[group_msg_wire(g, &stored)]}]});
    push_members(st, g.sdkappid, &members, who.conn_id(), &push);
    Ok(())
}

/// Push a system notice (`Event 5`, WIRE.md §5.5) to `users`. Each recipient's copy is also
/// kept ([`crate::store::NoticeStore`]) and returned by `openim.getmsg`, so an offline user gets
/// it at login — except "quit" (8, a sync to the leaver's other sessions) and the REST custom
/// notice (255), which Tencent delivers online only.
pub(crate) fn notice(st: &Cx<'_>, g: &Group, operator: &str, users: &[String], except: Option<u64>, report: Value) {
    let name = info_of(g).name;
    let t = now();
    let keep = !matches!(report["ReportType"].as_u64(), Some(8) | Some(255));
    let mut pushes = Vec::with_capacity(users.len());
    for user in users {
        let random = u64::from(rand::random::<u32>());
        let mut body = report.clone();
        body["Operator_Account"] = json!(operator);
        let item = json!({
            "From_Account": operator, "ToGroupId": g.group_id,
            "GroupInfo": {"GroupId": g.group_id, "GroupType": g.kind, "GroupName": name,
                "From_Account": operator, "To_Account": user},
            "MsgSeq": random, "MsgRandom": random.wrapping_add(7), "MsgTimeStamp": t, "MsgBody": body,
        });
        pushes.push((user, item));
    }
    if keep && !pushes.is_empty() {
        let items: Vec<(String, String)> = pushes.iter().map(|(u, item)| (u.to_string(), item.to_string())).collect();
        if let Err(e) = st.store.store_notices(g.sdkappid, &items, t) {
            tracing::warn!(error = %e, group = %g.group_id, "system notices not kept for offline delivery");
        }
    }
    // Kept before pushed, so a getmsg racing the push finds the notice.
    for (user, item) in pushes {
        let push = json!({"EventArray":[{"Event": event::GROUP_SYSTEM, "GroupTips":[item]}]});
        st.push_user(g.sdkappid, user, except, &push);
    }
}

pub(crate) fn accounts(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().or_else(|| v[key].as_str()))
                .filter(|s| !s.is_empty() && s.len() <= 32)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `create_group` (WIRE.md §4.9).
pub(crate) fn create_group(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    // Rooms have no initial members (the SDK drops `memberList` for them; REST gets 10004).
    if body["Type"] == crate::avchatroom::KIND && body["MemberList"].as_array().is_some_and(|m| !m.is_empty()) {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "an AVChatRoom is created without MemberList"));
    }
    let sdkappid = who.sdkappid();
    let kind = str_field(body, "Type");
    if !TYPES.contains(&kind) {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("unknown group Type {kind:?}")));
    }
    let name = str_field(body, "Name");
    if name.is_empty() {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "Name must not be empty"));
    }
    crate::group_members::check_profile_lengths(body)?;
    let owner = who.acting(body, "Owner_Account");
    if let Who::User { user, .. } = who {
        let asked = str_field(body, "Owner_Account");
        if !asked.is_empty() && asked != user {
            return Err(fail(code::GROUP_INVALID_PARAMETERS, "Owner_Account is not the logged-in user"));
        }
    }
    let group_id = match body["GroupId"].as_str().filter(|s| !s.is_empty()) {
        Some(_) => group_id_field(body)?,
        None => new_group_id(kind),
    };
    ensure_user(st, who, sdkappid, &owner, GROUP_ACCOUNT)?;
    if kind != "AVChatRoom" && !who.is_admin() {
        crate::group_members::check_joined_limit(st, sdkappid, &owner)?;
    }
    let t = now();
    let mut members = vec![new_member(&owner, "Owner", t)];
    let mut over_limit = Vec::new();
    let list = body["MemberList"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    crate::group_members::check_initial_members(kind, list)?;
    for item in list {
        let Some(user) = item["Member_Account"].as_str().filter(|s| !s.is_empty() && s.len() <= 32) else {
            continue;
        };
        if members.iter().any(|m| m.user == user) {
            continue;
        }
        ensure_user(st, who, sdkappid, user, GROUP_ACCOUNT)?;
        if crate::group_members::at_joined_limit(st, sdkappid, user)? {
            over_limit.push(user.to_string());
            continue;
        }
        let role = if item["Role"] == "Admin" { "Admin" } else { "Member" };
        let mut m = new_member(user, role, t);
        m.custom_data = crate::group_members::initial_custom_data(&item["AppMemberDefinedData"])?;
        members.push(m);
    }
    let max_member_num = crate::group_members::max_members(st, kind, body["MaxMemberCount"].as_u64());
    if max_member_num > 0 && members.len() as u64 > max_member_num {
        return Err(fail(code::GROUP_FULL, format!("more members than the group's maximum of {max_member_num}")));
    }
    let default_join = match kind {
        "Private" => "DisableApply",
        "Public" => "NeedPermission",
        _ => "FreeAccess",
    };
    let info = Info {
        name: name.to_string(),
        introduction: str_field(body, "Introduction").to_string(),
        notification: str_field(body, "Notification").to_string(),
        face_url: str_field(body, "FaceUrl").to_string(),
        max_member_num,
        apply_join_option: body["ApplyJoinOption"]
            .as_str()
            .filter(|s| !s.is_empty() && kind != "Private")
            .unwrap_or(default_join)
            .to_string(),
        invite_join_option: str_field(body, "InviteJoinOption").to_string(),
        shut_up_all_member: "Off".into(),
        app_defined_data: body["AppDefinedData"].as_array().cloned().unwrap_or_default(),
        support_topic: crate::topics::support_topic_flag(kind, body),
    };
    let g = Group {
        sdkappid,
        group_id: group_id.clone(),
        kind: kind.to_string(),
        owner: owner.clone(),
        create_time: t,
        info: serde_json::to_string(&info).unwrap_or_default(),
        ..Group::default()
    };
    if !st.store.create_group(&g, &members).map_err(internal)? {
        return Err(fail(code::GROUP_ID_IN_USE, format!("group ID {group_id} is already in use")));
    }
    let g = load(st, sdkappid, &group_id)?;
    // ReportType 6 "group created" to the invited members (WIRE.md §4.9 [obs]).
    let invited: Vec<String> = members.iter().skip(1).map(|m| m.user.clone()).collect();
    notice(st, &g, &owner, &invited, None, json!({"ReportType": 6}));
    Ok(ok_with(json!({"GroupId": group_id, "OverJoinedGroupLimit_Account": over_limit, "HugeGroupFlag": 0})))
}

/// `get_joined_group_list` (WIRE.md §4.9).
pub(crate) fn get_joined_group_list(st: &State, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "Member_Account");
    let mut all = st.store.joined_groups(sdkappid, &user).map_err(internal)?;
    // AVChatRooms are not listed; topic-enabled communities come from the million service.
    all.retain(|(g, _)| !crate::avchatroom::is_room(g) && !crate::topics::supports_topic(g));
    let offset = body["Offset"].as_u64().unwrap_or(0) as usize;
    let limit = body["Limit"].as_u64().filter(|l| *l > 0).unwrap_or(50).min(10_000) as usize;
    let list: Vec<Value> = all.iter().skip(offset).take(limit).map(|(g, m)| group_obj(g, Some(m))).collect();
    Ok(ok_with(json!({"TotalCount": all.len(), "GroupIdList": list})))
}

/// `get_group_self_member_info` (WIRE.md §4.9): one group object per ID, and my membership.
pub(crate) fn get_group_self_member_info(st: &State, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "Member_Account");
    let ids = accounts(&body["GroupIdList"], "GroupId");
    let (mut infos, mut members) = (Vec::new(), Vec::new());
    for id in ids {
        let g = match st.store.group(sdkappid, &id).map_err(internal)? {
            Some(g) => g,
            None => {
                infos.push(json!({"GroupId": id, "ErrorCode": code::GROUP_NOT_FOUND,
                    "ErrorInfo": "group does not exist"}));
                continue;
            }
        };
        let m = membership(st, &g, &user)?;
        if m.is_none() && g.kind == "Private" && !who.is_admin() {
            infos.push(json!({"GroupId": id, "ErrorCode": code::GROUP_PERMISSION_DENY,
                "ErrorInfo": "not a member of this group"}));
            continue;
        }
        let mut obj = group_obj(&g, m.as_ref());
        obj["ErrorCode"] = json!(0);
        obj["ErrorInfo"] = json!("");
        infos.push(obj);
        if let Some(m) = m {
            members.push(json!({"Member_Account": m.user, "Role": m.role, "JoinTime": m.join_time,
                "MsgSeq": m.read_seq, "MsgFlag": m.msg_flag, "NameCard": m.name_card}));
        }
    }
    Ok(ok_with(json!({"GroupInfo": infos, "MemberList": members})))
}

/// `get_group_public_info` (`searchGroupByID`): the public profile of each group, without
/// membership. Work groups are found by their members only (they cannot be joined by request).
pub(crate) fn get_group_public_info(st: &State, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let mut infos = Vec::new();
    for id in accounts(&body["GroupIdList"], "GroupId") {
        let Some(g) = st.store.group(sdkappid, &id).map_err(internal)? else {
            infos.push(json!({"GroupId": id, "ErrorCode": code::GROUP_NOT_FOUND, "ErrorInfo": "group does not exist"}));
            continue;
        };
        if g.kind == "Private" && !who.is_admin() && membership(st, &g, &user)?.is_none() {
            infos.push(json!({"GroupId": id, "ErrorCode": code::GROUP_PERMISSION_DENY,
                "ErrorInfo": "a Work group is visible to its members only"}));
            continue;
        }
        let mut obj = group_obj(&g, None);
        if let Some(o) = obj.as_object_mut() {
            o.remove("AppDefinedData");
        }
        obj["ErrorCode"] = json!(0);
        obj["ErrorInfo"] = json!("");
        infos.push(obj);
    }
    Ok(ok_with(json!({"GroupInfo": infos})))
}

/// `apply_join_group` (WIRE.md §4.9): free joins only for now.
pub(crate) fn apply_join_group(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    if crate::avchatroom::is_room(&g) {
        return crate::avchatroom::join(st, who, &g, &user);
    }
    if membership(st, &g, &user)?.is_some() {
        return Err(fail(code::GROUP_ALREADY_MEMBER, format!("{user} is already a member")));
    }
    if g.kind == "Private" {
        return Err(deny("a Work group cannot be joined by request"));
    }
    let info = info_of(&g);
    if g.kind == "Public" && info.apply_join_option == "DisableApply" {
        return Err(deny("the group does not accept join requests (DisableApply)"));
    }
    ensure_user(st, who, sdkappid, &user, GROUP_ACCOUNT)?;
    if g.kind == "Public" && info.apply_join_option != "FreeAccess" {
        // NeedPermission (and anything unknown): a pending application for the owner and admins.
        return crate::group_members::apply(st, who, &g, &user, body);
    }
    if g.kind != "AVChatRoom" {
        crate::group_members::check_joined_limit(st, sdkappid, &user)?;
    }
    let added = crate::group_members::add_within_limit(st, &g, &[new_member(&user, "Member", now())])?;
    if !added.is_empty() {
        let g = load(st, sdkappid, &g.group_id)?;
        tip(
            st,
            who,
            &g,
            &user,
            json!({"OpType": 1, "Operator_Account": user, "List_Account": [user],
            "MemberNum": g.member_num}),
        )?;
    }
    Ok(ok_with(json!({"JoinedStatus": "JoinedSuccess", "HugeGroupFlag": 0})))
}

/// `quit_group`.
pub(crate) fn quit_group(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "Member_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    let Some(m) = membership(st, &g, &user)? else {
        return Err(deny(&format!("{user} is not a member")));
    };
    if m.role == "Owner" {
        return Err(fail(code::GROUP_OWNER_CANNOT_QUIT, "the owner cannot quit; dismiss the group instead"));
    }
    st.store.remove_members(sdkappid, &g.group_id, std::slice::from_ref(&user)).map_err(internal)?;
    let g = load(st, sdkappid, &g.group_id)?;
    tip(
        st,
        who,
        &g,
        &user,
        json!({"OpType": 2, "Operator_Account": user, "List_Account": [user],
        "MemberNum": g.member_num}),
    )?;
    // ReportType 8 "quit" to my other instances, which drop the group.
    notice(st, &g, &user, std::slice::from_ref(&user), who.conn_id(), json!({"ReportType": 8}));
    Ok(ok())
}

/// `destroy_group`: the owner (or the REST admin).
pub(crate) fn destroy_group(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    if !who.is_admin() {
        if g.owner != user {
            return Err(deny("only the owner may dismiss the group"));
        }
        if g.kind == "Private" {
            return Err(deny("a Work group cannot be dismissed by its members"));
        }
    }
    let members = st.store.members(sdkappid, &g.group_id).map_err(internal)?;
    st.store.destroy_group(sdkappid, &g.group_id).map_err(internal)?;
    crate::topics::on_group_destroyed(st, &g);
    let users: Vec<String> = members.into_iter().map(|m| m.user).collect();
    notice(st, &g, &user, &users, who.conn_id(), json!({"ReportType": 5}));
    Ok(ok())
}

/// `add_group_member`: any member of a Work group, owner/admin elsewhere.
pub(crate) fn add_group_member(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    let mine = require_member(st, who, &g, &user)?;
    if !who.is_admin() && g.kind != "Private" && !is_manager(&mine) {
        return Err(deny("only the owner and admins may add members"));
    }
    if g.kind == "AVChatRoom" {
        return Err(deny("members cannot be added to an AVChatRoom"));
    }
    let wanted = accounts(&body["MemberList"], "Member_Account");
    if wanted.is_empty() {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "MemberList is empty"));
    }
    let t = now();
    let (mut results, mut to_add) = (Vec::new(), Vec::new());
    for w in &wanted {
        if ensure_user(st, who, sdkappid, w, GROUP_ACCOUNT).is_err() {
            results.push((w.clone(), 0));
        } else if membership(st, &g, w)?.is_none() && crate::group_members::at_joined_limit(st, sdkappid, w)? {
            results.push((w.clone(), 4)); // over the per-user joined-group limit
        } else {
            to_add.push(new_member(w, "Member", t));
        }
    }
    let added = crate::group_members::add_within_limit(st, &g, &to_add)?;
    for m in &to_add {
        results.push((m.user.clone(), if added.contains(&m.user) { 1 } else { 2 }));
    }
    if !added.is_empty() {
        let g = load(st, sdkappid, &g.group_id)?;
        tip(
            st,
            who,
            &g,
            &user,
            json!({"OpType": 1, "Operator_Account": user, "List_Account": added,
            "MemberNum": g.member_num}),
        )?;
        notice(st, &g, &user, &added, None, json!({"ReportType": 7}));
    }
    let list: Vec<Value> = results.iter().map(|(u, r)| json!({"Member_Account": u, "Result": r})).collect();
    Ok(ok_with(json!({"MemberList": list})))
}

/// `delete_group_member`: owner (anyone but themself) or admin (ordinary members only).
pub(crate) fn delete_group_member(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    let mine = require_member(st, who, &g, &user)?;
    if !who.is_admin() && !is_manager(&mine) {
        return Err(deny("only the owner and admins may remove members"));
    }
    let targets = accounts(&body["MemberToDel_Account"], "Member_Account");
    if targets.is_empty() {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "MemberToDel_Account is empty"));
    }
    let my_role = mine.as_ref().map(|m| m.role.as_str()).unwrap_or("Owner");
    for t in &targets {
        let target = membership(st, &g, t)?;
        let allowed = match target.as_ref().map(|m| m.role.as_str()) {
            None => true,
            Some("Owner") => false,
            Some("Admin") => my_role == "Owner",
            Some(_) => true,
        };
        if !allowed || (t == &user && !who.is_admin()) {
            return Err(deny(&format!("cannot remove {t}")));
        }
    }
    let removed = st.store.remove_members(sdkappid, &g.group_id, &targets).map_err(internal)?;
    if !removed.is_empty() {
        let g = load(st, sdkappid, &g.group_id)?;
        tip(
            st,
            who,
            &g,
            &user,
            json!({"OpType": 3, "Operator_Account": user, "List_Account": removed,
            "MemberNum": g.member_num}),
        )?;
        let mut report = json!({"ReportType": 4});
        if let Some(reason) = body["Reason"].as_str().filter(|r| !r.is_empty()) {
            report["RemarkInfo"] = json!(reason);
        }
        notice(st, &g, &user, &removed, None, report);
    }
    Ok(ok())
}

/// `get_group_member_info`: members only (the admin too).
pub(crate) fn get_group_member_info(st: &State, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    require_member(st, who, &g, &user)?;
    let all = st.store.members(sdkappid, &g.group_id).map_err(internal)?;
    let total = all.len();
    let roles = accounts(&body["MemberRoleFilter"], "Role");
    let offset = body["Offset"].as_u64().unwrap_or(0) as usize;
    let limit = body["Limit"].as_u64().filter(|l| *l > 0).unwrap_or(100).min(10_000) as usize;
    let keys = body["AppDefinedDataFilter_GroupMember"]
        .as_array()
        .map(|_| accounts(&body["AppDefinedDataFilter_GroupMember"], "Key"));
    let list: Vec<Value> = all
        .iter()
        .filter(|m| roles.is_empty() || roles.contains(&m.role))
        .skip(offset)
        .take(limit)
        .map(|m| crate::group_members::member_obj_filtered(m, keys.as_deref()))
        .collect();
    Ok(ok_with(json!({"MemberNum": total, "MemberList": list})))
}

/// `modify_group_base_info`: owner/admin (any member of a Work group); an `OpType 6` tip.
pub(crate) fn modify_group_base_info(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    let mine = require_member(st, who, &g, &user)?;
    if !who.is_admin() && g.kind != "Private" && !is_manager(&mine) {
        return Err(deny("only the owner and admins may change the group profile"));
    }
    crate::group_members::check_profile_lengths(body)?;
    let mut info = info_of(&g);
    let mut new_info = json!({});
    let text = |key: &str, max: usize| -> Result<Option<String>, ApiError> {
        match &body[key] {
            Value::Null => Ok(None),
            Value::String(s) if s.len() <= max => Ok(Some(s.clone())),
            _ => Err(fail(code::GROUP_INVALID_PARAMETERS, format!("{key} must be a string of at most {max} bytes"))),
        }
    };
    if let Some(name) = text("Name", 100)? {
        if name.is_empty() {
            return Err(fail(code::GROUP_INVALID_PARAMETERS, "Name must not be empty"));
        }
        new_info["GroupName"] = json!(name);
        info.name = name;
    }
    if let Some(v) = text("Introduction", 400)? {
        new_info["GroupIntroduction"] = json!(v);
        info.introduction = v;
    }
    if let Some(v) = text("Notification", 400)? {
        new_info["GroupNotification"] = json!(v);
        info.notification = v;
    }
    if let Some(v) = text("FaceUrl", 500)? {
        new_info["GroupFaceUrl"] = json!(v);
        info.face_url = v;
    }
    if let Some(v) = text("ApplyJoinOption", 32)? {
        if !["FreeAccess", "NeedPermission", "DisableApply"].contains(&v.as_str()) {
            return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("unknown ApplyJoinOption {v:?}")));
        }
        new_info["GroupApplyJoinOption"] = json!(v);
        info.apply_join_option = v;
    }
    if let Some(v) = text("InviteJoinOption", 32)? {
        info.invite_join_option = v;
    }
    if let Some(v) = text("ShutUpAllMember", 8)? {
        new_info["ShutupAll"] = json!(u32::from(v == "On"));
        info.shut_up_all_member = v;
    }
    let mut tip_body = json!({"OpType": 6, "Operator_Account": user, "List_Account": [user],
        "MsgGroupNewInfo": new_info, "MemberNum": g.member_num});
    if let Some(data) = body["AppDefinedData"].as_array() {
        for item in data {
            let Some(key) = item["Key"].as_str() else { continue };
            info.app_defined_data.retain(|d| d["Key"] != key);
            info.app_defined_data.push(json!({"Key": key, "Value": item["Value"].as_str().unwrap_or("")}));
        }
        tip_body["MsgAppDefinedData"] = json!(data);
    }
    st.store
        .save_group_info(sdkappid, &g.group_id, &serde_json::to_string(&info).unwrap_or_default(), now())
        .map_err(internal)?;
    let g = load(st, sdkappid, &g.group_id)?;
    tip(st, who, &g, &user, tip_body)?;
    Ok(ok())
}

/// `send_group_msg` (WIRE.md §4.2): members only; the reply's `MsgSeq` is the group sequence.
pub(crate) fn send_group_msg(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let from = who.acting(body, "From_Account");
    if let Who::User { user, .. } = who {
        let asked = str_field(body, "From_Account");
        if !asked.is_empty() && asked != user {
            return Err(fail(code::INVALID_REQUEST, "From_Account is not the logged-in user"));
        }
    }
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    let sender_member = require_member(st, who, &g, &from)?;
    crate::group_members::check_may_send(st, who, &g, sender_member.as_ref())?;
    let g = crate::topics::target(st, g, body)?;
    crate::topics::check_may_send(st, who, &g, sender_member.as_ref())?;
    crate::validate::check_msg_body(&body["MsgBody"]).map_err(|why| fail(code::MSG_BODY_INVALID, why))?;
    let elems: Vec<MsgElem> = serde_json::from_value(body["MsgBody"].clone())
        .map_err(|e| fail(code::MSG_BODY_INVALID, format!("invalid MsgBody: {e}")))?;
    let random = match &body["Random"] {
        Value::Null => u64::from(rand::random::<u32>()),
        v => v
            .as_u64()
            .filter(|r| *r <= u64::from(u32::MAX))
            .ok_or_else(|| fail(code::GROUP_INVALID_PARAMETERS, "Random must be an integer from 0 to 4294967295"))?,
    };
    for key in ["ClientSeq", "MsgClientTime", "OnlineOnlyFlag"] {
        if !body[key].is_null() && body[key].as_u64().is_none() {
            return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("{key} must be a non-negative integer")));
        }
    }
    let body_json = serde_json::to_string(&elems).unwrap_or_default();
    let cloud = str_field(body, "CloudCustomData").to_string();
    if body_json.len() + cloud.len() > crate::commands::MAX_MSG_BYTES {
        return Err(fail(code::MSG_TOO_LONG, "message too large"));
    }
    let sender = ensure_user(st, who, sdkappid, &from, GROUP_ACCOUNT)?;
    let mut extra = serde_json::Map::new();
    for key in ["GroupAtInfo", "MsgPriority", "NeedReadReceipt", "SupportMessageExtension", "SendMsgControl"] {
        if !body[key].is_null() {
            extra.insert(key.to_string(), body[key].clone());
        }
    }
    let t = now();
    let msg = GroupMsg {
        id: 0,
        sdkappid,
        group_id: g.group_id.clone(),
        msg_seq: 0,
        from: from.clone(),
        random,
        client_seq: body["ClientSeq"].as_u64().unwrap_or(0),
        msg_time: t,
        client_time: body["MsgClientTime"].as_u64().filter(|c| *c > 0).unwrap_or(t),
        from_tiny_id: sender.tiny_id,
        body: body_json,
        cloud_custom_data: cloud,
        // The sender's stored profile, never the request's `From_AccountNick`/`…Headurl`.
        nick: sender.nick,
        headurl: sender.face_url,
        extra: Value::Object(extra).to_string(),
        event: 0,
        flags: 0,
    };
    if crate::avchatroom::is_room(&g) && body["OnlineOnlyFlag"].as_u64() != Some(1) {
        return crate::avchatroom::send(st, who, &g, msg);
    }
    let members = st.store.members(sdkappid, crate::topics::member_group(&g)).map_err(internal)?;
    if body["OnlineOnlyFlag"].as_u64() == Some(1) {
        // Online-only: pushed, not stored, no sequence.
        let mut wire = group_msg_wire(&g, &msg);
        wire["OnlineOnlyFlag"] = json!(1);
        let push = json!({"EventArray":[{"Event": event::GROUP_MSG, "GroupMsgArray":[wire]}]});
        push_members(st, sdkappid, &members, who.conn_id(), &push);
        return Ok(ok_with(json!({"MsgSeq": 0, "MsgTime": t})));
    }
    let stored = match st.store.store_group_msg(&msg).map_err(internal)? {
        GroupInserted::New(m) => m,
        GroupInserted::Duplicate(m) => {
            tracing::debug!(group = ?m.group_id, seq = m.msg_seq, "send_group_msg resend, answering the original");
            return Ok(ok_with(json!({"MsgSeq": m.msg_seq, "MsgTime": m.msg_time})));
        }
        GroupInserted::NoGroup => return Err(fail(code::GROUP_NOT_FOUND, "group does not exist")),
    };
    let _ = crate::topics::set_read(st, &g, &from, stored.msg_seq);
    let push = json!({"EventArray":[{"Event": event::GROUP_MSG, "GroupMsgArray":[group_msg_wire(&g, &stored)]}]});
    push_members(st, sdkappid, &members, who.conn_id(), &push);
    at_tips(st, &g, &stored, &members, &body["GroupAtInfo"]);
    Ok(ok_with(json!({"MsgSeq": stored.msg_seq, "MsgTime": stored.msg_time})))
}

/// The @-tips of a stored group message (`Event 12`, WIRE.md §5.5): each member it @-mentions
/// gets `AtFlagList [1]`, everyone else `[2]` for an @all, and `[3]` for both; the sender gets
/// none. The SDK adds them to the conversation's `groupAtInfoList`. Pushed only (a member who
/// was offline sees the mention in the message's `atUserList`).
fn at_tips(st: &Cx<'_>, g: &Group, m: &GroupMsg, members: &[Member], at: &Value) {
    let Some(list) = at.as_array().filter(|l| !l.is_empty()) else { return };
    if crate::topics::is_topic(g) {
        return crate::topics::at_tips(st, g, m, members, list);
    }
    let all = list.iter().any(|a| a["GroupAtAllFlag"].as_u64() == Some(1));
    let named: Vec<&str> = list.iter().filter_map(|a| a["GroupAt_Account"].as_str()).collect();
    for member in members.iter().filter(|x| x.user != m.from) {
        let flag = match (named.contains(&member.user.as_str()), all) {
            (true, true) => 3,
            (true, false) => 1,
            (false, true) => 2,
            (false, false) => continue,
        };
        let item = json!({"From_Account": m.from, "ToGroupId": m.group_id,
            "GroupInfo": {"GroupId": m.group_id, "GroupType": g.kind},
            "MsgSeq": m.msg_seq, "MsgRandom": m.random, "ClientSeq": m.client_seq, "MsgTimeStamp": m.msg_time,
            "MsgBody": {"GroupId": m.group_id, "From_Account": m.from, "AtMsgSeq": m.msg_seq, "AtFlagList": [flag]}});
        let push = json!({"EventArray":[{"Event": event::GROUP_AT, "GroupTips":[item]}]});
        st.push_user(g.sdkappid, &member.user, None, &push);
    }
}

/// `group_msg_get` (WIRE.md §4.5): descending `MsgSeq` from `ReqMsgSeq` (inclusive).
pub(crate) fn group_msg_get(st: &State, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    let mine = require_member(st, who, &g, &user)?;
    if let Some(empty) = crate::avchatroom::history(&g) {
        return Ok(empty);
    }
    let joined = mine.as_ref().map_or(0, |m| join_floor(st, &g, m));
    let g = crate::topics::target(st, g, body)?;
    let last = g.next_msg_seq.saturating_sub(1);
    let from = body["ReqMsgSeq"].as_u64().filter(|s| *s > 0).unwrap_or(last).min(last);
    let n = body["ReqMsgNumber"].as_u64().filter(|n| *n > 0).unwrap_or(20).min(100) as usize;
    let mut rows = st.store.group_msgs(sdkappid, &g.group_id, from, n).map_err(internal)?;
    // History the caller deleted (deleteConversation), or that was sent before they joined where
    // new members do not see it, is not returned.
    let floor = crate::conversations::history_floor(st, sdkappid, &user, crate::conversations::GROUP, &g.group_id)
        .max(i64::try_from(joined).unwrap_or(i64::MAX));
    let cut = rows.iter().position(|m| i64::try_from(m.msg_seq).unwrap_or(i64::MAX) <= floor);
    if let Some(p) = cut {
        rows.truncate(p);
    }
    let lowest = rows.last().map(|m| m.msg_seq).unwrap_or(0);
    let finished = cut.is_some() || rows.len() < n || lowest <= 1;
    let list: Vec<Value> = rows.iter().map(|m| group_msg_wire(&g, m)).collect();
    Ok(ok_with(json!({
        "GroupId": crate::topics::member_group(&g), "RspMsgList": list, "IsFinished": if finished { 2 } else { 0 },
        "InvisibleMsgSeq": [], "NextReqMsgSeq": lowest.saturating_sub(1),
    })))
}

/// `msg_read_report` (WIRE.md §4.7).
pub(crate) fn msg_read_report(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    require_member(st, who, &g, &user)?;
    let g = crate::topics::target(st, g, body)?;
    let last = g.next_msg_seq.saturating_sub(1);
    let seq = body["MsgReadedSeq"].as_u64().unwrap_or(last).min(last);
    let read = crate::topics::set_read(st, &g, &user, seq)?;
    crate::topics::forget_at_tips(st, &g, &user, read)?;
    // My other instances recompute their unread (WIRE.md §5.5, `GroupReadInfoArray`).
    let mut item = json!({"From_Account": user, "ToGroupId": g.group_id,
        "GroupInfo": {"GroupId": g.group_id, "GroupType": g.kind},
        "MsgSeq": 0, "MsgRandom": 0, "MsgTimeStamp": now(),
        "MsgBody": {"GroupReadInfoArray": [{"GroupId": g.group_id, "LastReadMsgSeq": read}]}});
    crate::topics::patch_wire(&g, &mut item);
    let push = json!({"EventArray":[{"Event": event::GROUP_SYSTEM, "GroupTips":[item]}]});
    st.push_user(sdkappid, &user, who.conn_id(), &push);
    Ok(ok())
}

/// Most groups one `batch_get_group_notify` asks about.
pub const MAX_NOTIFY_GROUPS: usize = 1000;

/// The recall notices of one group (`{GroupId, NotifyType, BeginTime, EndTime, Limit}`, times in
/// ms): `{GroupId, NextMsgTime, NotifyMsgList: [{MsgSeq, Random, RevokerInfo}]}`, where a
/// `NextMsgTime` other than 0 asks the SDK to fetch again from there. tim-js-sdk 2.x and
/// @tencentcloud/chat 3.x ask this (`NotifyType` 1, recalls) for every joined group except
/// AVChatRooms and topic-enabled communities, after login and after reconnecting, and recall
/// what the list names. This server does not recall group messages, so the list is always
/// empty; the caller must be a member (10007), the group must exist (10010).
fn group_notify(st: &State, who: &Who, user: &str, req: &Value) -> Reply {
    let g = load(st, who.sdkappid(), &group_id_field(req)?)?;
    require_member(st, who, &g, user)?;
    match &req["NotifyType"] {
        Value::Null => {}
        v if v.as_u64() == Some(1) => {}
        _ => return Err(fail(code::GROUP_INVALID_PARAMETERS, "NotifyType must be 1 (recalls)")),
    }
    for key in ["BeginTime", "EndTime", "Limit"] {
        if !req[key].is_null() && !req[key].is_u64() {
            return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("{key} must be a non-negative number")));
        }
    }
    Ok(json!({"GroupId": g.group_id, "NextMsgTime": 0, "NotifyMsgList": []}))
}

/// `group_open_http_svc.get_group_notify` (2.x): [`group_notify`] of one group.
pub(crate) fn get_group_notify(st: &State, who: &Who, body: &Value) -> Reply {
    let user = who.acting(body, "From_Account");
    Ok(ok_with(group_notify(st, who, &user, body)?))
}

/// `group_open_http_svc.batch_get_group_notify` (3.x): `{NotifyReqList: [request]}` →
/// `{NotifyRspList: [reply]}`, one [`group_notify`] per group; a group that fails answers its
/// item with `ErrorCode`/`ErrorInfo` (and `NextMsgTime` 0).
pub(crate) fn batch_get_group_notify(st: &State, who: &Who, body: &Value) -> Reply {
    let user = who.acting(body, "From_Account");
    let Some(list) = body["NotifyReqList"].as_array() else {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "NotifyReqList must be an array"));
    };
    if list.len() > MAX_NOTIFY_GROUPS {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("at most {MAX_NOTIFY_GROUPS} groups per call")));
    }
    let mut out = Vec::with_capacity(list.len());
    for req in list {
        out.push(match group_notify(st, who, &user, req) {
            Ok(mut item) => {
                item["ErrorCode"] = json!(0);
                item["ErrorInfo"] = json!("");
                item
            }
            Err(e) => json!({"GroupId": req["GroupId"], "NextMsgTime": 0, "NotifyMsgList": [],
                "ErrorCode": e.code, "ErrorInfo": e.message}),
        });
    }
    Ok(ok_with(json!({"NotifyRspList": out})))
}

/// One group conversation of a user for `recentcontact.page_get`.
pub struct GroupSession {
    /// The group.
    pub group_id: String,
    /// Time of the last message (or tip) that updates the last message.
    pub last_time: u64,
    /// Its sequence.
    pub last_seq: u64,
    /// The `Type 2` item (WIRE.md §4.6).
    pub item: Value,
}

/// Whether a stored group message was sent with `SendMsgControl: ["NoLastMsg"]`.
fn excluded_from_last(m: &GroupMsg) -> bool {
    serde_json::from_str::<Value>(&m.extra)
        .is_ok_and(|x| x["SendMsgControl"].as_array().is_some_and(|a| a.iter().any(|c| c == "NoLastMsg")))
}

/// Group conversation items for `recentcontact.page_get` (WIRE.md §4.6, `Type 2`): joined groups
/// with a message; the last message skips those sent with `NoLastMsg` (of the latest 20).
pub fn session_items(st: &State, sdkappid: u64, user: &str) -> Result<Vec<GroupSession>, ApiError> {
    let mut items = Vec::new();
    for (g, m) in st.store.joined_groups(sdkappid, user).map_err(internal)? {
        // Nothing from before the member joined where new members do not see it.
        let floor = join_floor(st, &g, &m);
        let mut recent = st.store.group_msgs(sdkappid, &g.group_id, u64::MAX, 20).map_err(internal)?;
        recent.retain(|x| x.msg_seq > floor);
        let Some(last) = recent.iter().find(|x| !excluded_from_last(x)).or(recent.first()).cloned() else {
            continue;
        };
        let read_seq = m.read_seq.max(floor);
        let unread = st.store.group_unread(sdkappid, &g.group_id, user, read_seq).map_err(internal)?;
        let info = info_of(&g);
        let last_msg = if last.event == event::GROUP_TIP {
            json!({"MsgBody": [], "CloudCustomData": "", "Event": event::GROUP_TIP,
                "GroupTips": group_msg_wire(&g, &last)})
        } else {
            json!({"MsgBody": serde_json::from_str::<Value>(&last.body).unwrap_or_else(|_| json!([])),
                "CloudCustomData": last.cloud_custom_data})
        };
        items.push(GroupSession {
            group_id: g.group_id.clone(),
            last_time: last.msg_time,
            last_seq: last.msg_seq,
            item: json!({
                "Type": 2, "ToAccount": g.group_id, "MsgTime": last.msg_time, "MsgSeq": last.msg_seq,
                "MsgRandom": last.random, "MsgGroupFrom_Account": last.from, "GroupNick": info.name,
                "GroupImage": info.face_url, "LastMsg": last_msg, "LastMsgFlags": 0,
                "UnreadMsgCount": unread, "MsgGroupReadedSeq": read_seq,
                "MsgGroupFromNickName": last.nick, "MsgGroupFromCardName": "", "TopFlags": 0,
                "GroupType": g.kind, "GroupNextMsgSeq": g.next_msg_seq, "MsgRecvOption": 0,
            }),
        });
    }
    Ok(items)
}

//! Communities and topics (B-conversations-groups.md §4.17): a `Community` created with
//! `SupportTopic: 1` is listed by `million_group_open_http_svc.get_joined_group_list` (not by
//! the ordinary list) and holds topics, `<communityID>@TOPIC#_<suffix>`.
//!
//! A topic is stored as a `tim_groups` row of kind `Topic` whose ID is the topic ID, so it has
//! its own dense sequence, history, last message and profile (`info`), and no member rows:
//! topic membership is community membership. Read positions per (topic, member) live in
//! `topic_reads`. The SDK sends topic messages as `send_group_msg`/`group_msg_get`/
//! `msg_read_report` with `GroupId` = the community and `TopicId` = the topic, on
//! `million_group_open_http_svc` (its service for every group command on a `@TGS#_` ID, which
//! [`alias`] maps to the ordinary group commands).
//!
//! Pushes: topic created / deleted are system notices 17 / 18 (`Event 5`) with `TopicId` /
//! `TopicIdArray` and `MillionGroupFlag: 2`; a topic profile change is tip 8 in the topic
//! (`MsgTopicNewInfo`), stored in the topic's history.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::borrow::Cow;
use tim_proto::cmd::{self, event};
use tim_proto::code;

use crate::api::cx::Cx;
use crate::api::reply::{fail, internal, ok, ok_with, ApiError, Reply, Who};
use crate::groups::{self};
use crate::store::{Group, GroupMsg, Member};
use crate::{now, State};

/// The wire type of a community.
pub const COMMUNITY: &str = "Community";
/// The stored kind of a topic row.
pub const TOPIC: &str = "Topic";
/// What separates the community ID from the topic suffix.
pub const TOPIC_MARK: &str = "@TOPIC#_";
/// The service the SDK uses for group commands on communities.
pub const MILLION_SERVICE: &str = "million_group_open_http_svc.";

/// A topic's profile, stored as JSON text in [`Group::info`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct TopicInfo {
    name: String,
    face_url: String,
    introduction: String,
    notification: String,
    custom_string: String,
    shut_up_all: bool,
    creator: String,
}

fn topic_info(g: &Group) -> TopicInfo {
    serde_json::from_str(&g.info).unwrap_or_default()
}

/// The ordinary servcmd for a `million_group_open_http_svc` one (every group command the SDK
/// sends for a community), unless it is community-specific.
pub fn alias(servcmd: &str) -> Cow<'_, str> {
    match servcmd.strip_prefix(MILLION_SERVICE) {
        Some(rest)
            if ![
                cmd::MILLION_GET_JOINED_GROUP_LIST,
                cmd::CREATE_TOPIC,
                cmd::DESTROY_TOPIC,
                cmd::MODIFY_TOPIC,
                cmd::GET_TOPIC,
            ]
            .contains(&servcmd) =>
        {
            Cow::Owned(format!("group_open_http_svc.{rest}"))
        }
        _ => Cow::Borrowed(servcmd),
    }
}

/// Whether `g` is a topic-enabled community.
pub fn supports_topic(g: &Group) -> bool {
    g.kind == COMMUNITY && serde_json::from_str::<Value>(&g.info).is_ok_and(|v| v["support_topic"].as_u64() == Some(1))
}

/// Whether `g` is a topic row.
pub fn is_topic(g: &Group) -> bool {
    g.kind == TOPIC
}

/// The community of a topic ID.
pub fn community_of(topic_id: &str) -> Option<&str> {
    topic_id.find(TOPIC_MARK).map(|i| &topic_id[..i]).filter(|c| !c.is_empty())
}

/// The group whose members receive `g`'s traffic: the community for a topic, else `g`.
pub fn member_group(g: &Group) -> &str {
    if is_topic(g) {
        community_of(&g.group_id).unwrap_or(&g.group_id)
    } else {
        &g.group_id
    }
}

/// The topic a message command addresses (`TopicId` in the body, in the community `g`), or
/// `g` itself without `TopicId`.
pub fn target(st: &State, g: Group, body: &Value) -> Result<Group, ApiError> {
    let Some(topic_id) = body["TopicId"].as_str().filter(|t| !t.is_empty()) else {
        return Ok(g);
    };
    if community_of(topic_id) != Some(g.group_id.as_str()) {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("{topic_id} is not a topic of {}", g.group_id)));
    }
    match st.store.group(g.sdkappid, topic_id).map_err(internal)? {
        Some(t) if is_topic(&t) => Ok(t),
        _ => Err(fail(code::GROUP_NOT_FOUND, format!("topic {topic_id} does not exist"))),
    }
}

/// Raise `user`'s read sequence in `g` (a group or a topic); returns the new value.
pub fn set_read(st: &State, g: &Group, user: &str, seq: u64) -> Result<u64, ApiError> {
    if is_topic(g) {
        st.store.set_topic_read(g.sdkappid, &g.group_id, user, seq).map_err(internal)
    } else {
        st.store.set_group_read(g.sdkappid, &g.group_id, user, seq).map_err(internal)
    }
}

/// Address a message, tip or read item of a topic as the SDK expects: `GroupId` the community,
/// `TopicId` the topic, `MillionGroupFlag: 2`. Items of topic-enabled communities get the
/// flag too.
pub fn patch_wire(g: &Group, v: &mut Value) {
    let Some(obj) = v.as_object_mut() else { return };
    if is_topic(g) {
        let community = json!(member_group(g));
        obj.insert("ToGroupId".into(), community.clone());
        if let Some(info) = obj.get_mut("GroupInfo").and_then(Value::as_object_mut) {
            info.insert("GroupId".into(), community.clone());
            info.insert("GroupType".into(), json!(COMMUNITY));
            info.insert("TopicId".into(), json!(g.group_id));
            info.insert("MillionGroupFlag".into(), json!(2));
        }
        let reads = obj.get_mut("MsgBody").and_then(|b| b.get_mut("GroupReadInfoArray")).and_then(Value::as_array_mut);
        for item in reads.into_iter().flatten() {
            if let Some(item) = item.as_object_mut() {
                item.insert("GroupId".into(), community.clone());
                item.insert("TopicId".into(), json!(g.group_id));
            }
        }
    } else if supports_topic(g) {
        if let Some(info) = obj.get_mut("GroupInfo").and_then(Value::as_object_mut) {
            info.insert("MillionGroupFlag".into(), json!(2));
        }
    }
}

/// Topics have no members of their own: the SDK addresses them as GroupId = community plus
/// TopicId, and a topic ID as GroupId of a group command (join, members, a group named like a
/// topic) is refused with 10004.
pub(crate) fn refuse_topic_id(servcmd: &str, body: &Value) -> Option<Value> {
    if servcmd.starts_with("group_open_http_svc.") && body["GroupId"].as_str().is_some_and(|g| g.contains(TOPIC_MARK)) {
        return Some(
            fail(
                code::GROUP_INVALID_PARAMETERS,
                "address a topic with GroupId = its community and TopicId = the topic",
            )
            .into(),
        );
    }
    None
}

/// `million_group_open_http_svc.get_joined_group_list`: the topic-enabled communities the user
/// is in (the ordinary list leaves them out).
pub(crate) fn joined_communities(st: &State, who: &Who, body: &Value) -> Reply {
    let user = who.acting(body, "Member_Account");
    let mut all = st.store.joined_groups(who.sdkappid(), &user).map_err(internal)?;
    all.retain(|(g, _)| supports_topic(g));
    let offset = body["Offset"].as_u64().unwrap_or(0) as usize;
    let limit = body["Limit"].as_u64().filter(|l| *l > 0).unwrap_or(50).min(10_000) as usize;
    let list: Vec<Value> = all.iter().skip(offset).take(limit).map(|(g, m)| groups::group_obj(g, Some(m))).collect();
    Ok(ok_with(json!({"TotalCount": all.len(), "GroupIdList": list})))
}

/// The topic-enabled community of a topic command, and the caller's membership (`None` for the
/// REST admin). Non-members get 10007.
fn community(st: &State, who: &Who, body: &Value) -> Result<(Group, String, Option<Member>), ApiError> {
    let g = groups::load(st, who.sdkappid(), &groups::group_id_field(body)?)?;
    if !supports_topic(&g) {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("{} is not a topic-enabled community", g.group_id)));
    }
    let user = who.acting(body, "From_Account");
    let m = groups::require_member(st, who, &g, &user)?;
    Ok((g, user, m))
}

/// The topic IDs of a `TopicIdList` (strings, or objects with `TopicId`), without duplicates.
fn topic_ids(list: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in list.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        if let Some(id) = v.as_str().or_else(|| v["TopicId"].as_str()).filter(|s| !s.is_empty() && s.len() <= 128) {
            if !out.iter().any(|o| o == id) {
                out.push(id.to_string());
            }
        }
    }
    out
}

fn require_manager(who: &Who, m: &Option<Member>) -> Result<(), ApiError> {
    let manager = m.as_ref().is_some_and(|m| m.role == "Owner" || m.role == "Admin");
    if who.is_admin() || manager {
        Ok(())
    } else {
        Err(groups::deny("only the community owner and admins may manage topics"))
    }
}

fn text(body: &Value, key: &str, max: usize) -> Result<Option<String>, ApiError> {
    match &body[key] {
        Value::Null => Ok(None),
        Value::String(s) if s.len() <= max => Ok(Some(s.clone())),
        _ => Err(fail(code::GROUP_INVALID_PARAMETERS, format!("{key} must be a string of at most {max} bytes"))),
    }
}

/// A system notice about topics (`Event 5`, ReportType 17/18) to every community member except
/// the socket `except`.
fn topic_notice(st: &Cx<'_>, g: &Group, operator: &str, except: Option<u64>, body: Value, topic: Option<&str>) {
    let members = match st.store.members(g.sdkappid, &g.group_id) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, group = %g.group_id, "topic notice skipped");
            return;
        }
    };
    let random = u64::from(rand::random::<u32>());
    let mut info = json!({"GroupId": g.group_id, "GroupType": g.kind, "MillionGroupFlag": 2,
        "From_Account": operator});
    if let Some(t) = topic {
        info["TopicId"] = json!(t);
    }
    let mut body = body;
    body["Operator_Account"] = json!(operator);
    let item = json!({"From_Account": operator, "ToGroupId": g.group_id, "GroupInfo": info,
        "MsgSeq": random, "MsgRandom": random.wrapping_add(5), "MsgTimeStamp": now(), "MsgBody": body});
    let push = json!({"EventArray":[{"Event": event::GROUP_SYSTEM, "GroupTips":[item]}]});
    groups::push_members(st, g.sdkappid, &members, except, &push);
}

/// `create_topic` (`TopicName`, optional `TopicId` = community + `@TOPIC#_` + custom part,
/// `FaceUrl`, `Introduction`, `Notification`, `CustomString`): owner/admin only.
pub(crate) fn create_topic(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let (g, user, m) = community(st, who, body)?;
    require_manager(who, &m)?;
    let name = text(body, "TopicName", 150)?.unwrap_or_default();
    if name.is_empty() {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "TopicName must not be empty"));
    }
    let prefix = format!("{}{TOPIC_MARK}", g.group_id);
    let topic_id = match body["TopicId"].as_str().filter(|t| !t.is_empty()) {
        Some(t) => {
            let suffix = t.strip_prefix(&prefix).unwrap_or("");
            if suffix.is_empty() || suffix.len() > 48 || !suffix.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(fail(
                    code::GROUP_INVALID_PARAMETERS,
                    format!("TopicId must be {prefix} followed by 1 to 48 printable ASCII bytes"),
                ));
            }
            t.to_string()
        }
        None => {
            const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            let tail: String = (0..10).map(|_| char::from(ALNUM[rand::random::<usize>() % ALNUM.len()])).collect();
            format!("{prefix}{tail}")
        }
    };
    let info = TopicInfo {
        name,
        face_url: text(body, "FaceUrl", 500)?.unwrap_or_default(),
        introduction: text(body, "Introduction", 400)?.unwrap_or_default(),
        notification: text(body, "Notification", 400)?.unwrap_or_default(),
        custom_string: text(body, "CustomString", 3000)?.unwrap_or_default(),
        shut_up_all: false,
        creator: user.clone(),
    };
    let t = Group {
        sdkappid: g.sdkappid,
        group_id: topic_id.clone(),
        kind: TOPIC.into(),
        owner: g.owner.clone(),
        create_time: now(),
        info: serde_json::to_string(&info).unwrap_or_default(),
        ..Group::default()
    };
    if !st.store.create_group(&t, &[]).map_err(internal)? {
        return Err(fail(code::GROUP_ID_IN_USE, format!("topic ID {topic_id} is already in use")));
    }
    topic_notice(st, &g, &user, who.conn_id(), json!({"ReportType": 17}), Some(&topic_id));
    Ok(ok_with(json!({"TopicId": topic_id})))
}

/// `destroy_topic` (`TopicIdList`; empty or missing: every topic): owner/admin only; one result
/// per topic in `DestroyResultItem`.
pub(crate) fn destroy_topic(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let (g, user, m) = community(st, who, body)?;
    require_manager(who, &m)?;
    let asked = topic_ids(&body["TopicIdList"]);
    let ids: Vec<String> = if asked.is_empty() {
        st.store.topics(g.sdkappid, &g.group_id).map_err(internal)?.into_iter().map(|t| t.group_id).collect()
    } else {
        asked
    };
    let (mut results, mut deleted) = (Vec::new(), Vec::new());
    for id in ids {
        let belongs = community_of(&id) == Some(g.group_id.as_str());
        let gone = belongs && st.store.group(g.sdkappid, &id).map_err(internal)?.is_some_and(|t| is_topic(&t));
        if gone && st.store.destroy_group(g.sdkappid, &id).map_err(internal)? {
            st.store.clear_room_state(g.sdkappid, &id).map_err(internal)?;
            results.push(json!({"TopicId": id, "ErrorCode": 0, "ErrorInfo": ""}));
            deleted.push(id);
        } else {
            results.push(json!({"TopicId": id, "ErrorCode": code::GROUP_NOT_FOUND,
                "ErrorInfo": "topic does not exist"}));
        }
    }
    if !deleted.is_empty() {
        topic_notice(st, &g, &user, who.conn_id(), json!({"ReportType": 18, "TopicIdArray": deleted}), None);
    }
    Ok(ok_with(json!({"DestroyResultItem": results})))
}

/// `modify_topic` (`TopicId` and any of `TopicName`, `FaceUrl`, `Introduction`,
/// `Notification`, `CustomString`, `ShutUpAllMember` `"On"`/`"Off"`): owner/admin only; tip 8
/// with the changed fields in the topic.
pub(crate) fn modify_topic(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let (g, user, m) = community(st, who, body)?;
    require_manager(who, &m)?;
    let topic_id = body["TopicId"].as_str().unwrap_or("");
    let t = target(st, g, &json!({"TopicId": topic_id}))?;
    if !is_topic(&t) {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "TopicId is missing"));
    }
    let mut info = topic_info(&t);
    let mut new_info = json!({});
    if let Some(v) = text(body, "TopicName", 150)? {
        if v.is_empty() {
            return Err(fail(code::GROUP_INVALID_PARAMETERS, "TopicName must not be empty"));
        }
        new_info["TopicName"] = json!(v);
        info.name = v;
    }
    if let Some(v) = text(body, "FaceUrl", 500)? {
        new_info["TopicFaceUrl"] = json!(v);
        info.face_url = v;
    }
    if let Some(v) = text(body, "Introduction", 400)? {
        new_info["TopicIntroduction"] = json!(v);
        info.introduction = v;
    }
    if let Some(v) = text(body, "Notification", 400)? {
        new_info["TopicNotification"] = json!(v);
        info.notification = v;
    }
    if let Some(v) = text(body, "CustomString", 3000)? {
        new_info["CustomString"] = json!(v);
        info.custom_string = v;
    }
    if let Some(v) = text(body, "ShutUpAllMember", 8)? {
        if v != "On" && v != "Off" {
            return Err(fail(code::GROUP_INVALID_PARAMETERS, "ShutUpAllMember must be \"On\" or \"Off\""));
        }
        info.shut_up_all = v == "On";
        new_info["ShutupAll"] = json!(u32::from(info.shut_up_all));
    }
    st.store
        .save_group_info(t.sdkappid, &t.group_id, &serde_json::to_string(&info).unwrap_or_default(), now())
        .map_err(internal)?;
    let t = groups::load(st, t.sdkappid, &t.group_id)?;
    groups::tip(st, who, &t, &user, json!({"OpType": 8, "Operator_Account": user, "MsgTopicNewInfo": new_info}))?;
    Ok(ok())
}

/// A topic's last message or tip as `get_topic` gives it (`LastMsg`): the item as it travels,
/// plus `LastMsgSeq` and a top-level `From_AccountNick` (tim-js-sdk's reply key map reads the
/// sequence and nick from those); `None` for an empty topic.
fn last_msg(st: &State, t: &Group) -> Result<Option<Value>, ApiError> {
    let Some(last) = st.store.group_msgs(t.sdkappid, &t.group_id, u64::MAX, 1).map_err(internal)?.pop() else {
        return Ok(None);
    };
    let mut v = groups::group_msg_wire(t, &last);
    v["LastMsgSeq"] = json!(last.msg_seq);
    v["From_AccountNick"] = json!(last.nick);
    Ok(Some(v))
}

/// Until when `user` is muted in topic `t` (0 when not muted now).
fn mute_until(st: &State, t: &Group, user: &str) -> Result<u64, ApiError> {
    let until = st.store.topic_mute(t.sdkappid, &t.group_id, user).map_err(internal)?;
    Ok(if until > now() { until } else { 0 })
}

/// May this community member send into topic `t` (B-spec §4.17.3, §4.13.2)? Muted in the topic
/// (10017), or everyone but the owner and admins while the topic is muted (10017). The
/// community's own mutes were checked before. Nothing for a group that is not a topic or for the
/// REST admin.
pub fn check_may_send(st: &State, who: &Who, t: &Group, m: Option<&Member>) -> Result<(), ApiError> {
    let Some(m) = m.filter(|_| is_topic(t)) else { return Ok(()) };
    let until = mute_until(st, t, &m.user)?;
    if until > 0 {
        return Err(fail(
            code::GROUP_MEMBER_MUTED,
            format!("{} is muted in this topic for another {} s", m.user, until - now()),
        ));
    }
    let manager = m.role == "Owner" || m.role == "Admin";
    if !manager && !who.is_admin() && topic_info(t).shut_up_all {
        return Err(fail(code::GROUP_MEMBER_MUTED, "all members are muted in this topic"));
    }
    Ok(())
}

/// Mute `target` in topic `t` for `secs` seconds (0: unmute), already permitted; tip 7 in the
/// topic (`MsgMemberExtraInfo [{Member_Account, ShutupTime}]`), so the topic's conversation
/// shows it.
pub fn mute(st: &Cx<'_>, who: &Who, t: &Group, member_num: u64, operator: &str, target: &str, secs: u64) -> Reply {
    let until = if secs == 0 { 0 } else { now().saturating_add(secs) };
    st.store.set_topic_mute(t.sdkappid, &t.group_id, target, until).map_err(internal)?;
    groups::tip(
        st,
        who,
        t,
        operator,
        json!({"OpType": 7, "Operator_Account": operator, "List_Account": [target],
            "MsgMemberExtraInfo": [{"Member_Account": target, "ShutupTime": secs}], "MemberNum": member_num}),
    )?;
    Ok(ok())
}

/// The @-tips of a message stored in topic `t` (`Event 12`, WIRE.md §5.5, with `TopicId` and
/// `MillionGroupFlag: 2`): pushed to each community member it @-mentions (`AtFlagList` 1 @me,
/// 2 @all, 3 both), the sender excepted. A named mention (1, 3) is also kept for the member
/// ([`crate::store::NoticeStore`], marked `Event 12`), so one who was offline gets it from
/// `getmsg` at the next sync; it is forgotten when the member reads past it, or by
/// `openim.deletemsg` (tim-js-sdk deletes community @-tips by `ClientSeq` and `MsgRandom`, and
/// never @all ones, so those are pushed only).
pub fn at_tips(st: &Cx<'_>, t: &Group, m: &GroupMsg, members: &[Member], list: &[Value]) {
    let all = list.iter().any(|a| a["GroupAtAllFlag"].as_u64() == Some(1));
    let named: Vec<&str> = list.iter().filter_map(|a| a["GroupAt_Account"].as_str()).collect();
    let community = member_group(t);
    let mut kept = Vec::new();
    let mut pushes = Vec::new();
    for member in members.iter().filter(|x| x.user != m.from) {
        let flag = match (named.contains(&member.user.as_str()), all) {
            (true, true) => 3,
            (true, false) => 1,
            (false, true) => 2,
            (false, false) => continue,
        };
        let item = json!({"From_Account": m.from, "ToGroupId": community,
            "GroupInfo": {"GroupId": community, "GroupType": COMMUNITY, "TopicId": t.group_id, "MillionGroupFlag": 2},
            "MsgSeq": m.msg_seq, "MsgRandom": m.random, "ClientSeq": m.msg_seq, "MsgTimeStamp": m.msg_time,
            "MsgBody": {"GroupId": community, "TopicId": t.group_id, "From_Account": m.from,
                "AtMsgSeq": m.msg_seq, "AtFlagList": [flag]}});
        if flag != 2 {
            let mut stored = item.clone();
            stored["Event"] = json!(event::GROUP_AT);
            kept.push((member.user.clone(), stored.to_string()));
        }
        pushes.push((member.user.as_str(), item));
    }
    if !kept.is_empty() {
        if let Err(e) = st.store.store_notices(t.sdkappid, &kept, now()) {
            tracing::warn!(error = %e, topic = %t.group_id, "topic @-tips not kept for offline delivery");
        }
    }
    for (user, item) in pushes {
        let push = json!({"EventArray":[{"Event": event::GROUP_AT, "GroupTips":[item]}]});
        st.push_user(t.sdkappid, user, None, &push);
    }
}

/// After `msg_read_report` on topic `t` (only then: sending does not clear @-tips, as in
/// tim-js-sdk): forget `user`'s kept @-tips of the topic up to sequence `read`.
pub fn forget_at_tips(st: &State, t: &Group, user: &str, read: u64) -> Result<(), ApiError> {
    if !is_topic(t) {
        return Ok(());
    }
    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let page = st.store.notices_after(t.sdkappid, user, after, 500).map_err(internal)?;
        let Some(last) = page.last().map(|(id, _)| *id) else { break };
        for (id, text) in &page {
            let item: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            let at = &item["MsgBody"];
            if item["Event"] == event::GROUP_AT
                && at["TopicId"] == t.group_id.as_str()
                && at["AtMsgSeq"].as_u64().is_some_and(|s| s <= read)
            {
                ids.push(*id);
            }
        }
        after = last;
    }
    if !ids.is_empty() {
        st.store.delete_notices(t.sdkappid, user, &ids).map_err(internal)?;
    }
    Ok(())
}

fn topic_obj(st: &State, t: &Group, user: &str) -> Result<Value, ApiError> {
    let info = topic_info(t);
    let read = st.store.topic_read(t.sdkappid, &t.group_id, user).map_err(internal)?;
    let mut item = json!({
        "TopicInfo": {"TopicId": t.group_id, "GroupId": member_group(t), "TopicName": info.name, "FaceUrl": info.face_url,
            "Introduction": info.introduction, "Notification": info.notification,
            "CustomString": info.custom_string, "ShutUpAllFlag": u32::from(info.shut_up_all),
            "CreateTime": t.create_time, "Owner_Account": t.owner, "LastMsgTime": t.last_msg_time,
            "NextMsgSeq": t.next_msg_seq, "LastMsgSeq": t.next_msg_seq.saturating_sub(1),
            "InfoSeq": t.info_seq, "LastInfoTime": t.last_info_time},
        "SelfInfo": {"MsgSeq": read, "ShutUpTime": mute_until(st, t, user)?, "MsgFlag": "AcceptAndNotify",
            "NoUnreadSeqList": []},
        "ErrorCode": 0, "ErrorInfo": "",
    });
    if let Some(last) = last_msg(st, t)? {
        item["TopicInfo"]["LastMsg"] = last;
    }
    Ok(item)
}

/// `get_topic` (`TopicIdList`; empty or missing: every topic): members only; one
/// `TopicAndSelfInfo` item per topic, with the caller's read sequence.
pub(crate) fn get_topic(st: &State, who: &Who, body: &Value) -> Reply {
    let (g, user, _) = community(st, who, body)?;
    let asked = topic_ids(&body["TopicIdList"]);
    let mut items = Vec::new();
    if asked.is_empty() {
        for t in st.store.topics(g.sdkappid, &g.group_id).map_err(internal)? {
            items.push(topic_obj(st, &t, &user)?);
        }
    } else {
        for id in asked {
            match target(st, g.clone(), &json!({"TopicId": id})) {
                Ok(t) if is_topic(&t) => items.push(topic_obj(st, &t, &user)?),
                _ => items.push(json!({"TopicInfo": {"TopicId": id}, "SelfInfo": {},
                    "ErrorCode": code::GROUP_NOT_FOUND, "ErrorInfo": "topic does not exist"})),
            }
        }
    }
    Ok(ok_with(json!({"GroupId": g.group_id, "TopicAndSelfInfo": items})))
}

/// After a group was dismissed: forget its bans and attributes, and for a community delete
/// its topics (messages included).
pub fn on_group_destroyed(st: &State, g: &Group) {
    if let Err(e) = st.store.clear_room_state(g.sdkappid, &g.group_id) {
        tracing::warn!(error = %e, group = %g.group_id, "room state of a dismissed group not cleared");
    }
    if g.kind != COMMUNITY {
        return;
    }
    match st.store.topics(g.sdkappid, &g.group_id) {
        Ok(topics) => {
            for t in topics {
                let _ = st.store.destroy_group(g.sdkappid, &t.group_id);
                let _ = st.store.clear_room_state(g.sdkappid, &t.group_id);
            }
        }
        Err(e) => tracing::warn!(error = %e, group = %g.group_id, "topics of a dismissed community not deleted"),
    }
}

/// The `SupportTopic` flag of a new group (communities only).
pub fn support_topic_flag(kind: &str, body: &Value) -> u64 {
    u64::from(kind == COMMUNITY && (body["SupportTopic"].as_u64() == Some(1) || body["SupportTopic"] == true))
}

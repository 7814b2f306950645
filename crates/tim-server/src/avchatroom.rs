//! AVChatRoom (live-stream rooms, B-conversations-groups.md §4.1, §4.13, §4.15): joins that
//! need no approval and keep no member profile, messages and tips that are pushed but never
//! stored (they still take the group's sequence, so the SDK's sequence dedup works), the recent
//! member list, the online count, owner bans with a duration, and group attributes.
//!
//! How the official SDK receives room traffic: `apply_join_group` answers `HugeGroupFlag: 1`
//! without a `LongPollingKey`, so tim-js-sdk 2.27.6 treats the room as joined and takes its
//! messages and tips from the ordinary WebSocket pushes (no `group_open_long_polling_http_svc`
//! loop). See `docs/protocol.md`.
//!
//! Room members are rows of `group_members` (shared by every node), so fan-out, counts and the
//! member list are the same on every node. A member whose sockets are all gone is removed after
//! `avchatroom_offline_grace_secs` (a reconnect within the grace keeps the membership, since the
//! SDK does not join again after reconnecting). Rate limits are counted per node.

use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tim_proto::cmd::event;
use tim_proto::code;

use crate::api::cx::Cx;
use crate::api::reply::{ensure_user, fail, internal, ok, ok_with, ApiError, Reply, Who, GROUP_ACCOUNT};
use crate::groups::{self};
use crate::store::{Group, GroupMsg, Member, MemberUpdate};
use crate::{now, State};

/// The wire type of an AVChatRoom.
pub const KIND: &str = "AVChatRoom";

/// Most attribute keys per room.
pub const MAX_ATTR_KEYS: usize = 16;
/// Largest attribute key, in bytes.
pub const MAX_ATTR_KEY_BYTES: usize = 32;
/// Largest attribute value, in bytes.
pub const MAX_ATTR_VALUE_BYTES: usize = 4 * 1024;
/// Largest attribute map (keys + values), in bytes.
pub const MAX_ATTR_TOTAL_BYTES: usize = 16 * 1024;
/// Attribute writes allowed per user and second.
pub const ATTR_WRITES_PER_SEC: usize = 5;
/// Minimum interval between two member-list calls of one user.
pub const MEMBER_LIST_INTERVAL: Duration = Duration::from_secs(3);
/// Most members in one member-list reply.
pub const MEMBER_LIST_PAGE: usize = 500;
/// How long the SDK may cache the online count, in seconds (`ExpireTime`).
pub const ONLINE_COUNT_TTL_SECS: u64 = 5;

/// Per-node rate-limit state.
#[derive(Debug, Default)]
pub struct Rooms {
    member_list: Mutex<HashMap<(u64, String), Instant>>,
    attr_writes: Mutex<HashMap<(u64, String), VecDeque<Instant>>>,
}

impl Rooms {
    /// True when the user may list members now (and records the call).
    fn allow_member_list(&self, sdkappid: u64, user: &str) -> bool {
        let mut map = self.member_list.lock().unwrap_or_else(|e| e.into_inner());
        let t = Instant::now();
        if map.len() > 10_000 {
            map.retain(|_, last| t.duration_since(*last) < MEMBER_LIST_INTERVAL);
        }
        match map.get(&(sdkappid, user.to_string())) {
            Some(last) if t.duration_since(*last) < MEMBER_LIST_INTERVAL => false,
            _ => {
                map.insert((sdkappid, user.to_string()), t);
                true
            }
        }
    }

    /// True when the user may write attributes now (and records the write).
    fn allow_attr_write(&self, sdkappid: u64, user: &str) -> bool {
        let mut map = self.attr_writes.lock().unwrap_or_else(|e| e.into_inner());
        let t = Instant::now();
        let second = Duration::from_secs(1);
        if map.len() > 10_000 {
            map.retain(|_, q| q.back().is_some_and(|last| t.duration_since(*last) < second));
        }
        let q = map.entry((sdkappid, user.to_string())).or_default();
        while q.front().is_some_and(|first| t.duration_since(*first) >= second) {
            q.pop_front();
        }
        if q.len() >= ATTR_WRITES_PER_SEC {
            return false;
        }
        q.push_back(t);
        true
    }
}

/// Whether the group is an AVChatRoom.
pub fn is_room(g: &Group) -> bool {
    g.kind == KIND
}

fn banned_error(until: u64) -> ApiError {
    fail(code::GROUP_PERMISSION_DENY, format!("banned from this AVChatRoom until {until}"))
}

/// `apply_join_group` on an AVChatRoom: free, refused while banned, idempotent (a member who
/// joins again, e.g. after a page reload, gets `JoinedSuccess` again and no tip).
pub fn join(st: &Cx<'_>, who: &Who, g: &Group, user: &str) -> Reply {
    let sdkappid = g.sdkappid;
    let until = st.store.room_ban(sdkappid, &g.group_id, user).map_err(internal)?;
    if until > now() {
        return Err(banned_error(until));
    }
    ensure_user(st, who, sdkappid, user, GROUP_ACCOUNT)?;
    let added =
        st.store.add_members(sdkappid, &g.group_id, &[groups::new_member(user, "Member", now())]).map_err(internal)?;
    if !added.is_empty() {
        let g = groups::load(st, sdkappid, &g.group_id)?;
        groups::tip(
            st,
            who,
            &g,
            user,
            json!({"OpType": 1, "Operator_Account": user, "List_Account": [user], "MemberNum": g.member_num}),
        )?;
    }
    // No LongPollingKey: the SDK then takes the room's traffic from the WebSocket pushes.
    Ok(ok_with(json!({"JoinedStatus": "JoinedSuccess", "HugeGroupFlag": 1, "ToGroupId": g.group_id})))
}

/// A tip in an AVChatRoom: it takes the next sequence and is pushed to the room, not stored.
pub fn tip(st: &Cx<'_>, who: &Who, g: &Group, operator: &str, body: Value) -> Result<(), ApiError> {
    let t = now();
    let Some(seq) = st.store.bump_group_seq(g.sdkappid, &g.group_id, t).map_err(internal)? else {
        return Ok(());
    };
    let msg = GroupMsg {
        sdkappid: g.sdkappid,
        group_id: g.group_id.clone(),
        msg_seq: seq,
        from: operator.to_string(),
        random: u64::from(rand::random::<u32>()),
        msg_time: t,
        client_time: t,
        body: body.to_string(),
        extra: "{}".into(),
        event: event::GROUP_TIP,
        ..GroupMsg::default()
    };
    let members = st.store.members(g.sdkappid, &g.group_id).map_err(internal)?;
    let push = json!({"EventArray":[{"Event": event::GROUP_TIP, "GroupTips":[groups::group_msg_wire(g, &msg)]}]});
    groups::push_members(st, g.sdkappid, &members, who.conn_id(), &push);
    Ok(())
}

/// `send_group_msg` in an AVChatRoom, after the sender's checks: the message takes the next
/// sequence and is pushed to the room's members; it is not stored (no history, no unread, and
/// no resend dedup).
pub fn send(st: &Cx<'_>, who: &Who, g: &Group, mut msg: GroupMsg) -> Reply {
    let Some(seq) = st.store.bump_group_seq(g.sdkappid, &g.group_id, msg.msg_time).map_err(internal)? else {
        return Err(fail(code::GROUP_NOT_FOUND, "group does not exist"));
    };
    msg.msg_seq = seq;
    let members = st.store.members(g.sdkappid, &g.group_id).map_err(internal)?;
    let push = json!({"EventArray":[{"Event": event::GROUP_MSG, "GroupMsgArray":[groups::group_msg_wire(g, &msg)]}]});
    groups::push_members(st, g.sdkappid, &members, who.conn_id(), &push);
    Ok(ok_with(json!({"MsgSeq": seq, "MsgTime": msg.msg_time})))
}

/// `group_msg_get` on an AVChatRoom: nothing is stored.
pub fn history(g: &Group) -> Option<Value> {
    is_room(g).then(|| {
        ok_with(json!({"GroupId": g.group_id, "RspMsgList": [], "IsFinished": 1, "InvisibleMsgSeq": [],
            "NextReqMsgSeq": 0}))
    })
}

/// A room (AVChatRoom) or 10004 for other types; 10010 if missing.
fn load_room(st: &State, who: &Who, body: &Value) -> Result<Group, ApiError> {
    let g = groups::load(st, who.sdkappid(), &groups::group_id_field(body)?)?;
    if !is_room(&g) {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("{} is not an AVChatRoom", g.group_id)));
    }
    Ok(g)
}

/// `get_online_member_num`: the room's current members; 0 for other group types.
pub(crate) fn online_member_num(st: &State, who: &Who, body: &Value) -> Reply {
    let g = groups::load(st, who.sdkappid(), &groups::group_id_field(body)?)?;
    let n = if is_room(&g) { g.member_num } else { 0 };
    Ok(ok_with(json!({"OnlineMemberNum": n, "ExpireTime": ONLINE_COUNT_TTL_SECS})))
}

/// `group_open_avchatroom_http_svc.get_members`: the most recent members (newest first), at
/// most `avchatroom_member_list_max`, in pages of 500; `Timestamp`/`NextTimestamp` is the
/// position in that list (0 = start / finished). Once per 3 s per user (10006).
pub(crate) fn get_members(st: &State, who: &Who, body: &Value) -> Reply {
    let g = load_room(st, who, body)?;
    let user = who.acting(body, "From_Account");
    groups::require_member(st, who, &g, &user)?;
    if !who.is_admin() && !st.rooms.allow_member_list(g.sdkappid, &user) {
        return Err(fail(code::GROUP_RATE_LIMITED, "the AVChatRoom member list may be read once per 3 seconds"));
    }
    let cap = st.config.avchatroom_member_list_max.clamp(1, 1000);
    let mut members = st.store.members(g.sdkappid, &g.group_id).map_err(internal)?;
    if let Some(mark) = body["Mark"].as_u64().filter(|m| *m > 0) {
        members.retain(|m| marks_of(m).contains(&mark));
    }
    // Newest first; the store gives join order, so equal join times stay newest first too.
    members.reverse();
    members.sort_by_key(|m| std::cmp::Reverse(m.join_time));
    members.truncate(cap);
    let start = body["Timestamp"].as_u64().unwrap_or(0) as usize;
    let page: Vec<Value> = members
        .iter()
        .skip(start)
        .take(MEMBER_LIST_PAGE)
        .map(|m| {
            let (nick, face) = match st.store.account(g.sdkappid, &m.user) {
                Ok(Some(a)) => (a.nick, a.face_url),
                _ => (String::new(), String::new()),
            };
            json!({"Member_Account": m.user, "NickName": nick, "ImageUrl": face, "JoinTime": m.join_time})
        })
        .collect();
    let next = start + page.len();
    let next = if next < members.len() { next } else { 0 };
    Ok(ok_with(json!({"MemberList": page, "NextTimestamp": next})))
}

/// `ban_group_member` (`Members_Account`, `Duration` > 0, `Description`): the owner (or the
/// REST admin) removes members from the room and bans them until now + `Duration`. The banned
/// get system notice 21 (the SDK drops the room); the room gets tip 10.
pub(crate) fn ban(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let g = load_room(st, who, body)?;
    let user = who.acting(body, "From_Account");
    if !who.is_admin() && g.owner != user {
        return Err(groups::deny("only the owner may ban AVChatRoom members"));
    }
    let duration = body["Duration"].as_u64().unwrap_or(0);
    if duration == 0 || duration > 10 * 365 * 24 * 3600 {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "Duration must be a number of seconds greater than 0"));
    }
    let mut targets = groups::accounts(&body["Members_Account"], "Member_Account");
    targets.retain(|t| t != &g.owner);
    targets.sort();
    targets.dedup();
    if targets.is_empty() {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "Members_Account lists nobody who can be banned"));
    }
    if targets.len() > 500 {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "at most 500 members per call"));
    }
    let until = now().saturating_add(duration);
    for t in &targets {
        st.store.set_room_ban(g.sdkappid, &g.group_id, t, until).map_err(internal)?;
    }
    st.store.remove_members(g.sdkappid, &g.group_id, &targets).map_err(internal)?;
    let reason = groups::str_field(body, "Description").to_string();
    let g = groups::load(st, g.sdkappid, &g.group_id)?;
    groups::notice(
        st,
        &g,
        &user,
        &targets,
        None,
        json!({"ReportType": 21, "BanDuration": duration, "BanDescription": reason, "RemarkInfo": reason}),
    );
    tip(
        st,
        who,
        &g,
        &user,
        json!({"OpType": 10, "Operator_Account": user, "List_Account": targets, "BanDuration": duration,
            "BanDescription": reason, "MemberNum": g.member_num}),
    )?;
    Ok(ok())
}

/// `unban_group_member` (REST, or the owner): lift bans; the room gets tip 11.
pub(crate) fn unban(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let g = load_room(st, who, body)?;
    let user = who.acting(body, "From_Account");
    if !who.is_admin() && g.owner != user {
        return Err(groups::deny("only the owner or the app admin may lift bans"));
    }
    let targets = groups::accounts(&body["Members_Account"], "Member_Account");
    if targets.is_empty() {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "Members_Account is empty"));
    }
    let mut lifted = Vec::new();
    for t in &targets {
        if st.store.set_room_ban(g.sdkappid, &g.group_id, t, 0).map_err(internal)? {
            lifted.push(t.clone());
        }
    }
    if !lifted.is_empty() {
        tip(
            st,
            who,
            &g,
            &user,
            json!({"OpType": 11, "Operator_Account": user, "List_Account": lifted, "MemberNum": g.member_num}),
        )?;
    }
    Ok(ok())
}

/// `get_group_ban_member` (REST, or the owner) `{GroupId, Limit?, Offset?}`: the current bans,
/// `BannedAccountList: [{Member_Account, BannedUntil}]`, `NextOffset` (0 = done).
pub(crate) fn banned(st: &State, who: &Who, body: &Value) -> Reply {
    let g = load_room(st, who, body)?;
    let user = who.acting(body, "From_Account");
    if !who.is_admin() && g.owner != user {
        return Err(groups::deny("only the owner or the app admin may list bans"));
    }
    let all = st.store.room_bans(g.sdkappid, &g.group_id, now()).map_err(internal)?;
    let offset = body["Offset"].as_u64().unwrap_or(0) as usize;
    let limit = body["Limit"].as_u64().filter(|l| *l > 0).unwrap_or(100).min(100) as usize;
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(u, until)| json!({"Member_Account": u, "BannedUntil": until}))
        .collect();
    let next = offset + page.len();
    Ok(ok_with(json!({"BannedAccountList": page, "NextOffset": if next < all.len() { next } else { 0 }})))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrOp {
    /// `set_group_attr` (`initGroupAttributes`): replace all.
    Init,
    /// `modify_group_attr` (`setGroupAttributes`): upsert.
    Modify,
    /// `delete_group_attr`: delete the listed keys.
    Delete,
    /// `clear_group_attr`: delete all.
    Clear,
}

/// Whether a group of this stored kind has attributes: every group type (AVChatRoom, Work,
/// Public, Meeting, Community, as Tencent's current documentation has it), not topics.
pub fn has_attrs(kind: &str) -> bool {
    kind != crate::topics::TOPIC && groups::TYPES.contains(&kind)
}

/// The group of an attribute call: 2641 for a topic, 2642 when the caller is not a member.
fn attr_room(st: &State, who: &Who, body: &Value) -> Result<(Group, String), ApiError> {
    let g = groups::load(st, who.sdkappid(), &groups::group_id_field(body)?)?;
    if !has_attrs(&g.kind) {
        return Err(fail(code::GROUP_ATTR_NOT_AVCHATROOM, "topics have no group attributes"));
    }
    let user = who.acting(body, "From_Account");
    if !who.is_admin() && groups::membership(st, &g, &user)?.is_none() {
        return Err(fail(code::GROUP_ATTR_NOT_JOINED, "join the group before using its attributes"));
    }
    Ok((g, user))
}

/// The stored map: key → `{"value", "seq"}`.
fn parse_attrs(text: &str) -> Map<String, Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The wire list `[{key, value, seq}]` of a stored map.
fn attr_list(map: &Map<String, Value>) -> Vec<Value> {
    map.iter().map(|(k, v)| json!({"key": k, "value": v["value"], "seq": v["seq"]})).collect()
}

/// `GroupAttr` items of a write request: (key, value, the seq the client last saw).
fn attr_items(body: &Value) -> Result<Vec<(String, String, u64)>, ApiError> {
    let list = match &body["GroupAttr"] {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        _ => return Err(fail(code::GROUP_INVALID_PARAMETERS, "GroupAttr must be an array")),
    };
    let mut out = Vec::new();
    for item in list {
        let key = item["key"].as_str().or_else(|| item["Key"].as_str()).unwrap_or("");
        if key.is_empty() || key.len() > MAX_ATTR_KEY_BYTES {
            return Err(fail(
                code::GROUP_INVALID_PARAMETERS,
                format!("attribute keys must be 1 to {MAX_ATTR_KEY_BYTES} bytes"),
            ));
        }
        let value = match &item["value"] {
            Value::String(v) => v.clone(),
            Value::Null => item["Value"].as_str().unwrap_or("").to_string(),
            _ => return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("the value of {key:?} must be a string"))),
        };
        if value.len() > MAX_ATTR_VALUE_BYTES {
            return Err(fail(
                code::GROUP_INVALID_PARAMETERS,
                format!("the value of {key:?} is larger than {MAX_ATTR_VALUE_BYTES} bytes"),
            ));
        }
        out.push((key.to_string(), value, item["seq"].as_u64().unwrap_or(0)));
    }
    Ok(out)
}

fn check_limits(map: &Map<String, Value>) -> Result<(), ApiError> {
    if map.len() > MAX_ATTR_KEYS {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("at most {MAX_ATTR_KEYS} attributes per room")));
    }
    let total: usize = map.iter().map(|(k, v)| k.len() + v["value"].as_str().map_or(0, str::len)).sum();
    if total > MAX_ATTR_TOTAL_BYTES {
        return Err(fail(
            code::GROUP_INVALID_PARAMETERS,
            format!("the attributes are larger than {MAX_ATTR_TOTAL_BYTES} bytes in total"),
        ));
    }
    Ok(())
}

/// Attribute writes (WIRE names: `GroupAttr:[{key,value,seq}]`, `AttrMainSeq`, `AttrControl`).
/// With `AttrControl: ["RaceConflict"]` and a non-zero `AttrMainSeq` that is not the room's
/// current main sequence, or a non-zero per-key `seq` that is not the key's, the write is
/// refused with 10056 (0 means "not read yet": the SDK sends 0 right after joining). After each
/// write the room gets the full map (an `Event 6` tip the SDK turns into
/// `GROUP_ATTRIBUTES_UPDATED`).
pub(crate) fn write_attrs(st: &Cx<'_>, who: &Who, body: &Value, op: AttrOp) -> Reply {
    let (g, user) = attr_room(st, who, body)?;
    let items = if matches!(op, AttrOp::Clear) { Vec::new() } else { attr_items(body)? };
    if matches!(op, AttrOp::Init | AttrOp::Modify | AttrOp::Delete) && items.is_empty() {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "GroupAttr is empty"));
    }
    if !who.is_admin() && !st.rooms.allow_attr_write(g.sdkappid, &user) {
        return Err(fail(code::GROUP_ATTR_RATE_LIMITED, "group attribute writes are limited to 5 per second"));
    }
    let race = body["AttrControl"].as_array().is_some_and(|a| a.iter().any(|c| c == "RaceConflict"));
    let client_main = body["AttrMainSeq"].as_u64().unwrap_or(0);
    // Compare-and-swap on the main sequence; another node's write in between means retry
    // (or a conflict when the client asked for the check).
    for _ in 0..8 {
        let (main, text) = st.store.group_attrs(g.sdkappid, &g.group_id).map_err(internal)?;
        let mut map = parse_attrs(&text);
        if race && client_main != 0 && client_main != main {
            return Err(fail(code::GROUP_ATTR_CONFLICT, "the attributes changed meanwhile; read them and retry"));
        }
        if race {
            for (key, _, seq) in &items {
                let stored = map.get(key).and_then(|v| v["seq"].as_u64()).unwrap_or(0);
                if *seq != 0 && map.contains_key(key) && *seq != stored {
                    return Err(fail(code::GROUP_ATTR_CONFLICT, format!("attribute {key:?} changed meanwhile")));
                }
            }
        }
        let new_main = main + 1;
        let mut written = Vec::new();
        match op {
            AttrOp::Init | AttrOp::Modify => {
                if op == AttrOp::Init {
                    map.clear();
                }
                for (key, value, _) in &items {
                    let seq = map.get(key).and_then(|v| v["seq"].as_u64()).unwrap_or(0) + 1;
                    map.insert(key.clone(), json!({"value": value, "seq": seq}));
                    written.push(json!({"key": key, "value": value, "seq": seq}));
                }
                check_limits(&map)?;
            }
            AttrOp::Delete => {
                for (key, _, _) in &items {
                    if map.remove(key).is_some() {
                        written.push(json!({"key": key}));
                    }
                }
            }
            AttrOp::Clear => map.clear(),
        }
        let text = Value::Object(map.clone()).to_string();
        if !st.store.cas_group_attrs(g.sdkappid, &g.group_id, main, new_main, &text).map_err(internal)? {
            if race && client_main != 0 {
                return Err(fail(code::GROUP_ATTR_CONFLICT, "the attributes changed meanwhile; read them and retry"));
            }
            continue;
        }
        push_attrs(st, who, &g, &user, new_main, &map);
        return Ok(ok_with(json!({"AttrMainSeq": new_main, "GroupAttr": written})));
    }
    Err(fail(code::GROUP_ATTR_CONFLICT, "too many concurrent attribute writes; retry"))
}

/// Push the full map to the room (`Event 6`, online only): `MsgGroupNewInfo.GroupAttrOption`
/// with `OpType 1` (replace all) and `PushChangedAttrValFlag 1`, so an SDK one version behind
/// applies it directly and any other refetches with `get_group_attr`.
fn push_attrs(st: &Cx<'_>, who: &Who, g: &Group, operator: &str, main: u64, map: &Map<String, Value>) {
    let info: Vec<Value> =
        map.iter().map(|(k, v)| json!({"key": k, "Val": v["value"], "SubKeySeq": v["seq"]})).collect();
    let random = u64::from(rand::random::<u32>());
    let item = json!({
        "From_Account": operator, "ToGroupId": g.group_id,
        "GroupInfo": {"GroupId": g.group_id, "GroupType": g.kind},
        "MsgSeq": random, "MsgRandom": random.wrapping_add(3), "MsgTimeStamp": now(), "Event": event::GROUP_ONLINE,
        "MsgBody": {"OpType": 6, "Operator_Account": operator,
            "MsgGroupNewInfo": {"GroupAttrOption": {"OpType": 1, "GroupAttrSeq": main,
                "PushChangedAttrValFlag": 1, "GroupAttrInfo": info}}},
    });
    let push = json!({"EventArray":[{"Event": event::GROUP_ONLINE, "GroupTips":[item]}]});
    match st.store.members(g.sdkappid, &g.group_id) {
        Ok(members) => groups::push_members(st, g.sdkappid, &members, who.conn_id(), &push),
        Err(e) => tracing::warn!(error = %e, group = ?g.group_id, "attribute push skipped"),
    }
}

/// `group_open_attr_http_svc.get_group_attr`: every attribute and the main sequence.
pub(crate) fn get_attrs(st: &State, who: &Who, body: &Value) -> Reply {
    let (g, _) = attr_room(st, who, body)?;
    let (main, text) = st.store.group_attrs(g.sdkappid, &g.group_id).map_err(internal)?;
    let list = attr_list(&parse_attrs(&text));
    Ok(ok_with(json!({"AttrMainSeq": main, "GroupAttrAry": list})))
}

/// After a socket of `user` closed: once the grace has passed with the user offline
/// everywhere, remove them from the AVChatRooms they are in (quit tips to the rooms).
pub fn on_socket_closed(st: &Arc<State>, sdkappid: u64, user: &str) {
    let grace = Duration::from_secs(st.config.avchatroom_offline_grace_secs);
    let (st, user) = (st.clone(), user.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(grace).await;
        // Not a command: the quit tips go out at once.
        let _ = tokio::task::spawn_blocking(move || {
            let out = crate::hub::Pushes::now();
            leave_rooms_if_offline(&Cx::new(&st, &out, None), sdkappid, &user)
        })
        .await;
    });
}

fn leave_rooms_if_offline(st: &Cx<'_>, sdkappid: u64, user: &str) {
    if st.hub.is_online(sdkappid, user) {
        return;
    }
    let joined = match st.store.joined_groups(sdkappid, user) {
        Ok(j) => j,
        Err(e) => {
            tracing::warn!(error = %e, user, "AVChatRoom offline cleanup skipped");
            return;
        }
    };
    let who = Who::Admin { sdkappid, admin: user.to_string() };
    for (g, m) in joined {
        if !is_room(&g) || m.role == "Owner" {
            continue;
        }
        if let Err(e) = st.store.remove_members(sdkappid, &g.group_id, &[user.to_string()]) {
            tracing::warn!(error = %e, user, group = ?g.group_id, "AVChatRoom offline cleanup failed");
            continue;
        }
        tracing::debug!(user, group = ?g.group_id, "offline member left the AVChatRoom");
        if let Ok(g) = groups::load(st, sdkappid, &g.group_id) {
            let _ = tip(
                st,
                &who,
                &g,
                user,
                json!({"OpType": 2, "Operator_Account": user, "List_Account": [user], "MemberNum": g.member_num}),
            );
        }
    }
}

/// Most distinct member marks in one room (B-conversations-groups.md §4.13.5).
const MAX_ROOM_MARKS: usize = 10;
/// Most members per `modify_user_info` call.
const MAX_MARKED_PER_CALL: usize = 100;
/// The smallest custom mark value.
const MIN_MARK: u64 = 1000;
/// The key under which a room member's marks are kept in its custom data.
const MARKS_KEY: &str = "Marks";

/// The marks a room member carries (kept in its custom data as `[{"Key":"Marks","Value":"1001,1002"}]`;
/// room members have no other member data, and leaving the room drops the row, and so the marks).
fn marks_of(m: &Member) -> Vec<u64> {
    let data: Vec<Value> = serde_json::from_str(&m.custom_data).unwrap_or_default();
    data.iter()
        .filter(|d| d["Key"] == MARKS_KEY)
        .filter_map(|d| d["Value"].as_str())
        .flat_map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect::<Vec<u64>>())
        .collect()
}

/// `group_open_avchatroom_http_svc.modify_user_info` (`markGroupMemberList`):
/// `{GroupId, CommandType: 1 mark | 2 unmark, MemberList: [{Member_Account, Marks: [n]}]}`. The
/// owner (or the REST admin) marks members who are in the room and online; marks are at least
/// 1000, a room carries at most 10 distinct ones, at most 100 members per call. The reply lists
/// the members changed (the SDK counts the others as failures).
pub(crate) fn mark_members(st: &State, who: &Who, body: &Value) -> Reply {
    let g = load_room(st, who, body)?;
    let user = who.acting(body, "From_Account");
    if !who.is_admin() && g.owner != user {
        return Err(groups::deny("only the owner marks AVChatRoom members"));
    }
    let enable = match body["CommandType"].as_u64() {
        Some(1) => true,
        Some(2) => false,
        _ => return Err(fail(code::GROUP_INVALID_PARAMETERS, "CommandType must be 1 (mark) or 2 (unmark)")),
    };
    let list = body["MemberList"].as_array().cloned().unwrap_or_default();
    if list.is_empty() || list.len() > MAX_MARKED_PER_CALL {
        return Err(fail(
            code::GROUP_INVALID_PARAMETERS,
            format!("MemberList must name 1 to {MAX_MARKED_PER_CALL} members"),
        ));
    }
    let mut wanted = Vec::new();
    for item in &list {
        let who_ = item["Member_Account"].as_str().unwrap_or("").to_string();
        let marks: Vec<u64> = item["Marks"].as_array().into_iter().flatten().filter_map(Value::as_u64).collect();
        if who_.is_empty() || marks.is_empty() || marks.iter().any(|m| *m < MIN_MARK || *m > u64::from(u32::MAX)) {
            return Err(fail(
                code::GROUP_INVALID_PARAMETERS,
                format!("each member needs Member_Account and Marks of {MIN_MARK} to {}", u32::MAX),
            ));
        }
        wanted.push((who_, marks));
    }
    let members = st.store.members(g.sdkappid, &g.group_id).map_err(internal)?;
    let mut in_use: std::collections::BTreeSet<u64> = members.iter().flat_map(marks_of).collect();
    if enable {
        in_use.extend(wanted.iter().flat_map(|(_, m)| m.iter().copied()));
        if in_use.len() > MAX_ROOM_MARKS {
            return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("a room carries at most {MAX_ROOM_MARKS} marks")));
        }
    }
    let mut done = Vec::new();
    for (target, marks) in wanted {
        let Some(m) = members.iter().find(|m| m.user == target) else { continue };
        if !st.hub.is_online(g.sdkappid, &target) {
            continue;
        }
        let mut now_marks = marks_of(m);
        if enable {
            for mark in &marks {
                if !now_marks.contains(mark) {
                    now_marks.push(*mark);
                }
            }
        } else {
            now_marks.retain(|x| !marks.contains(x));
        }
        let value: Vec<String> = now_marks.iter().map(u64::to_string).collect();
        let data = json!([{"Key": MARKS_KEY, "Value": value.join(",")}]).to_string();
        let update = MemberUpdate { custom_data: Some(data), ..MemberUpdate::default() };
        if st.store.update_member(g.sdkappid, &g.group_id, &target, &update).map_err(internal)? {
            done.push(json!({"Member_Account": target, "Marks": now_marks}));
        }
    }
    Ok(ok_with(json!({"CommandType": if enable { 1 } else { 2 }, "MemberList": done})))
}

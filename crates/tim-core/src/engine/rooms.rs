//! AVChatRooms (B-conversations-groups.md §4.4; WIRE.md §4.9, §5.5), the per-group room state
//! that attributes.rs and topics.rs fill, the addressing of community and topic requests, and the
//! routing of [`RoomOp`] replies. Requests carry the bodies tim-js-sdk 2.27.6 sends; replies and
//! pushes are read the way it reads them.
//!
//! AVChatRoom traffic arrives over the WebSocket pushes like any group's (our server answers
//! `apply_join_group` without a `LongPollingKey`, so tim-js-sdk does not long-poll either).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::obj;
use crate::value::val;
use tim_proto::cmd;

use super::attributes::{Attrs, Counters};
use super::{s, u, ApiError, CallResult, Engine, Purpose};
use crate::group::{member_from_wire, merge_group, GRP_AVCHATROOM, GRP_COMMUNITY, TOPIC_MARK};
use crate::model::CONV_GROUP;

pub(super) use crate::group::CONV_TOPIC;

/// tim-js-sdk's service for every group command on a community.
pub(super) const MILLION_SERVICE: &str = "million_group_open_http_svc";
/// Community IDs start with this (`@TGS#_`); topic IDs add [`TOPIC_MARK`] and a suffix.
pub(super) const COMMUNITY_PREFIX: &str = "@TGS#_";

/// `deleteGroupMember` on an AVChatRoom without a ban `duration`.
pub(super) const BAN_DURATION_INVALID: i64 = 2686;
/// `deleteGroupMember` on a group the SDK does not know.
pub(super) const CANNOT_FIND_GROUP: i64 = 2603;

/// The online count's cache lifetime when the server gives none (`ExpireTime`, seconds).
pub(super) const ONLINE_COUNT_EXPIRE_S: u64 = 60;

/// What a room, attribute, counter or topic request is for; its reply is handled by
/// [`Engine::room_reply`].
#[derive(Debug)]
pub(super) enum RoomOp {
    /// `get_group_self_member_info` after joining AVChatRoom `group_id`.
    JoinProfile { group_id: String },
    /// `quit_group` of the `previous` AVChatRoom before entering `group` (its Group object).
    QuitPrevious { group: Value, previous: String },
    /// An attribute write of operation `op` (`ATTR_*`, wire numbering): `list`, the wire items
    /// sent; `attributes`, the call's `groupAttributes`; `deleted`, what a delete resolves with.
    AttrWrite { group_id: String, op: u64, list: Vec<Value>, attributes: Value, deleted: Vec<String> },
    /// `get_group_attr` for the call's `keys`; `before`: the attributes a push saw, to emit the
    /// change against.
    AttrGet { group_id: String, keys: Vec<String>, before: Option<Value> },
    /// `update_group_counter`.
    CounterUpdate { group_id: String },
    /// `get_group_counter` for the call's `keys`.
    CounterGet { group_id: String, keys: Vec<String> },
    /// `get_online_member_num`.
    OnlineCount { group_id: String },
    /// `get_members` (AVChatRoom member list).
    Members,
    /// `ban_group_member` of `users`.
    Ban { group_id: String, users: Vec<String> },
    /// `modify_user_info` (member marks) of `users`.
    Mark { users: Vec<String> },
    /// A page of the community `get_joined_group_list` at `offset`; `list`: the communities of
    /// the pages before; `topics`: they are the topic-enabled ones.
    Communities { offset: u64, list: Vec<Value>, topics: bool },
    /// `create_topic`; `fields`: the call's options.
    TopicCreate { group_id: String, fields: Value },
    /// `destroy_topic`.
    TopicDelete { group_id: String },
    /// `modify_topic`; `fields`: the call's options.
    TopicUpdate { group_id: String, topic_id: String, fields: Value },
    /// `get_topic`; `all`: the call asked for every topic.
    TopicList { group_id: String, all: bool },
}

#[derive(Debug, Default)]
pub(super) struct Online {
    pub(super) count: u64,
    pub(super) synced: u64,
    pub(super) expire_s: u64,
    pub(super) asked: u64,
}

/// What the SDK keeps per group (room, community) besides the Group object.
#[derive(Debug, Default)]
pub(super) struct Room {
    /// `AVChatRoomKey` of a joined room.
    pub(super) key: String,
    pub(super) attrs: Attrs,
    /// The counter cache, once started.
    pub(super) counters: Option<Counters>,
    pub(super) online: Online,
    /// topicID → Topic
    pub(super) topics: Map<String, Value>,
    /// When the topics were last read, and whether all of them.
    pub(super) topics_fetched: Option<(u64, bool)>,
}

/// AVChatRoom, attribute, counter and topic state of a session.
#[derive(Debug, Default)]
pub(super) struct Rooms {
    /// The AVChatRoom the user is in (tim-js-sdk keeps one at a time).
    pub(super) joined: Option<String>,
    /// Times of the recent attribute writes (the 8511 throttle).
    pub(super) attr_writes: Vec<u64>,
    pub(super) groups: HashMap<String, Room>,
}

/// Whether `id` names a topic (`<communityID>@TOPIC#_<suffix>`).
pub(super) fn is_topic_id(id: &str) -> bool {
    id.starts_with(COMMUNITY_PREFIX) && id.contains(TOPIC_MARK)
}

/// The community of a topic ID.
pub(super) fn community_of(topic: &str) -> &str {
    topic.find(TOPIC_MARK).map_or(topic, |i| &topic[..i])
}

/// The group whose members a member operation on `id` acts on: the community for a topic ID.
pub(super) fn member_group_id(id: &str) -> String {
    if is_topic_id(id) {
        community_of(id).to_string()
    } else {
        id.to_string()
    }
}

pub(super) fn is_community_id(id: &str) -> bool {
    id.starts_with(COMMUNITY_PREFIX) && !id.contains(TOPIC_MARK)
}

/// The servcmd tim-js-sdk sends `servcmd` with: group commands on a community (by `Type`, or
/// by a `GroupId` / first `GroupIdList` entry starting with `@TGS#_`) go to
/// `million_group_open_http_svc`.
pub(super) fn service(servcmd: &str, body: &Value) -> String {
    let group = servcmd.contains("group_open_http_svc") || servcmd.contains("group_open_attr_http_svc");
    if !group || servcmd.starts_with(MILLION_SERVICE) {
        return servcmd.to_string();
    }
    let id = body["GroupId"].as_str().or_else(|| body["GroupIdList"][0].as_str()).unwrap_or("");
    if body["Type"] == GRP_COMMUNITY || is_community_id(id) {
        if let Some((_, command)) = servcmd.split_once('.') {
            return format!("{MILLION_SERVICE}.{command}");
        }
    }
    servcmd.to_string()
}

/// Address a topic as tim-js-sdk does: `GroupId` = the community, `TopicId` = the topic.
pub(super) fn address_topic(body: &mut Value) {
    let id = s(body, "GroupId");
    if is_topic_id(&id) {
        body["GroupId"] = val(community_of(&id));
        body["TopicId"] = val(&id);
    }
}

pub(super) fn throw() -> CallResult {
    CallResult::Throw("Params validate failed.".into())
}

pub(super) fn reject(code: i64, message: impl Into<String>) -> CallResult {
    CallResult::Done(Err(ApiError::new(code, message)))
}

pub(super) fn strings(a: &Value, k: &str) -> Vec<String> {
    a[k].as_array().map(|l| l.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

impl Engine {
    pub(super) fn room_request(&mut self, servcmd: &str, body: Value, call: Option<u64>, op: RoomOp, now: u64) {
        self.request(servcmd, body, Purpose::Room { call, op }, now);
    }

    pub(super) fn pending_room(&mut self, servcmd: &str, body: Value, op: RoomOp, now: u64) -> CallResult {
        let call = self.pending_call();
        self.room_request(servcmd, body, Some(call), op, now);
        CallResult::Pending(call)
    }

    pub(super) fn room_done(&mut self, call: Option<u64>, v: Value) {
        if let Some(call) = call {
            self.settle(call, Ok(v));
        }
    }

    /// Whether `id` is the AVChatRoom the user is in.
    pub(super) fn is_joined_room(&self, id: &str) -> bool {
        self.s.rooms.joined.as_deref() == Some(id)
    }

    /// A room, attribute, counter or topic method call, or `None` when `method` is not one.
    pub(super) fn room_call(&mut self, method: &str, a: &Value, now: u64) -> Option<CallResult> {
        let r = match method {
            "initGroupAttributes" | "setGroupAttributes" | "deleteGroupAttributes" => self.attr_write(method, a, now),
            "getGroupAttributes" => self.attr_get(a, now),
            "setGroupCounters" | "increaseGroupCounter" | "decreaseGroupCounter" => self.counter_update(method, a, now),
            "getGroupCounters" => self.counter_get(a, now),
            "markGroupMemberList" => self.mark_members(a, now),
            "getJoinedCommunityList" => {
                let call = self.pending_call();
                self.communities_page(Some(call), 0, Vec::new(), true, now);
                CallResult::Pending(call)
            }
            "createTopicInCommunity" => self.create_topic(a, now),
            "deleteTopicFromCommunity" => {
                let id = s(a, "groupID");
                if id.is_empty() {
                    return Some(throw());
                }
                let body = obj! {"GroupId": &id, "TopicIdList": &strings(a, "topicIDList")};
                self.pending_room(cmd::DESTROY_TOPIC, body, RoomOp::TopicDelete { group_id: id }, now)
            }
            "updateTopicProfile" => self.update_topic(a, now),
            "getTopicList" => self.topic_list(a, now),
            _ => return None,
        };
        Some(r)
    }

    /// `apply_join_group` answered `JoinedSuccess` with `HugeGroupFlag: 1`: an AVChatRoom.
    pub(super) fn room_join_reply(&mut self, call: Option<u64>, id: &str, body: &Value, now: u64) {
        let key = s(body, "AVChatRoomKey");
        let r = self.room_mut(id);
        r.key = key;
        r.attrs = Attrs::default();
        r.counters = Some(Counters::default());
        let rf = obj! {"GroupBaseInfoFilter": ["Type", "Name", "Introduction", "Notification", "FaceUrl", "Owner_Account", "CreateTime", "InfoSeq", "LastInfoTime", "LastMsgTime", "MemberNum", "MaxMemberNum", "ApplyJoinOption", "NextMsgSeq", "ShutUpAllMember"], "MemberInfoFilter": ["Role", "JoinTime", "MsgSeq", "MsgFlag", "NameCard"]};
        let body = obj! {"GroupIdList": Value::Array(vec![val(id)]), "ResponseFilter": &rf};
        self.room_request(
            cmd::GET_GROUP_SELF_MEMBER_INFO,
            body,
            call,
            RoomOp::JoinProfile { group_id: id.to_string() },
            now,
        );
    }

    /// Enter the joined room `g`; like tim-js-sdk, leave the previous one first (quit it, or
    /// only forget it when the user owns it).
    pub(super) fn room_enter(&mut self, call: Option<u64>, g: Value, now: u64) {
        let id = s(&g, "groupID");
        if let Some(prev) = self.s.rooms.joined.clone().filter(|p| *p != id) {
            let me = self.s.user.clone();
            let owner = self
                .s
                .groups
                .get(&prev)
                .is_some_and(|p| p["selfInfo"]["role"] == "Owner" || p["ownerID"] == me.as_str());
            if !owner {
                let body = obj! {"GroupId": &prev};
                self.room_request(cmd::QUIT_GROUP, body, call, RoomOp::QuitPrevious { group: g, previous: prev }, now);
                return;
            }
            self.drop_group(&prev);
        }
        self.room_entered(call, g);
    }

    pub(super) fn room_entered(&mut self, call: Option<u64>, g: Value) {
        let id = s(&g, "groupID");
        self.s.rooms.joined = Some(id.clone());
        self.s.groups.insert(id.clone(), g.clone());
        let conv = format!("{CONV_GROUP}{id}");
        if let Some(c) = self.s.conversations.get_mut(&conv) {
            c.group_profile = g.clone();
        }
        self.group_list_changed();
        self.room_done(call, obj! {"status": "JoinedSuccess", "group": &g});
    }

    /// The group `id` was left, dismissed or removed: forget its room, attribute, counter and
    /// topic state (and, for an AVChatRoom, its conversation, as tim-js-sdk does).
    pub(super) fn room_dropped(&mut self, id: &str) {
        let r = &mut self.s.rooms;
        r.groups.remove(id);
        if r.joined.as_deref() == Some(id) {
            r.joined = None;
            if self.s.conversations.remove(&format!("{CONV_GROUP}{id}")).is_some() {
                self.conv_changed();
            }
        }
    }

    /// `getGroupOnlineMemberCount(groupID)`: 0 unless it is the joined AVChatRoom; cached as
    /// tim-js-sdk caches it (`ExpireTime`, at least 10 s, one request per 3 s).
    pub(super) fn room_online_count(&mut self, a: &Value, now: u64) -> CallResult {
        let id = a.as_str().unwrap_or("").to_string();
        if id.is_empty() {
            return throw();
        }
        if !self.is_joined_room(&id) {
            return CallResult::Done(Ok(obj! {"memberCount": 0}));
        }
        let o = &mut self.room_mut(&id).online;
        let fresh = o.synced > 0
            && !(now.saturating_sub(o.synced) > o.expire_s * 1000
                && now.saturating_sub(o.synced) > 10_000
                && now.saturating_sub(o.asked) > 3_000);
        if fresh {
            return CallResult::Done(Ok(obj! {"memberCount": o.count}));
        }
        o.asked = now;
        self.pending_room(cmd::GET_ONLINE_MEMBER_NUM, obj! {"GroupId": &id}, RoomOp::OnlineCount { group_id: id }, now)
    }

    /// `getGroupMemberList` on the joined AVChatRoom: `get_members`, `offset` being the
    /// server's time cursor (`Timestamp` / `NextTimestamp`).
    pub(super) fn room_members(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        let mut body = obj! {"GroupId": &id, "Timestamp": &a["offset"].as_u64().unwrap_or(0)};
        if let Some(f) = a["filter"].as_u64() {
            body["Mark"] = val(f);
        }
        self.pending_room(cmd::AVCHATROOM_GET_MEMBERS, body, RoomOp::Members, now)
    }

    /// `deleteGroupMember` on the joined AVChatRoom: a ban for `duration` seconds.
    pub(super) fn room_ban(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        let users = strings(a, "userIDList");
        if id.is_empty() || users.is_empty() {
            return throw();
        }
        if !self.s.groups.contains_key(&id) {
            return reject(CANNOT_FIND_GROUP, format!("group {id} not found"));
        }
        let duration = a["duration"].as_u64().unwrap_or(0);
        if duration == 0 {
            return reject(BAN_DURATION_INVALID, "removing AVChatRoom members needs a ban duration greater than 0");
        }
        let body =
            obj! {"GroupId": &id, "Members_Account": &users, "Duration": duration, "Description": &s(a, "reason")};
        self.pending_room(cmd::BAN_GROUP_MEMBER, body, RoomOp::Ban { group_id: id, users }, now)
    }

    /// `markGroupMemberList({groupID, userIDList, markType, enableMark})`.
    pub(super) fn mark_members(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        let mut users = strings(a, "userIDList");
        let Some(mark) = a["markType"].as_u64().filter(|_| !id.is_empty()) else { return throw() };
        users.truncate(500);
        let command = if a["enableMark"].as_bool() == Some(true) { 1 } else { 2 };
        let list: Vec<Value> = users.iter().map(|u| obj! {"Member_Account": u, "Marks": vec![mark]}).collect();
        let body = obj! {"GroupId": &id, "CommandType": command, "MemberList": &list};
        self.pending_room(cmd::AVCHATROOM_MODIFY_USER_INFO, body, RoomOp::Mark { users }, now)
    }

    pub(super) fn room_mut(&mut self, id: &str) -> &mut Room {
        self.s.rooms.groups.entry(id.to_string()).or_default()
    }

    /// The `AVChatRoomKey` of a joined room.
    pub(super) fn room_key(&self, id: &str) -> Option<String> {
        self.s.rooms.groups.get(id).map(|r| r.key.clone()).filter(|k| !k.is_empty())
    }

    /// After a reconnect, like tim-js-sdk: the next attribute push or read refetches, and topic
    /// lists are read from the server again.
    pub(super) fn rooms_reconnected(&mut self) {
        for r in self.s.rooms.groups.values_mut() {
            r.attrs.local_main = 0;
            r.topics_fetched = None;
        }
    }

    /// A failed room request.
    pub(super) fn room_fail(&mut self, call: Option<u64>, op: RoomOp, err: ApiError, now: u64) {
        match op {
            // tim-js-sdk enters the room with a bare group when its profile cannot be read.
            RoomOp::JoinProfile { group_id } => {
                let mut g = Value::Null;
                merge_group(&mut g, &obj! {"GroupId": &group_id, "Type": GRP_AVCHATROOM}, &self.s.user);
                self.room_enter(call, g, now);
            }
            RoomOp::QuitPrevious { group, previous } => {
                self.drop_group(&previous);
                self.room_entered(call, group);
            }
            _ => {
                if let Some(call) = call {
                    self.settle(call, Err(err));
                }
            }
        }
    }

    /// A room request's reply.
    pub(super) fn room_reply(&mut self, call: Option<u64>, op: RoomOp, body: Value, now: u64) {
        let me = self.s.user.clone();
        match op {
            RoomOp::JoinProfile { group_id: id } => {
                let mut info = body["GroupInfo"].as_array().and_then(|l| l.first()).cloned().unwrap_or(Value::Null);
                if info["ErrorCode"].as_i64().unwrap_or(0) != 0 || s(&info, "GroupId").is_empty() {
                    info = obj! {"GroupId": &id, "Type": GRP_AVCHATROOM};
                }
                if let Some(m) =
                    body["MemberList"].as_array().and_then(|l| l.iter().find(|m| s(m, "Member_Account") == me))
                {
                    info["SelfInfo"] = m.clone();
                }
                let mut g = Value::Null;
                merge_group(&mut g, &info, &me);
                self.room_enter(call, g, now);
            }
            RoomOp::QuitPrevious { group, previous } => {
                self.drop_group(&previous);
                self.room_entered(call, group);
            }
            RoomOp::OnlineCount { group_id: id } => {
                let count = u(&body, "OnlineMemberNum");
                let o = &mut self.room_mut(&id).online;
                o.count = count;
                o.synced = now;
                o.expire_s = body["ExpireTime"].as_u64().unwrap_or(ONLINE_COUNT_EXPIRE_S);
                self.room_done(call, obj! {"memberCount": count});
            }
            RoomOp::Members => {
                let members: Vec<Value> = body["MemberList"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| {
                        let mut x = member_from_wire(m);
                        x["nick"] = val(s(m, "NickName"));
                        x["avatar"] = val(s(m, "ImageUrl"));
                        x
                    })
                    .collect();
                self.room_done(call, obj! {"memberList": &members, "offset": &u(&body, "NextTimestamp")});
            }
            RoomOp::Ban { group_id: id, users } => {
                let g = self.s.groups.get(&id).cloned().unwrap_or(Value::Null);
                self.room_done(call, obj! {"group": &g, "userIDList": &users});
            }
            RoomOp::Mark { users: asked } => {
                let done: Vec<String> =
                    body["MemberList"].as_array().into_iter().flatten().map(|m| s(m, "Member_Account")).collect();
                let (ok, failed): (Vec<String>, Vec<String>) = if done.len() == asked.len() {
                    (asked, Vec::new())
                } else {
                    let failed = asked.iter().filter(|a| !done.contains(a)).cloned().collect();
                    (done, failed)
                };
                self.room_done(call, obj! {"successUserIDList": &ok, "failureUserIDList": &failed});
            }
            op @ (RoomOp::AttrWrite { .. }
            | RoomOp::AttrGet { .. }
            | RoomOp::CounterUpdate { .. }
            | RoomOp::CounterGet { .. }) => self.attr_reply(call, op, body, now),
            op => self.topic_reply(call, op, body, now),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::{attributes::*, topics::*};
    use super::*;
    use serde_json::json;

    #[test]
    pub(super) fn community_requests_go_to_the_million_service() {
        let b = json!({"GroupId": "@TGS#_abc"});
        assert_eq!(service("group_open_http_svc.send_group_msg", &b), "million_group_open_http_svc.send_group_msg");
        let b = json!({"GroupIdList": ["@TGS#_abc"]});
        assert_eq!(
            service("group_open_http_svc.get_group_self_member_info", &b),
            "million_group_open_http_svc.get_group_self_member_info"
        );
        let b = json!({"Type": "Community", "Name": "c"});
        assert_eq!(service("group_open_http_svc.create_group", &b), "million_group_open_http_svc.create_group");
        let b = json!({"GroupId": "@TGS#2abc"});
        assert_eq!(service("group_open_http_svc.send_group_msg", &b), "group_open_http_svc.send_group_msg");
        let b = json!({"GroupId": "@TGS#_abc"});
        assert_eq!(service("openim.sendmsg", &b), "openim.sendmsg");
        assert_eq!(
            service("group_open_avchatroom_http_svc.get_members", &b),
            "group_open_avchatroom_http_svc.get_members"
        );
    }

    #[test]
    pub(super) fn topics_are_addressed_by_community_and_topic() {
        let mut b = json!({"GroupId": "@TGS#_c@TOPIC#_t", "MsgReadedSeq": 3});
        address_topic(&mut b);
        assert_eq!(b, json!({"GroupId": "@TGS#_c", "TopicId": "@TGS#_c@TOPIC#_t", "MsgReadedSeq": 3}));
        let mut b = json!({"GroupId": "@TGS#_c"});
        address_topic(&mut b);
        assert_eq!(b, json!({"GroupId": "@TGS#_c"}));
        assert!(is_topic_id("@TGS#_c@TOPIC#_t"));
        assert!(!is_topic_id("@TGS#2c@TOPIC#_t"));
        assert_eq!(community_of("@TGS#_c@TOPIC#_t"), "@TGS#_c");
    }

    #[test]
    pub(super) fn attribute_lists_from_replies_and_pushes() {
        let reply = json!([{"key": "a", "value": "1", "seq": 2}]);
        assert_eq!(attr_list(&reply), vec![json!({"key": "a", "value": "1", "sequence": 2})]);
        let push = json!([{"key": "b", "Val": "x", "SubKeySeq": 5}, {"key": "c"}]);
        assert_eq!(
            attr_list(&push),
            vec![json!({"key": "b", "value": "x", "sequence": 5}), json!({"key": "c", "value": "", "sequence": 0})]
        );
        let mut at = Attrs::default();
        at.apply(&attr_list(&push), 2);
        at.apply(&[json!({"key": "b"})], ATTR_DELETE);
        assert_eq!(at.values(&[]), json!({"c": ""}).as_object().cloned().unwrap());
        at.apply(&attr_list(&reply), ATTR_INIT);
        assert_eq!(at.values(&[]), json!({"a": "1"}).as_object().cloned().unwrap());
        at.apply(&[], ATTR_CLEAR);
        assert!(at.map.is_empty());
    }

    #[test]
    pub(super) fn counters_and_topics_from_the_wire() {
        let l = counter_values(&json!([{"Key": "likes", "Value": 3}, {"Value": 1}, "x"]));
        assert_eq!(Value::Object(l.clone()), json!({"likes": 3}));
        assert_eq!(pick(&l, &["likes".into(), "x".into()]), json!({"likes": 3}));
        assert_eq!(pick(&l, &["x".into()]), json!({}));
        let f = topic_fields(&json!({"TopicName": "n", "FaceUrl": "f", "CustomString": "c", "ShutUpAllFlag": 1}));
        let mut t = new_topic("@TGS#_c@TOPIC#_t");
        merge_topic_fields(&mut t, &f);
        assert_eq!(t["topicName"], "n");
        assert_eq!(t["avatar"], "f");
        assert_eq!(t["customData"], "c");
        assert_eq!(t["muteAllMembers"], true);
        merge_topic_fields(&mut t, &json!({"muteAllMembers": "Off", "topicName": 5}));
        assert_eq!(t["muteAllMembers"], false);
        assert_eq!(t["topicName"], "n");
        let mut t = new_topic("@TGS#_c@TOPIC#_t");
        t["nextMessageSeq"] = json!(6);
        t["selfInfo"]["readedSequence"] = json!(2);
        assert_eq!(topic_unread(&t), 3);
        t["selfInfo"]["excludedUnreadSequenceList"] = json!([3, 9]);
        assert_eq!(topic_unread(&t), 2);
        t["selfInfo"]["readedSequence"] = json!(7);
        assert_eq!(topic_unread(&t), 0);
        assert_eq!(string_map(&json!({"a": "1"})), Some(vec![("a".into(), "1".into())]));
        assert_eq!(string_map(&json!({"a": 1})), None);
        assert_eq!(string_map(&json!("x")), None);
    }
}

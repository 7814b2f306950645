//! Communities and topics (B-conversations-groups.md §4.16, §4.17): the community list, topic
//! methods, the topic cache and the topic side of messages, tips and reads.

use serde_json::Value;

use crate::obj;
use crate::value::val;
use tim_proto::cmd;

use super::rooms::{community_of, is_topic_id, reject, strings, throw, RoomOp};
use super::{s, u, CallResult, Engine};
use crate::group::{group_message, merge_group, GroupItem};
use crate::model::{summary, Message, CONV_GROUP};

pub(super) const TOPIC_CREATED: &str = "onTopicCreated";
pub(super) const TOPIC_DELETED: &str = "onTopicDeleted";
pub(super) const TOPIC_UPDATED: &str = "onTopicUpdated";

/// A `topicID` that is not `<communityID>@TOPIC#_<suffix>`.
pub(super) const ILLEGAL_TOPIC_ID: i64 = 3021;
/// tim-js-sdk's topic list cache lifetime.
pub(super) const TOPIC_CACHE_MS: u64 = 300_000;

/// A new Topic object (CONSTANTS.md §9) from app options or a wire `TopicInfo`.
pub(super) fn new_topic(id: &str) -> Value {
    obj! {"topicID": id, "topicName": "", "avatar": "", "introduction": "", "notification": "", "unreadCount": 0, "muteAllMembers": false, "customData": "", "groupAtInfoList": Value::Array(vec![]), "lastMessage": obj!{"lastTime": 0, "lastSequence": 0, "fromAccount": "", "messageForShow": "", "payload": Value::Null, "type": "", "isRevoked": false, "cloudCustomData": "", "onlineOnlyFlag": false, "nick": "", "nameCard": "", "version": 0, "isPeerRead": false, "revoker": Value::Null}, "selfInfo": obj!{"muteTime": 0, "readedSequence": 0, "messageRemindType": "", "excludedUnreadSequenceList": Value::Null}, "nextMessageSeq": 0}
}

/// Merge app-named topic fields (`topicName`, `avatar`, …, `muteAllMembers` as a boolean, 1,
/// or "On") into `t`.
pub(super) fn merge_topic_fields(t: &mut Value, f: &Value) {
    for k in ["topicName", "avatar", "introduction", "notification", "customData"] {
        if let Some(v) = f[k].as_str() {
            t[k] = val(v);
        }
    }
    match &f["muteAllMembers"] {
        Value::Bool(b) => t["muteAllMembers"] = val(*b),
        Value::Number(n) => t["muteAllMembers"] = val(n.as_u64() == Some(1)),
        Value::String(x) => t["muteAllMembers"] = val(x == "On"),
        _ => {}
    }
}

/// tim-js-sdk's `_computeUnreadCount`: the sequences after the read one, less the excluded.
pub(super) fn topic_unread(t: &Value) -> u64 {
    let next = t["nextMessageSeq"].as_u64().unwrap_or(0);
    let read = t["selfInfo"]["readedSequence"].as_u64().unwrap_or(0);
    let excluded = t["selfInfo"]["excludedUnreadSequenceList"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .filter(|s| *s >= read && *s < next)
        .count() as u64;
    next.saturating_sub(read + 1).saturating_sub(excluded)
}

/// App names of a wire `TopicInfo` (or `MsgTopicNewInfo`).
pub(super) fn topic_fields(w: &Value) -> Value {
    let mut f = obj! {};
    for (wire, app) in [
        ("TopicName", "topicName"),
        ("FaceUrl", "avatar"),
        ("TopicFaceUrl", "avatar"),
        ("Introduction", "introduction"),
        ("TopicIntroduction", "introduction"),
        ("Notification", "notification"),
        ("TopicNotification", "notification"),
        ("CustomString", "customData"),
    ] {
        if let Some(v) = w[wire].as_str() {
            f[app] = val(v);
        }
    }
    if let Some(m) = w.get("ShutUpAllFlag").or_else(|| w.get("ShutupAll")).filter(|m| !m.is_null()) {
        f["muteAllMembers"] = m.clone();
    }
    f
}

/// A topic's string fields: the app's name, the wire's name.
const TOPIC_FIELDS: &[(&str, &str)] = &[
    ("avatar", "FaceUrl"),
    ("customData", "CustomString"),
    ("notification", "Notification"),
    ("introduction", "Introduction"),
];

/// Copy the string options of `a` named in `fields` (`(app name, wire name)`) into `body`.
fn copy_strings(body: &mut Value, a: &Value, fields: &[(&str, &str)]) {
    for (app, wire) in fields {
        if let Some(v) = a[*app].as_str() {
            body[*wire] = val(v);
        }
    }
}

impl Engine {
    /// A page of the community list (`million_group_open_http_svc.get_joined_group_list`):
    /// `getJoinedCommunityList` asks with `SupportTopic: 1`, the login sequence with 0.
    pub(super) fn communities_page(
        &mut self,
        call: Option<u64>,
        offset: u64,
        list: Vec<Value>,
        topics: bool,
        now: u64,
    ) {
        let me = self.s.user.clone();
        let body = obj! {"Member_Account": &me, "Limit": 50, "Offset": offset, "ResponseFilter": obj!{"GroupBaseInfoFilter": ["Type", "Name", "FaceUrl", "NextMsgSeq", "LastMsgTime", "AtInfoList", "LastRecallTime"], "SelfInfoFilter": ["Role", "JoinTime", "MsgFlag", "MsgSeq"]}, "SupportTopic": u32::from(topics)};
        let op = RoomOp::Communities { offset, list, topics };
        self.room_request(cmd::MILLION_GET_JOINED_GROUP_LIST, body, call, op, now);
    }

    pub(super) fn create_topic(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        let name = s(a, "topicName");
        if id.is_empty() || name.is_empty() {
            return throw();
        }
        if let Some(t) = a.get("topicID").filter(|t| !t.is_null()) {
            if !t.as_str().is_some_and(is_topic_id) {
                return reject(ILLEGAL_TOPIC_ID, "a topicID is <communityID>@TOPIC#_<suffix>");
            }
        }
        let mut body = obj! {"GroupId": &id, "TopicName": &name};
        copy_strings(&mut body, a, &[("topicID", "TopicId")]);
        copy_strings(&mut body, a, TOPIC_FIELDS);
        self.pending_room(cmd::CREATE_TOPIC, body, RoomOp::TopicCreate { group_id: id, fields: a.clone() }, now)
    }

    pub(super) fn update_topic(&mut self, a: &Value, now: u64) -> CallResult {
        let (id, topic) = (s(a, "groupID"), s(a, "topicID"));
        if id.is_empty() || topic.is_empty() {
            return throw();
        }
        let mut body = obj! {"GroupId": &id, "TopicId": &topic};
        copy_strings(&mut body, a, TOPIC_FIELDS);
        if let Some(m) = a["muteAllMembers"].as_bool() {
            body["ShutUpAllMember"] = val(if m { "On" } else { "Off" });
        }
        copy_strings(&mut body, a, &[("topicName", "TopicName")]);
        self.pending_room(
            cmd::MODIFY_TOPIC,
            body,
            RoomOp::TopicUpdate { group_id: id, topic_id: topic, fields: a.clone() },
            now,
        )
    }

    pub(super) fn topic_list(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        if id.is_empty() {
            return throw();
        }
        let ids = strings(a, "topicIDList");
        if let Some((t, all)) = self.s.rooms.groups.get(&id).and_then(|r| r.topics_fetched) {
            if (all || !ids.is_empty()) && now.saturating_sub(t) < TOPIC_CACHE_MS {
                let local = self.local_topics(&id, &ids);
                if ids.is_empty() || local.len() == ids.len() {
                    return CallResult::Done(Ok(
                        obj! {"successTopicList": &local, "failureTopicList": Value::Array(vec![])},
                    ));
                }
            }
        }
        let body = obj! {"GroupId": &id, "TopicIdList": &ids, "MemberInfoFilter": ["NoUnreadSeqList"]};
        let all = ids.is_empty();
        self.pending_room(cmd::GET_TOPIC, body, RoomOp::TopicList { group_id: id, all }, now)
    }

    /// Cached topics, with their conversations' current `groupAtInfoList` (@-tips arrive on the
    /// conversation, pushed or kept for the next sync, and reading clears them there).
    pub(super) fn local_topics(&self, community: &str, ids: &[String]) -> Vec<Value> {
        let Some(map) = self.s.rooms.groups.get(community).map(|r| &r.topics) else { return Vec::new() };
        let mut list: Vec<Value> = if ids.is_empty() {
            map.values().cloned().collect()
        } else {
            ids.iter().filter_map(|i| map.get(i).cloned()).collect()
        };
        for t in &mut list {
            let conv = self.s.conversations.get(&format!("{CONV_GROUP}{}", s(t, "topicID")));
            t["groupAtInfoList"] = Value::Array(conv.map(|c| c.group_at_info_list.clone()).unwrap_or_default());
        }
        list
    }

    /// Update (or create) a cached topic with app-named fields; returns it.
    pub(super) fn topic_update(&mut self, community: &str, topic: &str, fields: &Value) -> Value {
        let conv = self.s.conversations.get(&format!("{CONV_GROUP}{topic}"));
        let unread = conv.map_or(0, |c| c.unread_count);
        let map = &mut self.room_mut(community).topics;
        let t = map.entry(topic.to_string()).or_insert_with(|| new_topic(topic));
        merge_topic_fields(t, fields);
        // A server's last message replaces the cached one unless a newer one was pushed since.
        let newer = |a: &Value, b: &Value| a["lastSequence"].as_u64() >= b["lastSequence"].as_u64();
        if fields["lastMessage"].is_object() && newer(&fields["lastMessage"], &t["lastMessage"]) {
            t["lastMessage"] = fields["lastMessage"].clone();
        }
        for k in ["nextMessageSeq"] {
            if let Some(n) = fields[k].as_u64() {
                t[k] = val(n);
            }
        }
        if fields["selfInfo"].is_object() {
            for (k, v) in fields["selfInfo"].as_object().into_iter().flatten() {
                t["selfInfo"][k.as_str()] = v.clone();
            }
        }
        t["unreadCount"] = val(unread);
        t.clone()
    }

    /// A topic from the server or the app's own change (tim-js-sdk's `_updateTopicMap`): its
    /// unread count is recomputed from its sequences and given to its conversation.
    pub(super) fn topic_store(&mut self, community: &str, topic: &str, fields: &Value) -> Value {
        let mut t = self.topic_update(community, topic, fields);
        let unread = topic_unread(&t);
        t["unreadCount"] = val(unread);
        if let Some(m) = self.s.rooms.groups.get_mut(community).map(|r| &mut r.topics) {
            m.insert(topic.to_string(), t.clone());
        }
        let conv = self.group_conversation(topic);
        if conv.unread_count != unread {
            conv.unread_count = unread;
            self.touch_conv(&format!("{CONV_GROUP}{topic}"));
        }
        t
    }

    /// An `Event 5` topic notice (17 created, 18 deleted, 20 remind type); true when handled.
    pub(super) fn topic_notice(&mut self, t: &Value, _now: u64) -> bool {
        let info = &t["GroupInfo"];
        let body = &t["MsgBody"];
        let topic = s(info, "TopicId");
        let topic = if topic.is_empty() { s(body, "TopicId") } else { topic };
        let deleted = strings(body, "TopicIdArray");
        if u(info, "MillionGroupFlag") != 2 || (topic.is_empty() && deleted.is_empty()) {
            return false;
        }
        let community = s(info, "GroupId");
        let kind = u(body, "ReportType");
        if self.s.quiet {
            // Notices of the first sync are history: no events.
            return [17, 18, 20].contains(&kind);
        }
        match kind {
            17 => {
                if let Some(r) = self.s.rooms.groups.get_mut(&community) {
                    r.topics_fetched = None;
                }
                self.emit(TOPIC_CREATED, Some(obj! {"groupID": &community, "topicID": &topic}));
            }
            18 => {
                if let Some(m) = self.s.rooms.groups.get_mut(&community).map(|r| &mut r.topics) {
                    for d in &deleted {
                        m.remove(d);
                    }
                }
                self.emit(TOPIC_DELETED, Some(obj! {"groupID": &community, "topicIDList": &deleted}));
            }
            20 => {
                let flag = s(body, "MsgFlag");
                let known = self.s.rooms.groups.get(&community).map(|r| &r.topics).and_then(|m| m.get(&topic)).cloned();
                if let Some(k) = known.filter(|k| k["selfInfo"]["messageRemindType"] != flag.as_str()) {
                    let _ = k;
                    let t = self.topic_update(&community, &topic, &obj! {"selfInfo": obj!{"messageRemindType": &flag}});
                    self.emit(TOPIC_UPDATED, Some(obj! {"groupID": &community, "topic": &t}));
                }
            }
            _ => return false,
        }
        true
    }

    /// A tip in a topic: `OpType 8` changes the topic's profile (`MsgTopicNewInfo`).
    pub(super) fn topic_tip(&mut self, t: &Value, payload: &Value) {
        let info = &t["GroupInfo"];
        let topic = s(info, "TopicId");
        if payload["operationType"] != 8 || topic.is_empty() {
            return;
        }
        let community = s(info, "GroupId");
        if !self.s.rooms.groups.get(&community).map(|r| &r.topics).is_some_and(|m| m.contains_key(&topic)) {
            return;
        }
        let fields = topic_fields(&t["MsgBody"]["MsgTopicNewInfo"]);
        let topic = self.topic_update(&community, &topic, &fields);
        self.emit(TOPIC_UPDATED, Some(obj! {"groupID": &community, "topic": &topic}));
    }

    /// A new message or tip in topic `topic`: its last message, next sequence and unread count.
    pub(super) fn topic_message(&mut self, topic: &str, msg: &Message) {
        if !is_topic_id(topic) {
            return;
        }
        let community = community_of(topic).to_string();
        if !self.s.rooms.groups.get(&community).map(|r| &r.topics).is_some_and(|m| m.contains_key(topic)) {
            return;
        }
        let mut t = self.topic_update(&community, topic, &obj! {"nextMessageSeq": msg.sequence + 1});
        t["lastMessage"]["lastTime"] = val(msg.time);
        t["lastMessage"]["lastSequence"] = val(msg.sequence);
        t["lastMessage"]["fromAccount"] = val(&msg.from);
        t["lastMessage"]["messageForShow"] = val(msg.message_for_show(self.intl()));
        t["lastMessage"]["payload"] = msg.payload.clone();
        t["lastMessage"]["type"] = val(&msg.kind);
        if let Some(m) = self.s.rooms.groups.get_mut(&community).map(|r| &mut r.topics) {
            m.insert(topic.to_string(), t.clone());
        }
        self.emit(TOPIC_UPDATED, Some(obj! {"groupID": &community, "topic": &t}));
    }

    /// An @-tip was filed in conversation `GROUP<topic>` (a no-op for other groups): like
    /// tim-js-sdk, the entry names the community as `groupID` and the topic as `topicID`, and a
    /// known topic gets the new `groupAtInfoList` with `TOPIC_UPDATED`.
    pub(super) fn topic_at_tip(&mut self, topic: &str) {
        if !is_topic_id(topic) {
            return;
        }
        let community = community_of(topic).to_string();
        let conv = self.group_conversation(topic);
        if let Some(at) = conv.group_at_info_list.last_mut() {
            at["groupID"] = val(&community);
            at["topicID"] = val(topic);
        }
        let list = Value::Array(conv.group_at_info_list.clone());
        let Some(t) = self.s.rooms.groups.get_mut(&community).and_then(|r| r.topics.get_mut(topic)) else { return };
        t["groupAtInfoList"] = list;
        let t = t.clone();
        if !self.s.quiet {
            self.emit(TOPIC_UPDATED, Some(obj! {"groupID": &community, "topic": &t}));
        }
    }

    /// A topic conversation was read: its topic's unread count is 0 again.
    pub(super) fn topic_read(&mut self, conv: &str) {
        let Some(topic) = conv.strip_prefix(CONV_GROUP).filter(|t| is_topic_id(t)) else { return };
        let community = community_of(topic).to_string();
        let Some(t) = self.s.rooms.groups.get(&community).map(|r| &r.topics).and_then(|m| m.get(topic)) else { return };
        if t["unreadCount"] == 0 {
            return;
        }
        let read = t["nextMessageSeq"].as_u64().unwrap_or(0).saturating_sub(1);
        let t = self.topic_update(&community, topic, &obj! {"selfInfo": obj!{"readedSequence": read}});
        self.emit(TOPIC_UPDATED, Some(obj! {"groupID": &community, "topic": &t}));
    }

    /// The reply of a community or topic request (see [`Engine::room_reply`]).
    pub(super) fn topic_reply(&mut self, call: Option<u64>, op: RoomOp, body: Value, now: u64) {
        let me = self.s.user.clone();
        match op {
            RoomOp::Communities { offset, mut list, topics } => {
                for w in body["GroupIdList"].as_array().into_iter().flatten() {
                    let gid = s(w, "GroupId");
                    if gid.is_empty() {
                        continue;
                    }
                    let mut g = self.s.groups.get(&gid).cloned().unwrap_or(Value::Null);
                    merge_group(&mut g, w, &me);
                    if topics {
                        g["isSupportTopic"] = val(true);
                    }
                    self.s.groups.insert(gid, g.clone());
                    let conv = format!("{CONV_GROUP}{}", s(&g, "groupID"));
                    if let Some(c) = self.s.conversations.get_mut(&conv) {
                        c.group_profile = g.clone();
                    }
                    list.push(g);
                }
                let next = offset + 50;
                if u(&body, "TotalCount") > next {
                    self.communities_page(call, next, list, topics, now);
                    return;
                }
                if call.is_some() || !list.is_empty() {
                    self.group_list_changed();
                }
                // tim-js-sdk resolves with every topic-enabled community it holds.
                let all: Vec<Value> = self.s.groups.values().filter(|g| g["isSupportTopic"] == true).cloned().collect();
                self.room_done(call, obj! {"groupList": &all});
            }
            RoomOp::TopicCreate { group_id: id, fields } => {
                let topic = s(&body, "TopicId");
                self.topic_store(&id, &topic, &fields);
                self.room_done(call, obj! {"topicID": &topic});
            }
            RoomOp::TopicDelete { group_id: id } => {
                let (mut ok, mut failed) = (Vec::new(), Vec::new());
                for r in body["DestroyResultItem"].as_array().into_iter().flatten() {
                    let topic = s(r, "TopicId");
                    match r["ErrorCode"].as_i64().unwrap_or(0) {
                        0 => {
                            if let Some(m) = self.s.rooms.groups.get_mut(&id).map(|r| &mut r.topics) {
                                m.remove(&topic);
                            }
                            ok.push(obj! {"topicID": &topic});
                        }
                        c => failed.push(obj! {"topicID": &topic, "code": c, "message": &s(r, "ErrorInfo")}),
                    }
                }
                self.room_done(call, obj! {"successTopicList": &ok, "failureTopicList": &failed});
            }
            RoomOp::TopicUpdate { group_id: id, topic_id: topic, fields } => {
                let t = self.topic_store(&id, &topic, &fields);
                self.room_done(call, obj! {"topic": &t});
            }
            RoomOp::TopicList { group_id: id, all } => {
                let (mut ok, mut failed) = (Vec::new(), Vec::new());
                for item in body["TopicAndSelfInfo"].as_array().into_iter().flatten() {
                    let w = &item["TopicInfo"];
                    let topic = s(w, "TopicId");
                    let c = item["ErrorCode"].as_i64().unwrap_or(0);
                    if c != 0 {
                        failed.push(obj! {"topicID": &topic, "code": c, "message": &s(item, "ErrorInfo")});
                        continue;
                    }
                    let mut fields = topic_fields(w);
                    if let Some(n) = w["NextMsgSeq"].as_u64() {
                        fields["nextMessageSeq"] = val(n);
                    }
                    let me_info = &item["SelfInfo"];
                    fields["selfInfo"] = obj! {"muteTime": &u(me_info, "ShutUpTime"), "readedSequence": &u(me_info, "MsgSeq"), "messageRemindType": &s(me_info, "MsgFlag"), "excludedUnreadSequenceList": &me_info["NoUnreadSeqList"]};
                    // `LastMsg`: the topic's last message or tip as it travels.
                    let last = &w["LastMsg"];
                    let kind = if last["Event"] == 4 { GroupItem::Tip } else { GroupItem::Message };
                    let last = last.is_object().then(|| group_message(last, kind, &self.s.user)).flatten();
                    if let Some(m) = &last {
                        fields["lastMessage"] = summary(m, self.intl());
                    }
                    self.topic_store(&id, &topic, &fields);
                    if let Some(m) = &last {
                        let intl = self.intl();
                        let conv = self.group_conversation(&topic);
                        if conv.offer_last(m, intl) {
                            self.touch_conv(&format!("{CONV_GROUP}{topic}"));
                        }
                    }
                    ok.push(topic);
                }
                if !ok.is_empty() {
                    self.room_mut(&id).topics_fetched = Some((now, all));
                }
                let list = if ok.is_empty() { Vec::new() } else { self.local_topics(&id, &ok) };
                self.room_done(call, obj! {"successTopicList": &list, "failureTopicList": &failed});
            }
            _ => {}
        }
    }
}

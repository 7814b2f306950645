//! Group messages, tips and system notices (WIRE.md §4.9, §5.5): filing them, sending, history,
//! read reports and the `page_get` group item.

use serde_json::Value;

use crate::obj;
use crate::value::val;
use tim_proto::cmd;

use super::{s, u, CallResult, Engine, Purpose};
use crate::group::{counts_unread, group_message, item_group_id, GroupItem};
use crate::model::{Conversation, Message, CONV_GROUP, CONV_SYSTEM, MSG_CUSTOM};

impl Engine {
    /// The conversation of group `group_id` (`""`: the system-notice conversation).
    pub(super) fn group_conversation(&mut self, group_id: &str) -> &mut Conversation {
        let id = if group_id.is_empty() { CONV_SYSTEM.to_string() } else { format!("{CONV_GROUP}{group_id}") };
        let profile = self.s.groups.get(group_id).cloned();
        let c = self.s.conversations.entry(id).or_insert_with(|| {
            let mut c = Conversation::group(group_id);
            if super::rooms::is_topic_id(group_id) {
                c.kind = super::rooms::CONV_TOPIC.into();
            }
            c
        });
        if let Some(p) = profile {
            c.group_profile = p;
        }
        c
    }

    /// Take a group message, tip or notice into the state; returns it when new.
    pub(super) fn accept_group(&mut self, item: &Value, kind: GroupItem, count_unread: bool) -> Option<Message> {
        let me = self.s.user.clone();
        let msg = group_message(item, kind, &me)?;
        if self.sending(&msg.id) {
            return None;
        }
        let group_id = item_group_id(item);
        let conv_id = msg.conversation_id.clone();
        if !self.s.history.entry(conv_id.clone()).or_default().insert(msg.clone()) {
            return None;
        }
        let group_type = s(&item["GroupInfo"], "GroupType");
        // Not when the conversation list's count already has it (sent while the login ran).
        let listed =
            kind != GroupItem::Notice && self.s.gsync.counted.get(&conv_id).is_some_and(|&c| msg.sequence <= c);
        let counts = counts_unread(&group_type) && msg.from != me && count_unread && !listed;
        let key = if kind == GroupItem::Notice { "" } else { group_id.as_str() };
        let intl = self.intl();
        let conv = self.group_conversation(key);
        if kind != GroupItem::Notice && conv.group_profile["type"] == "" && !group_type.is_empty() {
            conv.group_profile["type"] = val(&group_type);
            conv.group_profile["name"] = val(s(&item["GroupInfo"], "GroupName"));
        }
        // A resync files messages older than ones pushed meanwhile: the last message and the
        // next sequence never go back.
        if kind == GroupItem::Notice || msg.sequence >= u(&conv.last_message, "lastSequence") {
            conv.offer_last(&msg, intl);
        }
        if counts {
            conv.unread_count += 1;
        }
        self.touch_conv(&conv_id);
        if let Some(g) = self.s.groups.get_mut(&group_id) {
            if kind != GroupItem::Notice && msg.sequence + 1 >= u(g, "nextMessageSeq") {
                g["nextMessageSeq"] = val(&msg.sequence + 1);
                g["lastMessage"] = obj! {"lastTime": &msg.time, "lastSequence": &msg.sequence, "fromAccount": &msg.from, "messageForShow": &msg.message_for_show(intl)};
            }
        }
        self.topic_message(&group_id, &msg);
        self.s.dirty_msgs.push(msg.clone());
        Some(msg)
    }

    /// A group message of a push or a resync into the state, as its `SendMsgControl` says
    /// (`count_unread` false: the server's count already has it); returns it when new.
    pub(super) fn accept_group_msg(&mut self, m: &Value, count_unread: bool) -> Option<Message> {
        let (no_unread, no_last) = super::c2c::control_flags(m);
        let keep = self.last_of(&format!("{CONV_GROUP}{}", item_group_id(m)), no_last);
        let msg = self.accept_group(m, GroupItem::Message, count_unread && !no_unread)?;
        self.restore_last(&msg.conversation_id, keep);
        Some(msg)
    }

    /// A group tip of a push or a resync into the state, with its effects on the group;
    /// returns it when new.
    pub(super) fn accept_tip(&mut self, t: &Value, count_unread: bool, now: u64) -> Option<Message> {
        let msg = self.accept_group(t, GroupItem::Tip, count_unread)?;
        self.tip_effects(&item_group_id(t), &msg.payload, now);
        self.topic_tip(t, &msg.payload);
        Some(msg)
    }

    /// A `GroupTips` item of a push or getmsg (WIRE.md §5.5): tips, notices and control items.
    pub(super) fn group_tips_item(&mut self, event: u64, t: &Value, now: u64) -> Option<Message> {
        let body = &t["MsgBody"];
        let gid = item_group_id(t);
        if event == 6 && self.online_tip(t, now) {
            return None;
        }
        if event == 4 || event == 6 {
            return self.accept_tip(t, event == 4, now);
        }
        if event == 12 {
            if s(t, "From_Account") != self.s.user {
                let flags = body["AtFlagList"].as_array().cloned().unwrap_or_default();
                let at = obj! {"from": &s(body, "From_Account"), "groupID": &gid, "messageSequence": &u(body, "AtMsgSeq"), "atTypeArray": &flags};
                self.group_conversation(&gid).group_at_info_list.push(at);
                self.touch_conv(&format!("{CONV_GROUP}{gid}"));
                self.topic_at_tip(&gid);
            }
            return None;
        }
        if event != 5 {
            return None;
        }
        if body.get("GroupReadInfoArray").is_some() {
            for r in body["GroupReadInfoArray"].as_array().into_iter().flatten() {
                let g = s(r, "GroupId");
                let seq = u(r, "LastReadMsgSeq");
                let conv_id = format!("{CONV_GROUP}{g}");
                if let Some(c) = self.s.conversations.get_mut(&conv_id) {
                    let last = c.last_message["lastSequence"].as_u64().unwrap_or(0);
                    if seq >= last {
                        c.unread_count = 0;
                        c.group_at_info_list.clear();
                    }
                    self.touch_conv(&conv_id);
                }
            }
            return None;
        }
        if body.get("GroupWithdrawInfoArray").is_some() || body.get("GroupMsgReceiptList").is_some() {
            return None;
        }
        if self.topic_notice(t, now) {
            return None;
        }
        let live = !self.s.quiet;
        let msg = self.accept_group(t, GroupItem::Notice, live)?;
        if live {
            self.notice_effects(&gid, &msg.payload, now);
        }
        Some(msg)
    }

    pub(super) fn tip_effects(&mut self, gid: &str, p: &Value, now: u64) {
        let me = self.s.user.clone();
        let mine = p["userIDList"].as_array().is_some_and(|l| l.iter().any(|x| x == me.as_str()));
        let op = p["operationType"].as_u64().unwrap_or(0);
        let known = self.s.groups.contains_key(gid);
        if let Some(g) = self.s.groups.get_mut(gid) {
            if let Some(n) = p["memberNum"].as_u64() {
                g["memberCount"] = val(n);
                g["memberNum"] = val(n);
            }
            match op {
                4 if mine => g["selfInfo"]["role"] = val("Admin"),
                5 if mine => g["selfInfo"]["role"] = val("Member"),
                6 => {
                    let np = &p["newGroupProfile"];
                    for (wire, app) in [
                        ("groupName", "name"),
                        ("avatar", "avatar"),
                        ("introduction", "introduction"),
                        ("notification", "notification"),
                        ("joinOption", "joinOption"),
                        ("ownerID", "ownerID"),
                        ("muteAllMembers", "muteAllMembers"),
                        ("groupCustomField", "groupCustomField"),
                    ] {
                        if let Some(v) = np.get(wire).filter(|v| !v.is_null()) {
                            g[app] = v.clone();
                        }
                    }
                    if np["ownerID"] == me.as_str() {
                        g["selfInfo"]["role"] = val("Owner");
                    }
                }
                _ => {}
            }
            let g = g.clone();
            self.sync_group_conversation(&g);
            self.group_list_changed();
        } else if op == 1 && mine && !known {
            self.group_profile_request(None, gid, obj! {}, Value::Null, now);
        }
    }

    pub(super) fn notice_effects(&mut self, gid: &str, p: &Value, now: u64) {
        match p["operationType"].as_u64().unwrap_or(0) {
            4 | 5 | 8 | 11 | 21 => self.drop_group(gid),
            2 | 6 | 7 => self.group_profile_request(None, gid, obj! {}, Value::Null, now),
            9 | 10 => {
                if let Some(g) = self.s.groups.get_mut(gid) {
                    let role = if p["operationType"] == 9 { "Admin" } else { "Member" };
                    g["selfInfo"]["role"] = val(role);
                    self.group_list_changed();
                }
            }
            _ => {}
        }
    }

    /// `send_group_msg` for a created group message (WIRE.md §4.2).
    pub(super) fn send_group_message(
        &mut self,
        msg: &Message,
        opts: &Value,
        control: Vec<&str>,
        now: u64,
    ) -> CallResult {
        let push = &opts["offlinePushInfo"];
        let at: Vec<Value> = msg
            .at_user_list
            .iter()
            .map(|u| {
                if u == crate::model::MSG_AT_ALL {
                    obj! {"GroupAtAllFlag": 1}
                } else {
                    obj! {"GroupAtAllFlag": 0, "GroupAt_Account": &u}
                }
            })
            .collect();
        let mut body = obj! {"From_Account": &self.s.user, "GroupId": &msg.to, "Random": &msg.random, "ClientSeq": &msg.sequence, "MsgPriority": &msg.priority, "MsgBody": &crate::model::elems_to_json(&msg.elements), "CloudCustomData": &msg.cloud_custom_data, "OnlineOnlyFlag": &u32::from(opts["onlineUserOnly"].as_bool().unwrap_or(false)), "OfflinePushInfo": obj!{"PushFlag": &u32::from(push["disablePush"].as_bool().unwrap_or(false)), "Title": &s(push, "title"), "Desc": &s(push, "description"), "Ext": &s(push, "extension"), "ApnsInfo": obj!{"BadgeMode": &u32::from(push["ignoreIOSBadge"].as_bool().unwrap_or(false))}, "AndroidInfo": obj!{"OPPOChannelID": &s(push, "androidOPPOChannelID")}}, "GroupAtInfo": &at, "MsgClientTime": &msg.client_time, "NeedReadReceipt": &u32::from(msg.need_read_receipt), "SupportMessageExtension": 0};
        if !control.is_empty() {
            body["SendMsgControl"] = val(control.as_slice());
        }
        super::rooms::address_topic(&mut body);
        if msg.kind == MSG_CUSTOM && msg.payload["data"] == "group_create" {
            body["MsgPriority"] = val("Normal");
        }
        let call = self.pending_call();
        self.request(cmd::SEND_GROUP_MSG, body, Purpose::Send { call, id: msg.id.clone() }, now);
        CallResult::Pending(call)
    }

    /// `group_msg_get` below sequence `below` (0: the newest).
    pub(super) fn group_history_request(
        &mut self,
        call: u64,
        conv: String,
        cursor: Option<String>,
        count: u64,
        below: u64,
        now: u64,
    ) {
        let gid = conv.strip_prefix(CONV_GROUP).unwrap_or("").to_string();
        let mut body = obj! {"WithRecalledMsg": 1, "GroupId": &gid, "ReqMsgNumber": &count};
        if below > 0 {
            body["ReqMsgSeq"] = val(below);
        }
        super::rooms::address_topic(&mut body);
        self.request(cmd::GROUP_MSG_GET, body, Purpose::Roam { call, conv, cursor, count }, now);
    }

    /// The `group_msg_get` reply: history items into the conversation's cache.
    pub(super) fn group_history_reply(&mut self, conv: &str, body: &Value) {
        let me = self.s.user.clone();
        let mut added = Vec::new();
        let list = body["RspMsgList"].as_array().map(Vec::as_slice).unwrap_or_default();
        let mut lowest = u64::MAX;
        for m in list {
            lowest = lowest.min(u(m, "MsgSeq"));
            if u(m, "IsPlaceMsg") == 1 {
                continue;
            }
            let kind = if u(m, "Event") == 4 { GroupItem::Tip } else { GroupItem::Message };
            if let Some(mut msg) = group_message(m, kind, &me) {
                msg.is_read = true;
                if self.s.history.entry(conv.to_string()).or_default().insert(msg.clone()) {
                    added.push(msg);
                }
            }
        }
        let h = self.s.history.entry(conv.to_string()).or_default();
        if u(body, "IsFinished") == 2 || list.is_empty() || lowest <= 1 {
            h.complete = true;
        }
        if let Some(r) = self.s.gsync.running.get_mut(conv) {
            // A page of the range being resynced: announced when the resync ends.
            r.fresh.extend(added.iter().filter(|m| m.sequence > r.floor && m.sequence <= r.top).cloned());
        }
        self.s.dirty_msgs.extend(added);
    }

    /// `setMessageRead` on a group or the system conversation.
    pub(super) fn group_read(&mut self, conv: &str, now: u64) -> CallResult {
        // As tim-js-sdk: a conversation not in the list yet (a group just joined) resolves.
        let Some(c) = self.s.conversations.get_mut(conv) else {
            return CallResult::Done(Ok(obj! {}));
        };
        c.unread_count = 0;
        c.group_at_info_list.clear();
        let seq = c.last_message["lastSequence"].as_u64().unwrap_or(0);
        if let Some(h) = self.s.history.get_mut(conv) {
            for m in h.msgs.iter_mut().filter(|m| !m.is_read) {
                m.is_read = true;
            }
        }
        self.touch_conv(conv);
        self.topic_read(conv);
        let Some(gid) = conv.strip_prefix(CONV_GROUP) else {
            // The system-notice conversation is read locally only.
            return CallResult::Done(Ok(obj! {}));
        };
        let mut body = obj! {"GroupId": &gid, "MsgReadedSeq": &seq};
        super::rooms::address_topic(&mut body);
        let call = self.pending_call();
        self.request(cmd::GROUP_MSG_READ_REPORT, body, Purpose::Read { call }, now);
        CallResult::Pending(call)
    }

    /// A `page_get` group item (`Type 2`, WIRE.md §4.6).
    pub(super) fn group_session_item(&mut self, item: &Value, now: u64) {
        let gid = s(item, "ToAccount");
        if gid.is_empty() {
            return;
        }
        let me = self.s.user.clone();
        let last = &item["LastMsg"];
        let wire = if u(last, "Event") == 4 && last["GroupTips"].is_object() {
            Some((last["GroupTips"].clone(), GroupItem::Tip))
        } else {
            Some((
                obj! {"From_Account": &s(item, "MsgGroupFrom_Account"), "ToGroupId": &gid, "GroupInfo": obj!{"GroupId": &gid, "From_AccountNick": &s(item, "MsgGroupFromNickName"), "MsgFrom_AccountExtraInfo": obj!{"NameCard": &s(item, "MsgGroupFromCardName")}}, "MsgSeq": &u(item, "MsgSeq"), "Random": &u(item, "MsgRandom"), "MsgTime": &u(item, "MsgTime"), "MsgBody": &last["MsgBody"], "CloudCustomData": &last["CloudCustomData"], "MsgFlagBits": &if u(item, "LastMsgFlags") == 2 { 8 } else { 0 }},
                GroupItem::Message,
            ))
        };
        let kind = s(item, "GroupType");
        // The newest sequence: `GroupNextMsgSeq` also counts messages kept out of `LastMsg`.
        let newest = u(item, "MsgSeq").max(u(item, "GroupNextMsgSeq").saturating_sub(1));
        self.group_resync(&gid, &kind, newest, now);
        let unread = if counts_unread(&kind) { u(item, "UnreadMsgCount") } else { 0 };
        self.s.gsync.counted.insert(format!("{CONV_GROUP}{gid}"), newest);
        let (name, image) = (s(item, "GroupNick"), s(item, "GroupImage"));
        let last = wire.and_then(|(w, k)| group_message(&w, k, &me));
        let intl = self.intl();
        let conv = self.group_conversation(&gid);
        if conv.group_profile["name"] == "" && !name.is_empty() {
            conv.group_profile["name"] = val(&name);
        }
        if conv.group_profile["avatar"] == "" && !image.is_empty() {
            conv.group_profile["avatar"] = val(&image);
        }
        if conv.group_profile["type"] == "" && !kind.is_empty() {
            conv.group_profile["type"] = val(&kind);
        }
        conv.unread_count = unread;
        conv.is_pinned = u(item, "TopFlags") == 1;
        if let Some(m) = last.filter(|m| m.time > 0) {
            conv.offer_last(&m, intl);
        }
        self.touch_conv(&format!("{CONV_GROUP}{gid}"));
    }

    /// tim-js-sdk sends this custom message to every new group it creates (WIRE.md §4.2).
    pub(super) fn send_group_create_message(&mut self, group_id: &str, now: u64) {
        let ext = if self.intl() {
            format!("{} created a group", self.s.user)
        } else {
            format!("{}创建群组", self.s.user)
        };
        let msg = obj! {"to": &group_id, "conversationType": &CONV_GROUP, "payload": obj!{"data": "group_create", "description": "", "extension": &ext}};
        if let CallResult::Done(Ok(m)) = self.create_message("createCustomMessage", msg, now) {
            let _ = self.send_message(m, Value::Null, now);
        }
    }

    /// Keep a group conversation's profile in step with its group.
    pub(super) fn sync_group_conversation(&mut self, g: &Value) {
        let conv_id = format!("{CONV_GROUP}{}", s(g, "groupID"));
        if let Some(c) = self.s.conversations.get_mut(&conv_id) {
            c.group_profile = g.clone();
        }
    }
}

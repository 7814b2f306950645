//! C2C messages: create, send, accept, peer read receipts, history (`getMessageList`) and
//! `setMessageRead`.

use serde_json::Value;

use crate::obj;
use crate::value::val;
use tim_proto::{
    cmd, code,
    msg::{C2cMsg, MsgElem},
};

use super::{ev, s, u, ApiError, CallResult, Engine, History, Purpose};
use crate::model::{
    c2c_from_json, elems_to_json, Draft, Message, CONV_C2C, CONV_GROUP, CONV_SYSTEM, MSG_CUSTOM, MSG_TEXT,
};

const MAX_PAGE: u64 = 15;

/// `conversationID` of a C2C API call and its peer, or the call's failure.
fn c2c_conversation(a: &Value) -> Result<(String, String), CallResult> {
    let conv = s(a, "conversationID");
    if conv.is_empty() {
        return Err(CallResult::Throw("Params validate failed.".into()));
    }
    match conv.strip_prefix(CONV_C2C).filter(|p| !p.is_empty()) {
        Some(peer) => Ok((conv.clone(), peer.to_string())),
        None => Err(CallResult::Done(Err(ApiError::new(
            code::INVALID_CONVERSATION_ID,
            "only C2C conversations are supported in this release",
        )))),
    }
}

/// `SendMsgControl` of a received message: `(excludedFromUnreadCount, excludedFromLastMessage)`.
/// Pushes carry `{"NoUnread": 1, "NoLastMsg": 1}`; the sender's list form is accepted too.
pub(super) fn control_flags(m: &Value) -> (bool, bool) {
    let c = &m["SendMsgControl"];
    let has = |k: &str| c[k].as_u64() == Some(1) || c.as_array().is_some_and(|l| l.iter().any(|x| x == k));
    (has("NoUnread"), has("NoLastMsg"))
}

/// The peer of a wire C2C message seen by `me`.
pub(super) fn c2c_peer(m: &Value, me: &str) -> String {
    let (from, to) = (s(m, "From_Account"), s(m, "To_Account"));
    if from == me {
        to
    } else {
        from
    }
}

impl Engine {
    /// Take a wire message into the conversation state. Returns it when it is new.
    pub(super) fn accept(&mut self, m: &C2cMsg, count_unread: bool) -> Option<Message> {
        // A message must name both ends, one of them this user; anything else is dropped.
        let me = self.s.user.as_str();
        if m.from_account.is_empty() || m.to_account.is_empty() || (m.from_account != me && m.to_account != me) {
            return None;
        }
        let msg = Message::from_c2c(m, &self.s.user);
        if self.sending(&msg.id) {
            return None;
        }
        let conv_id = msg.conversation_id.clone();
        let peer = msg.peer().to_string();
        let hist = self.s.history.entry(conv_id.clone()).or_default();
        if !hist.insert(msg.clone()) {
            return None;
        }
        let is_in = msg.flow == "in";
        let intl = self.intl();
        let peer_read = {
            let conv = self.conversation(&peer);
            conv.offer_last(&msg, intl);
            if is_in && count_unread {
                conv.unread_count += 1;
            }
            if !is_in && msg.nick.is_empty() {
                // keep our own nick off the peer profile
            } else if is_in && !msg.nick.is_empty() {
                conv.user_profile["nick"] = val(&msg.nick);
            }
            conv.peer_read_time
        };
        let mut msg = msg;
        if !is_in && msg.time <= peer_read {
            msg.is_peer_read = true;
        }
        self.touch_conv(&conv_id);
        self.s.dirty_msgs.push(msg.clone());
        Some(msg)
    }

    /// A `sendmsg` / `send_group_msg` of message `id` waits for its reply. A copy of the message
    /// that comes back before it (the server echoing it to the sending socket) is not a received
    /// message: tim-js-sdk drops what this instance sent, and the reply files it.
    pub(super) fn sending(&self, id: &str) -> bool {
        self.pending.values().any(|p| matches!(&p.purpose, Purpose::Send { id: sent, .. } if sent == id))
    }

    pub(super) fn peer_read(&mut self, r: &Value, _now: u64) {
        let reader = s(r, "To_Account");
        let t = r["UinPairReadArray"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["LastReadTime"].as_u64())
            .max()
            .unwrap_or(0);
        if reader.is_empty() || t == 0 {
            return;
        }
        let conv_id = format!("{CONV_C2C}{reader}");
        self.conversation(&reader).peer_read_time = t;
        let mut read = Vec::new();
        if let Some(h) = self.s.history.get_mut(&conv_id) {
            for m in h.msgs.iter_mut().filter(|m| m.flow == "out" && !m.is_peer_read && m.time <= t) {
                m.is_peer_read = true;
                read.push(m.clone());
            }
        }
        self.touch_conv(&conv_id);
        if !read.is_empty() {
            self.s.dirty_msgs.extend(read.iter().cloned());
            let data = read.iter().map(Message::to_json).collect();
            self.emit(ev::MESSAGE_READ_BY_PEER, Some(Value::Array(data)));
        }
    }

    pub(super) fn next_msg_seq(&mut self, now: u64) -> u64 {
        if self.msg_seq == 0 {
            let local = (now / 1000) as i64 + self.cfg.tz_offset_min * 60;
            let day = local.rem_euclid(86_400) as u64;
            let (h, m, sec) = (day / 3600, day % 3600 / 60, day % 60);
            let hh = if h < 10 { 30 + h } else { h };
            self.msg_seq = ((hh * 100 + m) * 100 + sec) * 10_000;
        }
        self.msg_seq += 1;
        self.msg_seq
    }

    pub(super) fn create_message(&mut self, method: &str, a: Value, now: u64) -> CallResult {
        let to = s(&a, "to");
        let conv_type = a["conversationType"].as_str().unwrap_or("");
        let p = &a["payload"];
        if to.is_empty() || !p.is_object() {
            return CallResult::Throw("Params validate failed.".into());
        }
        if conv_type != CONV_C2C && conv_type != CONV_GROUP {
            return CallResult::Done(Err(ApiError::new(
                code::MESSAGE_SEND_INVALID_CONVERSATION_TYPE,
                "conversationType must be TIM.TYPES.CONV_C2C or CONV_GROUP",
            )));
        }
        let at_users: Vec<String> = if method == "createTextAtMessage" {
            p["atUserList"].as_array().into_iter().flatten().filter_map(|u| u.as_str().map(str::to_string)).collect()
        } else {
            Vec::new()
        };
        let (kind, payload, content) = if method != "createCustomMessage" {
            let Some(text) = p["text"].as_str().filter(|t| !t.is_empty()) else {
                return CallResult::Throw("Params validate failed.".into());
            };
            let payload = if method == "createTextAtMessage" {
                obj! {"text": &text, "atUserList": &at_users}
            } else {
                obj! {"text": &text}
            };
            (MSG_TEXT, payload, obj! {"Text": &text})
        } else {
            let field = |k: &str| p[k].as_str().unwrap_or("").to_string();
            let (d, desc, ext) = (field("data"), field("description"), field("extension"));
            (
                MSG_CUSTOM,
                obj! {"data": &d, "description": &desc, "extension": &ext},
                obj! {"Data": &d, "Desc": &desc, "Ext": &ext},
            )
        };
        let draft = Draft {
            to,
            conversation_type: conv_type.into(),
            kind: kind.into(),
            payload,
            elements: vec![MsgElem { msg_type: kind.into(), msg_content: content }],
            priority: a["priority"].as_str().unwrap_or("Normal").to_string(),
            cloud_custom_data: s(&a, "cloudCustomData"),
            need_read_receipt: a["needReadReceipt"].as_bool().unwrap_or(false),
        };
        let client_time = self.server_secs(now);
        let random = self.rand() % 100_000_000;
        let seq = self.next_msg_seq(now);
        let mut msg = Message::outgoing(draft, &self.s.user, &self.s.tiny_id, client_time, random, seq);
        msg.nick = self.s.nick.clone();
        msg.avatar = self.s.avatar.clone();
        msg.at_user_list = at_users;
        if conv_type == CONV_GROUP {
            // A group message's sequence is assigned by the server; clientSequence is ours.
            msg.sequence = 0;
        }
        let v = msg.to_json();
        self.s.drafts.insert(msg.id.clone(), msg);
        CallResult::Done(Ok(v))
    }

    pub(super) fn send_message(&mut self, m: Value, opts: Value, now: u64) -> CallResult {
        let id = s(&m, "ID");
        let sent =
            self.s.history.get(&s(&m, "conversationID")).and_then(|h| h.position(&id).map(|i| h.msgs[i].clone()));
        if let Some(sent) = sent.filter(|m| m.status == "success" && m.flow == "out") {
            return CallResult::Done(Ok(obj! {"message": &sent.to_json()}));
        }
        let Some(msg) = self.s.drafts.get_mut(&id) else {
            return CallResult::Done(Err(ApiError::new(
                code::MESSAGE_SEND_NEED_MESSAGE_INSTANCE,
                "sendMessage needs a Message created by this instance",
            )));
        };
        msg.status = "unSend".into();
        let msg = msg.clone();
        if !self.open {
            return self.queue_offline(msg, opts, now);
        }
        let online_only = opts["onlineUserOnly"].as_bool().unwrap_or(false);
        let mut control = Vec::new();
        if opts["messageControlInfo"]["excludedFromUnreadCount"].as_bool() == Some(true) {
            control.push("NoUnread");
        }
        if opts["messageControlInfo"]["excludedFromLastMessage"].as_bool() == Some(true) {
            control.push("NoLastMsg");
        }
        if msg.conversation_type == CONV_GROUP {
            #[cfg(feature = "groups")]
            return self.send_group_message(&msg, &opts, control, now);
            #[cfg(not(feature = "groups"))]
            return CallResult::Done(Err(super::not_in_edition("groups")));
        }
        let push = &opts["offlinePushInfo"];
        let mut body = obj! {"From_Account": &self.s.user, "To_Account": &msg.to, "MsgSeq": &msg.sequence, "MsgRandom": &msg.random, "MsgBody": &elems_to_json(&msg.elements), "CloudCustomData": &msg.cloud_custom_data, "From_AccountNick": &self.s.nick, "From_AccountHeadurl": &self.s.avatar, "OfflinePushInfo": obj!{"PushFlag": &u32::from(push["disablePush"].as_bool().unwrap_or(false)), "Title": &s(push, "title"), "Desc": &s(push, "description"), "Ext": &s(push, "extension"), "ApnsInfo": obj!{"BadgeMode": &u32::from(push["ignoreIOSBadge"].as_bool().unwrap_or(false))}, "AndroidInfo": obj!{"OPPOChannelID": &s(push, "androidOPPOChannelID")}}, "SendMsgControl": &control, "MsgClientTime": &msg.client_time, "IsNeedReadReceipt": &u32::from(msg.need_read_receipt), "SupportMessageExtension": 0};
        if online_only {
            body["MsgLifeTime"] = val(0);
        }
        let call = self.pending_call();
        self.request(cmd::SENDMSG, body, Purpose::Send { call, id }, now);
        CallResult::Pending(call)
    }

    pub(super) fn send_reply(&mut self, call: u64, id: String, body: Value, now: u64) {
        let (msg_time, msg_key) = (u(&body, "MsgTime"), s(&body, "MsgKey"));
        // A sent message leaves the drafts for the conversation's history.
        let Some(mut msg) = self.s.drafts.remove(&id) else { return };
        msg.status = "success".into();
        msg.time = msg_time;
        let conv_id = msg.conversation_id.clone();
        let peer = msg.to.clone();
        let group = msg.conversation_type == CONV_GROUP;
        if group {
            msg.sequence = u(&body, "MsgSeq");
        } else {
            msg.message_key = if msg_key.is_empty() {
                tim_proto::msg::c2c_msg_key(msg.sequence, msg.random, msg_time)
            } else {
                msg_key
            };
        }
        if self.s.history.entry(conv_id.clone()).or_default().insert(msg.clone()) {
            let intl = self.intl();
            if group {
                #[cfg(feature = "groups")]
                {
                    self.group_conversation(&peer).offer_last(&msg, intl);
                    if let Some(g) = self.s.groups.get_mut(&peer) {
                        g["nextMessageSeq"] = val(&msg.sequence + 1);
                    }
                }
            } else {
                self.conversation(&peer).offer_last(&msg, intl);
            }
            self.touch_conv(&conv_id);
            self.s.dirty_msgs.push(msg.clone());
        }
        self.settle(call, Ok(obj! {"message": &msg.to_json()}));
        if !group {
            self.ask_peer_read_time(&peer, now);
        }
    }

    /// Ask once per peer for the time up to which the peer has read (WIRE.md §4.4).
    pub(super) fn ask_peer_read_time(&mut self, peer: &str, now: u64) {
        if self.s.peer_read_asked.iter().any(|p| p == peer) {
            return;
        }
        self.s.peer_read_asked.push(peer.to_string());
        self.request(
            cmd::GET_PEER_READ_TIME,
            obj! {"To_Account": Value::Array(vec![val(peer)])},
            Purpose::PeerReadTime,
            now,
        );
    }

    pub(super) fn get_message_list(&mut self, a: Value, now: u64) -> CallResult {
        let id = s(&a, "conversationID");
        if id.starts_with(CONV_GROUP) && id.len() > CONV_GROUP.len() || id == CONV_SYSTEM {
            #[cfg(not(feature = "groups"))]
            return CallResult::Done(Err(super::not_in_edition("groups")));
            #[cfg(feature = "groups")]
            {
                let count = a["count"].as_u64().unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
                let cursor = a["nextReqMessageID"].as_str().filter(|c| !c.is_empty()).map(str::to_string);
                if let Some(r) = self.read_cache_first(&id, &a, cursor.as_deref(), count) {
                    return r;
                }
                if self.stale_top(&id, cursor.as_deref()) {
                    let call = self.pending_call();
                    self.group_history_request(call, id, cursor, count, 0, now);
                    return CallResult::Pending(call);
                }
                if let Some(done) = self.page_from_cache(&id, cursor.as_deref(), count, id == CONV_SYSTEM) {
                    return CallResult::Done(Ok(done));
                }
                let below = self.group_gap_below(&id, cursor.as_deref());
                let call = self.pending_call();
                self.group_history_request(call, id, cursor, count, below, now);
                return CallResult::Pending(call);
            }
        }
        let (conv, peer) = match c2c_conversation(&a) {
            Ok(v) => v,
            Err(r) => return r,
        };
        let count = a["count"].as_u64().unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
        let cursor = a["nextReqMessageID"].as_str().filter(|c| !c.is_empty()).map(str::to_string);
        if let Some(r) = self.read_cache_first(&conv, &a, cursor.as_deref(), count) {
            return r;
        }
        if let Some(done) = self.page_from_cache(&conv, cursor.as_deref(), count, false) {
            return CallResult::Done(Ok(done));
        }
        let (time, key) = self
            .s
            .history
            .get(&conv)
            .and_then(|h| h.msgs.first())
            .map_or((0, String::new()), |m| (m.time, m.message_key.clone()));
        let body = obj! {"Peer_Account": &peer, "MaxCnt": &count, "LastMsgTime": &time, "MsgKey": &key, "WithRecalledMsg": 1, "GetDirection": 0};
        let call = self.pending_call();
        self.request(cmd::GETROAMMSG, body, Purpose::Roam { call, conv, cursor, count }, now);
        CallResult::Pending(call)
    }

    /// A page older than `cursor` (or the newest), when the cache can answer it.
    pub(super) fn page_from_cache(&self, conv: &str, cursor: Option<&str>, count: u64, force: bool) -> Option<Value> {
        let empty = History::default();
        let h = self.s.history.get(conv).unwrap_or(&empty);
        let end = match cursor {
            Some(id) => h.position(id)?,
            None => h.msgs.len(),
        };
        let count = count as usize;
        if conv.starts_with(CONV_GROUP) && !force {
            // A group page is served locally only when its sequences have no hole.
            let run = Self::contiguous_from(h, end);
            let reaches_start = run == 0 && (h.complete || h.msgs.first().is_some_and(|m| m.sequence <= 1));
            if end - run < count && !reaches_start {
                return None;
            }
        } else if end < count && !h.complete && !force {
            return None;
        }
        let start = end.saturating_sub(count);
        let page: Vec<Value> = h.msgs[start..end].iter().map(Message::to_json).collect();
        // A group conversation starts at sequence 1.
        let first_seq_one = conv.starts_with(CONV_GROUP) && h.msgs.first().is_some_and(|m| m.sequence == 1);
        let completed = start == 0 && (h.complete || first_seq_one);
        let next = if completed { String::new() } else { h.msgs.get(start).map(|m| m.id.clone()).unwrap_or_default() };
        Some(obj! {"messageList": &page, "nextReqMessageID": &next, "isCompleted": &completed})
    }

    /// The start of the run of consecutive sequences that ends just before index `end`. When
    /// `end` is a message (a page cursor), the run must join it: a hole right below the cursor
    /// makes the run empty (`end`), so the page comes from the server.
    pub(super) fn contiguous_from(h: &History, end: usize) -> usize {
        if end == 0 || end > h.msgs.len() {
            return end.min(h.msgs.len());
        }
        if end < h.msgs.len() && h.msgs[end - 1].sequence + 1 != h.msgs[end].sequence {
            return end;
        }
        let mut run = end - 1;
        while run > 0 && h.msgs[run - 1].sequence + 1 == h.msgs[run].sequence {
            run -= 1;
        }
        run
    }

    /// The sequence to fetch group history below: just under the contiguous run before the
    /// cursor (0 = the newest).
    pub(super) fn group_gap_below(&self, conv: &str, cursor: Option<&str>) -> u64 {
        let Some(h) = self.s.history.get(conv) else { return 0 };
        let end = match cursor {
            Some(id) => h.position(id).unwrap_or(h.msgs.len()),
            None => h.msgs.len(),
        };
        if end == 0 {
            return 0;
        }
        let run = Self::contiguous_from(h, end);
        h.msgs.get(run).map_or(0, |m| m.sequence.saturating_sub(1))
    }

    /// Settle a history call from the cache after a server page was merged into it.
    pub(super) fn settle_page(&mut self, call: u64, conv: &str, cursor: Option<String>, count: u64) {
        let page = self
            .page_from_cache(conv, cursor.as_deref(), count, true)
            .unwrap_or_else(|| obj! {"messageList": Value::Array(vec![]), "nextReqMessageID": "", "isCompleted": true});
        self.settle(call, Ok(page));
    }

    pub(super) fn roam_reply(&mut self, call: u64, conv: String, cursor: Option<String>, count: u64, body: Value) {
        let user = self.s.user.clone();
        let h = self.s.history.entry(conv.clone()).or_default();
        let mut added = Vec::new();
        let list = body["MsgList"].as_array().map(Vec::as_slice).unwrap_or_default();
        for m in list {
            let msg = Message::from_c2c(&C2cMsg { is_sync_msg: 0, ..c2c_from_json(m) }, &user);
            if h.insert(msg.clone()) {
                added.push(msg);
            }
        }
        if u(&body, "Complete") == 1 || list.is_empty() {
            h.complete = true;
        }
        let peer_read = self.s.conversations.get(&conv).map_or(0, |c| c.peer_read_time);
        if let Some(h) = self.s.history.get_mut(&conv) {
            for m in h.msgs.iter_mut().filter(|m| m.flow == "out" && m.time <= peer_read) {
                m.is_peer_read = true;
            }
        }
        self.s.dirty_msgs.extend(added);
        let page = self
            .page_from_cache(&conv, cursor.as_deref(), count, true)
            .unwrap_or_else(|| obj! {"messageList": Value::Array(vec![]), "nextReqMessageID": "", "isCompleted": true});
        self.settle(call, Ok(page));
    }

    pub(super) fn set_message_read(&mut self, a: Value, now: u64) -> CallResult {
        let id = s(&a, "conversationID");
        if id.starts_with(CONV_GROUP) && id.len() > CONV_GROUP.len() || id == CONV_SYSTEM {
            #[cfg(not(feature = "groups"))]
            return CallResult::Done(Err(super::not_in_edition("groups")));
            #[cfg(feature = "groups")]
            {
                return self.group_read(&id, now);
            }
        }
        let (conv, peer) = match c2c_conversation(&a) {
            Ok(v) => v,
            Err(r) => return r,
        };
        // As tim-js-sdk: a conversation not in the list yet (just opened) has nothing to read.
        let Some(c) = self.s.conversations.get_mut(&conv) else {
            return CallResult::Done(Ok(obj! {}));
        };
        c.unread_count = 0;
        let last = c.last_time;
        if let Some(h) = self.s.history.get_mut(&conv) {
            for m in h.msgs.iter_mut().filter(|m| !m.is_read) {
                m.is_read = true;
            }
        }
        self.touch_conv(&conv);
        let body = obj! {"C2CMsgReaded": obj!{"Cookie": "", "C2CMsgReadedItem": Value::Array(vec![obj!{"To_Account": &peer, "LastedMsgTime": &last, "Receipt": 1}])}};
        let call = self.pending_call();
        self.request(cmd::MSGREADED, body, Purpose::Read { call }, now);
        CallResult::Pending(call)
    }
}

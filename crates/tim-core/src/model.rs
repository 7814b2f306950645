//! The objects the app sees — Message and Conversation with tim-js-sdk's field names
//! (CONSTANTS.md §9) — and their conversion from wire messages.
//!
//! Conversions to and from JSON are written out by hand instead of derived: the engine ships in
//! the wasm bundle, and one `Value` path is much smaller than a serde instantiation per type.

use serde_json::Value;

use crate::obj;
use tim_proto::msg::{C2cMsg, MsgElem, FLAG_RECALLED};

/// `TIM.TYPES.CONV_C2C`.
pub const CONV_C2C: &str = "C2C";
/// `TIM.TYPES.CONV_GROUP`.
pub const CONV_GROUP: &str = "GROUP";
/// `TIM.TYPES.CONV_TOPIC`: the conversation type of a topic.
pub const CONV_TOPIC: &str = "TOPIC";
/// `TIM.TYPES.MSG_TEXT`.
pub const MSG_TEXT: &str = "TIMTextElem";
/// `TIM.TYPES.MSG_CUSTOM`.
pub const MSG_CUSTOM: &str = "TIMCustomElem";
/// `TIM.TYPES.CONV_SYSTEM`: the conversation of group system notices.
pub const CONV_SYSTEM: &str = "@TIM#SYSTEM";
/// `TIM.TYPES.MSG_GRP_TIP`.
pub const MSG_GRP_TIP: &str = "TIMGroupTipElem";
/// `TIM.TYPES.MSG_GRP_SYS_NOTICE`.
pub const MSG_GRP_SYS_NOTICE: &str = "TIMGroupSystemNoticeElem";
/// `TIM.TYPES.MSG_AT_ALL`: the `atUserList` entry of an @all.
pub const MSG_AT_ALL: &str = "__kImSDK_MesssAtALL__";

/// Whether tim-js-sdk treats the app as international (English placeholders and notices): by
/// the range its SDKAppID comes from.
pub fn is_intl(sdk_app_id: u64) -> bool {
    let a = sdk_app_id;
    a == 0 || (20_000_000..80_000_000).contains(&a) || (1_720_000_000..1_780_000_000).contains(&a)
}

/// A message as the app sees it (runtime fields of tim-js-sdk 2.x; `_`-prefixed fields are
/// internal, as in the official objects).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Message {
    pub id: String,
    pub kind: String,
    pub payload: Value,
    pub conversation_id: String,
    pub conversation_type: String,
    pub to: String,
    pub from: String,
    pub flow: String,
    pub time: u64,
    pub status: String,
    pub is_revoked: bool,
    pub priority: String,
    pub nick: String,
    pub avatar: String,
    pub is_peer_read: bool,
    pub name_card: String,
    pub at_user_list: Vec<String>,
    pub cloud_custom_data: String,
    pub is_deleted: bool,
    pub is_modified: bool,
    pub need_read_receipt: bool,
    pub read_receipt_info: Value,
    pub is_broadcast_message: bool,
    pub is_support_extension: bool,
    pub revoker: String,
    pub sequence: u64,
    pub client_sequence: u64,
    pub random: u64,
    pub is_place_message: u32,
    pub is_system_message: bool,
    pub protocol: String,
    pub is_resend: bool,
    pub is_read: bool,
    pub client_time: u64,
    pub sender_tiny_id: String,
    pub version: u64,
    /// The C2C message key `seq_random_time`, the history cursor (`_messageKey`).
    pub message_key: String,
    /// The wire elements, kept to send and to persist unchanged (`_elements`).
    pub elements: Vec<MsgElem>,
}

/// A JSON object written field by field straight to text (see [`Conversation::write_json`]).
/// Only strings and `Value`s go through serde_json, so the wasm carries two serialiser
/// instances, not one per field type.
struct JsonObject<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> JsonObject<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        JsonObject { out, first: true }
    }

    /// `key` must need no escaping (the engine's own field names).
    fn key(&mut self, key: &str) {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn list<T>(&mut self, key: &str, items: &[T], mut each: impl FnMut(&mut Vec<u8>, &T)) {
        self.key(key);
        self.out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            each(self.out, item);
        }
        self.out.push(b']');
    }

    fn str(&mut self, key: &str, v: &str) {
        self.key(key);
        write_str(self.out, v);
    }

    fn num(&mut self, key: &str, v: u64) {
        self.key(key);
        self.out.extend_from_slice(v.to_string().as_bytes());
    }

    fn bool(&mut self, key: &str, v: bool) {
        self.key(key);
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
    }

    fn value(&mut self, key: &str, v: &Value) {
        self.key(key);
        write_value(self.out, v);
    }

    fn strs(&mut self, key: &str, v: &[String]) {
        self.list(key, v, |out, s| write_str(out, s));
    }

    fn nums(&mut self, key: &str, v: &[u64]) {
        self.list(key, v, |out, n| out.extend_from_slice(n.to_string().as_bytes()));
    }

    fn values(&mut self, key: &str, v: &[Value]) {
        self.list(key, v, write_value);
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

// Writing to a Vec cannot fail, and a `Value` has only string map keys.
fn write_str(out: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(out, s);
}

fn write_value(out: &mut Vec<u8>, v: &Value) {
    let _ = serde_json::to_writer(out, v);
}

fn gs(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or("").to_string()
}
fn gu(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or(0)
}
fn gb(v: &Value, k: &str) -> bool {
    v[k].as_bool().unwrap_or(false)
}
fn gstrs(v: &Value, k: &str) -> Vec<String> {
    v[k].as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// A wire element from JSON.
pub fn elem_from_json(v: &Value) -> MsgElem {
    MsgElem { msg_type: gs(v, "MsgType"), msg_content: v["MsgContent"].clone() }
}

/// A wire element as JSON.
pub fn elem_to_json(e: &MsgElem) -> Value {
    obj! {"MsgType": &e.msg_type, "MsgContent": &e.msg_content}
}

/// Wire elements as a JSON array.
pub fn elems_to_json(list: &[MsgElem]) -> Value {
    Value::Array(list.iter().map(elem_to_json).collect())
}

/// A wire C2C message from JSON (WIRE.md §5.3).
pub fn c2c_from_json(v: &Value) -> C2cMsg {
    C2cMsg {
        from_account: gs(v, "From_Account"),
        to_account: gs(v, "To_Account"),
        msg_seq: gu(v, "MsgSeq"),
        msg_random: gu(v, "MsgRandom"),
        msg_time_stamp: gu(v, "MsgTimeStamp"),
        msg_client_time: gu(v, "MsgClientTime"),
        tiny_id: match &v["TinyId"] {
            Value::Number(n) => n.to_string(),
            other => other.as_str().unwrap_or("").to_string(),
        },
        msg_key: gs(v, "MsgKey"),
        msg_flag_bits: gu(v, "MsgFlagBits") as u32,
        is_place_msg: gu(v, "IsPlaceMsg") as u32,
        msg_body: v["MsgBody"].as_array().map(|a| a.iter().map(elem_from_json).collect()).unwrap_or_default(),
        cloud_custom_data: gs(v, "CloudCustomData"),
        from_account_nick: gs(v, "From_AccountNick"),
        from_account_headurl: gs(v, "From_AccountHeadurl"),
        is_sync_msg: gu(v, "IsSyncMsg") as u32,
        is_peer_read: gu(v, "IsPeerRead") as u32,
        is_need_read_receipt: gu(v, "IsNeedReadReceipt") as u32,
        msg_version: gu(v, "MsgVersion"),
    }
}

/// What a `create*Message` call describes.
#[derive(Debug, Clone)]
pub struct Draft {
    pub to: String,
    pub conversation_type: String,
    pub kind: String,
    pub payload: Value,
    pub elements: Vec<MsgElem>,
    pub priority: String,
    pub cloud_custom_data: String,
    pub need_read_receipt: bool,
}

impl Message {
    /// A new outgoing message, status `unSend`.
    pub fn outgoing(d: Draft, me: &str, tiny_id: &str, client_time: u64, random: u64, seq: u64) -> Self {
        Message {
            id: tim_proto::msg::message_id(tiny_id, client_time, random),
            conversation_id: format!("{}{}", d.conversation_type, d.to),
            conversation_type: d.conversation_type,
            kind: d.kind,
            payload: d.payload,
            to: d.to,
            from: me.to_string(),
            flow: "out".into(),
            time: client_time,
            status: "unSend".into(),
            is_revoked: false,
            priority: d.priority,
            nick: String::new(),
            avatar: String::new(),
            is_peer_read: false,
            name_card: String::new(),
            at_user_list: Vec::new(),
            cloud_custom_data: d.cloud_custom_data,
            is_deleted: false,
            is_modified: false,
            need_read_receipt: d.need_read_receipt,
            read_receipt_info: obj! {},
            is_broadcast_message: false,
            is_support_extension: false,
            revoker: String::new(),
            sequence: seq,
            client_sequence: seq,
            random,
            is_place_message: 0,
            is_system_message: false,
            protocol: "JSON".into(),
            is_resend: false,
            is_read: true,
            client_time,
            sender_tiny_id: tiny_id.to_string(),
            version: 0,
            message_key: String::new(),
            elements: d.elements,
        }
    }

    /// A C2C message from the wire, seen by user `me`. `sync_copy` is set for `IsSyncMsg`
    /// pushes, whose addresses are given from the peer's side (WIRE.md §5.3).
    pub fn from_c2c(m: &C2cMsg, me: &str) -> Self {
        let (from, to) = if m.is_sync_msg == 1 {
            (m.to_account.clone(), m.from_account.clone())
        } else {
            (m.from_account.clone(), m.to_account.clone())
        };
        let out = from == me;
        let peer = if out { to.clone() } else { from.clone() };
        let (kind, payload) =
            m.msg_body.first().map(element_to_payload).unwrap_or_else(|| (MSG_TEXT.into(), obj! {"text": ""}));
        Message {
            id: m.id(),
            kind,
            payload,
            conversation_id: format!("{CONV_C2C}{peer}"),
            conversation_type: CONV_C2C.into(),
            to,
            from,
            flow: if out { "out" } else { "in" }.into(),
            time: m.msg_time_stamp,
            status: "success".into(),
            is_revoked: m.msg_flag_bits & FLAG_RECALLED != 0 || m.is_place_msg == 2,
            priority: "Normal".into(),
            nick: m.from_account_nick.clone(),
            avatar: m.from_account_headurl.clone(),
            is_peer_read: m.is_peer_read == 1,
            name_card: String::new(),
            at_user_list: Vec::new(),
            cloud_custom_data: m.cloud_custom_data.clone(),
            is_deleted: false,
            is_modified: m.msg_version > 0,
            need_read_receipt: m.is_need_read_receipt == 1,
            read_receipt_info: obj! {},
            is_broadcast_message: false,
            is_support_extension: false,
            revoker: String::new(),
            sequence: m.msg_seq,
            client_sequence: m.msg_seq,
            random: m.msg_random,
            is_place_message: m.is_place_msg,
            is_system_message: false,
            protocol: "JSON".into(),
            is_resend: false,
            is_read: out,
            client_time: m.msg_client_time,
            sender_tiny_id: m.tiny_id.clone(),
            version: m.msg_version,
            message_key: m.msg_key.clone(),
            elements: m.msg_body.clone(),
        }
    }

    /// The app-facing JSON object.
    pub fn to_json(&self) -> Value {
        obj! {"ID": &self.id, "type": &self.kind, "payload": &self.payload, "conversationID": &self.conversation_id, "conversationType": &self.conversation_type, "to": &self.to, "from": &self.from, "flow": &self.flow, "time": &self.time, "status": &self.status, "isRevoked": &self.is_revoked, "priority": &self.priority, "nick": &self.nick, "avatar": &self.avatar, "isPeerRead": &self.is_peer_read, "nameCard": &self.name_card, "atUserList": &self.at_user_list, "cloudCustomData": &self.cloud_custom_data, "isDeleted": &self.is_deleted, "isModified": &self.is_modified, "needReadReceipt": &self.need_read_receipt, "readReceiptInfo": &self.read_receipt_info, "isBroadcastMessage": &self.is_broadcast_message, "isSupportExtension": &self.is_support_extension, "revoker": &self.revoker, "sequence": &self.sequence, "clientSequence": &self.client_sequence, "random": &self.random, "isPlaceMessage": &self.is_place_message, "isSystemMessage": &self.is_system_message, "protocol": &self.protocol, "isResend": &self.is_resend, "isRead": &self.is_read, "clientTime": &self.client_time, "senderTinyID": &self.sender_tiny_id, "version": &self.version, "_messageKey": &self.message_key, "_elements": &elems_to_json(&self.elements)}
    }

    /// Read back what [`Message::to_json`] wrote (the IndexedDB cache).
    pub fn from_json(v: &Value) -> Option<Self> {
        if !v.is_object() || gs(v, "ID").is_empty() {
            return None;
        }
        Some(Message {
            id: gs(v, "ID"),
            kind: gs(v, "type"),
            payload: v["payload"].clone(),
            conversation_id: gs(v, "conversationID"),
            conversation_type: gs(v, "conversationType"),
            to: gs(v, "to"),
            from: gs(v, "from"),
            flow: gs(v, "flow"),
            time: gu(v, "time"),
            status: gs(v, "status"),
            is_revoked: gb(v, "isRevoked"),
            priority: gs(v, "priority"),
            nick: gs(v, "nick"),
            avatar: gs(v, "avatar"),
            is_peer_read: gb(v, "isPeerRead"),
            name_card: gs(v, "nameCard"),
            at_user_list: gstrs(v, "atUserList"),
            cloud_custom_data: gs(v, "cloudCustomData"),
            is_deleted: gb(v, "isDeleted"),
            is_modified: gb(v, "isModified"),
            need_read_receipt: gb(v, "needReadReceipt"),
            read_receipt_info: v["readReceiptInfo"].clone(),
            is_broadcast_message: gb(v, "isBroadcastMessage"),
            is_support_extension: gb(v, "isSupportExtension"),
            revoker: gs(v, "revoker"),
            sequence: gu(v, "sequence"),
            client_sequence: gu(v, "clientSequence"),
            random: gu(v, "random"),
            is_place_message: gu(v, "isPlaceMessage") as u32,
            is_system_message: gb(v, "isSystemMessage"),
            protocol: gs(v, "protocol"),
            is_resend: gb(v, "isResend"),
            is_read: gb(v, "isRead"),
            client_time: gu(v, "clientTime"),
            sender_tiny_id: gs(v, "senderTinyID"),
            version: gu(v, "version"),
            message_key: gs(v, "_messageKey"),
            elements: v["_elements"].as_array().map(|a| a.iter().map(elem_from_json).collect()).unwrap_or_default(),
        })
    }

    /// The peer of a C2C message.
    pub fn peer(&self) -> &str {
        if self.flow == "out" {
            &self.to
        } else {
            &self.from
        }
    }

    /// The text a conversation list shows for this message: the text, else tim-js-sdk's
    /// placeholder for its type, in English for international apps (see [`is_intl`]) and in
    /// Chinese for the others, as tim-js-sdk chooses.
    pub fn message_for_show(&self, intl: bool) -> String {
        if self.payload.is_null() {
            return String::new();
        }
        let (zh, en) = match self.kind.as_str() {
            MSG_TEXT => return self.payload["text"].as_str().unwrap_or("").to_string(),
            "TIMImageElem" => ("[图片]", "[Image]"),
            "TIMLocationElem" => ("[位置]", "[Location]"),
            "TIMSoundElem" => ("[语音]", "[Voice]"),
            "TIMVideoFileElem" => ("[视频]", "[Video]"),
            "TIMFileElem" => ("[文件]", "[File]"),
            MSG_CUSTOM => ("[自定义消息]", "[Custom Messages]"),
            MSG_GRP_TIP => ("[群提示消息]", "[Group Notification]"),
            MSG_GRP_SYS_NOTICE => ("[群系统通知]", "[Group System Message]"),
            "TIMFaceElem" => ("[动画表情]", "[Animated Sticker]"),
            "TIMRelayElem" => ("[聊天记录]", "[Chat Record]"),
            _ => return String::new(),
        };
        (if intl { en } else { zh }).to_string()
    }
}

fn lower_first(k: &str) -> String {
    // Wire keys are ASCII; ASCII case mapping keeps Unicode tables out of the wasm.
    let mut s = k.to_string();
    if let Some(f) = s.get_mut(0..1) {
        f.make_ascii_lowercase();
    }
    s
}

fn camel_all(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(crate::value::map_of(o.iter().map(|(k, v)| (lower_first(k), camel_all(v))))),
        Value::Array(a) => Value::Array(a.iter().map(camel_all).collect()),
        other => other.clone(),
    }
}

/// The app payload of a wire element (CONSTANTS.md §9 "Message.payload by type").
pub fn element_to_payload(e: &MsgElem) -> (String, Value) {
    let c = &e.msg_content;
    let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
    let payload = match e.msg_type.as_str() {
        MSG_TEXT => obj! {"text": &s("Text")},
        MSG_CUSTOM => obj! {"data": &s("Data"), "description": &s("Desc"), "extension": &s("Ext")},
        "TIMFaceElem" => obj! {"index": &c["Index"].as_i64().unwrap_or(0), "data": &s("Data")},
        "TIMLocationElem" => obj! {"description": &s("Desc"), "longitude": &c["Longitude"], "latitude": &c["Latitude"]},
        _ => camel_all(c),
    };
    (e.msg_type.clone(), payload)
}

/// A conversation as the app sees it (CONSTANTS.md §9 Conversation).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Conversation {
    pub conversation_id: String,
    pub kind: String,
    pub unread_count: u64,
    pub last_message: Value,
    pub user_profile: Value,
    /// Group conversations: `{groupID, name, avatar, type, ...}` (the app's Group object).
    pub group_profile: Value,
    pub group_at_info_list: Vec<Value>,
    pub remark: String,
    pub is_pinned: bool,
    pub message_remind_type: String,
    pub mark_list: Vec<u64>,
    pub custom_data: String,
    pub conversation_group_list: Vec<String>,
    pub peer_read_time: u64,
    /// Last-message time (`_lastTime`).
    pub last_time: u64,
    /// Activation time in ms for drafts and the like (`_orderKey`); the list sorts by
    /// [`Conversation::order`].
    pub order_key: u64,
    /// Local draft (`draftText`), never sent to the server.
    pub draft_text: String,
}

impl Conversation {
    /// An empty C2C conversation with `peer`.
    pub fn c2c(peer: &str) -> Self {
        Conversation {
            conversation_id: format!("{CONV_C2C}{peer}"),
            kind: CONV_C2C.into(),
            unread_count: 0,
            last_message: obj! {},
            user_profile: obj! {"userID": &peer, "nick": "", "avatar": ""},
            group_profile: Value::Null,
            group_at_info_list: Vec::new(),
            remark: String::new(),
            is_pinned: false,
            message_remind_type: String::new(),
            mark_list: Vec::new(),
            custom_data: String::new(),
            conversation_group_list: Vec::new(),
            peer_read_time: 0,
            last_time: 0,
            order_key: 0,
            draft_text: String::new(),
        }
    }

    /// The sort key: the later of the last message and the last local activation (draft).
    pub fn order(&self) -> u64 {
        self.order_key.max(self.last_time.saturating_mul(1000))
    }

    /// Listed in the conversation list: it has a message or was activated locally.
    pub fn listed(&self) -> bool {
        self.last_time > 0 || self.order_key > 0
    }

    /// An empty group conversation (`GROUP<id>`), or the system-notice conversation when
    /// `group_id` is empty.
    pub fn group(group_id: &str) -> Self {
        let mut c = Conversation::c2c("");
        if group_id.is_empty() {
            c.conversation_id = CONV_SYSTEM.into();
            c.kind = CONV_SYSTEM.into();
        } else {
            c.conversation_id = format!("{CONV_GROUP}{group_id}");
            c.kind = CONV_GROUP.into();
            c.group_profile = obj! {"groupID": &group_id, "name": "", "avatar": "", "type": ""};
        }
        c.user_profile = Value::Null;
        c
    }

    /// The app-facing JSON object: C2C conversations carry `userProfile`, group ones
    /// `groupProfile`. Written by [`Conversation::write_json`].
    pub fn to_json(&self) -> Value {
        let mut out = Vec::new();
        self.write_json(&mut out);
        String::from_utf8(out).ok().and_then(|text| serde_json::from_str(&text).ok()).unwrap_or(Value::Null)
    }

    /// Append the app-facing JSON object as text to `out`, without building a `Value` first
    /// (the list of every conversation is serialised whenever it changes).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = JsonObject::new(out);
        o.str("conversationID", &self.conversation_id);
        o.str("type", &self.kind);
        o.num("unreadCount", self.unread_count);
        o.value("lastMessage", &self.last_message);
        o.values("groupAtInfoList", &self.group_at_info_list);
        o.str("remark", &self.remark);
        o.bool("isPinned", self.is_pinned);
        o.str("messageRemindType", &self.message_remind_type);
        o.nums("markList", &self.mark_list);
        o.str("customData", &self.custom_data);
        o.strs("conversationGroupList", &self.conversation_group_list);
        o.num("peerReadTime", self.peer_read_time);
        o.str("draftText", &self.draft_text);
        o.num("_lastTime", self.last_time);
        o.num("_orderKey", self.order_key);
        if !self.user_profile.is_null() {
            o.value("userProfile", &self.user_profile);
        }
        if !self.group_profile.is_null() {
            o.value("groupProfile", &self.group_profile);
        }
        o.end();
    }

    /// Read back what [`Conversation::to_json`] wrote (the IndexedDB cache), taking the nested
    /// objects out of `v` instead of copying them.
    pub fn from_json(mut v: Value) -> Option<Self> {
        if gs(&v, "conversationID").is_empty() {
            return None;
        }
        let mut take = |k: &str| v.as_object_mut().and_then(|o| o.remove(k)).unwrap_or(Value::Null);
        let (last_message, user_profile, group_profile) =
            (take("lastMessage"), take("userProfile"), take("groupProfile"));
        let at = take("groupAtInfoList");
        Some(Conversation {
            conversation_id: gs(&v, "conversationID"),
            kind: gs(&v, "type"),
            unread_count: gu(&v, "unreadCount"),
            last_message,
            user_profile,
            group_profile,
            group_at_info_list: match at {
                Value::Array(a) => a,
                _ => Vec::new(),
            },
            remark: gs(&v, "remark"),
            is_pinned: gb(&v, "isPinned"),
            message_remind_type: gs(&v, "messageRemindType"),
            mark_list: v["markList"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default(),
            custom_data: gs(&v, "customData"),
            conversation_group_list: gstrs(&v, "conversationGroupList"),
            peer_read_time: gu(&v, "peerReadTime"),
            last_time: gu(&v, "_lastTime"),
            order_key: gu(&v, "_orderKey"),
            draft_text: gs(&v, "draftText"),
        })
    }

    /// Make `m` the last message when it is not older than the current one.
    pub fn offer_last(&mut self, m: &Message, intl: bool) -> bool {
        if m.time < self.last_time {
            return false;
        }
        self.last_time = m.time;
        self.last_message = summary(m, intl);
        true
    }
}

/// The `lastMessage` summary of a conversation.
pub fn summary(m: &Message, intl: bool) -> Value {
    obj! {"lastTime": &m.time, "lastSequence": &m.sequence, "fromAccount": &m.from, "messageForShow": &m.message_for_show(intl), "payload": &m.payload, "type": &m.kind, "isRevoked": &m.is_revoked, "cloudCustomData": &m.cloud_custom_data, "onlineOnlyFlag": false, "nick": &m.nick, "nameCard": &m.name_card, "version": &m.version, "isPeerRead": &m.is_peer_read, "revoker": &m.revoker}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wire(from: &str, to: &str, sync: u32) -> C2cMsg {
        C2cMsg {
            from_account: from.into(),
            to_account: to.into(),
            msg_seq: 3057140001,
            msg_random: 42,
            msg_time_stamp: 100,
            msg_client_time: 99,
            tiny_id: "7".into(),
            msg_key: "3057140001_42_100".into(),
            msg_body: vec![MsgElem { msg_type: MSG_TEXT.into(), msg_content: json!({"Text": "hi"}) }],
            is_sync_msg: sync,
            ..Default::default()
        }
    }

    #[test]
    fn incoming_and_sync_copy_directions() {
        let m = Message::from_c2c(&wire("bob", "alice", 0), "alice");
        assert_eq!(
            (m.flow.as_str(), m.conversation_id.as_str(), m.payload["text"].as_str()),
            ("in", "C2Cbob", Some("hi"))
        );
        assert_eq!(m.id, "7-99-42");
        // IsSyncMsg copy of alice's own message to bob: addresses from the peer's side.
        let s = Message::from_c2c(&wire("bob", "alice", 1), "alice");
        assert_eq!(
            (s.flow.as_str(), s.from.as_str(), s.to.as_str(), s.conversation_id.as_str()),
            ("out", "alice", "bob", "C2Cbob")
        );
    }

    #[test]
    fn serialises_with_official_names_and_reads_back() {
        let m = Message::from_c2c(&wire("bob", "alice", 0), "alice");
        let v = m.to_json();
        for k in
            ["ID", "conversationID", "senderTinyID", "isRevoked", "clientSequence", "cloudCustomData", "atUserList"]
        {
            assert!(v.get(k).is_some(), "missing {k}");
        }
        assert_eq!(Message::from_json(&v), Some(m));
        let mut c = Conversation::c2c("bob");
        c.unread_count = 3;
        c.mark_list = vec![1, 8];
        assert_eq!(Conversation::from_json(c.to_json()), Some(c));
        assert_eq!(Message::from_json(&json!({"nope": 1})), None);
    }

    #[test]
    fn wire_message_from_json_matches_serde() {
        let w = wire("bob", "alice", 1);
        let v = serde_json::to_value(&w).unwrap();
        assert_eq!(c2c_from_json(&v), w);
        // A numeric TinyId is accepted as its decimal string.
        let mut v2 = v.clone();
        v2["TinyId"] = json!(144115200000000002u64);
        assert_eq!(c2c_from_json(&v2).tiny_id, "144115200000000002");
    }

    #[test]
    fn last_message_only_moves_forward() {
        let mut c = Conversation::c2c("bob");
        let mut m = Message::from_c2c(&wire("bob", "alice", 0), "alice");
        assert!(c.offer_last(&m, false));
        m.time = 50;
        assert!(!c.offer_last(&m, false));
        assert_eq!(c.last_message["lastTime"], 100);
        assert_eq!(c.last_message["messageForShow"], "hi");
    }
}

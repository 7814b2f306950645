//! Groups as the app sees them: the Group and GroupMember objects of tim-js-sdk (CONSTANTS.md
//! §9), group messages, group tips and group system notices built from their wire items
//! (WIRE.md §4.9, §5.3, §5.5). Hand-written `Value` conversions, as in [`crate::model`].

use serde_json::{Map, Value};

use crate::obj;
use crate::value::val;
use tim_proto::msg::{message_id, FLAG_RECALLED};

use crate::model::{
    elem_from_json, element_to_payload, Message, CONV_GROUP, CONV_SYSTEM, MSG_AT_ALL, MSG_GRP_SYS_NOTICE, MSG_GRP_TIP,
    MSG_TEXT,
};

/// `TIM.TYPES.GRP_WORK` (also the wire type).
pub const GRP_WORK: &str = "Private";
/// `TIM.TYPES.GRP_PUBLIC`.
pub const GRP_PUBLIC: &str = "Public";
/// `TIM.TYPES.GRP_MEETING`.
pub const GRP_MEETING: &str = "ChatRoom";
/// `TIM.TYPES.GRP_AVCHATROOM`.
pub const GRP_AVCHATROOM: &str = "AVChatRoom";
/// `TIM.TYPES.GRP_COMMUNITY`.
pub const GRP_COMMUNITY: &str = "Community";
/// What separates a community ID from a topic's suffix (`@TGS#_xxx@TOPIC#_yyy`).
pub const TOPIC_MARK: &str = "@TOPIC#_";
pub use crate::model::CONV_TOPIC;
/// Every group type, as `TIM.TYPES` spells it (the same strings travel on the wire).
pub const GROUP_TYPES: [&str; 5] = [GRP_WORK, GRP_PUBLIC, GRP_MEETING, GRP_AVCHATROOM, GRP_COMMUNITY];

fn gs(v: &Value, k: &str) -> String {
    match &v[k] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn gu(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or(0)
}

/// Whether unread counts apply to a group type (B-conversations-groups.md §4.1: not for
/// Meeting and AVChatRoom).
pub fn counts_unread(kind: &str) -> bool {
    kind != GRP_MEETING && kind != GRP_AVCHATROOM
}

/// `{key, value}` list from the wire's `[{Key, Value}]`.
fn custom_fields(v: &Value) -> Value {
    Value::Array(
        v.as_array().into_iter().flatten().map(|f| obj! {"key": &gs(f, "Key"), "value": &gs(f, "Value")}).collect(),
    )
}

/// The wire's `[{Key, Value}]` from the app's `{key, value}` list.
pub fn custom_fields_to_wire(v: &Value) -> Value {
    Value::Array(
        v.as_array().into_iter().flatten().map(|f| obj! {"Key": &gs(f, "key"), "Value": &gs(f, "value")}).collect(),
    )
}

/// The app's `selfInfo` from a wire `SelfInfo` / member item.
fn self_info(v: &Value, me: &str) -> Value {
    obj! {"messageRemindType": &gs(v, "MsgFlag"), "joinTime": &gu(v, "JoinTime"), "nameCard": &gs(v, "NameCard"), "role": &gs(v, "Role"), "userID": &me, "memberCustomField": &custom_fields(&v["AppMemberDefinedData"]), "readedSequence": &gu(v, "MsgSeq"), "excludedUnreadSequenceList": &v["NoUnreadSeqList"].as_array().cloned().unwrap_or_default()}
}

/// Merge a wire group object (`get_joined_group_list`, `get_group_self_member_info`,
/// `get_group_public_info`) into the app Group object `into` (a new one when `Null`). Only the
/// fields present on the wire change.
pub fn merge_group(into: &mut Value, w: &Value, me: &str) {
    if !into.is_object() {
        let id = gs(w, "GroupId");
        *into = obj! {"groupID": &id, "name": "", "avatar": "", "type": "", "introduction": "", "notification": "", "ownerID": "", "createTime": 0, "infoSequence": 0, "lastInfoTime": 0, "selfInfo": obj!{"messageRemindType": "", "joinTime": 0, "nameCard": "", "role": "", "userID": &me, "memberCustomField": Value::Array(vec![]), "readedSequence": 0, "excludedUnreadSequenceList": Value::Array(vec![])}, "lastMessage": obj!{"lastTime": 0, "lastSequence": 0, "fromAccount": "", "messageForShow": ""}, "nextMessageSeq": 0, "memberCount": 0, "maxMemberCount": 0, "memberNum": 0, "maxMemberNum": 0, "muteAllMembers": false, "joinOption": "", "groupCustomField": Value::Array(vec![]), "isSupportTopic": false, "inviteOption": ""};
    }
    let strings = [
        ("Name", "name"),
        ("FaceUrl", "avatar"),
        ("Type", "type"),
        ("Introduction", "introduction"),
        ("Notification", "notification"),
        ("Owner_Account", "ownerID"),
        ("ApplyJoinOption", "joinOption"),
        ("InviteJoinOption", "inviteOption"),
    ];
    for (wire, app) in strings {
        if w.get(wire).is_some_and(|x| !x.is_null()) {
            into[app] = val(gs(w, wire));
        }
    }
    let numbers = [
        ("CreateTime", "createTime"),
        ("InfoSeq", "infoSequence"),
        ("LastInfoTime", "lastInfoTime"),
        ("NextMsgSeq", "nextMessageSeq"),
        ("MemberNum", "memberCount"),
        ("MemberNum", "memberNum"),
        ("MaxMemberNum", "maxMemberCount"),
        ("MaxMemberNum", "maxMemberNum"),
    ];
    for (wire, app) in numbers {
        if let Some(n) = w[wire].as_u64() {
            into[app] = val(n);
        }
    }
    if let Some(t) = w["LastMsgTime"].as_u64() {
        into["lastMessage"]["lastTime"] = val(t);
    }
    if let Some(n) = w["NextMsgSeq"].as_u64() {
        into["lastMessage"]["lastSequence"] = val(n.saturating_sub(1));
    }
    if let Some(m) = w["ShutUpAllMember"].as_str() {
        into["muteAllMembers"] = val(m == "On");
    }
    if w["AppDefinedData"].is_array() {
        into["groupCustomField"] = custom_fields(&w["AppDefinedData"]);
    }
    if let Some(t) = w["SupportTopic"].as_u64() {
        into["isSupportTopic"] = val(t == 1);
    }
    if w["SelfInfo"].is_object() {
        into["selfInfo"] = self_info(&w["SelfInfo"], me);
    }
}

/// The app's GroupMember from a wire member item (`get_group_member_info`,
/// `get_specified_group_member_info`).
pub fn member_from_wire(m: &Value) -> Value {
    obj! {"userID": &gs(m, "Member_Account"), "avatar": &gs(m, "FaceUrl"), "nick": &gs(m, "Nick"), "role": &gs(m, "Role"), "joinTime": &gu(m, "JoinTime"), "nameCard": &gs(m, "NameCard"), "muteUntil": &gu(m, "ShutUpUntil"), "memberCustomField": &custom_fields(&m["AppMemberDefinedData"]), "lastSendMsgTime": &gu(m, "LastSendMsgTime")}
}

/// The response-key renames of tim-js-sdk for tip and notice bodies (WIRE.md §5.5); any other
/// key has its first letter lowered.
fn rename(k: &str) -> String {
    let r = match k {
        "Operator_Account" => "operatorID",
        "OpType" | "ReportType" => "operationType",
        "UserId" | "User_Account" | "Member_Account" => "userID",
        "List_Account" => "userIDList",
        "MsgOperatorMemberExtraInfo" => "operatorInfo",
        "MsgMemberExtraInfo" => "memberInfoList",
        "ImageUrl" | "GroupFaceUrl" | "FaceUrl" => "avatar",
        "NickName" => "nick",
        "MsgGroupNewInfo" => "newGroupProfile",
        "MsgAppDefinedData" => "groupCustomField",
        "Owner_Account" => "ownerID",
        "GroupIntroduction" => "introduction",
        "GroupNotification" => "notification",
        "GroupApplyJoinOption" => "joinOption",
        "MsgKey" => "messageKey",
        "GroupInfo" => "groupProfile",
        "ShutupTime" => "muteTime",
        "ShutupAll" => "muteAllMembers",
        "GroupId" => "groupID",
        "From_Account" => "from",
        "To_Account" => "to",
        "MemberNum" => "memberNum",
        "TopicId" => "topicID",
        "UserDefinedField" => "userDefinedField",
        "RemarkInfo" => "remarkInfo",
        other => {
            let mut s = other.to_string();
            if let Some(f) = s.get_mut(0..1) {
                f.make_ascii_lowercase();
            }
            return s;
        }
    };
    r.to_string()
}

fn renamed(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(crate::value::map_of(o.iter().map(|(k, v)| (rename(k), renamed(v))))),
        Value::Array(a) => Value::Array(a.iter().map(renamed).collect()),
        other => other.clone(),
    }
}

/// The `groupProfile` of a tip or notice payload: only `from`, `groupID`, `groupName` (`name`
/// in notices) and `to`, as tim-js-sdk keeps them.
fn payload_group_profile(info: &Value, notice: bool) -> Value {
    let mut p = Map::new();
    for (wire, app) in
        [("From_Account", "from"), ("GroupId", "groupID"), ("GroupName", "groupName"), ("To_Account", "to")]
    {
        if let Some(x) = info.get(wire).filter(|x| !x.is_null()) {
            let key = if notice && app == "groupName" { "name" } else { app };
            p.insert(key.into(), x.clone());
        }
    }
    Value::Object(p)
}

/// The `payload` of a `TIMGroupTipElem` (notice = false) or `TIMGroupSystemNoticeElem`.
pub fn tip_payload(body: &Value, info: &Value, notice: bool) -> Value {
    let mut content = Map::new();
    if let Value::Object(o) = renamed(body) {
        for (k, v) in o {
            match k.as_str() {
                "groupProfile" => {}
                "remarkInfo" if notice => {
                    content.insert("handleMessage".into(), v);
                }
                "memberInfoList" | "msgMemberInfo" => {
                    if !notice {
                        content.insert("memberList".into(), v);
                    }
                }
                "memberNum" if !notice => {
                    content.insert("memberCount".into(), v.clone());
                    content.insert("memberNum".into(), v);
                }
                "newGroupProfile" => {
                    let mut p = v;
                    if let Some(m) = p.get("muteAllMembers").and_then(Value::as_u64) {
                        p["muteAllMembers"] = val(m == 1);
                    }
                    content.insert(k, p);
                }
                _ => {
                    content.insert(k, v);
                }
            }
        }
    }
    content.insert("groupProfile".into(), payload_group_profile(info, notice));
    if !notice && !content.contains_key("userIDList") {
        let op = content.get("operatorID").cloned().unwrap_or(val(""));
        content.insert("userIDList".into(), Value::Array(vec![val(&op)]));
    }
    if notice && !content.contains_key("handleMessage") {
        content.insert("handleMessage".into(), val(""));
    }
    Value::Object(content)
}

/// What a group wire item is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GroupItem {
    /// A message (`GroupMsgArray`, or a `group_msg_get` item without `Event`).
    Message,
    /// A group tip (`Event 4`).
    Tip,
    /// A group system notice (`Event 5` without a control key).
    Notice,
}

/// The group ID a wire item belongs to.
pub fn item_group_id(v: &Value) -> String {
    // A topic's items name the community in `GroupId` and the topic in `TopicId`
    // (`MillionGroupFlag: 2`); tim-js-sdk files them under the topic.
    let topic = gs(&v["GroupInfo"], "TopicId");
    if gu(&v["GroupInfo"], "MillionGroupFlag") == 2 && !topic.is_empty() {
        return topic;
    }
    let id = gs(&v["GroupInfo"], "GroupId");
    if id.is_empty() {
        gs(v, "ToGroupId")
    } else {
        id
    }
}

/// A Message from a group wire item, as seen by `me`; `None` when the item names no group.
pub fn group_message(v: &Value, kind: GroupItem, me: &str) -> Option<Message> {
    let group_id = item_group_id(v);
    if group_id.is_empty() {
        return None;
    }
    let info = &v["GroupInfo"];
    let from = gs(v, "From_Account");
    let time = v["MsgTime"].as_u64().or_else(|| v["MsgTimeStamp"].as_u64()).unwrap_or(0);
    let random = v["Random"].as_u64().or_else(|| v["MsgRandom"].as_u64()).unwrap_or(0);
    let seq = gu(v, "MsgSeq");
    let client_time = v["MsgClientTime"].as_u64().unwrap_or(time);
    let tiny_id = gs(v, "TinyId");
    let out = from == me && kind == GroupItem::Message;
    let (msg_type, payload, elements) = match kind {
        GroupItem::Message => {
            let elements: Vec<_> =
                v["MsgBody"].as_array().map(|a| a.iter().map(elem_from_json).collect()).unwrap_or_default();
            let (t, p) =
                elements.first().map(element_to_payload).unwrap_or_else(|| (MSG_TEXT.into(), obj! {"text": ""}));
            (t, p, elements)
        }
        GroupItem::Tip => (MSG_GRP_TIP.to_string(), tip_payload(&v["MsgBody"], info, false), Vec::new()),
        GroupItem::Notice => (MSG_GRP_SYS_NOTICE.to_string(), tip_payload(&v["MsgBody"], info, true), Vec::new()),
    };
    let (conversation_id, conversation_type) = if kind == GroupItem::Notice {
        (CONV_SYSTEM.to_string(), CONV_SYSTEM.to_string())
    } else if group_id.contains(TOPIC_MARK) {
        (format!("{CONV_GROUP}{group_id}"), CONV_TOPIC.to_string())
    } else {
        (format!("{CONV_GROUP}{group_id}"), CONV_GROUP.to_string())
    };
    let mut at = Vec::new();
    for a in v["GroupAtInfo"].as_array().into_iter().flatten() {
        if gu(a, "GroupAtAllFlag") == 1 {
            at.push(MSG_AT_ALL.to_string());
        } else {
            let who = gs(a, "GroupAt_Account");
            if !who.is_empty() {
                at.push(who);
            }
        }
    }
    let mut m = Message::outgoing(
        crate::model::Draft {
            to: group_id.clone(),
            conversation_type: conversation_type.clone(),
            kind: msg_type,
            payload,
            elements,
            priority: v["MsgPriority"].as_str().unwrap_or("Normal").to_string(),
            cloud_custom_data: gs(v, "CloudCustomData"),
            need_read_receipt: gu(v, "NeedReadReceipt") == 1,
        },
        &from,
        &tiny_id,
        client_time,
        random,
        seq,
    );
    m.id = message_id(&tiny_id, client_time, random);
    m.conversation_id = conversation_id;
    m.flow = if out { "out" } else { "in" }.into();
    m.time = time;
    m.status = "success".into();
    m.is_revoked = gu(v, "MsgFlagBits") as u32 & FLAG_RECALLED != 0 || gu(v, "IsPlaceMsg") == 2;
    m.is_place_message = gu(v, "IsPlaceMsg") as u32;
    m.nick = gs(info, "From_AccountNick");
    m.avatar = gs(info, "From_AccountHeadurl");
    m.name_card = gs(&info["MsgFrom_AccountExtraInfo"], "NameCard");
    m.at_user_list = at;
    m.client_sequence = v["ClientSeq"].as_u64().unwrap_or(seq);
    m.is_system_message = kind == GroupItem::Notice;
    m.is_read = out;
    m.is_modified = gu(v, "MsgVersion") > 0 || v["IsModified"].as_u64() == Some(1);
    m.version = gu(v, "MsgVersion");
    Some(m)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn group_message_fields_and_identity() {
        let w = json!({"From_Account":"alice","ToGroupId":"@TGS#1X",
            "GroupInfo":{"GroupId":"@TGS#1X","GroupName":"G","GroupType":"Public","From_AccountNick":"Alice A",
                "MsgFrom_AccountExtraInfo":{"NameCard":"Al"}},
            "MsgSeq":3,"Random":9,"MsgTime":100,"ClientSeq":55,"MsgClientTime":99,"TinyId":"144",
            "MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}],
            "GroupAtInfo":[{"GroupAtAllFlag":0,"GroupAt_Account":"bob"},{"GroupAtAllFlag":1}]});
        let m = group_message(&w, GroupItem::Message, "bob").unwrap();
        assert_eq!(m.id, "144-99-9");
        assert_eq!((m.conversation_id.as_str(), m.flow.as_str(), m.sequence, m.time), ("GROUP@TGS#1X", "in", 3, 100));
        assert_eq!((m.nick.as_str(), m.name_card.as_str()), ("Alice A", "Al"));
        assert_eq!(m.at_user_list, vec!["bob".to_string(), MSG_AT_ALL.to_string()]);
        assert_eq!(m.payload["text"], "hi");
        let mine = group_message(&w, GroupItem::Message, "alice").unwrap();
        assert_eq!(mine.flow, "out");
    }

    #[test]
    fn tip_and_notice_payloads() {
        let tip = json!({"From_Account":"bob","ToGroupId":"@TGS#1X",
            "GroupInfo":{"GroupId":"@TGS#1X","GroupType":"Public","GroupName":"G-One"},
            "MsgSeq":2,"MsgRandom":93,"MsgTimeStamp":170,
            "MsgBody":{"OpType":1,"Operator_Account":"bob","List_Account":["bob"],"MemberNum":2}});
        let m = group_message(&tip, GroupItem::Tip, "alice").unwrap();
        assert_eq!(m.kind, MSG_GRP_TIP);
        assert_eq!(m.id, "-170-93");
        assert_eq!(m.payload["operationType"], 1);
        assert_eq!(m.payload["operatorID"], "bob");
        assert_eq!(m.payload["userIDList"], json!(["bob"]));
        assert_eq!(m.payload["memberCount"], 2);
        assert_eq!(m.payload["groupProfile"], json!({"groupID":"@TGS#1X","groupName":"G-One"}));
        let prof = json!({"OpType":6,"Operator_Account":"alice","MsgGroupNewInfo":{"GroupName":"New","ShutupAll":1}});
        let p = tip_payload(&prof, &json!({"GroupId":"g"}), false);
        assert_eq!(p["newGroupProfile"], json!({"groupName":"New","muteAllMembers":true}));
        assert_eq!(p["userIDList"], json!(["alice"]));
        let notice = json!({"From_Account":"alice","ToGroupId":"g",
            "GroupInfo":{"GroupId":"g","GroupType":"Public","GroupName":"G","From_Account":"alice","To_Account":"bob"},
            "MsgSeq":5,"MsgRandom":6,"MsgTimeStamp":7,
            "MsgBody":{"ReportType":4,"Operator_Account":"alice","RemarkInfo":"bye"}});
        let n = group_message(&notice, GroupItem::Notice, "bob").unwrap();
        assert_eq!(
            (n.conversation_id.as_str(), n.kind.as_str(), n.is_system_message),
            (CONV_SYSTEM, MSG_GRP_SYS_NOTICE, true)
        );
        assert_eq!(n.payload["operationType"], 4);
        assert_eq!(n.payload["handleMessage"], "bye");
        assert_eq!(n.payload["groupProfile"], json!({"from":"alice","groupID":"g","name":"G","to":"bob"}));
    }

    #[test]
    fn group_object_merges_only_present_fields() {
        let mut g = Value::Null;
        merge_group(
            &mut g,
            &json!({"GroupId":"g","Type":"Public","Name":"G","NextMsgSeq":4,"MemberNum":2,"ShutUpAllMember":"On",
                "AppDefinedData":[{"Key":"k","Value":"v"}],"SelfInfo":{"Role":"Owner","JoinTime":5,"MsgSeq":3}}),
            "alice",
        );
        assert_eq!(
            (g["groupID"].as_str(), g["type"].as_str(), g["memberCount"].as_u64()),
            (Some("g"), Some("Public"), Some(2))
        );
        assert_eq!(g["muteAllMembers"], true);
        assert_eq!(g["groupCustomField"], json!([{"key":"k","value":"v"}]));
        assert_eq!(g["selfInfo"]["role"], "Owner");
        assert_eq!(g["selfInfo"]["readedSequence"], 3);
        merge_group(&mut g, &json!({"GroupId":"g","Name":"Renamed"}), "alice");
        assert_eq!(
            (g["name"].as_str(), g["type"].as_str(), g["selfInfo"]["role"].as_str()),
            (Some("Renamed"), Some("Public"), Some("Owner"))
        );
    }
}

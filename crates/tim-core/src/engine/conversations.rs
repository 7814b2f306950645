//! The conversation methods of the engine (B-conversations-groups.md §3): the list and its
//! filters, profiles, deletion, pinning, read-all and drafts (marks, custom data and
//! conversation groups: conv_groups.rs; the `RecentContactMod` pushes: events.rs). Requests
//! carry the bodies tim-js-sdk 2.27.6 sends.

use std::collections::{btree_map, BTreeMap};
use std::sync::Arc;

use serde_json::Value;

use crate::obj;
use crate::value::{sort_by_key2, val};
use tim_proto::cmd;
use tim_proto::code;

use super::{s, u, ApiError, CallResult, Engine, Purpose};
use crate::model::{Conversation, CONV_C2C, CONV_GROUP, CONV_SYSTEM};

/// `TIM.TYPES.READ_ALL_C2C_MSG` / `READ_ALL_GROUP_MSG`.
pub(super) const READ_ALL_C2C_MSG: &str = "readAllC2CMessage";
pub(super) const READ_ALL_GROUP_MSG: &str = "readAllGroupMessage";
/// `TIM.TYPES.MSG_REMIND_ACPT_AND_NOTE`: the one remind type (besides none) the total unread
/// counts.
pub(super) const ACPT_AND_NOTE: &str = "AcceptAndNotify";
/// `markConversation` and friends take at most this many IDs per call.
pub(super) const MAX_IDS: usize = 100;

/// What a conversation request is for; its reply is handled by [`Engine::conv_reply`].
#[derive(Debug)]
pub(super) enum ConvOp {
    /// `batch_delete`: the conversations deleted locally only, and whether the call named one.
    Delete { local: Vec<String>, single: bool },
    /// `top` of conversation `id`.
    Pin { id: String, pin: bool },
    /// `mark_contact`: setting or clearing a mark (`Some((mark, enable))`), or setting the custom
    /// data `data` (`None`); `failed`: the conversations refused before the request.
    Mark { mark: Option<(u64, bool)>, data: String, failed: Vec<Value> },
    /// `read_all_unread_msg` of C2C and/or group conversations.
    ReadAll { c2c: bool, group: bool },
    /// `create_contact_group`.
    CreateGroup { name: String, failed: Vec<Value> },
    /// `del_contact_group`.
    DeleteGroup { name: String },
    /// `update_contact_group` rename.
    RenameGroup { old: String, new: String },
    /// `update_contact_group` adding (`add`) or removing conversations.
    GroupMembers { name: String, add: bool, failed: Vec<Value> },
    /// `get_contact_group` of the login sequence.
    SyncGroups,
}

/// The session's conversations by ID, with the JSON text of the sorted list kept between
/// changes (the event at ready and the `getConversationList` after it share one
/// serialisation): every mutable access drops the text.
#[derive(Debug, Default)]
pub(super) struct ConvMap {
    pub(super) map: BTreeMap<String, Conversation>,
    pub(super) list: Option<Arc<str>>,
}

impl ConvMap {
    pub(super) fn get(&self, id: &str) -> Option<&Conversation> {
        self.map.get(id)
    }

    pub(super) fn get_mut(&mut self, id: &str) -> Option<&mut Conversation> {
        self.list = None;
        self.map.get_mut(id)
    }

    pub(super) fn entry(&mut self, id: String) -> btree_map::Entry<'_, String, Conversation> {
        self.list = None;
        self.map.entry(id)
    }

    pub(super) fn insert(&mut self, id: String, c: Conversation) {
        self.list = None;
        self.map.insert(id, c);
    }

    pub(super) fn remove(&mut self, id: &str) -> Option<Conversation> {
        self.list = None;
        self.map.remove(id)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub(super) fn keys(&self) -> btree_map::Keys<'_, String, Conversation> {
        self.map.keys()
    }

    pub(super) fn values(&self) -> btree_map::Values<'_, String, Conversation> {
        self.map.values()
    }
}

/// The JSON array text of `list`.
pub(super) fn json_array<'a>(list: impl IntoIterator<Item = &'a Conversation>) -> Arc<str> {
    let mut out = vec![b'['];
    for (i, c) in list.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        c.write_json(&mut out);
    }
    out.push(b']');
    // serde_json writes UTF-8 and the keys are &str, so this does not fail.
    String::from_utf8(out).unwrap_or_default().into()
}

pub(super) fn throw() -> CallResult {
    CallResult::Throw("Params validate failed.".into())
}

pub(super) fn reject(code: i64, message: impl Into<String>) -> CallResult {
    CallResult::Done(Err(ApiError::new(code, message)))
}

/// The wire contact of a C2C or group conversation ID (`{Type, To_Account}` / `{Type, ToGroupId}`).
pub(super) fn contact(id: &str, group_key: &str) -> Option<Value> {
    if let Some(peer) = id.strip_prefix(CONV_C2C).filter(|p| !p.is_empty()) {
        return Some(obj! {"Type": 1, "To_Account": &peer});
    }
    let gid = id.strip_prefix(CONV_GROUP).filter(|g| !g.is_empty())?;
    let mut c = obj! {"Type": 2};
    c[group_key] = val(gid);
    Some(c)
}

/// The conversation ID of a wire contact, whatever spelling of the peer/group key it uses.
pub(super) fn contact_id(c: &Value) -> Option<String> {
    let pick = |keys: &[&str]| keys.iter().map(|k| s(c, k)).find(|v| !v.is_empty());
    match u(c, "Type") {
        1 => pick(&["UserId", "To_Account", "userID", "to"]).map(|p| format!("{CONV_C2C}{p}")),
        2 => pick(&["GroupId", "ToGroupId", "ToGroupid", "groupID", "ToAccount"]).map(|g| format!("{CONV_GROUP}{g}")),
        _ => None,
    }
}

/// Mark values from the wire bit string (`"101"`: rightmost is bit 0) → `[1, 4]`.
pub(super) fn marks_from_bits(bits: &str) -> Vec<u64> {
    let n = bits.len();
    bits.bytes()
        .enumerate()
        .rev()
        .filter(|(_, b)| *b == b'1')
        .filter_map(|(i, _)| 1u64.checked_shl((n - i - 1) as u32))
        .collect()
}

/// The string list of `a[k]`.
pub(super) fn strings(a: &Value, k: &str) -> Vec<String> {
    a[k].as_array().into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

pub(super) fn failure(id: &str, code: i64, message: &str) -> Value {
    obj! {"conversationID": &id, "code": &code, "message": &message}
}

impl Engine {
    pub(super) fn conv_request(&mut self, servcmd: &str, body: Value, op: ConvOp, now: u64) -> CallResult {
        let call = self.pending_call();
        self.request(servcmd, body, Purpose::Conv { call: Some(call), op }, now);
        CallResult::Pending(call)
    }

    /// A conversation method call, or `None` when `method` is not one.
    pub(super) fn conv_call(&mut self, method: &str, args: &Value, now: u64) -> Option<CallResult> {
        let a = args.get(0).cloned().unwrap_or(Value::Null);
        let r = match method {
            "getConversationList" => {
                let list = match a {
                    Value::Array(_) | Value::Object(_) => json_array(self.filtered_conversations(&a)),
                    _ => self.list_json(),
                };
                CallResult::Text(format!("{{\"conversationList\":{list},\"isSyncCompleted\":true}}").into())
            }
            "getConversationProfile" => self.conversation_profile(&a),
            "deleteConversation" => self.delete_conversation(&a, now),
            "pinConversation" => self.pin_conversation(&a, now),
            "setAllMessageRead" => self.set_all_read(&a, now),
            "getTotalUnreadMessageCount" => CallResult::Done(Ok(val(self.total_unread()))),
            "markConversation" => self.mark_conversation(&a, now),
            "setConversationCustomData" => self.set_custom_data(&a, now),
            "setConversationDraft" => self.set_draft(&a, now),
            "getConversationGroupList" => CallResult::Done(Ok(self.conv_group_names())),
            "createConversationGroup" => self.create_conv_group(&a, now),
            "deleteConversationGroup" => self.delete_conv_group(&a, now),
            "renameConversationGroup" => self.rename_conv_group(&a, now),
            "addConversationsToGroup" | "deleteConversationsFromGroup" => {
                self.conv_group_members(&a, method == "addConversationsToGroup", now)
            }
            _ => return None,
        };
        Some(r)
    }

    /// The list, sorted: pinned first, then by activation, newest first (spec §3.1).
    pub(super) fn sorted_list(&self) -> Vec<&Conversation> {
        let mut list: Vec<&Conversation> =
            self.s.conversations.values().filter(|c| c.listed() && c.kind != crate::model::CONV_TOPIC).collect();
        // Equal keys stay in the map's order, by conversation ID.
        sort_by_key2(&mut list, |c| (u64::from(!c.is_pinned), u64::MAX - c.order()));
        list
    }

    /// The JSON text of the whole sorted list (what CONVERSATION_LIST_UPDATED carries), kept
    /// until the conversations change.
    pub(super) fn list_json(&mut self) -> Arc<str> {
        if let Some(text) = &self.s.conversations.list {
            debug_assert_eq!(**text, *json_array(self.sorted_list()), "stale conversation list text");
            return text.clone();
        }
        let text = json_array(self.sorted_list());
        self.s.conversations.list = Some(text.clone());
        text
    }

    /// `getConversationList(options)`: only the given IDs, or those matching the filter
    /// `{type, markType, groupName}` (criteria AND-combined).
    pub(super) fn filtered_conversations(&self, a: &Value) -> Vec<&Conversation> {
        let list = self.sorted_list();
        match a {
            Value::Array(ids) => list.into_iter().filter(|c| ids.iter().any(|i| *i == c.conversation_id)).collect(),
            Value::Object(_) => {
                let kind = s(a, "type");
                let group = a["groupName"].as_str();
                let mark = a["markType"].as_u64();
                list.into_iter()
                    .filter(|c| (kind != CONV_C2C && kind != CONV_GROUP) || c.kind == kind)
                    .filter(|c| group.is_none_or(|g| c.conversation_group_list.iter().any(|x| x == g)))
                    .filter(|c| mark.is_none_or(|m| c.mark_list.contains(&m)))
                    .collect()
            }
            _ => list,
        }
    }

    /// The sum of unread counts the badge shows, as tim-js-sdk counts it: no AVChatRoom or
    /// Meeting groups, topics, group system notices (`@TIM#SYSTEM`), or conversations whose
    /// remind type is "receive but do not notify" or "discard".
    pub(super) fn unread_total(&self) -> u64 {
        self.s
            .conversations
            .values()
            .filter(|c| c.kind != crate::model::CONV_TOPIC && c.kind != CONV_SYSTEM)
            .filter(|c| c.message_remind_type.is_empty() || c.message_remind_type == ACPT_AND_NOTE)
            .filter(|c| !matches!(c.group_profile["type"].as_str(), Some("AVChatRoom" | "ChatRoom")))
            .map(|c| c.unread_count)
            .sum()
    }

    pub(super) fn conversation_profile(&mut self, a: &Value) -> CallResult {
        let id = a.as_str().unwrap_or("").to_string();
        if id.is_empty() {
            return throw();
        }
        if let Some(c) = self.s.conversations.get(&id) {
            return CallResult::Done(Ok(obj! {"conversation": &c.to_json()}));
        }
        // As tim-js-sdk: an empty conversation for a valid ID that has none yet.
        let c = if let Some(peer) = id.strip_prefix(CONV_C2C).filter(|p| !p.is_empty()) {
            Conversation::c2c(peer)
        } else if id == CONV_SYSTEM {
            Conversation::group("")
        } else if let Some(gid) = id.strip_prefix(CONV_GROUP).filter(|g| !g.is_empty()) {
            let mut c = Conversation::group(gid);
            if let Some(g) = self.s.groups.get(gid) {
                c.group_profile = g.clone();
            }
            c
        } else {
            return reject(code::INVALID_CONVERSATION_ID, format!("invalid conversation ID {id}"));
        };
        CallResult::Done(Ok(obj! {"conversation": &c.to_json()}))
    }

    pub(super) fn delete_conversation(&mut self, a: &Value, now: u64) -> CallResult {
        let (ids, single, clear) = match a {
            Value::String(id) => (vec![id.clone()], true, true),
            Value::Object(_) if a["conversationIDList"].is_array() => {
                let mut ids = strings(a, "conversationIDList");
                ids.truncate(MAX_IDS);
                (ids, false, a["clearHistoryMessage"].as_bool().unwrap_or(true))
            }
            _ => return throw(),
        };
        let mut local = Vec::new();
        let mut items = Vec::new();
        for id in &ids {
            let Some(c) = self.s.conversations.get(id).filter(|c| c.listed()) else { continue };
            let gid = id.strip_prefix(CONV_GROUP).unwrap_or("");
            // The system conversation, and those of groups no longer joined, exist only here.
            if c.kind == CONV_SYSTEM || (c.kind == CONV_GROUP && !self.s.groups.contains_key(gid)) {
                local.push(id.clone());
            } else if let Some(ct) = contact(id, "ToGroupid") {
                items.push(ct);
            }
        }
        for id in &local {
            self.forget_conversation(id);
        }
        if items.is_empty() {
            return self.settle_delete(None, local, single);
        }
        let body = obj! {"From_Account": &self.s.user, "ContactItem": &items, "ClearRamble": &u32::from(clear)};
        self.conv_request(cmd::BATCH_DELETE, body, ConvOp::Delete { local, single }, now)
    }

    pub(super) fn settle_delete(&mut self, call: Option<u64>, ids: Vec<String>, single: bool) -> CallResult {
        let r = if ids.is_empty() {
            Err(ApiError::new(code::CONVERSATION_NOT_FOUND, "conversation not found"))
        } else if single {
            Ok(obj! {"conversationID": &ids[0]})
        } else {
            Ok(obj! {"conversationIDList": &ids})
        };
        match call {
            Some(call) => {
                self.settle(call, r);
                CallResult::Pending(call)
            }
            None => CallResult::Done(r),
        }
    }

    /// Drop a conversation from the list and its history from the cache. The entry stays,
    /// emptied, so the persisted record is overwritten; a later message lists it again.
    pub(super) fn forget_conversation(&mut self, id: &str) {
        let Some(c) = self.s.conversations.get_mut(id) else { return };
        c.last_message = obj! {};
        c.last_time = 0;
        c.order_key = 0;
        c.unread_count = 0;
        c.is_pinned = false;
        c.group_at_info_list.clear();
        c.draft_text.clear();
        self.s.history.remove(id);
        self.touch_conv(id);
    }

    pub(super) fn pin_conversation(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "conversationID");
        let Some(pin) = a["isPinned"].as_bool() else { return throw() };
        if id.is_empty() {
            return throw();
        }
        let Some(c) = self.s.conversations.get(&id) else {
            return reject(code::CONVERSATION_NOT_FOUND, format!("conversation {id} not found"));
        };
        if c.is_pinned == pin {
            return CallResult::Done(Ok(obj! {"conversationID": &id}));
        }
        let Some(item) = contact(&id, "GroupId") else {
            return reject(code::INVALID_CONVERSATION_ID, format!("cannot pin {id}"));
        };
        let body = obj! {"From_Account": &self.s.user, "OperationType": &if pin { 1 } else { 2 }, "RecentContactItem": Value::Array(vec![item])};
        self.conv_request(cmd::TOP, body, ConvOp::Pin { id, pin }, now)
    }

    pub(super) fn set_pinned(&mut self, id: &str, pin: bool) {
        if let Some(c) = self.s.conversations.get_mut(id) {
            if c.is_pinned != pin {
                c.is_pinned = pin;
                self.touch_conv(id);
            }
        }
    }

    pub(super) fn set_all_read(&mut self, a: &Value, now: u64) -> CallResult {
        let scope = a["scope"].as_str().unwrap_or("readAllMessage").to_string();
        let (c2c, group) = match scope.as_str() {
            READ_ALL_C2C_MSG => (true, false),
            READ_ALL_GROUP_MSG => (false, true),
            _ => (true, true),
        };
        let mut read_c2c = 0;
        let mut groups = Vec::new();
        for c in self.s.conversations.values().filter(|c| c.unread_count > 0) {
            if c.kind == CONV_C2C && c2c {
                read_c2c = 1;
            } else if c.kind == CONV_GROUP && group {
                let gid = c.conversation_id.strip_prefix(CONV_GROUP).unwrap_or("");
                let seq = c.last_message["lastSequence"].as_u64().unwrap_or(0);
                groups.push(obj! {"GroupId": &gid, "MsgSeq": &seq});
            }
        }
        let body = obj! {"C2CReadAllMsg": &read_c2c, "GroupReadInfo": &groups};
        self.conv_request(cmd::READ_ALL_UNREAD_MSG, body, ConvOp::ReadAll { c2c, group }, now)
    }

    /// Clear the unread counts of every C2C (`c2c`) and/or group (`group`) conversation.
    pub(super) fn clear_all_unread(&mut self, c2c: bool, group: bool) {
        let ids: Vec<String> = self
            .s
            .conversations
            .values()
            .filter(|c| c.unread_count > 0 || !c.group_at_info_list.is_empty())
            .filter(|c| (c2c && c.kind == CONV_C2C) || (group && c.kind == CONV_GROUP))
            .map(|c| c.conversation_id.clone())
            .collect();
        for id in ids {
            if let Some(c) = self.s.conversations.get_mut(&id) {
                c.unread_count = 0;
                c.group_at_info_list.clear();
            }
            if let Some(h) = self.s.history.get_mut(&id) {
                for m in h.msgs.iter_mut() {
                    m.is_read = true;
                }
            }
            self.touch_conv(&id);
        }
    }

    pub(super) fn set_draft(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "conversationID");
        let Some(text) = a["draftText"].as_str() else { return throw() };
        // A draft activates the conversation (spec §3.7): it moves above every other one.
        let top = self.s.conversations.values().map(Conversation::order).max().unwrap_or(0);
        let at = self.server_secs(now).saturating_mul(1000).max(top + 1);
        let Some(c) = self.s.conversations.get_mut(&id) else {
            return reject(code::CONVERSATION_NOT_FOUND, format!("conversation {id} not found"));
        };
        c.draft_text = text.to_string();
        if !text.is_empty() {
            c.order_key = at;
        }
        self.touch_conv(&id);
        CallResult::Done(Ok(obj! {}))
    }

    pub(super) fn conv_fail(&mut self, call: Option<u64>, op: ConvOp, err: ApiError) {
        if let Some(call) = call {
            self.settle(call, Err(err));
        } else if matches!(op, ConvOp::SyncGroups) {
            self.conv_changed();
        }
    }

    /// The per-conversation results of a reply (`ResultItem` / `ContactResultItem`).
    pub(super) fn results(&self, list: &Value, mut failed: Vec<Value>) -> (Vec<String>, Vec<Value>) {
        let mut ok = Vec::new();
        for r in list.as_array().into_iter().flatten() {
            let item = if r["ContactItem"].is_object() { &r["ContactItem"] } else { r };
            let Some(id) = contact_id(item) else { continue };
            match r["ResultCode"].as_i64().unwrap_or(0) {
                0 => ok.push(id),
                code => failed.push(failure(&id, code, r["ResultInfo"].as_str().unwrap_or(""))),
            }
        }
        (ok, failed)
    }

    pub(super) fn conv_reply(&mut self, call: Option<u64>, op: ConvOp, body: Value, now: u64) {
        let result = match op {
            ConvOp::Delete { mut local, single } => {
                let (ok, _) = self.results(&body["ResultItem"], Vec::new());
                for id in &ok {
                    self.forget_conversation(id);
                }
                local.extend(ok);
                self.settle_delete(call, local, single);
                return;
            }
            ConvOp::Pin { id, pin } => {
                self.set_pinned(&id, pin);
                Ok(obj! {"conversationID": &id})
            }
            ConvOp::Mark { mark, data, failed } => {
                let (ok, failed) = self.results(&body["ResultItem"], failed);
                for id in &ok {
                    if let Some((mark, enable)) = mark {
                        self.apply_mark(id, mark, enable);
                    } else if let Some(c) = self.s.conversations.get_mut(id) {
                        c.custom_data = data.clone();
                        self.touch_conv(id);
                    }
                }
                Ok(obj! {"successConversationIDList": &ok, "failureConversationIDList": &failed})
            }
            ConvOp::ReadAll { c2c, group } => {
                self.clear_all_unread(c2c, group);
                Ok(obj! {})
            }
            ConvOp::SyncGroups => {
                self.conv_groups_synced(&body, now);
                return;
            }
            op => self.conv_group_reply(op, &body),
        };
        if let Some(call) = call {
            self.settle(call, result);
        }
    }
}

/// A conversation-group ID as text (the server may send a number or a string).
pub(super) fn id_text(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        other => other.as_str().unwrap_or("").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn mark_bits_rightmost_is_bit_zero() {
        assert_eq!(marks_from_bits("101"), vec![1, 4]);
        assert_eq!(marks_from_bits(""), Vec::<u64>::new());
        let mut big = "1".to_string();
        big.push_str(&"0".repeat(32));
        assert_eq!(marks_from_bits(&big), vec![1 << 32]);
        // More than 64 characters: the bits beyond 63 are dropped, not a panic.
        assert_eq!(marks_from_bits(&"1".repeat(70)).len(), 64);
    }

    #[test]
    pub(super) fn contact_ids_from_any_spelling() {
        assert_eq!(contact_id(&obj! {"Type": 1, "UserId": "bob"}).as_deref(), Some("C2Cbob"));
        assert_eq!(contact_id(&obj! {"Type": 1, "To_Account": "bob"}).as_deref(), Some("C2Cbob"));
        assert_eq!(contact_id(&obj! {"Type": 2, "ToGroupid": "g"}).as_deref(), Some("GROUPg"));
        assert_eq!(contact_id(&obj! {"Type": 3, "GroupId": "g"}), None);
        assert_eq!(contact("C2Cbob", "GroupId"), Some(obj! {"Type": 1, "To_Account": "bob"}));
        assert_eq!(contact("GROUPg", "ToGroupId"), Some(obj! {"Type": 2, "ToGroupId": "g"}));
        assert_eq!(contact("@TIM#SYSTEM", "GroupId"), None);
    }
}

//! Conversation marks, custom data and conversation groups (B-conversations-groups.md §3):
//! create, delete, rename, membership, the sync of the list at login and its pushes.

use serde_json::Value;

use crate::obj;
use crate::value::val;
use tim_proto::{cmd, code};

use super::conversations::{contact, contact_id, failure, id_text, marks_from_bits, strings, throw, ConvOp, MAX_IDS};
use super::{ev, s, u, ApiError, CallResult, Engine, Purpose};
use crate::model::Conversation;

impl Engine {
    pub(super) fn conv_group_names(&self) -> Value {
        Value::Array(self.s.conv_groups.iter().map(|(_, n)| val(n)).collect())
    }

    pub(super) fn conv_groups_changed(&mut self) {
        let names = self.conv_group_names();
        self.emit(ev::CONVERSATION_GROUP_LIST_UPDATED, Some(names));
    }

    pub(super) fn conv_in_group_changed(&mut self, name: &str) {
        let list: Vec<Value> = self
            .sorted_list()
            .into_iter()
            .filter(|c| c.conversation_group_list.iter().any(|g| g == name))
            .map(Conversation::to_json)
            .collect();
        self.emit(ev::CONVERSATION_IN_GROUP_UPDATED, Some(obj! {"groupName": &name, "conversationList": &list}));
    }

    /// Record conversation group `id` as `name`; true when that changed the list.
    pub(super) fn put_conv_group(&mut self, id: &str, name: &str) -> bool {
        if name.is_empty() {
            return false;
        }
        match self.s.conv_groups.iter_mut().find(|(i, _)| !id.is_empty() && i == id) {
            Some((_, n)) if n == name => false,
            Some((_, n)) => {
                *n = name.to_string();
                true
            }
            None => {
                if self.s.conv_groups.iter().any(|(_, n)| n == name) {
                    return false;
                }
                self.s.conv_groups.push((id.to_string(), name.to_string()));
                true
            }
        }
    }

    /// Put conversation `id` into (or out of) conversation group `name`; true when it changed.
    pub(super) fn file_conversation(&mut self, id: &str, name: &str, add: bool) -> bool {
        let Some(c) = self.s.conversations.get_mut(id) else { return false };
        let has = c.conversation_group_list.iter().any(|g| g == name);
        if add && !has {
            c.conversation_group_list.push(name.to_string());
        } else if !add && has {
            c.conversation_group_list.retain(|g| g != name);
        } else {
            return false;
        }
        self.touch_conv(id);
        true
    }

    pub(super) fn rename_in_conversations(&mut self, old: &str, new: &str) {
        let ids: Vec<String> = self
            .s
            .conversations
            .values()
            .filter(|c| c.conversation_group_list.iter().any(|g| g == old))
            .map(|c| c.conversation_id.clone())
            .collect();
        for id in ids {
            if let Some(c) = self.s.conversations.get_mut(&id) {
                for g in c.conversation_group_list.iter_mut().filter(|g| *g == old) {
                    *g = new.to_string();
                }
            }
            self.touch_conv(&id);
        }
    }

    pub(super) fn erase_conv_group(&mut self, name: &str) {
        let before = self.s.conv_groups.len();
        self.s.conv_groups.retain(|(_, n)| n != name);
        let ids: Vec<String> = self.s.conversations.keys().cloned().collect();
        for id in ids {
            self.file_conversation(&id, name, false);
        }
        if self.s.conv_groups.len() != before {
            self.conv_groups_changed();
        }
    }

    /// `{groupName, conversationIDList}` of a conversation-group call: the name, the contacts of
    /// the known conversations and the failures; the call's answer when it cannot go ahead (a
    /// missing name or list throws; no known conversation answers with the failures alone).
    #[allow(clippy::type_complexity)]
    pub(super) fn group_request_contacts(
        &self,
        a: &Value,
    ) -> Result<(String, Vec<(String, Value)>, Vec<Value>), CallResult> {
        let name = s(a, "groupName");
        let ids = strings(a, "conversationIDList");
        if name.is_empty() || ids.is_empty() {
            return Err(throw());
        }
        let (ok, failed) = self.contacts_of(&ids, "ToGroupId");
        if ok.is_empty() {
            return Err(CallResult::Done(Ok(
                obj! {"successConversationIDList": Value::Array(vec![]), "failureConversationIDList": &failed},
            )));
        }
        Ok((name, ok, failed))
    }

    pub(super) fn create_conv_group(&mut self, a: &Value, now: u64) -> CallResult {
        let (name, ok, failed) = match self.group_request_contacts(a) {
            Ok(r) => r,
            Err(done) => return done,
        };
        let items: Vec<Value> = ok.into_iter().map(|(_, c)| c).collect();
        let body = obj! {"From_Account": &self.s.user, "GroupContactItem": Value::Array(vec![obj!{"GroupName": &name, "ContactItem": &items}])};
        self.conv_request(cmd::CREATE_CONTACT_GROUP, body, ConvOp::CreateGroup { name, failed }, now)
    }

    pub(super) fn delete_conv_group(&mut self, a: &Value, now: u64) -> CallResult {
        let name = a.as_str().unwrap_or("").to_string();
        if name.is_empty() {
            return throw();
        }
        let body = obj! {"From_Account": &self.s.user, "GroupName": Value::Array(vec![val(&name)])};
        self.conv_request(cmd::DEL_CONTACT_GROUP, body, ConvOp::DeleteGroup { name }, now)
    }

    pub(super) fn rename_conv_group(&mut self, a: &Value, now: u64) -> CallResult {
        let (old, new) = (s(a, "oldName"), s(a, "newName"));
        if old.is_empty() || !a["newName"].is_string() {
            return throw();
        }
        let body = obj! {"From_Account": &self.s.user, "UpdateType": 1, "UpdateGroup": obj!{"UpdateGroupType": 1, "OldGroupName": &old, "NewGroupName": &new}};
        self.conv_request(cmd::UPDATE_CONTACT_GROUP, body, ConvOp::RenameGroup { old, new }, now)
    }

    pub(super) fn conv_group_members(&mut self, a: &Value, add: bool, now: u64) -> CallResult {
        let (name, ok, failed) = match self.group_request_contacts(a) {
            Ok(r) => r,
            Err(done) => return done,
        };
        let opt = if add { 1 } else { 2 };
        let items: Vec<Value> = ok.into_iter().map(|(_, c)| obj! {"ContactOptType": &opt, "ContactItem": c}).collect();
        let body = obj! {"From_Account": &self.s.user, "UpdateType": 1, "UpdateGroup": obj!{"UpdateGroupType": 2, "OldGroupName": &name, "ContactUpdateItem": &items}};
        self.conv_request(cmd::UPDATE_CONTACT_GROUP, body, ConvOp::GroupMembers { name, add, failed }, now)
    }

    /// The login sequence's `get_contact_group` (after the last `page_get` page).
    pub(super) fn sync_conv_groups(&mut self, start: u64, now: u64) {
        // tim-js-sdk sends the current time as StartTime; 0 asks for everything either way.
        let body = obj! {"From_Account": &self.s.user, "StartTime": 0, "StartIndex": &start};
        self.request(cmd::GET_CONTACT_GROUP, body, Purpose::Conv { call: None, op: ConvOp::SyncGroups }, now);
    }

    pub(super) fn rename_conv_group_local(&mut self, gid: &str, old: &str, new: &str) {
        if old == new {
            return;
        }
        let found = self.s.conv_groups.iter_mut().find(|(i, n)| n == old || (!gid.is_empty() && i == gid));
        match found {
            Some((i, n)) => {
                *n = new.to_string();
                if i.is_empty() {
                    *i = gid.to_string();
                }
            }
            None => self.s.conv_groups.push((gid.to_string(), new.to_string())),
        }
        self.rename_in_conversations(old, new);
        self.conv_groups_changed();
    }

    pub(super) fn conv_group_updated(&mut self, up: &Value) {
        if u(up, "UpdateType") == 2 {
            // One conversation added to or removed from groups.
            let p = &up["MsgUpdateContact"];
            let Some(id) = contact_id(&p["MsgRecentContactItem"]) else { return };
            for it in p["MsgRecentContactUpdateContactItem"].as_array().into_iter().flatten() {
                let name = s(&it["RecentContactGroupItem"], "GroupName");
                if self.file_conversation(&id, &name, u(it, "GroupOptType") == 1) {
                    self.conv_in_group_changed(&name);
                }
            }
            return;
        }
        let g = &up["MsgUpdateGroup"];
        let old = s(g, "OldGroupName");
        if u(g, "UpdateGroupType") == 1 {
            let new = s(g, "NewGroupName");
            let new = if new.is_empty() { s(g, "GroupName") } else { new };
            if !new.is_empty() && self.s.conv_groups.iter().all(|(_, n)| *n != new) {
                self.rename_conv_group_local(&id_text(&g["GroupId"]), &old, &new);
            }
            return;
        }
        let mut changed = false;
        for it in g["RecentContactUpdateGroupItem"].as_array().into_iter().flatten() {
            if let Some(id) = contact_id(&it["RecentContactItem"]) {
                changed |= self.file_conversation(&id, &old, u(it, "ContactOptType") == 1);
            }
        }
        if changed {
            self.conv_in_group_changed(&old);
        }
    }

    /// The reply of a conversation-group request (`ConvOp::{Create,Delete,Rename}Group`,
    /// `GroupMembers`): what the call resolves with.
    pub(super) fn conv_group_reply(&mut self, op: ConvOp, body: &Value) -> Result<Value, ApiError> {
        match op {
            ConvOp::CreateGroup { name, failed } => {
                let r = &body["GroupResultItem"][0];
                let gid = id_text(&r["GroupItem"]["GroupId"]);
                let listed = self.put_conv_group(&gid, &name);
                let (ok, failed) = self.results(&r["ResultItem"], failed);
                let mut filed = false;
                for id in &ok {
                    filed |= self.file_conversation(id, &name, true);
                }
                if listed || filed {
                    self.conv_groups_changed();
                }
                Ok(obj! {"successConversationIDList": &ok, "failureConversationIDList": &failed})
            }
            ConvOp::DeleteGroup { name } => {
                self.erase_conv_group(&name);
                Ok(obj! {})
            }
            ConvOp::RenameGroup { old, new } => {
                let gid = id_text(&body["UpdateGroupResult"]["GroupId"]);
                self.rename_conv_group_local(&gid, &old, &new);
                Ok(obj! {})
            }
            ConvOp::GroupMembers { name, add, failed } => {
                let (ok, failed) = self.results(&body["UpdateGroupResult"]["ContactResultItem"], failed);
                let mut changed = Vec::new();
                for id in &ok {
                    if self.file_conversation(id, &name, add) {
                        changed.push(id.clone());
                    }
                }
                if !changed.is_empty() {
                    self.conv_in_group_changed(&name);
                }
                Ok(obj! {"successConversationIDList": &changed, "failureConversationIDList": &failed})
            }
            _ => Ok(obj! {}),
        }
    }

    /// A `get_contact_group` page of the login sequence: the groups and the conversations' marks,
    /// then the next page or the list events.
    pub(super) fn conv_groups_synced(&mut self, body: &Value, now: u64) {
        for g in body["GroupItem"].as_array().cloned().unwrap_or_default() {
            self.put_conv_group(&id_text(&g["GroupId"]), &s(&g, "GroupName"));
        }
        for item in body["ContactItem"].as_array().cloned().unwrap_or_default() {
            if let Some(id) = contact_id(&item) {
                self.contact_extras(&item, &id);
                self.touch_conv(&id);
            }
        }
        if u(body, "CompleteFlag") == 0 && u(body, "NextStartIndex") > 0 {
            self.sync_conv_groups(u(body, "NextStartIndex"), now);
        } else {
            self.conv_changed();
            self.conv_groups_changed();
        }
    }

    /// The wire contacts of `ids`, with the IDs that have no local conversation (or are not
    /// C2C/group ones) as failures, like tim-js-sdk.
    pub(super) fn contacts_of(&self, ids: &[String], group_key: &str) -> (Vec<(String, Value)>, Vec<Value>) {
        let mut ok = Vec::new();
        let mut failed = Vec::new();
        for id in ids {
            if !self.s.conversations.get(id).is_some_and(Conversation::listed) {
                failed.push(failure(id, code::CONVERSATION_NOT_FOUND, "conversation not found"));
            } else if let Some(c) = contact(id, group_key) {
                ok.push((id.clone(), c));
            } else {
                failed.push(failure(id, code::INVALID_CONVERSATION_ID, "invalid conversation ID"));
            }
        }
        (ok, failed)
    }

    pub(super) fn mark_conversation(&mut self, a: &Value, now: u64) -> CallResult {
        let ids = strings(a, "conversationIDList");
        let (Some(mark), Some(enable)) = (a["markType"].as_u64(), a["enableMark"].as_bool()) else {
            return throw();
        };
        if ids.is_empty() || ids.len() > MAX_IDS || !mark.is_power_of_two() {
            return throw();
        }
        let bit = mark.trailing_zeros();
        let (ok, failed) = self.contacts_of(&ids, "ToGroupId");
        let items: Vec<Value> = ok
            .iter()
            .map(|(_, c)| {
                let mut item = obj! {"OptType": 1, "ContactItem": c};
                item[if enable { "SetMark" } else { "ClearMark" }] = Value::Array(vec![val(bit)]);
                item
            })
            .collect();
        if items.is_empty() {
            return CallResult::Done(Ok(
                obj! {"successConversationIDList": Value::Array(vec![]), "failureConversationIDList": &failed},
            ));
        }
        let body = obj! {"From_Account": &self.s.user, "MarkItem": &items};
        self.conv_request(
            cmd::MARK_CONTACT,
            body,
            ConvOp::Mark { mark: Some((mark, enable)), data: String::new(), failed },
            now,
        )
    }

    pub(super) fn set_custom_data(&mut self, a: &Value, now: u64) -> CallResult {
        let ids = strings(a, "conversationIDList");
        let Some(data) = a["customData"].as_str() else { return throw() };
        if ids.is_empty() || ids.len() > MAX_IDS || data.len() > 256 {
            return throw();
        }
        let (ok, failed) = self.contacts_of(&ids, "ToGroupId");
        let items: Vec<Value> =
            ok.iter().map(|(_, c)| obj! {"OptType": 2, "ContactItem": c, "CustomMark": &data}).collect();
        if items.is_empty() {
            return CallResult::Done(Ok(
                obj! {"successConversationIDList": Value::Array(vec![]), "failureConversationIDList": &failed},
            ));
        }
        let body = obj! {"From_Account": &self.s.user, "MarkItem": &items};
        self.conv_request(cmd::MARK_CONTACT, body, ConvOp::Mark { mark: None, data: data.to_string(), failed }, now)
    }

    /// Set or clear mark `mark` on conversation `id`; true when it changed.
    pub(super) fn apply_mark(&mut self, id: &str, mark: u64, enable: bool) -> bool {
        let Some(c) = self.s.conversations.get_mut(id) else { return false };
        let has = c.mark_list.contains(&mark);
        if enable && !has {
            c.mark_list.push(mark);
        } else if !enable && has {
            c.mark_list.retain(|m| *m != mark);
        } else {
            return false;
        }
        self.touch_conv(id);
        true
    }

    /// Marks, custom data and conversation groups of a `page_get` or `get_contact_group`
    /// item, and its pin flag when the item carries one.
    pub(super) fn contact_extras(&mut self, item: &Value, id: &str) {
        let names: Vec<String> = item["ContactGroupId"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| {
                let gid = match g {
                    Value::Number(n) => n.to_string(),
                    other => other.as_str().unwrap_or("").to_string(),
                };
                self.s.conv_groups.iter().find(|(i, _)| *i == gid).map(|(_, n)| n.clone())
            })
            .collect();
        let Some(c) = self.s.conversations.get_mut(id) else { return };
        if let Some(bits) = item["StandardMark"].as_str() {
            c.mark_list = marks_from_bits(bits);
        }
        if let Some(d) = item["CustomMark"].as_str() {
            c.custom_data = d.to_string();
        }
        if item["ContactGroupId"].is_array() {
            c.conversation_group_list = names;
        }
        if let Some(t) = item["TopFlags"].as_u64() {
            c.is_pinned = t == 1;
        }
    }
}

//! Group members (B-conversations-groups.md §4.6–§4.12): add, delete, list, read and modify.

use serde_json::Value;

use crate::obj;
use crate::value::val;
use tim_proto::{cmd, code};

use super::groups::{copy, reject, strings, throw, GroupOp};
use super::{s, CallResult, Engine};
use crate::group::{custom_fields_to_wire, GRP_AVCHATROOM, GRP_COMMUNITY, GRP_WORK};

impl Engine {
    pub(super) fn add_members(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        let Some(users) = strings(a, "userIDList").filter(|l| !id.is_empty() && !l.is_empty()) else {
            return throw();
        };
        if self.s.groups.get(&id).is_some_and(|g| g["type"] == GRP_AVCHATROOM) {
            return reject(code::CANNOT_ADD_MEMBER_IN_AVCHATROOM, "members cannot be added to an AVChatRoom");
        }
        let list: Vec<Value> = users.iter().map(|u| obj! {"Member_Account": &u}).collect();
        let body = obj! {"GroupId": &id, "MemberList": &list};
        self.pending_group(cmd::ADD_GROUP_MEMBER, body, GroupOp::AddMembers, obj! {"groupID": &id}, now)
    }

    pub(super) fn delete_members(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        if self.is_joined_room(&id) {
            return self.room_ban(a, now);
        }
        let Some(users) = strings(a, "userIDList").filter(|l| !id.is_empty() && !l.is_empty()) else {
            return throw();
        };
        // A topic's members are its community's (B-spec §4.17.3: "group ID or topic ID").
        let id = super::rooms::member_group_id(&id);
        let body = obj! {"GroupId": &id, "MemberToDel_Account": &users, "Reason": &s(a, "reason")};
        self.pending_group(
            cmd::DELETE_GROUP_MEMBER,
            body,
            GroupOp::DeleteMembers,
            obj! {"groupID": &id, "userIDList": &users},
            now,
        )
    }

    pub(super) fn member_list(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        if id.is_empty() {
            return throw();
        }
        if self.is_joined_room(&id) {
            return self.room_members(a, now);
        }
        let count = a["count"].as_u64().unwrap_or(15).clamp(1, 100);
        let offset = a["offset"].as_u64().unwrap_or(0);
        let mut body = obj! {"GroupId": &id, "Limit": &count, "Offset": &offset, "MemberInfoFilter": Value::Array(vec![val("Role"), val("NameCard"), val("ShutUpUntil"), val("JoinTime")])};
        copy(&mut body, a, "memberCustomFieldFilter", "AppDefinedDataFilter_GroupMember");
        self.pending_group(cmd::GET_GROUP_MEMBER_INFO, body, GroupOp::Members, obj! {"offset": &offset}, now)
    }

    pub(super) fn member_profile(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        let Some(mut users) = strings(a, "userIDList").filter(|l| !id.is_empty() && !l.is_empty()) else {
            return throw();
        };
        users.truncate(50);
        let mut body = obj! {"GroupId": &id, "Member_List_Account": &users};
        copy(&mut body, a, "memberCustomFieldFilter", "AppDefinedDataFilter_GroupMember");
        self.pending_group(cmd::GET_SPECIFIED_GROUP_MEMBER_INFO, body, GroupOp::Members, obj! {}, now)
    }

    pub(super) fn modify_member(&mut self, method: &str, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        let user = a["userID"].as_str().filter(|u| !u.is_empty()).map_or_else(|| self.s.user.clone(), str::to_string);
        if id.is_empty() {
            return throw();
        }
        let kind = self.s.groups.get(&id).map(|g| s(g, "type")).unwrap_or_default();
        let mut body = obj! {"GroupId": &id, "Member_Account": &user};
        let mut member = obj! {"userID": &user};
        match method {
            "setGroupMemberRole" => {
                // tim-js-sdk's checks, in its order.
                let role = s(a, "role");
                let mine = self.s.groups.get(&id).map(|g| s(&g["selfInfo"], "role")).unwrap_or_default();
                if !mine.is_empty() && mine != "Owner" {
                    return reject(code::NOT_OWNER, "only the owner may change member roles");
                }
                if kind == GRP_WORK || kind == GRP_AVCHATROOM {
                    return reject(
                        code::CANNOT_SET_MEMBER_ROLE_IN_WORK_AND_AVCHATROOM,
                        "Work groups and AVChatRooms have no admin role",
                    );
                }
                let custom_ok = kind == GRP_COMMUNITY && role == "Custom";
                if !(role == "Admin" || role == "Member" || custom_ok) {
                    return reject(code::INVALID_MEMBER_ROLE, format!("invalid member role {role:?}"));
                }
                if user == self.s.user {
                    return reject(code::CANNOT_SET_SELF_MEMBER_ROLE, "cannot change your own role");
                }
                body["Role"] = val(&role);
                member["role"] = val(&role);
            }
            "setGroupMemberMuteTime" => {
                let Some(t) = a["muteTime"].as_u64() else { return throw() };
                if user == self.s.user {
                    return reject(code::CANNOT_MUTE_SELF, "cannot mute yourself");
                }
                body["ShutUpTime"] = val(t);
                member["muteUntil"] = val(if t == 0 { 0 } else { self.server_secs(now) + t });
            }
            "setGroupMemberNameCard" => {
                let Some(card) = a["nameCard"].as_str() else { return throw() };
                body["NameCard"] = val(card);
                member["nameCard"] = val(card);
            }
            _ => {
                if !a["memberCustomField"].is_array() {
                    return throw();
                }
                body["AppMemberDefinedData"] = custom_fields_to_wire(&a["memberCustomField"]);
                member["memberCustomField"] = a["memberCustomField"].clone();
            }
        }
        // tim-js-sdk: a topic ID goes as GroupId = the community, TopicId = the topic.
        super::rooms::address_topic(&mut body);
        self.pending_group(
            cmd::MODIFY_GROUP_MEMBER_INFO,
            body,
            GroupOp::ModifyMember,
            obj! {"groupID": &id, "member": &member},
            now,
        )
    }
}

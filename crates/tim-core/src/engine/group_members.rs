//! Group members (B-conversations-groups.md §4.6–§4.12): add, delete, list, read and modify;
//! join applications (list, handle).

use serde_json::Value;

use crate::obj;
use crate::value::val;
use tim_proto::{cmd, code};

use super::groups::{copy, reject, strings, throw, GroupOp};
use super::{s, u, CallResult, Engine, Purpose};
use crate::group::{custom_fields_to_wire, member_from_wire, GRP_AVCHATROOM, GRP_COMMUNITY, GRP_WORK};
use crate::model::CONV_SYSTEM;

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
        self.pending_group(cmd::ADD_GROUP_MEMBER, body, GroupOp::AddMembers { group_id: id }, now)
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
        self.pending_group(cmd::DELETE_GROUP_MEMBER, body, GroupOp::DeleteMembers { group_id: id, users }, now)
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
        self.pending_group(cmd::GET_GROUP_MEMBER_INFO, body, GroupOp::Members { offset: Some(offset) }, now)
    }

    pub(super) fn member_profile(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        let Some(mut users) = strings(a, "userIDList").filter(|l| !id.is_empty() && !l.is_empty()) else {
            return throw();
        };
        users.truncate(50);
        let mut body = obj! {"GroupId": &id, "Member_List_Account": &users};
        copy(&mut body, a, "memberCustomFieldFilter", "AppDefinedDataFilter_GroupMember");
        self.pending_group(cmd::GET_SPECIFIED_GROUP_MEMBER_INFO, body, GroupOp::Members { offset: None }, now)
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
                    return reject(code::INVALID_MEMBER_ROLE, format!("invalid member role \"{role}\""));
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
        self.pending_group(cmd::MODIFY_GROUP_MEMBER_INFO, body, GroupOp::ModifyMember { group_id: id, member }, now)
    }

    /// `handleGroupApplication({handleAction, handleMessage?, message | application})`: the
    /// request is named by the join-request notice, or by an item of getGroupApplicationList.
    pub(super) fn handle_application(&mut self, a: &Value, now: u64) -> CallResult {
        let action = s(a, "handleAction");
        let (applicant, id, auth, key) = if a["message"].is_object() {
            let p = &a["message"]["payload"];
            (s(p, "operatorID"), s(&p["groupProfile"], "groupID"), s(p, "authentication"), p["messageKey"].clone())
        } else {
            let p = &a["application"];
            (s(p, "applicant"), s(p, "groupID"), s(p, "authentication"), p["messageKey"].clone())
        };
        if !(action == "Agree" || action == "Reject") || id.is_empty() {
            return throw();
        }
        let body = obj! {"GroupId": &id, "Applicant_Account": &applicant, "HandleMsg": &action, "ApprovalMsg": &s(a, "handleMessage"), "Authentication": &auth, "MsgKey": &key};
        let op = GroupOp::HandleApplication { group_id: id, message: a["message"].clone() };
        self.pending_group(cmd::HANDLE_APPLY_JOIN_GROUP, body, op, now)
    }

    /// The reply of a member or join-application request (see [`Engine::group_reply`]).
    pub(super) fn member_reply(&mut self, call: Option<u64>, op: GroupOp, body: Value, now: u64) {
        let me = self.s.user.clone();
        let done = |e: &mut Engine, v: Value| {
            if let Some(call) = call {
                e.settle(call, Ok(v));
            }
        };
        match op {
            GroupOp::AddMembers { group_id: id } => {
                let (mut ok, mut failed, mut existed, mut over) = (vec![], vec![], vec![], vec![]);
                for m in body["MemberList"].as_array().into_iter().flatten() {
                    let user = s(m, "Member_Account");
                    match u(m, "Result") {
                        1 => ok.push(user),
                        2 => existed.push(user),
                        4 => over.push(user),
                        _ => failed.push(user),
                    }
                }
                if let Some(g) = self.s.groups.get_mut(&id) {
                    let n = g["memberCount"].as_u64().unwrap_or(0) + ok.len() as u64;
                    g["memberCount"] = val(n);
                    g["memberNum"] = val(n);
                }
                let g = self.group_or_stub(&id);
                done(
                    self,
                    obj! {"successUserIDList": &ok, "failureUserIDList": &failed, "existedUserIDList": &existed, "overLimitUserIDList": &over, "group": &g},
                );
            }
            GroupOp::DeleteMembers { group_id: id, users: removed } => {
                if let Some(g) = self.s.groups.get_mut(&id) {
                    let n = g["memberCount"].as_u64().unwrap_or(0);
                    let gone = removed.len() as u64;
                    g["memberCount"] = val(n.saturating_sub(gone));
                    g["memberNum"] = val(n.saturating_sub(gone));
                }
                let g = self.group_or_stub(&id);
                done(self, obj! {"group": &g, "userIDList": &removed});
            }
            GroupOp::Members { offset } => {
                let members: Vec<Value> =
                    body["MemberList"].as_array().into_iter().flatten().map(member_from_wire).collect();
                let users: Vec<Value> = members
                    .iter()
                    .map(|m| obj! {"To_Account": &m["userID"], "StandardSequence": 0, "CustomSequence": 0})
                    .collect();
                let offset = offset.map(|o| o + members.len() as u64);
                let op = GroupOp::MemberPortraits { members, offset };
                if users.is_empty() {
                    self.group_reply(call, op, obj! {}, now);
                    return;
                }
                let body = obj! {"From_Account": &me, "UserItem": &users};
                self.group_request(cmd::PORTRAIT_GET_ALL, body, call, op, now);
            }
            GroupOp::MemberPortraits { mut members, offset } => {
                for item in body["UserProfileItem"].as_array().into_iter().flatten() {
                    let user = s(item, "To_Account");
                    let Some(m) = members.iter_mut().find(|m| m["userID"] == user.as_str()) else { continue };
                    for p in item["ProfileItem"].as_array().into_iter().flatten() {
                        match p["Tag"].as_str() {
                            Some("Tag_Profile_IM_Nick") => m["nick"] = val(s(p, "Value")),
                            Some("Tag_Profile_IM_Image") => m["avatar"] = val(s(p, "Value")),
                            _ => {}
                        }
                    }
                }
                let mut out = obj! {"memberList": &members};
                if let Some(o) = offset {
                    out["offset"] = val(o);
                }
                done(self, out);
            }
            GroupOp::ModifyMember { group_id: id, member } => {
                if member["userID"] == me.as_str() {
                    if let Some(g) = self.s.groups.get_mut(&id) {
                        for (app, own) in
                            [("role", "role"), ("nameCard", "nameCard"), ("memberCustomField", "memberCustomField")]
                        {
                            if let Some(v) = member.get(app) {
                                g["selfInfo"][own] = v.clone();
                            }
                        }
                    }
                }
                let g = self.group_or_stub(&id);
                done(self, obj! {"group": &g, "member": &member});
            }
            GroupOp::Applications { mut list } => {
                // Pages follow `NextStartTime`; unhandled items become the application list with
                // tim-js-sdk's field names.
                for p in body["PendencyList"].as_array().into_iter().flatten() {
                    if u(p, "Handled") != 0 {
                        continue;
                    }
                    list.push(obj!{"applicant": &s(p, "From_Account"), "applicantNick": &s(p, "FromUserNickName"), "groupName": &s(p, "GroupName"), "groupID": &s(p, "GroupId"), "authentication": &s(p, "Authentication"), "messageKey": &p["Time"], "applicationType": &u(p, "PendencyType"), "userID": &s(p, "To_Account")});
                }
                let next = u(&body, "NextStartTime");
                if next != 0 {
                    let body = obj! {"StartTime": &next, "Limit": 20, "Handle_Account": &me};
                    self.group_request(cmd::GET_GROUP_PENDENCY, body, call, GroupOp::Applications { list }, now);
                    return;
                }
                done(self, obj! {"applicationList": &list});
            }
            GroupOp::HandleApplication { group_id: id, message } => {
                // Like tim-js-sdk: the handled request notice is deleted, here and on the server.
                let m = &message;
                if m.is_object() {
                    let item =
                        obj! {"From_Account": &s(m, "from"), "MsgSeq": &u(m, "sequence"), "MsgRandom": &u(m, "random")};
                    self.request(cmd::DELETEMSG, obj! {"DelMsgList": vec![item]}, Purpose::Ignore, now);
                    let msg_id = s(m, "ID");
                    if let Some(h) = self.s.history.get_mut(CONV_SYSTEM) {
                        h.msgs.retain(|x| x.id != msg_id);
                    }
                    self.touch_conv(CONV_SYSTEM);
                }
                let g = self.group_or_stub(&id);
                done(self, obj! {"group": &g});
            }
            _ => {}
        }
    }
}

//! The group methods of the engine (B-conversations-groups.md §4), group messages, tips and
//! system notices (WIRE.md §4.9, §5.5). Requests carry the bodies tim-js-sdk 2.27.6 sends.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::obj;
use crate::value::{sort_by_key2, val};
use tim_proto::{cmd, code};

use super::{ev, s, u, ApiError, CallResult, Engine, Purpose};
use crate::group::{
    counts_unread, custom_fields_to_wire, group_message, item_group_id, member_from_wire, merge_group, GroupItem,
    GROUP_TYPES, GRP_AVCHATROOM, GRP_COMMUNITY, GRP_WORK,
};
use crate::model::{Conversation, Message, CONV_GROUP, CONV_SYSTEM, MSG_CUSTOM};

const CHANGE_GROUP_OWNER: &str = "group_open_http_svc.change_group_owner";
const MODIFY_GROUP_MEMBER_INFO: &str = "group_open_http_svc.modify_group_member_info";
const GET_SPECIFIED_GROUP_MEMBER_INFO: &str = "group_open_http_svc.get_specified_group_member_info";
const HANDLE_APPLY_JOIN_GROUP: &str = "group_open_http_svc.handle_apply_join_group";
const GET_PENDENCY: &str = "group_open_http_svc.get_pendency";

/// Page size of `get_joined_group_list`, as tim-js-sdk 2.x pages it.
const JOINED_PAGE: u64 = 50;
/// The base-info fields of the joined-group list.
const JOINED_FILTER: [&str; 7] =
    ["Type", "Name", "FaceUrl", "NextMsgSeq", "LastMsgTime", "AtInfoList", "LastRecallTime"];
/// `groupProfileFilter` names (`TIM.TYPES.GRP_PROFILE_*`) and the wire fields they add.
const PROFILE_EXTRAS: [(&str, &str); 10] = [
    ("introduction", "Introduction"),
    ("notification", "Notification"),
    ("createTime", "CreateTime"),
    ("ownerID", "Owner_Account"),
    ("lastInfoTime", "LastInfoTime"),
    ("memberNum", "MemberNum"),
    ("maxMemberNum", "MaxMemberNum"),
    ("joinOption", "ApplyJoinOption"),
    ("inviteOption", "InviteJoinOption"),
    ("muteAllMembers", "ShutUpAllMember"),
];

/// The base-info fields asked for by `getGroupProfile` (tim-js-sdk's `GET_GROUP_INFO` filter).
const PROFILE_FILTER: [&str; 15] = [
    "Type",
    "Name",
    "Introduction",
    "Notification",
    "FaceUrl",
    "Owner_Account",
    "CreateTime",
    "InfoSeq",
    "LastInfoTime",
    "LastMsgTime",
    "MemberNum",
    "MaxMemberNum",
    "ApplyJoinOption",
    "NextMsgSeq",
    "ShutUpAllMember",
];

/// At most this many missed messages (the newest) are fetched and announced by one resync of a
/// group; older ones stay on the server for `getMessageList` (docs/cache.md, "Resync").
const RESYNC_CAP: u64 = 1_000;
/// `ReqMsgNumber` of a resync page (tim-js-sdk's group roaming page).
const RESYNC_PAGE: u64 = 20;

/// The resync of group messages the app has not heard of: those sent while the connection was
/// down, or since the cache a warm start (or a resumed tab session) began from was written.
#[derive(Debug, Default)]
pub(super) struct GroupSync {
    /// The newest sequence the app had of each group conversation when the sync began (before
    /// pushes or the sync itself move it), taken once when the conversation list names more.
    base: HashMap<String, u64>,
    /// The newest sequence the network named for each group conversation and the session took
    /// in (silently on the first sync of a cold start, else by a resync).
    named: HashMap<String, u64>,
    /// Resyncs in flight, by conversation ID.
    running: HashMap<String, Resync>,
}

/// One resync of a group conversation: the range `(floor, top]`, fetched downward.
#[derive(Debug, Default)]
struct Resync {
    /// The newest sequence the app had (or the cap's bound): not fetched.
    floor: u64,
    /// The newest sequence the network named.
    top: u64,
    /// A later sequence named while this resync ran: the range above `top` follows.
    again: u64,
    /// The `ReqMsgSeq` of the page asked for.
    asked: u64,
    /// Fetched items not yet filed.
    items: Vec<Value>,
    /// Messages of the range a history page filed meanwhile, announced with the rest.
    fresh: Vec<Message>,
}

/// What a group request is for; its reply is handled by [`Engine::group_reply`].
#[derive(Debug, Clone, PartialEq)]
pub(super) enum GroupOp {
    /// `get_joined_group_list` (login, or `getGroupList` when the call is set).
    JoinedList,
    /// `create_group`; ctx: the create options.
    Create,
    /// `get_group_self_member_info`; ctx: `{groupID, extra}`, resolved as `{group, ...extra}`.
    Profile,
    /// `apply_join_group`; ctx: `{groupID}`.
    Join,
    /// `quit_group` / `destroy_group`; ctx: `{groupID}`.
    Leave,
    /// `change_group_owner`; ctx: `{groupID, newOwnerID}`.
    ChangeOwner,
    /// `modify_group_base_info`; ctx: `{groupID, changes}` (app field names).
    UpdateProfile,
    /// `add_group_member`; ctx: `{groupID}`.
    AddMembers,
    /// `delete_group_member`; ctx: `{groupID, userIDList}`.
    DeleteMembers,
    /// `get_group_member_info` / `get_specified_group_member_info`; ctx: `{offset?}`.
    Members,
    /// `portrait_get_all` for the members of ctx `{members, offset?}`.
    MemberPortraits,
    /// `modify_group_member_info`; ctx: `{groupID, member}` (the changed fields).
    ModifyMember,
    /// `get_group_public_info`; ctx: `{groupID}`.
    Search,
    /// `get_pendency`.
    Applications,
    /// `handle_apply_join_group`; ctx: `{groupID}`.
    HandleApplication,
    /// A probe of a group the engine learned about from a tip or notice.
    Probe,
    /// A `group_msg_get` page of a resync (see [`Engine::group_resync`]); ctx: `{conv}`.
    Resync,
}

fn throw() -> CallResult {
    CallResult::Throw("Params validate failed.".into())
}

fn reject(code: i64, message: impl Into<String>) -> CallResult {
    CallResult::Done(Err(ApiError::new(code, message)))
}

/// The string array at `a[k]`, when `a[k]` is one.
fn strings(a: &Value, k: &str) -> Option<Vec<String>> {
    a[k].as_array().map(|l| l.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
}

/// Copy the given app option `from` to wire key `to` when it is present.
fn copy(body: &mut Value, a: &Value, from: &str, to: &str) {
    if let Some(v) = a.get(from).filter(|v| !v.is_null()) {
        body[to] = v.clone();
    }
}

impl Engine {
    fn group_request(&mut self, servcmd: &str, body: Value, call: Option<u64>, op: GroupOp, ctx: Value, now: u64) {
        self.request(servcmd, body, Purpose::Group { call, op, ctx }, now);
    }

    fn pending_group(&mut self, servcmd: &str, body: Value, op: GroupOp, ctx: Value, now: u64) -> CallResult {
        let call = self.pending_call();
        self.group_request(servcmd, body, Some(call), op, ctx, now);
        CallResult::Pending(call)
    }

    pub(super) fn group_list_changed(&mut self) {
        self.throttle.entry(ev::GROUP_LIST_UPDATED).or_insert((0, false)).1 = true;
        self.s.groups_dirty = true;
    }

    pub(super) fn group_list(&self) -> Value {
        Value::Array(self.s.groups.values().cloned().collect())
    }

    /// The joined-group list request of the login sequence (WIRE.md §4.9).
    pub(super) fn joined_group_list(&mut self, call: Option<u64>, now: u64) {
        let filter: Vec<Value> = JOINED_FILTER.iter().map(|f| val(*f)).collect();
        self.joined_group_page(call, Value::Array(filter), 0, Vec::new(), now);
        if call.is_none() {
            // tim-js-sdk then lists communities from the million service and keeps them.
            self.communities_page(None, 0, Vec::new(), false, now);
        }
    }

    fn joined_group_body(&self, filter: &Value, offset: u64) -> Value {
        obj! {"Member_Account": &self.s.user, "Limit": JOINED_PAGE, "Offset": offset,
        "ResponseFilter": obj!{"GroupBaseInfoFilter": filter,
            "SelfInfoFilter": Value::Array(vec![val("Role"), val("JoinTime"), val("MsgFlag"), val("MsgSeq")])},
        "SupportTopic": 0}
    }

    /// One page of `get_joined_group_list`; `acc` holds the groups of the pages before.
    fn joined_group_page(&mut self, call: Option<u64>, filter: Value, offset: u64, acc: Vec<Value>, now: u64) {
        let body = self.joined_group_body(&filter, offset);
        let ctx = obj! {"filter": filter, "offset": offset, "acc": acc};
        self.group_request(cmd::GET_JOINED_GROUP_LIST, body, call, GroupOp::JoinedList, ctx, now);
    }

    /// `get_group_self_member_info` for one group (getGroupProfile, and after create/join).
    fn group_profile_request(&mut self, call: Option<u64>, group_id: &str, extra: Value, filter: Value, now: u64) {
        let mut rf = obj! {"GroupBaseInfoFilter": &PROFILE_FILTER, "MemberInfoFilter": Value::Array(vec![val("Role"), val("JoinTime"), val("MsgSeq"), val("MsgFlag"), val("NameCard")])};
        if filter.is_array() {
            rf["AppDefinedDataFilter_Group"] = filter;
        }
        let body = obj! {"GroupIdList": Value::Array(vec![val(group_id)]), "ResponseFilter": &rf};
        let op = if call.is_some() { GroupOp::Profile } else { GroupOp::Probe };
        self.group_request(
            cmd::GET_GROUP_SELF_MEMBER_INFO,
            body,
            call,
            op,
            obj! {"groupID": &group_id, "extra": &extra},
            now,
        );
    }

    /// A group method call, or `None` when `method` is not one.
    pub(super) fn group_call(&mut self, method: &str, a: &Value, now: u64) -> Option<CallResult> {
        let r = match method {
            "getGroupList" if !self.open && self.s.groups_known => {
                // Offline, with a list from the cache or an earlier sync: answered from memory
                // (tim-js-sdk would wait for the network and time out).
                CallResult::Done(Ok(obj! {"groupList": &self.group_list()}))
            }
            "getGroupList" => {
                // tim-js-sdk asks for the default fields plus those named in groupProfileFilter.
                let mut filter: Vec<Value> = JOINED_FILTER.iter().map(|f| val(*f)).collect();
                for f in a["groupProfileFilter"].as_array().into_iter().flatten() {
                    if let Some((_, wire)) = PROFILE_EXTRAS.iter().find(|(app, _)| f == app) {
                        filter.push(val(*wire));
                    }
                }
                let call = self.pending_call();
                self.joined_group_page(Some(call), Value::Array(filter), 0, Vec::new(), now);
                CallResult::Pending(call)
            }
            "getGroupProfile" => {
                let id = s(a, "groupID");
                if id.is_empty() {
                    return Some(throw());
                }
                let call = self.pending_call();
                self.group_profile_request(Some(call), &id, obj! {}, a["groupCustomFieldFilter"].clone(), now);
                CallResult::Pending(call)
            }
            "createGroup" => self.create_group(a, now),
            "joinGroup" => self.join_group(a, now),
            "quitGroup" | "dismissGroup" => self.leave_group(method, a, now),
            "changeGroupOwner" => self.change_owner(a, now),
            "updateGroupProfile" => self.update_group_profile(a, now),
            "addGroupMember" => self.add_members(a, now),
            "deleteGroupMember" => self.delete_members(a, now),
            "getGroupMemberList" => self.member_list(a, now),
            "getGroupMemberProfile" => self.member_profile(a, now),
            "setGroupMemberRole"
            | "setGroupMemberMuteTime"
            | "setGroupMemberNameCard"
            | "setGroupMemberCustomField" => self.modify_member(method, a, now),
            "searchGroupByID" => {
                let id = a.as_str().unwrap_or("").to_string();
                if id.is_empty() {
                    return Some(throw());
                }
                let body = obj! {"GroupIdList": Value::Array(vec![val(&id)]), "ResponseFilter": obj!{"GroupBasePublicInfoFilter": Value::Array(vec![val("Type"), val("Name"), val("Introduction"), val("Notification"), val("FaceUrl"), val("CreateTime"), val("Owner_Account"), val("LastInfoTime"), val("LastMsgTime"), val("NextMsgSeq"), val("MemberNum"), val("MaxMemberNum"), val("ApplyJoinOption"), val("InviteJoinOption")])}};
                self.pending_group(cmd::GET_GROUP_PUBLIC_INFO, body, GroupOp::Search, obj! {"groupID": &id}, now)
            }
            "getGroupApplicationList" => {
                let body = obj! {"StartTime": 0, "Limit": 20, "Handle_Account": &self.s.user};
                self.pending_group(GET_PENDENCY, body, GroupOp::Applications, obj! {"list": Value::Array(vec![])}, now)
            }
            "handleGroupApplication" => self.handle_application(a, now),
            "getGroupOnlineMemberCount" => self.room_online_count(a, now),
            _ => return None,
        };
        Some(r)
    }

    fn create_group(&mut self, a: &Value, now: u64) -> CallResult {
        let name = s(a, "name");
        let kind = a["type"].as_str().unwrap_or(GRP_WORK).to_string();
        if name.is_empty() {
            return throw();
        }
        if !GROUP_TYPES.contains(&kind.as_str()) {
            return reject(code::ILLEGAL_GROUP_TYPE, format!("unknown group type {kind}"));
        }
        let mut body =
            obj! {"Type": &kind, "Name": &name, "Owner_Account": &self.s.user, "WebPushFlag": 1, "FaceUrl": ""};
        copy(&mut body, a, "groupID", "GroupId");
        copy(&mut body, a, "introduction", "Introduction");
        copy(&mut body, a, "notification", "Notification");
        copy(&mut body, a, "avatar", "FaceUrl");
        copy(&mut body, a, "maxMemberNum", "MaxMemberCount");
        copy(&mut body, a, "joinOption", "ApplyJoinOption");
        copy(&mut body, a, "inviteOption", "InviteJoinOption");
        if a["groupCustomField"].is_array() {
            body["AppDefinedData"] = custom_fields_to_wire(&a["groupCustomField"]);
        }
        if let Some(list) = a["memberList"].as_array() {
            let members: Vec<Value> = list
                .iter()
                .map(|m| {
                    let mut w = obj! {"Member_Account": &s(m, "userID")};
                    copy(&mut w, m, "role", "Role");
                    if m["memberCustomField"].is_array() {
                        w["AppMemberDefinedData"] = custom_fields_to_wire(&m["memberCustomField"]);
                    }
                    w
                })
                .collect();
            body["MemberList"] = Value::Array(members);
        }
        if kind == GRP_COMMUNITY && a["isSupportTopic"].as_bool() == Some(true) {
            body["SupportTopic"] = val(1);
        }
        self.pending_group(cmd::CREATE_GROUP, body, GroupOp::Create, a.clone(), now)
    }

    fn join_group(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        if id.is_empty() {
            return throw();
        }
        if a["type"].as_str() == Some(GRP_WORK) || self.s.groups.get(&id).is_some_and(|g| g["type"] == GRP_WORK) {
            return reject(code::CANNOT_JOIN_WORK, "a Work group cannot be joined by request");
        }
        if self.s.groups.contains_key(&id) {
            return CallResult::Done(Ok(obj! {"status": "AlreadyInGroup", "group": &self.s.groups[&id]}));
        }
        let mut body = obj! {"GroupId": &id, "ApplyMsg": &s(a, "applyMessage"), "WebPushFlag": 1};
        copy(&mut body, a, "userDefinedField", "UserDefinedField");
        self.pending_group(cmd::APPLY_JOIN_GROUP, body, GroupOp::Join, obj! {"groupID": &id}, now)
    }

    fn leave_group(&mut self, method: &str, a: &Value, now: u64) -> CallResult {
        let id = a.as_str().unwrap_or("").to_string();
        if id.is_empty() {
            return throw();
        }
        let Some(g) = self.s.groups.get(&id) else {
            return reject(code::MEMBER_NOT_IN_GROUP, format!("not a member of group {id}"));
        };
        if method == "dismissGroup" && g["type"] == GRP_WORK {
            return reject(code::CANNOT_DISMISS_WORK, "a Work group cannot be dismissed");
        }
        let servcmd = if method == "quitGroup" { cmd::QUIT_GROUP } else { cmd::DESTROY_GROUP };
        self.pending_group(servcmd, obj! {"GroupId": &id}, GroupOp::Leave, obj! {"groupID": &id}, now)
    }

    fn change_owner(&mut self, a: &Value, now: u64) -> CallResult {
        let (id, owner) = (s(a, "groupID"), s(a, "newOwnerID"));
        if id.is_empty() || owner.is_empty() {
            return throw();
        }
        if self.s.groups.get(&id).is_some_and(|g| g["type"] == GRP_AVCHATROOM) {
            return reject(code::CANNOT_CHANGE_OWNER_IN_AVCHATROOM, "an AVChatRoom cannot change owner");
        }
        if owner == self.s.user {
            return reject(code::CANNOT_CHANGE_OWNER_TO_SELF, "the new owner is already the owner");
        }
        let body = obj! {"GroupId": &id, "NewOwner_Account": &owner};
        self.pending_group(
            CHANGE_GROUP_OWNER,
            body,
            GroupOp::ChangeOwner,
            obj! {"groupID": &id, "newOwnerID": &owner},
            now,
        )
    }

    fn update_group_profile(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        if id.is_empty() {
            return throw();
        }
        let mut body = obj! {"GroupId": &id};
        copy(&mut body, a, "name", "Name");
        copy(&mut body, a, "introduction", "Introduction");
        copy(&mut body, a, "notification", "Notification");
        copy(&mut body, a, "avatar", "FaceUrl");
        copy(&mut body, a, "joinOption", "ApplyJoinOption");
        copy(&mut body, a, "inviteOption", "InviteJoinOption");
        copy(&mut body, a, "maxMemberNum", "MaxMemberNum");
        if let Some(m) = a["muteAllMembers"].as_bool() {
            body["ShutUpAllMember"] = val(if m { "On" } else { "Off" });
        }
        if a["groupCustomField"].is_array() {
            body["AppDefinedData"] = custom_fields_to_wire(&a["groupCustomField"]);
        }
        self.pending_group(
            cmd::MODIFY_GROUP_BASE_INFO,
            body,
            GroupOp::UpdateProfile,
            obj! {"groupID": &id, "changes": &a},
            now,
        )
    }

    fn add_members(&mut self, a: &Value, now: u64) -> CallResult {
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

    fn delete_members(&mut self, a: &Value, now: u64) -> CallResult {
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

    fn member_list(&mut self, a: &Value, now: u64) -> CallResult {
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

    fn member_profile(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        let Some(mut users) = strings(a, "userIDList").filter(|l| !id.is_empty() && !l.is_empty()) else {
            return throw();
        };
        users.truncate(50);
        let mut body = obj! {"GroupId": &id, "Member_List_Account": &users};
        copy(&mut body, a, "memberCustomFieldFilter", "AppDefinedDataFilter_GroupMember");
        self.pending_group(GET_SPECIFIED_GROUP_MEMBER_INFO, body, GroupOp::Members, obj! {}, now)
    }

    fn modify_member(&mut self, method: &str, a: &Value, now: u64) -> CallResult {
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
            MODIFY_GROUP_MEMBER_INFO,
            body,
            GroupOp::ModifyMember,
            obj! {"groupID": &id, "member": &member},
            now,
        )
    }

    /// `handleGroupApplication({handleAction, handleMessage?, message | application})`: the
    /// request is named by the join-request notice, or by an item of getGroupApplicationList.
    fn handle_application(&mut self, a: &Value, now: u64) -> CallResult {
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
        let ctx = obj! {"groupID": &id, "message": &a["message"]};
        self.pending_group(HANDLE_APPLY_JOIN_GROUP, body, GroupOp::HandleApplication, ctx, now)
    }

    fn group_or_stub(&self, id: &str) -> Value {
        self.s.groups.get(id).cloned().unwrap_or_else(|| {
            let mut g = Value::Null;
            merge_group(&mut g, &obj! {"GroupId": &id}, &self.s.user);
            g
        })
    }

    pub(super) fn drop_group(&mut self, id: &str) {
        self.room_dropped(id);
        if self.s.groups.remove(id).is_some() {
            self.group_list_changed();
        }
    }

    /// A failed group request.
    pub(super) fn group_fail(&mut self, call: Option<u64>, op: GroupOp, ctx: Value, err: ApiError, now: u64) {
        if op == GroupOp::Resync {
            // What came so far is filed and announced; the rest stays for getMessageList.
            self.resync_finish(&s(&ctx, "conv"), now);
            return;
        }
        let Some(call) = call else { return };
        if op == GroupOp::Join && err.code == code::GROUP_ALREADY_MEMBER {
            let g = self.group_or_stub(&s(&ctx, "groupID"));
            self.settle(call, Ok(obj! {"status": "AlreadyInGroup", "group": &g}));
            return;
        }
        self.settle(call, Err(err));
    }

    /// A group request's reply.
    pub(super) fn group_reply(&mut self, call: Option<u64>, op: GroupOp, ctx: Value, body: Value, now: u64) {
        let me = self.s.user.clone();
        let id = s(&ctx, "groupID");
        let done = |e: &mut Engine, v: Value| {
            if let Some(call) = call {
                e.settle(call, Ok(v));
            }
        };
        match op {
            GroupOp::Resync => self.resync_reply(&s(&ctx, "conv"), &body, now),
            GroupOp::JoinedList => {
                let offset = ctx["offset"].as_u64().unwrap_or(0);
                let mut acc = ctx["acc"].as_array().cloned().unwrap_or_default();
                acc.extend(body["GroupIdList"].as_array().cloned().unwrap_or_default());
                if u(&body, "TotalCount") > offset + JOINED_PAGE
                    && !body["GroupIdList"].as_array().is_none_or(Vec::is_empty)
                {
                    self.joined_group_page(call, ctx["filter"].clone(), offset + JOINED_PAGE, acc, now);
                    return;
                }
                let mut fresh = std::collections::BTreeMap::new();
                for w in &acc {
                    let gid = s(w, "GroupId");
                    if gid.is_empty() {
                        continue;
                    }
                    if w.get("NextMsgSeq").is_some() {
                        self.group_resync(&gid, &s(w, "Type"), u(w, "NextMsgSeq").saturating_sub(1), now);
                    }
                    let mut g = self.s.groups.get(&gid).cloned().unwrap_or(Value::Null);
                    merge_group(&mut g, w, &me);
                    self.sync_group_conversation(&g);
                    fresh.insert(gid, g);
                }
                // Groups the server no longer lists are gone (tim-js-sdk's "tree shaking"), except
                // the joined AVChatRoom and topic-enabled communities, which it does not list.
                let kept: Vec<(String, Value)> = std::mem::take(&mut self.s.groups)
                    .into_iter()
                    .filter(|(gid, g)| self.is_joined_room(gid) || g["isSupportTopic"] == true)
                    .collect();
                fresh.extend(kept);
                self.s.groups = fresh;
                self.s.groups_known = true;
                self.group_list_changed();
                done(self, obj! {"groupList": &self.group_list()});
            }
            GroupOp::Create => {
                let gid = s(&body, "GroupId");
                let over = body["OverJoinedGroupLimit_Account"].clone();
                let over = if over.is_array() { over } else { Value::Array(vec![]) };
                let kind = ctx["type"].as_str().unwrap_or(GRP_WORK).to_string();
                let topics = kind == GRP_COMMUNITY && ctx["isSupportTopic"].as_bool() == Some(true);
                if kind != GRP_AVCHATROOM && !topics {
                    let mut g = Value::Null;
                    merge_group(
                        &mut g,
                        &obj! {"GroupId": &gid, "Type": &kind, "Name": &s(&ctx, "name"), "Owner_Account": &me, "SelfInfo": obj!{"Role": "Owner", "JoinTime": &self.server_secs(now)}},
                        &me,
                    );
                    self.s.groups.insert(gid.clone(), g);
                    self.group_list_changed();
                    self.send_group_create_message(&gid, now);
                }
                self.group_profile_request(call, &gid, obj! {"overLimitUserIDList": &over}, Value::Null, now);
            }
            GroupOp::Profile | GroupOp::Probe => {
                let info = body["GroupInfo"].as_array().and_then(|l| l.first()).cloned().unwrap_or(Value::Null);
                let item_code = info["ErrorCode"].as_i64().unwrap_or(0);
                if item_code != 0 || s(&info, "GroupId").is_empty() {
                    if let Some(call) = call {
                        let msg = s(&info, "ErrorInfo");
                        self.settle(
                            call,
                            Err(ApiError::new(if item_code == 0 { code::GROUP_NOT_FOUND } else { item_code }, msg)),
                        );
                    }
                    return;
                }
                let mut info = info;
                if let Some(m) =
                    body["MemberList"].as_array().and_then(|l| l.iter().find(|m| s(m, "Member_Account") == me))
                {
                    info["SelfInfo"] = m.clone();
                }
                let member = info["SelfInfo"].is_object();
                let mut g = self.s.groups.get(&id).cloned().unwrap_or(Value::Null);
                merge_group(&mut g, &info, &me);
                if member && s(&g, "type") != GRP_AVCHATROOM {
                    self.s.groups.insert(id.clone(), g.clone());
                    self.sync_group_conversation(&g);
                    self.group_list_changed();
                }
                let mut out = ctx["extra"].clone();
                if !out.is_object() {
                    out = obj! {};
                }
                out["group"] = g;
                done(self, out);
            }
            GroupOp::Join => match s(&body, "JoinedStatus").as_str() {
                "JoinedSuccess" if u(&body, "HugeGroupFlag") == 1 => self.room_join_reply(call, &id, &body, now),
                "JoinedSuccess" => {
                    self.group_profile_request(call, &id, obj! {"status": "JoinedSuccess"}, Value::Null, now);
                }
                "WaitAdminApproval" => done(self, obj! {"status": "WaitAdminApproval"}),
                other => {
                    if let Some(call) = call {
                        self.settle(call, Err(ApiError::new(2660, format!("join failed: {other:?}"))));
                    }
                }
            },
            GroupOp::Leave => {
                self.drop_group(&id);
                done(self, obj! {"groupID": &id});
            }
            GroupOp::ChangeOwner => {
                let owner = s(&ctx, "newOwnerID");
                if let Some(g) = self.s.groups.get_mut(&id) {
                    g["ownerID"] = val(&owner);
                    g["selfInfo"]["role"] = val("Member");
                }
                self.group_list_changed();
                let g = self.group_or_stub(&id);
                done(self, obj! {"group": &g});
            }
            GroupOp::UpdateProfile => {
                if let Some(g) = self.s.groups.get_mut(&id) {
                    for k in [
                        "name",
                        "introduction",
                        "notification",
                        "avatar",
                        "joinOption",
                        "inviteOption",
                        "muteAllMembers",
                        "groupCustomField",
                    ] {
                        if let Some(v) = ctx["changes"].get(k).filter(|v| !v.is_null()) {
                            g[k] = v.clone();
                        }
                    }
                    if let Some(n) = ctx["changes"]["maxMemberNum"].as_u64() {
                        g["maxMemberNum"] = val(n);
                        g["maxMemberCount"] = val(n);
                    }
                }
                self.group_list_changed();
                let g = self.group_or_stub(&id);
                done(self, obj! {"group": &g});
            }
            GroupOp::AddMembers => {
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
            GroupOp::DeleteMembers => {
                let removed = ctx["userIDList"].clone();
                if let Some(g) = self.s.groups.get_mut(&id) {
                    let n = g["memberCount"].as_u64().unwrap_or(0);
                    let gone = removed.as_array().map_or(0, Vec::len) as u64;
                    g["memberCount"] = val(n.saturating_sub(gone));
                    g["memberNum"] = val(n.saturating_sub(gone));
                }
                let g = self.group_or_stub(&id);
                done(self, obj! {"group": &g, "userIDList": &removed});
            }
            GroupOp::Members => {
                let members: Vec<Value> =
                    body["MemberList"].as_array().into_iter().flatten().map(member_from_wire).collect();
                let users: Vec<Value> = members
                    .iter()
                    .map(|m| obj! {"To_Account": &m["userID"], "StandardSequence": 0, "CustomSequence": 0})
                    .collect();
                let mut ctx = ctx;
                if let Some(o) = ctx["offset"].as_u64() {
                    ctx["offset"] = val(o + members.len() as u64);
                }
                ctx["members"] = Value::Array(members);
                if users.is_empty() {
                    self.group_reply(call, GroupOp::MemberPortraits, ctx, obj! {}, now);
                    return;
                }
                let body = obj! {"From_Account": &me, "UserItem": &users};
                self.group_request(cmd::PORTRAIT_GET_ALL, body, call, GroupOp::MemberPortraits, ctx, now);
            }
            GroupOp::MemberPortraits => {
                let mut members = ctx["members"].as_array().cloned().unwrap_or_default();
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
                if let Some(o) = ctx["offset"].as_u64() {
                    out["offset"] = val(o);
                }
                done(self, out);
            }
            GroupOp::ModifyMember => {
                let member = ctx["member"].clone();
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
            GroupOp::Search => {
                let info = body["GroupInfo"].as_array().and_then(|l| l.first()).cloned().unwrap_or(Value::Null);
                let item_code = info["ErrorCode"].as_i64().unwrap_or(0);
                if item_code != 0 || s(&info, "GroupId").is_empty() {
                    if let Some(call) = call {
                        self.settle(
                            call,
                            Err(ApiError::new(
                                if item_code == 0 { code::GROUP_NOT_FOUND } else { item_code },
                                s(&info, "ErrorInfo"),
                            )),
                        );
                    }
                    return;
                }
                let mut g = Value::Null;
                merge_group(&mut g, &info, &me);
                done(self, obj! {"group": &g});
            }
            GroupOp::Applications => {
                // Pages follow `NextStartTime`; unhandled items become the application list with
                // tim-js-sdk's field names.
                let mut list = ctx["list"].as_array().cloned().unwrap_or_default();
                for p in body["PendencyList"].as_array().into_iter().flatten() {
                    if u(p, "Handled") != 0 {
                        continue;
                    }
                    list.push(obj!{"applicant": &s(p, "From_Account"), "applicantNick": &s(p, "FromUserNickName"), "groupName": &s(p, "GroupName"), "groupID": &s(p, "GroupId"), "authentication": &s(p, "Authentication"), "messageKey": &p["Time"], "applicationType": &u(p, "PendencyType"), "userID": &s(p, "To_Account")});
                }
                let next = u(&body, "NextStartTime");
                if next != 0 {
                    let body = obj! {"StartTime": &next, "Limit": 20, "Handle_Account": &me};
                    self.group_request(GET_PENDENCY, body, call, GroupOp::Applications, obj! {"list": &list}, now);
                    return;
                }
                done(self, obj! {"applicationList": &list});
            }
            GroupOp::HandleApplication => {
                // Like tim-js-sdk: the handled request notice is deleted, here and on the server.
                let m = &ctx["message"];
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
        }
    }

    /// tim-js-sdk sends this custom message to every new group it creates (WIRE.md §4.2).
    fn send_group_create_message(&mut self, group_id: &str, now: u64) {
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
    fn sync_group_conversation(&mut self, g: &Value) {
        let conv_id = format!("{CONV_GROUP}{}", s(g, "groupID"));
        if let Some(c) = self.s.conversations.get_mut(&conv_id) {
            c.group_profile = g.clone();
        }
    }

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
        let group_id = item_group_id(item);
        let conv_id = msg.conversation_id.clone();
        if !self.s.history.entry(conv_id.clone()).or_default().insert(msg.clone()) {
            return None;
        }
        let group_type = s(&item["GroupInfo"], "GroupType");
        let counts = counts_unread(&group_type) && msg.from != me && count_unread;
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
    fn accept_tip(&mut self, t: &Value, count_unread: bool, now: u64) -> Option<Message> {
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

    fn tip_effects(&mut self, gid: &str, p: &Value, now: u64) {
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

    fn notice_effects(&mut self, gid: &str, p: &Value, now: u64) {
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

    // ------------------------------------------------------------- resync

    /// The newest sequence of group `gid` the session holds: its history in memory, its
    /// conversation's last message (the cached one at a warm start), the group's next sequence,
    /// what the network named before. `None`: the app knows nothing of the group's messages.
    fn held_seq(&self, conv: &str, gid: &str) -> Option<u64> {
        let history = self.s.history.get(conv).and_then(|h| h.msgs.last()).map(|m| m.sequence);
        let last = self.s.conversations.get(conv).map(|c| u(&c.last_message, "lastSequence"));
        let next = self.s.groups.get(gid).map(|g| u(g, "nextMessageSeq").saturating_sub(1));
        [history, last, next, self.s.gsync.named.get(conv).copied()].into_iter().flatten().max()
    }

    /// A sync that can bring group messages the app has not heard of begins (a reconnect, or a
    /// warm start from the cache): remember how far the app has each group before pushes and
    /// the conversation list move that on.
    pub(super) fn group_sync_begin(&mut self) {
        let mut base = HashMap::new();
        let convs = self.s.conversations.keys().filter_map(|c| c.strip_prefix(CONV_GROUP));
        let gids: Vec<String> = convs.chain(self.s.groups.keys().map(String::as_str)).map(str::to_string).collect();
        for gid in gids {
            let conv = format!("{CONV_GROUP}{gid}");
            if let Some(held) = self.held_seq(&conv, &gid) {
                base.insert(conv, held);
            }
        }
        self.s.gsync.base = base;
    }

    /// The newest sequence the app had of group conversation `conv` before this sync.
    pub(super) fn group_baseline(&mut self, conv: &str, seq: u64) {
        self.s.gsync.base.insert(conv.to_string(), seq);
    }

    /// SDK_READY from the cache: the baselines are what the app had before the reload. When
    /// the network's conversation list came before the cache, it already named newer
    /// sequences (and `cache_loaded` took the baselines from the cached conversations): those
    /// groups are resynced now.
    pub(super) fn group_sync_warm(&mut self, now: u64) {
        if !self.s.page_done {
            self.group_sync_begin();
            return;
        }
        let named: Vec<(String, u64)> = self.s.gsync.named.iter().map(|(c, n)| (c.clone(), *n)).collect();
        for (conv, newest) in named {
            if let Some(gid) = conv.strip_prefix(CONV_GROUP) {
                self.group_resync(gid, "", newest, now);
            }
        }
    }

    /// The network names `newest` as the last sequence of group `gid` (the conversation list or
    /// the group list). When the app had an older one, the missed messages are fetched
    /// (`group_msg_get` downward from `newest`), filed as pushes of them would be and announced
    /// with MESSAGE_RECEIVED, oldest first. Not before SDK_READY (the first sync of a cold start
    /// is silent), not for AVChatRooms (no history) or topics.
    pub(super) fn group_resync(&mut self, gid: &str, kind: &str, newest: u64, now: u64) {
        let conv = format!("{CONV_GROUP}{gid}");
        let room = kind == GRP_AVCHATROOM
            || self.is_joined_room(gid)
            || self.s.groups.get(gid).is_some_and(|g| g["type"] == GRP_AVCHATROOM);
        if gid.is_empty() || newest == 0 || room || super::rooms::is_topic_id(gid) {
            return;
        }
        let held = self.s.gsync.base.remove(&conv).or_else(|| self.held_seq(&conv, gid));
        let named = self.s.gsync.named.entry(conv.clone()).or_insert(0);
        *named = (*named).max(newest);
        if !self.s.ready {
            return;
        }
        if let Some(r) = self.s.gsync.running.get_mut(&conv) {
            r.again = r.again.max(newest);
            return;
        }
        let Some(held) = held.filter(|&h| h < newest) else { return };
        self.resync_range(&conv, held, newest, now);
    }

    /// Resync `(held, newest]` of `conv`, at most the newest [`RESYNC_CAP`].
    fn resync_range(&mut self, conv: &str, held: u64, newest: u64, now: u64) {
        let floor = held.max(newest.saturating_sub(RESYNC_CAP));
        let r = Resync { floor, top: newest, ..Resync::default() };
        self.s.gsync.running.insert(conv.to_string(), r);
        self.resync_next(conv, newest, now);
    }

    /// Ask for the next page: the newest missing sequence at or below `from`; none left ends
    /// the resync.
    fn resync_next(&mut self, conv: &str, from: u64, now: u64) {
        let Some(r) = self.s.gsync.running.get_mut(conv) else { return };
        let floor = r.floor;
        let mut have: HashSet<u64> = r.items.iter().map(|m| u(m, "MsgSeq")).collect();
        if let Some(h) = self.s.history.get(conv) {
            have.extend(h.msgs.iter().map(|m| m.sequence).filter(|&q| q > floor && q <= from));
        }
        let Some(top) = (floor + 1..=from).rev().find(|q| !have.contains(q)) else {
            self.resync_finish(conv, now);
            return;
        };
        r.asked = top;
        let gid = conv.strip_prefix(CONV_GROUP).unwrap_or("");
        let count = RESYNC_PAGE.min(top - floor);
        let body = obj! {"WithRecalledMsg": 1, "GroupId": &gid, "ReqMsgNumber": &count, "ReqMsgSeq": &top};
        self.group_request(cmd::GROUP_MSG_GET, body, None, GroupOp::Resync, obj! {"conv": &conv}, now);
    }

    /// A resync page: keep its items of the range, then the next page or the end.
    fn resync_reply(&mut self, conv: &str, body: &Value, now: u64) {
        let Some(r) = self.s.gsync.running.get_mut(conv) else { return };
        let list = body["RspMsgList"].as_array().map(Vec::as_slice).unwrap_or_default();
        // The next page starts below this one (and below what was asked, so it always moves on).
        let lowest = list.iter().map(|m| u(m, "MsgSeq")).min().unwrap_or(0).min(r.asked);
        let (floor, top) = (r.floor, r.top);
        r.items.extend(list.iter().filter(|m| (floor + 1..=top).contains(&u(m, "MsgSeq"))).cloned());
        if u(body, "IsFinished") == 2 || list.is_empty() || lowest <= floor + 1 {
            self.resync_finish(conv, now);
        } else {
            self.resync_next(conv, lowest - 1, now);
        }
    }

    /// File what a resync fetched, oldest first, through the path of live pushes (tips with
    /// their effects on the group), without unread (the conversation list's count has them),
    /// and announce the messages the app has not seen, each once, in sequence order.
    fn resync_finish(&mut self, conv: &str, now: u64) {
        let Some(mut r) = self.s.gsync.running.remove(conv) else { return };
        sort_by_key2(&mut r.items, |m| (u(m, "MsgSeq"), 0));
        r.items.dedup_by_key(|m| u(m, "MsgSeq"));
        let mut fresh = std::mem::take(&mut r.fresh);
        for m in &r.items {
            if u(m, "IsPlaceMsg") == 1 {
                continue;
            }
            let msg = if u(m, "Event") == 4 { self.accept_tip(m, false, now) } else { self.accept_group_msg(m, false) };
            fresh.extend(msg);
        }
        // As after a warm start for C2C: what the cache wrote, the app saw before the reload.
        fresh.retain(|m| !self.cached_before_reload(m));
        sort_by_key2(&mut fresh, |m| (m.sequence, 0));
        fresh.dedup_by(|a, b| a.id == b.id);
        if !fresh.is_empty() {
            let data = fresh.iter().map(Message::to_json).collect();
            self.emit(ev::MESSAGE_RECEIVED, Some(Value::Array(data)));
        }
        if r.again > r.top {
            self.resync_range(conv, r.top, r.again, now);
        }
    }
}

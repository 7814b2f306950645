//! The group methods of the engine (B-conversations-groups.md §4): the joined-group list,
//! profiles, create, join, leave, owner and profile changes, and the routing of [`GroupOp`]
//! replies (members: group_members.rs; messages, tips, notices: group_msgs.rs; the resync:
//! group_sync.rs). Requests carry the bodies tim-js-sdk 2.27.6 sends.

use serde_json::Value;

use crate::obj;
use crate::value::val;
use tim_proto::{cmd, code};

use super::{ev, s, u, ApiError, CallResult, Engine, Purpose};
use crate::group::{custom_fields_to_wire, merge_group, GROUP_TYPES, GRP_AVCHATROOM, GRP_COMMUNITY, GRP_WORK};

/// Page size of `get_joined_group_list`, as tim-js-sdk 2.x pages it.
pub(super) const JOINED_PAGE: u64 = 50;
/// The base-info fields of the joined-group list.
pub(super) const JOINED_FILTER: [&str; 7] =
    ["Type", "Name", "FaceUrl", "NextMsgSeq", "LastMsgTime", "AtInfoList", "LastRecallTime"];
/// `groupProfileFilter` names (`TIM.TYPES.GRP_PROFILE_*`) and the wire fields they add.
pub(super) const PROFILE_EXTRAS: [(&str, &str); 10] = [
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
pub(super) const PROFILE_FILTER: [&str; 15] = [
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

/// What a group request is for; its reply is handled by [`Engine::group_reply`].
#[derive(Debug)]
pub(super) enum GroupOp {
    /// `get_joined_group_list` (login, or `getGroupList` when the call is set): the base-info
    /// filter, the offset of this page, the groups of the pages before.
    JoinedList { filter: Value, offset: u64, acc: Vec<Value> },
    /// `create_group` of a group of type `kind`; `topics`: a community with topics.
    Create { kind: String, name: String, topics: bool },
    /// `get_group_self_member_info` for a call, resolved as `{group, ...extra}`, or without one:
    /// a probe of a group the engine learned about from a tip or notice.
    Profile { group_id: String, extra: Value },
    /// `apply_join_group`.
    Join { group_id: String },
    /// `quit_group` / `destroy_group`.
    Leave { group_id: String },
    /// `change_group_owner`.
    ChangeOwner { group_id: String, owner: String },
    /// `modify_group_base_info`; `changes`: the call's options (app field names).
    UpdateProfile { group_id: String, changes: Value },
    /// `add_group_member`.
    AddMembers { group_id: String },
    /// `delete_group_member` of `users`.
    DeleteMembers { group_id: String, users: Vec<String> },
    /// `get_group_member_info` (with its page `offset`) / `get_specified_group_member_info`.
    Members { offset: Option<u64> },
    /// `portrait_get_all` for the nicks and avatars of `members` (a member page).
    MemberPortraits { members: Vec<Value>, offset: Option<u64> },
    /// `modify_group_member_info`; `member`: the changed fields (app names).
    ModifyMember { group_id: String, member: Value },
    /// `get_group_public_info`.
    Search,
    /// `get_pendency`; `list`: the applications of the pages before.
    Applications { list: Vec<Value> },
    /// `handle_apply_join_group`; `message`: the join-request notice the call named, if any.
    HandleApplication { group_id: String, message: Value },
    /// A `group_msg_get` page of a resync of conversation `conv` (see [`Engine::group_resync`]).
    Resync { conv: String },
}

pub(super) fn throw() -> CallResult {
    CallResult::Throw("Params validate failed.".into())
}

pub(super) fn reject(code: i64, message: impl Into<String>) -> CallResult {
    CallResult::Done(Err(ApiError::new(code, message)))
}

/// The string array at `a[k]`, when `a[k]` is one.
pub(super) fn strings(a: &Value, k: &str) -> Option<Vec<String>> {
    a[k].as_array().map(|l| l.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
}

/// Copy the given app option `from` to wire key `to` when it is present.
pub(super) fn copy(body: &mut Value, a: &Value, from: &str, to: &str) {
    if let Some(v) = a.get(from).filter(|v| !v.is_null()) {
        body[to] = v.clone();
    }
}

impl Engine {
    pub(super) fn group_request(&mut self, servcmd: &str, body: Value, call: Option<u64>, op: GroupOp, now: u64) {
        self.request(servcmd, body, Purpose::Group { call, op }, now);
    }

    pub(super) fn pending_group(&mut self, servcmd: &str, body: Value, op: GroupOp, now: u64) -> CallResult {
        let call = self.pending_call();
        self.group_request(servcmd, body, Some(call), op, now);
        CallResult::Pending(call)
    }

    pub(super) fn group_list_changed(&mut self) {
        self.throttle.mark(ev::GROUP_LIST_UPDATED);
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

    pub(super) fn joined_group_body(&self, filter: &Value, offset: u64) -> Value {
        obj! {"Member_Account": &self.s.user, "Limit": JOINED_PAGE, "Offset": offset,
        "ResponseFilter": obj!{"GroupBaseInfoFilter": filter,
            "SelfInfoFilter": Value::Array(vec![val("Role"), val("JoinTime"), val("MsgFlag"), val("MsgSeq")])},
        "SupportTopic": 0}
    }

    /// One page of `get_joined_group_list`; `acc` holds the groups of the pages before.
    pub(super) fn joined_group_page(
        &mut self,
        call: Option<u64>,
        filter: Value,
        offset: u64,
        acc: Vec<Value>,
        now: u64,
    ) {
        let body = self.joined_group_body(&filter, offset);
        self.group_request(cmd::GET_JOINED_GROUP_LIST, body, call, GroupOp::JoinedList { filter, offset, acc }, now);
    }

    /// `get_group_self_member_info` for one group (getGroupProfile, and after create/join).
    pub(super) fn group_profile_request(
        &mut self,
        call: Option<u64>,
        group_id: &str,
        extra: Value,
        filter: Value,
        now: u64,
    ) {
        let mut rf = obj! {"GroupBaseInfoFilter": &PROFILE_FILTER, "MemberInfoFilter": Value::Array(vec![val("Role"), val("JoinTime"), val("MsgSeq"), val("MsgFlag"), val("NameCard")])};
        if filter.is_array() {
            rf["AppDefinedDataFilter_Group"] = filter;
        }
        let body = obj! {"GroupIdList": Value::Array(vec![val(group_id)]), "ResponseFilter": &rf};
        let op = GroupOp::Profile { group_id: group_id.to_string(), extra };
        self.group_request(cmd::GET_GROUP_SELF_MEMBER_INFO, body, call, op, now);
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
                self.pending_group(cmd::GET_GROUP_PUBLIC_INFO, body, GroupOp::Search, now)
            }
            "getGroupApplicationList" => {
                let body = obj! {"StartTime": 0, "Limit": 20, "Handle_Account": &self.s.user};
                self.pending_group(cmd::GET_GROUP_PENDENCY, body, GroupOp::Applications { list: Vec::new() }, now)
            }
            "handleGroupApplication" => self.handle_application(a, now),
            "getGroupOnlineMemberCount" => self.room_online_count(a, now),
            _ => return None,
        };
        Some(r)
    }

    pub(super) fn create_group(&mut self, a: &Value, now: u64) -> CallResult {
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
        let topics = kind == GRP_COMMUNITY && a["isSupportTopic"].as_bool() == Some(true);
        self.pending_group(cmd::CREATE_GROUP, body, GroupOp::Create { kind, name, topics }, now)
    }

    pub(super) fn join_group(&mut self, a: &Value, now: u64) -> CallResult {
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
        self.pending_group(cmd::APPLY_JOIN_GROUP, body, GroupOp::Join { group_id: id }, now)
    }

    pub(super) fn leave_group(&mut self, method: &str, a: &Value, now: u64) -> CallResult {
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
        self.pending_group(servcmd, obj! {"GroupId": &id}, GroupOp::Leave { group_id: id }, now)
    }

    pub(super) fn change_owner(&mut self, a: &Value, now: u64) -> CallResult {
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
        self.pending_group(cmd::CHANGE_GROUP_OWNER, body, GroupOp::ChangeOwner { group_id: id, owner }, now)
    }

    pub(super) fn update_group_profile(&mut self, a: &Value, now: u64) -> CallResult {
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
            GroupOp::UpdateProfile { group_id: id, changes: a.clone() },
            now,
        )
    }

    pub(super) fn group_or_stub(&self, id: &str) -> Value {
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
    pub(super) fn group_fail(&mut self, call: Option<u64>, op: GroupOp, err: ApiError, now: u64) {
        if let GroupOp::Resync { conv } = &op {
            // What came so far is filed and announced; the rest stays for getMessageList.
            self.resync_finish(conv, now);
            return;
        }
        let Some(call) = call else { return };
        if let (GroupOp::Join { group_id }, code::GROUP_ALREADY_MEMBER) = (&op, err.code) {
            let g = self.group_or_stub(group_id);
            self.settle(call, Ok(obj! {"status": "AlreadyInGroup", "group": &g}));
            return;
        }
        self.settle(call, Err(err));
    }

    /// A group request's reply.
    pub(super) fn group_reply(&mut self, call: Option<u64>, op: GroupOp, body: Value, now: u64) {
        let me = self.s.user.clone();
        let done = |e: &mut Engine, v: Value| {
            if let Some(call) = call {
                e.settle(call, Ok(v));
            }
        };
        match op {
            GroupOp::Resync { conv } => self.resync_reply(&conv, &body, now),
            GroupOp::JoinedList { filter, offset, mut acc } => {
                acc.extend(body["GroupIdList"].as_array().cloned().unwrap_or_default());
                if u(&body, "TotalCount") > offset + JOINED_PAGE
                    && !body["GroupIdList"].as_array().is_none_or(Vec::is_empty)
                {
                    self.joined_group_page(call, filter, offset + JOINED_PAGE, acc, now);
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
            GroupOp::Create { kind, name, topics } => {
                let gid = s(&body, "GroupId");
                let over = body["OverJoinedGroupLimit_Account"].clone();
                let over = if over.is_array() { over } else { Value::Array(vec![]) };
                if kind != GRP_AVCHATROOM && !topics {
                    let mut g = Value::Null;
                    merge_group(
                        &mut g,
                        &obj! {"GroupId": &gid, "Type": &kind, "Name": &name, "Owner_Account": &me, "SelfInfo": obj!{"Role": "Owner", "JoinTime": &self.server_secs(now)}},
                        &me,
                    );
                    self.s.groups.insert(gid.clone(), g);
                    self.group_list_changed();
                    self.send_group_create_message(&gid, now);
                }
                self.group_profile_request(call, &gid, obj! {"overLimitUserIDList": &over}, Value::Null, now);
            }
            GroupOp::Profile { group_id, extra } => self.group_profile_reply(call, &group_id, extra, &body),
            GroupOp::Join { group_id: id } => match s(&body, "JoinedStatus").as_str() {
                "JoinedSuccess" if u(&body, "HugeGroupFlag") == 1 => self.room_join_reply(call, &id, &body, now),
                "JoinedSuccess" => {
                    self.group_profile_request(call, &id, obj! {"status": "JoinedSuccess"}, Value::Null, now);
                }
                "WaitAdminApproval" => done(self, obj! {"status": "WaitAdminApproval"}),
                other => {
                    if let Some(call) = call {
                        self.settle(call, Err(ApiError::new(2660, format!("join failed: \"{other}\""))));
                    }
                }
            },
            GroupOp::Leave { group_id: id } => {
                self.drop_group(&id);
                done(self, obj! {"groupID": &id});
            }
            GroupOp::ChangeOwner { group_id: id, owner } => {
                if let Some(g) = self.s.groups.get_mut(&id) {
                    g["ownerID"] = val(&owner);
                    g["selfInfo"]["role"] = val("Member");
                }
                self.group_list_changed();
                let g = self.group_or_stub(&id);
                done(self, obj! {"group": &g});
            }
            GroupOp::UpdateProfile { group_id: id, changes } => {
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
                        if let Some(v) = changes.get(k).filter(|v| !v.is_null()) {
                            g[k] = v.clone();
                        }
                    }
                    if let Some(n) = changes["maxMemberNum"].as_u64() {
                        g["maxMemberNum"] = val(n);
                        g["maxMemberCount"] = val(n);
                    }
                }
                self.group_list_changed();
                let g = self.group_or_stub(&id);
                done(self, obj! {"group": &g});
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
            op => self.member_reply(call, op, body, now),
        }
    }

    /// The `get_group_self_member_info` reply of a call (resolved as `{group, ...extra}`) or a
    /// probe: the group enters the joined list when the user is a member.
    fn group_profile_reply(&mut self, call: Option<u64>, id: &str, extra: Value, body: &Value) {
        let me = self.s.user.clone();
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
        if let Some(m) = body["MemberList"].as_array().and_then(|l| l.iter().find(|m| s(m, "Member_Account") == me)) {
            info["SelfInfo"] = m.clone();
        }
        let member = info["SelfInfo"].is_object();
        let mut g = self.s.groups.get(id).cloned().unwrap_or(Value::Null);
        merge_group(&mut g, &info, &me);
        if member && s(&g, "type") != GRP_AVCHATROOM {
            self.s.groups.insert(id.to_string(), g.clone());
            self.sync_group_conversation(&g);
            self.group_list_changed();
        }
        let mut out = extra;
        if !out.is_object() {
            out = obj! {};
        }
        out["group"] = g;
        if let Some(call) = call {
            self.settle(call, Ok(out));
        }
    }
}

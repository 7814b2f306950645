//! Group member management (B-conversations-groups.md §4.4, §4.6, §4.10, §4.13, §4.14, §4.16):
//! join applications and their handling, owner transfer, member roles, mutes, name cards and
//! custom member fields, member profiles, group counters, and the rules the core commands of
//! [`crate::groups`] enforce with them (member limits, profile lengths, who may send).
//!
//! Request and reply shapes are those of the official Web SDK 2.27.6 (`tim-js-sdk`):
//! `handle_apply_join_group` gets back the `Authentication`/`MsgKey` of the type-1 notice,
//! `get_pendency` feeds `getGroupApplicationList`, counters travel as `GroupCounter:[{Key,Value}]`
//! and are pushed as an online-only `Event 6` item carrying `GroupCounterInfo`.

use std::collections::HashMap;

use serde_json::{json, Value};
use tim_proto::cmd::event;
use tim_proto::code;

use crate::api::cx::Cx;
use crate::api::reply::{ensure_user, fail, internal, ok, ok_with, ApiError, Reply, Who, GROUP_ACCOUNT};
use crate::groups::{
    accounts, deny, group_id_field, info_of, is_manager, load, membership, new_member, notice, push_members,
    require_member, str_field, tip,
};
use crate::store::{Application, CounterMode, Group, Member, MemberUpdate, COUNTER_LIMIT};
use crate::{now, State};

/// Longest group name, introduction, notification and avatar URL in bytes (§4.3, §4.11).
const NAME_MAX: usize = 30;
const INTRODUCTION_MAX: usize = 240;
const NOTIFICATION_MAX: usize = 300;
const FACE_URL_MAX: usize = 100;
/// Most initial members at creation (§4.3).
const INITIAL_MEMBERS_MAX: usize = 500;
/// Longest name card in bytes (Tencent: 50).
const NAME_CARD_MAX: usize = 50;
/// Custom member fields: at most this many keys per member (§4.14.3), key and value sizes.
const MEMBER_FIELDS_MAX: usize = 5;
const MEMBER_FIELD_KEY_MAX: usize = 16;
const MEMBER_FIELD_VALUE_MAX: usize = 512;
/// `getGroupMemberProfile` reads at most this many members (§4.14.1).
const PROFILE_BATCH_MAX: usize = 50;
/// Counters: keys per group, key size.
const COUNTERS_MAX: usize = 20;
const COUNTER_KEY_MAX: usize = 128;
/// Longest mute, seconds (Tencent caps `ShutUpTime` at 2^32 − 1 seconds).
const MUTE_MAX: u64 = u32::MAX as u64;

fn param(info: impl Into<String>) -> ApiError {
    fail(code::GROUP_INVALID_PARAMETERS, info)
}

// ---------------------------------------------------------------------------------------------
// Rules used by the core commands
// ---------------------------------------------------------------------------------------------

/// Seconds of mute left, if the member is muted now.
pub fn mute_left(m: &Member) -> Option<u64> {
    let t = now();
    (m.mute_until > t).then(|| m.mute_until - t)
}

/// The member's `AppMemberDefinedData` (`[{Key, Value}]`).
pub fn custom_fields(m: &Member) -> Value {
    match serde_json::from_str::<Value>(&m.custom_data) {
        Ok(v @ Value::Array(_)) => v,
        _ => json!([]),
    }
}

/// A member as `get_group_member_info` / `get_specified_group_member_info` return it, with only
/// the custom fields in `keys` when a filter is given.
pub fn member_obj_filtered(m: &Member, keys: Option<&[String]>) -> Value {
    let mut v = crate::groups::member_obj(m);
    if let (Some(keys), Some(list)) = (keys, v["AppMemberDefinedData"].as_array_mut()) {
        list.retain(|f| f["Key"].as_str().is_some_and(|k| keys.iter().any(|w| w == k)));
    }
    v
}

/// Byte limits of the profile fields (10004), on create and modify.
pub fn check_profile_lengths(body: &Value) -> Result<(), ApiError> {
    for (key, max) in [
        ("Name", NAME_MAX),
        ("Introduction", INTRODUCTION_MAX),
        ("Notification", NOTIFICATION_MAX),
        ("FaceUrl", FACE_URL_MAX),
    ] {
        match &body[key] {
            Value::Null => {}
            Value::String(s) if s.len() <= max => {}
            _ => return Err(param(format!("{key} must be a string of at most {max} bytes"))),
        }
    }
    Ok(())
}

/// `MemberList` of `create_group`: at most 500, no members for AVChatRoom, `Role` only `Admin`
/// (and only where the type has admins).
pub fn check_initial_members(kind: &str, list: &[Value]) -> Result<(), ApiError> {
    if list.len() > INITIAL_MEMBERS_MAX {
        return Err(param(format!("MemberList holds more than {INITIAL_MEMBERS_MAX} members")));
    }
    if kind == "AVChatRoom" && !list.is_empty() {
        return Err(param("an AVChatRoom is created without members"));
    }
    for item in list {
        match item["Role"].as_str() {
            None | Some("") => {}
            Some("Admin") if has_admins(kind) => {}
            Some(r) => {
                return Err(param(format!("MemberList Role {r:?} is not allowed (only Admin, where admins exist)")))
            }
        }
    }
    Ok(())
}

/// `AppMemberDefinedData` given at creation, as stored JSON text.
pub fn initial_custom_data(v: &Value) -> Result<String, ApiError> {
    if v.is_null() {
        return Ok("[]".into());
    }
    let merged = merge_fields(&json!([]), v)?;
    Ok(merged.to_string())
}

/// Types with an admin role (§4.13.4).
fn has_admins(kind: &str) -> bool {
    matches!(kind, "Public" | "ChatRoom" | "Community")
}

/// `MaxMemberNum` of a new group: the type's default or the requested number, capped by the plan
/// (`[groups]` config). 0 means unlimited.
pub fn max_members(st: &State, kind: &str, requested: Option<u64>) -> u64 {
    let plan = &st.config.groups;
    let (default, cap) = match kind {
        "Private" => (200, plan.max_members),
        "Public" => (2000, plan.max_members),
        "ChatRoom" => (10_000, plan.max_members),
        "Community" => (plan.max_members_community, plan.max_members_community),
        _ => (plan.max_members_avchatroom, plan.max_members_avchatroom),
    };
    let wanted = requested.filter(|n| *n > 0).unwrap_or(default);
    match (wanted, cap) {
        (_, 0) => wanted,
        (0, c) => c,
        (w, c) => w.min(c),
    }
}

/// The group's member limit (0 = none).
fn capacity(g: &Group) -> u64 {
    info_of(g).max_member_num
}

/// Add members unless that makes the group exceed its limit (10014); returns the new members.
pub fn add_within_limit(st: &State, g: &Group, members: &[Member]) -> Result<Vec<String>, ApiError> {
    match st.store.add_members_capped(g.sdkappid, &g.group_id, members, capacity(g)).map_err(internal)? {
        Some(added) => Ok(added),
        None => Err(fail(code::GROUP_FULL, format!("group {} is full", g.group_id))),
    }
}

/// Whether `user` is already in `[groups] max_joined_per_user` groups (AVChatRooms not counted).
pub fn at_joined_limit(st: &State, sdkappid: u64, user: &str) -> Result<bool, ApiError> {
    let max = st.config.groups.max_joined_per_user;
    if max == 0 {
        return Ok(false);
    }
    let joined = st.store.joined_groups(sdkappid, user).map_err(internal)?;
    Ok(joined.iter().filter(|(g, _)| g.kind != "AVChatRoom").count() as u64 >= max)
}

/// 10037 when `user` may join no more groups.
pub fn check_joined_limit(st: &State, sdkappid: u64, user: &str) -> Result<(), ApiError> {
    if at_joined_limit(st, sdkappid, user)? {
        return Err(fail(code::GROUP_USER_LIMIT, format!("{user} is in as many groups as one user may join")));
    }
    Ok(())
}

/// May this member send to the group now? Muted members (10017), everyone but the owner and
/// admins while the whole group is muted (10017), and the group's message rate (10006).
pub fn check_may_send(st: &State, who: &Who, g: &Group, m: Option<&Member>) -> Result<(), ApiError> {
    if let Some(m) = m {
        if let Some(left) = mute_left(m) {
            return Err(fail(code::GROUP_MEMBER_MUTED, format!("{} is muted for another {left} s", m.user)));
        }
        let manager = m.role == "Owner" || m.role == "Admin";
        if !manager && !who.is_admin() && info_of(g).shut_up_all_member == "On" {
            return Err(fail(code::GROUP_MEMBER_MUTED, "all members are muted"));
        }
    }
    if !st.limits.group_msgs.allow(format!("{}:{}", g.sdkappid, g.group_id)) {
        return Err(fail(code::GROUP_RATE_LIMITED, "too many messages in this group, retry in a moment"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Join applications (§4.4, §4.6)
// ---------------------------------------------------------------------------------------------

/// The owner and admins of a group.
fn approvers(st: &State, g: &Group) -> Result<Vec<String>, ApiError> {
    Ok(st
        .store
        .members(g.sdkappid, &g.group_id)
        .map_err(internal)?
        .into_iter()
        .filter(|m| m.role == "Owner" || m.role == "Admin")
        .map(|m| m.user)
        .collect())
}

/// The type-1 notice body: what `handleGroupApplication({message})` sends back.
fn application_report(app: &Application) -> Value {
    json!({"ReportType": 1, "RemarkInfo": app.apply_msg, "Authentication": app.id.to_string(),
        "MsgKey": app.apply_time, "UserDefinedField": app.user_defined_field})
}

/// `apply_join_group` on a group that needs approval: store (or refresh) the application,
/// notify the owner and admins (ReportType 1), answer `WaitAdminApproval`.
pub fn apply(st: &Cx<'_>, who: &Who, g: &Group, user: &str, body: &Value) -> Reply {
    let apply_msg = str_field(body, "ApplyMsg");
    let udf = str_field(body, "UserDefinedField");
    if apply_msg.len() > 300 || udf.len() > 1024 {
        return Err(param("ApplyMsg must be at most 300 bytes, UserDefinedField at most 1024"));
    }
    let app = st
        .store
        .put_application(&Application {
            sdkappid: g.sdkappid,
            group_id: g.group_id.clone(),
            applicant: user.to_string(),
            apply_msg: apply_msg.to_string(),
            user_defined_field: udf.to_string(),
            apply_time: now(),
            ..Application::default()
        })
        .map_err(internal)?;
    let to = approvers(st, g)?;
    notice(st, g, user, &to, who.conn_id(), application_report(&app));
    Ok(ok_with(json!({"JoinedStatus": "WaitAdminApproval", "HugeGroupFlag": 0})))
}

/// `handle_apply_join_group`: owner or admin; the first handling wins, later ones get 10024.
pub(crate) fn handle_apply_join_group(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    let mine = require_member(st, who, &g, &user)?;
    if !who.is_admin() && !is_manager(&mine) {
        return Err(deny("only the owner and admins may handle join applications"));
    }
    let applicant = str_field(body, "Applicant_Account");
    if applicant.is_empty() {
        return Err(param("Applicant_Account is missing"));
    }
    let agree = match str_field(body, "HandleMsg") {
        "Agree" => true,
        "Reject" => false,
        other => return Err(param(format!("HandleMsg must be Agree or Reject, not {other:?}"))),
    };
    let remark = str_field(body, "ApprovalMsg").to_string();
    let Some(app) = st.store.application(sdkappid, &g.group_id, applicant).map_err(internal)? else {
        return Err(param(format!("{applicant} has not applied to join {}", g.group_id)));
    };
    if app.state != "Pending" {
        return Err(fail(code::GROUP_REQUEST_HANDLED, format!("the application was already handled ({})", app.state)));
    }
    if agree && membership(st, &g, applicant)?.is_none() {
        let cap = capacity(&g);
        if cap > 0 && g.member_num >= cap {
            return Err(fail(code::GROUP_FULL, format!("group {} is full", g.group_id)));
        }
    }
    let state = if agree { "Agreed" } else { "Rejected" };
    let Some(app) =
        st.store.settle_application(sdkappid, &g.group_id, applicant, state, &user, now()).map_err(internal)?
    else {
        return Err(fail(code::GROUP_REQUEST_HANDLED, "the application was already handled"));
    };
    if !agree {
        notice(
            st,
            &g,
            &user,
            std::slice::from_ref(&app.applicant),
            None,
            json!({"ReportType": 3, "RemarkInfo": remark}),
        );
        return Ok(ok());
    }
    ensure_user(st, who, sdkappid, &app.applicant, GROUP_ACCOUNT)?;
    if let Err(e) = check_joined_limit(st, sdkappid, &app.applicant) {
        let _ = st.store.put_application(&app);
        return Err(e);
    }
    let added = match add_within_limit(st, &g, &[new_member(&app.applicant, "Member", now())]) {
        Ok(a) => a,
        Err(e) => {
            // Filled up meanwhile: the application stays pending (as a fresh row).
            let _ = st.store.put_application(&app);
            return Err(e);
        }
    };
    notice(st, &g, &user, std::slice::from_ref(&app.applicant), None, json!({"ReportType": 2, "RemarkInfo": remark}));
    if !added.is_empty() {
        let g = load(st, sdkappid, &g.group_id)?;
        tip(
            st,
            who,
            &g,
            &user,
            json!({"OpType": 1, "Operator_Account": user, "List_Account": added, "MemberNum": g.member_num}),
        )?;
    }
    Ok(ok())
}

/// `get_pendency` (`getGroupApplicationList`): the pending applications to the groups the caller
/// owns or administers, in one page (`NextStartTime` 0 ends the SDK's paging loop).
pub(crate) fn get_pendency(st: &State, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "Handle_Account");
    let start = body["StartTime"].as_u64().unwrap_or(0);
    let apps = st.store.pending_applications(sdkappid, &user).map_err(internal)?;
    let mut names: HashMap<String, String> = HashMap::new();
    let mut list = Vec::new();
    for app in apps.iter().filter(|a| a.apply_time >= start).take(1000) {
        if !names.contains_key(&app.group_id) {
            let name = st.store.group(sdkappid, &app.group_id).map_err(internal)?.map(|g| info_of(&g).name);
            names.insert(app.group_id.clone(), name.unwrap_or_default());
        }
        let nick = st.store.account(sdkappid, &app.applicant).map_err(internal)?.map(|a| a.nick).unwrap_or_default();
        list.push(json!({
            "GroupId": app.group_id, "From_Account": app.applicant, "To_Account": user,
            "FromUserNickName": nick, "GroupName": names.get(&app.group_id).cloned().unwrap_or_default(),
            "Authentication": app.id.to_string(), "AddTime": app.apply_time, "ApplyMsg": app.apply_msg,
            "UserDefinedField": app.user_defined_field, "PendencyType": 0, "Handled": 0,
        }));
    }
    Ok(ok_with(json!({"PendencyList": list, "NextStartTime": 0, "TotalCount": list.len(),
        "UnreadPendencyCount": list.len()})))
}

// ---------------------------------------------------------------------------------------------
// Owner transfer (§4.10)
// ---------------------------------------------------------------------------------------------

/// `change_group_owner`: the owner (or the REST admin) hands the group to a member; the old
/// owner becomes an ordinary member; an `OpType 6` tip with the new `Owner_Account`.
pub(crate) fn change_group_owner(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    if g.kind == "AVChatRoom" {
        return Err(deny("an AVChatRoom cannot change its owner"));
    }
    if !who.is_admin() && g.owner != user {
        return Err(deny("only the owner may transfer the group"));
    }
    let new_owner = str_field(body, "NewOwner_Account");
    if new_owner.is_empty() {
        return Err(param("NewOwner_Account is missing"));
    }
    if new_owner == g.owner {
        return Err(param(format!("{new_owner} already owns the group")));
    }
    // The REST admin acts in the old owner's name unless it names a member as `From_Account`.
    let operator = if who.is_admin() && membership(st, &g, &user)?.is_none() { g.owner.clone() } else { user };
    if !st.store.change_owner(sdkappid, &g.group_id, new_owner, now()).map_err(internal)? {
        return Err(param(format!("{new_owner} is not a member of {}", g.group_id)));
    }
    let g = load(st, sdkappid, &g.group_id)?;
    tip(
        st,
        who,
        &g,
        &operator,
        json!({"OpType": 6, "Operator_Account": operator, "List_Account": [new_owner],
            "MsgGroupNewInfo": {"Owner_Account": new_owner}, "MemberNum": g.member_num}),
    )?;
    Ok(ok())
}

// ---------------------------------------------------------------------------------------------
// Member info (§4.13.2, §4.13.4, §4.14)
// ---------------------------------------------------------------------------------------------

/// The caller's standing for an operation on `target`.
struct Actor {
    /// The REST admin.
    app_admin: bool,
    /// The caller's role (`""` for the REST admin who is not a member).
    role: String,
    user: String,
}

impl Actor {
    fn is_owner(&self) -> bool {
        self.app_admin || self.role == "Owner"
    }
    /// May act on another member with role `target_role` (owner: anyone but the owner; admin:
    /// ordinary members).
    fn outranks(&self, target_role: &str) -> bool {
        if self.app_admin {
            return true;
        }
        match self.role.as_str() {
            "Owner" => target_role != "Owner",
            "Admin" => target_role == "Member",
            _ => false,
        }
    }
}

fn merge_fields(current: &Value, update: &Value) -> Result<Value, ApiError> {
    let Some(items) = update.as_array() else {
        return Err(param("AppMemberDefinedData must be an array of {Key, Value}"));
    };
    let mut list: Vec<Value> = current.as_array().cloned().unwrap_or_default();
    for item in items {
        let key = item["Key"].as_str().unwrap_or("");
        let value = match &item["Value"] {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        if key.is_empty() || key.len() > MEMBER_FIELD_KEY_MAX || value.len() > MEMBER_FIELD_VALUE_MAX {
            return Err(param(format!(
                "AppMemberDefinedData keys are 1 to {MEMBER_FIELD_KEY_MAX} bytes, values at most {MEMBER_FIELD_VALUE_MAX}"
            )));
        }
        list.retain(|f| f["Key"] != key);
        list.push(json!({"Key": key, "Value": value}));
    }
    if list.len() > MEMBER_FIELDS_MAX {
        return Err(param(format!("at most {MEMBER_FIELDS_MAX} custom member fields")));
    }
    Ok(Value::Array(list))
}

/// What one `modify_group_member_info` changes, validated.
#[derive(Default)]
struct Change {
    update: MemberUpdate,
    /// Seconds of mute (0 = unmute), when `ShutUpTime` was given.
    mute: Option<u64>,
    /// New role, when it differs.
    role: Option<String>,
    /// Changed name card / custom fields, for the member-info tip.
    profile: Option<Value>,
}

/// `modify_group_member_info`: `Role` (owner only, types with admins; tips 4/5, notices 9/10),
/// `ShutUpTime` (owner: anyone but the owner, admin: ordinary members, not in Work; AVChatRoom:
/// owner; tip 7), `NameCard` and `AppMemberDefinedData` (own, or as owner/admin of an ordinary
/// member; not AVChatRoom; tip 7), `MsgFlag` (own only).
pub(crate) fn modify_group_member_info(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    let mine = require_member(st, who, &g, &user)?;
    let actor = Actor { app_admin: who.is_admin(), role: mine.map(|m| m.role).unwrap_or_default(), user };
    let target_id = str_field(body, "Member_Account");
    if target_id.is_empty() {
        return Err(param("Member_Account is missing"));
    }
    let Some(target) = membership(st, &g, target_id)? else {
        return Err(param(format!("{target_id} is not a member of {}", g.group_id)));
    };
    let own = target.user == actor.user;
    let mut ch = Change::default();
    // With a `TopicId` (tim-js-sdk sends it when the group ID given is a topic's) a mute is per
    // topic (B-spec §4.17.3); roles, name cards and fields are the community's.
    let topic = crate::topics::target(st, g.clone(), body)?;
    let mut topic_mute = None;

    if let Some(role) = body["Role"].as_str() {
        if !actor.is_owner() {
            return Err(deny("only the owner may change roles"));
        }
        if !has_admins(&g.kind) {
            return Err(deny(&format!("a {} group has no admin role", g.kind)));
        }
        if !matches!(role, "Admin" | "Member") {
            return Err(param(format!("Role must be Admin or Member, not {role:?}")));
        }
        if target.role == "Owner" {
            return Err(deny("the owner's role cannot be changed (transfer the group instead)"));
        }
        if target.role != role {
            ch.update.role = Some(role.to_string());
            ch.role = Some(role.to_string());
        }
    }
    if !body["ShutUpTime"].is_null() {
        let Some(secs) = body["ShutUpTime"].as_u64() else {
            return Err(param("ShutUpTime must be a number of seconds"));
        };
        check_may_mute(&g, &actor, &target)?;
        let secs = secs.min(MUTE_MAX);
        if crate::topics::is_topic(&topic) {
            topic_mute = Some(secs);
        } else {
            ch.update.mute_until = Some(if secs == 0 { 0 } else { now().saturating_add(secs) });
            ch.mute = Some(secs);
        }
    }
    let mut profile = serde_json::Map::new();
    if !body["NameCard"].is_null() || !body["AppMemberDefinedData"].is_null() {
        if g.kind == "AVChatRoom" {
            return Err(deny("an AVChatRoom keeps no member profiles"));
        }
        if !own && !actor.outranks(&target.role) {
            return Err(deny("ordinary members may change only their own name card and fields"));
        }
    }
    if !body["NameCard"].is_null() {
        let card = body["NameCard"].as_str().unwrap_or("");
        if !body["NameCard"].is_string() || card.len() > NAME_CARD_MAX {
            return Err(param(format!("NameCard must be a string of at most {NAME_CARD_MAX} bytes")));
        }
        ch.update.name_card = Some(card.to_string());
        profile.insert("NameCard".into(), json!(card));
    }
    if !body["AppMemberDefinedData"].is_null() {
        let merged = merge_fields(&custom_fields(&target), &body["AppMemberDefinedData"])?;
        ch.update.custom_data = Some(merged.to_string());
        profile.insert("AppMemberDefinedData".into(), body["AppMemberDefinedData"].clone());
    }
    if !profile.is_empty() {
        ch.profile = Some(Value::Object(profile));
    }
    if let Some(flag) = body["MsgFlag"].as_str() {
        if !own && !actor.app_admin {
            return Err(deny("MsgFlag is set by the member only"));
        }
        if !["AcceptAndNotify", "Discard", "AcceptNotNotify", "AcceptNotNotifyExceptAt"].contains(&flag) {
            return Err(param(format!("unknown MsgFlag {flag:?}")));
        }
        ch.update.msg_flag = Some(flag.to_string());
    }
    if ch.update != MemberUpdate::default() {
        if !st.store.update_member(sdkappid, &g.group_id, &target.user, &ch.update).map_err(internal)? {
            return Err(param(format!("{} is no longer a member", target.user)));
        }
        announce(st, who, &g, &actor, &target.user, &ch)?;
    }
    if let Some(secs) = topic_mute {
        let operator = if actor.app_admin && actor.role.is_empty() { g.owner.clone() } else { actor.user.clone() };
        crate::topics::mute(st, who, &topic, g.member_num, &operator, &target.user, secs)?;
    }
    Ok(ok())
}

/// Mute rules (§4.13.2, §5): not in Work; AVChatRoom: owner only; elsewhere the owner mutes
/// anyone but the owner and admins mute ordinary members; nobody mutes themself.
fn check_may_mute(g: &Group, actor: &Actor, target: &Member) -> Result<(), ApiError> {
    if g.kind == "Private" {
        return Err(deny("a Work group does not support muting"));
    }
    if target.user == actor.user && !actor.app_admin {
        return Err(deny("members cannot mute themselves"));
    }
    if g.kind == "AVChatRoom" && !actor.is_owner() {
        return Err(deny("only the owner mutes in an AVChatRoom"));
    }
    if !actor.outranks(&target.role) {
        return Err(deny(&format!("cannot mute {} ({})", target.user, target.role)));
    }
    Ok(())
}

/// The tips and notices of a member change.
fn announce(st: &Cx<'_>, who: &Who, g: &Group, actor: &Actor, target: &str, ch: &Change) -> Result<(), ApiError> {
    let operator = if actor.app_admin && actor.role.is_empty() { g.owner.clone() } else { actor.user.clone() };
    if let Some(role) = &ch.role {
        let (op, report) = if role == "Admin" { (4, 9) } else { (5, 10) };
        tip(
            st,
            who,
            g,
            &operator,
            json!({"OpType": op, "Operator_Account": operator, "List_Account": [target], "MemberNum": g.member_num}),
        )?;
        notice(st, g, &operator, &[target.to_string()], None, json!({"ReportType": report}));
    }
    let mut extra = json!({"Member_Account": target});
    if let Some(secs) = ch.mute {
        extra["ShutupTime"] = json!(secs);
    }
    if let Some(Value::Object(p)) = &ch.profile {
        for (k, v) in p {
            extra[k] = v.clone();
        }
    }
    if ch.mute.is_some() || ch.profile.is_some() {
        tip(
            st,
            who,
            g,
            &operator,
            json!({"OpType": 7, "Operator_Account": operator, "List_Account": [target],
                "MsgMemberExtraInfo": [extra], "MemberNum": g.member_num}),
        )?;
    }
    Ok(())
}

/// REST `forbid_send_msg` `{GroupId, Members_Account, MuteTime}` (also on the socket, with the
/// mute rules): mute or unmute several members; one tip 7 lists them.
pub(crate) fn forbid_send_msg(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    let mine = require_member(st, who, &g, &user)?;
    let actor = Actor { app_admin: who.is_admin(), role: mine.map(|m| m.role).unwrap_or_default(), user };
    let Some(secs) = body["MuteTime"].as_u64() else {
        return Err(param("MuteTime must be a number of seconds"));
    };
    let secs = secs.min(MUTE_MAX);
    let users = accounts(&body["Members_Account"], "Member_Account");
    if users.is_empty() || users.len() > 500 {
        return Err(param("Members_Account must list 1 to 500 members"));
    }
    let mut targets = Vec::new();
    for u in &users {
        let Some(t) = membership(st, &g, u)? else { continue };
        check_may_mute(&g, &actor, &t)?;
        targets.push(t.user);
    }
    let until = if secs == 0 { 0 } else { now().saturating_add(secs) };
    let update = MemberUpdate { mute_until: Some(until), ..MemberUpdate::default() };
    let mut done = Vec::new();
    for t in targets {
        if st.store.update_member(sdkappid, &g.group_id, &t, &update).map_err(internal)? {
            done.push(t);
        }
    }
    if !done.is_empty() {
        let operator = if actor.app_admin && actor.role.is_empty() { g.owner.clone() } else { actor.user.clone() };
        let extra: Vec<Value> = done.iter().map(|u| json!({"Member_Account": u, "ShutupTime": secs})).collect();
        tip(
            st,
            who,
            &g,
            &operator,
            json!({"OpType": 7, "Operator_Account": operator, "List_Account": done,
                "MsgMemberExtraInfo": extra, "MemberNum": g.member_num}),
        )?;
    }
    Ok(ok())
}

/// `get_specified_group_member_info` (`getGroupMemberProfile`): up to 50 named members; members
/// only (the admin too).
pub(crate) fn get_specified_group_member_info(st: &State, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    require_member(st, who, &g, &user)?;
    let mut wanted = accounts(&body["Member_List_Account"], "Member_Account");
    if wanted.is_empty() {
        return Err(param("Member_List_Account is empty"));
    }
    wanted.truncate(PROFILE_BATCH_MAX);
    let keys = body["AppDefinedDataFilter_GroupMember"]
        .as_array()
        .map(|_| accounts(&body["AppDefinedDataFilter_GroupMember"], "Key"));
    let mut list = Vec::new();
    for w in &wanted {
        if let Some(m) = membership(st, &g, w)? {
            list.push(member_obj_filtered(&m, keys.as_deref()));
        }
    }
    Ok(ok_with(json!({"MemberList": list})))
}

// ---------------------------------------------------------------------------------------------
// Group counters (§4.16)
// ---------------------------------------------------------------------------------------------

fn counter_list(items: &[(String, i64)]) -> Value {
    Value::Array(items.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect())
}

/// A counter version for the SDK's ordering check (milliseconds; per node clock).
fn counter_seq() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Groups with counters: every type but communities (and topics).
fn counters_group(st: &State, who: &Who, body: &Value) -> Result<Group, ApiError> {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let g = load(st, sdkappid, &group_id_field(body)?)?;
    if g.kind == "Community" {
        return Err(param("communities have no group counters"));
    }
    require_member(st, who, &g, &user)?;
    Ok(g)
}

/// `update_group_counter` `{GroupId, GroupCounter:[{Key,Value}], Mode: Set|Increase|Decrease}`:
/// any member; atomic per key; replies and pushes (online-only `Event 6`) the new values.
pub(crate) fn update_group_counter(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let g = counters_group(st, who, body)?;
    let mode = match str_field(body, "Mode") {
        "Set" | "" => CounterMode::Set,
        "Increase" => CounterMode::Increase,
        "Decrease" => CounterMode::Decrease,
        other => return Err(param(format!("Mode must be Set, Increase or Decrease, not {other:?}"))),
    };
    let Some(raw) = body["GroupCounter"].as_array().filter(|a| !a.is_empty()) else {
        return Err(param("GroupCounter must list at least one {Key, Value}"));
    };
    let mut items: Vec<(String, i64)> = Vec::new();
    for item in raw {
        let key = item["Key"].as_str().unwrap_or("");
        let value = item["Value"].as_i64().filter(|v| v.abs() <= COUNTER_LIMIT);
        let (false, Some(value)) = (key.is_empty() || key.len() > COUNTER_KEY_MAX, value) else {
            return Err(param(format!(
                "counter keys are 1 to {COUNTER_KEY_MAX} bytes and values integers of at most 2^53 - 1"
            )));
        };
        if mode != CounterMode::Set && value < 0 {
            return Err(param("Increase and Decrease take a value of at least 0"));
        }
        items.retain(|(k, _)| k != key);
        items.push((key.to_string(), value));
    }
    let existing = st.store.counters(g.sdkappid, &g.group_id).map_err(internal)?;
    let new_keys = items.iter().filter(|(k, _)| !existing.iter().any(|(e, _)| e == k)).count();
    if existing.len() + new_keys > COUNTERS_MAX {
        return Err(param(format!("a group has at most {COUNTERS_MAX} counters")));
    }
    let values = st.store.update_counters(g.sdkappid, &g.group_id, mode, &items).map_err(internal)?;
    let seq = counter_seq();
    let user = who.acting(body, "From_Account");
    let t = now();
    let random = u64::from(rand::random::<u32>());
    let item = json!({
        "From_Account": user, "ToGroupId": g.group_id,
        "GroupInfo": {"GroupId": g.group_id, "GroupType": g.kind, "GroupName": info_of(&g).name},
        "MsgSeq": 0, "MsgRandom": random, "MsgTimeStamp": t, "Event": event::GROUP_ONLINE,
        "MsgBody": {"GroupCounterInfo": [{"Type": 0, "GroupCounterSeq": seq, "GroupCounter": counter_list(&values)}]},
    });
    let push = json!({"EventArray": [{"Event": event::GROUP_ONLINE, "GroupTips": [item]}]});
    let members = st.store.members(g.sdkappid, &g.group_id).map_err(internal)?;
    // The writer's own socket gets the push too: tim-js-sdk fills its counter cache from pushes
    // only (not from its write's reply), so without it the writer would read a stale value.
    push_members(st, g.sdkappid, &members, None, &push);
    Ok(ok_with(json!({"GroupCounter": counter_list(&values), "GroupCounterSeq": seq})))
}

/// `get_group_counter` `{GroupId, GroupCounterKeys?}`: members; all counters for an empty list.
pub(crate) fn get_group_counter(st: &State, who: &Who, body: &Value) -> Reply {
    let g = counters_group(st, who, body)?;
    let keys = accounts(&body["GroupCounterKeys"], "Key");
    let mut values = st.store.counters(g.sdkappid, &g.group_id).map_err(internal)?;
    if !keys.is_empty() {
        values.retain(|(k, _)| keys.contains(k));
    }
    Ok(ok_with(json!({"GroupCounter": counter_list(&values), "GroupCounterSeq": counter_seq()})))
}

/// `openim.deletemsg` `{DelMsgList: [{From_Account, MsgSeq, MsgRandom}]}`: forget the caller's
/// kept system notices with these identities, so a handled join request does not come back on a
/// new device (and a topic's kept @-tips, which tim-js-sdk deletes the same way). Unknown items
/// are ignored (group @-tips are not kept), so the answer is always OK.
pub(crate) fn delete_notices(st: &State, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let wanted: Vec<(u64, u64)> = body["DelMsgList"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| Some((d["MsgSeq"].as_u64()?, d["MsgRandom"].as_u64()?)))
        .collect();
    if wanted.is_empty() {
        return Ok(ok());
    }
    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let page = st.store.notices_after(sdkappid, &user, after, 500).map_err(internal)?;
        let Some(last) = page.last().map(|(id, _)| *id) else { break };
        for (id, text) in &page {
            let item: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            let key = (item["MsgSeq"].as_u64().unwrap_or(0), item["MsgRandom"].as_u64().unwrap_or(0));
            if wanted.contains(&key) {
                ids.push(*id);
            }
        }
        after = last;
    }
    if !ids.is_empty() {
        st.store.delete_notices(sdkappid, &user, &ids).map_err(internal)?;
    }
    Ok(ok())
}

//! REST-only group commands of Tencent's v4 group service for the app admin:
//! `get_group_info` (full profiles with members) and `send_group_system_notification` (a
//! ReportType 255 notice, online only, to chosen members or all). Both go through the one
//! command table ([`crate::api::table`]), whose `Admin` rule refuses them to anyone else.

use serde_json::{json, Value};
use tim_proto::code;

use crate::api::cx::Cx;
use crate::api::reply::{fail, internal, ok, ok_with, Reply, Who};
use crate::groups::{accounts, group_obj, load, member_obj, notice, str_field};
use crate::State;

/// Most groups per `get_group_info` call (Tencent's limit).
const MAX_GROUPS: usize = 50;
/// Most named recipients of a system notification.
const MAX_RECIPIENTS: usize = 500;
/// Most bytes of a notification's `Content`.
const MAX_CONTENT: usize = 4096;

/// `get_group_info`: `{GroupIdList}` → `GroupInfo: [{ErrorCode, …group fields, MemberList}]`.
pub(crate) fn get_group_info(st: &State, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let ids = accounts(&body["GroupIdList"], "GroupId");
    if ids.is_empty() {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, "GroupIdList must name at least one group"));
    }
    if ids.len() > MAX_GROUPS {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("at most {MAX_GROUPS} groups per call")));
    }
    let mut infos = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(g) = st.store.group(sdkappid, &id).map_err(internal)? else {
            infos.push(json!({"GroupId": id, "ErrorCode": code::GROUP_NOT_FOUND, "ErrorInfo": "group does not exist"}));
            continue;
        };
        let members = st.store.members(sdkappid, &g.group_id).map_err(internal)?;
        let mut obj = group_obj(&g, None);
        obj["MemberList"] = Value::Array(members.iter().map(member_obj).collect());
        obj["ErrorCode"] = json!(0);
        obj["ErrorInfo"] = json!("");
        infos.push(obj);
    }
    Ok(ok_with(json!({"GroupInfo": infos})))
}

/// `send_group_system_notification`: `{GroupId, ToMembers_Account?, Content}`. The notice
/// (ReportType 255, `UserDefinedField` = `Content`) goes to the named members, or to every
/// member when none are named; it is pushed, not stored, like Tencent's.
pub(crate) fn send_group_system_notification(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let g = load(st, sdkappid, &crate::groups::group_id_field(body)?)?;
    let content = str_field(body, "Content");
    if content.is_empty() || content.len() > MAX_CONTENT {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("Content must be 1 to {MAX_CONTENT} bytes")));
    }
    let members = st.store.members(sdkappid, &g.group_id).map_err(internal)?;
    let named = accounts(&body["ToMembers_Account"], "Member_Account");
    if named.len() > MAX_RECIPIENTS {
        return Err(fail(code::GROUP_INVALID_PARAMETERS, format!("at most {MAX_RECIPIENTS} recipients")));
    }
    let users: Vec<String> = if named.is_empty() {
        members.into_iter().map(|m| m.user).collect()
    } else {
        if g.kind == "AVChatRoom" {
            return Err(fail(code::GROUP_INVALID_PARAMETERS, "an AVChatRoom notification goes to every member"));
        }
        named.into_iter().filter(|u| members.iter().any(|m| &m.user == u)).collect()
    };
    let operator = match who {
        Who::Admin { admin, .. } => admin.clone(),
        _ => String::new(),
    };
    notice(st, &g, &operator, &users, None, json!({"ReportType": 255, "UserDefinedField": content}));
    Ok(ok())
}

//! The command table: every `service.command` the server serves, its auth rule and its handler,
//! one row each. The WebSocket gateway (frames) and the REST API (`POST /v4/service/command`)
//! both run commands through [`dispatch`].
//!
//! A new command: its name in `tim_proto::cmd`, its handler in the module of its area, one row
//! here. The auth rule is checked before the handler runs.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;
use tim_proto::cmd;
use tim_proto::code;

use super::cx::Cx;
use super::reply::{fail, Reply, Who};
use crate::{
    avchatroom, commands, conversations, group_admin, group_members, groups, online, profiles, topics, uploads,
};

/// Who may run a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// A logged-in user on a WebSocket, or the app admin acting for one (`From_Account`).
    Either,
    /// The app admin only (REST with the admin's userSig); anyone else gets 60011.
    Admin,
}

/// A handler: the reply body, or `None` for no reply (fire-and-forget commands).
pub type Handler = fn(&Cx<'_>, &Who, &Value) -> Option<Value>;

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    /// `service.command`.
    pub servcmd: &'static str,
    /// Who may run it.
    pub auth: Auth,
    /// Whether `GroupId` may name a topic. Group commands (`group_open_http_svc.*`) that do
    /// not handle topics themselves refuse a topic ID with 10004: topics are addressed as
    /// `GroupId` = the community plus `TopicId`.
    pub topic_ids: bool,
    /// The handler.
    pub run: Handler,
}

/// What handlers return, turned into the reply (`None`: no reply).
pub trait IntoReply {
    /// The reply body.
    fn into_reply(self) -> Option<Value>;
}
impl IntoReply for Value {
    fn into_reply(self) -> Option<Value> {
        Some(self)
    }
}
impl IntoReply for Reply {
    fn into_reply(self) -> Option<Value> {
        Some(self.unwrap_or_else(Value::from))
    }
}
impl IntoReply for Option<Value> {
    fn into_reply(self) -> Option<Value> {
        self
    }
}

/// A row: `row!(SERVCMD, auth, handler)` for `handler(cx, who, body)` (`cx` is a `&State`
/// too), or with a closure `|cx, who, body| …` for one that needs more; `group_row!` for group commands that
/// refuse topic IDs.
macro_rules! row {
    ($servcmd:expr, $auth:ident, |$cx:ident, $who:ident, $body:ident| $e:expr) => {
        Command {
            servcmd: $servcmd,
            auth: Auth::$auth,
            topic_ids: true,
            run: |$cx, $who, $body| IntoReply::into_reply($e),
        }
    };
    ($servcmd:expr, $auth:ident, $f:path) => {
        row!($servcmd, $auth, |cx, who, body| $f(cx, who, body))
    };
}
macro_rules! fixed {
    ($servcmd:expr) => {
        row!($servcmd, Either, |_cx, who, _body| commands::login_phase_reply($servcmd, who.sdkappid()))
    };
}
macro_rules! group_row {
    ($($t:tt)*) => {
        Command { topic_ids: false, ..row!($($t)*) }
    };
}

/// Every command served. Order does not matter; a test checks each name appears once.
pub static COMMANDS: &[Command] = &[
    // One-to-one messages and accounts (commands.rs).
    row!(cmd::SENDMSG, Either, commands::sendmsg),
    row!(cmd::GETMSG, Either, commands::getmsg),
    row!(cmd::GETROAMMSG, Either, commands::getroammsg),
    row!(cmd::MSGREADED, Either, commands::msgreaded),
    row!(cmd::GET_PEER_READ_TIME, Either, commands::get_peer_read_time),
    row!(cmd::MSG_PUSH_ACK, Either, |_cx, _who, _body| None::<Value>),
    row!(cmd::ACCOUNT_IMPORT, Admin, commands::account_import),
    row!(cmd::KICK, Admin, commands::kick),
    row!(online::QUERY_ONLINE_STATUS, Admin, online::query_online_status),
    // Uploads (uploads.rs).
    row!(cmd::COS_PRE_SIG, Either, |cx, who, body| uploads::pre_sig(cx, who, body, cx.origin)),
    // Fixed answers that let the SDK's login phase complete (commands.rs).
    fixed!(cmd::BLACK_LIST_GET),
    fixed!(cmd::FRIEND_GET),
    fixed!(cmd::SNS_GROUP_GET),
    fixed!(cmd::PENDENCY_GET),
    fixed!(cmd::AUTHKEY),
    fixed!(cmd::GET_C2C_PEER_MUTE_NOTIFICATIONS),
    fixed!(cmd::TIM_WEB_REPORT),
    fixed!(cmd::FETCH_CONFIG),
    fixed!(cmd::FETCH_PURCHASE_BITS),
    // Conversations (conversations.rs).
    row!(cmd::PAGE_GET, Either, conversations::page_get),
    row!(cmd::REST_RECENTCONTACT_GET_LIST, Either, conversations::page_get),
    row!(cmd::GET_CONTACT_GROUP, Either, conversations::get_contact_group),
    row!(cmd::BATCH_DELETE, Either, conversations::batch_delete),
    row!(cmd::REST_RECENTCONTACT_DELETE, Either, conversations::rest_delete),
    row!(cmd::TOP, Either, conversations::top),
    row!(cmd::MARK_CONTACT, Either, conversations::mark_contact),
    row!(cmd::CREATE_CONTACT_GROUP, Either, conversations::create_contact_group),
    row!(cmd::DEL_CONTACT_GROUP, Either, conversations::del_contact_group),
    row!(cmd::UPDATE_CONTACT_GROUP, Either, conversations::update_contact_group),
    row!(cmd::READ_ALL_UNREAD_MSG, Either, conversations::read_all),
    // Profiles (profiles.rs).
    row!(cmd::PORTRAIT_GET_ALL, Either, profiles::portrait_get_all),
    row!(cmd::PORTRAIT_GET, Either, profiles::portrait_get),
    row!(cmd::PORTRAIT_SET, Either, profiles::portrait_set),
    row!(cmd::PROFILE_FIELD_ADD, Admin, profiles::field_add),
    row!(cmd::PROFILE_FIELD_GET, Admin, |cx, who, _body| profiles::field_list(cx, who.sdkappid())),
    // AVChatRooms, group attributes (avchatroom.rs): they handle topic IDs themselves.
    row!(cmd::GET_ONLINE_MEMBER_NUM, Either, avchatroom::online_member_num),
    row!(cmd::AVCHATROOM_GET_MEMBERS, Either, avchatroom::get_members),
    row!(cmd::AVCHATROOM_MODIFY_USER_INFO, Either, avchatroom::mark_members),
    row!(cmd::BAN_GROUP_MEMBER, Either, avchatroom::ban),
    row!(cmd::UNBAN_GROUP_MEMBER, Either, avchatroom::unban),
    row!(cmd::GET_GROUP_BAN_MEMBER, Either, avchatroom::banned),
    row!(cmd::SET_GROUP_ATTR, Either, |cx, who, body| avchatroom::write_attrs(cx, who, body, avchatroom::AttrOp::Init)),
    row!(cmd::MODIFY_GROUP_ATTR, Either, |cx, who, body| avchatroom::write_attrs(
        cx,
        who,
        body,
        avchatroom::AttrOp::Modify
    )),
    row!(cmd::DELETE_GROUP_ATTR, Either, |cx, who, body| avchatroom::write_attrs(
        cx,
        who,
        body,
        avchatroom::AttrOp::Delete
    )),
    row!(cmd::CLEAR_GROUP_ATTR, Either, |cx, who, body| avchatroom::write_attrs(
        cx,
        who,
        body,
        avchatroom::AttrOp::Clear
    )),
    row!(cmd::GET_GROUP_ATTR, Either, avchatroom::get_attrs),
    // The SDK sends `million_group_open_http_svc.get_group_attr` for a community ID, which the
    // community alias turns into this name: answered (with 2641) all the same.
    row!("group_open_http_svc.get_group_attr", Either, avchatroom::get_attrs),
    // Communities and topics (topics.rs).
    group_row!(cmd::MILLION_GET_JOINED_GROUP_LIST, Either, topics::joined_communities),
    group_row!(cmd::CREATE_TOPIC, Either, topics::create_topic),
    group_row!(cmd::DESTROY_TOPIC, Either, topics::destroy_topic),
    group_row!(cmd::MODIFY_TOPIC, Either, topics::modify_topic),
    group_row!(cmd::GET_TOPIC, Either, topics::get_topic),
    // Groups (groups.rs).
    group_row!(cmd::CREATE_GROUP, Either, groups::create_group),
    group_row!(cmd::GET_JOINED_GROUP_LIST, Either, groups::get_joined_group_list),
    group_row!(cmd::GET_GROUP_SELF_MEMBER_INFO, Either, groups::get_group_self_member_info),
    group_row!(cmd::GET_GROUP_PUBLIC_INFO, Either, groups::get_group_public_info),
    group_row!(cmd::APPLY_JOIN_GROUP, Either, groups::apply_join_group),
    group_row!(cmd::QUIT_GROUP, Either, groups::quit_group),
    group_row!(cmd::DESTROY_GROUP, Either, groups::destroy_group),
    group_row!(cmd::ADD_GROUP_MEMBER, Either, groups::add_group_member),
    group_row!(cmd::DELETE_GROUP_MEMBER, Either, groups::delete_group_member),
    group_row!(cmd::GET_GROUP_MEMBER_INFO, Either, groups::get_group_member_info),
    group_row!(cmd::MODIFY_GROUP_BASE_INFO, Either, groups::modify_group_base_info),
    group_row!(cmd::SEND_GROUP_MSG, Either, groups::send_group_msg),
    group_row!(cmd::GROUP_MSG_GET, Either, groups::group_msg_get),
    group_row!(cmd::GROUP_MSG_READ_REPORT, Either, groups::msg_read_report),
    group_row!(cmd::GET_GROUP_NOTIFY, Either, groups::get_group_notify),
    group_row!(cmd::BATCH_GET_GROUP_NOTIFY, Either, groups::batch_get_group_notify),
    // Members, roles, applications, counters, mutes, notices (group_members.rs).
    group_row!(cmd::CHANGE_GROUP_OWNER, Either, group_members::change_group_owner),
    group_row!(cmd::HANDLE_APPLY_JOIN_GROUP, Either, group_members::handle_apply_join_group),
    group_row!(cmd::GET_GROUP_PENDENCY, Either, group_members::get_pendency),
    group_row!(cmd::MODIFY_GROUP_MEMBER_INFO, Either, group_members::modify_group_member_info),
    group_row!(cmd::GET_SPECIFIED_GROUP_MEMBER_INFO, Either, group_members::get_specified_group_member_info),
    group_row!(cmd::UPDATE_GROUP_COUNTER, Either, group_members::update_group_counter),
    group_row!(cmd::GET_GROUP_COUNTER, Either, group_members::get_group_counter),
    group_row!(cmd::FORBID_SEND_MSG, Either, group_members::forbid_send_msg),
    // The SDK deletes a group system notice once handled (`handleGroupApplication`) or read.
    group_row!(cmd::DELETEMSG, Either, group_members::delete_notices),
    // The admin's group calls (group_admin.rs).
    group_row!(cmd::GET_GROUP_INFO, Admin, group_admin::get_group_info),
    group_row!(cmd::SEND_GROUP_SYSTEM_NOTIFICATION, Admin, group_admin::send_group_system_notification),
];

fn table() -> &'static HashMap<&'static str, &'static Command> {
    static TABLE: OnceLock<HashMap<&'static str, &'static Command>> = OnceLock::new();
    TABLE.get_or_init(|| COMMANDS.iter().map(|c| (c.servcmd, c)).collect())
}

/// The row of `servcmd` (after the community alias).
pub fn command(servcmd: &str) -> Option<&'static Command> {
    table().get(&*topics::alias(servcmd)).copied()
}

/// Run one command in `cx`. `None` means "no reply" (fire-and-forget commands).
pub fn dispatch(cx: &Cx<'_>, who: &Who, servcmd: &str, body: &Value) -> Option<Value> {
    // A community's group commands come as `million_group_open_http_svc.*`: the same handlers.
    let servcmd = &*topics::alias(servcmd);
    let row = table().get(servcmd).copied();
    if let Some(row) = row.filter(|r| r.auth == Auth::Admin && !who.is_admin()) {
        return Some(fail(code::REST_ADMIN_REQUIRED, format!("{} needs the app admin", row.servcmd)).into());
    }
    if row.is_none_or(|r| !r.topic_ids) {
        if let Some(refused) = topics::refuse_topic_id(servcmd, body) {
            return Some(refused);
        }
    }
    match row {
        Some(row) => (row.run)(cx, who, body),
        None => Some(fail(code::REST_UNKNOWN_COMMAND, format!("command not served: {servcmd}")).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_one_row() {
        let mut seen = std::collections::HashSet::new();
        for c in COMMANDS {
            assert!(seen.insert(c.servcmd), "{} has two rows", c.servcmd);
            assert!(c.servcmd.contains('.'), "{} is not service.command", c.servcmd);
        }
        assert_eq!(table().len(), COMMANDS.len());
    }

    #[test]
    fn community_aliases_reach_group_rows() {
        let row = command("million_group_open_http_svc.send_group_msg").expect("aliased");
        assert_eq!(row.servcmd, cmd::SEND_GROUP_MSG);
        assert_eq!(command(cmd::CREATE_TOPIC).map(|c| c.servcmd), Some(cmd::CREATE_TOPIC));
        assert!(command("group_open_http_svc.no_such_command").is_none());
    }

    #[test]
    fn admin_rows_are_the_documented_admin_only_commands() {
        let mut admin: Vec<&str> = COMMANDS.iter().filter(|c| c.auth == Auth::Admin).map(|c| c.servcmd).collect();
        admin.sort_unstable();
        let mut want = vec![
            cmd::ACCOUNT_IMPORT,
            cmd::KICK,
            online::QUERY_ONLINE_STATUS,
            cmd::PROFILE_FIELD_ADD,
            cmd::PROFILE_FIELD_GET,
            cmd::GET_GROUP_INFO,
            cmd::SEND_GROUP_SYSTEM_NOTIFICATION,
        ];
        want.sort_unstable();
        assert_eq!(admin, want);
    }
}

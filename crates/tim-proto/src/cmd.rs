//! The command table: every `service.command` used by the Web SDK that this project serves, each
//! defined once, with the body types both sides use (WIRE.md §3, §4, §6).
//!
//! Body structs use the exact wire key names (PascalCase and the odd ones WIRE.md lists).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::msg::{C2cMsg, MsgElem};

macro_rules! servcmds {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        $( $(#[$doc])* pub const $name: &str = $value; )*
        /// Every servcmd in this table.
        pub const ALL: &[&str] = &[$($value),*];
    };
}

servcmds! {
    /// Keep-alive, at open and after 10 s without inbound frames.
    HEARTBEAT_ALIVE = "heartbeat.alive";
    /// Login (first with identifier+usersig, on reconnect with a2+tinyid).
    WSLOGIN = "im_open_status.wslogin";
    /// Logout.
    WSLOGOUT = "im_open_status.wslogout";
    /// Hello every `HelloInterval` seconds; a 1002 reply kicks.
    WSHELLO = "im_open_status.wshello";
    /// Push envelope for every `EventArray` push.
    MSG_PUSH = "im_open_push.msg_push";
    /// Kick-out push envelope.
    STAT_FORCEOFFLINE = "im_open_status.stat_forceoffline";
    /// Ack of a push with `NeedAck`.
    MSG_PUSH_ACK = "openim.ws_msg_push_ack";
    /// C2C sync.
    GETMSG = "openim.getmsg";
    /// Old rich-media auth key.
    AUTHKEY = "openim.authkey";
    /// C2C send.
    SENDMSG = "openim.sendmsg";
    /// C2C history.
    GETROAMMSG = "openim.getroammsg";
    /// C2C peer read time.
    GET_PEER_READ_TIME = "openim.get_peer_read_time";
    /// C2C read report.
    MSGREADED = "openim.msgreaded";
    /// C2C mute settings (login).
    GET_C2C_PEER_MUTE_NOTIFICATIONS = "openim.get_c2c_peer_mute_notifications";
    /// Conversation list.
    PAGE_GET = "recentcontact.page_get";
    /// Conversation groups and marks.
    GET_CONTACT_GROUP = "recentcontact.get_contact_group";
    /// Delete conversations (`deleteConversation`).
    BATCH_DELETE = "recentcontact.batch_delete";
    /// Pin or unpin conversations (`pinConversation`).
    TOP = "recentcontact.top";
    /// Conversation marks and custom data (`markConversation`, `setConversationCustomData`).
    MARK_CONTACT = "recentcontact.mark_contact";
    /// Create a conversation group.
    CREATE_CONTACT_GROUP = "recentcontact.create_contact_group";
    /// Delete conversation groups.
    DEL_CONTACT_GROUP = "recentcontact.del_contact_group";
    /// Rename a conversation group, add or remove its conversations.
    UPDATE_CONTACT_GROUP = "recentcontact.update_contact_group";
    /// Mark every conversation read (`setAllMessageRead`).
    READ_ALL_UNREAD_MSG = "openim.read_all_unread_msg";
    /// REST: the conversation list of `From_Account` (a thin mapping of `page_get`).
    REST_RECENTCONTACT_GET_LIST = "recentcontact.get_list";
    /// REST: delete one conversation of `From_Account` (a thin mapping of `batch_delete`).
    REST_RECENTCONTACT_DELETE = "recentcontact.delete";
    /// Profiles (`getMyProfile`, `getUserProfile`, member nicks; WIRE.md §4.10).
    PORTRAIT_GET_ALL = "profile.portrait_get_all";
    /// Profile update (`updateMyProfile`; REST: any account's, by the admin).
    PORTRAIT_SET = "profile.portrait_set";
    /// REST: profiles of `To_Account` (a list), optionally only the tags of `TagList`.
    PORTRAIT_GET = "profile.portrait_get";
    /// REST (admin, ours): register custom profile fields `Tag_Profile_Custom_*` of the app.
    PROFILE_FIELD_ADD = "profile.custom_field_add";
    /// REST (admin, ours): the app's registered custom profile fields.
    PROFILE_FIELD_GET = "profile.custom_field_get";
    /// Blocklist.
    BLACK_LIST_GET = "sns.black_list_get";
    /// Friends.
    FRIEND_GET = "sns.friend_get";
    /// Friend groups.
    SNS_GROUP_GET = "sns.group_get";
    /// Friend applications.
    PENDENCY_GET = "sns.pendency_get";
    /// Joined groups.
    GET_JOINED_GROUP_LIST = "group_open_http_svc.get_joined_group_list";
    /// Joined communities.
    MILLION_GET_JOINED_GROUP_LIST = "million_group_open_http_svc.get_joined_group_list";
    /// Create a group (WIRE.md §4.9).
    CREATE_GROUP = "group_open_http_svc.create_group";
    /// Group profiles and my membership.
    GET_GROUP_SELF_MEMBER_INFO = "group_open_http_svc.get_group_self_member_info";
    /// Public profiles of groups by ID (`searchGroupByID`).
    GET_GROUP_PUBLIC_INFO = "group_open_http_svc.get_group_public_info";
    /// Join a group.
    APPLY_JOIN_GROUP = "group_open_http_svc.apply_join_group";
    /// Leave a group.
    QUIT_GROUP = "group_open_http_svc.quit_group";
    /// Dismiss a group.
    DESTROY_GROUP = "group_open_http_svc.destroy_group";
    /// Add members.
    ADD_GROUP_MEMBER = "group_open_http_svc.add_group_member";
    /// Remove members.
    DELETE_GROUP_MEMBER = "group_open_http_svc.delete_group_member";
    /// Member list.
    GET_GROUP_MEMBER_INFO = "group_open_http_svc.get_group_member_info";
    /// Update the group profile.
    MODIFY_GROUP_BASE_INFO = "group_open_http_svc.modify_group_base_info";
    /// Group send (WIRE.md §4.2).
    SEND_GROUP_MSG = "group_open_http_svc.send_group_msg";
    /// Group history (WIRE.md §4.5).
    GROUP_MSG_GET = "group_open_http_svc.group_msg_get";
    /// Group read report (WIRE.md §4.7).
    GROUP_MSG_READ_REPORT = "group_open_http_svc.msg_read_report";
    /// Transfer the ownership (`changeGroupOwner`).
    CHANGE_GROUP_OWNER = "group_open_http_svc.change_group_owner";
    /// Approve or reject a join application (`handleGroupApplication`).
    HANDLE_APPLY_JOIN_GROUP = "group_open_http_svc.handle_apply_join_group";
    /// Pending join applications the caller may handle (`getGroupApplicationList`).
    GET_GROUP_PENDENCY = "group_open_http_svc.get_pendency";
    /// Change one member: role, mute, name card, custom fields, `MsgFlag`.
    MODIFY_GROUP_MEMBER_INFO = "group_open_http_svc.modify_group_member_info";
    /// Profiles of named members (`getGroupMemberProfile`).
    GET_SPECIFIED_GROUP_MEMBER_INFO = "group_open_http_svc.get_specified_group_member_info";
    /// Set, increase or decrease group counters.
    UPDATE_GROUP_COUNTER = "group_open_http_svc.update_group_counter";
    /// Read group counters.
    GET_GROUP_COUNTER = "group_open_http_svc.get_group_counter";
    /// REST: mute members (`Members_Account`, `MuteTime`).
    FORBID_SEND_MSG = "group_open_http_svc.forbid_send_msg";
    /// REST: full profiles of groups, with their members (`GroupIdList`).
    GET_GROUP_INFO = "group_open_http_svc.get_group_info";
    /// REST: a custom system notice (ReportType 255) to some or all members.
    SEND_GROUP_SYSTEM_NOTIFICATION = "group_open_http_svc.send_group_system_notification";
    /// Delete read group system notices / @-tips (`DelMsgList:[{From_Account, MsgSeq, MsgRandom}]`).
    DELETEMSG = "openim.deletemsg";
    /// AVChatRoom online member count (`getGroupOnlineMemberCount`).
    GET_ONLINE_MEMBER_NUM = "group_open_http_svc.get_online_member_num";
    /// AVChatRoom recent member list (`getGroupMemberList` on an AVChatRoom).
    AVCHATROOM_GET_MEMBERS = "group_open_avchatroom_http_svc.get_members";
    /// Mark or unmark AVChatRoom members (`markGroupMemberList`).
    AVCHATROOM_MODIFY_USER_INFO = "group_open_avchatroom_http_svc.modify_user_info";
    /// Remove AVChatRoom members with a ban (`deleteGroupMember` with `duration`).
    BAN_GROUP_MEMBER = "group_open_http_svc.ban_group_member";
    /// REST: lift AVChatRoom bans.
    UNBAN_GROUP_MEMBER = "group_open_http_svc.unban_group_member";
    /// REST: the banned members of an AVChatRoom.
    GET_GROUP_BAN_MEMBER = "group_open_http_svc.get_group_ban_member";
    /// 2.x: the recall notices of one group since a time (`NotifyType` 1), asked after login
    /// and reconnects to catch recalls that happened while the SDK was away.
    GET_GROUP_NOTIFY = "group_open_http_svc.get_group_notify";
    /// 3.x: [`GET_GROUP_NOTIFY`] for several groups (`NotifyReqList`).
    BATCH_GET_GROUP_NOTIFY = "group_open_http_svc.batch_get_group_notify";
    /// Replace all group attributes (`initGroupAttributes`).
    SET_GROUP_ATTR = "group_open_http_svc.set_group_attr";
    /// Upsert group attributes (`setGroupAttributes`).
    MODIFY_GROUP_ATTR = "group_open_http_svc.modify_group_attr";
    /// Delete group attributes by key (`deleteGroupAttributes` with keys).
    DELETE_GROUP_ATTR = "group_open_http_svc.delete_group_attr";
    /// Delete all group attributes (`deleteGroupAttributes` with no keys).
    CLEAR_GROUP_ATTR = "group_open_http_svc.clear_group_attr";
    /// Read group attributes (`getGroupAttributes`).
    GET_GROUP_ATTR = "group_open_attr_http_svc.get_group_attr";
    /// Create a topic in a community.
    CREATE_TOPIC = "million_group_open_http_svc.create_topic";
    /// Delete topics (an empty or missing `TopicIdList` deletes all).
    DESTROY_TOPIC = "million_group_open_http_svc.destroy_topic";
    /// Update a topic profile.
    MODIFY_TOPIC = "million_group_open_http_svc.modify_topic";
    /// List topics.
    GET_TOPIC = "million_group_open_http_svc.get_topic";
    /// Cloud config.
    FETCH_CONFIG = "im_sdk_config_mgr.fetch_config";
    /// Purchase bits.
    FETCH_PURCHASE_BITS = "im_sdk_config_mgr.fetch_imsdk_purchase_bitsv2";
    /// Telemetry (anonymous).
    TIM_WEB_REPORT = "imopenstat.tim_web_report_v2";
    /// Upload signature: upload and download URL of a new file (WIRE.md §4.13).
    COS_PRE_SIG = "im_cos_msg.pre_sig";
    /// REST: import an account.
    ACCOUNT_IMPORT = "im_open_login_svc.account_import";
    /// REST: kick a user.
    KICK = "im_open_login_svc.kick";
}

/// Push servcmd of a frame telling this instance that the same user logged in elsewhere
/// (`StatSvc.KickOther`): the SDK logs in again and resyncs. Not a request, so not in [`ALL`].
pub const STAT_KICK_OTHER: &str = "StatSvc.KickOther";

/// The client-side timeout of a command in milliseconds (WIRE.md §1.3).
pub fn timeout_ms(servcmd: &str) -> u64 {
    match servcmd {
        HEARTBEAT_ALIVE => 3_000,
        WSLOGIN => 90_000,
        _ => 15_000,
    }
}

/// `ActionStatus`/`ErrorCode`/`ErrorInfo`, carried by every reply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// `"OK"` or `"FAIL"` (never read by the SDK).
    #[serde(rename = "ActionStatus", default)]
    pub action_status: String,
    /// 0 = success; the only field that decides.
    #[serde(rename = "ErrorCode", default)]
    pub error_code: i64,
    /// Human-readable error text.
    #[serde(rename = "ErrorInfo", default)]
    pub error_info: String,
}

impl Status {
    /// Success.
    pub fn ok() -> Self {
        Status { action_status: "OK".into(), error_code: 0, error_info: String::new() }
    }
    /// Failure with a code and text.
    pub fn fail(code: i64, info: impl Into<String>) -> Self {
        Status { action_status: "FAIL".into(), error_code: code, error_info: info.into() }
    }
    /// This status as a reply body (`{ActionStatus, ErrorCode, ErrorInfo}`).
    pub fn body(&self) -> Value {
        serde_json::json!({"ActionStatus": self.action_status, "ErrorCode": self.error_code, "ErrorInfo": self.error_info})
    }
    /// The status of a reply body (missing `ErrorCode` counts as success, WIRE.md §2.5).
    pub fn of(body: &Value) -> Self {
        Status {
            action_status: body["ActionStatus"].as_str().unwrap_or("OK").to_string(),
            error_code: body["ErrorCode"].as_i64().unwrap_or(0),
            error_info: body["ErrorInfo"].as_str().unwrap_or("").to_string(),
        }
    }
}

/// `wslogin` request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WsLoginReq {
    /// `"Online"`.
    #[serde(rename = "State")]
    pub state: String,
    /// 0 on the web.
    pub is_web_uniapp: u32,
    /// 0.
    #[serde(rename = "InstType")]
    pub inst_type: u32,
}

impl Default for WsLoginReq {
    fn default() -> Self {
        WsLoginReq { state: "Online".into(), is_web_uniapp: 0, inst_type: 0 }
    }
}

/// `wslogin` reply body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WsLoginRep {
    /// Status.
    #[serde(flatten)]
    pub status: Status,
    /// The login ticket.
    #[serde(rename = "A2Key", default)]
    pub a2_key: String,
    /// The user's numeric ID, as a string.
    #[serde(rename = "TinyId", default)]
    pub tiny_id: String,
    /// Instance number.
    #[serde(rename = "InstId", default)]
    pub inst_id: u64,
    /// Seconds between `wshello`.
    #[serde(rename = "HelloInterval", default)]
    pub hello_interval: u64,
    /// Server time (seconds).
    #[serde(rename = "TimeStamp", default)]
    pub time_stamp: u64,
}

/// `wslogout` request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WsLogoutReq {
    /// 0 = user logout, 1 = after a kick.
    pub wslogout_type: u32,
}

/// `openim.sendmsg` request body (WIRE.md §4.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SendMsgReq {
    /// Sender.
    #[serde(rename = "From_Account", default)]
    pub from_account: String,
    /// Receiver.
    #[serde(rename = "To_Account", default)]
    pub to_account: String,
    /// Client sequence.
    #[serde(rename = "MsgSeq", default)]
    pub msg_seq: u64,
    /// Random.
    #[serde(rename = "MsgRandom", default)]
    pub msg_random: u64,
    /// Elements.
    #[serde(rename = "MsgBody", default)]
    pub msg_body: Vec<MsgElem>,
    /// App data.
    #[serde(rename = "CloudCustomData", default)]
    pub cloud_custom_data: String,
    /// Sender nick at send time.
    #[serde(rename = "From_AccountNick", default, skip_serializing_if = "Option::is_none")]
    pub from_account_nick: Option<String>,
    /// Sender avatar at send time.
    #[serde(rename = "From_AccountHeadurl", default, skip_serializing_if = "Option::is_none")]
    pub from_account_headurl: Option<String>,
    /// `0` = online-only; absent = stored.
    #[serde(rename = "MsgLifeTime", default, skip_serializing_if = "Option::is_none")]
    pub msg_life_time: Option<u64>,
    /// Offline push info, relayed as is.
    #[serde(rename = "OfflinePushInfo", default, skip_serializing_if = "Option::is_none")]
    pub offline_push_info: Option<Value>,
    /// `NoUnread`, `NoLastMsg`, `NoMsgCheck`.
    #[serde(rename = "SendMsgControl", default, skip_serializing_if = "Option::is_none")]
    pub send_msg_control: Option<Vec<String>>,
    /// Client time at creation.
    #[serde(rename = "MsgClientTime", default)]
    pub msg_client_time: u64,
    /// Read receipt wanted.
    #[serde(rename = "IsNeedReadReceipt", default, skip_serializing_if = "Option::is_none")]
    pub is_need_read_receipt: Option<u32>,
    /// Extensions enabled.
    #[serde(rename = "SupportMessageExtension", default, skip_serializing_if = "Option::is_none")]
    pub support_message_extension: Option<u32>,
    /// REST only: 1 = sync to the sender's other instances, 2 = do not (Tencent's REST docs).
    #[serde(rename = "SyncOtherMachine", default, skip_serializing_if = "Option::is_none")]
    pub sync_other_machine: Option<u32>,
}

/// `openim.sendmsg` reply body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SendMsgRep {
    /// Status.
    #[serde(flatten)]
    pub status: Status,
    /// Server time of the message.
    #[serde(rename = "MsgTime", default)]
    pub msg_time: u64,
    /// `seq_random_time`.
    #[serde(rename = "MsgKey", default)]
    pub msg_key: String,
}

/// `openim.getmsg` request body (WIRE.md §4.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetMsgReq {
    /// Cursor from the previous reply.
    #[serde(rename = "Cookie", default)]
    pub cookie: String,
    /// Previous `SyncFlag`.
    #[serde(rename = "SyncFlag", default)]
    pub sync_flag: u32,
    /// 1.
    #[serde(rename = "NeedAbstract", default)]
    pub need_abstract: u32,
    /// 1 after a `Flag:1` push.
    #[serde(rename = "IsOnlineSync", default)]
    pub is_online_sync: u32,
    /// 1.
    #[serde(rename = "NeedSignaling", default)]
    pub need_signaling: u32,
}

impl Default for GetMsgReq {
    fn default() -> Self {
        GetMsgReq { cookie: String::new(), sync_flag: 0, need_abstract: 1, is_online_sync: 0, need_signaling: 1 }
    }
}

/// One `C2CPairUnreadCount` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PairUnread {
    /// Peer.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// Authoritative unread count.
    #[serde(rename = "UnreadCount")]
    pub unread_count: u64,
}

/// `openim.getmsg` reply body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetMsgRep {
    /// Status.
    #[serde(flatten)]
    pub status: Status,
    /// New cursor; empty stops the loop.
    #[serde(rename = "Cookie", default)]
    pub cookie: String,
    /// 0/1 more, 2 done.
    #[serde(rename = "SyncFlag", default)]
    pub sync_flag: u32,
    /// Messages in both directions, natural addresses.
    #[serde(rename = "MsgList", default)]
    pub msg_list: Vec<C2cMsg>,
    /// Unread per peer.
    #[serde(rename = "C2CPairUnreadCount", default)]
    pub c2c_pair_unread_count: Vec<PairUnread>,
}

/// `openim.getroammsg` request body (WIRE.md §4.4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetRoamMsgReq {
    /// Peer.
    #[serde(rename = "Peer_Account", default)]
    pub peer_account: String,
    /// Page size.
    #[serde(rename = "MaxCnt", default)]
    pub max_cnt: u32,
    /// Cursor time (0 = newest).
    #[serde(rename = "LastMsgTime", default)]
    pub last_msg_time: u64,
    /// Cursor key ("" = newest).
    #[serde(rename = "MsgKey", default)]
    pub msg_key: String,
    /// 1.
    #[serde(rename = "WithRecalledMsg", default)]
    pub with_recalled_msg: u32,
    /// 0 = older, 1 = newer.
    #[serde(rename = "GetDirection", default)]
    pub get_direction: u32,
}

/// `openim.getroammsg` reply body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetRoamMsgRep {
    /// Status.
    #[serde(flatten)]
    pub status: Status,
    /// 1 = no older messages.
    #[serde(rename = "Complete", default)]
    pub complete: u32,
    /// Oldest first.
    #[serde(rename = "MsgList", default)]
    pub msg_list: Vec<C2cMsg>,
    /// Cursor of the oldest returned message.
    #[serde(rename = "LastMsgTime", default)]
    pub last_msg_time: u64,
    /// Cursor of the oldest returned message.
    #[serde(rename = "MsgKey", default)]
    pub msg_key: String,
    /// Number of messages.
    #[serde(rename = "MsgCnt", default)]
    pub msg_cnt: u32,
}

/// `recentcontact.page_get` request body (WIRE.md §4.6).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageGetReq {
    /// Self.
    #[serde(rename = "From_Account", default)]
    pub from_account: String,
    /// Cursor (incremental resync time).
    #[serde(rename = "TimeStamp", default)]
    pub time_stamp: u64,
    /// Cursor.
    #[serde(rename = "StartIndex", default)]
    pub start_index: u64,
    /// Pinned cursor.
    #[serde(rename = "TopTimeStamp", default)]
    pub top_time_stamp: u64,
    /// Pinned cursor.
    #[serde(rename = "TopStartIndex", default)]
    pub top_start_index: u64,
    /// 1.
    #[serde(rename = "OrderType", default)]
    pub order_type: u32,
    /// 4 (2.x).
    #[serde(rename = "MsgAssistFlags", default)]
    pub msg_assist_flags: u32,
    /// 15 (2.x).
    #[serde(rename = "AssistFlags", default)]
    pub assist_flags: u32,
}

/// A C2C conversation item of `page_get` (`Type: 1`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionItem {
    /// 1 = C2C.
    #[serde(rename = "Type")]
    pub kind: u32,
    /// Peer.
    #[serde(rename = "To_Account")]
    pub to_account: String,
    /// Last message time.
    #[serde(rename = "MsgTime")]
    pub msg_time: u64,
    /// Last message sequence.
    #[serde(rename = "MsgSeq")]
    pub msg_seq: u64,
    /// Last message random.
    #[serde(rename = "MsgRandom")]
    pub msg_random: u64,
    /// Sender of the last message.
    #[serde(rename = "LastC2CMsgFromAccount")]
    pub last_c2c_msg_from_account: String,
    /// `{MsgBody, CloudCustomData}`.
    #[serde(rename = "LastMsg")]
    pub last_msg: Value,
    /// 8 = recalled.
    #[serde(rename = "LastMsgFlags", default)]
    pub last_msg_flags: u32,
    /// Peer read time.
    #[serde(rename = "C2cPeerReadTime", default)]
    pub c2c_peer_read_time: u64,
    /// 1 = pinned.
    #[serde(rename = "TopFlags", default)]
    pub top_flags: u32,
    /// Peer nick.
    #[serde(rename = "C2cNick", default)]
    pub c2c_nick: String,
    /// Peer avatar.
    #[serde(rename = "C2cImage", default)]
    pub c2c_image: String,
}

/// `recentcontact.page_get` reply body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageGetRep {
    /// Status.
    #[serde(flatten)]
    pub status: Status,
    /// Items (C2C items only at this stage; group items are `Value`s later).
    #[serde(rename = "SessionItem", default)]
    pub session_item: Vec<SessionItem>,
    /// 1 on the last page.
    #[serde(rename = "CompleteFlag", default)]
    pub complete_flag: u32,
    /// Cursor.
    #[serde(rename = "TimeStamp", default)]
    pub time_stamp: u64,
    /// Cursor.
    #[serde(rename = "StartIndex", default)]
    pub start_index: u64,
    /// Cursor.
    #[serde(rename = "TopTimeStamp", default)]
    pub top_time_stamp: u64,
    /// Cursor.
    #[serde(rename = "TopStartIndex", default)]
    pub top_start_index: u64,
}

/// One item of a C2C read report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct C2cMsgReadedItem {
    /// Peer whose messages were read.
    #[serde(rename = "To_Account")]
    pub to_account: String,
    /// Time of the newest message read (sic).
    #[serde(rename = "LastedMsgTime")]
    pub lasted_msg_time: u64,
    /// 1 = tell the peer.
    #[serde(rename = "Receipt", default)]
    pub receipt: u32,
}

/// `C2CMsgReaded` of `openim.msgreaded`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct C2cMsgReaded {
    /// "".
    #[serde(rename = "Cookie", default)]
    pub cookie: String,
    /// Items.
    #[serde(rename = "C2CMsgReadedItem", default)]
    pub items: Vec<C2cMsgReadedItem>,
}

/// `openim.msgreaded` request body (WIRE.md §4.7).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MsgReadedReq {
    /// The report.
    #[serde(rename = "C2CMsgReaded")]
    pub c2c_msg_readed: C2cMsgReaded,
}

/// Push event numbers (WIRE.md §5.2).
pub mod event {
    /// `C2cMsgArray`.
    pub const C2C_MSG: u32 = 1;
    /// `C2cNotifyMsgArray`.
    pub const C2C_NOTIFY: u32 = 9;
    /// `GroupMsgArray`.
    pub const GROUP_MSG: u32 = 3;
    /// `GroupTips`: group tips.
    pub const GROUP_TIP: u32 = 4;
    /// `GroupTips`: group system notices and control items.
    pub const GROUP_SYSTEM: u32 = 5;
    /// `GroupTips`: online-only items (group counters, attributes), never stored.
    pub const GROUP_ONLINE: u32 = 6;
    /// `GroupTips`: an @-tip (someone @-mentioned me or @all) for a group message.
    pub const GROUP_AT: u32 = 12;
    /// `RecentContactMod`: conversation deleted / pinned / marked / conversation groups changed.
    pub const RECENT_CONTACT: u32 = 11;
    /// `C2CReadAllMsg` (+ `GroupReadInfoArray`): everything read on another device.
    pub const READ_ALL: u32 = 14;
    /// `ProfileDataMod`: a profile changed.
    pub const PROFILE: u32 = 8;
}

/// `KickType` values (WIRE.md §1.4).
pub mod kick {
    /// Same account on another web instance.
    pub const MULTIPLE_ACCOUNT: u32 = 1;
    /// Another device.
    pub const MULTIPLE_DEVICE: u32 = 2;
    /// REST API kick.
    pub const REST_API: u32 = 3;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn servcmds_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for c in ALL {
            assert!(seen.insert(*c), "duplicate servcmd {c}");
            assert!(c.split_once('.').is_some_and(|(s, m)| !s.is_empty() && !m.is_empty()));
        }
    }

    #[test]
    fn sendmsg_body_uses_wire_names() {
        let req = SendMsgReq {
            from_account: "a".into(),
            to_account: "b".into(),
            msg_seq: 1,
            msg_random: 2,
            ..Default::default()
        };
        let v = serde_json::to_value(&req).unwrap();
        for k in ["From_Account", "To_Account", "MsgSeq", "MsgRandom", "MsgBody", "CloudCustomData", "MsgClientTime"] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
        assert!(v.get("MsgLifeTime").is_none());
        let rep: SendMsgRep = serde_json::from_str(r#"{"ErrorCode":0,"MsgTime":5,"MsgKey":"1_2_5"}"#).unwrap();
        assert_eq!((rep.status.error_code, rep.msg_time, rep.msg_key.as_str()), (0, 5, "1_2_5"));
    }

    #[test]
    fn status_of_missing_code_is_success() {
        assert_eq!(Status::of(&serde_json::json!({})).error_code, 0);
        assert_eq!(Status::of(&serde_json::json!({"ErrorCode":70001,"ErrorInfo":"x"})).error_code, 70001);
    }
}

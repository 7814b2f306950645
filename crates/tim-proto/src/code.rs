//! Error and result codes (ERROR-CODES.md, CONSTANTS.md §12). Server codes pass through the SDK
//! unchanged; SDK-side codes never come from the server.

/// Success.
pub const OK: i64 = 0;
/// The instance was kicked (`wshello` reply, with `KickType`).
pub const HELLO_ANSWER_KICKED_OUT: i64 = 1002;
/// No SDKAppID given.
pub const NO_SDKAPPID: i64 = 2000;
/// No userID given to `login`.
pub const NO_IDENTIFIER: i64 = 2002;
/// No userSig given to `login`.
pub const NO_USERSIG: i64 = 2003;
/// The login reply had no TinyId.
pub const NO_TINYID: i64 = 2022;
/// The login reply had no A2 key.
pub const NO_A2KEY: i64 = 2023;
/// Not logged in (also after logout).
pub const USER_NOT_LOGGED_IN: i64 = 2024;
/// `login` again with the same user.
pub const REPEAT_LOGIN: i64 = 2025;
/// Sending failed.
pub const MESSAGE_SEND_FAIL: i64 = 2100;
/// `sendMessage` was not given a Message created by this SDK.
pub const MESSAGE_SEND_NEED_MESSAGE_INSTANCE: i64 = 2105;
/// Unsupported conversation type for sending.
pub const MESSAGE_SEND_INVALID_CONVERSATION_TYPE: i64 = 2106;
/// Unknown conversation.
pub const CONVERSATION_NOT_FOUND: i64 = 2500;
/// Malformed conversation ID.
pub const INVALID_CONVERSATION_ID: i64 = 2503;
/// SDK: `ILLEGAL_GROUP_TYPE`, an unknown group type.
pub const ILLEGAL_GROUP_TYPE: i64 = 2600;
/// SDK: `CANNOT_JOIN_WORK`, Work groups are joined by invitation only.
pub const CANNOT_JOIN_WORK: i64 = 2601;
/// SDK: `ILLEGAL_GROUP_ID`.
pub const ILLEGAL_GROUP_ID: i64 = 2602;
/// SDK: `CANNOT_CHANGE_OWNER_IN_AVCHATROOM`.
pub const CANNOT_CHANGE_OWNER_IN_AVCHATROOM: i64 = 2620;
/// SDK: `CANNOT_CHANGE_OWNER_TO_SELF`.
pub const CANNOT_CHANGE_OWNER_TO_SELF: i64 = 2621;
/// SDK: `CANNOT_DISMISS_WORK`.
pub const CANNOT_DISMISS_WORK: i64 = 2622;
/// SDK: `MEMBER_NOT_IN_GROUP`, the group is not in the joined-group list.
pub const MEMBER_NOT_IN_GROUP: i64 = 2623;
/// SDK: `CANNOT_ADD_MEMBER_IN_AVCHATROOM`.
pub const CANNOT_ADD_MEMBER_IN_AVCHATROOM: i64 = 2661;
/// SDK: `NOT_OWNER`, only the owner may do this.
pub const NOT_OWNER: i64 = 2681;
/// SDK: `CANNOT_SET_MEMBER_ROLE_IN_WORK_AND_AVCHATROOM`.
pub const CANNOT_SET_MEMBER_ROLE_IN_WORK_AND_AVCHATROOM: i64 = 2682;
/// SDK: `INVALID_MEMBER_ROLE`.
pub const INVALID_MEMBER_ROLE: i64 = 2683;
/// SDK: `CANNOT_SET_SELF_MEMBER_ROLE`.
pub const CANNOT_SET_SELF_MEMBER_ROLE: i64 = 2684;
/// SDK: `CANNOT_MUTE_SELF`.
pub const CANNOT_MUTE_SELF: i64 = 2685;
/// SDK: `UPDATE_PROFILE_INVALID_PARAM`, `updateMyProfile` options of the wrong type or value.
pub const UPDATE_PROFILE_INVALID_PARAM: i64 = 2721;
/// SDK: `UPDATE_PROFILE_NO_KEY`, `updateMyProfile` with nothing to change.
pub const UPDATE_PROFILE_NO_KEY: i64 = 2722;
/// Network error.
pub const NETWORK_ERROR: i64 = 2800;
/// A request timed out.
pub const NETWORK_TIMEOUT: i64 = 2801;
/// Operation not allowed in this state.
pub const INVALID_OPERATION: i64 = 2905;
/// Unknown servcmd.
pub const CANNOT_FIND_PROTOCOL: i64 = 2997;
/// SDK not ready.
pub const SDK_IS_NOT_READY: i64 = 2999;
/// Login in progress.
pub const LOGGING_IN: i64 = 3000;
/// Login failed.
pub const LOGIN_FAILED: i64 = 3001;
/// Kicked: another device.
pub const KICKED_OUT_MULT_DEVICE: i64 = 3002;
/// Kicked: another web instance of the same account.
pub const KICKED_OUT_MULT_ACCOUNT: i64 = 3003;
/// Kicked: userSig expired.
pub const KICKED_OUT_USERSIG_EXPIRED: i64 = 3004;
/// Logged out.
pub const LOGGED_OUT: i64 = 3005;
/// Kicked by the REST API.
pub const KICKED_OUT_REST_API: i64 = 3006;
/// Sender blocked by the receiver.
pub const BLOCKED_BY_PEER: i64 = 20007;
/// Message (or A2 key) expired: treated as a kick by the SDK.
pub const MESSAGE_A2KEY_EXPIRED: i64 = 20002;
/// Fatal heartbeat error: the SDK stops reconnecting.
pub const FATAL_HEARTBEAT: i64 = 60002;
/// userSig (or A2) expired or invalid.
pub const ACCOUNT_USERSIG_EXPIRED: i64 = 70001;
/// REST: the body is not valid JSON or misses required fields.
pub const REST_INVALID_JSON: i64 = 90001;
/// REST: the request's SDKAppID is unknown.
pub const REST_INVALID_SDKAPPID: i64 = 70003;
/// REST: the admin userSig or identifier is not accepted.
pub const REST_INVALID_ADMIN: i64 = 70009;
/// REST: account not found.
pub const ACCOUNT_NOT_FOUND: i64 = 70107;
/// REST: the command is not served.
pub const REST_UNKNOWN_COMMAND: i64 = 80002;
/// Message body invalid (empty, too large, bad element).
pub const MSG_BODY_INVALID: i64 = 90002;
/// Receiver account does not exist.
pub const TO_ACCOUNT_NOT_FOUND: i64 = 20003;
/// Message too long.
pub const MSG_TOO_LONG: i64 = 90005;
/// The request is not allowed for this caller, e.g. `From_Account` is not the logged-in user.
pub const INVALID_REQUEST: i64 = 20001;
/// REST: the identifier is not the app's admin.
pub const REST_ADMIN_REQUIRED: i64 = 90009;
/// A required field is missing or has the wrong type (e.g. `UserID`, `To_Account`).
pub const MISSING_FIELD: i64 = 90003;
/// The conversation group does not exist.
pub const CONV_GROUP_NOT_FOUND: i64 = 51009;
/// More than 20 conversation groups.
pub const CONV_GROUP_LIMIT: i64 = 51010;
/// A conversation-group name of 0 or more than 32 bytes, or one already in use.
pub const CONV_GROUP_NAME_INVALID: i64 = 51011;
/// The request could not be parsed (`ERR_SVR_MSG_PKG_PARSE_FAILED`, same value as
/// [`INVALID_REQUEST`]): a frame head field of the wrong type, or JSON the server cannot read.
pub const PKG_PARSE_FAILED: i64 = 20001;
/// REST: the app's REST calls exceed the configured rate (`ERR_SVR_COMM_REST_FREQ_LIMIT`).
pub const REST_FREQ_LIMIT: i64 = 60007;
/// A user's requests exceed the configured rate (`ERR_SVR_COMM_REQ_FREQ_LIMIT`).
pub const REQ_FREQ_LIMIT: i64 = 60018;
/// Too many logins from one address (`ERR_SVR_ACCOUNT_FREQ_LIMIT`); retry later.
pub const ACCOUNT_FREQ_LIMIT: i64 = 70050;
/// Too many accounts created (`ERR_SVR_ACCOUNT_COUNT_LIMIT`): here, by one user naming unknown
/// identifiers (auto-import).
pub const ACCOUNT_COUNT_LIMIT: i64 = 70398;
/// Invalid parameter of an account request (`ERR_SVR_ACCOUNT_INVALID_PARAMETERS`): an
/// identifier that breaks the UserID rules, an over-long nick or avatar URL.
pub const ACCOUNT_INVALID_PARAMETERS: i64 = 70402;
/// Internal server error (storage failure); retry later.
pub const INTERNAL_ERROR: i64 = 90994;

// Group server codes, from Tencent's published server error list (B-conversations-groups.md
// §6.2, "Server codes from Tencent's published error list"; A1 §error codes).

/// `ERR_SVR_GROUP_INVALID_PARAMETERS`: bad group parameters (type, name, IDs).
pub const GROUP_INVALID_PARAMETERS: i64 = 10004;
/// `ERR_SVR_GROUP_PERMISSION_DENY`: no permission in the group (not a member, not owner/admin,
/// join refused).
pub const GROUP_PERMISSION_DENY: i64 = 10007;
/// Operation rate limited (Tencent 10006): a group's message rate, the AVChatRoom member list
/// more than once per 3 s.
pub const GROUP_RATE_LIMITED: i64 = 10006;
/// The owner may not leave this group (Tencent 10009).
pub const GROUP_OWNER_CANNOT_QUIT: i64 = 10009;
/// `ERR_SVR_GROUP_NOT_FOUND`: the group does not exist or was dismissed.
pub const GROUP_NOT_FOUND: i64 = 10010;
/// The user is already a member (Tencent 10013).
pub const GROUP_ALREADY_MEMBER: i64 = 10013;
/// The group is full (Tencent 10014).
pub const GROUP_FULL: i64 = 10014;
/// The user is in as many groups as one user may join (Tencent 10037).
pub const GROUP_USER_LIMIT: i64 = 10037;
/// The sender is muted, or the whole group is (Tencent 10017).
pub const GROUP_MEMBER_MUTED: i64 = 10017;
/// A user account in the request does not exist (Tencent 10019).
pub const GROUP_ACCOUNT_NOT_FOUND: i64 = 10019;
/// The group ID is already in use (Tencent 10021).
pub const GROUP_ID_IN_USE: i64 = 10021;
/// The application or invitation was already handled (Tencent 10024).
pub const GROUP_REQUEST_HANDLED: i64 = 10024;

// AVChatRoom and community codes (B-conversations-groups.md §4.13, §4.15, §6).

/// Group attribute API on a group that is not an AVChatRoom.
pub const GROUP_ATTR_NOT_AVCHATROOM: i64 = 2641;
/// Group attribute API before joining the AVChatRoom.
pub const GROUP_ATTR_NOT_JOINED: i64 = 2642;
/// Group attribute writes over the server limit (5 per second per user).
pub const GROUP_ATTR_RATE_LIMITED: i64 = 10049;
/// Group attribute key does not exist.
pub const GROUP_ATTR_KEY_NOT_FOUND: i64 = 10050;
/// Group attribute write conflict: refresh with `getGroupAttributes` and retry.
pub const GROUP_ATTR_CONFLICT: i64 = 10056;

// Profile server codes (Tencent's REST `portrait_get` / `portrait_set` and server error list:
// `ERR_SVR_PROFILE_*`).

/// `ERR_SVR_PROFILE_INVALID_PARAMETERS`: bad request (not a list, too many users, bad tag).
pub const PROFILE_INVALID_PARAMETERS: i64 = 40001;
/// `ERR_SVR_PROFILE_ACCOUNT_NOT_FOUND`: the account does not exist.
pub const PROFILE_ACCOUNT_NOT_FOUND: i64 = 40003;
/// `ERR_SVR_PROFILE_ADMIN_REQUIRED`: only the app admin may act for another account.
pub const PROFILE_ADMIN_REQUIRED: i64 = 40004;
/// `ERR_SVR_PROFILE_WRITE_PERMISSION_REQUIRED`: the field is not writable by this caller.
pub const PROFILE_WRITE_PERMISSION_REQUIRED: i64 = 40008;
/// `ERR_SVR_PROFILE_TAG_NOT_FOUND`: unknown tag (or a custom field that is not registered).
pub const PROFILE_TAG_NOT_FOUND: i64 = 40009;
/// `ERR_SVR_PROFILE_SIZE_LIMIT`: a value longer than 500 bytes.
pub const PROFILE_SIZE_LIMIT: i64 = 40601;
/// `ERR_SVR_PROFILE_VALUE_ERROR`: a standard field's value is not one it allows.
pub const PROFILE_VALUE_ERROR: i64 = 40605;
/// `ERR_SVR_PROFILE_INVALID_VALUE_FORMAT`: a value of the wrong type (string for number…).
pub const PROFILE_INVALID_VALUE_FORMAT: i64 = 40610;

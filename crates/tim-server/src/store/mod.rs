//! Storage behind the [`Store`] trait, with two implementations: [`SqliteStore`] (the default,
//! one file, no services) and [`PgStore`] (PostgreSQL, shared by several server processes).
//! [`open`] picks one from the configuration.
//!
//! The trait is synchronous: callers run it on a blocking thread (the WebSocket gateway
//! dispatches each frame with `spawn_blocking`). Both backends migrate their schema at start-up
//! (table `schema_migrations`, one row per applied step) and keep the same logical schema; see
//! `docs/server.md` ("Storage") for the ordering guarantees of each.

mod postgres;
mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::config::{Config, Storage};
use std::sync::Arc;

/// Open the storage the configuration selects (`storage`, `data_dir`, `postgres_url`), and
/// migrate its schema.
pub fn open(config: &Config) -> StoreResult<Arc<dyn Store>> {
    Ok(match config.storage {
        Storage::Sqlite => Arc::new(SqliteStore::open_dir(&config.data_dir)?),
        Storage::Postgres => {
            let url = config.postgres_url.as_deref().filter(|u| !u.is_empty()).ok_or_else(|| {
                StoreError::Pool("storage = \"postgres\" needs postgres_url (or TIM_POSTGRES_URL)".into())
            })?;
            Arc::new(PgStore::connect(url, config.postgres_pool_size)?)
        }
    })
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    /// PostgreSQL reported an error.
    #[error("postgres error: {0}")]
    Pg(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had (pool, runtime, configuration).
    #[error("postgres: {0}")]
    Pool(String),
    /// The data directory could not be created.
    #[error("cannot create data directory: {0}")]
    Io(#[from] std::io::Error),
}

/// Result of a storage call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A persisted app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// SDKAppID.
    pub sdkappid: u64,
    /// Secret key.
    pub secret_key: String,
    /// Admin identifier.
    pub admin: String,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// App.
    pub sdkappid: u64,
    /// UserID.
    pub user_id: String,
    /// Numeric user ID (sent as a string on the wire).
    pub tiny_id: u64,
    /// Nick.
    pub nick: String,
    /// Avatar URL.
    pub face_url: String,
    /// Creation time (seconds).
    pub created: u64,
}

/// A C2C message as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredMsg {
    /// Row id (0 for a message that is not stored, e.g. online-only).
    pub id: i64,
    /// App.
    pub sdkappid: u64,
    /// Sender.
    pub from: String,
    /// Receiver.
    pub to: String,
    /// Client sequence.
    pub msg_seq: u64,
    /// Client random.
    pub msg_random: u64,
    /// Server time (seconds).
    pub msg_time: u64,
    /// Client time (seconds).
    pub client_time: u64,
    /// Sender TinyId.
    pub from_tiny_id: u64,
    /// `MsgBody` as JSON text.
    pub body: String,
    /// `CloudCustomData`.
    pub cloud_custom_data: String,
    /// Sender nick at send time.
    pub nick: String,
    /// Sender avatar at send time.
    pub headurl: String,
    /// `MsgFlagBits`.
    pub flags: u32,
}

/// Outcome of [`Store::store_c2c`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// Stored now.
    New(StoredMsg),
    /// A resend: the message stored the first time.
    Duplicate(StoredMsg),
}

/// How a stored C2C message is fanned out into streams and conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fanout {
    /// Also append to the sender's stream and update the sender's conversation.
    pub sync_sender: bool,
    /// Count the message as unread for the receiver.
    pub count_unread: bool,
    /// Update the conversations' last message.
    pub update_last: bool,
}

/// A conversation of `owner` with `peer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Owner.
    pub owner: String,
    /// Peer.
    pub peer: String,
    /// Last message.
    pub last: Option<StoredMsg>,
    /// Unread messages from the peer.
    pub unread: u64,
    /// Time up to which the owner read the peer's messages.
    pub read_time: u64,
    /// Time up to which the peer read the owner's messages.
    pub peer_read_time: u64,
}

/// An A2 login ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The key.
    pub a2: String,
    /// App.
    pub sdkappid: u64,
    /// User.
    pub user_id: String,
    /// User's TinyId.
    pub tiny_id: u64,
    /// Instance number given at login.
    pub inst_id: u64,
    /// Expiry (seconds), taken from the userSig.
    pub expires: u64,
    /// Revoked by logout or kick.
    pub revoked: bool,
}

/// The message columns both backends select, in the order their `msg_from_row` reads them.
pub(crate) const MSG_COLS: &str = "m.id, m.sdkappid, m.from_user, m.to_user, m.msg_seq, m.msg_random, m.msg_time, \
     m.client_time, m.from_tiny_id, m.body, m.cloud_custom_data, m.nick, m.headurl, m.flags";

/// Persistent state of the server.
pub trait Store: GroupStore + RoomStore + NoticeStore + ConvStore + ProfileStore + Send + Sync {
    /// All persisted apps.
    fn apps(&self) -> StoreResult<Vec<App>>;
    /// Insert or update an app.
    fn put_app(&self, app: &App) -> StoreResult<()>;
    /// One account.
    fn account(&self, sdkappid: u64, user: &str) -> StoreResult<Option<Account>>;
    /// Create the account if missing (keeping an existing one unchanged).
    fn ensure_account(&self, sdkappid: u64, user: &str, now: u64) -> StoreResult<Account>;
    /// Create the account or update its nick and avatar (REST `account_import`).
    fn import_account(&self, sdkappid: u64, user: &str, nick: &str, face_url: &str, now: u64) -> StoreResult<Account>;
    /// Store a C2C message once (dedup on sdkappid/from/to/seq/random), append it to the
    /// users' sync streams and update both conversations, in one transaction.
    fn store_c2c(&self, msg: &StoredMsg, fanout: Fanout) -> StoreResult<Inserted>;
    /// Entries of `user`'s stream after position `after`, oldest first, at most `limit`.
    fn stream_after(&self, sdkappid: u64, user: &str, after: i64, limit: usize) -> StoreResult<Vec<(i64, StoredMsg)>>;
    /// The position of `user`'s last stream entry (0 when the stream is empty).
    fn stream_end(&self, sdkappid: u64, user: &str) -> StoreResult<i64>;
    /// What a new device of `user` has not seen: entries after position `after` and up to `upto`
    /// in conversations with unread messages, from the second of the user's read time of that
    /// conversation on (read times are seconds: a message of that second may have come after the
    /// read), both directions, so each conversation's part is a contiguous tail; oldest first, at
    /// most `limit`.
    fn stream_unread_after(
        &self,
        sdkappid: u64,
        user: &str,
        after: i64,
        upto: i64,
        limit: usize,
    ) -> StoreResult<Vec<(i64, StoredMsg)>>;
    /// Messages between `user` and `peer` older than `before` (`(time, id)`), newest first.
    fn history(
        &self,
        sdkappid: u64,
        user: &str,
        peer: &str,
        before: Option<(u64, i64)>,
        limit: usize,
    ) -> StoreResult<Vec<StoredMsg>>;
    /// Messages between `user` and `peer` newer than `after` (`(time, id)`), oldest first.
    fn history_after(
        &self,
        sdkappid: u64,
        user: &str,
        peer: &str,
        after: (u64, i64),
        limit: usize,
    ) -> StoreResult<Vec<StoredMsg>>;
    /// The message between `a` and `b` (either direction) with this seq/random/time.
    fn find_c2c(
        &self,
        sdkappid: u64,
        a: &str,
        b: &str,
        seq: u64,
        random: u64,
        time: u64,
    ) -> StoreResult<Option<StoredMsg>>;
    /// The owner's conversations, most recent first.
    fn conversations(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<Conversation>>;
    /// Mark the peer's messages up to `up_to` as read by `owner`; returns the new read time.
    fn mark_read(&self, sdkappid: u64, owner: &str, peer: &str, up_to: u64) -> StoreResult<u64>;
    /// The time up to which `owner` read `peer`'s messages.
    fn read_time(&self, sdkappid: u64, owner: &str, peer: &str) -> StoreResult<u64>;
    /// Persist a ticket.
    fn put_ticket(&self, t: &Ticket) -> StoreResult<()>;
    /// Look up a ticket.
    fn ticket(&self, a2: &str) -> StoreResult<Option<Ticket>>;
    /// Revoke a ticket.
    fn revoke_ticket(&self, a2: &str) -> StoreResult<()>;
    /// Revoke every ticket of a user.
    fn revoke_user_tickets(&self, sdkappid: u64, user: &str) -> StoreResult<()>;
}

/// Base of the TinyIds handed out (Tencent's TinyIds are around this value).
pub const TINY_ID_BASE: u64 = 144_115_200_000_000_000;

pub(crate) fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(crate) fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A group as stored (WIRE.md §4.9). The editable profile travels as JSON text in `info` (the
/// store does not look inside it), so new profile fields need no migration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// App.
    pub sdkappid: u64,
    /// `GroupId` (`@TGS#…`).
    pub group_id: String,
    /// Wire type: `Private`, `Public`, `ChatRoom`, `AVChatRoom`, `Community`.
    pub kind: String,
    /// `Owner_Account`.
    pub owner: String,
    /// Creation time (seconds).
    pub create_time: u64,
    /// Sequence the next message or tip gets (dense, from 1).
    pub next_msg_seq: u64,
    /// Time of the last message or tip.
    pub last_msg_time: u64,
    /// Profile version, +1 per profile change.
    pub info_seq: u64,
    /// Time of the last profile change.
    pub last_info_time: u64,
    /// Members (computed).
    pub member_num: u64,
    /// The editable profile as JSON text.
    pub info: String,
}

/// A group member as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    /// The member.
    pub user: String,
    /// `Owner`, `Admin` or `Member`.
    pub role: String,
    /// Join time (seconds).
    pub join_time: u64,
    /// Read sequence (`SelfInfo.MsgSeq`).
    pub read_seq: u64,
    /// `MsgFlag`.
    pub msg_flag: String,
    /// `NameCard`.
    pub name_card: String,
    /// Muted until this time (seconds; 0 = not muted).
    pub mute_until: u64,
    /// `AppMemberDefinedData` as JSON text (`[{"Key","Value"}]`).
    pub custom_data: String,
    /// The group's last sequence when the member joined (set by the store on insert; the
    /// history a new member of a Work or Public group may not see, B-conversations-groups.md
    /// §4.1).
    pub join_seq: u64,
}

/// Fields of a member to change ([`GroupStore::update_member`]); `None` keeps the value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberUpdate {
    /// New role.
    pub role: Option<String>,
    /// New mute end (seconds; 0 = unmuted).
    pub mute_until: Option<u64>,
    /// New name card.
    pub name_card: Option<String>,
    /// New custom fields (JSON text).
    pub custom_data: Option<String>,
    /// New `MsgFlag`.
    pub msg_flag: Option<String>,
}

/// A request to join a group that needs approval (B-conversations-groups.md §4.4, §4.6).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Application {
    /// Row id (`Authentication` on the wire).
    pub id: i64,
    /// App.
    pub sdkappid: u64,
    /// Group.
    pub group_id: String,
    /// Applicant.
    pub applicant: String,
    /// `ApplyMsg`.
    pub apply_msg: String,
    /// `UserDefinedField` of the request.
    pub user_defined_field: String,
    /// Time of the (latest) request, seconds.
    pub apply_time: u64,
    /// `Pending`, `Agreed` or `Rejected`.
    pub state: String,
    /// Who handled it.
    pub handler: String,
    /// Time it was handled.
    pub handle_time: u64,
}

/// How [`GroupStore::update_counters`] combines a value with the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterMode {
    /// Replace.
    Set,
    /// Add (a missing key starts at 0).
    Increase,
    /// Subtract (a missing key starts at 0).
    Decrease,
}

/// Largest magnitude of a group counter (JavaScript's safe integers); results are clamped.
pub const COUNTER_LIMIT: i64 = 9_007_199_254_740_991;

/// A group message or tip as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupMsg {
    /// Row id.
    pub id: i64,
    /// App.
    pub sdkappid: u64,
    /// Group.
    pub group_id: String,
    /// Group sequence (assigned by [`Store::store_group_msg`]).
    pub msg_seq: u64,
    /// Sender (operator for tips).
    pub from: String,
    /// `Random`.
    pub random: u64,
    /// `ClientSeq` (0 for tips).
    pub client_seq: u64,
    /// Server time (seconds).
    pub msg_time: u64,
    /// `MsgClientTime`.
    pub client_time: u64,
    /// Sender TinyId (0 for tips).
    pub from_tiny_id: u64,
    /// `MsgBody` as JSON text: an element array, or the tip object for tips.
    pub body: String,
    /// `CloudCustomData`.
    pub cloud_custom_data: String,
    /// Sender nick at send time.
    pub nick: String,
    /// Sender avatar at send time.
    pub headurl: String,
    /// Other wire fields kept verbatim (JSON object text: `GroupAtInfo`, `MsgPriority`, …).
    pub extra: String,
    /// 0 = message, 4 = group tip (`Event 4`).
    pub event: u32,
    /// `MsgFlagBits`.
    pub flags: u32,
}

/// Outcome of [`Store::store_group_msg`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupInserted {
    /// Stored now, with its new sequence.
    New(GroupMsg),
    /// A resend (same From/GroupId/Random/ClientSeq): the message stored the first time.
    Duplicate(GroupMsg),
    /// The group does not exist.
    NoGroup,
}

/// Group storage (both backends).
pub trait GroupStore: Send + Sync {
    /// Create a group with its first members; `false` if the id is taken.
    fn create_group(&self, g: &Group, members: &[Member]) -> StoreResult<bool>;
    /// One group, with its member count.
    fn group(&self, sdkappid: u64, group_id: &str) -> StoreResult<Option<Group>>;
    /// Replace the profile JSON; bumps `info_seq`.
    fn save_group_info(&self, sdkappid: u64, group_id: &str, info: &str, now: u64) -> StoreResult<()>;
    /// Delete the group, its members and messages; `false` if it did not exist.
    fn destroy_group(&self, sdkappid: u64, group_id: &str) -> StoreResult<bool>;
    /// Every member, in join order.
    fn members(&self, sdkappid: u64, group_id: &str) -> StoreResult<Vec<Member>>;
    /// One member.
    fn member(&self, sdkappid: u64, group_id: &str, user: &str) -> StoreResult<Option<Member>>;
    /// Add members; returns the users that were not members before.
    fn add_members(&self, sdkappid: u64, group_id: &str, members: &[Member]) -> StoreResult<Vec<String>>;
    /// Remove members; returns the users that were members.
    fn remove_members(&self, sdkappid: u64, group_id: &str, users: &[String]) -> StoreResult<Vec<String>>;
    /// The groups `user` is a member of, with the membership, oldest join first.
    fn joined_groups(&self, sdkappid: u64, user: &str) -> StoreResult<Vec<(Group, Member)>>;
    /// Store a message or tip with the group's next sequence, in one transaction (sequences are
    /// dense and unique across processes); messages (`event` 0) are deduplicated on
    /// From/GroupId/Random/ClientSeq.
    fn store_group_msg(&self, msg: &GroupMsg) -> StoreResult<GroupInserted>;
    /// Messages with `msg_seq <= max_seq`, highest first, at most `limit`.
    fn group_msgs(&self, sdkappid: u64, group_id: &str, max_seq: u64, limit: usize) -> StoreResult<Vec<GroupMsg>>;
    /// Raise the member's read sequence to `seq` (never lowers it); returns the new value.
    fn set_group_read(&self, sdkappid: u64, group_id: &str, user: &str, seq: u64) -> StoreResult<u64>;
    /// Messages and tips after `after_seq` not sent by `user`.
    fn group_unread(&self, sdkappid: u64, group_id: &str, user: &str, after_seq: u64) -> StoreResult<u64>;
    /// Add members unless the group would then have more than `max` members (0 = no limit), in
    /// one transaction; `None` if it would. Returns the users that were not members before.
    fn add_members_capped(
        &self,
        sdkappid: u64,
        group_id: &str,
        members: &[Member],
        max: u64,
    ) -> StoreResult<Option<Vec<String>>>;
    /// Change fields of one member; `false` if `user` is not a member.
    fn update_member(&self, sdkappid: u64, group_id: &str, user: &str, update: &MemberUpdate) -> StoreResult<bool>;
    /// Make `new_owner` (a member) the owner and the old owner an ordinary member, bumping
    /// `info_seq`, in one transaction; `false` if `new_owner` is not a member.
    fn change_owner(&self, sdkappid: u64, group_id: &str, new_owner: &str, now: u64) -> StoreResult<bool>;
    /// Record a pending application; an applicant's newer request replaces their pending one
    /// (same id). Returns it as stored.
    fn put_application(&self, app: &Application) -> StoreResult<Application>;
    /// The applicant's latest application to the group.
    fn application(&self, sdkappid: u64, group_id: &str, applicant: &str) -> StoreResult<Option<Application>>;
    /// Settle the applicant's pending application (atomically: only one caller wins); `None`
    /// if none was pending.
    fn settle_application(
        &self,
        sdkappid: u64,
        group_id: &str,
        applicant: &str,
        state: &str,
        handler: &str,
        now: u64,
    ) -> StoreResult<Option<Application>>;
    /// Pending applications to the groups `handler` owns or administers, oldest first.
    fn pending_applications(&self, sdkappid: u64, handler: &str) -> StoreResult<Vec<Application>>;
    /// Apply `items` to the group's counters atomically per key; returns their new values.
    fn update_counters(
        &self,
        sdkappid: u64,
        group_id: &str,
        mode: CounterMode,
        items: &[(String, i64)],
    ) -> StoreResult<Vec<(String, i64)>>;
    /// Every counter of the group, by key.
    fn counters(&self, sdkappid: u64, group_id: &str) -> StoreResult<Vec<(String, i64)>>;
}

/// The group message columns both backends select, in the order `gmsg_from_row` reads them.
pub(crate) const GMSG_COLS: &str = "id, sdkappid, group_id, msg_seq, from_user, random, client_seq, msg_time, \
     client_time, from_tiny_id, body, cloud_custom_data, nick, headurl, extra, event, flags";

/// The group columns both backends select (then the member count).
pub(crate) const GROUP_COLS: &str = "g.sdkappid, g.group_id, g.kind, g.owner, g.create_time, g.next_msg_seq, \
     g.last_msg_time, g.info_seq, g.last_info_time, g.info, \
     (SELECT COUNT(*) FROM group_members x WHERE x.sdkappid = g.sdkappid AND x.group_id = g.group_id)";

/// The member columns both backends select.
pub(crate) const MEMBER_COLS: &str =
    "m.user_id, m.role, m.join_time, m.read_seq, m.msg_flag, m.name_card, m.mute_until, m.custom_data, m.join_seq";

/// Migration step 8, the same text on both backends: each member's join point (the group's last
/// sequence when they joined; members from before it see the whole history).
pub(crate) const JOIN_SEQ_SCHEMA: &str = r#"
ALTER TABLE group_members ADD COLUMN join_seq BIGINT NOT NULL DEFAULT 0;
"#;

/// The application columns both backends select, in the order their `app_from_row` reads them.
pub(crate) const APP_COLS: &str = "a.id, a.sdkappid, a.group_id, a.applicant, a.apply_msg, a.user_defined_field, \
     a.apply_time, a.state, a.handler, a.handle_time";

/// Migration step 3, the same text on both backends: member mute and custom fields, join
/// applications (one pending row per applicant, by a partial unique index), group counters.
pub(crate) fn group_members_schema(id_col: &str) -> String {
    format!(
        r#"
ALTER TABLE group_members ADD COLUMN mute_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN custom_data TEXT NOT NULL DEFAULT '[]';
CREATE TABLE group_applications (
    id                  {id_col},
    sdkappid            BIGINT NOT NULL,
    group_id            TEXT NOT NULL,
    applicant           TEXT NOT NULL,
    apply_msg           TEXT NOT NULL DEFAULT '',
    user_defined_field  TEXT NOT NULL DEFAULT '',
    apply_time          BIGINT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'Pending',
    handler             TEXT NOT NULL DEFAULT '',
    handle_time         BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX group_applications_pending ON group_applications (sdkappid, group_id, applicant)
    WHERE state = 'Pending';
CREATE INDEX group_applications_group ON group_applications (sdkappid, group_id, applicant, id);
CREATE TABLE group_counters (
    sdkappid    BIGINT NOT NULL,
    group_id    TEXT NOT NULL,
    ckey        TEXT NOT NULL,
    value       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sdkappid, group_id, ckey)
);
"#
    )
}

/// The group schema, the same text on both backends (`BIGINT` ids; each backend adds its own id
/// column type).
pub(crate) fn group_schema(id_col: &str) -> String {
    format!(
        r#"
CREATE TABLE tim_groups (
    sdkappid        BIGINT NOT NULL,
    group_id        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    owner           TEXT NOT NULL,
    create_time     BIGINT NOT NULL,
    next_msg_seq    BIGINT NOT NULL DEFAULT 1,
    last_msg_time   BIGINT NOT NULL DEFAULT 0,
    info_seq        BIGINT NOT NULL DEFAULT 1,
    last_info_time  BIGINT NOT NULL DEFAULT 0,
    info            TEXT NOT NULL DEFAULT '{{}}',
    PRIMARY KEY (sdkappid, group_id)
);
CREATE TABLE group_members (
    seq         {id_col},
    sdkappid    BIGINT NOT NULL,
    group_id    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    role        TEXT NOT NULL,
    join_time   BIGINT NOT NULL,
    read_seq    BIGINT NOT NULL DEFAULT 0,
    msg_flag    TEXT NOT NULL DEFAULT 'AcceptAndNotify',
    name_card   TEXT NOT NULL DEFAULT '',
    UNIQUE (sdkappid, group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (sdkappid, user_id);
CREATE TABLE group_msgs (
    id              {id_col},
    sdkappid        BIGINT NOT NULL,
    group_id        TEXT NOT NULL,
    msg_seq         BIGINT NOT NULL,
    from_user       TEXT NOT NULL,
    random          BIGINT NOT NULL,
    client_seq      BIGINT NOT NULL,
    msg_time        BIGINT NOT NULL,
    client_time     BIGINT NOT NULL,
    from_tiny_id    BIGINT NOT NULL,
    body            TEXT NOT NULL,
    cloud_custom_data TEXT NOT NULL DEFAULT '',
    nick            TEXT NOT NULL DEFAULT '',
    headurl         TEXT NOT NULL DEFAULT '',
    extra           TEXT NOT NULL DEFAULT '{{}}',
    event           BIGINT NOT NULL DEFAULT 0,
    flags           BIGINT NOT NULL DEFAULT 0,
    UNIQUE (sdkappid, group_id, msg_seq)
);
CREATE INDEX group_msgs_dedup ON group_msgs (sdkappid, group_id, from_user, random, client_seq);
"#
    )
}

/// Storage of AVChatRoom bans and attributes and of community topics' read positions (the
/// topics themselves are `tim_groups` rows of kind `Topic`, so their sequences, history and
/// profile use [`GroupStore`]).
pub trait RoomStore: Send + Sync {
    /// Take the group's next sequence without storing a message (AVChatRoom messages and tips
    /// are not kept); `None` if the group does not exist.
    fn bump_group_seq(&self, sdkappid: u64, group_id: &str, now: u64) -> StoreResult<Option<u64>>;
    /// Until when (seconds) `user` is banned from the room; 0 when not banned.
    fn room_ban(&self, sdkappid: u64, group_id: &str, user: &str) -> StoreResult<u64>;
    /// Ban `user` until `until` (seconds), or lift the ban (`until` 0); returns whether a ban
    /// existed before.
    fn set_room_ban(&self, sdkappid: u64, group_id: &str, user: &str, until: u64) -> StoreResult<bool>;
    /// The room's bans that end after `now`: (user, until), by user.
    fn room_bans(&self, sdkappid: u64, group_id: &str, now: u64) -> StoreResult<Vec<(String, u64)>>;
    /// The attribute map (JSON text) and its main sequence; `(0, "{}")` when none was written.
    fn group_attrs(&self, sdkappid: u64, group_id: &str) -> StoreResult<(u64, String)>;
    /// Replace the attribute map if its main sequence is still `expected` (0: none written yet);
    /// returns false when another write came first.
    fn cas_group_attrs(
        &self,
        sdkappid: u64,
        group_id: &str,
        expected: u64,
        new_seq: u64,
        attrs: &str,
    ) -> StoreResult<bool>;
    /// The topics of a community (kind `Topic`, ID `<community>@TOPIC#_…`), oldest first.
    fn topics(&self, sdkappid: u64, community: &str) -> StoreResult<Vec<Group>>;
    /// The member's read sequence in a topic (0 when never read).
    fn topic_read(&self, sdkappid: u64, topic_id: &str, user: &str) -> StoreResult<u64>;
    /// Raise the member's read sequence in a topic (never lowers it); returns the new value.
    fn set_topic_read(&self, sdkappid: u64, topic_id: &str, user: &str, seq: u64) -> StoreResult<u64>;
    /// Until when (seconds) the member is muted in a topic; 0 when never muted there.
    fn topic_mute(&self, sdkappid: u64, topic_id: &str, user: &str) -> StoreResult<u64>;
    /// Mute the member in a topic until `until` (seconds), or unmute (`until` 0); the read
    /// position is kept.
    fn set_topic_mute(&self, sdkappid: u64, topic_id: &str, user: &str, until: u64) -> StoreResult<()>;
    /// Forget a dismissed group's (or topic's) bans, attributes and read positions.
    fn clear_room_state(&self, sdkappid: u64, group_id: &str) -> StoreResult<()>;
}

/// The schema of [`RoomStore`], the same text on both backends.
pub(crate) const ROOMS_SCHEMA: &str = r#"
CREATE TABLE room_bans (
    sdkappid    BIGINT NOT NULL,
    group_id    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    until       BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, group_id, user_id)
);
CREATE TABLE group_attrs (
    sdkappid    BIGINT NOT NULL,
    group_id    TEXT NOT NULL,
    main_seq    BIGINT NOT NULL,
    attrs       TEXT NOT NULL,
    PRIMARY KEY (sdkappid, group_id)
);
CREATE TABLE topic_reads (
    sdkappid    BIGINT NOT NULL,
    topic_id    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    read_seq    BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, topic_id, user_id)
);
"#;

/// Migration step 6, the same text on both backends: per-topic member mutes, next to the read
/// position of the (topic, member) pair.
pub(crate) const TOPIC_MUTES_SCHEMA: &str = r#"
ALTER TABLE topic_reads ADD COLUMN mute_until BIGINT NOT NULL DEFAULT 0;
"#;

/// Group system notices kept for each recipient, so an offline user receives them at login
/// (`openim.getmsg` `EventArray`, WIRE.md §4.3) and a new device sees them in `@TIM#SYSTEM`.
pub trait NoticeStore: Send + Sync {
    /// Keep notice items (`(user, JSON text)`), all in one transaction: a notice to every member
    /// of a large group is one write, not one per member.
    fn store_notices(&self, sdkappid: u64, items: &[(String, String)], now: u64) -> StoreResult<()>;
    /// `user`'s notices after position `after`, oldest first, at most `limit`.
    fn notices_after(&self, sdkappid: u64, user: &str, after: i64, limit: usize) -> StoreResult<Vec<(i64, String)>>;
    /// Forget these notices of `user` (by position); returns how many went.
    fn delete_notices(&self, sdkappid: u64, user: &str, ids: &[i64]) -> StoreResult<usize>;
}

/// The schema of [`NoticeStore`] (`id_col` as in [`group_schema`]).
pub(crate) fn notices_schema(id_col: &str) -> String {
    format!(
        r#"
CREATE TABLE user_notices (
    id          {id_col},
    sdkappid    BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    item        TEXT NOT NULL,
    created     BIGINT NOT NULL
);
CREATE INDEX user_notices_by_user ON user_notices (sdkappid, user_id, id);
"#
    )
}

/// The `conv_state` columns, in the order both backends' row mappings read them.
pub(crate) const STATE_COLS: &str = "kind, peer, order_key, pinned, marks, custom_data, del_point";

/// One user's state of one conversation (B-conversations-groups.md §3): pin, marks, custom data
/// and the deletion point. A conversation without a row has the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConvState {
    /// 1 = C2C (`peer` a user), 2 = group or topic (`peer` its ID).
    pub kind: u8,
    /// The peer user or the group/topic ID.
    pub peer: String,
    /// Pin bump: the conversation's order key is at least this.
    pub order_key: u64,
    /// Pinned (`TopFlags` 1).
    pub pinned: bool,
    /// Mark bits (`StandardMark`).
    pub marks: u64,
    /// `CustomMark` (setConversationCustomData).
    pub custom_data: String,
    /// Deletion point: the last C2C message id, or the last group sequence, the owner deleted;
    /// history up to it is hidden from the owner, and the conversation is listed again only when
    /// a later message arrives (0 = never deleted).
    pub del_point: i64,
}

/// Per-user conversation state and conversation groups (`recentcontact.*`).
pub trait ConvStore: Send + Sync {
    /// Every state row of `owner`.
    fn conv_states(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<ConvState>>;
    /// One state row (defaults when none).
    fn conv_state(&self, sdkappid: u64, owner: &str, kind: u8, peer: &str) -> StoreResult<ConvState>;
    /// Insert or replace a state row.
    fn put_conv_state(&self, sdkappid: u64, owner: &str, state: &ConvState) -> StoreResult<()>;
    /// `owner`'s conversation groups `(id, name)`, by id.
    fn conv_groups(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<(u64, String)>>;
    /// Create a conversation group; `None` if the name is taken.
    fn add_conv_group(&self, sdkappid: u64, owner: &str, name: &str) -> StoreResult<Option<u64>>;
    /// Rename a group; false if it does not exist or the new name is taken.
    fn rename_conv_group(&self, sdkappid: u64, owner: &str, id: u64, name: &str) -> StoreResult<bool>;
    /// Delete a group and its memberships (the conversations stay).
    fn delete_conv_group(&self, sdkappid: u64, owner: &str, id: u64) -> StoreResult<()>;
    /// Every membership of `owner`'s groups: `(group id, kind, peer)`.
    fn conv_group_members(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<(u64, u8, String)>>;
    /// Add (`member`) or remove a conversation from a group; returns whether anything changed.
    fn set_conv_group_member(
        &self,
        sdkappid: u64,
        owner: &str,
        id: u64,
        kind: u8,
        peer: &str,
        member: bool,
    ) -> StoreResult<bool>;
}

/// The schema of [`ConvStore`], the same text on both backends.
pub(crate) const CONVS_SCHEMA: &str = r#"
CREATE TABLE conv_state (
    sdkappid    BIGINT NOT NULL,
    owner       TEXT NOT NULL,
    kind        BIGINT NOT NULL,
    peer        TEXT NOT NULL,
    order_key   BIGINT NOT NULL DEFAULT 0,
    pinned      BIGINT NOT NULL DEFAULT 0,
    marks       BIGINT NOT NULL DEFAULT 0,
    custom_data TEXT NOT NULL DEFAULT '',
    del_point   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sdkappid, owner, kind, peer)
);
CREATE TABLE conv_groups (
    sdkappid    BIGINT NOT NULL,
    owner       TEXT NOT NULL,
    group_id    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (sdkappid, owner, group_id),
    UNIQUE (sdkappid, owner, name)
);
CREATE TABLE conv_group_members (
    sdkappid    BIGINT NOT NULL,
    owner       TEXT NOT NULL,
    group_id    BIGINT NOT NULL,
    kind        BIGINT NOT NULL,
    peer        TEXT NOT NULL,
    PRIMARY KEY (sdkappid, owner, group_id, kind, peer)
);
"#;

/// Mark bits travel as `BIGINT` (the same 64 bits).
pub(crate) fn marks_to_db(m: u64) -> i64 {
    i64::from_ne_bytes(m.to_ne_bytes())
}

/// See [`marks_to_db`].
pub(crate) fn marks_from_db(m: i64) -> u64 {
    u64::from_ne_bytes(m.to_ne_bytes())
}

/// A user's profile as stored: nick and avatar in their `accounts` columns (where sendmsg and
/// member lists read them), every other field that was ever set in `profile`, a JSON object
/// `{tag: value}` (standard `Tag_Profile_IM_*` tags and registered `Tag_Profile_Custom_*` ones).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// UserID.
    pub user_id: String,
    /// `Tag_Profile_IM_Nick`.
    pub nick: String,
    /// `Tag_Profile_IM_Image`.
    pub face_url: String,
    /// The other fields that were set.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Last change (seconds; 0 = never changed through the profile API).
    pub updated: u64,
}

/// A change to a profile: `None` leaves a column as it is; `fields` are merged by tag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileUpdate {
    /// New nick.
    pub nick: Option<String>,
    /// New avatar URL.
    pub face_url: Option<String>,
    /// Other fields to set.
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// Outcome of [`ProfileStore::add_profile_field`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldAdded {
    /// Registered now.
    Added,
    /// Already registered, with this type.
    Exists(String),
    /// The app has as many custom fields as it may.
    Full,
}

/// User profiles and the app's registry of custom profile fields (`profile.*`).
pub trait ProfileStore: Send + Sync {
    /// The profiles of those of `users` that have an account (any order).
    fn profiles(&self, sdkappid: u64, users: &[String]) -> StoreResult<Vec<Profile>>;
    /// Apply `update` to `user`'s profile (one transaction) and return it; `None` when the
    /// account does not exist.
    fn update_profile(
        &self,
        sdkappid: u64,
        user: &str,
        update: &ProfileUpdate,
        now: u64,
    ) -> StoreResult<Option<Profile>>;
    /// The app's custom fields `(tag, type)`, in registration order.
    fn profile_fields(&self, sdkappid: u64) -> StoreResult<Vec<(String, String)>>;
    /// Register a custom field unless the app has `max` already; an existing tag keeps its type.
    fn add_profile_field(&self, sdkappid: u64, tag: &str, kind: &str, max: usize, now: u64) -> StoreResult<FieldAdded>;
}

/// Migration step of [`ProfileStore`], the same text on both backends: the fields other than
/// nick and avatar (which stay where they are, so existing data is kept) and the registry.
pub(crate) const PROFILES_SCHEMA: &str = r#"
ALTER TABLE accounts ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN profile_time BIGINT NOT NULL DEFAULT 0;
CREATE TABLE profile_fields (
    sdkappid    BIGINT NOT NULL,
    tag         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    created     BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, tag)
);
"#;

/// The profile columns both backends select, in the order [`profile_of`] takes them.
pub(crate) const PROFILE_COLS: &str = "user_id, nick, face_url, profile, profile_time";

/// A [`Profile`] from its columns (an unreadable `profile` text counts as empty).
pub(crate) fn profile_of(user_id: String, nick: String, face_url: String, fields: &str, updated: i64) -> Profile {
    let fields = match serde_json::from_str::<serde_json::Value>(fields) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    Profile { user_id, nick, face_url, fields, updated: u(updated) }
}

/// The `profile` text after merging `update`'s fields into `old`.
pub(crate) fn merged_fields(old: &str, update: &ProfileUpdate) -> String {
    let mut m = match serde_json::from_str::<serde_json::Value>(old) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    for (k, v) in &update.fields {
        m.insert(k.clone(), v.clone());
    }
    serde_json::Value::Object(m).to_string()
}

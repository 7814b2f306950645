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
pub trait Store: Send + Sync {
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
    /// Messages between `user` and `peer` older than `before` (`(time, id)`), newest first.
    fn history(
        &self,
        sdkappid: u64,
        user: &str,
        peer: &str,
        before: Option<(u64, i64)>,
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

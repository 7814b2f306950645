//! SQLite storage, the default: one file in the data directory, WAL mode, one connection behind a
//! mutex. Write transactions are `IMMEDIATE`, so SQLite serialises every writer (threads and
//! processes on the same file): the autoincrement `sync_stream.id` is assigned in commit order,
//! and a reader's `id > cookie` never skips a row that commits later.

use super::*;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use std::path::Path;
use std::sync::Mutex;

mod rooms;

mod convs;

mod profiles;

impl NoticeStore for SqliteStore {
    fn store_notices(&self, sdkappid: u64, items: &[(String, String)], now: u64) -> StoreResult<()> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut q = tx.prepare_cached(
                "INSERT INTO user_notices (sdkappid, user_id, item, created) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (user, item) in items {
                q.execute(params![i(sdkappid), user, item, i(now)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn notices_after(&self, sdkappid: u64, user: &str, after: i64, limit: usize) -> StoreResult<Vec<(i64, String)>> {
        let c = self.conn();
        let mut q = c.prepare_cached(
            "SELECT id, item FROM user_notices WHERE sdkappid = ?1 AND user_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
        )?;
        let rows = q.query_map(params![i(sdkappid), user, after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_notices(&self, sdkappid: u64, user: &str, ids: &[i64]) -> StoreResult<usize> {
        let c = self.conn();
        let mut n = 0;
        for id in ids {
            n += c.execute(
                "DELETE FROM user_notices WHERE sdkappid = ?1 AND user_id = ?2 AND id = ?3",
                params![i(sdkappid), user, id],
            )?;
        }
        Ok(n)
    }
}

/// Schema migrations (step 2: groups, shared text in [`group_schema`]), applied in order, each once (`schema_migrations` records the version).
/// Step 1 is the schema of databases created before migrations existed (hence `IF NOT EXISTS`:
/// such a database is adopted as version 1). Never edit a step; append one.
fn migrations() -> Vec<String> {
    vec![
        SCHEMA_V1.to_string(),
        group_schema("INTEGER PRIMARY KEY AUTOINCREMENT"),
        group_members_schema("INTEGER PRIMARY KEY AUTOINCREMENT"),
        ROOMS_SCHEMA.to_string(),
        notices_schema("INTEGER PRIMARY KEY AUTOINCREMENT"),
        TOPIC_MUTES_SCHEMA.to_string(),
        CONVS_SCHEMA.to_string(),
        JOIN_SEQ_SCHEMA.to_string(),
        PROFILES_SCHEMA.to_string(),
    ]
}

const SCHEMA_V1: &str = r#"
CREATE TABLE IF NOT EXISTS apps (
    sdkappid    BIGINT PRIMARY KEY,
    secret_key  TEXT NOT NULL,
    admin       TEXT NOT NULL,
    created     BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS accounts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sdkappid    BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    tiny_id     BIGINT UNIQUE,
    nick        TEXT NOT NULL DEFAULT '',
    face_url    TEXT NOT NULL DEFAULT '',
    created     BIGINT NOT NULL,
    UNIQUE (sdkappid, user_id)
);
CREATE TABLE IF NOT EXISTS c2c_msgs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    sdkappid        BIGINT NOT NULL,
    from_user       TEXT NOT NULL,
    to_user         TEXT NOT NULL,
    msg_seq         BIGINT NOT NULL,
    msg_random      BIGINT NOT NULL,
    msg_time        BIGINT NOT NULL,
    client_time     BIGINT NOT NULL,
    from_tiny_id    BIGINT NOT NULL,
    body            TEXT NOT NULL,
    cloud_custom_data TEXT NOT NULL DEFAULT '',
    nick            TEXT NOT NULL DEFAULT '',
    headurl         TEXT NOT NULL DEFAULT '',
    flags           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (sdkappid, from_user, to_user, msg_seq, msg_random)
);
CREATE INDEX IF NOT EXISTS c2c_msgs_pair ON c2c_msgs (sdkappid, from_user, to_user, msg_time, id);
CREATE TABLE IF NOT EXISTS sync_stream (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sdkappid    BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    msg_id      BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_stream_user ON sync_stream (sdkappid, user_id, id);
CREATE TABLE IF NOT EXISTS conversations (
    sdkappid    BIGINT NOT NULL,
    owner       TEXT NOT NULL,
    peer        TEXT NOT NULL,
    last_msg_id BIGINT,
    last_time   BIGINT NOT NULL DEFAULT 0,
    unread      BIGINT NOT NULL DEFAULT 0,
    read_time   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sdkappid, owner, peer)
);
CREATE TABLE IF NOT EXISTS a2_tickets (
    a2          TEXT PRIMARY KEY,
    sdkappid    BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    tiny_id     BIGINT NOT NULL,
    inst_id     BIGINT NOT NULL,
    expires     BIGINT NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS a2_tickets_user ON a2_tickets (sdkappid, user_id);
"#;

fn msg_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<StoredMsg> {
    Ok(StoredMsg {
        id: r.get(at)?,
        sdkappid: u(r.get(at + 1)?),
        from: r.get(at + 2)?,
        to: r.get(at + 3)?,
        msg_seq: u(r.get(at + 4)?),
        msg_random: u(r.get(at + 5)?),
        msg_time: u(r.get(at + 6)?),
        client_time: u(r.get(at + 7)?),
        from_tiny_id: u(r.get(at + 8)?),
        body: r.get(at + 9)?,
        cloud_custom_data: r.get(at + 10)?,
        nick: r.get(at + 11)?,
        headurl: r.get(at + 12)?,
        flags: r.get(at + 13)?,
    })
}

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        sdkappid: u(r.get(0)?),
        user_id: r.get(1)?,
        tiny_id: u(r.get::<_, Option<i64>>(2)?.unwrap_or(0)),
        nick: r.get(3)?,
        face_url: r.get(4)?,
        created: u(r.get(5)?),
    })
}

fn ticket_from_row(r: &Row<'_>) -> rusqlite::Result<Ticket> {
    Ok(Ticket {
        a2: r.get(0)?,
        sdkappid: u(r.get(1)?),
        user_id: r.get(2)?,
        tiny_id: u(r.get(3)?),
        inst_id: u(r.get(4)?),
        expires: u(r.get(5)?),
        revoked: r.get::<_, i64>(6)? != 0,
    })
}

/// SQLite storage (WAL mode), one connection behind a mutex.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    // Write transactions are IMMEDIATE: they take the write lock up front, so concurrent
    // writers (another process on the same file) wait on the busy timeout instead of failing.

    /// Open (and create) `tim.sqlite3` in `data_dir`.
    pub fn open_dir(data_dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(data_dir)?;
        Self::open(&data_dir.join("tim.sqlite3"))
    }

    /// Open (and create) the database file at `path`.
    pub fn open(path: &Path) -> StoreResult<Self> {
        // SQLite answers SQLITE_BUSY at once, without the busy handler, in a few start-up races
        // (e.g. several connections switching a new file to WAL together): try again briefly.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::open_once(path) {
                Err(StoreError::Db(rusqlite::Error::SqliteFailure(e, _)))
                    if attempt < 50
                        && matches!(
                            e.code,
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                        ) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                r => return r,
            }
        }
    }

    fn open_once(path: &Path) -> StoreResult<Self> {
        let mut conn = Connection::open(path)?;
        // First, so that opening a database another process (e.g. `tim-server usersig`) or
        // another server instance holds waits instead of failing with SQLITE_BUSY.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }

    /// An in-memory database (tests).
    pub fn memory() -> StoreResult<Self> {
        let mut conn = Connection::open_in_memory()?;
        migrate(&mut conn)?;
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Apply the pending [`migrations`] in one IMMEDIATE transaction (so two processes starting at
/// once do not both apply a step).
fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied BIGINT NOT NULL)",
    )?;
    let done: i64 = tx.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    for (n, step) in migrations().iter().enumerate() {
        let version = n as i64 + 1;
        if version > done {
            tx.execute_batch(step)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied) VALUES (?1, ?2)",
                params![version, i(crate::now())],
            )?;
        }
    }
    tx.commit()
}

fn get_account(c: &Connection, sdkappid: u64, user: &str) -> rusqlite::Result<Option<Account>> {
    c.query_row(
        "SELECT sdkappid, user_id, tiny_id, nick, face_url, created FROM accounts WHERE sdkappid = ?1 AND user_id = ?2",
        params![i(sdkappid), user],
        account_from_row,
    )
    .optional()
}

fn create_account(c: &Connection, sdkappid: u64, user: &str, nick: &str, face: &str, now: u64) -> rusqlite::Result<()> {
    let id: i64 = c.query_row(
        "INSERT INTO accounts (sdkappid, user_id, nick, face_url, created) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        params![i(sdkappid), user, nick, face, i(now)],
        |r| r.get(0),
    )?;
    c.execute("UPDATE accounts SET tiny_id = ?1 WHERE id = ?2", params![i(TINY_ID_BASE + u(id)), id])?;
    Ok(())
}

fn append_stream(c: &Connection, sdkappid: u64, user: &str, msg_id: i64) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO sync_stream (sdkappid, user_id, msg_id) VALUES (?1, ?2, ?3)",
        params![i(sdkappid), user, msg_id],
    )?;
    Ok(())
}

fn touch_conversation(
    c: &Connection,
    sdkappid: u64,
    owner: &str,
    peer: &str,
    msg: &StoredMsg,
    unread: u64,
    update_last: bool,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO conversations (sdkappid, owner, peer, last_msg_id, last_time, unread, read_time) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0) \
         ON CONFLICT (sdkappid, owner, peer) DO UPDATE SET unread = conversations.unread + excluded.unread",
        params![
            i(sdkappid),
            owner,
            peer,
            update_last.then_some(msg.id),
            if update_last { i(msg.msg_time) } else { 0 },
            i(unread)
        ],
    )?;
    if update_last {
        c.execute(
            "UPDATE conversations SET last_msg_id = ?4, last_time = ?5 \
             WHERE sdkappid = ?1 AND owner = ?2 AND peer = ?3 AND last_time <= ?5",
            params![i(sdkappid), owner, peer, msg.id, i(msg.msg_time)],
        )?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn apps(&self) -> StoreResult<Vec<App>> {
        let c = self.conn();
        let mut st = c.prepare("SELECT sdkappid, secret_key, admin FROM apps ORDER BY created, sdkappid")?;
        let rows = st.query_map([], |r| Ok(App { sdkappid: u(r.get(0)?), secret_key: r.get(1)?, admin: r.get(2)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn put_app(&self, app: &App) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO apps (sdkappid, secret_key, admin, created) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (sdkappid) DO UPDATE SET secret_key = excluded.secret_key, admin = excluded.admin",
            params![i(app.sdkappid), app.secret_key, app.admin, i(crate::now())],
        )?;
        Ok(())
    }

    fn account(&self, sdkappid: u64, user: &str) -> StoreResult<Option<Account>> {
        Ok(get_account(&self.conn(), sdkappid, user)?)
    }

    fn ensure_account(&self, sdkappid: u64, user: &str, now: u64) -> StoreResult<Account> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if get_account(&tx, sdkappid, user)?.is_none() {
            create_account(&tx, sdkappid, user, "", "", now)?;
        }
        let acc = get_account(&tx, sdkappid, user)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        tx.commit()?;
        Ok(acc)
    }

    fn import_account(&self, sdkappid: u64, user: &str, nick: &str, face_url: &str, now: u64) -> StoreResult<Account> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if get_account(&tx, sdkappid, user)?.is_none() {
            create_account(&tx, sdkappid, user, nick, face_url, now)?;
        } else {
            tx.execute(
                "UPDATE accounts SET nick = ?3, face_url = ?4 WHERE sdkappid = ?1 AND user_id = ?2",
                params![i(sdkappid), user, nick, face_url],
            )?;
        }
        let acc = get_account(&tx, sdkappid, user)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        tx.commit()?;
        Ok(acc)
    }

    fn store_c2c(&self, msg: &StoredMsg, fanout: Fanout) -> StoreResult<Inserted> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing = tx
            .query_row(
                &format!(
                    "SELECT {MSG_COLS} FROM c2c_msgs m WHERE m.sdkappid = ?1 AND m.from_user = ?2 AND m.to_user = ?3 \
                     AND m.msg_seq = ?4 AND m.msg_random = ?5"
                ),
                params![i(msg.sdkappid), msg.from, msg.to, i(msg.msg_seq), i(msg.msg_random)],
                |r| msg_from_row(r, 0),
            )
            .optional()?;
        if let Some(old) = existing {
            return Ok(Inserted::Duplicate(old));
        }
        let id: i64 = tx.query_row(
            "INSERT INTO c2c_msgs (sdkappid, from_user, to_user, msg_seq, msg_random, msg_time, client_time, \
             from_tiny_id, body, cloud_custom_data, nick, headurl, flags) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id",
            params![
                i(msg.sdkappid),
                msg.from,
                msg.to,
                i(msg.msg_seq),
                i(msg.msg_random),
                i(msg.msg_time),
                i(msg.client_time),
                i(msg.from_tiny_id),
                msg.body,
                msg.cloud_custom_data,
                msg.nick,
                msg.headurl,
                msg.flags
            ],
            |r| r.get(0),
        )?;
        let stored = StoredMsg { id, ..msg.clone() };
        let to_self = msg.from == msg.to;
        append_stream(&tx, msg.sdkappid, &msg.to, id)?;
        let unread = u64::from(fanout.count_unread && !to_self);
        touch_conversation(&tx, msg.sdkappid, &msg.to, &msg.from, &stored, unread, fanout.update_last)?;
        if fanout.sync_sender && !to_self {
            append_stream(&tx, msg.sdkappid, &msg.from, id)?;
            touch_conversation(&tx, msg.sdkappid, &msg.from, &msg.to, &stored, 0, fanout.update_last)?;
        }
        tx.commit()?;
        Ok(Inserted::New(stored))
    }

    fn stream_after(&self, sdkappid: u64, user: &str, after: i64, limit: usize) -> StoreResult<Vec<(i64, StoredMsg)>> {
        let c = self.conn();
        let mut st = c.prepare(&format!(
            "SELECT s.id, {MSG_COLS} FROM sync_stream s JOIN c2c_msgs m ON m.id = s.msg_id \
             WHERE s.sdkappid = ?1 AND s.user_id = ?2 AND s.id > ?3 ORDER BY s.id LIMIT ?4"
        ))?;
        let rows =
            st.query_map(params![i(sdkappid), user, after, i(limit as u64)], |r| Ok((r.get(0)?, msg_from_row(r, 1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn stream_end(&self, sdkappid: u64, user: &str) -> StoreResult<i64> {
        Ok(self.conn().query_row(
            "SELECT COALESCE(MAX(id), 0) FROM sync_stream WHERE sdkappid = ?1 AND user_id = ?2",
            params![i(sdkappid), user],
            |r| r.get(0),
        )?)
    }

    fn stream_unread_after(
        &self,
        sdkappid: u64,
        user: &str,
        after: i64,
        upto: i64,
        limit: usize,
    ) -> StoreResult<Vec<(i64, StoredMsg)>> {
        let c = self.conn();
        let mut st = c.prepare(&format!(
            "SELECT s.id, {MSG_COLS} FROM sync_stream s JOIN c2c_msgs m ON m.id = s.msg_id \
             JOIN conversations c ON c.sdkappid = s.sdkappid AND c.owner = s.user_id \
             AND c.peer = CASE WHEN m.from_user = s.user_id THEN m.to_user ELSE m.from_user END \
             WHERE s.sdkappid = ?1 AND s.user_id = ?2 AND s.id > ?3 AND s.id <= ?4 \
             AND c.unread > 0 AND m.msg_time >= c.read_time ORDER BY s.id LIMIT ?5"
        ))?;
        let rows = st.query_map(params![i(sdkappid), user, after, upto, i(limit as u64)], |r| {
            Ok((r.get(0)?, msg_from_row(r, 1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn history_after(
        &self,
        sdkappid: u64,
        user: &str,
        peer: &str,
        after: (u64, i64),
        limit: usize,
    ) -> StoreResult<Vec<StoredMsg>> {
        let c = self.conn();
        let mut st = c.prepare(&format!(
            "SELECT {MSG_COLS} FROM c2c_msgs m WHERE m.sdkappid = ?1 \
             AND ((m.from_user = ?2 AND m.to_user = ?3) OR (m.from_user = ?3 AND m.to_user = ?2)) \
             AND (m.msg_time > ?4 OR (m.msg_time = ?4 AND m.id > ?5)) \
             ORDER BY m.msg_time, m.id LIMIT ?6"
        ))?;
        let rows = st.query_map(params![i(sdkappid), user, peer, i(after.0), after.1, i(limit as u64)], |r| {
            msg_from_row(r, 0)
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn history(
        &self,
        sdkappid: u64,
        user: &str,
        peer: &str,
        before: Option<(u64, i64)>,
        limit: usize,
    ) -> StoreResult<Vec<StoredMsg>> {
        let c = self.conn();
        let (bt, bid) = before.map(|(t, id)| (i(t), id)).unwrap_or((i64::MAX, i64::MAX));
        let mut st = c.prepare(&format!(
            "SELECT {MSG_COLS} FROM c2c_msgs m WHERE m.sdkappid = ?1 \
             AND ((m.from_user = ?2 AND m.to_user = ?3) OR (m.from_user = ?3 AND m.to_user = ?2)) \
             AND (m.msg_time < ?4 OR (m.msg_time = ?4 AND m.id < ?5)) \
             ORDER BY m.msg_time DESC, m.id DESC LIMIT ?6"
        ))?;
        let rows = st.query_map(params![i(sdkappid), user, peer, bt, bid, i(limit as u64)], |r| msg_from_row(r, 0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn find_c2c(
        &self,
        sdkappid: u64,
        a: &str,
        b: &str,
        seq: u64,
        random: u64,
        time: u64,
    ) -> StoreResult<Option<StoredMsg>> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {MSG_COLS} FROM c2c_msgs m WHERE m.sdkappid = ?1 \
                     AND ((m.from_user = ?2 AND m.to_user = ?3) OR (m.from_user = ?3 AND m.to_user = ?2)) \
                     AND m.msg_seq = ?4 AND m.msg_random = ?5 AND m.msg_time = ?6"
                ),
                params![i(sdkappid), a, b, i(seq), i(random), i(time)],
                |r| msg_from_row(r, 0),
            )
            .optional()?)
    }

    fn conversations(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<Conversation>> {
        let c = self.conn();
        let mut st = c.prepare(&format!(
            "SELECT c.peer, c.unread, c.read_time, COALESCE(p.read_time, 0), m.id IS NOT NULL, {MSG_COLS} \
             FROM conversations c \
             LEFT JOIN conversations p ON p.sdkappid = c.sdkappid AND p.owner = c.peer AND p.peer = c.owner \
             LEFT JOIN c2c_msgs m ON m.id = c.last_msg_id \
             WHERE c.sdkappid = ?1 AND c.owner = ?2 ORDER BY c.last_time DESC, c.peer"
        ))?;
        let rows = st.query_map(params![i(sdkappid), owner], |r| {
            let has_last: bool = r.get(4)?;
            Ok(Conversation {
                owner: owner.to_string(),
                peer: r.get(0)?,
                unread: u(r.get(1)?),
                read_time: u(r.get(2)?),
                peer_read_time: u(r.get(3)?),
                last: if has_last { Some(msg_from_row(r, 5)?) } else { None },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn mark_read(&self, sdkappid: u64, owner: &str, peer: &str, up_to: u64) -> StoreResult<u64> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO conversations (sdkappid, owner, peer, last_msg_id, last_time, unread, read_time) \
             VALUES (?1, ?2, ?3, NULL, 0, 0, ?4) \
             ON CONFLICT (sdkappid, owner, peer) DO UPDATE SET read_time = \
             CASE WHEN conversations.read_time > excluded.read_time THEN conversations.read_time ELSE excluded.read_time END",
            params![i(sdkappid), owner, peer, i(up_to)],
        )?;
        let read_time: i64 = tx.query_row(
            "SELECT read_time FROM conversations WHERE sdkappid = ?1 AND owner = ?2 AND peer = ?3",
            params![i(sdkappid), owner, peer],
            |r| r.get(0),
        )?;
        let left: i64 = tx.query_row(
            "SELECT COUNT(*) FROM c2c_msgs WHERE sdkappid = ?1 AND from_user = ?3 AND to_user = ?2 AND msg_time > ?4",
            params![i(sdkappid), owner, peer, read_time],
            |r| r.get(0),
        )?;
        tx.execute(
            "UPDATE conversations SET unread = ?4 WHERE sdkappid = ?1 AND owner = ?2 AND peer = ?3",
            params![i(sdkappid), owner, peer, left],
        )?;
        tx.commit()?;
        Ok(u(read_time))
    }

    fn read_time(&self, sdkappid: u64, owner: &str, peer: &str) -> StoreResult<u64> {
        let t: Option<i64> = self
            .conn()
            .query_row(
                "SELECT read_time FROM conversations WHERE sdkappid = ?1 AND owner = ?2 AND peer = ?3",
                params![i(sdkappid), owner, peer],
                |r| r.get(0),
            )
            .optional()?;
        Ok(t.map(u).unwrap_or(0))
    }

    fn put_ticket(&self, t: &Ticket) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO a2_tickets (a2, sdkappid, user_id, tiny_id, inst_id, expires, revoked) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![t.a2, i(t.sdkappid), t.user_id, i(t.tiny_id), i(t.inst_id), i(t.expires), i64::from(t.revoked)],
        )?;
        Ok(())
    }

    fn ticket(&self, a2: &str) -> StoreResult<Option<Ticket>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT a2, sdkappid, user_id, tiny_id, inst_id, expires, revoked FROM a2_tickets WHERE a2 = ?1",
                params![a2],
                ticket_from_row,
            )
            .optional()?)
    }

    fn revoke_ticket(&self, a2: &str) -> StoreResult<()> {
        self.conn().execute("UPDATE a2_tickets SET revoked = 1 WHERE a2 = ?1", params![a2])?;
        Ok(())
    }

    fn revoke_user_tickets(&self, sdkappid: u64, user: &str) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE a2_tickets SET revoked = 1 WHERE sdkappid = ?1 AND user_id = ?2",
            params![i(sdkappid), user],
        )?;
        Ok(())
    }
}

fn gmsg_from_row(r: &Row<'_>) -> rusqlite::Result<GroupMsg> {
    Ok(GroupMsg {
        id: r.get(0)?,
        sdkappid: u(r.get(1)?),
        group_id: r.get(2)?,
        msg_seq: u(r.get(3)?),
        from: r.get(4)?,
        random: u(r.get(5)?),
        client_seq: u(r.get(6)?),
        msg_time: u(r.get(7)?),
        client_time: u(r.get(8)?),
        from_tiny_id: u(r.get(9)?),
        body: r.get(10)?,
        cloud_custom_data: r.get(11)?,
        nick: r.get(12)?,
        headurl: r.get(13)?,
        extra: r.get(14)?,
        event: u32::try_from(r.get::<_, i64>(15)?).unwrap_or(0),
        flags: u32::try_from(r.get::<_, i64>(16)?).unwrap_or(0),
    })
}

fn group_from_row(r: &Row<'_>) -> rusqlite::Result<Group> {
    Ok(Group {
        sdkappid: u(r.get(0)?),
        group_id: r.get(1)?,
        kind: r.get(2)?,
        owner: r.get(3)?,
        create_time: u(r.get(4)?),
        next_msg_seq: u(r.get(5)?),
        last_msg_time: u(r.get(6)?),
        info_seq: u(r.get(7)?),
        last_info_time: u(r.get(8)?),
        info: r.get(9)?,
        member_num: u(r.get(10)?),
    })
}

fn member_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Member> {
    Ok(Member {
        user: r.get(at)?,
        role: r.get(at + 1)?,
        join_time: u(r.get(at + 2)?),
        read_seq: u(r.get(at + 3)?),
        msg_flag: r.get(at + 4)?,
        name_card: r.get(at + 5)?,
        mute_until: u(r.get(at + 6)?),
        custom_data: r.get(at + 7)?,
        join_seq: u(r.get(at + 8)?),
    })
}

fn app_from_row(r: &Row<'_>) -> rusqlite::Result<Application> {
    Ok(Application {
        id: r.get(0)?,
        sdkappid: u(r.get(1)?),
        group_id: r.get(2)?,
        applicant: r.get(3)?,
        apply_msg: r.get(4)?,
        user_defined_field: r.get(5)?,
        apply_time: u(r.get(6)?),
        state: r.get(7)?,
        handler: r.get(8)?,
        handle_time: u(r.get(9)?),
    })
}

fn insert_member(c: &Connection, sdkappid: u64, group_id: &str, m: &Member) -> rusqlite::Result<bool> {
    let n = c.execute(
        "INSERT INTO group_members (sdkappid, group_id, user_id, role, join_time, read_seq, msg_flag, name_card, \
         mute_until, custom_data, join_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
         COALESCE((SELECT next_msg_seq - 1 FROM tim_groups WHERE sdkappid = ?1 AND group_id = ?2), 0)) \
         ON CONFLICT (sdkappid, group_id, user_id) DO NOTHING",
        params![
            i(sdkappid),
            group_id,
            m.user,
            m.role,
            i(m.join_time),
            i(m.read_seq),
            m.msg_flag,
            m.name_card,
            i(m.mute_until),
            if m.custom_data.is_empty() { "[]" } else { &m.custom_data }
        ],
    )?;
    Ok(n > 0)
}

impl GroupStore for SqliteStore {
    fn create_group(&self, g: &Group, members: &[Member]) -> StoreResult<bool> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "INSERT INTO tim_groups (sdkappid, group_id, kind, owner, create_time, next_msg_seq, last_msg_time, \
             info_seq, last_info_time, info) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?5, 1, ?5, ?6) \
             ON CONFLICT (sdkappid, group_id) DO NOTHING",
            params![i(g.sdkappid), g.group_id, g.kind, g.owner, i(g.create_time), g.info],
        )?;
        if n == 0 {
            return Ok(false);
        }
        for m in members {
            insert_member(&tx, g.sdkappid, &g.group_id, m)?;
        }
        tx.commit()?;
        Ok(true)
    }

    fn group(&self, sdkappid: u64, group_id: &str) -> StoreResult<Option<Group>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {GROUP_COLS} FROM tim_groups g WHERE g.sdkappid = ?1 AND g.group_id = ?2"),
                params![i(sdkappid), group_id],
                group_from_row,
            )
            .optional()?)
    }

    fn save_group_info(&self, sdkappid: u64, group_id: &str, info: &str, now: u64) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE tim_groups SET info = ?3, info_seq = info_seq + 1, last_info_time = ?4 \
             WHERE sdkappid = ?1 AND group_id = ?2",
            params![i(sdkappid), group_id, info, i(now)],
        )?;
        Ok(())
    }

    fn destroy_group(&self, sdkappid: u64, group_id: &str) -> StoreResult<bool> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n =
            tx.execute("DELETE FROM tim_groups WHERE sdkappid = ?1 AND group_id = ?2", params![i(sdkappid), group_id])?;
        tx.execute("DELETE FROM group_members WHERE sdkappid = ?1 AND group_id = ?2", params![i(sdkappid), group_id])?;
        tx.execute("DELETE FROM group_msgs WHERE sdkappid = ?1 AND group_id = ?2", params![i(sdkappid), group_id])?;
        for table in ["group_applications", "group_counters"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE sdkappid = ?1 AND group_id = ?2"),
                params![i(sdkappid), group_id],
            )?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    fn members(&self, sdkappid: u64, group_id: &str) -> StoreResult<Vec<Member>> {
        let c = self.conn();
        let mut st = c.prepare(&format!(
            "SELECT {MEMBER_COLS} FROM group_members m WHERE m.sdkappid = ?1 AND m.group_id = ?2 ORDER BY m.seq"
        ))?;
        let rows = st.query_map(params![i(sdkappid), group_id], |r| member_from_row(r, 0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn member(&self, sdkappid: u64, group_id: &str, user: &str) -> StoreResult<Option<Member>> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {MEMBER_COLS} FROM group_members m WHERE m.sdkappid = ?1 AND m.group_id = ?2 \
                     AND m.user_id = ?3"
                ),
                params![i(sdkappid), group_id, user],
                |r| member_from_row(r, 0),
            )
            .optional()?)
    }

    fn add_members(&self, sdkappid: u64, group_id: &str, members: &[Member]) -> StoreResult<Vec<String>> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut added = Vec::new();
        for m in members {
            if insert_member(&tx, sdkappid, group_id, m)? {
                added.push(m.user.clone());
            }
        }
        tx.commit()?;
        Ok(added)
    }

    fn remove_members(&self, sdkappid: u64, group_id: &str, users: &[String]) -> StoreResult<Vec<String>> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut removed = Vec::new();
        for user in users {
            let n = tx.execute(
                "DELETE FROM group_members WHERE sdkappid = ?1 AND group_id = ?2 AND user_id = ?3",
                params![i(sdkappid), group_id, user],
            )?;
            if n > 0 {
                removed.push(user.clone());
            }
        }
        tx.commit()?;
        Ok(removed)
    }

    fn joined_groups(&self, sdkappid: u64, user: &str) -> StoreResult<Vec<(Group, Member)>> {
        let c = self.conn();
        let mut st = c.prepare(&format!(
            "SELECT {GROUP_COLS}, {MEMBER_COLS} FROM group_members m \
             JOIN tim_groups g ON g.sdkappid = m.sdkappid AND g.group_id = m.group_id \
             WHERE m.sdkappid = ?1 AND m.user_id = ?2 ORDER BY m.seq"
        ))?;
        let rows = st.query_map(params![i(sdkappid), user], |r| Ok((group_from_row(r)?, member_from_row(r, 11)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn store_group_msg(&self, msg: &GroupMsg) -> StoreResult<GroupInserted> {
        let mut c = self.conn();
        // IMMEDIATE: every writer (thread or process) is serialised, so read-increment is atomic.
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if msg.event == 0 {
            let old = tx
                .query_row(
                    &format!(
                        "SELECT {GMSG_COLS} FROM group_msgs WHERE sdkappid = ?1 AND group_id = ?2 AND from_user = ?3 \
                         AND random = ?4 AND client_seq = ?5 AND event = 0"
                    ),
                    params![i(msg.sdkappid), msg.group_id, msg.from, i(msg.random), i(msg.client_seq)],
                    gmsg_from_row,
                )
                .optional()?;
            if let Some(old) = old {
                return Ok(GroupInserted::Duplicate(old));
            }
        }
        let seq: Option<i64> = tx
            .query_row(
                "UPDATE tim_groups SET next_msg_seq = next_msg_seq + 1, last_msg_time = MAX(last_msg_time, ?3) \
                 WHERE sdkappid = ?1 AND group_id = ?2 RETURNING next_msg_seq - 1",
                params![i(msg.sdkappid), msg.group_id, i(msg.msg_time)],
                |r| r.get(0),
            )
            .optional()?;
        let Some(seq) = seq else {
            return Ok(GroupInserted::NoGroup);
        };
        let id: i64 = tx.query_row(
            "INSERT INTO group_msgs (sdkappid, group_id, msg_seq, from_user, random, client_seq, msg_time, \
             client_time, from_tiny_id, body, cloud_custom_data, nick, headurl, extra, event, flags) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) RETURNING id",
            params![
                i(msg.sdkappid),
                msg.group_id,
                seq,
                msg.from,
                i(msg.random),
                i(msg.client_seq),
                i(msg.msg_time),
                i(msg.client_time),
                i(msg.from_tiny_id),
                msg.body,
                msg.cloud_custom_data,
                msg.nick,
                msg.headurl,
                msg.extra,
                i64::from(msg.event),
                i64::from(msg.flags)
            ],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok(GroupInserted::New(GroupMsg { id, msg_seq: u(seq), ..msg.clone() }))
    }

    fn group_msgs(&self, sdkappid: u64, group_id: &str, max_seq: u64, limit: usize) -> StoreResult<Vec<GroupMsg>> {
        let c = self.conn();
        let mut st = c.prepare(&format!(
            "SELECT {GMSG_COLS} FROM group_msgs WHERE sdkappid = ?1 AND group_id = ?2 AND msg_seq <= ?3 \
             ORDER BY msg_seq DESC LIMIT ?4"
        ))?;
        let rows = st.query_map(params![i(sdkappid), group_id, i(max_seq), i(limit as u64)], gmsg_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn set_group_read(&self, sdkappid: u64, group_id: &str, user: &str, seq: u64) -> StoreResult<u64> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE group_members SET read_seq = ?4 WHERE sdkappid = ?1 AND group_id = ?2 AND user_id = ?3 \
             AND read_seq < ?4",
            params![i(sdkappid), group_id, user, i(seq)],
        )?;
        let now: Option<i64> = tx
            .query_row(
                "SELECT read_seq FROM group_members WHERE sdkappid = ?1 AND group_id = ?2 AND user_id = ?3",
                params![i(sdkappid), group_id, user],
                |r| r.get(0),
            )
            .optional()?;
        tx.commit()?;
        Ok(now.map(u).unwrap_or(0))
    }

    fn group_unread(&self, sdkappid: u64, group_id: &str, user: &str, after_seq: u64) -> StoreResult<u64> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM group_msgs WHERE sdkappid = ?1 AND group_id = ?2 AND msg_seq > ?4 \
             AND from_user <> ?3",
            params![i(sdkappid), group_id, user, i(after_seq)],
            |r| r.get(0),
        )?;
        Ok(u(n))
    }

    fn add_members_capped(
        &self,
        sdkappid: u64,
        group_id: &str,
        members: &[Member],
        max: u64,
    ) -> StoreResult<Option<Vec<String>>> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut added = Vec::new();
        for m in members {
            if insert_member(&tx, sdkappid, group_id, m)? {
                added.push(m.user.clone());
            }
        }
        let count: i64 = tx.query_row(
            "SELECT COUNT(*) FROM group_members WHERE sdkappid = ?1 AND group_id = ?2",
            params![i(sdkappid), group_id],
            |r| r.get(0),
        )?;
        if max > 0 && u(count) > max && !added.is_empty() {
            return Ok(None); // dropping `tx` rolls back
        }
        tx.commit()?;
        Ok(Some(added))
    }

    fn update_member(&self, sdkappid: u64, group_id: &str, user: &str, up: &MemberUpdate) -> StoreResult<bool> {
        let n = self.conn().execute(
            "UPDATE group_members SET role = COALESCE(?4, role), mute_until = COALESCE(?5, mute_until), \
             name_card = COALESCE(?6, name_card), custom_data = COALESCE(?7, custom_data), \
             msg_flag = COALESCE(?8, msg_flag) WHERE sdkappid = ?1 AND group_id = ?2 AND user_id = ?3",
            params![
                i(sdkappid),
                group_id,
                user,
                up.role,
                up.mute_until.map(i),
                up.name_card,
                up.custom_data,
                up.msg_flag
            ],
        )?;
        Ok(n > 0)
    }

    fn change_owner(&self, sdkappid: u64, group_id: &str, new_owner: &str, now: u64) -> StoreResult<bool> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE group_members SET role = 'Owner' WHERE sdkappid = ?1 AND group_id = ?2 AND user_id = ?3",
            params![i(sdkappid), group_id, new_owner],
        )?;
        if n == 0 {
            return Ok(false);
        }
        tx.execute(
            "UPDATE group_members SET role = 'Member' WHERE sdkappid = ?1 AND group_id = ?2 AND role = 'Owner' \
             AND user_id <> ?3",
            params![i(sdkappid), group_id, new_owner],
        )?;
        tx.execute(
            "UPDATE tim_groups SET owner = ?3, info_seq = info_seq + 1, last_info_time = ?4 \
             WHERE sdkappid = ?1 AND group_id = ?2",
            params![i(sdkappid), group_id, new_owner, i(now)],
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn put_application(&self, app: &Application) -> StoreResult<Application> {
        let c = self.conn();
        let id: i64 = c.query_row(
            "INSERT INTO group_applications (sdkappid, group_id, applicant, apply_msg, user_defined_field, \
             apply_time, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'Pending') \
             ON CONFLICT (sdkappid, group_id, applicant) WHERE state = 'Pending' \
             DO UPDATE SET apply_msg = excluded.apply_msg, user_defined_field = excluded.user_defined_field, \
             apply_time = excluded.apply_time RETURNING id",
            params![
                i(app.sdkappid),
                app.group_id,
                app.applicant,
                app.apply_msg,
                app.user_defined_field,
                i(app.apply_time)
            ],
            |r| r.get(0),
        )?;
        Ok(Application { id, state: "Pending".into(), handler: String::new(), handle_time: 0, ..app.clone() })
    }

    fn application(&self, sdkappid: u64, group_id: &str, applicant: &str) -> StoreResult<Option<Application>> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {APP_COLS} FROM group_applications a WHERE a.sdkappid = ?1 AND a.group_id = ?2 \
                     AND a.applicant = ?3 ORDER BY a.id DESC LIMIT 1"
                ),
                params![i(sdkappid), group_id, applicant],
                app_from_row,
            )
            .optional()?)
    }

    fn settle_application(
        &self,
        sdkappid: u64,
        group_id: &str,
        applicant: &str,
        state: &str,
        handler: &str,
        now: u64,
    ) -> StoreResult<Option<Application>> {
        Ok(self
            .conn()
            .query_row(
                "UPDATE group_applications SET state = ?4, handler = ?5, handle_time = ?6 \
                 WHERE sdkappid = ?1 AND group_id = ?2 AND applicant = ?3 AND state = 'Pending' \
                 RETURNING id, sdkappid, group_id, applicant, apply_msg, user_defined_field, apply_time, state, \
                 handler, handle_time",
                params![i(sdkappid), group_id, applicant, state, handler, i(now)],
                app_from_row,
            )
            .optional()?)
    }

    fn pending_applications(&self, sdkappid: u64, handler: &str) -> StoreResult<Vec<Application>> {
        let c = self.conn();
        let mut st = c.prepare(&format!(
            "SELECT {APP_COLS} FROM group_applications a JOIN group_members m ON m.sdkappid = a.sdkappid \
             AND m.group_id = a.group_id AND m.user_id = ?2 AND m.role IN ('Owner', 'Admin') \
             WHERE a.sdkappid = ?1 AND a.state = 'Pending' ORDER BY a.apply_time, a.id"
        ))?;
        let rows = st.query_map(params![i(sdkappid), handler], app_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn update_counters(
        &self,
        sdkappid: u64,
        group_id: &str,
        mode: CounterMode,
        items: &[(String, i64)],
    ) -> StoreResult<Vec<(String, i64)>> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Decrease adds the negated value, so a missing key starts at 0 either way.
        let update = match mode {
            CounterMode::Set => "excluded.value",
            CounterMode::Increase | CounterMode::Decrease => "MIN(MAX(group_counters.value + excluded.value, ?5), ?6)",
        };
        let mut out = Vec::new();
        for (key, value) in items {
            let initial = if mode == CounterMode::Decrease { value.saturating_neg() } else { *value };
            let v: i64 = tx.query_row(
                &format!(
                    "INSERT INTO group_counters (sdkappid, group_id, ckey, value) \
                     VALUES (?1, ?2, ?3, MIN(MAX(?4, ?5), ?6)) \
                     ON CONFLICT (sdkappid, group_id, ckey) DO UPDATE SET value = {update} RETURNING value"
                ),
                params![i(sdkappid), group_id, key, initial, -COUNTER_LIMIT, COUNTER_LIMIT],
                |r| r.get(0),
            )?;
            out.push((key.clone(), v));
        }
        tx.commit()?;
        Ok(out)
    }

    fn counters(&self, sdkappid: u64, group_id: &str) -> StoreResult<Vec<(String, i64)>> {
        let c = self.conn();
        let mut st =
            c.prepare("SELECT ckey, value FROM group_counters WHERE sdkappid = ?1 AND group_id = ?2 ORDER BY ckey")?;
        let rows = st.query_map(params![i(sdkappid), group_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(from: &str, to: &str, seq: u64, time: u64) -> StoredMsg {
        StoredMsg {
            sdkappid: 1,
            from: from.into(),
            to: to.into(),
            msg_seq: seq,
            msg_random: seq * 10,
            msg_time: time,
            client_time: time,
            from_tiny_id: 7,
            body: r#"[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]"#.into(),
            ..Default::default()
        }
    }

    const ALL: Fanout = Fanout { sync_sender: true, count_unread: true, update_last: true };

    #[test]
    fn accounts_get_unique_tiny_ids() {
        let s = SqliteStore::memory().expect("db");
        let a = s.ensure_account(1, "alice", 5).expect("alice");
        let b = s.ensure_account(1, "bob", 5).expect("bob");
        assert_ne!(a.tiny_id, b.tiny_id);
        assert!(a.tiny_id > TINY_ID_BASE);
        assert_eq!(s.ensure_account(1, "alice", 9).expect("again"), a);
        let a2 = s.import_account(1, "alice", "Alice", "http://a", 9).expect("import");
        assert_eq!((a2.tiny_id, a2.nick.as_str()), (a.tiny_id, "Alice"));
        assert!(s.account(2, "alice").expect("q").is_none());
    }

    #[test]
    fn dedup_streams_conversations_and_read() {
        let s = SqliteStore::memory().expect("db");
        let Inserted::New(m1) = s.store_c2c(&msg("alice", "bob", 1, 100), ALL).expect("m1") else { panic!("dup") };
        let again = s.store_c2c(&msg("alice", "bob", 1, 200), ALL).expect("again");
        assert_eq!(again, Inserted::Duplicate(m1.clone()));
        s.store_c2c(&msg("alice", "bob", 2, 101), ALL).expect("m2");
        s.store_c2c(&msg("bob", "alice", 3, 102), ALL).expect("m3");

        let bob = s.stream_after(1, "bob", 0, 10).expect("stream");
        assert_eq!(bob.iter().map(|(_, m)| m.msg_seq).collect::<Vec<_>>(), vec![1, 2, 3]);
        let rest = s.stream_after(1, "bob", bob[0].0, 10).expect("stream");
        assert_eq!(rest.len(), 2);

        let convs = s.conversations(1, "bob").expect("convs");
        assert_eq!(convs.len(), 1);
        assert_eq!((convs[0].peer.as_str(), convs[0].unread), ("alice", 2));
        assert_eq!(convs[0].last.as_ref().map(|m| m.msg_seq), Some(3));
        assert_eq!(s.conversations(1, "alice").expect("convs")[0].unread, 1);

        assert_eq!(s.mark_read(1, "bob", "alice", 100).expect("read"), 100);
        assert_eq!(s.conversations(1, "bob").expect("c")[0].unread, 1);
        s.mark_read(1, "bob", "alice", 101).expect("read");
        assert_eq!(s.conversations(1, "bob").expect("c")[0].unread, 0);
        assert_eq!(s.mark_read(1, "bob", "alice", 50).expect("older"), 101);
        assert_eq!(s.conversations(1, "alice").expect("c")[0].peer_read_time, 101);

        let page = s.history(1, "alice", "bob", None, 2).expect("h");
        assert_eq!(page.iter().map(|m| m.msg_seq).collect::<Vec<_>>(), vec![3, 2]);
        let older = s.history(1, "bob", "alice", Some((page[1].msg_time, page[1].id)), 2).expect("h");
        assert_eq!(older.iter().map(|m| m.msg_seq).collect::<Vec<_>>(), vec![1]);
        assert!(s.find_c2c(1, "bob", "alice", 2, 20, 101).expect("f").is_some());
    }

    #[test]
    fn two_stores_can_open_one_database_at_once() {
        let dir = std::env::temp_dir().join(format!("tim-store-test-{}", rand::random::<u64>()));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    let s = SqliteStore::open_dir(&dir).expect("open");
                    s.ensure_account(1, "u", 1).expect("account").tiny_id
                })
            })
            .collect();
        let ids: Vec<u64> = handles.into_iter().map(|h| h.join().expect("thread")).collect();
        assert!(ids.windows(2).all(|w| w[0] == w[1]));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn tickets_and_apps_persist() {
        let dir = std::env::temp_dir().join(format!("tim-store-test-{}", rand::random::<u64>()));
        {
            let s = SqliteStore::open_dir(&dir).expect("open");
            s.put_app(&App { sdkappid: 9, secret_key: "k".into(), admin: "adm".into() }).expect("app");
            let t = Ticket {
                a2: "x".into(),
                sdkappid: 9,
                user_id: "u".into(),
                tiny_id: 1,
                inst_id: 2,
                expires: 3,
                revoked: false,
            };
            s.put_ticket(&t).expect("ticket");
            s.revoke_user_tickets(9, "u").expect("revoke");
        }
        let s = SqliteStore::open_dir(&dir).expect("reopen");
        assert_eq!(s.apps().expect("apps")[0].admin, "adm");
        assert!(s.ticket("x").expect("t").is_some_and(|t| t.revoked));
        drop(s);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn profile_migration_keeps_nick_and_avatar() {
        // A database from before the profile step: accounts with nick and avatar.
        let mut conn = Connection::open_in_memory().expect("db");
        let steps = migrations();
        let profile_step = steps.iter().position(|s| s == PROFILES_SCHEMA).expect("profile step");
        conn.execute_batch("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied BIGINT NOT NULL)")
            .expect("table");
        for (n, step) in steps[..profile_step].iter().enumerate() {
            conn.execute_batch(step).expect("old step");
            conn.execute("INSERT INTO schema_migrations VALUES (?1, 0)", params![n as i64 + 1]).expect("v");
        }
        create_account(&conn, 1, "alice", "Alice", "http://a.png", 5).expect("old account");
        migrate(&mut conn).expect("migrate");
        let s = SqliteStore { conn: Mutex::new(conn) };
        let p = s.profiles(1, &["alice".into()]).expect("read").pop().expect("alice");
        assert_eq!((p.nick.as_str(), p.face_url.as_str(), p.fields.len(), p.updated), ("Alice", "http://a.png", 0, 0));
        let mut u = ProfileUpdate::default();
        u.fields.insert("Tag_Profile_IM_Level".into(), serde_json::json!(2));
        let p = s.update_profile(1, "alice", &u, 9).expect("write").expect("alice");
        assert_eq!((p.nick.as_str(), p.fields.len(), p.updated), ("Alice", 1, 9));
        assert_eq!(s.account(1, "alice").expect("q").map(|a| a.nick), Some("Alice".into()));
    }
}

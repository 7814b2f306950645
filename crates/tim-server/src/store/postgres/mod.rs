//! PostgreSQL storage: `tokio-postgres` connections in a `deadpool-postgres` pool, driven by a
//! small runtime of the store's own, so the synchronous [`Store`] trait stays as it is (each call
//! is spawned on that runtime and the calling thread waits for the answer; this works from a
//! blocking thread, a plain thread, and even from inside another runtime without panicking).
//!
//! Several server processes may share one database. What keeps them correct:
//!
//! - **Sync-stream positions** are per user: `stream_heads` holds each user's last position and a
//!   message takes the next one with `INSERT … ON CONFLICT DO UPDATE SET last_pos = last_pos + 1
//!   RETURNING last_pos`, which row-locks the head until the transaction ends. The next writer for
//!   that user waits, so positions are assigned in commit order: no gaps (a rolled-back
//!   transaction rolls its increment back too), no duplicates (primary key), and a reader's
//!   snapshot that holds position N+1 holds N as well, so `pos > cookie` never skips a message
//!   that commits later. (A global `BIGSERIAL` would not do: ids are taken at insert time, not
//!   at commit, so a reader could see id 8 before id 7 commits and move its cookie past 7.)
//! - **Two heads** (receiver and sender) are always locked in sorted order, so two opposite
//!   messages cannot deadlock; a deadlock or serialization failure is retried all the same.
//! - **Dedup**: `INSERT … ON CONFLICT (sdkappid, from_user, to_user, msg_seq, msg_random) DO
//!   NOTHING`; a concurrent insert of the same key waits for the first to commit, then finds the
//!   row, and the resend is answered with the stored message.
//! - **Counters** (unread) are updated in place (`unread = unread + 1`) under the row lock.

use super::*;
use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::future::Future;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row};

mod rooms;

mod convs;

mod profiles;

impl NoticeStore for PgStore {
    fn store_notices(&self, sdkappid: u64, items: &[(String, String)], now: u64) -> StoreResult<()> {
        let (users, texts): (Vec<String>, Vec<String>) = items.iter().cloned().unzip();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            // One statement for all recipients.
            c.execute(
                "INSERT INTO user_notices (sdkappid, user_id, item, created) \
                 SELECT $1, u, t, $4 FROM UNNEST($2::TEXT[], $3::TEXT[]) AS x(u, t)",
                &[&i(sdkappid), &users, &texts, &i(now)],
            )
            .await?;
            Ok(())
        })
    }

    fn notices_after(&self, sdkappid: u64, user: &str, after: i64, limit: usize) -> StoreResult<Vec<(i64, String)>> {
        let user = user.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    "SELECT id, item FROM user_notices WHERE sdkappid = $1 AND user_id = $2 AND id > $3 \
                     ORDER BY id LIMIT $4",
                    &[&i(sdkappid), &user, &after, &(limit as i64)],
                )
                .await?;
            rows.iter().map(|r| Ok((r.try_get::<_, i64>(0)?, r.try_get::<_, String>(1)?))).collect()
        })
    }

    fn delete_notices(&self, sdkappid: u64, user: &str, ids: &[i64]) -> StoreResult<usize> {
        let (user, ids) = (user.to_string(), ids.to_vec());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let n = c
                .execute(
                    "DELETE FROM user_notices WHERE sdkappid = $1 AND user_id = $2 AND id = ANY($3)",
                    &[&i(sdkappid), &user, &ids],
                )
                .await?;
            Ok(n as usize)
        })
    }
}

/// Schema migrations (step 2: groups, shared text in [`group_schema`]), applied in order, each once (`schema_migrations` records the version).
/// Never edit a step; append one.
fn migrations() -> Vec<String> {
    vec![
        SCHEMA_V1.to_string(),
        group_schema("BIGSERIAL PRIMARY KEY"),
        group_members_schema("BIGSERIAL PRIMARY KEY"),
        ROOMS_SCHEMA.to_string(),
        notices_schema("BIGSERIAL PRIMARY KEY"),
        TOPIC_MUTES_SCHEMA.to_string(),
        CONVS_SCHEMA.to_string(),
        JOIN_SEQ_SCHEMA.to_string(),
        PROFILES_SCHEMA.to_string(),
    ]
}

const SCHEMA_V1: &str = r#"
CREATE TABLE apps (
    sdkappid    BIGINT PRIMARY KEY,
    secret_key  TEXT NOT NULL,
    admin       TEXT NOT NULL,
    created     BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE accounts (
    id          BIGSERIAL PRIMARY KEY,
    sdkappid    BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    tiny_id     BIGINT UNIQUE,
    nick        TEXT NOT NULL DEFAULT '',
    face_url    TEXT NOT NULL DEFAULT '',
    created     BIGINT NOT NULL,
    UNIQUE (sdkappid, user_id)
);
CREATE TABLE c2c_msgs (
    id              BIGSERIAL PRIMARY KEY,
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
    flags           BIGINT NOT NULL DEFAULT 0,
    UNIQUE (sdkappid, from_user, to_user, msg_seq, msg_random)
);
CREATE INDEX c2c_msgs_pair ON c2c_msgs (sdkappid, from_user, to_user, msg_time, id);
CREATE TABLE stream_heads (
    sdkappid    BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    last_pos    BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, user_id)
);
CREATE TABLE sync_stream (
    sdkappid    BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    pos         BIGINT NOT NULL,
    msg_id      BIGINT NOT NULL REFERENCES c2c_msgs (id),
    PRIMARY KEY (sdkappid, user_id, pos)
);
CREATE TABLE conversations (
    sdkappid    BIGINT NOT NULL,
    owner       TEXT NOT NULL,
    peer        TEXT NOT NULL,
    last_msg_id BIGINT,
    last_time   BIGINT NOT NULL DEFAULT 0,
    unread      BIGINT NOT NULL DEFAULT 0,
    read_time   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sdkappid, owner, peer)
);
CREATE TABLE a2_tickets (
    a2          TEXT PRIMARY KEY,
    sdkappid    BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    tiny_id     BIGINT NOT NULL,
    inst_id     BIGINT NOT NULL,
    expires     BIGINT NOT NULL,
    revoked     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX a2_tickets_user ON a2_tickets (sdkappid, user_id);
"#;

/// Advisory lock key that serialises migrations of processes starting at once ("tim-migr").
const MIGRATION_LOCK: i64 = 0x7469_6d2d_6d69_6772;

/// Attempts of a transaction that hits a deadlock or a serialization failure.
const ATTEMPTS: usize = 8;

type PgResult<T> = Result<T, tokio_postgres::Error>;

fn msg_from_row(r: &Row, at: usize) -> PgResult<StoredMsg> {
    Ok(StoredMsg {
        id: r.try_get(at)?,
        sdkappid: u(r.try_get(at + 1)?),
        from: r.try_get(at + 2)?,
        to: r.try_get(at + 3)?,
        msg_seq: u(r.try_get(at + 4)?),
        msg_random: u(r.try_get(at + 5)?),
        msg_time: u(r.try_get(at + 6)?),
        client_time: u(r.try_get(at + 7)?),
        from_tiny_id: u(r.try_get(at + 8)?),
        body: r.try_get(at + 9)?,
        cloud_custom_data: r.try_get(at + 10)?,
        nick: r.try_get(at + 11)?,
        headurl: r.try_get(at + 12)?,
        flags: u32::try_from(r.try_get::<_, i64>(at + 13)?).unwrap_or(0),
    })
}

fn account_from_row(r: &Row) -> PgResult<Account> {
    Ok(Account {
        sdkappid: u(r.try_get(0)?),
        user_id: r.try_get(1)?,
        tiny_id: u(r.try_get::<_, Option<i64>>(2)?.unwrap_or(0)),
        nick: r.try_get(3)?,
        face_url: r.try_get(4)?,
        created: u(r.try_get(5)?),
    })
}

fn ticket_from_row(r: &Row) -> PgResult<Ticket> {
    Ok(Ticket {
        a2: r.try_get(0)?,
        sdkappid: u(r.try_get(1)?),
        user_id: r.try_get(2)?,
        tiny_id: u(r.try_get(3)?),
        inst_id: u(r.try_get(4)?),
        expires: u(r.try_get(5)?),
        revoked: r.try_get(6)?,
    })
}

fn pool_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Pool(e.to_string())
}

/// A deadlock or serialization failure: the transaction can simply be run again.
fn retryable(e: &StoreError) -> bool {
    matches!(e, StoreError::Pg(pg) if pg.code().is_some_and(|c| *c == SqlState::T_R_DEADLOCK_DETECTED
        || *c == SqlState::T_R_SERIALIZATION_FAILURE))
}

/// PostgreSQL storage. Cheap to share: a pool of connections behind one runtime.
pub struct PgStore {
    pool: Pool,
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which panics inside another runtime; this does not.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl PgStore {
    /// Connect to `url` (e.g. `postgres://user:pass@127.0.0.1:5432/tim`) with at most
    /// `pool_size` connections, and migrate the schema.
    pub fn connect(url: &str, pool_size: usize) -> StoreResult<Self> {
        let pg: tokio_postgres::Config = url.parse()?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tim-postgres")
            .enable_all()
            .build()?;
        let mgr = Manager::from_config(pg, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(mgr)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(pool_err)?;
        let store = PgStore { pool, rt: Some(rt) };
        store.run(|pool| async move { migrate(&pool).await })?;
        Ok(store)
    }

    /// Run `f` on the store's runtime and wait for its result.
    fn run<T, F, Fut>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Pool) -> Fut,
        Fut: Future<Output = StoreResult<T>> + Send + 'static,
    {
        let rt = self.rt.as_ref().ok_or_else(|| pool_err("store is shut down"))?;
        let fut = f(self.pool.clone());
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().map_err(|_| pool_err("postgres task ended without an answer"))?
    }

    /// Like [`PgStore::run`], running `f` again on a deadlock or serialization failure.
    fn run_tx<T, F, Fut>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(Pool) -> Fut + Send + 'static,
        Fut: Future<Output = StoreResult<T>> + Send + 'static,
    {
        self.run(move |pool| async move {
            let mut attempt = 0;
            loop {
                attempt += 1;
                match f(pool.clone()).await {
                    Err(e) if attempt < ATTEMPTS && retryable(&e) => {
                        tracing::debug!(error = %e, attempt, "retrying postgres transaction");
                        tokio::time::sleep(Duration::from_millis(5 * attempt as u64)).await;
                    }
                    r => return r,
                }
            }
        })
    }
}

async fn migrate(pool: &Pool) -> StoreResult<()> {
    let mut c = pool.get().await.map_err(pool_err)?;
    let tx = c.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied BIGINT NOT NULL)",
    )
    .await?;
    let done: i64 = tx.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[]).await?.try_get(0)?;
    for (n, step) in migrations().iter().enumerate() {
        let version = n as i64 + 1;
        if version > done {
            tx.batch_execute(step).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)",
                &[&version, &i(crate::now())],
            )
            .await?;
            tracing::info!(version, "postgres schema migrated");
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn get_account(c: &impl GenericClient, sdkappid: u64, user: &str) -> StoreResult<Option<Account>> {
    let row = c
        .query_opt(
            "SELECT sdkappid, user_id, tiny_id, nick, face_url, created FROM accounts WHERE sdkappid = $1 AND user_id = $2",
            &[&i(sdkappid), &user],
        )
        .await?;
    Ok(row.as_ref().map(account_from_row).transpose()?)
}

/// Create the account unless it exists (a concurrent creator wins, and its row is returned);
/// with `profile`, set nick and avatar either way.
async fn upsert_account(
    pool: Pool,
    sdkappid: u64,
    user: String,
    profile: Option<(String, String)>,
    now: u64,
) -> StoreResult<Account> {
    let mut c = pool.get().await.map_err(pool_err)?;
    let tx = c.transaction().await?;
    let (nick, face) = profile.clone().unwrap_or_default();
    let created = tx
        .query_opt(
            "INSERT INTO accounts (sdkappid, user_id, nick, face_url, created) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (sdkappid, user_id) DO NOTHING RETURNING id",
            &[&i(sdkappid), &user, &nick, &face, &i(now)],
        )
        .await?;
    if let Some(row) = created {
        let id: i64 = row.try_get(0)?;
        tx.execute("UPDATE accounts SET tiny_id = $1 WHERE id = $2", &[&i(TINY_ID_BASE + u(id)), &id]).await?;
    } else if profile.is_some() {
        tx.execute(
            "UPDATE accounts SET nick = $3, face_url = $4 WHERE sdkappid = $1 AND user_id = $2",
            &[&i(sdkappid), &user, &nick, &face],
        )
        .await?;
    }
    let acc = get_account(&tx, sdkappid, &user).await?.ok_or_else(|| pool_err("account vanished"))?;
    tx.commit().await?;
    Ok(acc)
}

async fn touch_conversation(
    c: &impl GenericClient,
    owner: &str,
    peer: &str,
    msg: &StoredMsg,
    unread: u64,
    update_last: bool,
) -> StoreResult<()> {
    let last_id = update_last.then_some(msg.id);
    let last_time = if update_last { i(msg.msg_time) } else { 0 };
    c.execute(
        "INSERT INTO conversations (sdkappid, owner, peer, last_msg_id, last_time, unread, read_time) \
         VALUES ($1, $2, $3, $4, $5, $6, 0) \
         ON CONFLICT (sdkappid, owner, peer) DO UPDATE SET unread = conversations.unread + excluded.unread",
        &[&i(msg.sdkappid), &owner, &peer, &last_id, &last_time, &i(unread)],
    )
    .await?;
    if update_last {
        c.execute(
            "UPDATE conversations SET last_msg_id = $4, last_time = $5 \
             WHERE sdkappid = $1 AND owner = $2 AND peer = $3 AND last_time <= $5",
            &[&i(msg.sdkappid), &owner, &peer, &msg.id, &last_time],
        )
        .await?;
    }
    Ok(())
}

async fn store_c2c_once(pool: Pool, msg: StoredMsg, fanout: Fanout) -> StoreResult<Inserted> {
    let mut c = pool.get().await.map_err(pool_err)?;
    let tx = c.transaction().await?;
    let inserted = tx
        .query_opt(
            "INSERT INTO c2c_msgs (sdkappid, from_user, to_user, msg_seq, msg_random, msg_time, client_time, \
             from_tiny_id, body, cloud_custom_data, nick, headurl, flags) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (sdkappid, from_user, to_user, msg_seq, msg_random) DO NOTHING RETURNING id",
            &[
                &i(msg.sdkappid),
                &msg.from,
                &msg.to,
                &i(msg.msg_seq),
                &i(msg.msg_random),
                &i(msg.msg_time),
                &i(msg.client_time),
                &i(msg.from_tiny_id),
                &msg.body,
                &msg.cloud_custom_data,
                &msg.nick,
                &msg.headurl,
                &i64::from(msg.flags),
            ],
        )
        .await?;
    let Some(row) = inserted else {
        // The conflicting row is committed (ON CONFLICT waited for it); this statement sees it.
        let old = tx
            .query_opt(
                &format!(
                    "SELECT {MSG_COLS} FROM c2c_msgs m WHERE m.sdkappid = $1 AND m.from_user = $2 AND m.to_user = $3 \
                     AND m.msg_seq = $4 AND m.msg_random = $5"
                ),
                &[&i(msg.sdkappid), &msg.from, &msg.to, &i(msg.msg_seq), &i(msg.msg_random)],
            )
            .await?;
        tx.rollback().await?;
        return match old {
            Some(r) => Ok(Inserted::Duplicate(msg_from_row(&r, 0)?)),
            None => Err(pool_err("duplicate message vanished")),
        };
    };
    let stored = StoredMsg { id: row.try_get(0)?, ..msg };
    let to_self = stored.from == stored.to;
    let sync_sender = fanout.sync_sender && !to_self;
    // Stream heads in sorted order (no lock-order deadlock between opposite messages).
    let mut users: Vec<&str> = vec![&stored.to];
    if sync_sender {
        users.push(&stored.from);
    }
    users.sort_unstable();
    for user in users {
        let pos: i64 = tx
            .query_one(
                "INSERT INTO stream_heads (sdkappid, user_id, last_pos) VALUES ($1, $2, 1) \
                 ON CONFLICT (sdkappid, user_id) DO UPDATE SET last_pos = stream_heads.last_pos + 1 \
                 RETURNING last_pos",
                &[&i(stored.sdkappid), &user],
            )
            .await?
            .try_get(0)?;
        tx.execute(
            "INSERT INTO sync_stream (sdkappid, user_id, pos, msg_id) VALUES ($1, $2, $3, $4)",
            &[&i(stored.sdkappid), &user, &pos, &stored.id],
        )
        .await?;
    }
    let unread = u64::from(fanout.count_unread && !to_self);
    touch_conversation(&tx, &stored.to, &stored.from, &stored, unread, fanout.update_last).await?;
    if sync_sender {
        touch_conversation(&tx, &stored.from, &stored.to, &stored, 0, fanout.update_last).await?;
    }
    tx.commit().await?;
    Ok(Inserted::New(stored))
}

async fn mark_read_once(pool: Pool, sdkappid: u64, owner: String, peer: String, up_to: u64) -> StoreResult<u64> {
    let mut c = pool.get().await.map_err(pool_err)?;
    let tx = c.transaction().await?;
    // The upsert row-locks the conversation: a concurrent message's `unread + 1` waits for the
    // recount below, or is counted by it.
    let read_time: i64 = tx
        .query_one(
            "INSERT INTO conversations (sdkappid, owner, peer, last_msg_id, last_time, unread, read_time) \
             VALUES ($1, $2, $3, NULL, 0, 0, $4) \
             ON CONFLICT (sdkappid, owner, peer) DO UPDATE SET \
             read_time = GREATEST(conversations.read_time, excluded.read_time) RETURNING read_time",
            &[&i(sdkappid), &owner, &peer, &i(up_to)],
        )
        .await?
        .try_get(0)?;
    let left: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM c2c_msgs WHERE sdkappid = $1 AND from_user = $3 AND to_user = $2 AND msg_time > $4",
            &[&i(sdkappid), &owner, &peer, &read_time],
        )
        .await?
        .try_get(0)?;
    tx.execute(
        "UPDATE conversations SET unread = $4 WHERE sdkappid = $1 AND owner = $2 AND peer = $3",
        &[&i(sdkappid), &owner, &peer, &left],
    )
    .await?;
    tx.commit().await?;
    Ok(u(read_time))
}

impl Store for PgStore {
    fn apps(&self) -> StoreResult<Vec<App>> {
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c.query("SELECT sdkappid, secret_key, admin FROM apps ORDER BY created, sdkappid", &[]).await?;
            rows.iter()
                .map(|r| Ok(App { sdkappid: u(r.try_get(0)?), secret_key: r.try_get(1)?, admin: r.try_get(2)? }))
                .collect()
        })
    }

    fn put_app(&self, app: &App) -> StoreResult<()> {
        let app = app.clone();
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute(
                "INSERT INTO apps (sdkappid, secret_key, admin, created) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (sdkappid) DO UPDATE SET secret_key = excluded.secret_key, admin = excluded.admin",
                &[&i(app.sdkappid), &app.secret_key, &app.admin, &i(crate::now())],
            )
            .await?;
            Ok(())
        })
    }

    fn account(&self, sdkappid: u64, user: &str) -> StoreResult<Option<Account>> {
        let user = user.to_string();
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            get_account(&c, sdkappid, &user).await
        })
    }

    fn ensure_account(&self, sdkappid: u64, user: &str, now: u64) -> StoreResult<Account> {
        let user = user.to_string();
        self.run_tx(move |pool| upsert_account(pool, sdkappid, user.clone(), None, now))
    }

    fn import_account(&self, sdkappid: u64, user: &str, nick: &str, face_url: &str, now: u64) -> StoreResult<Account> {
        let (user, profile) = (user.to_string(), (nick.to_string(), face_url.to_string()));
        self.run_tx(move |pool| upsert_account(pool, sdkappid, user.clone(), Some(profile.clone()), now))
    }

    fn store_c2c(&self, msg: &StoredMsg, fanout: Fanout) -> StoreResult<Inserted> {
        let msg = msg.clone();
        self.run_tx(move |pool| store_c2c_once(pool, msg.clone(), fanout))
    }

    fn stream_after(&self, sdkappid: u64, user: &str, after: i64, limit: usize) -> StoreResult<Vec<(i64, StoredMsg)>> {
        let user = user.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT s.pos, {MSG_COLS} FROM sync_stream s JOIN c2c_msgs m ON m.id = s.msg_id \
                         WHERE s.sdkappid = $1 AND s.user_id = $2 AND s.pos > $3 ORDER BY s.pos LIMIT $4"
                    ),
                    &[&i(sdkappid), &user, &after, &i(limit as u64)],
                )
                .await?;
            rows.iter().map(|r| Ok((r.try_get(0)?, msg_from_row(r, 1)?))).collect()
        })
    }

    fn stream_end(&self, sdkappid: u64, user: &str) -> StoreResult<i64> {
        let user = user.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_one(
                    "SELECT COALESCE(MAX(pos), 0) FROM sync_stream WHERE sdkappid = $1 AND user_id = $2",
                    &[&i(sdkappid), &user],
                )
                .await?;
            Ok(row.try_get(0)?)
        })
    }

    fn stream_unread_after(
        &self,
        sdkappid: u64,
        user: &str,
        after: i64,
        upto: i64,
        limit: usize,
    ) -> StoreResult<Vec<(i64, StoredMsg)>> {
        let user = user.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT s.pos, {MSG_COLS} FROM sync_stream s JOIN c2c_msgs m ON m.id = s.msg_id \
                         JOIN conversations c ON c.sdkappid = s.sdkappid AND c.owner = s.user_id \
                         AND c.peer = CASE WHEN m.from_user = s.user_id THEN m.to_user ELSE m.from_user END \
                         WHERE s.sdkappid = $1 AND s.user_id = $2 AND s.pos > $3 AND s.pos <= $4 \
                         AND c.unread > 0 AND m.msg_time >= c.read_time ORDER BY s.pos LIMIT $5"
                    ),
                    &[&i(sdkappid), &user, &after, &upto, &i(limit as u64)],
                )
                .await?;
            rows.iter().map(|r| Ok((r.try_get(0)?, msg_from_row(r, 1)?))).collect()
        })
    }

    fn history_after(
        &self,
        sdkappid: u64,
        user: &str,
        peer: &str,
        after: (u64, i64),
        limit: usize,
    ) -> StoreResult<Vec<StoredMsg>> {
        let (user, peer) = (user.to_string(), peer.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT {MSG_COLS} FROM c2c_msgs m WHERE m.sdkappid = $1 \
                         AND ((m.from_user = $2 AND m.to_user = $3) OR (m.from_user = $3 AND m.to_user = $2)) \
                         AND (m.msg_time > $4 OR (m.msg_time = $4 AND m.id > $5)) \
                         ORDER BY m.msg_time, m.id LIMIT $6"
                    ),
                    &[&i(sdkappid), &user, &peer, &i(after.0), &after.1, &i(limit as u64)],
                )
                .await?;
            rows.iter().map(|r| Ok(msg_from_row(r, 0)?)).collect()
        })
    }

    fn history(
        &self,
        sdkappid: u64,
        user: &str,
        peer: &str,
        before: Option<(u64, i64)>,
        limit: usize,
    ) -> StoreResult<Vec<StoredMsg>> {
        let (user, peer) = (user.to_string(), peer.to_string());
        let (bt, bid) = before.map(|(t, id)| (i(t), id)).unwrap_or((i64::MAX, i64::MAX));
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT {MSG_COLS} FROM c2c_msgs m WHERE m.sdkappid = $1 \
                         AND ((m.from_user = $2 AND m.to_user = $3) OR (m.from_user = $3 AND m.to_user = $2)) \
                         AND (m.msg_time < $4 OR (m.msg_time = $4 AND m.id < $5)) \
                         ORDER BY m.msg_time DESC, m.id DESC LIMIT $6"
                    ),
                    &[&i(sdkappid), &user, &peer, &bt, &bid, &i(limit as u64)],
                )
                .await?;
            rows.iter().map(|r| Ok(msg_from_row(r, 0)?)).collect()
        })
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
        let (a, b) = (a.to_string(), b.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    &format!(
                        "SELECT {MSG_COLS} FROM c2c_msgs m WHERE m.sdkappid = $1 \
                         AND ((m.from_user = $2 AND m.to_user = $3) OR (m.from_user = $3 AND m.to_user = $2)) \
                         AND m.msg_seq = $4 AND m.msg_random = $5 AND m.msg_time = $6"
                    ),
                    &[&i(sdkappid), &a, &b, &i(seq), &i(random), &i(time)],
                )
                .await?;
            Ok(row.as_ref().map(|r| msg_from_row(r, 0)).transpose()?)
        })
    }

    fn conversations(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<Conversation>> {
        let owner = owner.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT c.peer, c.unread, c.read_time, COALESCE(p.read_time, 0), m.id IS NOT NULL, {MSG_COLS} \
                         FROM conversations c \
                         LEFT JOIN conversations p ON p.sdkappid = c.sdkappid AND p.owner = c.peer AND p.peer = c.owner \
                         LEFT JOIN c2c_msgs m ON m.id = c.last_msg_id \
                         WHERE c.sdkappid = $1 AND c.owner = $2 ORDER BY c.last_time DESC, c.peer"
                    ),
                    &[&i(sdkappid), &owner],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    let has_last: bool = r.try_get(4)?;
                    Ok(Conversation {
                        owner: owner.clone(),
                        peer: r.try_get(0)?,
                        unread: u(r.try_get(1)?),
                        read_time: u(r.try_get(2)?),
                        peer_read_time: u(r.try_get(3)?),
                        last: if has_last { Some(msg_from_row(r, 5)?) } else { None },
                    })
                })
                .collect()
        })
    }

    fn mark_read(&self, sdkappid: u64, owner: &str, peer: &str, up_to: u64) -> StoreResult<u64> {
        let (owner, peer) = (owner.to_string(), peer.to_string());
        self.run_tx(move |pool| mark_read_once(pool, sdkappid, owner.clone(), peer.clone(), up_to))
    }

    fn read_time(&self, sdkappid: u64, owner: &str, peer: &str) -> StoreResult<u64> {
        let (owner, peer) = (owner.to_string(), peer.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    "SELECT read_time FROM conversations WHERE sdkappid = $1 AND owner = $2 AND peer = $3",
                    &[&i(sdkappid), &owner, &peer],
                )
                .await?;
            Ok(match row {
                Some(r) => u(r.try_get(0)?),
                None => 0,
            })
        })
    }

    fn put_ticket(&self, t: &Ticket) -> StoreResult<()> {
        let t = t.clone();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute(
                "INSERT INTO a2_tickets (a2, sdkappid, user_id, tiny_id, inst_id, expires, revoked) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[&t.a2, &i(t.sdkappid), &t.user_id, &i(t.tiny_id), &i(t.inst_id), &i(t.expires), &t.revoked],
            )
            .await?;
            Ok(())
        })
    }

    fn ticket(&self, a2: &str) -> StoreResult<Option<Ticket>> {
        let a2 = a2.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    "SELECT a2, sdkappid, user_id, tiny_id, inst_id, expires, revoked FROM a2_tickets WHERE a2 = $1",
                    &[&a2],
                )
                .await?;
            Ok(row.as_ref().map(ticket_from_row).transpose()?)
        })
    }

    fn revoke_ticket(&self, a2: &str) -> StoreResult<()> {
        let a2 = a2.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute("UPDATE a2_tickets SET revoked = TRUE WHERE a2 = $1", &[&a2]).await?;
            Ok(())
        })
    }

    fn revoke_user_tickets(&self, sdkappid: u64, user: &str) -> StoreResult<()> {
        let user = user.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute(
                "UPDATE a2_tickets SET revoked = TRUE WHERE sdkappid = $1 AND user_id = $2",
                &[&i(sdkappid), &user],
            )
            .await?;
            Ok(())
        })
    }
}

fn gmsg_from_row(r: &Row) -> PgResult<GroupMsg> {
    Ok(GroupMsg {
        id: r.try_get(0)?,
        sdkappid: u(r.try_get(1)?),
        group_id: r.try_get(2)?,
        msg_seq: u(r.try_get(3)?),
        from: r.try_get(4)?,
        random: u(r.try_get(5)?),
        client_seq: u(r.try_get(6)?),
        msg_time: u(r.try_get(7)?),
        client_time: u(r.try_get(8)?),
        from_tiny_id: u(r.try_get(9)?),
        body: r.try_get(10)?,
        cloud_custom_data: r.try_get(11)?,
        nick: r.try_get(12)?,
        headurl: r.try_get(13)?,
        extra: r.try_get(14)?,
        event: u32::try_from(r.try_get::<_, i64>(15)?).unwrap_or(0),
        flags: u32::try_from(r.try_get::<_, i64>(16)?).unwrap_or(0),
    })
}

fn group_from_row(r: &Row) -> PgResult<Group> {
    Ok(Group {
        sdkappid: u(r.try_get(0)?),
        group_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        owner: r.try_get(3)?,
        create_time: u(r.try_get(4)?),
        next_msg_seq: u(r.try_get(5)?),
        last_msg_time: u(r.try_get(6)?),
        info_seq: u(r.try_get(7)?),
        last_info_time: u(r.try_get(8)?),
        info: r.try_get(9)?,
        member_num: u(r.try_get(10)?),
    })
}

fn member_from_row(r: &Row, at: usize) -> PgResult<Member> {
    Ok(Member {
        user: r.try_get(at)?,
        role: r.try_get(at + 1)?,
        join_time: u(r.try_get(at + 2)?),
        read_seq: u(r.try_get(at + 3)?),
        msg_flag: r.try_get(at + 4)?,
        name_card: r.try_get(at + 5)?,
        mute_until: u(r.try_get(at + 6)?),
        custom_data: r.try_get(at + 7)?,
        join_seq: u(r.try_get(at + 8)?),
    })
}

fn app_from_row(r: &Row) -> PgResult<Application> {
    Ok(Application {
        id: r.try_get(0)?,
        sdkappid: u(r.try_get(1)?),
        group_id: r.try_get(2)?,
        applicant: r.try_get(3)?,
        apply_msg: r.try_get(4)?,
        user_defined_field: r.try_get(5)?,
        apply_time: u(r.try_get(6)?),
        state: r.try_get(7)?,
        handler: r.try_get(8)?,
        handle_time: u(r.try_get(9)?),
    })
}

async fn insert_member(c: &impl GenericClient, sdkappid: u64, group_id: &str, m: &Member) -> StoreResult<bool> {
    let n = c
        .execute(
            "INSERT INTO group_members (sdkappid, group_id, user_id, role, join_time, read_seq, msg_flag, name_card, \
             mute_until, custom_data, join_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
             COALESCE((SELECT next_msg_seq - 1 FROM tim_groups WHERE sdkappid = $1 AND group_id = $2), 0)) \
             ON CONFLICT (sdkappid, group_id, user_id) DO NOTHING",
            &[
                &i(sdkappid),
                &group_id,
                &m.user,
                &m.role,
                &i(m.join_time),
                &i(m.read_seq),
                &m.msg_flag,
                &m.name_card,
                &i(m.mute_until),
                &if m.custom_data.is_empty() { "[]" } else { m.custom_data.as_str() },
            ],
        )
        .await?;
    Ok(n > 0)
}

/// One attempt of [`GroupStore::store_group_msg`]. The `UPDATE … next_msg_seq + 1` row-locks the
/// group until commit, so concurrent senders (any process) take sequences one after another:
/// no duplicates (and the unique key backs that), no gaps (a rollback undoes the increment). The
/// dedup lookup runs after the lock, so a concurrent resend sees the committed first copy.
async fn store_group_msg_once(pool: Pool, msg: GroupMsg) -> StoreResult<GroupInserted> {
    let mut c = pool.get().await.map_err(pool_err)?;
    let tx = c.transaction().await?;
    let seq = tx
        .query_opt(
            "UPDATE tim_groups SET next_msg_seq = next_msg_seq + 1, \
             last_msg_time = GREATEST(last_msg_time, $3) \
             WHERE sdkappid = $1 AND group_id = $2 RETURNING next_msg_seq - 1",
            &[&i(msg.sdkappid), &msg.group_id, &i(msg.msg_time)],
        )
        .await?;
    let Some(seq) = seq else {
        tx.rollback().await?;
        return Ok(GroupInserted::NoGroup);
    };
    let seq: i64 = seq.try_get(0)?;
    if msg.event == 0 {
        let old = tx
            .query_opt(
                &format!(
                    "SELECT {GMSG_COLS} FROM group_msgs WHERE sdkappid = $1 AND group_id = $2 AND from_user = $3 \
                     AND random = $4 AND client_seq = $5 AND event = 0"
                ),
                &[&i(msg.sdkappid), &msg.group_id, &msg.from, &i(msg.random), &i(msg.client_seq)],
            )
            .await?;
        if let Some(old) = old {
            tx.rollback().await?;
            return Ok(GroupInserted::Duplicate(gmsg_from_row(&old)?));
        }
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO group_msgs (sdkappid, group_id, msg_seq, from_user, random, client_seq, msg_time, \
             client_time, from_tiny_id, body, cloud_custom_data, nick, headurl, extra, event, flags) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
            &[
                &i(msg.sdkappid),
                &msg.group_id,
                &seq,
                &msg.from,
                &i(msg.random),
                &i(msg.client_seq),
                &i(msg.msg_time),
                &i(msg.client_time),
                &i(msg.from_tiny_id),
                &msg.body,
                &msg.cloud_custom_data,
                &msg.nick,
                &msg.headurl,
                &msg.extra,
                &i64::from(msg.event),
                &i64::from(msg.flags),
            ],
        )
        .await?
        .try_get(0)?;
    tx.commit().await?;
    Ok(GroupInserted::New(GroupMsg { id, msg_seq: u(seq), ..msg }))
}

impl GroupStore for PgStore {
    fn create_group(&self, g: &Group, members: &[Member]) -> StoreResult<bool> {
        let (g, members) = (g.clone(), members.to_vec());
        self.run_tx(move |pool| {
            let (g, members) = (g.clone(), members.clone());
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                let n = tx
                    .execute(
                        "INSERT INTO tim_groups (sdkappid, group_id, kind, owner, create_time, next_msg_seq, \
                         last_msg_time, info_seq, last_info_time, info) VALUES ($1, $2, $3, $4, $5, 1, $5, 1, $5, $6) \
                         ON CONFLICT (sdkappid, group_id) DO NOTHING",
                        &[&i(g.sdkappid), &g.group_id, &g.kind, &g.owner, &i(g.create_time), &g.info],
                    )
                    .await?;
                if n == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                for m in &members {
                    insert_member(&tx, g.sdkappid, &g.group_id, m).await?;
                }
                tx.commit().await?;
                Ok(true)
            }
        })
    }

    fn group(&self, sdkappid: u64, group_id: &str) -> StoreResult<Option<Group>> {
        let group_id = group_id.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    &format!("SELECT {GROUP_COLS} FROM tim_groups g WHERE g.sdkappid = $1 AND g.group_id = $2"),
                    &[&i(sdkappid), &group_id],
                )
                .await?;
            Ok(row.as_ref().map(group_from_row).transpose()?)
        })
    }

    fn save_group_info(&self, sdkappid: u64, group_id: &str, info: &str, now: u64) -> StoreResult<()> {
        let (group_id, info) = (group_id.to_string(), info.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute(
                "UPDATE tim_groups SET info = $3, info_seq = info_seq + 1, last_info_time = $4 \
                 WHERE sdkappid = $1 AND group_id = $2",
                &[&i(sdkappid), &group_id, &info, &i(now)],
            )
            .await?;
            Ok(())
        })
    }

    fn destroy_group(&self, sdkappid: u64, group_id: &str) -> StoreResult<bool> {
        let group_id = group_id.to_string();
        self.run_tx(move |pool| {
            let group_id = group_id.clone();
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                let args: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&i(sdkappid), &group_id];
                let n = tx.execute("DELETE FROM tim_groups WHERE sdkappid = $1 AND group_id = $2", &args).await?;
                tx.execute("DELETE FROM group_members WHERE sdkappid = $1 AND group_id = $2", &args).await?;
                tx.execute("DELETE FROM group_msgs WHERE sdkappid = $1 AND group_id = $2", &args).await?;
                tx.execute("DELETE FROM group_applications WHERE sdkappid = $1 AND group_id = $2", &args).await?;
                tx.execute("DELETE FROM group_counters WHERE sdkappid = $1 AND group_id = $2", &args).await?;
                tx.commit().await?;
                Ok(n > 0)
            }
        })
    }

    fn members(&self, sdkappid: u64, group_id: &str) -> StoreResult<Vec<Member>> {
        let group_id = group_id.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT {MEMBER_COLS} FROM group_members m WHERE m.sdkappid = $1 AND m.group_id = $2 \
                         ORDER BY m.seq"
                    ),
                    &[&i(sdkappid), &group_id],
                )
                .await?;
            rows.iter().map(|r| Ok(member_from_row(r, 0)?)).collect()
        })
    }

    fn member(&self, sdkappid: u64, group_id: &str, user: &str) -> StoreResult<Option<Member>> {
        let (group_id, user) = (group_id.to_string(), user.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    &format!(
                        "SELECT {MEMBER_COLS} FROM group_members m WHERE m.sdkappid = $1 AND m.group_id = $2 \
                         AND m.user_id = $3"
                    ),
                    &[&i(sdkappid), &group_id, &user],
                )
                .await?;
            Ok(row.as_ref().map(|r| member_from_row(r, 0)).transpose()?)
        })
    }

    fn add_members(&self, sdkappid: u64, group_id: &str, members: &[Member]) -> StoreResult<Vec<String>> {
        let (group_id, members) = (group_id.to_string(), members.to_vec());
        self.run_tx(move |pool| {
            let (group_id, members) = (group_id.clone(), members.clone());
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                let mut added = Vec::new();
                for m in &members {
                    if insert_member(&tx, sdkappid, &group_id, m).await? {
                        added.push(m.user.clone());
                    }
                }
                tx.commit().await?;
                Ok(added)
            }
        })
    }

    fn remove_members(&self, sdkappid: u64, group_id: &str, users: &[String]) -> StoreResult<Vec<String>> {
        let (group_id, users) = (group_id.to_string(), users.to_vec());
        self.run_tx(move |pool| {
            let (group_id, users) = (group_id.clone(), users.clone());
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                let mut removed = Vec::new();
                for user in &users {
                    let n = tx
                        .execute(
                            "DELETE FROM group_members WHERE sdkappid = $1 AND group_id = $2 AND user_id = $3",
                            &[&i(sdkappid), &group_id, user],
                        )
                        .await?;
                    if n > 0 {
                        removed.push(user.clone());
                    }
                }
                tx.commit().await?;
                Ok(removed)
            }
        })
    }

    fn joined_groups(&self, sdkappid: u64, user: &str) -> StoreResult<Vec<(Group, Member)>> {
        let user = user.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT {GROUP_COLS}, {MEMBER_COLS} FROM group_members m \
                         JOIN tim_groups g ON g.sdkappid = m.sdkappid AND g.group_id = m.group_id \
                         WHERE m.sdkappid = $1 AND m.user_id = $2 ORDER BY m.seq"
                    ),
                    &[&i(sdkappid), &user],
                )
                .await?;
            rows.iter().map(|r| Ok((group_from_row(r)?, member_from_row(r, 11)?))).collect()
        })
    }

    fn store_group_msg(&self, msg: &GroupMsg) -> StoreResult<GroupInserted> {
        let msg = msg.clone();
        self.run_tx(move |pool| store_group_msg_once(pool, msg.clone()))
    }

    fn group_msgs(&self, sdkappid: u64, group_id: &str, max_seq: u64, limit: usize) -> StoreResult<Vec<GroupMsg>> {
        let group_id = group_id.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT {GMSG_COLS} FROM group_msgs WHERE sdkappid = $1 AND group_id = $2 AND msg_seq <= $3 \
                         ORDER BY msg_seq DESC LIMIT $4"
                    ),
                    &[&i(sdkappid), &group_id, &i(max_seq), &i(limit as u64)],
                )
                .await?;
            rows.iter().map(|r| Ok(gmsg_from_row(r)?)).collect()
        })
    }

    fn set_group_read(&self, sdkappid: u64, group_id: &str, user: &str, seq: u64) -> StoreResult<u64> {
        let (group_id, user) = (group_id.to_string(), user.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    "UPDATE group_members SET read_seq = GREATEST(read_seq, $4) \
                     WHERE sdkappid = $1 AND group_id = $2 AND user_id = $3 RETURNING read_seq",
                    &[&i(sdkappid), &group_id, &user, &i(seq)],
                )
                .await?;
            Ok(match row {
                Some(r) => u(r.try_get(0)?),
                None => 0,
            })
        })
    }

    fn group_unread(&self, sdkappid: u64, group_id: &str, user: &str, after_seq: u64) -> StoreResult<u64> {
        let (group_id, user) = (group_id.to_string(), user.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let n: i64 = c
                .query_one(
                    "SELECT COUNT(*) FROM group_msgs WHERE sdkappid = $1 AND group_id = $2 AND msg_seq > $4 \
                     AND from_user <> $3",
                    &[&i(sdkappid), &group_id, &user, &i(after_seq)],
                )
                .await?
                .try_get(0)?;
            Ok(u(n))
        })
    }

    fn add_members_capped(
        &self,
        sdkappid: u64,
        group_id: &str,
        members: &[Member],
        max: u64,
    ) -> StoreResult<Option<Vec<String>>> {
        let (group_id, members) = (group_id.to_string(), members.to_vec());
        self.run_tx(move |pool| {
            let (group_id, members) = (group_id.clone(), members.clone());
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                // The group row lock serialises capped adds to one group (any process).
                tx.execute(
                    "SELECT 1 FROM tim_groups WHERE sdkappid = $1 AND group_id = $2 FOR UPDATE",
                    &[&i(sdkappid), &group_id],
                )
                .await?;
                let mut added = Vec::new();
                for m in &members {
                    if insert_member(&tx, sdkappid, &group_id, m).await? {
                        added.push(m.user.clone());
                    }
                }
                let count: i64 = tx
                    .query_one(
                        "SELECT COUNT(*) FROM group_members WHERE sdkappid = $1 AND group_id = $2",
                        &[&i(sdkappid), &group_id],
                    )
                    .await?
                    .try_get(0)?;
                if max > 0 && u(count) > max && !added.is_empty() {
                    tx.rollback().await?;
                    return Ok(None);
                }
                tx.commit().await?;
                Ok(Some(added))
            }
        })
    }

    fn update_member(&self, sdkappid: u64, group_id: &str, user: &str, up: &MemberUpdate) -> StoreResult<bool> {
        let (group_id, user, up) = (group_id.to_string(), user.to_string(), up.clone());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let n = c
                .execute(
                    "UPDATE group_members SET role = COALESCE($4, role), mute_until = COALESCE($5, mute_until), \
                     name_card = COALESCE($6, name_card), custom_data = COALESCE($7, custom_data), \
                     msg_flag = COALESCE($8, msg_flag) WHERE sdkappid = $1 AND group_id = $2 AND user_id = $3",
                    &[
                        &i(sdkappid),
                        &group_id,
                        &user,
                        &up.role,
                        &up.mute_until.map(i),
                        &up.name_card,
                        &up.custom_data,
                        &up.msg_flag,
                    ],
                )
                .await?;
            Ok(n > 0)
        })
    }

    fn change_owner(&self, sdkappid: u64, group_id: &str, new_owner: &str, now: u64) -> StoreResult<bool> {
        let (group_id, new_owner) = (group_id.to_string(), new_owner.to_string());
        self.run_tx(move |pool| {
            let (group_id, new_owner) = (group_id.clone(), new_owner.clone());
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                let args: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&i(sdkappid), &group_id, &new_owner];
                let n = tx
                    .execute(
                        "UPDATE group_members SET role = 'Owner' WHERE sdkappid = $1 AND group_id = $2 \
                         AND user_id = $3",
                        &args,
                    )
                    .await?;
                if n == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                tx.execute(
                    "UPDATE group_members SET role = 'Member' WHERE sdkappid = $1 AND group_id = $2 \
                     AND role = 'Owner' AND user_id <> $3",
                    &args,
                )
                .await?;
                tx.execute(
                    "UPDATE tim_groups SET owner = $3, info_seq = info_seq + 1, last_info_time = $4 \
                     WHERE sdkappid = $1 AND group_id = $2",
                    &[&i(sdkappid), &group_id, &new_owner, &i(now)],
                )
                .await?;
                tx.commit().await?;
                Ok(true)
            }
        })
    }

    fn put_application(&self, app: &Application) -> StoreResult<Application> {
        let app = app.clone();
        self.run_tx(move |pool| {
            let app = app.clone();
            async move {
                let c = pool.get().await.map_err(pool_err)?;
                let id: i64 = c
                    .query_one(
                        "INSERT INTO group_applications (sdkappid, group_id, applicant, apply_msg, \
                         user_defined_field, apply_time, state) VALUES ($1, $2, $3, $4, $5, $6, 'Pending') \
                         ON CONFLICT (sdkappid, group_id, applicant) WHERE state = 'Pending' \
                         DO UPDATE SET apply_msg = EXCLUDED.apply_msg, \
                         user_defined_field = EXCLUDED.user_defined_field, apply_time = EXCLUDED.apply_time \
                         RETURNING id",
                        &[
                            &i(app.sdkappid),
                            &app.group_id,
                            &app.applicant,
                            &app.apply_msg,
                            &app.user_defined_field,
                            &i(app.apply_time),
                        ],
                    )
                    .await?
                    .try_get(0)?;
                Ok(Application { id, state: "Pending".into(), handler: String::new(), handle_time: 0, ..app })
            }
        })
    }

    fn application(&self, sdkappid: u64, group_id: &str, applicant: &str) -> StoreResult<Option<Application>> {
        let (group_id, applicant) = (group_id.to_string(), applicant.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    &format!(
                        "SELECT {APP_COLS} FROM group_applications a WHERE a.sdkappid = $1 AND a.group_id = $2 \
                         AND a.applicant = $3 ORDER BY a.id DESC LIMIT 1"
                    ),
                    &[&i(sdkappid), &group_id, &applicant],
                )
                .await?;
            Ok(row.as_ref().map(app_from_row).transpose()?)
        })
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
        let (group_id, applicant, state, handler) =
            (group_id.to_string(), applicant.to_string(), state.to_string(), handler.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            // One UPDATE … WHERE state = 'Pending': concurrent handlers wait on the row lock and
            // the losers re-check the condition and update nothing.
            let row = c
                .query_opt(
                    "UPDATE group_applications a SET state = $4, handler = $5, handle_time = $6 \
                     WHERE a.sdkappid = $1 AND a.group_id = $2 AND a.applicant = $3 AND a.state = 'Pending' \
                     RETURNING a.id, a.sdkappid, a.group_id, a.applicant, a.apply_msg, a.user_defined_field, \
                     a.apply_time, a.state, a.handler, a.handle_time",
                    &[&i(sdkappid), &group_id, &applicant, &state, &handler, &i(now)],
                )
                .await?;
            Ok(row.as_ref().map(app_from_row).transpose()?)
        })
    }

    fn pending_applications(&self, sdkappid: u64, handler: &str) -> StoreResult<Vec<Application>> {
        let handler = handler.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT {APP_COLS} FROM group_applications a JOIN group_members m \
                         ON m.sdkappid = a.sdkappid AND m.group_id = a.group_id AND m.user_id = $2 \
                         AND m.role IN ('Owner', 'Admin') WHERE a.sdkappid = $1 AND a.state = 'Pending' \
                         ORDER BY a.apply_time, a.id"
                    ),
                    &[&i(sdkappid), &handler],
                )
                .await?;
            rows.iter().map(|r| Ok(app_from_row(r)?)).collect()
        })
    }

    fn update_counters(
        &self,
        sdkappid: u64,
        group_id: &str,
        mode: CounterMode,
        items: &[(String, i64)],
    ) -> StoreResult<Vec<(String, i64)>> {
        let (group_id, items) = (group_id.to_string(), items.to_vec());
        self.run_tx(move |pool| {
            let (group_id, items) = (group_id.clone(), items.clone());
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                // Decrease adds the negated value, so a missing key starts at 0 either way.
                let update = match mode {
                    CounterMode::Set => "EXCLUDED.value",
                    CounterMode::Increase | CounterMode::Decrease => {
                        "LEAST(GREATEST(group_counters.value + EXCLUDED.value, $5), $6)"
                    }
                };
                let sql = format!(
                    "INSERT INTO group_counters (sdkappid, group_id, ckey, value) \
                     VALUES ($1, $2, $3, LEAST(GREATEST($4::BIGINT, $5), $6)) \
                     ON CONFLICT (sdkappid, group_id, ckey) DO UPDATE SET value = {update} RETURNING value"
                );
                let mut out = Vec::new();
                for (key, value) in &items {
                    let delta = if mode == CounterMode::Decrease { value.saturating_neg() } else { *value };
                    let v: i64 = tx
                        .query_one(&sql, &[&i(sdkappid), &group_id, key, &delta, &-COUNTER_LIMIT, &COUNTER_LIMIT])
                        .await?
                        .try_get(0)?;
                    out.push((key.clone(), v));
                }
                tx.commit().await?;
                Ok(out)
            }
        })
    }

    fn counters(&self, sdkappid: u64, group_id: &str) -> StoreResult<Vec<(String, i64)>> {
        let group_id = group_id.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    "SELECT ckey, value FROM group_counters WHERE sdkappid = $1 AND group_id = $2 ORDER BY ckey",
                    &[&i(sdkappid), &group_id],
                )
                .await?;
            rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
        })
    }
}

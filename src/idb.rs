//! The IndexedDB cache: one database per SDKAppID + user (docs/cache.md).
//!
//! Stores (schema version [`DB_VERSION`], migrated step by step in [`open`]):
//! - `conversations`: Conversation JSON text, keyed by conversationID;
//! - `messages`: `{c: conversationID, o: order, t: time, i: ID, w: written, v: Message JSON text}`
//!   keyed by message ID, indexed by `conv_order` (`[c, o, i]`: pages of one conversation; the order is
//!   the group sequence or the C2C time) and by `time` (`t`: eviction, oldest first);
//! - `groups`: Group JSON text by groupID: the joined-group list, replaced as a whole when it
//!   changes;
//! - `outbox`: `{ID, message, opts}` JSON text of messages sent while offline, never evicted;
//! - `meta`: the sync cursors under the key `sync`.
//!
//! Warm start reads conversations, groups, outbox and meta; history pages are read on demand.

use std::cell::Cell;

use indexed_db_futures::{
    cursor::CursorDirection,
    database::Database,
    error::{Error as IdbError, OpenDbError},
    prelude::*,
    transaction::TransactionMode,
    KeyRange,
};
use js_sys::{Array, Object, Reflect};
use serde_json::{json, Value};
use tim_core::value::json_text;
use wasm_bindgen::JsValue;

/// Schema version; each step of the upgrade in [`open`] moves one version up.
pub const DB_VERSION: u32 = 2;
const CONVERSATIONS: &str = "conversations";
const MESSAGES: &str = "messages";
const GROUPS: &str = "groups";
const OUTBOX: &str = "outbox";
const META: &str = "meta";
const BY_CONV: &str = "conv_order";
const BY_TIME: &str = "time";

/// The database name of a user's cache.
pub fn db_name(sdk_app_id: u64, user: &str) -> String {
    format!("tim-wasm-{sdk_app_id}-{user}")
}

/// What went wrong, as text (the cache is best-effort: a failure never loses server data).
pub type Error = String;

/// The DOM exception's name and message (e.g. `QuotaExceededError: …`). Not the error's
/// `Display`: that one formats any JS value, floats included, which costs 14 KB of wasm.
fn err(e: impl Into<OpenDbError>) -> Error {
    match e.into() {
        OpenDbError::Base(IdbError::DomException(d)) => {
            let d: web_sys::DomException = d.into();
            format!("{}: {}", d.name(), d.message())
        }
        OpenDbError::Base(_) => "IndexedDB request failed".into(),
        _ => "IndexedDB is not available".into(),
    }
}

/// Whether a failed write was refused for lack of space.
pub fn is_quota(e: &str) -> bool {
    e.contains("QuotaExceeded")
}

thread_local! {
    static QUOTA_LIMIT: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Test hook, named as such: simulate a full disk. While set, a [`save`] that would leave more
/// than `max_messages` records in the messages store fails with `QuotaExceededError`, as
/// IndexedDB does when the origin's quota is used up. `None` lifts it.
pub fn simulate_quota_exceeded(max_messages: Option<u32>) {
    QUOTA_LIMIT.with(|q| q.set(max_messages));
}

/// Open (and create or migrate) a user's database.
pub async fn open(name: &str) -> Result<Database, Error> {
    Database::open(name)
        .with_version(DB_VERSION)
        .with_on_upgrade_needed(|event, db| {
            let old = event.old_version() as u32;
            // 0 -> 1: the first stores.
            if old < 1 {
                for store in [CONVERSATIONS, MESSAGES, META] {
                    db.create_object_store(store).build()?;
                }
            }
            // 1 -> 2: messages become indexed records (the v1 text records are dropped: they
            // are a cache, read again from the server on demand); groups and outbox stores.
            if old < 2 {
                db.delete_object_store(MESSAGES)?;
                let messages = db.create_object_store(MESSAGES).build()?;
                messages.create_index(BY_CONV, ["c", "o", "i"].into()).build()?;
                messages.create_index(BY_TIME, "t".into()).build()?;
                for store in [GROUPS, OUTBOX] {
                    db.create_object_store(store).build()?;
                }
            }
            Ok(())
        })
        .await
        .map_err(err)
}

/// Every record of a store of JSON text records, as one JSON array: the texts are joined on
/// the JS side, so a thousand records cross into wasm as one string and are parsed in one go.
async fn texts(tx: &indexed_db_futures::transaction::Transaction<'_>, store: &str) -> Result<Vec<Value>, Error> {
    let records = Array::new();
    let all = tx.object_store(store).map_err(err)?.get_all::<JsValue>().primitive().map_err(err)?.await.map_err(err)?;
    for r in all.flatten() {
        // A record that is not text is not ours: skipped.
        if r.is_string() {
            records.push(&r);
        }
    }
    let joined = String::from(records.join(","));
    match serde_json::from_str(&format!("[{joined}]")) {
        Ok(Value::Array(list)) => Ok(list),
        // One damaged record: parse them one by one and keep the good ones.
        _ => Ok(records.iter().filter_map(|r| r.as_string()).filter_map(|r| serde_json::from_str(&r).ok()).collect()),
    }
}

/// The warm-start snapshot `{conversations, groups, outbox, meta}` (no messages: pages are
/// read with [`page`]).
pub async fn load(db: &Database) -> Result<Value, Error> {
    let tx = db.transaction([CONVERSATIONS, GROUPS, OUTBOX, META]).build().map_err(err)?;
    let conversations = texts(&tx, CONVERSATIONS).await?;
    let groups = texts(&tx, GROUPS).await?;
    let outbox = texts(&tx, OUTBOX).await?;
    let meta: Option<String> =
        tx.object_store(META).map_err(err)?.get("sync").primitive().map_err(err)?.await.map_err(err)?;
    let meta = meta.and_then(|m| serde_json::from_str(&m).ok()).unwrap_or(json!({}));
    Ok(json!({"conversations": conversations, "groups": groups, "outbox": outbox, "meta": meta}))
}

/// Up to `count` messages of `conv`, the newest strictly below `before` (`(order, ID)`; `None`:
/// the newest), newest first.
pub async fn page(db: &Database, conv: &str, before: Option<(u64, String)>, count: u64) -> Result<Vec<Value>, Error> {
    let tx = db.transaction(MESSAGES).build().map_err(err)?;
    let store = tx.object_store(MESSAGES).map_err(err)?;
    let index = store.index(BY_CONV).map_err(err)?;
    let lower: JsValue = Array::of1(&JsValue::from_str(conv)).into();
    let upper: JsValue = match &before {
        Some((o, id)) => {
            Array::of3(&JsValue::from_str(conv), &JsValue::from_f64(*o as f64), &JsValue::from_str(id)).into()
        }
        // Every [conv, ...] key sorts below [conv + "\0"].
        None => Array::of1(&JsValue::from_str(&format!("{conv}\u{0}"))).into(),
    };
    let range: KeyRange<JsValue> = KeyRange::Bound(lower, false, upper, true);
    let cursor = index
        .open_cursor()
        .with_query::<JsValue, KeyRange<JsValue>>(range)
        .with_direction(CursorDirection::Prev)
        .primitive()
        .map_err(err)?
        .await
        .map_err(err)?;
    // `(order, written, message)`; the last order taken is read whole, so that a second of C2C
    // messages is never split between two pages.
    let mut out: Vec<(f64, f64, Value)> = Vec::new();
    let Some(mut cursor) = cursor else { return Ok(Vec::new()) };
    let field = |rec: &JsValue, k: &str| Reflect::get(rec, &JsValue::from_str(k)).ok();
    while let Some(rec) = cursor.next_record::<JsValue>().await.map_err(err)? {
        let order = field(&rec, "o").and_then(|v| v.as_f64()).unwrap_or(0.0);
        if (out.len() as u64) >= count && out.last().is_none_or(|l| l.0 != order) {
            break;
        }
        let written = field(&rec, "w").and_then(|v| v.as_f64()).unwrap_or(0.0);
        let text = field(&rec, "v").and_then(|v| v.as_string()).unwrap_or_default();
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            out.push((order, written, v));
        }
    }
    // Newest first; within one order, the last written first (IDs are not arrival order).
    tim_core::value::sort_by_key2(&mut out, |r| (u64::MAX - r.0 as u64, u64::MAX - r.1 as u64));
    Ok(out.into_iter().map(|(_, _, v)| v).collect())
}

/// One cached message: its ID, conversation, order, time and JSON text.
#[derive(Debug, Clone)]
pub struct MessageRecord {
    /// Message ID (the key).
    pub id: String,
    /// conversationID.
    pub conv: String,
    /// Group sequence or C2C time.
    pub order: u64,
    /// Time (seconds).
    pub time: u64,
    /// Message JSON.
    pub json: String,
    /// When it was written (ms since the epoch * 1000 + its place in the batch): orders the
    /// messages of one second as they arrived.
    pub written: f64,
}

impl MessageRecord {
    /// The record of a Message JSON value, written at `written`.
    pub fn of(m: &Value, written: f64) -> MessageRecord {
        let s = |k: &str| m[k].as_str().unwrap_or("").to_string();
        let time = m["time"].as_u64().unwrap_or(0);
        let order = if m["conversationType"] == "GROUP" { m["sequence"].as_u64().unwrap_or(0) } else { time };
        MessageRecord { id: s("ID"), conv: s("conversationID"), order, time, json: json_text(m), written }
    }

    fn to_js(&self) -> JsValue {
        let o = Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = Reflect::set(&o, &JsValue::from_str(k), &v);
        };
        set("c", JsValue::from_str(&self.conv));
        set("o", JsValue::from_f64(self.order as f64));
        set("t", JsValue::from_f64(self.time as f64));
        set("i", JsValue::from_str(&self.id));
        set("w", JsValue::from_f64(self.written));
        set("v", JsValue::from_str(&self.json));
        o.into()
    }
}

/// One batch of writes.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// `(conversationID, JSON)`.
    pub conversations: Vec<(String, String)>,
    /// Messages.
    pub messages: Vec<MessageRecord>,
    /// Outbox records to write: `(message ID, JSON)`.
    pub outbox: Vec<(String, String)>,
    /// Outbox records to delete.
    pub outbox_delete: Vec<String>,
    /// Sync cursors (JSON; empty: unchanged).
    pub meta: String,
    /// The joined-group list `(groupID, JSON)` replacing the cached one (`None`: unchanged).
    pub groups: Option<Vec<(String, String)>>,
}

async fn count_messages(db: &Database) -> Result<u32, Error> {
    let tx = db.transaction(MESSAGES).build().map_err(err)?;
    tx.object_store(MESSAGES).map_err(err)?.count().primitive().map_err(err)?.await.map_err(err)
}

/// Write a batch in one transaction.
async fn write(db: &Database, batch: &Batch) -> Result<(), Error> {
    if let Some(max) = QUOTA_LIMIT.with(Cell::get) {
        if !batch.messages.is_empty() && count_messages(db).await? + batch.messages.len() as u32 > max {
            return Err("QuotaExceededError: simulated (idb::simulate_quota_exceeded)".into());
        }
    }
    let tx = db
        .transaction([CONVERSATIONS, MESSAGES, OUTBOX, META, GROUPS])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(err)?;
    let convs = tx.object_store(CONVERSATIONS).map_err(err)?;
    for (key, value) in &batch.conversations {
        convs.put(value.as_str()).with_key(key.as_str()).primitive().map_err(err)?;
    }
    let msgs = tx.object_store(MESSAGES).map_err(err)?;
    for m in &batch.messages {
        msgs.put(m.to_js()).with_key(m.id.as_str()).primitive().map_err(err)?;
    }
    let outbox = tx.object_store(OUTBOX).map_err(err)?;
    for (key, value) in &batch.outbox {
        outbox.put(value.as_str()).with_key(key.as_str()).primitive().map_err(err)?;
    }
    for key in &batch.outbox_delete {
        outbox.delete(key.as_str()).primitive().map_err(err)?;
    }
    if let Some(list) = &batch.groups {
        let groups = tx.object_store(GROUPS).map_err(err)?;
        groups.clear().map_err(err)?;
        for (key, value) in list {
            groups.put(value.as_str()).with_key(key.as_str()).primitive().map_err(err)?;
        }
    }
    if !batch.meta.is_empty() {
        tx.object_store(META).map_err(err)?.put(batch.meta.as_str()).with_key("sync").primitive().map_err(err)?;
    }
    tx.commit().await.map_err(err)
}

/// Delete the `n` oldest cached messages (by time), whatever their conversation: each
/// conversation keeps a contiguous run that ends at its newest cached message.
pub async fn evict_oldest(db: &Database, n: u32) -> Result<u32, Error> {
    let tx = db.transaction(MESSAGES).with_mode(TransactionMode::Readwrite).build().map_err(err)?;
    let store = tx.object_store(MESSAGES).map_err(err)?;
    let keys: Vec<String> = store
        .index(BY_TIME)
        .map_err(err)?
        .get_all_keys::<String>()
        .with_limit(n)
        .primitive()
        .map_err(err)?
        .await
        .map_err(err)?
        .filter_map(Result::ok)
        .collect();
    for k in &keys {
        store.delete(k.as_str()).primitive().map_err(err)?;
    }
    tx.commit().await.map_err(err)?;
    Ok(keys.len() as u32)
}

/// Write a batch. When the write is refused for lack of space, the oldest cached history is
/// evicted and the write tried again; if it still does not fit, the batch is written without
/// its messages, so conversations, sync cursors and the outbox are never lost to history.
pub async fn save(db: &Database, batch: Batch) -> Result<(), Error> {
    let mut last = match write(db, &batch).await {
        Ok(()) => return Ok(()),
        Err(e) if is_quota(&e) => e,
        Err(e) => return Err(e),
    };
    for _ in 0..3 {
        let cached = count_messages(db).await.unwrap_or(0);
        let n = (cached / 4).max(batch.messages.len() as u32).max(1);
        if evict_oldest(db, n).await.unwrap_or(0) == 0 {
            break;
        }
        match write(db, &batch).await {
            Ok(()) => return Ok(()),
            Err(e) if is_quota(&e) => last = e,
            Err(e) => return Err(e),
        }
    }
    let slim = Batch { messages: Vec::new(), ..batch };
    write(db, &slim).await.map_err(|e| format!("{e} (after {last})"))
}

/// Delete a user's cache (tests, and a future `clearCache` option).
pub async fn delete(name: &str) -> Result<(), Error> {
    Database::delete_by_name(name).map_err(err)?.await.map_err(err)
}

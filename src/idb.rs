//! The IndexedDB cache: one database per SDKAppID + user, holding the conversation list, the
//! messages and the sync cursor, so a reloaded page shows them before the network answers.
//!
//! Records are stored as the engine's JSON text, keyed by conversation ID / message ID.

use indexed_db_futures::{database::Database, prelude::*, transaction::TransactionMode};
use serde_json::{json, Value};

/// Schema version; each step of [`upgrade`] moves one version up.
pub const DB_VERSION: u32 = 1;
const CONVERSATIONS: &str = "conversations";
const MESSAGES: &str = "messages";
const META: &str = "meta";

/// The database name of a user's cache.
pub fn db_name(sdk_app_id: u64, user: &str) -> String {
    format!("tim-wasm-{sdk_app_id}-{user}")
}

/// What went wrong, as text (the cache is best-effort: a failure never loses server data).
pub type Error = String;

fn err(e: impl std::fmt::Display) -> Error {
    e.to_string()
}

async fn open(name: &str) -> Result<Database, Error> {
    Database::open(name)
        .with_version(DB_VERSION)
        .with_on_upgrade_needed(|event, db| {
            // Step-by-step migrations: 0 -> 1 creates the stores.
            if (event.old_version() as u32) < 1 {
                for store in [CONVERSATIONS, MESSAGES, META] {
                    db.create_object_store(store).build()?;
                }
            }
            Ok(())
        })
        .await
        .map_err(err)
}

/// Load a snapshot `{conversations, messages, meta}` (empty lists when nothing is cached).
pub async fn load(name: &str) -> Result<Value, Error> {
    let db = open(name).await?;
    let tx = db.transaction([CONVERSATIONS, MESSAGES, META]).build().map_err(err)?;
    let mut out = json!({});
    for store in [CONVERSATIONS, MESSAGES] {
        let records: Vec<String> = tx
            .object_store(store)
            .map_err(err)?
            .get_all::<String>()
            .primitive()
            .map_err(err)?
            .await
            .map_err(err)?
            .filter_map(Result::ok)
            .collect();
        let parsed: Vec<Value> = records.iter().filter_map(|r| serde_json::from_str(r).ok()).collect();
        out[store] = Value::Array(parsed);
    }
    let meta: Option<String> =
        tx.object_store(META).map_err(err)?.get("sync").primitive().map_err(err)?.await.map_err(err)?;
    out["meta"] = meta.and_then(|m| serde_json::from_str(&m).ok()).unwrap_or(json!({}));
    drop(tx);
    db.close();
    Ok(out)
}

/// One batch of writes.
#[derive(Debug, Default)]
pub struct Batch {
    /// `(conversationID, JSON)`.
    pub conversations: Vec<(String, String)>,
    /// `(message ID, JSON)`.
    pub messages: Vec<(String, String)>,
    /// Sync cursors.
    pub meta: String,
}

/// Write a batch in one transaction.
pub async fn save(name: &str, batch: Batch) -> Result<(), Error> {
    let db = open(name).await?;
    let tx =
        db.transaction([CONVERSATIONS, MESSAGES, META]).with_mode(TransactionMode::Readwrite).build().map_err(err)?;
    for (store, rows) in [(CONVERSATIONS, &batch.conversations), (MESSAGES, &batch.messages)] {
        let os = tx.object_store(store).map_err(err)?;
        for (key, value) in rows {
            os.put(value.as_str()).with_key(key.as_str()).primitive().map_err(err)?;
        }
    }
    tx.object_store(META).map_err(err)?.put(batch.meta.as_str()).with_key("sync").primitive().map_err(err)?;
    tx.commit().await.map_err(err)?;
    db.close();
    Ok(())
}

/// Delete a user's cache (tests, and a future `clearCache` option).
pub async fn delete(name: &str) -> Result<(), Error> {
    Database::delete_by_name(name).map_err(err)?.await.map_err(err)
}

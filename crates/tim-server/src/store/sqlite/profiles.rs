//! [`ProfileStore`] on SQLite.

use super::*;

fn profile_from_row(r: &Row<'_>) -> rusqlite::Result<Profile> {
    let fields: String = r.get(3)?;
    Ok(profile_of(r.get(0)?, r.get(1)?, r.get(2)?, &fields, r.get(4)?))
}

fn get_profile(c: &Connection, sdkappid: u64, user: &str) -> rusqlite::Result<Option<Profile>> {
    c.query_row(
        &format!("SELECT {PROFILE_COLS} FROM accounts WHERE sdkappid = ?1 AND user_id = ?2"),
        params![i(sdkappid), user],
        profile_from_row,
    )
    .optional()
}

impl ProfileStore for SqliteStore {
    fn profiles(&self, sdkappid: u64, users: &[String]) -> StoreResult<Vec<Profile>> {
        let c = self.conn();
        let mut out = Vec::with_capacity(users.len());
        let mut seen = std::collections::HashSet::new();
        for user in users.iter().filter(|u| seen.insert(u.as_str())) {
            if let Some(p) = get_profile(&c, sdkappid, user)? {
                out.push(p);
            }
        }
        Ok(out)
    }

    fn update_profile(
        &self,
        sdkappid: u64,
        user: &str,
        update: &ProfileUpdate,
        now: u64,
    ) -> StoreResult<Option<Profile>> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(old) = get_profile(&tx, sdkappid, user)? else { return Ok(None) };
        let fields = merged_fields(&serde_json::Value::Object(old.fields).to_string(), update);
        tx.execute(
            "UPDATE accounts SET nick = ?3, face_url = ?4, profile = ?5, profile_time = ?6 \
             WHERE sdkappid = ?1 AND user_id = ?2",
            params![
                i(sdkappid),
                user,
                update.nick.as_deref().unwrap_or(&old.nick),
                update.face_url.as_deref().unwrap_or(&old.face_url),
                fields,
                i(now)
            ],
        )?;
        let p = get_profile(&tx, sdkappid, user)?;
        tx.commit()?;
        Ok(p)
    }

    fn profile_fields(&self, sdkappid: u64) -> StoreResult<Vec<(String, String)>> {
        let c = self.conn();
        let mut q = c.prepare_cached("SELECT tag, kind FROM profile_fields WHERE sdkappid = ?1 ORDER BY seq")?;
        let rows = q.query_map(params![i(sdkappid)], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn add_profile_field(&self, sdkappid: u64, tag: &str, kind: &str, max: usize, now: u64) -> StoreResult<FieldAdded> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT kind FROM profile_fields WHERE sdkappid = ?1 AND tag = ?2",
                params![i(sdkappid), tag],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(k) = existing {
            return Ok(FieldAdded::Exists(k));
        }
        let n: i64 =
            tx.query_row("SELECT COUNT(*) FROM profile_fields WHERE sdkappid = ?1", params![i(sdkappid)], |r| {
                r.get(0)
            })?;
        if u(n) >= max as u64 {
            return Ok(FieldAdded::Full);
        }
        tx.execute(
            "INSERT INTO profile_fields (sdkappid, tag, kind, created, seq) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![i(sdkappid), tag, kind, i(now), n + 1],
        )?;
        tx.commit()?;
        Ok(FieldAdded::Added)
    }
}

//! [`ProfileStore`] on PostgreSQL. A profile write locks the account row (`FOR UPDATE`), so two
//! concurrent writes of different fields both survive the merge; registering a custom field
//! takes an advisory lock per app, so the limit holds across processes.

use super::*;

/// Advisory lock space of the per-app custom-field registry (xor-ed with the SDKAppID).
const FIELDS_LOCK: i64 = 0x7469_6d2d_7072_6f66;

fn profile_from_row(r: &Row) -> StoreResult<Profile> {
    let fields: String = r.try_get(3)?;
    Ok(profile_of(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, &fields, r.try_get(4)?))
}

impl ProfileStore for PgStore {
    fn profiles(&self, sdkappid: u64, users: &[String]) -> StoreResult<Vec<Profile>> {
        let users = users.to_vec();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!("SELECT {PROFILE_COLS} FROM accounts WHERE sdkappid = $1 AND user_id = ANY($2)"),
                    &[&i(sdkappid), &users],
                )
                .await?;
            rows.iter().map(profile_from_row).collect()
        })
    }

    fn update_profile(
        &self,
        sdkappid: u64,
        user: &str,
        update: &ProfileUpdate,
        now: u64,
    ) -> StoreResult<Option<Profile>> {
        let (user, update) = (user.to_string(), update.clone());
        self.run_tx(move |pool| {
            let (user, update) = (user.clone(), update.clone());
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                let Some(row) = tx
                    .query_opt(
                        &format!("SELECT {PROFILE_COLS} FROM accounts WHERE sdkappid = $1 AND user_id = $2 FOR UPDATE"),
                        &[&i(sdkappid), &user],
                    )
                    .await?
                else {
                    return Ok(None);
                };
                let old = profile_from_row(&row)?;
                let fields = merged_fields(&serde_json::Value::Object(old.fields).to_string(), &update);
                let nick = update.nick.clone().unwrap_or(old.nick);
                let face = update.face_url.clone().unwrap_or(old.face_url);
                let row = tx
                    .query_one(
                        &format!(
                            "UPDATE accounts SET nick = $3, face_url = $4, profile = $5, profile_time = $6 \
                             WHERE sdkappid = $1 AND user_id = $2 RETURNING {PROFILE_COLS}"
                        ),
                        &[&i(sdkappid), &user, &nick, &face, &fields, &i(now)],
                    )
                    .await?;
                let p = profile_from_row(&row)?;
                tx.commit().await?;
                Ok(Some(p))
            }
        })
    }

    fn profile_fields(&self, sdkappid: u64) -> StoreResult<Vec<(String, String)>> {
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query("SELECT tag, kind FROM profile_fields WHERE sdkappid = $1 ORDER BY seq", &[&i(sdkappid)])
                .await?;
            rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
        })
    }

    fn add_profile_field(&self, sdkappid: u64, tag: &str, kind: &str, max: usize, now: u64) -> StoreResult<FieldAdded> {
        let (tag, kind) = (tag.to_string(), kind.to_string());
        self.run_tx(move |pool| {
            let (tag, kind) = (tag.clone(), kind.clone());
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&(FIELDS_LOCK ^ i(sdkappid))]).await?;
                let existing = tx
                    .query_opt(
                        "SELECT kind FROM profile_fields WHERE sdkappid = $1 AND tag = $2",
                        &[&i(sdkappid), &tag],
                    )
                    .await?;
                if let Some(r) = existing {
                    return Ok(FieldAdded::Exists(r.try_get(0)?));
                }
                let n: i64 = tx
                    .query_one("SELECT COUNT(*) FROM profile_fields WHERE sdkappid = $1", &[&i(sdkappid)])
                    .await?
                    .try_get(0)?;
                if u(n) >= max as u64 {
                    return Ok(FieldAdded::Full);
                }
                tx.execute(
                    "INSERT INTO profile_fields (sdkappid, tag, kind, created, seq) VALUES ($1, $2, $3, $4, $5)",
                    &[&i(sdkappid), &tag, &kind, &i(now), &(n + 1)],
                )
                .await?;
                tx.commit().await?;
                Ok(FieldAdded::Added)
            }
        })
    }
}

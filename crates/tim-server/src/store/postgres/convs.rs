//! [`ConvStore`] on PostgreSQL.

use super::*;

fn state_from_row(r: &Row) -> StoreResult<ConvState> {
    Ok(ConvState {
        kind: u8::try_from(r.try_get::<_, i64>(0)?).unwrap_or(0),
        peer: r.try_get(1)?,
        order_key: u(r.try_get(2)?),
        pinned: r.try_get::<_, i64>(3)? != 0,
        marks: marks_from_db(r.try_get(4)?),
        custom_data: r.try_get(5)?,
        del_point: r.try_get(6)?,
    })
}

impl ConvStore for PgStore {
    fn conv_states(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<ConvState>> {
        let owner = owner.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT {STATE_COLS} FROM conv_state WHERE sdkappid = $1 AND owner = $2 ORDER BY kind, peer"
                    ),
                    &[&i(sdkappid), &owner],
                )
                .await?;
            rows.iter().map(state_from_row).collect()
        })
    }

    fn conv_state(&self, sdkappid: u64, owner: &str, kind: u8, peer: &str) -> StoreResult<ConvState> {
        let (owner, peer) = (owner.to_string(), peer.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    &format!(
                        "SELECT {STATE_COLS} FROM conv_state WHERE sdkappid = $1 AND owner = $2 AND kind = $3 \
                         AND peer = $4"
                    ),
                    &[&i(sdkappid), &owner, &i64::from(kind), &peer],
                )
                .await?;
            match row {
                Some(r) => state_from_row(&r),
                None => Ok(ConvState { kind, peer, ..ConvState::default() }),
            }
        })
    }

    fn put_conv_state(&self, sdkappid: u64, owner: &str, s: &ConvState) -> StoreResult<()> {
        let (owner, s) = (owner.to_string(), s.clone());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute(
                "INSERT INTO conv_state (sdkappid, owner, kind, peer, order_key, pinned, marks, custom_data, \
                 del_point) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (sdkappid, owner, kind, peer) DO UPDATE SET order_key = EXCLUDED.order_key, \
                 pinned = EXCLUDED.pinned, marks = EXCLUDED.marks, custom_data = EXCLUDED.custom_data, \
                 del_point = EXCLUDED.del_point",
                &[
                    &i(sdkappid),
                    &owner,
                    &i64::from(s.kind),
                    &s.peer,
                    &i(s.order_key),
                    &i64::from(s.pinned),
                    &marks_to_db(s.marks),
                    &s.custom_data,
                    &s.del_point,
                ],
            )
            .await?;
            Ok(())
        })
    }

    fn conv_groups(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<(u64, String)>> {
        let owner = owner.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    "SELECT group_id, name FROM conv_groups WHERE sdkappid = $1 AND owner = $2 ORDER BY group_id",
                    &[&i(sdkappid), &owner],
                )
                .await?;
            rows.iter().map(|r| Ok((u(r.try_get(0)?), r.try_get(1)?))).collect()
        })
    }

    fn add_conv_group(&self, sdkappid: u64, owner: &str, name: &str) -> StoreResult<Option<u64>> {
        let (owner, name) = (owner.to_string(), name.to_string());
        self.run_tx(move |pool| {
            let (owner, name) = (owner.clone(), name.clone());
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                // One creator at a time per owner, so the next id is free.
                tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&format!("convgroups:{sdkappid}:{owner}")])
                    .await?;
                let id: i64 = tx
                    .query_one(
                        "SELECT COALESCE(MAX(group_id), 0) + 1 FROM conv_groups WHERE sdkappid = $1 AND owner = $2",
                        &[&i(sdkappid), &owner],
                    )
                    .await?
                    .try_get(0)?;
                let n = tx
                    .execute(
                        "INSERT INTO conv_groups (sdkappid, owner, group_id, name) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT DO NOTHING",
                        &[&i(sdkappid), &owner, &id, &name],
                    )
                    .await?;
                tx.commit().await?;
                Ok((n > 0).then_some(u(id)))
            }
        })
    }

    fn rename_conv_group(&self, sdkappid: u64, owner: &str, id: u64, name: &str) -> StoreResult<bool> {
        let (owner, name) = (owner.to_string(), name.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let n = c
                .execute(
                    "UPDATE conv_groups SET name = $4 WHERE sdkappid = $1 AND owner = $2 AND group_id = $3 \
                     AND NOT EXISTS (SELECT 1 FROM conv_groups x WHERE x.sdkappid = $1 AND x.owner = $2 \
                     AND x.name = $4)",
                    &[&i(sdkappid), &owner, &i(id), &name],
                )
                .await;
            match n {
                Ok(n) => Ok(n > 0),
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => Ok(false),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn delete_conv_group(&self, sdkappid: u64, owner: &str, id: u64) -> StoreResult<()> {
        let owner = owner.to_string();
        self.run_tx(move |pool| {
            let owner = owner.clone();
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                for table in ["conv_groups", "conv_group_members"] {
                    tx.execute(
                        &format!("DELETE FROM {table} WHERE sdkappid = $1 AND owner = $2 AND group_id = $3"),
                        &[&i(sdkappid), &owner, &i(id)],
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        })
    }

    fn conv_group_members(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<(u64, u8, String)>> {
        let owner = owner.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    "SELECT group_id, kind, peer FROM conv_group_members WHERE sdkappid = $1 AND owner = $2 \
                     ORDER BY group_id, kind, peer",
                    &[&i(sdkappid), &owner],
                )
                .await?;
            rows.iter()
                .map(|r| Ok((u(r.try_get(0)?), u8::try_from(r.try_get::<_, i64>(1)?).unwrap_or(0), r.try_get(2)?)))
                .collect()
        })
    }

    fn set_conv_group_member(
        &self,
        sdkappid: u64,
        owner: &str,
        id: u64,
        kind: u8,
        peer: &str,
        member: bool,
    ) -> StoreResult<bool> {
        let (owner, peer) = (owner.to_string(), peer.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let sql = if member {
                "INSERT INTO conv_group_members (sdkappid, owner, group_id, kind, peer) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT DO NOTHING"
            } else {
                "DELETE FROM conv_group_members WHERE sdkappid = $1 AND owner = $2 AND group_id = $3 AND kind = $4 \
                 AND peer = $5"
            };
            let n = c.execute(sql, &[&i(sdkappid), &owner, &i(id), &i64::from(kind), &peer]).await?;
            Ok(n > 0)
        })
    }
}

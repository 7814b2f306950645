//! [`ConvStore`] on SQLite.

use super::*;

fn state_from_row(r: &Row<'_>) -> rusqlite::Result<ConvState> {
    Ok(ConvState {
        kind: u8::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
        peer: r.get(1)?,
        order_key: u(r.get(2)?),
        pinned: r.get::<_, i64>(3)? != 0,
        marks: marks_from_db(r.get(4)?),
        custom_data: r.get(5)?,
        del_point: r.get(6)?,
    })
}

impl ConvStore for SqliteStore {
    fn conv_states(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<ConvState>> {
        let c = self.conn();
        let mut q = c.prepare_cached(&format!(
            "SELECT {STATE_COLS} FROM conv_state WHERE sdkappid = ?1 AND owner = ?2 ORDER BY kind, peer"
        ))?;
        let rows = q.query_map(params![i(sdkappid), owner], state_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn conv_state(&self, sdkappid: u64, owner: &str, kind: u8, peer: &str) -> StoreResult<ConvState> {
        let found = self
            .conn()
            .query_row(
                &format!(
                    "SELECT {STATE_COLS} FROM conv_state WHERE sdkappid = ?1 AND owner = ?2 AND kind = ?3 AND peer = ?4"
                ),
                params![i(sdkappid), owner, i64::from(kind), peer],
                state_from_row,
            )
            .optional()?;
        Ok(found.unwrap_or_else(|| ConvState { kind, peer: peer.to_string(), ..ConvState::default() }))
    }

    fn put_conv_state(&self, sdkappid: u64, owner: &str, s: &ConvState) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO conv_state (sdkappid, owner, kind, peer, order_key, pinned, marks, custom_data, del_point) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT (sdkappid, owner, kind, peer) DO UPDATE SET order_key = excluded.order_key, \
             pinned = excluded.pinned, marks = excluded.marks, custom_data = excluded.custom_data, \
             del_point = excluded.del_point",
            params![
                i(sdkappid),
                owner,
                i64::from(s.kind),
                s.peer,
                i(s.order_key),
                i64::from(s.pinned),
                marks_to_db(s.marks),
                s.custom_data,
                s.del_point
            ],
        )?;
        Ok(())
    }

    fn conv_groups(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<(u64, String)>> {
        let c = self.conn();
        let mut q = c.prepare_cached(
            "SELECT group_id, name FROM conv_groups WHERE sdkappid = ?1 AND owner = ?2 ORDER BY group_id",
        )?;
        let rows = q.query_map(params![i(sdkappid), owner], |r| Ok((u(r.get(0)?), r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn add_conv_group(&self, sdkappid: u64, owner: &str, name: &str) -> StoreResult<Option<u64>> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: i64 = tx.query_row(
            "SELECT COALESCE(MAX(group_id), 0) + 1 FROM conv_groups WHERE sdkappid = ?1 AND owner = ?2",
            params![i(sdkappid), owner],
            |r| r.get(0),
        )?;
        let n = tx.execute(
            "INSERT INTO conv_groups (sdkappid, owner, group_id, name) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT DO NOTHING",
            params![i(sdkappid), owner, id, name],
        )?;
        tx.commit()?;
        Ok((n > 0).then_some(u(id)))
    }

    fn rename_conv_group(&self, sdkappid: u64, owner: &str, id: u64, name: &str) -> StoreResult<bool> {
        let n = self.conn().execute(
            "UPDATE conv_groups SET name = ?4 WHERE sdkappid = ?1 AND owner = ?2 AND group_id = ?3 \
             AND NOT EXISTS (SELECT 1 FROM conv_groups x WHERE x.sdkappid = ?1 AND x.owner = ?2 AND x.name = ?4)",
            params![i(sdkappid), owner, i(id), name],
        )?;
        Ok(n > 0)
    }

    fn delete_conv_group(&self, sdkappid: u64, owner: &str, id: u64) -> StoreResult<()> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for table in ["conv_groups", "conv_group_members"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE sdkappid = ?1 AND owner = ?2 AND group_id = ?3"),
                params![i(sdkappid), owner, i(id)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn conv_group_members(&self, sdkappid: u64, owner: &str) -> StoreResult<Vec<(u64, u8, String)>> {
        let c = self.conn();
        let mut q = c.prepare_cached(
            "SELECT group_id, kind, peer FROM conv_group_members WHERE sdkappid = ?1 AND owner = ?2 \
             ORDER BY group_id, kind, peer",
        )?;
        let rows = q.query_map(params![i(sdkappid), owner], |r| {
            Ok((u(r.get(0)?), u8::try_from(r.get::<_, i64>(1)?).unwrap_or(0), r.get(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
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
        let sql = if member {
            "INSERT INTO conv_group_members (sdkappid, owner, group_id, kind, peer) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM conv_group_members WHERE sdkappid = ?1 AND owner = ?2 AND group_id = ?3 AND kind = ?4 \
             AND peer = ?5"
        };
        let n = self.conn().execute(sql, params![i(sdkappid), owner, i(id), i64::from(kind), peer])?;
        Ok(n > 0)
    }
}

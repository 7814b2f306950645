//! [`RoomStore`] on SQLite.

use super::*;

impl RoomStore for SqliteStore {
    fn bump_group_seq(&self, sdkappid: u64, group_id: &str, now: u64) -> StoreResult<Option<u64>> {
        let seq: Option<i64> = self
            .conn()
            .query_row(
                "UPDATE tim_groups SET next_msg_seq = next_msg_seq + 1, last_msg_time = MAX(last_msg_time, ?3) \
                 WHERE sdkappid = ?1 AND group_id = ?2 RETURNING next_msg_seq - 1",
                params![i(sdkappid), group_id, i(now)],
                |r| r.get(0),
            )
            .optional()?;
        Ok(seq.map(u))
    }

    fn room_ban(&self, sdkappid: u64, group_id: &str, user: &str) -> StoreResult<u64> {
        let until: Option<i64> = self
            .conn()
            .query_row(
                "SELECT until FROM room_bans WHERE sdkappid = ?1 AND group_id = ?2 AND user_id = ?3",
                params![i(sdkappid), group_id, user],
                |r| r.get(0),
            )
            .optional()?;
        Ok(until.map(u).unwrap_or(0))
    }

    fn set_room_ban(&self, sdkappid: u64, group_id: &str, user: &str, until: u64) -> StoreResult<bool> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existed = tx.execute(
            "DELETE FROM room_bans WHERE sdkappid = ?1 AND group_id = ?2 AND user_id = ?3",
            params![i(sdkappid), group_id, user],
        )? > 0;
        if until > 0 {
            tx.execute(
                "INSERT INTO room_bans (sdkappid, group_id, user_id, until) VALUES (?1, ?2, ?3, ?4)",
                params![i(sdkappid), group_id, user, i(until)],
            )?;
        }
        tx.commit()?;
        Ok(existed)
    }

    fn room_bans(&self, sdkappid: u64, group_id: &str, now: u64) -> StoreResult<Vec<(String, u64)>> {
        let c = self.conn();
        let mut st = c.prepare(
            "SELECT user_id, until FROM room_bans WHERE sdkappid = ?1 AND group_id = ?2 AND until > ?3 \
             ORDER BY user_id",
        )?;
        let rows = st.query_map(params![i(sdkappid), group_id, i(now)], |r| Ok((r.get(0)?, u(r.get(1)?))))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn group_attrs(&self, sdkappid: u64, group_id: &str) -> StoreResult<(u64, String)> {
        let row: Option<(i64, String)> = self
            .conn()
            .query_row(
                "SELECT main_seq, attrs FROM group_attrs WHERE sdkappid = ?1 AND group_id = ?2",
                params![i(sdkappid), group_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(s, a)| (u(s), a)).unwrap_or((0, "{}".into())))
    }

    fn cas_group_attrs(
        &self,
        sdkappid: u64,
        group_id: &str,
        expected: u64,
        new_seq: u64,
        attrs: &str,
    ) -> StoreResult<bool> {
        let c = self.conn();
        let n = if expected == 0 {
            c.execute(
                "INSERT INTO group_attrs (sdkappid, group_id, main_seq, attrs) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (sdkappid, group_id) DO NOTHING",
                params![i(sdkappid), group_id, i(new_seq), attrs],
            )?
        } else {
            c.execute(
                "UPDATE group_attrs SET main_seq = ?4, attrs = ?5 WHERE sdkappid = ?1 AND group_id = ?2 \
                 AND main_seq = ?3",
                params![i(sdkappid), group_id, i(expected), i(new_seq), attrs],
            )?
        };
        Ok(n == 1)
    }

    fn topics(&self, sdkappid: u64, community: &str) -> StoreResult<Vec<Group>> {
        let prefix = format!("{community}@TOPIC#_");
        let c = self.conn();
        let mut st = c.prepare(&format!(
            "SELECT {GROUP_COLS} FROM tim_groups g WHERE g.sdkappid = ?1 AND g.kind = 'Topic' \
             AND substr(g.group_id, 1, length(?2)) = ?2 ORDER BY g.create_time, g.group_id"
        ))?;
        let rows = st.query_map(params![i(sdkappid), prefix], group_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn topic_read(&self, sdkappid: u64, topic_id: &str, user: &str) -> StoreResult<u64> {
        let seq: Option<i64> = self
            .conn()
            .query_row(
                "SELECT read_seq FROM topic_reads WHERE sdkappid = ?1 AND topic_id = ?2 AND user_id = ?3",
                params![i(sdkappid), topic_id, user],
                |r| r.get(0),
            )
            .optional()?;
        Ok(seq.map(u).unwrap_or(0))
    }

    fn set_topic_read(&self, sdkappid: u64, topic_id: &str, user: &str, seq: u64) -> StoreResult<u64> {
        let v: i64 = self.conn().query_row(
            "INSERT INTO topic_reads (sdkappid, topic_id, user_id, read_seq) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (sdkappid, topic_id, user_id) DO UPDATE SET read_seq = MAX(read_seq, excluded.read_seq) \
             RETURNING read_seq",
            params![i(sdkappid), topic_id, user, i(seq)],
            |r| r.get(0),
        )?;
        Ok(u(v))
    }

    fn topic_mute(&self, sdkappid: u64, topic_id: &str, user: &str) -> StoreResult<u64> {
        let until: Option<i64> = self
            .conn()
            .query_row(
                "SELECT mute_until FROM topic_reads WHERE sdkappid = ?1 AND topic_id = ?2 AND user_id = ?3",
                params![i(sdkappid), topic_id, user],
                |r| r.get(0),
            )
            .optional()?;
        Ok(until.map(u).unwrap_or(0))
    }

    fn set_topic_mute(&self, sdkappid: u64, topic_id: &str, user: &str, until: u64) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO topic_reads (sdkappid, topic_id, user_id, read_seq, mute_until) VALUES (?1, ?2, ?3, 0, ?4) \
             ON CONFLICT (sdkappid, topic_id, user_id) DO UPDATE SET mute_until = excluded.mute_until",
            params![i(sdkappid), topic_id, user, i(until)],
        )?;
        Ok(())
    }

    fn clear_room_state(&self, sdkappid: u64, group_id: &str) -> StoreResult<()> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM room_bans WHERE sdkappid = ?1 AND group_id = ?2", params![i(sdkappid), group_id])?;
        tx.execute("DELETE FROM group_attrs WHERE sdkappid = ?1 AND group_id = ?2", params![i(sdkappid), group_id])?;
        tx.execute("DELETE FROM topic_reads WHERE sdkappid = ?1 AND topic_id = ?2", params![i(sdkappid), group_id])?;
        tx.commit()?;
        Ok(())
    }
}

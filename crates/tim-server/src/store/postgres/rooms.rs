//! [`RoomStore`] on PostgreSQL.

use super::*;

impl RoomStore for PgStore {
    fn bump_group_seq(&self, sdkappid: u64, group_id: &str, now: u64) -> StoreResult<Option<u64>> {
        let group_id = group_id.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    "UPDATE tim_groups SET next_msg_seq = next_msg_seq + 1, \
                     last_msg_time = GREATEST(last_msg_time, $3) WHERE sdkappid = $1 AND group_id = $2 \
                     RETURNING next_msg_seq - 1",
                    &[&i(sdkappid), &group_id, &i(now)],
                )
                .await?;
            Ok(row.map(|r| r.try_get::<_, i64>(0)).transpose()?.map(u))
        })
    }

    fn room_ban(&self, sdkappid: u64, group_id: &str, user: &str) -> StoreResult<u64> {
        let (group_id, user) = (group_id.to_string(), user.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    "SELECT until FROM room_bans WHERE sdkappid = $1 AND group_id = $2 AND user_id = $3",
                    &[&i(sdkappid), &group_id, &user],
                )
                .await?;
            Ok(row.map(|r| r.try_get::<_, i64>(0)).transpose()?.map(u).unwrap_or(0))
        })
    }

    fn set_room_ban(&self, sdkappid: u64, group_id: &str, user: &str, until: u64) -> StoreResult<bool> {
        let (group_id, user) = (group_id.to_string(), user.to_string());
        self.run_tx(move |pool| {
            let (group_id, user) = (group_id.clone(), user.clone());
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                let existed = tx
                    .execute(
                        "DELETE FROM room_bans WHERE sdkappid = $1 AND group_id = $2 AND user_id = $3",
                        &[&i(sdkappid), &group_id, &user],
                    )
                    .await?
                    > 0;
                if until > 0 {
                    tx.execute(
                        "INSERT INTO room_bans (sdkappid, group_id, user_id, until) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (sdkappid, group_id, user_id) DO UPDATE SET until = EXCLUDED.until",
                        &[&i(sdkappid), &group_id, &user, &i(until)],
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(existed)
            }
        })
    }

    fn room_bans(&self, sdkappid: u64, group_id: &str, now: u64) -> StoreResult<Vec<(String, u64)>> {
        let group_id = group_id.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    "SELECT user_id, until FROM room_bans WHERE sdkappid = $1 AND group_id = $2 AND until > $3 \
                     ORDER BY user_id",
                    &[&i(sdkappid), &group_id, &i(now)],
                )
                .await?;
            rows.iter().map(|r| Ok((r.try_get(0)?, u(r.try_get(1)?)))).collect()
        })
    }

    fn group_attrs(&self, sdkappid: u64, group_id: &str) -> StoreResult<(u64, String)> {
        let group_id = group_id.to_string();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    "SELECT main_seq, attrs FROM group_attrs WHERE sdkappid = $1 AND group_id = $2",
                    &[&i(sdkappid), &group_id],
                )
                .await?;
            match row {
                Some(r) => Ok((u(r.try_get(0)?), r.try_get(1)?)),
                None => Ok((0, "{}".to_string())),
            }
        })
    }

    fn cas_group_attrs(
        &self,
        sdkappid: u64,
        group_id: &str,
        expected: u64,
        new_seq: u64,
        attrs: &str,
    ) -> StoreResult<bool> {
        let (group_id, attrs) = (group_id.to_string(), attrs.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let n = if expected == 0 {
                c.execute(
                    "INSERT INTO group_attrs (sdkappid, group_id, main_seq, attrs) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (sdkappid, group_id) DO NOTHING",
                    &[&i(sdkappid), &group_id, &i(new_seq), &attrs],
                )
                .await?
            } else {
                c.execute(
                    "UPDATE group_attrs SET main_seq = $4, attrs = $5 WHERE sdkappid = $1 AND group_id = $2 \
                     AND main_seq = $3",
                    &[&i(sdkappid), &group_id, &i(expected), &i(new_seq), &attrs],
                )
                .await?
            };
            Ok(n == 1)
        })
    }

    fn topics(&self, sdkappid: u64, community: &str) -> StoreResult<Vec<Group>> {
        let prefix = format!("{community}@TOPIC#_");
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT {GROUP_COLS} FROM tim_groups g WHERE g.sdkappid = $1 AND g.kind = 'Topic' \
                         AND substr(g.group_id, 1, length($2)) = $2 ORDER BY g.create_time, g.group_id"
                    ),
                    &[&i(sdkappid), &prefix],
                )
                .await?;
            rows.iter().map(|r| Ok(group_from_row(r)?)).collect()
        })
    }

    fn topic_read(&self, sdkappid: u64, topic_id: &str, user: &str) -> StoreResult<u64> {
        let (topic_id, user) = (topic_id.to_string(), user.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    "SELECT read_seq FROM topic_reads WHERE sdkappid = $1 AND topic_id = $2 AND user_id = $3",
                    &[&i(sdkappid), &topic_id, &user],
                )
                .await?;
            Ok(row.map(|r| r.try_get::<_, i64>(0)).transpose()?.map(u).unwrap_or(0))
        })
    }

    fn set_topic_read(&self, sdkappid: u64, topic_id: &str, user: &str, seq: u64) -> StoreResult<u64> {
        let (topic_id, user) = (topic_id.to_string(), user.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_one(
                    "INSERT INTO topic_reads (sdkappid, topic_id, user_id, read_seq) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (sdkappid, topic_id, user_id) \
                     DO UPDATE SET read_seq = GREATEST(topic_reads.read_seq, EXCLUDED.read_seq) RETURNING read_seq",
                    &[&i(sdkappid), &topic_id, &user, &i(seq)],
                )
                .await?;
            Ok(u(row.try_get(0)?))
        })
    }

    fn topic_mute(&self, sdkappid: u64, topic_id: &str, user: &str) -> StoreResult<u64> {
        let (topic_id, user) = (topic_id.to_string(), user.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt(
                    "SELECT mute_until FROM topic_reads WHERE sdkappid = $1 AND topic_id = $2 AND user_id = $3",
                    &[&i(sdkappid), &topic_id, &user],
                )
                .await?;
            Ok(row.map(|r| r.try_get::<_, i64>(0)).transpose()?.map(u).unwrap_or(0))
        })
    }

    fn set_topic_mute(&self, sdkappid: u64, topic_id: &str, user: &str, until: u64) -> StoreResult<()> {
        let (topic_id, user) = (topic_id.to_string(), user.to_string());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute(
                "INSERT INTO topic_reads (sdkappid, topic_id, user_id, read_seq, mute_until) VALUES ($1, $2, $3, 0, $4) \
                 ON CONFLICT (sdkappid, topic_id, user_id) DO UPDATE SET mute_until = EXCLUDED.mute_until",
                &[&i(sdkappid), &topic_id, &user, &i(until)],
            )
            .await?;
            Ok(())
        })
    }

    fn clear_room_state(&self, sdkappid: u64, group_id: &str) -> StoreResult<()> {
        let group_id = group_id.to_string();
        self.run_tx(move |pool| {
            let group_id = group_id.clone();
            async move {
                let mut c = pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await?;
                let args: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&i(sdkappid), &group_id];
                tx.execute("DELETE FROM room_bans WHERE sdkappid = $1 AND group_id = $2", &args).await?;
                tx.execute("DELETE FROM group_attrs WHERE sdkappid = $1 AND group_id = $2", &args).await?;
                tx.execute("DELETE FROM topic_reads WHERE sdkappid = $1 AND topic_id = $2", &args).await?;
                tx.commit().await?;
                Ok(())
            }
        })
    }
}

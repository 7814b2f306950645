//! Cluster mode: several nodes serve one app; presence and cross-node delivery over Redis.
//!
//! Layout in Redis (see `docs/server.md`, "Cluster"):
//!
//! - `tim:presence:{sdkappid}:{user}`: a hash, one field `{node}/{conn}` per logged-in socket of
//!   the user anywhere in the cluster, value JSON `{node, conn, inst, plat, since, exp}` (`since`:
//!   login time in µs by the Redis server's `TIME`, so node clocks do not decide). Every node
//!   rewrites its own fields each heartbeat (`exp` = now + `presence_ttl_secs`) and the key's TTL;
//!   readers ignore and delete expired fields, so a crashed node's sessions vanish within the TTL.
//! - `tim:node:{node}`: the pub/sub channel of one node. A push for a user is published once to
//!   every other node that holds a session of that user; the node hands it to its sockets. A
//!   group fan-out reads the members' presence in pipelines and publishes one message per node
//!   for up to [`FANOUT_BATCH`] of its users.
//!
//! Pub/sub is at-most-once. Storage stays the source of truth: a node that loses its subscription
//! (Redis restart, network) sends every local session a `Flag: 1` push when it is back, and a
//! node that cannot publish remembers the users and sends them `Flag: 1` once Redis answers
//! again; `Flag: 1` makes the client sync from its `getmsg` cookie (WIRE.md §5.1).

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::hub::{push_to, BoxFuture, Displaced, Hub, LocalHub, Out, Pushes, SessionRef};
use crate::store::Store;
use crate::{now_ms, Config};

/// How long one Redis operation may take before it counts as failed.
const OP_TIMEOUT: Duration = Duration::from_secs(2);

/// A group fan-out reads the presence of this many members per pipeline, and names at most this
/// many users in one message to a node.
pub const FANOUT_BATCH: usize = 1000;

/// A Redis error or timeout.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Redis said no, or the connection failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// Another live node subscribes this node id's channel.
    #[error("node_id {0:?} is used by another running node; give each node its own id")]
    NodeIdInUse(String),
    /// No answer in time.
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
}

type Result<T> = std::result::Result<T, ClusterError>;

/// Of one node, in a fan-out: the users with a session there, and their presence fields
/// (user, field).
type NodeUsers = (Vec<String>, Vec<(String, String)>);

/// One socket's presence entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Presence {
    node: String,
    conn: u64,
    inst: String,
    plat: u32,
    since: u64,
    exp: u64,
}

/// What one node tells another.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
enum Envelope {
    /// Push this `msg_push` body to every local session of the user.
    Push { app: u64, user: String, body: Value },
    /// Push this `msg_push` body to every local session of each of the users (group fan-out).
    PushMany { app: u64, users: Vec<String>, body: Value },
    /// Kick one socket (`conn`) or every socket of the user; `revoke`: also revoke its ticket.
    Kick { app: u64, user: String, conn: Option<u64>, kick_type: u32, revoke: bool },
    /// Close a stale socket of an instance that logged in again elsewhere.
    Close { app: u64, user: String, conn: u64 },
}

fn presence_key(app: u64, user: &str) -> String {
    format!("tim:presence:{app}:{user}")
}

fn channel(node: &str) -> String {
    format!("tim:node:{node}")
}

fn field(node: &str, conn: u64) -> String {
    format!("{node}/{conn}")
}

struct Inner {
    node: String,
    local: LocalHub,
    next_conn: AtomicU64,
    client: redis::Client,
    conn: ConnectionManager,
    store: Arc<dyn Store>,
    kick_delay: u64,
    ttl_ms: u64,
    heartbeat: Duration,
    rt: tokio::runtime::Handle,
    /// Redis failed and no heartbeat has reached it since: cross-node work is skipped (and
    /// remembered in `missed`) instead of waiting for timeouts on every command.
    degraded: AtomicBool,
    /// Users whose pushes could not be published: nudged with `Flag: 1` when Redis is back.
    missed: Mutex<HashSet<(u64, String)>>,
    /// Presence fields to delete (sockets that closed), in order.
    removals: mpsc::UnboundedSender<Option<(String, String)>>,
}

/// The Redis-backed [`Hub`]: a [`LocalHub`] for this node's sockets plus presence and delivery
/// across nodes.
pub struct RedisHub {
    inner: Arc<Inner>,
    stop: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

async fn timed<T>(fut: impl Future<Output = redis::RedisResult<T>>) -> Result<T> {
    match tokio::time::timeout(OP_TIMEOUT, fut).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(ClusterError::Timeout(OP_TIMEOUT)),
    }
}

impl Inner {
    fn presence_of(&self, s: &SessionRef) -> String {
        let p = Presence {
            node: self.node.clone(),
            conn: s.conn_id,
            inst: s.instance_id.clone(),
            plat: s.platform,
            since: s.since_us,
            exp: now_ms() + self.ttl_ms,
        };
        serde_json::to_string(&p).unwrap_or_default()
    }

    /// Live entries of a user (expired and unreadable ones are deleted on the way).
    fn live(&self, app: u64, user: &str, all: HashMap<String, String>) -> Vec<(String, Presence)> {
        let now = now_ms();
        let mut dead = Vec::new();
        let mut out = Vec::new();
        for (f, v) in all {
            match serde_json::from_str::<Presence>(&v) {
                Ok(p) if p.exp > now => out.push((f, p)),
                _ => dead.push(f),
            }
        }
        if !dead.is_empty() {
            self.remove_fields(presence_key(app, user), dead);
        }
        out
    }

    fn remove_fields(&self, key: String, fields: Vec<String>) {
        for f in fields {
            let _ = self.removals.send(Some((key.clone(), f)));
        }
    }

    async fn publish(&self, node: &str, env: &Envelope) -> Result<u64> {
        let payload = serde_json::to_string(env).unwrap_or_default();
        let mut c = self.conn.clone();
        timed(redis::cmd("PUBLISH").arg(channel(node)).arg(payload).query_async::<u64>(&mut c)).await
    }

    /// Publish to every other node with a session of the user. A node without a subscriber
    /// (crashed, or cut off from Redis) loses its entries for the user; it rewrites them when
    /// it is back.
    async fn deliver_remote(&self, app: u64, user: &str, env: &Envelope) -> Result<()> {
        let key = presence_key(app, user);
        let mut c = self.conn.clone();
        let all: HashMap<String, String> = timed(redis::cmd("HGETALL").arg(&key).query_async(&mut c)).await?;
        let entries = self.live(app, user, all);
        let nodes: BTreeSet<&str> =
            entries.iter().map(|(_, p)| p.node.as_str()).filter(|n| *n != self.node.as_str()).collect();
        for node in nodes {
            if self.publish(node, env).await? == 0 {
                tracing::info!(node, user, "node has no subscriber, dropping its presence entries");
                let gone = entries.iter().filter(|(_, p)| p.node == node).map(|(f, _)| f.clone()).collect();
                self.remove_fields(key.clone(), gone);
            }
        }
        Ok(())
    }

    /// [`Inner::deliver_remote`] for many users and one body: the presence of up to
    /// [`FANOUT_BATCH`] users per pipelined round trip, then one `PushMany` per node and batch.
    async fn deliver_remote_many(&self, app: u64, users: &[String], body: &Value) -> Result<()> {
        let mut by_node: BTreeMap<String, NodeUsers> = BTreeMap::new();
        for chunk in users.chunks(FANOUT_BATCH) {
            let mut pipe = redis::pipe();
            for user in chunk {
                pipe.cmd("HGETALL").arg(presence_key(app, user));
            }
            let mut c = self.conn.clone();
            let all: Vec<HashMap<String, String>> = timed(pipe.query_async(&mut c)).await?;
            for (user, entries) in chunk.iter().zip(all) {
                for (f, p) in self.live(app, user, entries) {
                    if p.node == self.node {
                        continue;
                    }
                    let (list, fields) = by_node.entry(p.node).or_default();
                    if list.last() != Some(user) {
                        list.push(user.clone());
                    }
                    fields.push((user.clone(), f));
                }
            }
        }
        for (node, (list, fields)) in by_node {
            let mut lost = false;
            for part in list.chunks(FANOUT_BATCH) {
                let env = Envelope::PushMany { app, users: part.to_vec(), body: body.clone() };
                if self.publish(&node, &env).await? == 0 {
                    lost = true;
                    break;
                }
            }
            if lost {
                tracing::info!(node = %node, "node has no subscriber, dropping its presence entries");
                for (user, f) in fields {
                    self.remove_fields(presence_key(app, &user), vec![f]);
                }
            }
        }
        Ok(())
    }

    /// Write this socket's entry, then apply the multi-instance policy to the other nodes'
    /// entries. Returns true when a newer instance of the same platform exists elsewhere (this
    /// one must go: both logins raced, the newer wins).
    async fn register_remote(&self, app: u64, user: &str, s: &SessionRef, kick_others: bool) -> Result<bool> {
        let key = presence_key(app, user);
        let mine = field(&self.node, s.conn_id);
        let mut c = self.conn.clone();
        let (all,): (HashMap<String, String>,) = timed(
            redis::pipe()
                .cmd("HSET")
                .arg(&key)
                .arg(&mine)
                .arg(self.presence_of(s))
                .ignore()
                .cmd("PEXPIRE")
                .arg(&key)
                .arg(self.ttl_ms)
                .ignore()
                .cmd("HGETALL")
                .arg(&key)
                .query_async(&mut c),
        )
        .await?;
        let mut kick_self = false;
        for (f, p) in self.live(app, user, all) {
            if p.node == self.node {
                continue; // this node's sessions: the local hub decided
            }
            if p.inst == s.instance_id {
                self.publish(&p.node, &Envelope::Close { app, user: user.into(), conn: p.conn }).await?;
                self.remove_fields(key.clone(), vec![f]);
            } else if kick_others && p.plat == s.platform {
                if (p.since, f.as_str()) < (s.since_us, mine.as_str()) {
                    tracing::info!(user, node = %p.node, old_instance = ?p.inst, "kicking older instance on another node");
                    let env = Envelope::Kick {
                        app,
                        user: user.into(),
                        conn: Some(p.conn),
                        kick_type: tim_proto::cmd::kick::MULTIPLE_ACCOUNT,
                        revoke: true,
                    };
                    self.publish(&p.node, &env).await?;
                    self.remove_fields(key.clone(), vec![f]);
                } else {
                    kick_self = true;
                }
            }
        }
        Ok(kick_self)
    }

    /// Rewrite every local session's entry (heartbeat; also restores presence after a Redis
    /// restart).
    async fn refresh(&self) -> Result<()> {
        let all = self.local.all();
        let mut c = self.conn.clone();
        if all.is_empty() {
            return timed(redis::cmd("PING").query_async::<String>(&mut c)).await.map(|_| ());
        }
        let mut pipe = redis::pipe();
        for (app, user, s) in &all {
            let key = presence_key(*app, user);
            pipe.cmd("HSET").arg(&key).arg(field(&self.node, s.conn_id)).arg(self.presence_of(s)).ignore();
            pipe.cmd("PEXPIRE").arg(&key).arg(self.ttl_ms).ignore();
        }
        timed(pipe.query_async::<()>(&mut c)).await
    }

    /// Nudge the users whose pushes were lost (their sessions on other nodes sync).
    async fn flush_missed(&self) {
        let users: Vec<(u64, String)> = {
            let mut m = self.missed.lock().unwrap_or_else(|e| e.into_inner());
            m.drain().collect()
        };
        for (app, user) in users {
            let env = Envelope::Push { app, user: user.clone(), body: json!({"Flag": 1}) };
            if self.deliver_remote(app, &user, &env).await.is_err() {
                self.missed.lock().unwrap_or_else(|e| e.into_inner()).insert((app, user));
            }
        }
    }

    /// Apply what another node sent.
    fn apply(self: &Arc<Self>, env: Envelope) {
        match env {
            Envelope::Push { app, user, body } => self.local.push_local(app, &user, None, &body, &Pushes::now()),
            Envelope::PushMany { app, users, body } => {
                let users: Vec<&str> = users.iter().map(String::as_str).collect();
                self.local.push_local_many(app, &users, None, &body, &Pushes::now());
            }
            Envelope::Kick { app, user, conn, kick_type, revoke } => {
                let sessions = match conn {
                    Some(c) => self.local.take(app, &user, c).into_iter().collect(),
                    None => self.local.take_all(app, &user),
                };
                for s in sessions {
                    if revoke {
                        // The ticket is revoked before the kick goes out, so a kicked instance
                        // that reconnects at once (to any node) is already refused.
                        let store = self.store.clone();
                        let delay = self.kick_delay;
                        self.rt.spawn_blocking(move || {
                            if let Err(e) = store.revoke_ticket(&s.a2) {
                                tracing::error!(error = %e, "revoke ticket");
                            }
                            s.kick(kick_type, delay, &Pushes::now());
                        });
                    } else {
                        s.kick(kick_type, self.kick_delay, &Pushes::now());
                    }
                }
            }
            Envelope::Close { app, user, conn } => {
                if let Some(s) = self.local.take(app, &user, conn) {
                    let _ = s.tx.send(Out::Close(0));
                }
            }
        }
    }

    /// Every local session: "you have mail", sync from your cookie.
    fn nudge_all(&self) {
        let body = json!({"Flag": 1});
        for (_, _, s) in self.local.all() {
            push_to(&s, body.clone(), &Pushes::now());
        }
    }
}

async fn subscribe(client: &redis::Client, node: &str) -> Result<(redis::aio::PubSubSink, redis::aio::PubSubStream)> {
    let ps = timed(client.get_async_pubsub()).await?;
    let (mut sink, stream) = ps.split();
    timed(sink.subscribe(channel(node))).await?;
    Ok((sink, stream))
}

/// Receive this node's channel; reconnect when the subscription breaks.
async fn subscriber(
    inner: Arc<Inner>,
    first: (redis::aio::PubSubSink, redis::aio::PubSubStream),
    mut stop: watch::Receiver<bool>,
) {
    let mut current = Some(first);
    let mut backoff = Duration::from_millis(200);
    loop {
        let (mut sink, mut stream) = match current.take() {
            Some(s) => s,
            None => match subscribe(&inner.client, &inner.node).await {
                Ok(s) => {
                    tracing::info!(node = %inner.node, "redis subscription restored; local sessions resync");
                    backoff = Duration::from_millis(200);
                    if let Err(e) = inner.refresh().await {
                        tracing::warn!(error = %e, "presence refresh after reconnect");
                    }
                    inner.nudge_all();
                    s
                }
                Err(e) => {
                    tracing::warn!(error = %e, "redis subscription failed, retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => return,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue;
                }
            },
        };
        let mut tick = tokio::time::interval(inner.heartbeat);
        tick.tick().await;
        loop {
            tokio::select! {
                msg = stream.next() => match msg {
                    Some(m) => match serde_json::from_slice::<Envelope>(m.get_payload_bytes()) {
                        Ok(env) => inner.apply(env),
                        Err(e) => tracing::warn!(error = %e, "unreadable cluster message dropped"),
                    },
                    None => {
                        tracing::warn!(node = %inner.node, "redis subscription lost");
                        break;
                    }
                },
                _ = tick.tick() => {
                    if let Err(e) = timed(sink.ping::<redis::Value>()).await {
                        tracing::warn!(error = %e, "redis subscription does not answer");
                        break;
                    }
                }
                _ = stop.changed() => return,
            }
        }
    }
}

/// Refresh presence every heartbeat; when Redis answers again, nudge the users with lost pushes.
async fn heartbeat(inner: Arc<Inner>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(inner.heartbeat);
    let mut failing = false;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        match inner.refresh().await {
            Ok(()) => {
                let was_degraded = inner.degraded.swap(false, Ordering::SeqCst);
                if failing || was_degraded {
                    // Sessions that logged in meanwhile had no presence entry, so other nodes
                    // could not reach them; now they have one: let them sync what they missed.
                    tracing::info!("redis answers again; cross-node delivery restored, local sessions resync");
                    failing = false;
                    inner.nudge_all();
                }
                inner.flush_missed().await;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "presence refresh failed; cross-node delivery degraded");
                }
                failing = true;
                inner.degraded.store(true, Ordering::SeqCst);
            }
        }
    }
}

/// Delete presence fields of closed sockets, in order. `None` stops.
async fn remover(inner: Arc<Inner>, mut rx: mpsc::UnboundedReceiver<Option<(String, String)>>) {
    while let Some(Some((key, f))) = rx.recv().await {
        let mut c = inner.conn.clone();
        if let Err(e) = timed(redis::cmd("HDEL").arg(&key).arg(&f).query_async::<u64>(&mut c)).await {
            tracing::debug!(error = %e, "presence removal failed (the entry expires)");
        }
    }
}

impl RedisHub {
    /// Connect to Redis, subscribe this node's channel and start the background tasks.
    pub async fn start(url: &str, config: &Config, store: Arc<dyn Store>) -> Result<RedisHub> {
        let client = redis::Client::open(url)?;
        let cfg = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(OP_TIMEOUT))
            .set_response_timeout(Some(OP_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let conn = timed(client.get_connection_manager_with_config(cfg)).await?;
        let node = match &config.cluster.node_id {
            Some(n) => n.clone(),
            None => format!("{:016x}", rand::random::<u64>()),
        };
        // Two live nodes with one id would each skip the other's sessions: refuse.
        let mut c = conn.clone();
        let (_, subscribers): (String, u64) =
            timed(redis::cmd("PUBSUB").arg("NUMSUB").arg(channel(&node)).query_async(&mut c)).await?;
        if subscribers > 0 {
            return Err(ClusterError::NodeIdInUse(node));
        }
        let first = subscribe(&client, &node).await?;
        let (removals, rx) = mpsc::unbounded_channel();
        let heartbeat_every = Duration::from_secs(config.cluster.heartbeat_secs.max(1));
        let inner = Arc::new(Inner {
            node,
            local: LocalHub::default(),
            // Socket ids unique across restarts of a node with a fixed id (old entries linger
            // until they expire).
            next_conn: AtomicU64::new(now_ms().saturating_mul(1000)),
            client,
            conn,
            store,
            kick_delay: config.kick_close_delay_ms,
            ttl_ms: config.cluster.presence_ttl_secs.max(1).saturating_mul(1000),
            heartbeat: heartbeat_every,
            rt: tokio::runtime::Handle::current(),
            degraded: AtomicBool::new(false),
            missed: Mutex::new(HashSet::new()),
            removals,
        });
        let (stop, stop_rx) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(subscriber(inner.clone(), first, stop_rx.clone())),
            tokio::spawn(heartbeat(inner.clone(), stop_rx)),
            tokio::spawn(remover(inner.clone(), rx)),
        ];
        tracing::info!(node = %inner.node, "cluster mode: presence and delivery over redis");
        Ok(RedisHub { inner, stop, tasks: Mutex::new(tasks) })
    }

    /// This node's id.
    pub fn node_id(&self) -> &str {
        &self.inner.node
    }

    /// Run a Redis operation on the runtime and wait for it (called from blocking threads; a
    /// failure or timeout is logged, marks the hub degraded and gives `None`; while degraded,
    /// nothing is tried).
    fn wait<T: Send + 'static>(
        &self,
        what: &'static str,
        fut: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Option<T> {
        if self.inner.degraded.load(Ordering::SeqCst) {
            return None;
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.inner.rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        match rx.recv_timeout(OP_TIMEOUT * 3) {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, what, "cluster operation failed; degraded until redis answers");
                self.inner.degraded.store(true, Ordering::SeqCst);
                None
            }
            Err(_) => {
                tracing::warn!(what, "cluster operation timed out; degraded until redis answers");
                self.inner.degraded.store(true, Ordering::SeqCst);
                None
            }
        }
    }
}

impl Hub for RedisHub {
    fn next_conn_id(&self) -> u64 {
        self.inner.next_conn.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn register(&self, sdkappid: u64, user: &str, mut s: SessionRef, kick_others: bool) -> Displaced {
        // Login order by Redis's clock (one clock for the cluster); the local clock when degraded.
        let inner = self.inner.clone();
        if let Some(t) = self.wait("time", async move {
            let mut c = inner.conn.clone();
            let (secs, micros): (u64, u64) = timed(redis::cmd("TIME").query_async(&mut c)).await?;
            Ok(secs.saturating_mul(1_000_000).saturating_add(micros))
        }) {
            s.since_us = t;
        }
        let mut out = self.inner.local.register(sdkappid, user, s.clone(), kick_others);
        let inner = self.inner.clone();
        let (u, me) = (user.to_string(), s.clone());
        let kick_self = self
            .wait("register", async move { inner.register_remote(sdkappid, &u, &me, kick_others).await })
            .unwrap_or(false);
        if kick_self {
            tracing::info!(user, instance = ?s.instance_id, "a newer instance logged in on another node");
            self.inner.local.take(sdkappid, user, s.conn_id);
            self.inner.remove_fields(presence_key(sdkappid, user), vec![field(&self.inner.node, s.conn_id)]);
            out.kicked.push(s);
        }
        out
    }

    fn unregister(&self, sdkappid: u64, user: &str, conn_id: u64) {
        self.inner.local.unregister(sdkappid, user, conn_id);
        self.inner.remove_fields(presence_key(sdkappid, user), vec![field(&self.inner.node, conn_id)]);
    }

    fn push_user(&self, sdkappid: u64, user: &str, except: Option<u64>, body: &Value, out: &Pushes) {
        self.inner.local.push_local(sdkappid, user, except, body, out);
        let inner = self.inner.clone();
        let env = Envelope::Push { app: sdkappid, user: user.to_string(), body: body.clone() };
        let u = user.to_string();
        if self.wait("push", async move { inner.deliver_remote(sdkappid, &u, &env).await }).is_none() {
            self.inner.missed.lock().unwrap_or_else(|e| e.into_inner()).insert((sdkappid, user.to_string()));
        }
    }

    fn is_online(&self, sdkappid: u64, user: &str) -> bool {
        if !self.inner.local.sessions(sdkappid, user).is_empty() {
            return true;
        }
        let inner = self.inner.clone();
        let u = user.to_string();
        // Unknown (Redis unreachable) counts as online: nothing is removed on a guess.
        self.wait("online", async move {
            let mut c = inner.conn.clone();
            let all: HashMap<String, String> =
                timed(redis::cmd("HGETALL").arg(presence_key(sdkappid, &u)).query_async(&mut c)).await?;
            Ok(!inner.live(sdkappid, &u, all).is_empty())
        })
        .unwrap_or(true)
    }

    fn online_sockets(&self, sdkappid: u64, user: &str) -> Vec<(u32, String)> {
        let inner = self.inner.clone();
        let u = user.to_string();
        // Every node's sockets are in the presence hash (this node's too); Redis unreachable:
        // this node's only.
        self.wait("online", async move {
            let mut c = inner.conn.clone();
            let all: HashMap<String, String> =
                timed(redis::cmd("HGETALL").arg(presence_key(sdkappid, &u)).query_async(&mut c)).await?;
            Ok(inner.live(sdkappid, &u, all).into_iter().map(|(_, p)| (p.plat, p.inst)).collect())
        })
        .unwrap_or_else(|| self.inner.local.online_sockets(sdkappid, user))
    }

    fn push_users(&self, sdkappid: u64, users: &[&str], except: Option<u64>, body: &Value, out: &Pushes) {
        self.inner.local.push_local_many(sdkappid, users, except, body, out);
        let inner = self.inner.clone();
        let owned: Vec<String> = users.iter().map(|u| u.to_string()).collect();
        let b = body.clone();
        if self.wait("push", async move { inner.deliver_remote_many(sdkappid, &owned, &b).await }).is_none() {
            let mut missed = self.inner.missed.lock().unwrap_or_else(|e| e.into_inner());
            missed.extend(users.iter().map(|u| (sdkappid, u.to_string())));
        }
    }

    fn kick_user(&self, sdkappid: u64, user: &str, kick_type: u32, close_after_ms: u64, out: &Pushes) {
        self.inner.local.kick_local(sdkappid, user, kick_type, close_after_ms, out);
        let inner = self.inner.clone();
        let env = Envelope::Kick { app: sdkappid, user: user.to_string(), conn: None, kick_type, revoke: false };
        let u = user.to_string();
        self.wait("kick", async move { inner.deliver_remote(sdkappid, &u, &env).await });
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _ = self.stop.send(true);
            let tasks: Vec<JoinHandle<()>> = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
            let mut tasks = tasks.into_iter();
            let remover = tasks.next_back();
            // Subscriber and heartbeat first (no presence rewrite after this point) ...
            for t in tasks {
                if tokio::time::timeout(OP_TIMEOUT * 2, t).await.is_err() {
                    tracing::warn!("cluster task did not stop in time");
                }
            }
            // ... then withdraw every entry still registered and let the remover drain.
            for (app, user, s) in self.inner.local.all() {
                self.inner.remove_fields(presence_key(app, &user), vec![field(&self.inner.node, s.conn_id)]);
            }
            let _ = self.inner.removals.send(None);
            if let Some(t) = remover {
                if tokio::time::timeout(OP_TIMEOUT * 2, t).await.is_err() {
                    tracing::warn!("presence removal did not finish in time");
                }
            }
            tracing::info!(node = %self.inner.node, "cluster presence withdrawn");
        })
    }
}

//! Online sessions: who is connected on which socket, fan-out of pushes, kick-out.
//!
//! [`Hub`] is the interface the gateway and the commands use. [`LocalHub`] is the in-process
//! registry (the single-node default); [`crate::cluster::RedisHub`] wraps one and adds presence
//! and delivery across nodes over Redis.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tim_proto::{cmd, Frame, Head};
use tokio::sync::mpsc::UnboundedSender;

/// A boxed future (the hub trait is object safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Online sessions and push fan-out, on one node or across a cluster.
///
/// `register`, `push_user` and `kick_user` may block briefly (cluster round trips) and are called
/// from blocking threads (command handlers run in `spawn_blocking`); `unregister` never blocks.
pub trait Hub: Send + Sync {
    /// A new socket id (unique on this node).
    fn next_conn_id(&self) -> u64;
    /// Register a logged-in socket; returns the sessions of this node it displaces (older
    /// sockets of the same instance; other instances of the same platform when `kick_others`).
    /// Sessions on other nodes are displaced by the hub itself.
    fn register(&self, sdkappid: u64, user: &str, s: SessionRef, kick_others: bool) -> Displaced;
    /// Remove a socket.
    fn unregister(&self, sdkappid: u64, user: &str, conn_id: u64);
    /// Push an `im_open_push.msg_push` body to every session of a user except the socket
    /// `except` of this node.
    fn push_user(&self, sdkappid: u64, user: &str, except: Option<u64>, body: &Value);
    /// Whether the user has a logged-in session on any node (may block like `push_user`).
    fn is_online(&self, sdkappid: u64, user: &str) -> bool;
    /// Kick every session of a user, everywhere (their tickets are already revoked).
    fn kick_user(&self, sdkappid: u64, user: &str, kick_type: u32, close_after_ms: u64);
    /// Stop background work and withdraw this node's presence.
    fn shutdown(&self) -> BoxFuture<'_, ()>;
}

static PUSH_SEQ: AtomicU64 = AtomicU64::new(0);

/// Push an `im_open_push.msg_push` body to one session.
pub fn push_to(s: &SessionRef, body: Value) {
    let seq = PUSH_SEQ.fetch_add(1, Ordering::Relaxed) + 1;
    s.send(Frame::new(Head::reply(cmd::MSG_PUSH, seq), body));
}

/// Something for a socket's writer.
#[derive(Debug)]
pub enum Out {
    /// Send this frame.
    Frame(Box<Frame>),
    /// Close the socket after a delay (milliseconds).
    Close(u64),
}

/// A handle on one logged-in socket.
#[derive(Debug, Clone)]
pub struct SessionRef {
    /// The socket's id.
    pub conn_id: u64,
    /// `instanceid` from the URL.
    pub instance_id: String,
    /// `platform` from the URL.
    pub platform: u32,
    /// The A2 key the socket is logged in with.
    pub a2: String,
    /// The socket's outbound queue.
    pub tx: UnboundedSender<Out>,
    /// Non-zero: the `KickType` this socket was kicked with.
    pub kicked: Arc<AtomicU32>,
    /// When the socket logged in (Unix microseconds; in cluster mode by the Redis server's clock,
    /// one clock for every node): across nodes the newer instance wins.
    pub since_us: u64,
}

impl SessionRef {
    /// Queue a frame; a closed socket is ignored.
    pub fn send(&self, frame: Frame) {
        let _ = self.tx.send(Out::Frame(Box::new(frame)));
    }

    /// Mark kicked, push the `KickoutMsgNotify`, and close a bit later.
    pub fn kick(&self, kick_type: u32, close_after_ms: u64) {
        self.kicked.store(kick_type, Ordering::SeqCst);
        push_to(
            self,
            json!({"EventArray":[{"Event": cmd::event::C2C_NOTIFY,
                "C2cNotifyMsgArray":[{"KickoutMsgNotify":{"KickType": kick_type, "NewInstInfo": {}}}]}]}),
        );
        let _ = self.tx.send(Out::Close(close_after_ms));
    }
}

/// Every online session of this process, by (sdkappid, user).
#[derive(Debug, Default)]
pub struct LocalHub {
    next_conn: AtomicU64,
    sessions: Mutex<HashMap<(u64, String), Vec<SessionRef>>>,
}

/// What registering a session displaced.
#[derive(Debug, Default)]
pub struct Displaced {
    /// Older sockets of the same instance (stale after a reconnect): close quietly.
    pub stale: Vec<SessionRef>,
    /// Other instances to kick (multi-instance policy).
    pub kicked: Vec<SessionRef>,
}

impl LocalHub {
    /// A new socket id.
    pub fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(u64, String), Vec<SessionRef>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Register a logged-in socket. Returns the sessions it displaces: older sockets of the same
    /// instance always, other instances of the same platform when `kick_others`.
    pub fn register(&self, sdkappid: u64, user: &str, s: SessionRef, kick_others: bool) -> Displaced {
        let mut map = self.lock();
        let list = map.entry((sdkappid, user.to_string())).or_default();
        let mut out = Displaced::default();
        let mut keep = Vec::with_capacity(list.len() + 1);
        for old in list.drain(..) {
            if old.conn_id == s.conn_id {
                continue;
            }
            if old.instance_id == s.instance_id {
                out.stale.push(old);
            } else if kick_others && old.platform == s.platform {
                out.kicked.push(old);
            } else {
                keep.push(old);
            }
        }
        keep.push(s);
        *list = keep;
        out
    }

    /// Remove a socket.
    pub fn unregister(&self, sdkappid: u64, user: &str, conn_id: u64) {
        let mut map = self.lock();
        let key = (sdkappid, user.to_string());
        if let Some(list) = map.get_mut(&key) {
            list.retain(|s| s.conn_id != conn_id);
            if list.is_empty() {
                map.remove(&key);
            }
        }
    }

    /// Remove and return every session of a user.
    pub fn take_all(&self, sdkappid: u64, user: &str) -> Vec<SessionRef> {
        self.lock().remove(&(sdkappid, user.to_string())).unwrap_or_default()
    }

    /// The user's online sessions.
    pub fn sessions(&self, sdkappid: u64, user: &str) -> Vec<SessionRef> {
        self.lock().get(&(sdkappid, user.to_string())).cloned().unwrap_or_default()
    }

    /// Remove and return one socket of a user.
    pub fn take(&self, sdkappid: u64, user: &str, conn_id: u64) -> Option<SessionRef> {
        let mut map = self.lock();
        let key = (sdkappid, user.to_string());
        let list = map.get_mut(&key)?;
        let i = list.iter().position(|s| s.conn_id == conn_id)?;
        let s = list.remove(i);
        if list.is_empty() {
            map.remove(&key);
        }
        Some(s)
    }

    /// Every session: (sdkappid, user, session).
    pub fn all(&self) -> Vec<(u64, String, SessionRef)> {
        self.lock()
            .iter()
            .flat_map(|((app, user), list)| list.iter().map(move |s| (*app, user.clone(), s.clone())))
            .collect()
    }

    /// Push to every session of a user except `except` (a socket id).
    pub fn push_local(&self, sdkappid: u64, user: &str, except: Option<u64>, body: &Value) {
        for s in self.sessions(sdkappid, user) {
            if Some(s.conn_id) != except {
                push_to(&s, body.clone());
            }
        }
    }

    /// Kick every session of a user on this node.
    pub fn kick_local(&self, sdkappid: u64, user: &str, kick_type: u32, close_after_ms: u64) {
        for s in self.take_all(sdkappid, user) {
            s.kick(kick_type, close_after_ms);
        }
    }
}

impl Hub for LocalHub {
    fn next_conn_id(&self) -> u64 {
        LocalHub::next_conn_id(self)
    }
    fn register(&self, sdkappid: u64, user: &str, s: SessionRef, kick_others: bool) -> Displaced {
        LocalHub::register(self, sdkappid, user, s, kick_others)
    }
    fn unregister(&self, sdkappid: u64, user: &str, conn_id: u64) {
        LocalHub::unregister(self, sdkappid, user, conn_id);
    }
    fn push_user(&self, sdkappid: u64, user: &str, except: Option<u64>, body: &Value) {
        self.push_local(sdkappid, user, except, body);
    }
    fn is_online(&self, sdkappid: u64, user: &str) -> bool {
        !self.sessions(sdkappid, user).is_empty()
    }
    fn kick_user(&self, sdkappid: u64, user: &str, kick_type: u32, close_after_ms: u64) {
        self.kick_local(sdkappid, user, kick_type, close_after_ms);
    }
    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

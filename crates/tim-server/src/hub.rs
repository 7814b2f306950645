//! Online sessions: who is connected on which socket, fan-out of pushes, kick-out.
//!
//! [`Hub`] is the interface the gateway and the commands use. [`LocalHub`] is the in-process
//! registry (the single-node default); [`crate::cluster::RedisHub`] wraps one and adds presence
//! and delivery across nodes over Redis.

use bytes::Bytes;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tim_proto::{cmd, Frame, Head};

use crate::outbox::OutTx;

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
    /// This node's sockets get it through `out` (held for a command until its reply is written).
    fn push_user(&self, sdkappid: u64, user: &str, except: Option<u64>, body: &Value, out: &Pushes);
    /// Whether the user has a logged-in session on any node (may block like `push_user`).
    fn is_online(&self, sdkappid: u64, user: &str) -> bool;
    /// The user's logged-in sockets on every node, as `(platform, instance id)` (may block like
    /// `push_user`; `openim.query_online_status`).
    fn online_sockets(&self, sdkappid: u64, user: &str) -> Vec<(u32, String)>;
    /// Push one `im_open_push.msg_push` body to every session of each of `users` (distinct)
    /// except the socket `except` of this node: a group fan-out. The hubs serialise the frame
    /// once for all sockets and batch the cross-node delivery; the default pushes user by user.
    fn push_users(&self, sdkappid: u64, users: &[&str], except: Option<u64>, body: &Value, out: &Pushes) {
        for user in users {
            self.push_user(sdkappid, user, except, body, out);
        }
    }
    /// Kick every session of a user, everywhere (their tickets are already revoked).
    fn kick_user(&self, sdkappid: u64, user: &str, kick_type: u32, close_after_ms: u64, out: &Pushes);
    /// Stop background work and withdraw this node's presence.
    fn shutdown(&self) -> BoxFuture<'_, ()>;
}

static PUSH_SEQ: AtomicU64 = AtomicU64::new(0);

/// Push an `im_open_push.msg_push` body to one session.
pub fn push_to(s: &SessionRef, body: Value, out: &Pushes) {
    let seq = PUSH_SEQ.fetch_add(1, Ordering::Relaxed) + 1;
    s.send(Frame::new(Head::reply(cmd::MSG_PUSH, seq), body), out);
}

/// A frame serialised once and shared by every socket it goes to (group fan-out): the JSON
/// text, and its `COMP` form made by the first socket that compresses it.
#[derive(Debug)]
pub struct SharedFrame {
    json: Bytes,
    compressed: OnceLock<Option<Bytes>>,
}

impl SharedFrame {
    /// Serialise `frame`.
    pub fn new(frame: &Frame) -> Self {
        SharedFrame { json: Bytes::from(frame.to_json()), compressed: OnceLock::new() }
    }

    /// The JSON text (UTF-8).
    pub fn json(&self) -> &Bytes {
        &self.json
    }

    /// The compressed form, made by `compress` on the first call (every socket of a server
    /// compresses alike); `None` if compressing failed.
    pub fn compressed(&self, compress: impl FnOnce(&[u8]) -> Option<Bytes>) -> Option<&Bytes> {
        self.compressed.get_or_init(|| compress(&self.json)).as_ref()
    }
}

/// One `im_open_push.msg_push` frame for many sockets. They share its `seq` (any seq works for
/// pushes, WIRE.md §2.3; each socket still sees every push seq once, increasing).
pub fn shared_push(body: &Value) -> Arc<SharedFrame> {
    let seq = PUSH_SEQ.fetch_add(1, Ordering::Relaxed) + 1;
    Arc::new(SharedFrame::new(&Frame::new(Head::reply(cmd::MSG_PUSH, seq), body.clone())))
}

/// Something queued for a socket while a command's pushes are held back.
#[derive(Debug)]
enum Held {
    One(OutTx, Out),
    Many(Vec<OutTx>, Arc<SharedFrame>),
}

impl Held {
    fn deliver(self) {
        match self {
            Held::One(tx, out) => {
                let _ = tx.send(out);
            }
            Held::Many(targets, frame) => {
                for tx in &targets {
                    let _ = tx.send(Out::Shared(frame.clone()));
                }
            }
        }
    }
}

/// Where the frames a hub queues for this node's sockets go. A command runs with
/// [`Pushes::held`]: what it pushes waits, in order, until the transport has written the
/// command's reply and calls [`Pushes::release`] — so a sender's reply does not queue behind a
/// 10,000-socket fan-out, and the reply comes before the pushes it caused. Everything else
/// (deliveries from other nodes, kicks outside a command) uses [`Pushes::now`]. Pushes to
/// other nodes leave at once either way.
#[derive(Debug)]
#[must_use = "held pushes are lost unless released"]
pub struct Pushes(Option<RefCell<Vec<Held>>>);

impl Pushes {
    /// Queue at once.
    pub fn now() -> Self {
        Pushes(None)
    }

    /// Hold until [`Pushes::release`].
    pub fn held() -> Self {
        Pushes(Some(RefCell::new(Vec::new())))
    }

    fn put(&self, held: Held) {
        match &self.0 {
            Some(list) => list.borrow_mut().push(held),
            None => held.deliver(),
        }
    }

    /// Queue what was held, in the order it was pushed.
    pub fn release(self) {
        if let Some(list) = self.0 {
            for held in list.into_inner() {
                held.deliver();
            }
        }
    }
}

/// Something for a socket's writer.
#[derive(Debug)]
pub enum Out {
    /// Send this frame.
    Frame(Box<Frame>),
    /// Send this already serialised frame.
    Shared(Arc<SharedFrame>),
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
    /// The socket's outbound queue (bounded: [`crate::outbox`]).
    pub tx: OutTx,
    /// Non-zero: the `KickType` this socket was kicked with.
    pub kicked: Arc<AtomicU32>,
    /// When the socket logged in (Unix microseconds; in cluster mode by the Redis server's clock,
    /// one clock for every node): across nodes the newer instance wins.
    pub since_us: u64,
}

impl SessionRef {
    /// Queue a frame; a closed socket is ignored.
    pub fn send(&self, frame: Frame, out: &Pushes) {
        out.put(Held::One(self.tx.clone(), Out::Frame(Box::new(frame))));
    }

    /// Mark kicked, push the `KickoutMsgNotify`, and close a bit later.
    pub fn kick(&self, kick_type: u32, close_after_ms: u64, out: &Pushes) {
        self.kicked.store(kick_type, Ordering::SeqCst);
        push_to(
            self,
            json!({"EventArray":[{"Event": cmd::event::C2C_NOTIFY,
                "C2cNotifyMsgArray":[{"KickoutMsgNotify":{"KickType": kick_type, "NewInstInfo": {}}}]}]}),
            out,
        );
        out.put(Held::One(self.tx.clone(), Out::Close(close_after_ms)));
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
    pub fn push_local(&self, sdkappid: u64, user: &str, except: Option<u64>, body: &Value, out: &Pushes) {
        for s in self.sessions(sdkappid, user) {
            if Some(s.conn_id) != except {
                push_to(&s, body.clone(), out);
            }
        }
    }

    /// Push one body to every session of each of `users` (distinct) except `except`: the frame
    /// is serialised once and shared, the registry is locked once and only to collect the
    /// sockets (not while queueing). Returns the number of sockets.
    ///
    /// Held ([`Pushes::held`]), the whole fan-out is one entry.
    pub fn push_local_many(
        &self,
        sdkappid: u64,
        users: &[&str],
        except: Option<u64>,
        body: &Value,
        out: &Pushes,
    ) -> usize {
        let targets: Vec<OutTx> = {
            let map = self.lock();
            let mut key = (sdkappid, String::new());
            let mut targets = Vec::new();
            for user in users {
                key.1.clear();
                key.1.push_str(user);
                if let Some(list) = map.get(&key) {
                    targets.extend(list.iter().filter(|s| Some(s.conn_id) != except).map(|s| s.tx.clone()));
                }
            }
            targets
        };
        if targets.is_empty() {
            return 0;
        }
        let n = targets.len();
        out.put(Held::Many(targets, shared_push(body)));
        n
    }

    /// Kick every session of a user on this node.
    pub fn kick_local(&self, sdkappid: u64, user: &str, kick_type: u32, close_after_ms: u64, out: &Pushes) {
        for s in self.take_all(sdkappid, user) {
            s.kick(kick_type, close_after_ms, out);
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
    fn push_user(&self, sdkappid: u64, user: &str, except: Option<u64>, body: &Value, out: &Pushes) {
        self.push_local(sdkappid, user, except, body, out);
    }
    fn is_online(&self, sdkappid: u64, user: &str) -> bool {
        !self.sessions(sdkappid, user).is_empty()
    }
    fn online_sockets(&self, sdkappid: u64, user: &str) -> Vec<(u32, String)> {
        self.sessions(sdkappid, user).into_iter().map(|s| (s.platform, s.instance_id)).collect()
    }

    fn push_users(&self, sdkappid: u64, users: &[&str], except: Option<u64>, body: &Value, out: &Pushes) {
        self.push_local_many(sdkappid, users, except, body, out);
    }
    fn kick_user(&self, sdkappid: u64, user: &str, kick_type: u32, close_after_ms: u64, out: &Pushes) {
        self.kick_local(sdkappid, user, kick_type, close_after_ms, out);
    }
    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::outbox::{outbox, OutRx};

    fn session(hub: &LocalHub, user: &str, instance: &str) -> (SessionRef, OutRx) {
        let (tx, rx) = outbox(0, 0);
        let s = SessionRef {
            conn_id: hub.next_conn_id(),
            instance_id: instance.into(),
            platform: 7,
            a2: String::new(),
            tx,
            kicked: Arc::new(AtomicU32::new(0)),
            since_us: 0,
        };
        hub.register(1, user, s.clone(), false);
        (s, rx)
    }

    #[test]
    fn push_local_many_shares_one_frame_and_skips_the_sender() {
        let hub = LocalHub::default();
        let (a1, mut a1_rx) = session(&hub, "a", "i1");
        let (_, mut a2_rx) = session(&hub, "a", "i2");
        let (_, mut b_rx) = session(&hub, "b", "i3");
        let body = json!({"EventArray":[{"Event": 3, "GroupMsgArray":[{"MsgSeq": 7}]}]});
        let n = hub.push_local_many(1, &["a", "b", "nobody"], Some(a1.conn_id), &body, &Pushes::now());
        assert_eq!(n, 2);
        assert!(a1_rx.try_recv().is_none(), "the sending socket gets nothing");
        let (Some(Out::Shared(x)), Some(Out::Shared(y))) = (a2_rx.try_recv(), b_rx.try_recv()) else {
            panic!("a shared frame for each other socket");
        };
        assert!(Arc::ptr_eq(&x, &y), "serialised once");
        // The same text as a frame pushed one by one.
        let f = Frame::from_json(std::str::from_utf8(x.json()).unwrap()).unwrap();
        assert_eq!(f.head.servcmd, cmd::MSG_PUSH);
        assert_eq!(x.json().as_ref(), Frame::new(Head::reply(cmd::MSG_PUSH, f.head.seq), body).to_json().as_bytes());
        // Compressed once, by the first socket that asks.
        let calls = AtomicU32::new(0);
        for _ in 0..2 {
            let z = x.compressed(|t| {
                calls.fetch_add(1, Ordering::SeqCst);
                Some(Bytes::copy_from_slice(t))
            });
            assert_eq!(z.map(|b| b.len()), Some(x.json().len()));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(hub.push_local_many(1, &["nobody"], None, &json!({}), &Pushes::now()), 0);
    }

    #[test]
    fn held_pushes_keep_their_order_until_released() {
        let hub = LocalHub::default();
        let (a, mut a_rx) = session(&hub, "a", "i1");
        let (_, mut b_rx) = session(&hub, "b", "i2");
        let held = Pushes::held();
        push_to(&a, json!({"n": 1}), &held);
        hub.push_local_many(1, &["a", "b"], None, &json!({"n": 2}), &held);
        a.kick(1, 0, &held);
        assert!(a_rx.try_recv().is_none() && b_rx.try_recv().is_none(), "nothing queued while held");
        // Pushes::now goes out at once.
        hub.push_local_many(1, &["b"], None, &json!({"n": 0}), &Pushes::now());
        assert!(matches!(b_rx.try_recv(), Some(Out::Shared(_))));
        held.release();
        let n = |o: Out| match o {
            Out::Frame(f) => f.body["n"].as_u64(),
            Out::Shared(f) => Frame::from_json(std::str::from_utf8(f.json()).unwrap()).unwrap().body["n"].as_u64(),
            Out::Close(_) => Some(99),
        };
        let got: Vec<Option<u64>> = std::iter::from_fn(|| a_rx.try_recv()).map(n).collect();
        // 1, the fan-out, the kick notice (no "n"), the close.
        assert_eq!(got, vec![Some(1), Some(2), None, Some(99)]);
        assert_eq!(b_rx.try_recv().and_then(n), Some(2));
    }
}

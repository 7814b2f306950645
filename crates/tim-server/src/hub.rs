//! Online sessions: who is connected on which socket, fan-out of pushes, kick-out.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tim_proto::{cmd, Frame, Head};
use tokio::sync::mpsc::UnboundedSender;

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
}

impl SessionRef {
    /// Queue a frame; a closed socket is ignored.
    pub fn send(&self, frame: Frame) {
        let _ = self.tx.send(Out::Frame(Box::new(frame)));
    }

    /// Mark kicked, push the `KickoutMsgNotify`, and close a bit later.
    pub fn kick(&self, hub: &Hub, kick_type: u32, close_after_ms: u64) {
        self.kicked.store(kick_type, Ordering::SeqCst);
        hub.push(
            self,
            json!({"EventArray":[{"Event": cmd::event::C2C_NOTIFY,
                "C2cNotifyMsgArray":[{"KickoutMsgNotify":{"KickType": kick_type, "NewInstInfo": {}}}]}]}),
        );
        let _ = self.tx.send(Out::Close(close_after_ms));
    }
}

/// Every online session, by (sdkappid, user).
#[derive(Debug, Default)]
pub struct Hub {
    next_conn: AtomicU64,
    push_seq: AtomicU64,
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

impl Hub {
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

    /// Push an `im_open_push.msg_push` body to one session.
    pub fn push(&self, s: &SessionRef, body: Value) {
        let seq = self.push_seq.fetch_add(1, Ordering::Relaxed) + 1;
        s.send(Frame::new(Head::reply(cmd::MSG_PUSH, seq), body));
    }

    /// Push to every session of a user except `except` (a socket id).
    pub fn push_user(&self, sdkappid: u64, user: &str, except: Option<u64>, body: &Value) {
        for s in self.sessions(sdkappid, user) {
            if Some(s.conn_id) != except {
                self.push(&s, body.clone());
            }
        }
    }
}

//! A native platform for the engine (tokio-tungstenite sockets, a 50 ms tick) and a real
//! in-process tim-server, shared by the live test files.
#![allow(clippy::unwrap_used, dead_code, unused_imports)]

use std::sync::atomic::{AtomicU64, Ordering};
pub use std::{
    collections::HashMap,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

pub use futures_util::{SinkExt, StreamExt};
pub use serde_json::{json, Value};
pub use tim_core::{ApiError, CallResult, Config, Engine, Output, SocketId};
pub use tim_server::{AppConfig, Server, ServerHandle};
pub use tokio::sync::mpsc;
pub use tokio_tungstenite::tungstenite::Message as WsMsg;

pub const APP: u64 = 1_400_000_007;
pub const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

pub async fn server() -> ServerHandle {
    server_with(|_| {}).await
}

/// A server with the test settings, then `tune` applied.
pub async fn server_with(tune: impl FnOnce(&mut tim_server::Config)) -> ServerHandle {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tim-core-live-{}-{}-{n}", std::process::id(), now()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = tim_server::Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir,
        apps: vec![AppConfig { sdkappid: APP, secret_key: KEY.into(), admin: "administrator".into() }],
        kick_close_delay_ms: 50,
        ..tim_server::Config::default()
    };
    tune(&mut config);
    Server::start(config).await.unwrap()
}

pub enum Ev {
    Open,
    Bytes(Vec<u8>),
    Text(String),
    Close,
}

/// A native platform for the engine: tokio-tungstenite sockets and a 50 ms tick.
pub struct Driver {
    pub engine: Engine,
    pub user: String,
    pub sockets: HashMap<SocketId, mpsc::UnboundedSender<Option<WsMsg>>>,
    pub tx: mpsc::UnboundedSender<(SocketId, Ev)>,
    pub rx: mpsc::UnboundedReceiver<(SocketId, Ev)>,
    pub events: Vec<(String, Option<Value>)>,
    pub settled: HashMap<u64, Result<Value, ApiError>>,
    /// Every frame the engine sent, as JSON.
    pub sent: Vec<Value>,
    /// When set, sockets fail to open (network down).
    pub offline: bool,
    /// Cut the connection right after sending a frame of this servcmd (a lost reply).
    pub cut_after: Option<String>,
    /// What `LoadCache` answers with.
    pub cache: Value,
    /// Never answer `LoadCache` (a cache that hangs, like a blocked IndexedDB open).
    pub cache_hangs: bool,
    /// Every persist `(conversations, messages, meta)`; the meta is the one the platform holds
    /// after it (an unchanged meta, `Null` in the output, keeps the one before).
    pub persisted: Vec<(Vec<Value>, Vec<Value>, Value)>,
    /// The joined-group list the platform holds (replaced by each persist that carries one).
    pub persisted_groups: Option<Vec<Value>>,
    /// Messages the history cache holds besides what this driver persisted.
    pub cached_history: Vec<Value>,
    /// Complete `openim.getmsg` syncs received (a reply with `SyncFlag` 2).
    pub getmsg_synced: u32,
}

static NEXT_SEED: AtomicU64 = AtomicU64::new(1);

impl Driver {
    pub fn new(server: &ServerHandle) -> Driver {
        let (tx, rx) = mpsc::unbounded_channel();
        let cfg = Config {
            sdk_app_id: APP,
            base_url: format!("ws://{}", server.local_addr()),
            dev_mode: false,
            instance_id: String::new(),
            // Distinct per driver: the seed also makes the instance ID, and two drivers made in
            // the same millisecond must not look like one instance to the server.
            seed: (now() ^ 0x9e37_79b9_7f4a_7c15).wrapping_add(NEXT_SEED.fetch_add(0x1_0001, Ordering::Relaxed)),
            tz_offset_min: 0,
            compress: true,
        };
        Driver {
            engine: Engine::new(cfg, now()),
            user: String::new(),
            sockets: HashMap::new(),
            tx,
            rx,
            events: Vec::new(),
            settled: HashMap::new(),
            sent: Vec::new(),
            offline: false,
            cut_after: None,
            cache: Value::Null,
            cache_hangs: false,
            persisted: Vec::new(),
            persisted_groups: None,
            cached_history: Vec::new(),
            getmsg_synced: 0,
        }
    }

    /// Count a received frame that completes a `getmsg` sync.
    fn note_inbound(&mut self, frame: Option<Value>) {
        if let Some(f) = frame {
            if f["head"]["servcmd"] == "openim.getmsg" && f["body"]["SyncFlag"] == 2 {
                self.getmsg_synced += 1;
            }
        }
    }

    pub fn run_outputs(&mut self) {
        loop {
            let outs = self.engine.drain();
            if outs.is_empty() {
                return;
            }
            for o in outs {
                self.run(o);
            }
        }
    }

    pub fn run(&mut self, o: Output) {
        match o {
            Output::Connect { socket, url } => {
                let tx = self.tx.clone();
                if self.offline {
                    let _ = tx.send((socket, Ev::Close));
                    return;
                }
                let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Option<WsMsg>>();
                self.sockets.insert(socket, out_tx);
                tokio::spawn(async move {
                    let Ok((ws, _)) = tokio_tungstenite::connect_async(url).await else {
                        let _ = tx.send((socket, Ev::Close));
                        return;
                    };
                    let (mut w, mut r) = ws.split();
                    let _ = tx.send((socket, Ev::Open));
                    loop {
                        tokio::select! {
                            m = out_rx.recv() => match m {
                                Some(Some(m)) => { if w.send(m).await.is_err() { break; } }
                                _ => { let _ = w.close().await; break; }
                            },
                            m = r.next() => match m {
                                Some(Ok(WsMsg::Binary(b))) => { let _ = tx.send((socket, Ev::Bytes(b.to_vec()))); }
                                Some(Ok(WsMsg::Text(t))) => { let _ = tx.send((socket, Ev::Text(t.to_string()))); }
                                Some(Ok(_)) => {}
                                _ => break,
                            },
                        }
                    }
                    let _ = tx.send((socket, Ev::Close));
                });
            }
            Output::Close { socket, .. } => {
                if let Some(s) = self.sockets.remove(&socket) {
                    let _ = s.send(None);
                }
            }
            Output::Send { socket, text, binary } => {
                let frame: Value = serde_json::from_str(&text).unwrap();
                let servcmd = frame["head"]["servcmd"].as_str().unwrap_or("").to_string();
                self.sent.push(frame);
                if let Some(s) = self.sockets.get(&socket) {
                    let msg = if binary { WsMsg::Binary(text.into_bytes().into()) } else { WsMsg::Text(text.into()) };
                    let _ = s.send(Some(msg));
                    if self.cut_after.as_deref() == Some(servcmd.as_str()) {
                        self.cut_after = None;
                        self.cut();
                    }
                }
            }
            Output::Emit { name, data } => self.events.push((name, data)),
            Output::EmitText { name, json } => self.events.push((name, Some(serde_json::from_str(&json).unwrap()))),
            Output::Settle { call, result } => {
                self.settled.insert(call, result);
            }
            Output::LoadCache { .. } if self.cache_hangs => {}
            Output::LoadCache { user } => {
                let snapshot = self.cache.clone();
                self.engine.cache_loaded(&user, snapshot, now());
            }
            Output::Persist { conversations, messages, meta, groups, .. } => {
                let meta = match (meta, self.persisted.last()) {
                    (Value::Null, Some(last)) => last.2.clone(),
                    (meta, _) => meta,
                };
                self.persisted.push((conversations, messages, meta));
                if groups.is_some() {
                    self.persisted_groups = groups;
                }
            }
            Output::LoadHistory { request, conversation_id, before, count, .. } => {
                // The history cache as IndexedDB holds it (src/idb.rs): records ordered by
                // (order, ID), read backwards below `before`, the last order read whole, then
                // newest first with one order's records last written first.
                let order = |m: &Value| {
                    let key = if m["conversationType"] == "GROUP" { "sequence" } else { "time" };
                    (m[key].as_u64().unwrap_or(0), m["ID"].as_str().unwrap_or("").to_string())
                };
                let mut records: Vec<(usize, &Value)> = Vec::new();
                let written = self.cached_history.iter().chain(self.persisted.iter().flat_map(|p| p.1.iter()));
                for (w, m) in written.enumerate() {
                    if m["conversationID"] == conversation_id.as_str() && before.as_ref().is_none_or(|b| order(m) < *b)
                    {
                        // A record written again replaces the earlier one.
                        records.retain(|(_, r)| r["ID"] != m["ID"]);
                        records.push((w, m));
                    }
                }
                records.sort_by_key(|(_, m)| std::cmp::Reverse(order(m)));
                let mut taken: Vec<(usize, &Value)> = Vec::new();
                for (w, m) in records {
                    if taken.len() as u64 >= count && taken.last().is_none_or(|(_, l)| order(l).0 != order(m).0) {
                        break;
                    }
                    taken.push((w, m));
                }
                taken.sort_by_key(|(w, m)| std::cmp::Reverse((order(m).0, *w)));
                let page: Vec<Value> = taken.into_iter().map(|(_, m)| m.clone()).collect();
                self.engine.history_loaded(request, page, now());
            }
        }
    }

    /// Drop every connection abruptly (network loss).
    pub fn cut(&mut self) {
        for (_, s) in self.sockets.drain() {
            let _ = s.send(None);
        }
    }

    /// Run the platform for up to `ms`, or until `done` holds.
    pub async fn pump_until(&mut self, ms: u64, mut done: impl FnMut(&Driver) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        loop {
            self.run_outputs();
            if done(self) {
                return true;
            }
            let step = tokio::time::timeout(Duration::from_millis(50), self.rx.recv()).await;
            match step {
                Ok(Some((id, ev))) => match ev {
                    Ev::Open => self.engine.on_open(id, now()),
                    Ev::Bytes(b) => {
                        self.note_inbound(tim_proto::frame::value_from_bytes(&b, 64 << 20).ok());
                        self.engine.on_bytes(id, &b, now())
                    }
                    Ev::Text(t) => {
                        self.note_inbound(serde_json::from_str(&t).ok());
                        self.engine.on_text(id, &t, now())
                    }
                    Ev::Close => {
                        self.sockets.remove(&id);
                        self.engine.on_close(id, now());
                    }
                },
                _ => self.engine.tick(now()),
            }
            if tokio::time::Instant::now() >= deadline {
                self.run_outputs();
                return done(self);
            }
        }
    }

    /// Everything this driver persisted, as the platform would have stored it: the snapshot a
    /// warm start of a new driver gets as its `cache` (its `messages`, in write order, are for
    /// the new driver's `cached_history`).
    pub fn snapshot(&self) -> Value {
        let mut conversations = HashMap::new();
        // In the order they were (last) written, as the cache orders one second's messages.
        let mut messages: Vec<Value> = Vec::new();
        let mut meta = Value::Null;
        for (c, m, me) in &self.persisted {
            for c in c {
                conversations.insert(c["conversationID"].as_str().unwrap().to_string(), c.clone());
            }
            for m in m {
                messages.retain(|x| x["ID"] != m["ID"]);
                messages.push(m.clone());
            }
            meta = me.clone();
        }
        let conversations: Vec<Value> = conversations.into_values().collect();
        json!({"conversations": conversations, "messages": messages, "groups": &self.persisted_groups, "meta": meta})
    }

    pub async fn pump(&mut self, ms: u64) {
        self.pump_until(ms, |_| false).await;
    }

    pub async fn call(&mut self, method: &str, args: Value) -> Result<Value, ApiError> {
        match self.engine.call(method, args, now()) {
            CallResult::Done(r) => {
                self.run_outputs();
                r
            }
            CallResult::Throw(m) => Err(ApiError { code: -1, message: m, data: None }),
            CallResult::Text(json) => {
                self.run_outputs();
                Ok(serde_json::from_str(&json).unwrap())
            }
            CallResult::Pending(id) => {
                assert!(self.pump_until(20_000, |d| d.settled.contains_key(&id)).await, "{method} never settled");
                self.settled.remove(&id).unwrap()
            }
        }
    }

    pub async fn wait_event(&mut self, name: &str) -> Option<Value> {
        let ok = self.pump_until(10_000, |d| d.events.iter().any(|(n, _)| n == name)).await;
        assert!(ok, "no {name} event; events: {:?}", self.events.iter().map(|e| &e.0).collect::<Vec<_>>());
        let i = self.events.iter().position(|(n, _)| n == name).unwrap();
        self.events.remove(i).1
    }

    /// Every MESSAGE_RECEIVED message so far, drained.
    pub fn received(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        self.events.retain(|(n, d)| {
            if n == "onMessageReceived" {
                out.extend(d.as_ref().and_then(Value::as_array).cloned().unwrap_or_default());
                false
            } else {
                true
            }
        });
        out
    }

    pub async fn login(&mut self, user: &str) {
        self.user = user.to_string();
        self.pump_until(5_000, |d| d.sent.iter().any(|f| f["head"]["servcmd"] == "heartbeat.alive")).await;
        let sig = tim_proto::usersig::generate(APP, KEY, user, 86_400, now() / 1000);
        let synced = self.getmsg_synced;
        let r = self.call("login", json!([{"userID": user, "userSig": sig}])).await.unwrap();
        assert_eq!(r["repeatLogin"], false);
        self.wait_event("sdkStateReady").await;
        // SDK_READY comes before the login's message sync has its answer: a message sent in
        // between would be taken in by that sync, unannounced, not pushed. Tests that send to a
        // user who "is online" wait for the sync (a fast server makes the window real).
        self.pump_until(5_000, |d| d.getmsg_synced > synced).await;
    }

    pub async fn send_text(&mut self, to: &str, text: &str) -> Value {
        let m = self
            .call("createTextMessage", json!([{"to": to, "conversationType": "C2C", "payload": {"text": text}}]))
            .await
            .unwrap();
        self.call("sendMessage", json!([m])).await.unwrap()["message"].clone()
    }

    pub fn servcmds(&self) -> Vec<String> {
        self.sent.iter().map(|f| f["head"]["servcmd"].as_str().unwrap_or("").to_string()).collect()
    }
}

pub fn uid(prefix: &str) -> String {
    format!("{prefix}{}", now() % 1_000_000_007)
}

/// Pump until a MESSAGE_RECEIVED message satisfies `pred`; returns it.
pub async fn received_where(d: &mut Driver, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let mut seen = Vec::new();
    let deadline = now() + 8_000;
    loop {
        seen.extend(d.received());
        if let Some(m) = seen.iter().find(|m| pred(m)) {
            return m.clone();
        }
        assert!(now() < deadline, "no {what}; got {seen:?}");
        d.pump(100).await;
    }
}

/// The code of a rejected call (panics when it resolved).
pub fn err_code(r: Result<Value, ApiError>) -> i64 {
    match r {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => e.code,
    }
}

/// `POST /v4/<path>` as the app admin (the REST API); the reply body.
pub async fn rest(server: &ServerHandle, path: &str, body: &Value) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sig = tim_proto::usersig::generate(APP, KEY, "administrator", 3600, now() / 1000);
    let q = format!("sdkappid={APP}&identifier=administrator&usersig={sig}&random=1&contenttype=json");
    let body = body.to_string();
    let req = format!(
        "POST /v4/{path}?{q} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = tokio::net::TcpStream::connect(server.local_addr()).await.unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let (_, reply) = text.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(reply).unwrap_or_else(|e| panic!("REST {path}: {e}: {text}"))
}

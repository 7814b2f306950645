//! Test harness: an in-process server on 127.0.0.1:0 with a temporary data dir, and a WebSocket
//! client that speaks the frames the official Web SDK sends.
//!
//! Storage: SQLite in the temporary data dir, or, when `TIM_TEST_POSTGRES_URL` is set (a URL of a
//! PostgreSQL server and a database to connect to for `CREATE DATABASE`, e.g. the one
//! `scripts/services.sh env` prints), a fresh database `tim_test_<random>` per [`config`].
#![allow(dead_code, clippy::unwrap_used)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;
use tim_proto::Frame;
use tim_server::{AppConfig, Config, Server, ServerHandle, Storage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

pub const APP: u64 = 1_400_000_001;
pub const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
pub const OTHER_APP: u64 = 1_400_000_002;
pub const OTHER_KEY: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

/// A fresh directory under Cargo's per-target scratch dir (`target/tmp`, removed by `cargo clean`).
pub fn temp_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("tim-server-test-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `TIM_TEST_POSTGRES_URL`, when the tests run on PostgreSQL.
pub fn pg_admin_url() -> Option<String> {
    std::env::var("TIM_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

/// `url` with its database replaced by `db` (URL or `key=value` form).
pub fn with_dbname(url: &str, db: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (main, query) = rest.split_once('?').map(|(m, q)| (m, Some(q))).unwrap_or((rest, None));
        let authority = main.split_once('/').map(|(a, _)| a).unwrap_or(main);
        let q = query.map(|q| format!("?{q}")).unwrap_or_default();
        format!("{scheme}://{authority}/{db}{q}")
    } else {
        format!("{url} dbname={db}")
    }
}

/// The default config with this run's storage backend (a fresh PostgreSQL database name when
/// `TIM_TEST_POSTGRES_URL` is set; [`ensure_database`] creates it).
pub fn backend_default() -> Config {
    let mut c = Config { data_dir: temp_dir(), ..Config::default() };
    if let Some(url) = pg_admin_url() {
        c.storage = Storage::Postgres;
        c.postgres_url = Some(with_dbname(&url, &format!("tim_test_{:016x}", rand::random::<u64>())));
        c.postgres_pool_size = 4;
    }
    c
}

/// Create the config's PostgreSQL database if it does not exist yet (no-op for SQLite).
pub async fn ensure_database(config: &Config) {
    let (Storage::Postgres, Some(url), Some(admin)) = (config.storage, &config.postgres_url, pg_admin_url()) else {
        return;
    };
    let db: tokio_postgres::Config = url.parse().unwrap();
    let name = db.get_dbname().unwrap().to_string();
    let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.unwrap();
    let task = tokio::spawn(conn);
    if let Err(e) = client.batch_execute(&format!("CREATE DATABASE {name}")).await {
        assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE), "{e}");
    }
    drop(client);
    let _ = task.await;
}

/// [`ensure_database`] for tests without a runtime.
pub fn ensure_database_blocking(config: &Config) {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(ensure_database(config));
}

/// A storage backend, for the store conformance suite (`store.rs`), which runs on both in the
/// same `cargo test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite in a temporary data dir (always).
    Sqlite,
    /// A fresh PostgreSQL database (when `TIM_TEST_POSTGRES_URL` is set).
    Postgres,
}

/// [`config`] on `backend`, its PostgreSQL database created; `None`, with a printed notice,
/// for PostgreSQL when `TIM_TEST_POSTGRES_URL` is not set.
pub fn config_on(backend: Backend) -> Option<Config> {
    let mut c = config();
    match backend {
        Backend::Sqlite => {
            c.storage = Storage::Sqlite;
            c.postgres_url = None;
        }
        Backend::Postgres => {
            let Some(url) = pg_admin_url() else {
                println!("SKIPPED on PostgreSQL: TIM_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)");
                return None;
            };
            c.storage = Storage::Postgres;
            c.postgres_url = Some(with_dbname(&url, &format!("tim_test_{:016x}", rand::random::<u64>())));
            c.postgres_pool_size = 4;
        }
    }
    ensure_database_blocking(&c);
    Some(c)
}

pub fn config() -> Config {
    Config {
        listen: "127.0.0.1:0".into(),
        apps: vec![
            AppConfig { sdkappid: APP, secret_key: KEY.into(), admin: "administrator".into() },
            AppConfig { sdkappid: OTHER_APP, secret_key: OTHER_KEY.into(), admin: "administrator".into() },
        ],
        kick_close_delay_ms: 100,
        ..backend_default()
    }
}

pub async fn start() -> ServerHandle {
    start_with(config()).await
}

pub async fn start_with(config: Config) -> ServerHandle {
    ensure_database(&config).await;
    Server::start(config).await.unwrap()
}

pub fn sig(user: &str) -> String {
    tim_proto::usersig::generate(APP, KEY, user, 86400, tim_server::now())
}

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A client socket.
pub struct Client {
    ws: Ws,
    pub seq: u64,
    pub a2: String,
    pub tinyid: String,
    pub inst_id: u64,
    pub instance_id: String,
    pub sdkappid: u64,
    pub pushes: VecDeque<Frame>,
    /// Number of `COMP` frames received.
    pub compressed: usize,
    pub closed: bool,
}

impl Client {
    pub async fn connect(server: &ServerHandle, instance_id: &str) -> Client {
        Self::connect_url(server, "binfo", APP, instance_id, 7).await
    }

    pub async fn connect_url(
        server: &ServerHandle,
        path: &str,
        sdkappid: u64,
        instance_id: &str,
        platform: u32,
    ) -> Client {
        Self::connect_addr(&server.local_addr().to_string(), path, sdkappid, instance_id, platform).await
    }

    /// Connect to `host:port` (a server in another process).
    pub async fn connect_addr(addr: &str, path: &str, sdkappid: u64, instance_id: &str, platform: u32) -> Client {
        let url = format!(
            "ws://{addr}/{path}?sdkappid={sdkappid}&instanceid={instance_id}&random=0.5&platform={platform}&host=unknown&version=-1&sdkversion=2.27.6&compress=gzip"
        );
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        Self::from_ws(ws, instance_id, sdkappid)
    }

    /// A client on a WebSocket opened by the caller (a socket with special options).
    pub fn from_ws(ws: Ws, instance_id: &str, sdkappid: u64) -> Client {
        Client {
            ws,
            seq: 10_000 + u64::from(rand::random::<u16>()),
            a2: String::new(),
            tinyid: String::new(),
            inst_id: 0,
            instance_id: instance_id.into(),
            sdkappid,
            pushes: VecDeque::new(),
            compressed: 0,
            closed: false,
        }
    }

    fn head(&mut self, servcmd: &str) -> Value {
        self.seq += 1;
        let mut h = json!({"ver":"v4","platform":7,"websdkappid":537048168,"websdkversion":"1.7.3",
            "status_instid": self.inst_id, "sdkappid": self.sdkappid, "contenttype":"json",
            "reqtime": tim_server::now(), "sdkability":192371, "tjgID":"", "servcmd": servcmd, "seq": self.seq});
        if self.a2.is_empty() {
            h["identifier"] = json!("");
            h["usersig"] = json!("");
        } else {
            h["a2"] = json!(self.a2);
            h["tinyid"] = json!(self.tinyid);
        }
        h
    }

    pub async fn send_raw(&mut self, msg: Message) {
        self.ws.send(msg).await.unwrap();
    }

    /// Send a request with the SDK's head; returns its seq.
    pub async fn send(&mut self, servcmd: &str, body: Value) -> u64 {
        let head = self.head(servcmd);
        self.send_frame(head, body).await
    }

    pub async fn send_frame(&mut self, head: Value, body: Value) -> u64 {
        let seq = head["seq"].as_u64().unwrap();
        let text = json!({"head": head, "body": body}).to_string();
        self.ws.send(Message::Binary(text.into_bytes().into())).await.unwrap();
        seq
    }

    /// Next frame from the server, or None on close/timeout.
    pub async fn recv(&mut self, wait: Duration) -> Option<Frame> {
        loop {
            let msg = match tokio::time::timeout(wait, self.ws.next()).await {
                Ok(Some(Ok(m))) => m,
                Ok(Some(Err(_))) | Ok(None) => {
                    self.closed = true;
                    return None;
                }
                Err(_) => return None,
            };
            match msg {
                Message::Binary(b) => {
                    if b.starts_with(b"COMP") {
                        self.compressed += 1;
                    }
                    return Some(Frame::from_bytes(&b, 64 << 20).unwrap());
                }
                Message::Text(t) => return Some(Frame::from_json(t.as_str()).unwrap()),
                Message::Close(_) => {
                    self.closed = true;
                    return None;
                }
                _ => continue,
            }
        }
    }

    /// The next WebSocket message as it is (close frames included).
    pub async fn next_raw(&mut self) -> Option<Result<Message, tokio_tungstenite::tungstenite::Error>> {
        self.ws.next().await
    }

    /// Wait for the reply to (servcmd, seq), queueing pushes.
    pub async fn reply(&mut self, servcmd: &str, seq: u64) -> Value {
        loop {
            let f = self.recv(Duration::from_secs(5)).await.unwrap_or_else(|| panic!("no reply to {servcmd}"));
            if f.head.servcmd == servcmd && f.head.seq == seq {
                return f.body;
            }
            self.pushes.push_back(f);
        }
    }

    pub async fn call(&mut self, servcmd: &str, body: Value) -> Value {
        let seq = self.send(servcmd, body).await;
        self.reply(servcmd, seq).await
    }

    /// The first `wslogin`, with identifier + usersig.
    pub async fn login_with(&mut self, user: &str, usersig: &str) -> Value {
        let mut head = self.head(tim_proto::cmd::WSLOGIN);
        head["identifier"] = json!(user);
        head["usersig"] = json!(usersig);
        let seq = self.send_frame(head, json!({"State":"Online","is_web_uniapp":0,"InstType":0})).await;
        let rep = self.reply(tim_proto::cmd::WSLOGIN, seq).await;
        if rep["ErrorCode"] == 0 {
            self.a2 = rep["A2Key"].as_str().unwrap().to_string();
            self.tinyid = rep["TinyId"].as_str().unwrap().to_string();
            self.inst_id = rep["InstId"].as_u64().unwrap();
        }
        rep
    }

    /// Re-login on a new socket with the A2 key of an earlier login (what the SDK does after a
    /// reconnect, WIRE.md §1.5).
    pub async fn relogin_a2(&mut self, a2: &str, tinyid: &str) -> Value {
        self.a2 = a2.to_string();
        self.tinyid = tinyid.to_string();
        self.call(tim_proto::cmd::WSLOGIN, json!({"State":"Online","is_web_uniapp":0,"InstType":0})).await
    }

    pub async fn login(&mut self, user: &str) -> Value {
        let rep = self.login_with(user, &sig(user)).await;
        assert_eq!(rep["ErrorCode"], 0, "login failed: {rep}");
        rep
    }

    /// Next push (queued or new) within `wait`.
    pub async fn push(&mut self, wait: Duration) -> Option<Frame> {
        if let Some(f) = self.pushes.pop_front() {
            return Some(f);
        }
        self.recv(wait).await
    }

    /// Expect no push within `wait`.
    pub async fn no_push(&mut self, wait: Duration) {
        if let Some(f) = self.push(wait).await {
            panic!("unexpected frame {}", f.to_json());
        }
    }

    pub async fn send_text(&mut self, to: &str, text: &str, seq: u64, random: u64) -> Value {
        self.call(
            "openim.sendmsg",
            json!({"From_Account": "", "To_Account": to, "MsgSeq": seq, "MsgRandom": random,
                "MsgBody": [{"MsgType":"TIMTextElem","MsgContent":{"Text": text}}], "CloudCustomData": "",
                "MsgClientTime": tim_server::now(), "SendMsgControl": [], "IsNeedReadReceipt": 0}),
        )
        .await
    }

    /// Every `getmsg` page from `cookie` until SyncFlag 2: (messages, last reply).
    pub async fn getmsg_all(&mut self, cookie: &str) -> (Vec<Value>, Value) {
        let mut cookie = cookie.to_string();
        let mut sync = 0;
        let mut all = Vec::new();
        for _ in 0..100 {
            let rep = self
                .call(
                    "openim.getmsg",
                    json!({"Cookie": cookie, "SyncFlag": sync, "NeedAbstract":1, "IsOnlineSync":0, "NeedSignaling":1}),
                )
                .await;
            assert_eq!(rep["ErrorCode"], 0, "{rep}");
            all.extend(rep["MsgList"].as_array().unwrap().iter().cloned());
            cookie = rep["Cookie"].as_str().unwrap().to_string();
            assert!(!cookie.is_empty());
            sync = rep["SyncFlag"].as_u64().unwrap();
            if sync == 2 {
                return (all, rep);
            }
        }
        panic!("getmsg never completed");
    }
}

pub fn texts(list: &[Value]) -> Vec<String> {
    list.iter().map(|m| m["MsgBody"][0]["MsgContent"]["Text"].as_str().unwrap_or("").to_string()).collect()
}

/// The single `C2cMsgArray` message of a msg_push frame.
pub fn pushed_c2c(f: &Frame) -> Value {
    assert_eq!(f.head.servcmd, "im_open_push.msg_push", "{}", f.to_json());
    let ev = &f.body["EventArray"][0];
    assert_eq!(ev["Event"], 1, "{}", f.to_json());
    ev["C2cMsgArray"][0].clone()
}

/// A minimal HTTP/1.1 request; returns (status, body).
pub async fn http(server: &ServerHandle, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(server.local_addr()).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    // Undo chunked encoding if present.
    let body = if text.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(&body) } else { body };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n.min(rest.len())]);
        s = rest.get(n + 2..).unwrap_or("");
    }
    out
}

/// `POST /v4/<servcmd path>` as the admin.
pub async fn rest(server: &ServerHandle, path: &str, body: &Value) -> Value {
    let q = format!(
        "sdkappid={APP}&identifier=administrator&usersig={}&random=99&contenttype=json",
        tim_proto::usersig::generate(APP, KEY, "administrator", 3600, tim_server::now())
    );
    let (status, text) = http(server, "POST", &format!("/v4/{path}?{q}"), &body.to_string()).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

impl Client {
    /// A request with `identifier` + `usersig` in the head and no `a2`, as the SDK sends the
    /// upload-signature commands even when logged in (WIRE.md §2.6).
    pub async fn call_with_usersig(&mut self, servcmd: &str, user: &str, usersig: &str, body: Value) -> Value {
        let mut head = self.head(servcmd);
        if let Some(h) = head.as_object_mut() {
            h.remove("a2");
            h.remove("tinyid");
        }
        head["identifier"] = json!(user);
        head["usersig"] = json!(usersig);
        let seq = self.send_frame(head, body).await;
        self.reply(servcmd, seq).await
    }
}

/// An HTTP/1.1 response: status, header lines (lower-cased names), body bytes.
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Send `method target` to `addr` (`host:port`) with `headers` and a binary body, optionally
/// chunked (no Content-Length), and read the whole response.
pub async fn http_bytes(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    chunked: bool,
) -> HttpResponse {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    if chunked {
        req.push_str("Transfer-Encoding: chunked\r\n\r\n");
    } else {
        req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    }
    s.write_all(req.as_bytes()).await.unwrap();
    // The server may answer (413, 403) and close before reading the whole body.
    if chunked {
        for part in body.chunks(4096) {
            if s.write_all(format!("{:x}\r\n", part.len()).as_bytes()).await.is_err()
                || s.write_all(part).await.is_err()
                || s.write_all(b"\r\n").await.is_err()
            {
                break;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n").await;
    } else {
        let _ = s.write_all(body).await;
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    let mut raw = out[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    if headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked")) {
        let mut body = Vec::new();
        let mut rest = &raw[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let n = usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            let start = eol + 2;
            body.extend_from_slice(&rest[start..(start + n).min(rest.len())]);
            rest = rest.get(start + n + 2..).unwrap_or(&[]);
        }
        raw = body;
    }
    HttpResponse { status, headers, body: raw }
}

/// `(host:port, path?query)` of an `http://` URL.
pub fn split_url(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest.split_once('/').expect("a path");
    (host.to_string(), format!("/{path}"))
}

/// A unique user or group name for one test run.
pub fn uniq(name: &str) -> String {
    format!("{name}-{:08x}", rand::random::<u32>())
}

/// A new user, connected and logged in.
pub async fn user(server: &ServerHandle, name: &str) -> (Client, String) {
    let id = uniq(name);
    let mut c = Client::connect(server, &format!("inst-{id}")).await;
    c.login(&id).await;
    (c, id)
}

/// The next push item with this `Event` (other pushes are skipped), within 3 s.
pub async fn next_event(c: &mut Client, ev: u64) -> Value {
    loop {
        let f = c.push(std::time::Duration::from_secs(3)).await.unwrap_or_else(|| panic!("no Event {ev} push"));
        let item = &f.body["EventArray"][0];
        if item["Event"] == ev {
            let key = if ev == 3 { "GroupMsgArray" } else { "GroupTips" };
            return item[key][0].clone();
        }
    }
}

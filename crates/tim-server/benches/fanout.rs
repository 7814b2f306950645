//! Group fan-out benchmark: one message to a large Public group reaches every online member.
//!
//! ```sh
//! cargo bench -p tim-server --bench fanout
//! FANOUT_MEMBERS=2000 FANOUT_ROUNDS=3 FANOUT_BASELINE=none cargo bench -p tim-server --bench fanout
//! FANOUT_TEXT_BYTES=2000 cargo bench -p tim-server --bench fanout   # compressed push frames
//! TIM_BENCH_SMOKE=1 cargo test -p tim-server --bench fanout  # 20 members, 1 round: a smoke run
//! ```
//!
//! What it does, all through the real API:
//!
//! 1. starts a tim-server in this process (SQLite in a temporary data dir, automatic account
//!    import off, so logins need imported accounts);
//! 2. imports `FANOUT_MEMBERS` accounts (`u0` … `u{N-1}`) with REST `account_import` (8 keep-alive
//!    connections), creates one Public group owned by `u0` and adds the others with REST
//!    `add_group_member`, 500 per call;
//! 3. starts a copy of itself as a child process that opens one `/binfo?compress=gzip` WebSocket
//!    per member and logs each in with `wslogin` and a real userSig, as the official SDK does;
//!    the clients live in their own process because client and server sockets together do not
//!    fit one process's open-file limit (20,000 here);
//! 4. `u0` sends `FANOUT_ROUNDS` group messages, one at a time; for each, the time from the send
//!    to the push at every other member (p50/p99/max) and to the sender's reply; every member
//!    must get the push exactly once, the sender's own socket none;
//! 5. baseline, same run (`FANOUT_BASELINE=c2c`, the default): the same delivery done without a
//!    group, `u0` sends one C2C `openim.sendmsg` to each of the other members (pipelined on its
//!    socket); the time until every one has its message.
//!
//! Latencies are measured in the client process with one clock (send → receive).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::{APP, KEY};
const ADMIN: &str = "administrator";
/// Descriptors a process needs besides its sockets (runtime, SQLite, stdio, listener).
const FD_RESERVE: usize = 100;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `TIM_BENCH_SMOKE=1`: a tiny run (20 members, one round) that only checks the benchmark works.
fn smoke() -> bool {
    std::env::var("TIM_BENCH_SMOKE").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// (soft, hard) open-file limit of this process, from `/proc/self/limits`.
fn fd_limits() -> (usize, usize) {
    let text = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Max open files") {
            let v: Vec<usize> = rest.split_whitespace().filter_map(|s| s.parse().ok()).collect();
            if v.len() >= 2 {
                return (v[0], v[1]);
            }
        }
    }
    (1024, 1024)
}

/// CPU time (user, system) of a process so far, from `/proc/<pid>/stat` (clock ticks of 10 ms,
/// the Linux default `USER_HZ`).
fn cpu(pid: u32) -> Cpu {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = text.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest.split_whitespace().skip(11).take(2).filter_map(|v| v.parse().ok()).collect();
    let tick = |i: usize| Duration::from_millis(f.get(i).copied().unwrap_or(0) * 10);
    Cpu { user: tick(0), sys: tick(1) }
}

/// User and system CPU time.
#[derive(Clone, Copy, Default)]
struct Cpu {
    user: Duration,
    sys: Duration,
}

impl Cpu {
    fn since(self, earlier: Cpu) -> Cpu {
        Cpu { user: self.user.saturating_sub(earlier.user), sys: self.sys.saturating_sub(earlier.sys) }
    }
}

impl std::fmt::Display for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} user + {} sys)", ms(self.user + self.sys), ms(self.user), ms(self.sys))
    }
}

/// CPU time used by the server process and this one since `since` (a pair from [`cpus`]).
fn cpu_delta(since: (Cpu, Cpu)) -> (Cpu, Cpu) {
    let now = cpus();
    (now.0.since(since.0), now.1.since(since.1))
}

/// CPU time so far of (the server process = the parent, this process).
fn cpus() -> (Cpu, Cpu) {
    (cpu(std::os::unix::process::parent_id()), cpu(std::process::id()))
}

fn user(i: usize) -> String {
    format!("u{i}")
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    if std::env::var("FANOUT_CHILD").is_ok() {
        tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(clients::run());
    } else {
        tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(server_side());
    }
}

// ---------------------------------------------------------------------------------------------
// The server process: start, import, create the group, run the clients, shut down.

/// A keep-alive HTTP/1.1 connection for REST calls as the admin.
struct Rest {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
    addr: String,
}

impl Rest {
    async fn connect(addr: &str) -> Rest {
        let s = TcpStream::connect(addr).await.unwrap();
        s.set_nodelay(true).unwrap();
        let (r, w) = s.into_split();
        Rest { reader: BufReader::new(r), writer: w, addr: addr.to_string() }
    }

    async fn call(&mut self, path: &str, body: &Value) -> Value {
        let sig = tim_proto::usersig::generate(APP, KEY, ADMIN, 3600, tim_server::now());
        let body = body.to_string();
        let req = format!(
            "POST /v4/{path}?sdkappid={APP}&identifier={ADMIN}&usersig={sig}&random=1&contenttype=json HTTP/1.1\r\n\
             Host: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        self.writer.write_all(req.as_bytes()).await.unwrap();
        let mut len = None;
        let mut line = String::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).await.unwrap();
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((n, v)) = l.split_once(':') {
                if n.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse::<usize>().ok();
                }
            }
        }
        let mut buf = vec![0; len.expect("a Content-Length")];
        self.reader.read_exact(&mut buf).await.unwrap();
        serde_json::from_slice(&buf).unwrap()
    }
}

async fn server_side() {
    let wanted = if smoke() { 20 } else { env_usize("FANOUT_MEMBERS", 10_000).max(2) };
    let _ = tim_server::transport::raise_nofile_limit();
    let (soft, hard) = fd_limits();
    // Each process holds one socket per member (the server here, the clients in the child).
    let n = wanted.min(soft.saturating_sub(FD_RESERVE)).max(2);
    println!("fanout: {} cores, open-file limit {soft} (hard {hard}) per process", num_cpus());
    if n < wanted {
        println!(
            "fanout: WARNING: {wanted} members asked, but {soft} open files allow only {n} sockets per process: \
             measuring {n} members"
        );
    }
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("fanout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = tim_server::Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.clone(),
        apps: vec![tim_server::AppConfig { sdkappid: APP, secret_key: KEY.into(), admin: ADMIN.into() }],
        auto_import_accounts: false,
        // Setup takes a while; no socket may be closed as idle meanwhile.
        idle_timeout_secs: 3600,
        ..tim_server::Config::default()
    };
    // The group holds every member (the default cap of a Public group is 2,000), and every
    // client connects from 127.0.0.1.
    config.groups.max_members = n as u64;
    config.transport.max_connections_per_ip = 0;
    config.transport.max_websockets_per_ip = 0;
    config.limits = tim_server::LimitsConfig::unlimited();
    let server = tim_server::Server::start(config).await.unwrap();
    let addr = server.local_addr().to_string();

    // Accounts, 8 REST connections in parallel, one account per call.
    let t = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (next, addr) = (next.clone(), addr.clone());
        tasks.push(tokio::spawn(async move {
            let mut rest = Rest::connect(&addr).await;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let r = rest.call("im_open_login_svc/account_import", &json!({"UserID": user(i)})).await;
                assert_eq!(r["ErrorCode"], 0, "account_import: {r}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let import = t.elapsed();
    println!("setup: account_import of {n} accounts in {} ({:.0}/s, 8 connections)", secs(import), rate(n, import));

    // The group and its members.
    let t = Instant::now();
    let mut rest = Rest::connect(&addr).await;
    let r = rest
        .call(
            "group_open_http_svc/create_group",
            &json!({"Owner_Account": user(0), "Type": "Public", "Name": "fanout", "ApplyJoinOption": "FreeAccess",
                "MaxMemberCount": n}),
        )
        .await;
    assert_eq!(r["ErrorCode"], 0, "create_group: {r}");
    let group = r["GroupId"].as_str().unwrap().to_string();
    let mut added = 0;
    for chunk in (1..n).collect::<Vec<_>>().chunks(500) {
        let list: Vec<Value> = chunk.iter().map(|i| json!({"Member_Account": user(*i)})).collect();
        let r = rest.call("group_open_http_svc/add_group_member", &json!({"GroupId": group, "MemberList": list})).await;
        assert_eq!(r["ErrorCode"], 0, "add_group_member: {r}");
        added += r["MemberList"].as_array().unwrap().iter().filter(|m| m["Result"] == 1).count();
    }
    assert_eq!(added, n - 1, "every member added");
    let r = rest.call("group_open_http_svc/get_group_member_info", &json!({"GroupId": group, "Limit": 1})).await;
    assert_eq!(r["MemberNum"].as_u64(), Some(n as u64), "{r}");
    let join = t.elapsed();
    println!(
        "setup: create_group + add_group_member of {} members ({} calls of up to 500) in {}",
        n - 1,
        (n - 1).div_ceil(500),
        secs(join)
    );

    // The clients, in a child process.
    let exe = std::env::current_exe().unwrap();
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new(exe)
            .env("FANOUT_CHILD", "1")
            .env("FANOUT_ADDR", &addr)
            .env("FANOUT_GROUP", &group)
            .env("FANOUT_N", n.to_string())
            .env("FANOUT_ROUNDS", if smoke() { "1".to_string() } else { env_usize("FANOUT_ROUNDS", 5).to_string() })
            .status()
            .unwrap()
    })
    .await
    .unwrap();
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(status.success(), "client process failed: {status}");
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

// ---------------------------------------------------------------------------------------------
// The client process.

mod clients {
    use super::*;

    type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;
    type Sink = futures_util::stream::SplitSink<Ws, Message>;

    /// What a client saw: (client index, kind, when).
    #[derive(Debug)]
    pub enum Seen {
        /// A push carrying the marker of the current round.
        Push(usize, Instant),
        /// The reply to a send of the sender.
        Reply(Instant, Value),
        /// A push with the marker at the sender's own socket (must not happen).
        Echo,
    }

    /// The marker searched for in every frame, changed per round.
    pub struct Round {
        marker: std::sync::RwLock<String>,
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    /// Open a member's socket and log in; returns the socket and its A2 key.
    async fn connect_login(addr: &str, i: usize) -> (Ws, String) {
        let url = format!(
            "ws://{addr}/binfo?sdkappid={APP}&instanceid={i:032x}&random=0.5&platform=7&host=unknown&version=-1&sdkversion=2.27.6&compress=gzip"
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let a2 = common::login(&mut ws, &user(i)).await;
        (ws, a2)
    }

    /// Read one member's socket until it closes; report pushes with the round's marker.
    async fn reader(
        i: usize,
        mut stream: futures_util::stream::SplitStream<Ws>,
        round: Arc<Round>,
        seen: mpsc::UnboundedSender<Seen>,
        group: String,
    ) {
        let group_key = format!("\"ToGroupId\":\"{group}\"");
        while let Some(Ok(m)) = stream.next().await {
            let at = Instant::now();
            let compressed = matches!(&m, Message::Binary(b) if b.starts_with(b"COMP"));
            let Some(b) = common::frame_bytes(m) else { continue };
            let marker = round.marker.read().unwrap().clone();
            if i == 0 {
                if contains(&b, b"\"servcmd\":\"im_open_push.msg_push\"") {
                    if contains(&b, marker.as_bytes()) {
                        let _ = seen.send(Seen::Echo);
                    }
                    continue;
                }
                let f = tim_proto::Frame::from_bytes(&b, 64 << 20).unwrap();
                let _ = seen.send(Seen::Reply(at, f.body));
                continue;
            }
            if !contains(&b, marker.as_bytes()) {
                continue;
            }
            let group_push = marker.starts_with("group-");
            let ok = contains(&b, b"\"servcmd\":\"im_open_push.msg_push\"")
                && if group_push {
                    contains(&b, b"\"GroupMsgArray\"") && contains(&b, group_key.as_bytes())
                } else {
                    contains(&b, b"\"C2cMsgArray\"")
                };
            assert!(ok, "unexpected frame at {}: {}", user(i), String::from_utf8_lossy(&b));
            // One in a hundred is read in full.
            if i % 100 == 1 {
                let f = tim_proto::Frame::from_bytes(&b, 64 << 20).unwrap();
                let ev = &f.body["EventArray"][0];
                let msg = if group_push { &ev["GroupMsgArray"][0] } else { &ev["C2cMsgArray"][0] };
                assert_eq!(msg["From_Account"], "u0", "{}", f.body);
                let text = msg["MsgBody"][0]["MsgContent"]["Text"].as_str().unwrap_or("");
                assert!(text.starts_with(marker.as_str()), "{}", f.body);
                if i == 1 && group_push {
                    let z = if compressed { ", sent compressed (COMP)" } else { "" };
                    println!("  push frame: {} bytes of JSON{z}", b.len());
                }
            }
            let _ = seen.send(Seen::Push(i, at));
        }
    }

    struct Stats {
        delivered: usize,
        dup: usize,
        p50: Duration,
        p99: Duration,
        max: Duration,
    }

    /// Wait until `expected` members saw the round's push (or a timeout); latencies from `sent`.
    async fn collect(
        rx: &mut mpsc::UnboundedReceiver<Seen>,
        n: usize,
        expected: usize,
        sent: Instant,
        replies: usize,
    ) -> (Stats, Vec<(Instant, Value)>) {
        let mut got = vec![false; n];
        let mut lat = Vec::with_capacity(expected);
        let mut reps = Vec::new();
        let mut dup = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
        while lat.len() < expected || reps.len() < replies {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(Seen::Push(i, at))) => {
                    if got[i] {
                        dup += 1;
                    } else {
                        got[i] = true;
                        lat.push(at - sent);
                    }
                }
                Ok(Some(Seen::Reply(at, body))) => reps.push((at, body)),
                Ok(Some(Seen::Echo)) => panic!("the sender's own socket got its message back"),
                Ok(None) | Err(_) => break,
            }
        }
        // Late duplicates or echoes.
        let grace = tokio::time::Instant::now() + Duration::from_millis(300);
        while let Ok(Some(s)) = tokio::time::timeout_at(grace, rx.recv()).await {
            match s {
                Seen::Push(..) => dup += 1,
                Seen::Echo => panic!("the sender's own socket got its message back"),
                Seen::Reply(at, body) => reps.push((at, body)),
            }
        }
        lat.sort();
        let pct =
            |p: f64| lat.get(((lat.len() as f64 * p).ceil() as usize).saturating_sub(1)).copied().unwrap_or_default();
        let stats = Stats { delivered: lat.len(), dup, p50: pct(0.50), p99: pct(0.99), max: pct(1.0) };
        (stats, reps)
    }

    async fn send(sink: &mut Sink, a2: &str, servcmd: &str, seq: u64, body: Value) {
        let mut h = common::head(servcmd, seq);
        h["a2"] = json!(a2);
        let frame = json!({"head": h, "body": body});
        sink.send(Message::Binary(frame.to_string().into_bytes().into())).await.unwrap();
    }

    pub async fn run() {
        let addr = std::env::var("FANOUT_ADDR").unwrap();
        let group = std::env::var("FANOUT_GROUP").unwrap();
        let n: usize = std::env::var("FANOUT_N").unwrap().parse().unwrap();
        let rounds = env_usize("FANOUT_ROUNDS", 5).max(1);
        let baseline = std::env::var("FANOUT_BASELINE").unwrap_or_else(|_| "c2c".into());
        let in_flight = 64;
        // Message text: the round's marker, padded to this many bytes (compressed frames above
        // the server's compress_threshold, 1 KB by default).
        let pad = env_usize("FANOUT_TEXT_BYTES", 0);
        let text = |marker: &str| format!("{marker}{}", "x".repeat(pad.saturating_sub(marker.len())));

        // Connect and log in every member, `in_flight` at a time.
        let t = Instant::now();
        let next = Arc::new(AtomicUsize::new(0));
        let (wtx, mut wrx) = mpsc::unbounded_channel();
        let mut tasks = Vec::new();
        for _ in 0..in_flight {
            let (next, addr, wtx) = (next.clone(), addr.clone(), wtx.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let (ws, a2) = connect_login(&addr, i).await;
                    wtx.send((i, ws, a2)).unwrap();
                }
            }));
        }
        drop(wtx);
        for t in tasks {
            t.await.unwrap();
        }
        let login = t.elapsed();
        println!(
            "setup: connect + wslogin of {n} WebSockets in {} ({:.0}/s, {in_flight} in flight)",
            secs(login),
            rate(n, login)
        );

        let round = Arc::new(Round { marker: std::sync::RwLock::new("-".into()) });
        let (seen_tx, mut seen) = mpsc::unbounded_channel();
        let mut sender = None;
        while let Some((i, ws, a2)) = wrx.recv().await {
            let (sink, stream) = ws.split();
            if i == 0 {
                sender = Some((sink, a2));
            }
            tokio::spawn(reader(i, stream, round.clone(), seen_tx.clone(), group.clone()));
        }
        let (mut sink, a2) = sender.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;

        println!("group: 1 message from u0 to {} other online members, {rounds} rounds", n - 1);
        let mut seq = 100;
        let mut all = Vec::new();
        for r in 1..=rounds {
            let marker = format!("group-{r}-{:08x}", rand::random::<u32>());
            *round.marker.write().unwrap() = marker.clone();
            seq += 1;
            let body = json!({"GroupId": group, "Random": rand::random::<u32>(), "ClientSeq": seq,
                "MsgPriority": "Normal", "MsgBody": [{"MsgType":"TIMTextElem","MsgContent":{"Text": text(&marker)}}],
                "CloudCustomData": "", "OnlineOnlyFlag": 0, "MsgClientTime": tim_server::now()});
            let cpu0 = cpus();
            let sent = Instant::now();
            send(&mut sink, &a2, "group_open_http_svc.send_group_msg", seq, body).await;
            let (s, reps) = collect(&mut seen, n, n - 1, sent, 1).await;
            let (cpu_server, cpu_clients) = cpu_delta(cpu0);
            let reply = reps.first().map(|(at, b)| {
                assert_eq!(b["ErrorCode"], 0, "send_group_msg: {b}");
                *at - sent
            });
            println!(
                "group round {r}: delivered {}/{} (duplicates {})  reply {}  p50 {}  p99 {}  max {}  \
                 (cpu: server {}, clients {}, incl. 300 ms grace)",
                s.delivered,
                n - 1,
                s.dup,
                reply.map(ms).unwrap_or_else(|| "none".into()),
                ms(s.p50),
                ms(s.p99),
                ms(s.max),
                cpu_server,
                cpu_clients
            );
            assert_eq!(s.delivered, n - 1, "every other member gets the push");
            assert_eq!(s.dup, 0, "exactly once");
            all.push((s, reply.unwrap_or_default()));
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let med = |f: &dyn Fn(&(Stats, Duration)) -> Duration| {
            let mut v: Vec<Duration> = all.iter().map(f).collect();
            v.sort();
            v[v.len() / 2]
        };
        println!(
            "group RESULT ({} members, median of {rounds} rounds): reply {}  p50 {}  p99 {}  max (all delivered) {}",
            n,
            ms(med(&|x| x.1)),
            ms(med(&|x| x.0.p50)),
            ms(med(&|x| x.0.p99)),
            ms(med(&|x| x.0.max))
        );

        if baseline == "c2c" {
            let marker = format!("c2c-{:08x}", rand::random::<u32>());
            *round.marker.write().unwrap() = marker.clone();
            let cpu0 = cpus();
            let sent = Instant::now();
            let first = seq + 1;
            for i in 1..n {
                seq += 1;
                let body = json!({"From_Account": "u0", "To_Account": user(i), "MsgSeq": seq,
                    "MsgRandom": rand::random::<u32>(),
                    "MsgBody": [{"MsgType":"TIMTextElem","MsgContent":{"Text": text(&marker)}}], "CloudCustomData": "",
                    "MsgClientTime": tim_server::now(), "SendMsgControl": [], "IsNeedReadReceipt": 0});
                send(&mut sink, &a2, "openim.sendmsg", seq, body).await;
            }
            let (s, reps) = collect(&mut seen, n, n - 1, sent, n - 1).await;
            let (cpu_server, cpu_clients) = cpu_delta(cpu0);
            let bad = reps.iter().filter(|(_, b)| b["ErrorCode"] != 0).count();
            let last_reply = reps.iter().map(|(at, _)| *at - sent).max().unwrap_or_default();
            println!(
                "baseline c2c: {} sendmsg from u0 (seq {first}..{seq}) delivered {}/{} (duplicates {}, failed replies {bad})  \
                 last reply {}  p50 {}  p99 {}  max (all delivered) {}  (cpu: server {}, clients {})",
                n - 1,
                s.delivered,
                n - 1,
                s.dup,
                ms(last_reply),
                ms(s.p50),
                ms(s.p99),
                ms(s.max),
                cpu_server,
                cpu_clients
            );
            assert_eq!(s.delivered, n - 1);
            assert_eq!(bad, 0);
        }
    }
}

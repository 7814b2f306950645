//! Memory per idle connection: N logged-in WebSockets that then stay silent, and the server
//! process's resident memory per connection.
//!
//! ```sh
//! cargo bench -p tim-server --bench connections                       # 10,000 connections
//! CONN_N=2000 cargo bench -p tim-server --bench connections
//! CONN_READ_BUFFER=131072 cargo bench -p tim-server --bench connections   # tungstenite's default
//! TIM_BENCH_SMOKE=1 cargo test -p tim-server --bench connections      # 20 connections, a smoke run
//! ```
//!
//! The server runs in this process (SQLite in a temporary data dir, accounts created at first
//! login); a copy of this program in a child process opens `CONN_N` `/binfo` WebSockets and logs
//! each in with `wslogin` and a real userSig, then keeps them open without sending. The server's
//! resident set (`VmRSS`) is read before (after a warm-up: 1,000 connections logged in the same
//! way, then closed) and once every socket is logged in and idle; the difference divided by N is
//! the cost of one connection: the socket's task, its WebSocket buffers, its queue and session,
//! its rows in SQLite's cache; the kernel's share (socket buffers) not included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::StreamExt;
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::{APP, KEY};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn smoke() -> bool {
    std::env::var("TIM_BENCH_SMOKE").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Resident memory of this process in bytes (`VmRSS` of `/proc/self/status`).
fn rss() -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

fn main() {
    let _ = tim_server::transport::raise_nofile_limit();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    if std::env::var("CONN_CHILD").is_ok() {
        rt.block_on(child());
    } else {
        rt.block_on(parent());
    }
}

async fn parent() {
    let (soft, _) = rlimit::Resource::NOFILE.get().unwrap();
    let wanted = if smoke() { 20 } else { env_usize("CONN_N", 10_000) };
    let n = wanted.min(usize::try_from(soft).unwrap_or(usize::MAX).saturating_sub(100)).max(1);
    if n < wanted {
        println!("connections: WARNING: open-file limit {soft} allows {n} of the {wanted} asked");
    }
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("conns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = tim_server::Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.clone(),
        apps: vec![tim_server::AppConfig { sdkappid: APP, secret_key: KEY.into(), admin: "administrator".into() }],
        idle_timeout_secs: 3600,
        ..tim_server::Config::default()
    };
    // Every client is on 127.0.0.1.
    config.transport.max_connections_per_ip = 0;
    config.transport.max_websockets_per_ip = 0;
    config.limits = tim_server::LimitsConfig::unlimited();
    let read_buffer = env_usize("CONN_READ_BUFFER", config.transport.ws_read_buffer_bytes);
    config.transport.ws_read_buffer_bytes = read_buffer;
    let server = tim_server::Server::start(config).await.unwrap();
    let addr = server.local_addr().to_string();

    // Warm-up: logins at the same concurrency as below (runtime and blocking-pool threads, their
    // allocator arenas, SQLite pages), then closed: what remains after it is the cost of the
    // sockets themselves, not the one-off growth of a login burst.
    let warm = if smoke() { 5 } else { 1000.min(n) };
    let mut child = spawn_child(&addr, warm, 1_000_000);
    child.wait_ready();
    child.finish();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss();

    let t = Instant::now();
    let mut child = spawn_child(&addr, n, 0);
    child.wait_ready();
    let setup = t.elapsed();
    // Let the sockets settle (logins written, pushes of the login done).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss();
    let per = after.saturating_sub(before) as f64 / n as f64;
    println!(
        "connections: {n} idle logged-in WebSockets (read buffer {read_buffer} B), set up in {:.1} s; \
         server RSS {:.1} MB -> {:.1} MB",
        setup.as_secs_f64(),
        before as f64 / 1e6,
        after as f64 / 1e6
    );
    println!("connections RESULT: {:.1} KB per connection", per / 1024.0);
    child.finish();
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

struct Child(std::process::Child);

fn spawn_child(addr: &str, n: usize, first: usize) -> Child {
    let exe = std::env::current_exe().unwrap();
    let c = Command::new(exe)
        .env("CONN_CHILD", "1")
        .env("CONN_ADDR", addr)
        .env("CONN_COUNT", n.to_string())
        .env("CONN_FIRST", first.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    Child(c)
}

impl Child {
    /// Block until the child printed "ready" (every socket logged in).
    fn wait_ready(&mut self) {
        let out = self.0.stdout.as_mut().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(out).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "client process: {line:?}");
    }

    /// Tell the child to close its sockets and exit; wait for it.
    fn finish(mut self) {
        let mut stdin = self.0.stdin.take().unwrap();
        let _ = stdin.write_all(b"exit\n");
        drop(stdin);
        let status = self.0.wait().unwrap();
        assert!(status.success(), "client process failed: {status}");
    }
}

async fn child() {
    let addr = std::env::var("CONN_ADDR").unwrap();
    let n = env_usize("CONN_COUNT", 1);
    let first = env_usize("CONN_FIRST", 0);
    let next = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (next, addr, tx) = (next.clone(), addr.clone(), tx.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                tx.send(login(&addr, first + i).await).unwrap();
            }
        }));
    }
    drop(tx);
    for t in tasks {
        t.await.unwrap();
    }
    let mut sockets = Vec::with_capacity(n);
    while let Some(ws) = rx.recv().await {
        sockets.push(ws);
    }
    // Each socket is read in the background (the server's heartbeats need no answer; nothing
    // else arrives), so the kernel buffers stay empty.
    for ws in sockets {
        let (_sink, mut stream) = ws.split();
        tokio::spawn(async move {
            let _keep = _sink;
            while let Some(Ok(_)) = stream.next().await {}
        });
    }
    println!("ready");
    std::io::stdout().flush().unwrap();
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
    })
    .await
    .unwrap();
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn login(addr: &str, i: usize) -> Ws {
    let url = format!("ws://{addr}/binfo?sdkappid={APP}&instanceid={i:032x}&random=0.5&platform=7");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    common::login(&mut ws, &format!("c{i}")).await;
    ws
}

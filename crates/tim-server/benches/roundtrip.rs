//! Latency of one message: the time from a client's `openim.sendmsg` to its reply, and to the
//! push at the receiver's socket, with the server's `TCP_NODELAY` on (the default) and off, in
//! one run.
//!
//! ```sh
//! cargo bench -p tim-server --bench roundtrip                     # 1,000 messages at 100/s per setting
//! RT_N=5000 RT_RATE=200 cargo bench -p tim-server --bench roundtrip
//! TIM_BENCH_SMOKE=1 cargo test -p tim-server --bench roundtrip    # 20 messages, a smoke run
//! ```
//!
//! For each setting a fresh server runs in this process on its own runtime (SQLite in a temporary
//! data dir); two clients on another runtime connect over loopback with `TCP_NODELAY` on, as
//! browsers do: `a` sends `RT_N` C2C text messages to `b`, paced at `RT_RATE` a second (one at a
//! time, as a chat user does, not pipelined), and every reply at `a` and every push at `b` is
//! timed against the moment its send was written. `b` never sends anything, so its ACKs are the
//! kernel's delayed ones: the case where Nagle's algorithm on the server holds a push back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::{head, APP, KEY};

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn smoke() -> bool {
    std::env::var("TIM_BENCH_SMOKE").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn main() {
    let n = if smoke() { 20 } else { env_usize("RT_N", 1000) };
    let rate = env_usize("RT_RATE", 100).max(1);
    println!("roundtrip: {n} C2C messages at {rate}/s per setting, server and clients on loopback");
    for nodelay in [true, false] {
        let r = run(nodelay, n, rate);
        println!(
            "roundtrip RESULT tcp_nodelay={:<5} send->reply p50 {} p99 {} max {} | send->push p50 {} p99 {} max {}",
            nodelay,
            ms(r.reply.0),
            ms(r.reply.1),
            ms(r.reply.2),
            ms(r.push.0),
            ms(r.push.1),
            ms(r.push.2)
        );
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// (p50, p99, max) of each kind of latency.
struct Latencies {
    reply: (Duration, Duration, Duration),
    push: (Duration, Duration, Duration),
}

fn percentiles(mut v: Vec<Duration>, n: usize, what: &str) -> (Duration, Duration, Duration) {
    assert_eq!(v.len(), n, "every {what} arrived once");
    v.sort();
    let pct = |p: f64| v[((v.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    (pct(0.50), pct(0.99), pct(1.0))
}

/// One setting: a fresh server with `tcp_nodelay`, `n` messages at `rate`/s.
fn run(nodelay: bool, n: usize, rate: usize) -> Latencies {
    let dir =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("rt-{}-{nodelay}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = tim_server::Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.clone(),
        apps: vec![tim_server::AppConfig { sdkappid: APP, secret_key: KEY.into(), admin: "administrator".into() }],
        ..tim_server::Config::default()
    };
    config.transport.tcp_nodelay = nodelay;
    config.limits = tim_server::LimitsConfig::unlimited();
    let server_rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let server = server_rt.block_on(tim_server::Server::start(config)).unwrap();
    let addr = server.local_addr().to_string();
    let clients = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let out = clients.block_on(clients_run(&addr, n, rate));
    server_rt.block_on(server.shutdown());
    drop(server_rt);
    let _ = std::fs::remove_dir_all(&dir);
    out
}

fn frame_of(m: Message) -> Option<tim_proto::Frame> {
    tim_proto::Frame::from_bytes(&common::frame_bytes(m)?, 64 << 20).ok()
}

/// Connect with `TCP_NODELAY` on and log `user` in; returns the socket and its A2 key.
async fn connect_login(addr: &str, user: &str, instance: u32) -> (Ws, String) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let url = format!("ws://{addr}/binfo?sdkappid={APP}&instanceid={instance:032x}&random=0.5&platform=7");
    let (mut ws, _) = tokio_tungstenite::client_async(url, tcp).await.unwrap();
    let a2 = common::login(&mut ws, user).await;
    (ws, a2)
}

async fn clients_run(addr: &str, n: usize, rate: usize) -> Latencies {
    let (a, a2) = connect_login(addr, "rt-a", 1).await;
    let (b, _) = connect_login(addr, "rt-b", 2).await;
    let (mut sink, mut a_stream) = a.split();
    let (_b_sink, mut b_stream) = b.split();

    // Arrivals: (is_push, message index, when).
    let (tx, mut rx) = mpsc::unbounded_channel::<(bool, usize, Instant)>();
    let tx_a = tx.clone();
    let a_reader = tokio::spawn(async move {
        while let Some(Ok(m)) = a_stream.next().await {
            let at = Instant::now();
            let Some(f) = frame_of(m) else { continue };
            if f.head.servcmd == "openim.sendmsg" {
                assert_eq!(f.body["ErrorCode"], 0, "{}", f.body);
                let k = usize::try_from(f.head.seq.saturating_sub(100)).unwrap();
                let _ = tx_a.send((false, k, at));
            }
        }
    });
    let b_reader = tokio::spawn(async move {
        while let Some(Ok(m)) = b_stream.next().await {
            let at = Instant::now();
            let Some(f) = frame_of(m) else { continue };
            if f.head.servcmd != "im_open_push.msg_push" {
                continue;
            }
            for ev in f.body["EventArray"].as_array().into_iter().flatten() {
                for msg in ev["C2cMsgArray"].as_array().into_iter().flatten() {
                    let text = msg["MsgBody"][0]["MsgContent"]["Text"].as_str().unwrap_or("");
                    if let Some(k) = text.strip_prefix("rt-").and_then(|k| k.parse().ok()) {
                        let _ = tx.send((true, k, at));
                    }
                }
            }
        }
    });

    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let mut sent_at = Vec::with_capacity(n);
    let (mut replies, mut pushes) = (vec![None; n], vec![None; n]);
    let start = tokio::time::Instant::now();
    for k in 0..n {
        tokio::time::sleep_until(start + period * u32::try_from(k).unwrap()).await;
        let mut h = head("openim.sendmsg", 100 + k as u64);
        h["a2"] = json!(a2);
        let body = json!({"From_Account": "rt-a", "To_Account": "rt-b", "MsgSeq": k + 1,
            "MsgRandom": rand::random::<u32>(),
            "MsgBody": [{"MsgType":"TIMTextElem","MsgContent":{"Text": format!("rt-{k}")}}], "CloudCustomData": "",
            "MsgClientTime": tim_server::now(), "SendMsgControl": [], "IsNeedReadReceipt": 0});
        let frame = json!({"head": h, "body": body}).to_string().into_bytes();
        sent_at.push(Instant::now());
        sink.send(Message::Binary(frame.into())).await.unwrap();
        // Record what arrived meanwhile (the channel is unbounded; nothing waits on this).
        while let Ok((push, k, at)) = rx.try_recv() {
            let slot = if push { &mut pushes[k] } else { &mut replies[k] };
            assert!(slot.replace(at).is_none(), "message {k} arrived twice");
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while replies.iter().chain(&pushes).any(Option::is_none) {
        let Ok(Some((push, k, at))) = tokio::time::timeout_at(deadline, rx.recv()).await else { break };
        let slot = if push { &mut pushes[k] } else { &mut replies[k] };
        assert!(slot.replace(at).is_none(), "message {k} arrived twice");
    }
    a_reader.abort();
    b_reader.abort();
    let lat = |v: &[Option<Instant>]| -> Vec<Duration> {
        v.iter().zip(&sent_at).filter_map(|(at, sent)| at.map(|at| at - *sent)).collect()
    };
    Latencies { reply: percentiles(lat(&replies), n, "reply"), push: percentiles(lat(&pushes), n, "push") }
}

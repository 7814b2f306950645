//! Transport limits (docs/security.md "Transport limits"): a `COMP` frame that inflates past
//! `max_frame_bytes`, a client that stops reading, half-sent HTTP requests, per-IP caps, and the
//! counters at `GET /metrics`.

use crate::common::*;
use serde_json::json;
use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tim_server::transport::TransportConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

/// The value of one counter at `GET /metrics`.
async fn metric(server: &tim_server::ServerHandle, name: &str) -> u64 {
    let (status, text) = http(server, "GET", "/metrics", "").await;
    assert_eq!(status, 200, "{text}");
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// `COMP` + zlib of `json`.
fn comp(json: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(b"COMP".to_vec(), flate2::Compression::best());
    z.write_all(json).unwrap();
    z.finish().unwrap()
}

/// A `heartbeat.alive` request padded to about `pad` bytes of JSON.
fn padded_heartbeat(pad: usize) -> Vec<u8> {
    json!({"head": {"servcmd": "heartbeat.alive", "seq": 7}, "body": {"pad": " ".repeat(pad)}}).to_string().into_bytes()
}

/// Read until the server closes; returns the close frame's code and reason, if it sent one.
async fn close_of(c: &mut Client, within: Duration) -> Option<(u16, String)> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "the server did not close the socket");
        match tokio::time::timeout(left, c.next_raw()).await {
            Ok(Some(Ok(Message::Close(f)))) => return f.map(|f| (u16::from(f.code), f.reason.to_string())),
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => return None,
            Err(_) => panic!("the server did not close the socket"),
        }
    }
}

#[tokio::test]
async fn a_comp_frame_inflating_past_max_frame_bytes_closes_the_socket_before_login() {
    let server = start_with(tim_server::Config { max_frame_bytes: 256 * 1024, ..config() }).await;
    // Under the limit once inflated: served as usual (clients may compress what they send).
    let mut c = Client::connect(&server, "small").await;
    c.send_raw(Message::Binary(comp(&padded_heartbeat(100 * 1024)).into())).await;
    assert_eq!(c.reply("heartbeat.alive", 7).await["ErrorCode"], 0);

    // 64 MiB of JSON in about 64 KB: stopped at 256 KiB, the socket closed with 1009.
    let bomb = comp(&padded_heartbeat(64 << 20));
    assert!(bomb.len() < 256 * 1024, "the packed frame itself is within max_frame_bytes: {}", bomb.len());
    let mut attacker = Client::connect(&server, "bomb").await;
    let started = Instant::now();
    attacker.send_raw(Message::Binary(bomb.into())).await;
    let close = close_of(&mut attacker, Duration::from_secs(10)).await;
    assert_eq!(close, Some((1009, "frame too large".to_string())));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(metric(&server, "tim_frame_too_large_closes_total").await, 1);

    // Everyone else is served meanwhile and after.
    let (mut alice, _) = user(&server, "alice").await;
    assert_eq!(alice.call("heartbeat.alive", json!({})).await["ErrorCode"], 0);
    assert_eq!(c.call("heartbeat.alive", json!({})).await["ErrorCode"], 0);
    server.shutdown().await;
}

/// A logged-in client on a socket with a tiny receive buffer that it never reads.
async fn slow_client(server: &tim_server::ServerHandle, user: &str) -> Client {
    let sock = TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let stream = sock.connect(server.local_addr()).await.unwrap();
    let url = format!(
        "ws://{}/binfo?sdkappid={APP}&instanceid=slow&random=0.5&platform=7&host=unknown&version=-1&sdkversion=2.27.6",
        server.local_addr()
    );
    let (ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream)).await.unwrap();
    let mut c = Client::from_ws(ws, "slow", APP);
    c.login(user).await;
    c
}

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_and_later_syncs_every_message() {
    let transport = TransportConfig { outbound_queue_frames: 64, ..TransportConfig::default() };
    // The sender sends up to 3,000 messages as fast as it can: past the per-user command limit.
    let limits = tim_server::LimitsConfig::unlimited();
    let server = start_with(tim_server::Config { transport, limits, ..config() }).await;
    let (slow_user, sender_user) = (uniq("slow"), uniq("sender"));
    let mut slow = slow_client(&server, &slow_user).await;
    let mut sender = Client::connect(&server, "sender").await;
    sender.login(&sender_user).await;
    let mut sent = Vec::new();
    let started = Instant::now();
    // 4 KB messages until the server gives up on the slow socket (the kernel's buffers take a
    // few hundred KB first), then a few more.
    let mut after = 0;
    for i in 0..3000u64 {
        let text = format!("m{i:05} {}", "x".repeat(4000));
        let t = Instant::now();
        let r = sender.send_text(&slow_user, &text, 1000 + i, i).await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
        assert!(t.elapsed() < Duration::from_secs(2), "send {i} took {:?}", t.elapsed());
        sent.push(text);
        if i % 50 == 49 && after == 0 && metric(&server, "tim_slow_consumer_closes_total").await == 1 {
            after = 1;
        } else if after > 0 {
            after += 1;
            if after > 20 {
                break;
            }
        }
    }
    assert!(after > 0, "the slow socket was never closed after {} messages", sent.len());
    eprintln!("slow socket closed after about {} messages", sent.len() - 20);
    assert!(started.elapsed() < Duration::from_secs(60));
    // The sender is still fine.
    assert_eq!(sender.call("heartbeat.alive", json!({})).await["ErrorCode"], 0);

    // The slow client finds its socket closed once it reads what the kernel holds.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !slow.closed {
        assert!(Instant::now() < deadline, "slow socket still open");
        let _ = slow.recv(Duration::from_secs(1)).await;
    }
    // Back online, it syncs every message.
    let mut again = Client::connect(&server, "slow2").await;
    again.login(&slow_user).await;
    let (list, _) = again.getmsg_all("").await;
    let got = texts(&list);
    assert_eq!(got.len(), sent.len(), "every message, once");
    assert_eq!(got, sent);
    server.shutdown().await;
}

/// A TCP connection from `ip` (any 127.x address is loopback on Linux).
async fn tcp_from(ip: &str, to: SocketAddr) -> TcpStream {
    let sock = TcpSocket::new_v4().unwrap();
    sock.bind(format!("{ip}:0").parse().unwrap()).unwrap();
    sock.connect(to).await.unwrap()
}

/// Whatever the server sends until it closes, or `None` if it is still open after `wait`.
async fn read_to_close(s: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut out = Vec::new();
    match tokio::time::timeout(wait, s.read_to_end(&mut out)).await {
        Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => None,
    }
}

/// `GET /healthz` on a connection from `ip`.
async fn healthz_from(ip: &str, to: SocketAddr) -> String {
    let mut s = tcp_from(ip, to).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    read_to_close(&mut s, Duration::from_secs(5)).await.expect("an answer")
}

#[tokio::test]
async fn half_sent_requests_are_closed_after_the_header_read_timeout() {
    let transport = TransportConfig { header_read_timeout_secs: 1, ..TransportConfig::default() };
    let server = start_with(tim_server::Config { transport, ..config() }).await;
    let addr = server.local_addr();
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /healthz HT").await.unwrap();
    let mut headers = TcpStream::connect(addr).await.unwrap();
    headers.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    // Nothing at all, and a keep-alive connection idle after its first request.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 256];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    for s in [&mut half, &mut headers, &mut silent, &mut idle] {
        let got = read_to_close(s, Duration::from_secs(5)).await;
        assert_eq!(got.as_deref(), Some(""), "closed without an answer within 5 s");
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(800) && took < Duration::from_secs(4), "{took:?}");
    assert!(metric(&server, "tim_header_read_timeouts_total").await >= 2);
    // A complete request is answered as before.
    assert!(healthz_from("127.0.0.1", addr).await.starts_with("HTTP/1.1 200"));
    server.shutdown().await;
}

#[tokio::test]
async fn one_ip_address_gets_at_most_max_connections_per_ip() {
    let transport = TransportConfig { max_connections_per_ip: 3, ..TransportConfig::default() };
    let server = start_with(tim_server::Config { transport, ..config() }).await;
    let addr = server.local_addr();
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = tcp_from("127.0.0.1", addr).await;
        // A keep-alive request: the connection stays open after its answer.
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 256];
        let n = s.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        held.push(s);
    }
    // The fourth from the same address is refused with 503 and closed.
    let mut fourth = tcp_from("127.0.0.1", addr).await;
    let _ = fourth.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let answer = read_to_close(&mut fourth, Duration::from_secs(5)).await.expect("closed");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
    // Another address is served meanwhile.
    assert!(healthz_from("127.0.0.2", addr).await.starts_with("HTTP/1.1 200"));
    assert_eq!(metric_from("127.0.0.3", addr, "tim_connections_refused_per_ip_total").await, 1);
    // Once one of the three is gone, the address gets a connection again.
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer = healthz_from("127.0.0.1", addr).await;
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "{answer}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.shutdown().await;
}

/// [`metric`] over a connection from `ip`.
async fn metric_from(ip: &str, to: SocketAddr, name: &str) -> u64 {
    let mut s = tcp_from(ip, to).await;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let text = read_to_close(&mut s, Duration::from_secs(5)).await.unwrap();
    text.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok())).unwrap()
}

async fn ws_from(ip: &str, to: SocketAddr, instance: &str) -> Result<Client, String> {
    let stream = tcp_from(ip, to).await;
    let url = format!("ws://{to}/binfo?sdkappid={APP}&instanceid={instance}&random=0.5&platform=7");
    match tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream)).await {
        Ok((ws, _)) => Ok(Client::from_ws(ws, instance, APP)),
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::test]
async fn one_ip_address_gets_at_most_max_websockets_per_ip() {
    let transport = TransportConfig { max_websockets_per_ip: 2, ..TransportConfig::default() };
    let server = start_with(tim_server::Config { transport, ..config() }).await;
    let addr = server.local_addr();
    let mut a = ws_from("127.0.0.1", addr, "a").await.unwrap();
    let _b = ws_from("127.0.0.1", addr, "b").await.unwrap();
    let refused = ws_from("127.0.0.1", addr, "c").await.err().expect("the third WebSocket is refused");
    assert!(refused.contains("429"), "{refused}");
    // Another address still gets one, and the two open sockets work.
    let mut other = ws_from("127.0.0.2", addr, "d").await.unwrap();
    assert_eq!(other.call("heartbeat.alive", json!({})).await["ErrorCode"], 0);
    assert_eq!(a.call("heartbeat.alive", json!({})).await["ErrorCode"], 0);
    assert_eq!(metric(&server, "tim_websockets_refused_per_ip_total").await, 1);
    // A closed socket gives its slot back.
    a.send_raw(Message::Close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
        code: CloseCode::Normal,
        reason: "".into(),
    })))
    .await;
    drop(a);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut again = loop {
        match ws_from("127.0.0.1", addr, "e").await {
            Ok(c) => break c,
            Err(e) => assert!(Instant::now() < deadline, "{e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(again.call("heartbeat.alive", json!({})).await["ErrorCode"], 0);
    server.shutdown().await;
}

#[tokio::test]
async fn metrics_count_websockets() {
    let server = start().await;
    let before = metric(&server, "tim_websockets_opened_total").await;
    let (mut c, _) = user(&server, "m").await;
    assert_eq!(c.call("heartbeat.alive", json!({})).await["ErrorCode"], 0);
    assert_eq!(metric(&server, "tim_websockets_opened_total").await, before + 1);
    assert_eq!(metric(&server, "tim_websockets_open").await, 1);
    drop(c);
    let deadline = Instant::now() + Duration::from_secs(5);
    while metric(&server, "tim_websockets_open").await != 0 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.shutdown().await;
}

//! The HTTP/WebSocket transport: the accept loop and its limits (`[transport]`, docs/security.md
//! "Transport limits"), the counters served at `GET /metrics`, and the open-file limit.
//!
//! Every accepted socket gets `TCP_NODELAY` (replies and pushes are small writes that must not
//! wait for Nagle's algorithm). A connection must send its request headers within
//! `header_read_timeout_secs`; one IP address may hold `max_connections_per_ip` HTTP connections
//! and `max_websockets_per_ip` WebSockets at a time.

use axum::extract::ConnectInfo;
use axum::Router;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Transport limits (`[transport]`). 0 means "no limit" for the counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransportConfig {
    /// A connection that has not sent a complete request head (request line and headers) this
    /// many seconds after it opened, or after its previous request, is closed
    /// (`TIM_HEADER_READ_TIMEOUT_SECS`).
    pub header_read_timeout_secs: u64,
    /// HTTP connections one IP address may have open at once; more are answered 503 and closed
    /// (`TIM_MAX_CONNECTIONS_PER_IP`). A connection upgraded to a WebSocket counts as a
    /// WebSocket instead.
    pub max_connections_per_ip: usize,
    /// WebSockets one IP address may have open at once; more upgrades get HTTP 429
    /// (`TIM_MAX_WEBSOCKETS_PER_IP`).
    pub max_websockets_per_ip: usize,
    /// Frames a socket's outbound queue may hold; a client that falls further behind is closed
    /// with 1008 "slow consumer" (`TIM_OUTBOUND_QUEUE_FRAMES`).
    pub outbound_queue_frames: usize,
    /// Bytes of frame JSON a socket's outbound queue may hold, as `outbound_queue_frames`
    /// (`TIM_OUTBOUND_QUEUE_BYTES`).
    pub outbound_queue_bytes: usize,
    /// Size of each WebSocket's read buffer in bytes (tungstenite's default is 128 KiB, resident
    /// for every idle socket).
    pub ws_read_buffer_bytes: usize,
    /// `TCP_NODELAY` on accepted sockets (`TIM_TCP_NODELAY`, default on): a small frame (a reply,
    /// a push) leaves at once instead of waiting for the peer's ACK of the previous one (Nagle's
    /// algorithm with delayed ACKs costs up to ~40 ms per exchange; docs/BENCHMARKS.md).
    pub tcp_nodelay: bool,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            header_read_timeout_secs: 10,
            max_connections_per_ip: 256,
            max_websockets_per_ip: 1024,
            outbound_queue_frames: 1024,
            outbound_queue_bytes: 8 * 1024 * 1024,
            ws_read_buffer_bytes: 2048,
            tcp_nodelay: true,
        }
    }
}

impl TransportConfig {
    /// Apply the `TIM_*` variables of the fields above.
    pub fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) -> Result<(), crate::config::ConfigError> {
        let secs = get("TIM_HEADER_READ_TIMEOUT_SECS").filter(|v| !v.is_empty());
        if let Some(v) = secs {
            self.header_read_timeout_secs =
                v.parse().map_err(|_| crate::config::ConfigError::Env("TIM_HEADER_READ_TIMEOUT_SECS (a number)"))?;
        }
        if let Some(v) = crate::config::env_bool(get, "TIM_TCP_NODELAY")? {
            self.tcp_nodelay = v;
        }
        let counts: [(&'static str, &mut usize); 4] = [
            ("TIM_MAX_CONNECTIONS_PER_IP", &mut self.max_connections_per_ip),
            ("TIM_MAX_WEBSOCKETS_PER_IP", &mut self.max_websockets_per_ip),
            ("TIM_OUTBOUND_QUEUE_FRAMES", &mut self.outbound_queue_frames),
            ("TIM_OUTBOUND_QUEUE_BYTES", &mut self.outbound_queue_bytes),
        ];
        for (name, slot) in counts {
            if let Some(v) = get(name).filter(|v| !v.is_empty()) {
                *slot = v.parse().map_err(|_| crate::config::ConfigError::Env(name))?;
            }
        }
        Ok(())
    }
}

/// Counters of the transport, served at `GET /metrics` (Prometheus text format).
#[derive(Debug, Default)]
pub struct Metrics {
    /// TCP connections accepted.
    pub connections_accepted: AtomicU64,
    /// TCP connections refused by `max_connections_per_ip`.
    pub connections_refused_per_ip: AtomicU64,
    /// Connections closed by the header-read timeout.
    pub header_read_timeouts: AtomicU64,
    /// WebSockets opened.
    pub websockets_opened: AtomicU64,
    /// WebSockets closed.
    pub websockets_closed: AtomicU64,
    /// WebSocket upgrades refused by `max_websockets_per_ip`.
    pub websockets_refused_per_ip: AtomicU64,
    /// Sockets closed because their outbound queue overflowed (1008 "slow consumer").
    pub slow_consumer_closes: AtomicU64,
    /// Sockets closed for a frame larger than `max_frame_bytes` once inflated (1009).
    pub frame_too_large_closes: AtomicU64,
}

impl Metrics {
    /// The counters in Prometheus text format.
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let open = get(&self.websockets_opened).saturating_sub(get(&self.websockets_closed));
        let rows: [(&str, &str, &str, u64); 8] = [
            ("tim_connections_accepted_total", "counter", "TCP connections accepted", get(&self.connections_accepted)),
            (
                "tim_connections_refused_per_ip_total",
                "counter",
                "TCP connections refused by max_connections_per_ip",
                get(&self.connections_refused_per_ip),
            ),
            (
                "tim_header_read_timeouts_total",
                "counter",
                "connections closed by header_read_timeout_secs",
                get(&self.header_read_timeouts),
            ),
            ("tim_websockets_open", "gauge", "WebSockets open now", open),
            ("tim_websockets_opened_total", "counter", "WebSockets opened", get(&self.websockets_opened)),
            (
                "tim_websockets_refused_per_ip_total",
                "counter",
                "WebSocket upgrades refused by max_websockets_per_ip",
                get(&self.websockets_refused_per_ip),
            ),
            (
                "tim_slow_consumer_closes_total",
                "counter",
                "sockets closed because their outbound queue overflowed",
                get(&self.slow_consumer_closes),
            ),
            (
                "tim_frame_too_large_closes_total",
                "counter",
                "sockets closed for an inbound frame over max_frame_bytes once inflated",
                get(&self.frame_too_large_closes),
            ),
        ];
        let mut out = String::new();
        for (name, kind, help, value) in rows {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"));
        }
        out
    }
}

/// `GET /metrics`.
pub async fn metrics(
    axum::extract::State(st): axum::extract::State<Arc<crate::State>>,
) -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], st.transport.metrics.render())
}

/// Counts of something held per IP address, at most `max` each (0 = unlimited).
#[derive(Debug)]
pub struct PerIp {
    max: usize,
    held: Mutex<HashMap<IpAddr, usize>>,
}

/// One unit held by an IP address; released when dropped.
#[derive(Debug)]
pub struct IpSlot {
    set: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    /// A set allowing `max` per address (0 = unlimited).
    pub fn new(max: usize) -> Arc<PerIp> {
        Arc::new(PerIp { max, held: Mutex::new(HashMap::new()) })
    }

    /// Take one unit for `ip`; `None` if it holds `max` already.
    pub fn acquire(self: &Arc<Self>, ip: IpAddr) -> Option<IpSlot> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let n = held.entry(ip).or_insert(0);
        if self.max != 0 && *n >= self.max {
            return None;
        }
        *n += 1;
        Some(IpSlot { set: self.clone(), ip })
    }

    /// Units `ip` holds now.
    pub fn held(&self, ip: IpAddr) -> usize {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).get(&ip).copied().unwrap_or(0)
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut held = self.set.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.remove(&self.ip);
            }
        }
    }
}

/// The transport's shared state: counters and the per-IP sets.
#[derive(Debug)]
pub struct Transport {
    /// Counters.
    pub metrics: Metrics,
    /// HTTP connections per IP.
    pub connections: Arc<PerIp>,
    /// WebSockets per IP.
    pub websockets: Arc<PerIp>,
}

impl Transport {
    /// Per the config.
    pub fn new(config: &TransportConfig) -> Self {
        Transport {
            metrics: Metrics::default(),
            connections: PerIp::new(config.max_connections_per_ip),
            websockets: PerIp::new(config.max_websockets_per_ip),
        }
    }
}

/// Accept one connection and prepare it: `TCP_NODELAY` as `nodelay`. The accept loop takes
/// every connection through here.
pub async fn accept(listener: &TcpListener, nodelay: bool) -> std::io::Result<(TcpStream, SocketAddr)> {
    let (stream, addr) = listener.accept().await?;
    stream.set_nodelay(nodelay)?;
    Ok((stream, addr))
}

/// The answer to a connection over `max_connections_per_ip`, written without waiting.
const REFUSED: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 28\r\n\r\ntoo many connections from IP";

/// Serve `router` on `listener` until `stop` turns true, then stop accepting, let every open
/// connection finish its request and return once they all have (WebSockets close themselves on
/// the same signal).
pub async fn serve(listener: TcpListener, router: Router, st: Arc<crate::State>, mut stop: watch::Receiver<bool>) {
    let header_timeout = Duration::from_secs(st.config.transport.header_read_timeout_secs.max(1));
    let nodelay = st.config.transport.tcp_nodelay;
    // Every connection task holds a receiver; `closed()` completes when all are gone.
    let (done_tx, done_rx) = watch::channel(());
    loop {
        let accepted = tokio::select! {
            r = accept(&listener, nodelay) => r,
            _ = stopped(&mut stop) => break,
        };
        let (stream, addr) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of descriptors, or a connection reset before it was accepted: go on after a
                // pause (EMFILE would otherwise spin).
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let m = &st.transport.metrics;
        m.connections_accepted.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = st.transport.connections.acquire(addr.ip()) else {
            m.connections_refused_per_ip.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(ip = %addr.ip(), "connection refused: max_connections_per_ip reached");
            let _ = stream.try_write(REFUSED);
            continue;
        };
        let router = router.clone();
        let st = st.clone();
        let mut stop = stop.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(addr));
                let mut router = router.clone();
                tower_service::Service::call(&mut router, req)
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
            let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), svc).with_upgrades();
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = stopped(&mut stop) => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                if e.is_timeout() {
                    st.transport.metrics.header_read_timeouts.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(ip = %addr.ip(), "connection closed: header read timeout");
                } else {
                    tracing::debug!(ip = %addr.ip(), error = %e, "connection error");
                }
            }
            drop(slot);
            drop(done);
        });
    }
    drop(done_rx);
    done_tx.closed().await;
}

/// Completes when `stop` is (or turns) true, or its sender is gone.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|v| *v).await;
}

/// Raise the soft open-file limit (`RLIMIT_NOFILE`) to the hard limit: every socket is a file.
/// Returns the (soft, hard) limits now in force.
pub fn raise_nofile_limit() -> std::io::Result<(u64, u64)> {
    let (_, hard) = rlimit::Resource::NOFILE.get()?;
    rlimit::increase_nofile_limit(hard)?;
    rlimit::Resource::NOFILE.get()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn accepted_sockets_have_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        assert!(!client.nodelay().unwrap(), "off by default, so the check below means something");
        let (server_side, peer) = accept(&listener, true).await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert!(server_side.nodelay().unwrap());
        let _other = TcpStream::connect(addr).await.unwrap();
        let (off, _) = accept(&listener, false).await.unwrap();
        assert!(!off.nodelay().unwrap(), "tcp_nodelay = false leaves Nagle on");
    }

    #[test]
    fn per_ip_slots_are_counted_and_released() {
        let set = PerIp::new(2);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let s1 = set.acquire(a).unwrap();
        let _s2 = set.acquire(a).unwrap();
        assert!(set.acquire(a).is_none(), "a third from one address");
        assert!(set.acquire(b).is_some(), "another address is not affected");
        drop(s1);
        assert_eq!(set.held(a), 1);
        assert!(set.acquire(a).is_some());
        let unlimited = PerIp::new(0);
        let all: Vec<_> = (0..1000).map(|_| unlimited.acquire(a).unwrap()).collect();
        assert_eq!(unlimited.held(a), 1000);
        drop(all);
        assert_eq!(unlimited.held(a), 0);
    }

    #[test]
    fn nofile_soft_limit_is_raised_to_the_hard_limit() {
        let (soft, hard) = raise_nofile_limit().unwrap();
        assert_eq!(soft, hard);
        assert_eq!(rlimit::Resource::NOFILE.get().unwrap(), (hard, hard));
    }

    #[test]
    fn env_overrides() {
        let mut c = TransportConfig::default();
        c.apply_env(&|k: &str| match k {
            "TIM_MAX_CONNECTIONS_PER_IP" => Some("3".into()),
            "TIM_OUTBOUND_QUEUE_BYTES" => Some("65536".into()),
            "TIM_HEADER_READ_TIMEOUT_SECS" => Some("2".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!((c.max_connections_per_ip, c.outbound_queue_bytes, c.header_read_timeout_secs), (3, 65536, 2));
        assert!(c.apply_env(&|k: &str| (k == "TIM_MAX_WEBSOCKETS_PER_IP").then(|| "many".into())).is_err());
        assert!(c.tcp_nodelay);
        c.apply_env(&|k: &str| (k == "TIM_TCP_NODELAY").then(|| "false".into())).unwrap();
        assert!(!c.tcp_nodelay);
        assert!(c.apply_env(&|k: &str| (k == "TIM_TCP_NODELAY").then(|| "maybe".into())).is_err());
    }
}

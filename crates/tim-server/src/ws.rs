//! The WebSocket gateway: `/binfo` (binary frames) and `/info` (text frames), WIRE.md §1–§3.

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tim_proto::frame::{FrameError, COMP_PREFIX};
use tim_proto::{cmd, code, Frame, Head};

use crate::api::{self, fail, ok, ok_with, Cx, Who};
use crate::config::MultiInstance;
use crate::error::{internal, ApiError};
use crate::hub::{Out, Pushes, SessionRef, SharedFrame};
use crate::outbox::{outbox, OutRx, OutTx, Overflow, SLOW_CONSUMER_CLOSE, SLOW_CONSUMER_REASON};
use crate::store::Ticket;
use crate::{now, State};

/// The logged-in identity of a socket.
#[derive(Debug, Clone)]
struct Login {
    sdkappid: u64,
    user: String,
    a2: String,
    expires: u64,
}

/// Per-socket state.
struct Conn {
    id: u64,
    url_sdkappid: Option<u64>,
    instance_id: String,
    platform: u32,
    tx: OutTx,
    kicked: Arc<AtomicU32>,
    login: Option<Login>,
    /// The server's base URL as this client reached it (upload URLs).
    origin: Option<String>,
    /// The client's address (per-IP login limit).
    peer_ip: IpAddr,
}

/// How long a command's pushes may wait for its reply to be written (`hub::Pushes`).
const HOLD_MAX: Duration = Duration::from_millis(50);

#[derive(Clone, Copy)]
struct Mode {
    binary: bool,
    compress: bool,
}

/// The close code of a socket that sent a frame larger than `max_frame_bytes` once inflated
/// (RFC 6455 1009, message too big).
pub const FRAME_TOO_LARGE_CLOSE: u16 = 1009;

/// `GET /binfo`.
pub async fn binfo(
    ws: WebSocketUpgrade,
    q: Query<HashMap<String, String>>,
    st: AxState<Arc<State>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    upgrade(ws, q, st, peer, &headers, true)
}

/// `GET /info`.
pub async fn info(
    ws: WebSocketUpgrade,
    q: Query<HashMap<String, String>>,
    st: AxState<Arc<State>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    upgrade(ws, q, st, peer, &headers, false)
}

fn upgrade(
    ws: WebSocketUpgrade,
    Query(q): Query<HashMap<String, String>>,
    AxState(st): AxState<Arc<State>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
    binary: bool,
) -> Response {
    // Without connection info (a router served by other means) per-IP limits see 0.0.0.0.
    let peer_ip = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |Extension(ConnectInfo(a))| a.ip());
    // One slot of `max_websockets_per_ip`, held for the socket's life.
    let slot = match peer {
        Some(Extension(ConnectInfo(addr))) => match st.transport.websockets.acquire(addr.ip()) {
            Some(slot) => Some(slot),
            None => {
                st.transport.metrics.websockets_refused_per_ip.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(ip = %addr.ip(), "WebSocket refused: max_websockets_per_ip reached");
                return (StatusCode::TOO_MANY_REQUESTS, "too many WebSockets from this IP address").into_response();
            }
        },
        None => None,
    };
    let origin = crate::uploads::origin(&st.config, headers);
    let mode = Mode { binary, compress: binary && q.get("compress").is_some_and(|v| v == "gzip") };
    let url_sdkappid = q.get("sdkappid").and_then(|v| v.parse().ok());
    let instance_id = q.get("instanceid").cloned().unwrap_or_default();
    let platform = q.get("platform").and_then(|v| v.parse().ok()).unwrap_or(7);
    // Oversized frames are dropped by `run` (max_frame_bytes); this is the hard transport limit.
    let limit = st.config.max_frame_bytes.saturating_mul(4).max(64 * 1024);
    let t = &st.config.transport;
    let (read_buffer, queue_frames, queue_bytes) =
        (t.ws_read_buffer_bytes.max(1024), t.outbound_queue_frames, t.outbound_queue_bytes);
    // Small buffers: tungstenite's defaults (128 KiB read buffer, zero-filled) would be resident
    // for every idle socket. Writes go out per frame (write buffer 0); each send waits until its
    // frame is written, so a socket that does not read holds one frame here and the rest in its
    // bounded outbound queue.
    ws.max_message_size(limit).read_buffer_size(read_buffer).write_buffer_size(0).on_upgrade(move |socket| async move {
        let _slot = slot;
        let (tx, rx) = outbox(queue_frames, queue_bytes);
        let conn = Conn {
            id: st.hub.next_conn_id(),
            url_sdkappid,
            instance_id,
            platform,
            tx,
            kicked: Arc::new(AtomicU32::new(0)),
            login: None,
            origin,
            peer_ip,
        };
        run(st, socket, conn, rx, mode).await;
    })
}

/// `COMP` + zlib of a frame's JSON (WIRE.md §1.2).
fn compress(text: &[u8]) -> Option<Vec<u8>> {
    let mut z = flate2::write::ZlibEncoder::new(COMP_PREFIX.to_vec(), flate2::Compression::fast());
    z.write_all(text).ok()?;
    z.finish().ok()
}

fn encode(frame: &Frame, mode: Mode, threshold: usize) -> Message {
    let text = frame.to_json();
    if !mode.binary {
        return Message::Text(text.into());
    }
    if mode.compress && text.len() > threshold {
        if let Some(bytes) = compress(text.as_bytes()) {
            return Message::Binary(bytes.into());
        }
    }
    Message::Binary(text.into_bytes().into())
}

/// [`encode`] for a frame shared by many sockets: no copy of the text, compressed at most once.
fn encode_shared(frame: &SharedFrame, mode: Mode, threshold: usize) -> Message {
    let json = frame.json();
    if !mode.binary {
        return match Utf8Bytes::try_from(json.clone()) {
            Ok(text) => Message::Text(text),
            Err(_) => Message::Text(String::from_utf8_lossy(json).into_owned().into()),
        };
    }
    if mode.compress && json.len() > threshold {
        if let Some(bytes) = frame.compressed(|text| compress(text).map(Into::into)) {
            return Message::Binary(bytes.clone());
        }
    }
    Message::Binary(json.clone())
}

/// Why the socket's loop ended with a close of the server's own.
enum Stop {
    /// The outbound queue overflowed.
    SlowConsumer,
    /// An inbound `COMP` frame inflated to more than `max_frame_bytes`.
    TooLarge,
}

async fn run(st: Arc<State>, socket: WebSocket, conn: Conn, rx: OutRx, mode: Mode) {
    let metrics = &st.transport.metrics;
    metrics.websockets_opened.fetch_add(1, Ordering::Relaxed);
    let instance = conn.instance_id.clone();
    let conn_id = conn.id;
    let (stop, login) = run_loop(&st, socket, conn, rx, mode).await;
    let user = login.as_ref().map(|l| l.user.as_str());
    match stop {
        Some((Stop::SlowConsumer, (frames, bytes))) => {
            metrics.slow_consumer_closes.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(conn_id, user, instance = %instance, frames, bytes, "slow consumer closed: outbound queue full");
        }
        Some((Stop::TooLarge, _)) => {
            metrics.frame_too_large_closes.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(conn_id, user, instance = %instance, max = st.config.max_frame_bytes,
                "socket closed: compressed frame inflates past max_frame_bytes");
        }
        None => {}
    }
    if let Some(Login { sdkappid, user, .. }) = login {
        st.hub.unregister(sdkappid, &user, conn_id);
        crate::avchatroom::on_socket_closed(&st, sdkappid, &user);
    }
    metrics.websockets_closed.fetch_add(1, Ordering::Relaxed);
    tracing::debug!(conn_id, "socket closed");
}

/// Send a close frame, giving up after a second (a client that does not read never takes it).
async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = Message::Close(Some(CloseFrame { code, reason: reason.into() }));
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.send(frame)).await;
}

type Ended = (Option<(Stop, (usize, usize))>, Option<Login>);

async fn run_loop(st: &Arc<State>, mut socket: WebSocket, conn: Conn, mut rx: OutRx, mode: Mode) -> Ended {
    let conn_id = conn.id;
    tracing::debug!(conn_id, instance = ?conn.instance_id, "socket open");
    let mut shutdown = st.shutdown.clone();
    let mut conn = Some(conn);
    let mut close_at: Option<tokio::time::Instant> = None;
    let threshold = st.config.compress_threshold;
    let idle = Duration::from_secs(st.config.idle_timeout_secs.max(1));
    let mut last_inbound = tokio::time::Instant::now();
    let mut ended: Option<Stop> = None;
    let overflow = rx.overflow();
    loop {
        let close_sleep = async {
            match close_at {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::time::sleep_until(last_inbound + idle) => {
                tracing::debug!(conn_id, "idle socket closed");
                let _ = socket.send(Message::Close(Some(CloseFrame { code: 4000, reason: "idle".into() }))).await;
                break;
            }
            inbound = socket.recv() => {
                last_inbound = tokio::time::Instant::now();
                let bytes: Vec<u8> = match inbound {
                    Some(Ok(Message::Binary(b))) => b.to_vec(),
                    Some(Ok(Message::Text(t))) => t.as_str().as_bytes().to_vec(),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => { tracing::debug!(conn_id, error = %e, "socket error"); break }
                    None => break,
                };
                // Boxed: the command's state (its blocking task, the reply being written) is
                // allocated while it runs instead of in every idle socket's task.
                match Box::pin(command(st, &mut socket, &mut conn, bytes, &overflow, mode)).await {
                    Flow::Continue => {}
                    Flow::Break => break,
                    Flow::Stop(stop) => {
                        ended = Some(stop);
                        break;
                    }
                }
            }
            // A queue that overflowed is not drained: the socket is closed.
            _ = overflow.wait() => {
                ended = Some(Stop::SlowConsumer);
                break;
            }
            out = rx.recv() => match out {
                Some(out @ (Out::Frame(_) | Out::Shared(_))) => {
                    let msg = match &out {
                        Out::Frame(f) => encode(f, mode, threshold),
                        Out::Shared(f) => encode_shared(f, mode, threshold),
                        Out::Close(_) => continue,
                    };
                    // A client that does not read blocks this write; its queue then overflows.
                    let sent = tokio::select! {
                        r = socket.send(msg) => r.is_ok(),
                        _ = overflow.wait() => { ended = Some(Stop::SlowConsumer); false }
                    };
                    if !sent { break }
                }
                Some(Out::Close(ms)) => {
                    let at = tokio::time::Instant::now() + Duration::from_millis(ms);
                    close_at = Some(close_at.map_or(at, |t| t.min(at)));
                }
                None => break,
            },
            _ = close_sleep => {
                let _ = socket.send(Message::Close(Some(CloseFrame { code: 4000, reason: "closed by server".into() }))).await;
                break;
            }
            _ = shutdown.changed() => {
                let _ = socket.send(Message::Close(Some(CloseFrame { code: 1001, reason: "server shutting down".into() }))).await;
                break;
            }
        }
    }
    if let Some(Stop::SlowConsumer) = ended {
        close(&mut socket, SLOW_CONSUMER_CLOSE, SLOW_CONSUMER_REASON).await;
    }
    let queued = rx.len();
    (ended.map(|s| (s, queued)), conn.and_then(|c| c.login))
}

/// What the socket's loop does after a command.
enum Flow {
    Continue,
    Break,
    Stop(Stop),
}

/// Decode and run one inbound frame and write its reply.
async fn command(
    st: &Arc<State>,
    socket: &mut WebSocket,
    conn: &mut Option<Conn>,
    bytes: Vec<u8>,
    overflow: &Overflow,
    mode: Mode,
) -> Flow {
    let max = st.config.max_frame_bytes;
    let Some(c) = conn.take() else { return Flow::Break };
    let conn_id = c.id;
    if bytes.len() > max {
        tracing::debug!(conn_id, len = bytes.len(), "oversized frame dropped");
        *conn = Some(c);
        return Flow::Continue;
    }
    let st2 = st.clone();
    // Decoding (inflating a `COMP` frame, at most `max_frame_bytes`; parsing up to 1 MB of JSON)
    // runs on the blocking pool with the command, not on the runtime.
    let joined = tokio::task::spawn_blocking(move || {
        let mut c = c;
        let frame = match Frame::from_bytes(&bytes, max) {
            Ok(f) if !f.head.servcmd.is_empty() => f,
            Err(FrameError::TooLarge(_)) => return (c, Err(Some(Stop::TooLarge))),
            parsed => {
                // Answer what can be answered (its seq is readable) instead of leaving the
                // client to its timeout.
                let why = parsed.err().map_or_else(|| "frame without servcmd".to_string(), |e| e.to_string());
                let Some((servcmd, seq)) = crate::validate::salvage_head(&bytes) else {
                    tracing::debug!(conn_id, error = ?why, "malformed frame without a readable seq dropped");
                    return (c, Err(None));
                };
                tracing::debug!(conn_id, servcmd = ?servcmd, seq, error = ?why, "malformed frame answered");
                let body = api::fail(code::PKG_PARSE_FAILED, format!("invalid request frame: {why}")).into();
                return (c, Ok((Head::reply(servcmd, seq), Some(body), Pushes::held())));
            }
        };
        // The command's pushes wait until its reply is written (hub::Pushes).
        let held = Pushes::held();
        let reply = handle(&st2, &mut c, &frame, &held);
        (c, Ok((frame.head, reply, held)))
    })
    .await;
    let (c, result) = match joined {
        Ok(j) => j,
        Err(e) => {
            tracing::error!(conn_id, error = %e, "command handler failed");
            return Flow::Break;
        }
    };
    *conn = Some(c);
    let (head, reply, held) = match result {
        Ok(done) => done,
        Err(None) => return Flow::Continue,
        Err(Some(stop)) => {
            close(socket, FRAME_TOO_LARGE_CLOSE, "frame too large").await;
            return Flow::Stop(stop);
        }
    };
    let mut held = Some(held);
    let sent = match reply {
        Some(body) => {
            let f = Frame::new(Head::reply(head.servcmd, head.seq), body);
            let send = socket.send(encode(&f, mode, st.config.compress_threshold));
            tokio::pin!(send);
            // A sender whose socket is slow to take its reply must not delay everyone else's
            // pushes: released after HOLD_MAX at the latest.
            tokio::select! {
                r = &mut send => r.is_ok(),
                _ = tokio::time::sleep(HOLD_MAX) => {
                    if let Some(h) = held.take() { h.release() }
                    tokio::select! {
                        r = send => r.is_ok(),
                        _ = overflow.wait() => false,
                    }
                }
            }
        }
        None => true,
    };
    if let Some(h) = held.take() {
        h.release()
    }
    if sent {
        Flow::Continue
    } else {
        Flow::Break
    }
}

fn sig_fail(info: impl Into<String>) -> ApiError {
    fail(code::ACCOUNT_USERSIG_EXPIRED, info)
}

/// Handle one request frame; `None` = no reply.
fn handle(st: &State, c: &mut Conn, f: &Frame, out: &Pushes) -> Option<Value> {
    let servcmd = f.head.servcmd.as_str();
    tracing::debug!(conn_id = c.id, servcmd, seq = f.head.seq, "request");
    match servcmd {
        cmd::HEARTBEAT_ALIVE | cmd::TIM_WEB_REPORT => return Some(ok()),
        cmd::MSG_PUSH_ACK => return None,
        cmd::WSLOGIN => return Some(wslogin(st, c, &f.head, out)),
        _ => {}
    }
    // Bind the socket on any frame that carries a valid A2 key (resent requests come first).
    if c.login.is_none() {
        match f.head.a2.as_deref().filter(|a| !a.is_empty()) {
            Some(a2) => {
                if let Err(e) = bind_a2(st, c, a2, out) {
                    return Some(e.into());
                }
            }
            None if servcmd == cmd::WSLOGOUT => return Some(ok()),
            // Upload-signature commands carry identifier + usersig instead of a2 (WIRE.md §2.6):
            // serve them as that user without logging the socket in.
            None => {
                return Some(match usersig_user(st, c, &f.head) {
                    Ok(who) => api::dispatch(&Cx::new(st, out, c.origin.as_deref()), &who, servcmd, &f.body)?,
                    Err(e) => e.into(),
                })
            }
        }
    }
    let login = c.login.clone()?;
    let kicked = c.kicked.load(Ordering::SeqCst);
    if kicked != 0 {
        return Some(match servcmd {
            cmd::WSLOGOUT => {
                c.login = None;
                ok()
            }
            _ => {
                let mut v: Value = fail(code::HELLO_ANSWER_KICKED_OUT, "this instance was kicked out").into();
                v["KickType"] = json!(kicked);
                v
            }
        });
    }
    if now() >= login.expires {
        st.hub.unregister(login.sdkappid, &login.user, c.id);
        c.login = None;
        return Some(sig_fail("userSig expired").into());
    }
    match servcmd {
        cmd::WSHELLO => return Some(ok()),
        cmd::WSLOGOUT => {
            st.hub.unregister(login.sdkappid, &login.user, c.id);
            if let Err(e) = st.store.revoke_ticket(&login.a2) {
                tracing::error!(error = %e, "revoke ticket");
            }
            c.login = None;
            return Some(ok());
        }
        _ => {}
    }
    if !st.limits.user_cmds.allow(format!("{}:{}", login.sdkappid, login.user)) {
        tracing::debug!(conn_id = c.id, user = ?login.user, servcmd, "user command rate exceeded");
        return Some(crate::limits::user_limited().into());
    }
    let who = Who::User { sdkappid: login.sdkappid, user: login.user, conn_id: c.id };
    api::dispatch(&Cx::new(st, out, c.origin.as_deref()), &who, servcmd, &f.body)
}

/// The user of a frame that carries a valid identifier + usersig.
fn usersig_user(st: &State, c: &Conn, head: &Head) -> Result<Who, ApiError> {
    let identifier = head.identifier.as_deref().unwrap_or("");
    let usersig = head.usersig.as_deref().unwrap_or("");
    if identifier.is_empty() || usersig.is_empty() {
        return Err(sig_fail("not logged in"));
    }
    if let Some(why) = crate::validate::user_id_problem(identifier) {
        return Err(fail(code::ACCOUNT_INVALID_PARAMETERS, why));
    }
    let sdkappid = head.sdkappid.or(c.url_sdkappid).ok_or_else(|| sig_fail("no sdkappid"))?;
    let app = st.app(sdkappid).ok_or_else(|| sig_fail(format!("SDKAppID {sdkappid} is not served by this server")))?;
    tim_proto::usersig::verify(usersig, sdkappid, &app.secret_key, identifier, now())
        .map_err(|e| sig_fail(e.to_string()))?;
    Ok(Who::User { sdkappid, user: identifier.to_string(), conn_id: c.id })
}

fn wslogin(st: &State, c: &mut Conn, head: &Head, out: &Pushes) -> Value {
    let identifier = head.identifier.as_deref().unwrap_or("");
    let usersig = head.usersig.as_deref().unwrap_or("");
    if identifier.is_empty() || usersig.is_empty() {
        return match head.a2.as_deref().filter(|a| !a.is_empty()) {
            Some(a2) => match bind_a2(st, c, a2, out) {
                Ok(t) => login_reply(st, &t),
                Err(e) => e.into(),
            },
            None => sig_fail("wslogin needs identifier and usersig, or a2").into(),
        };
    }
    if !st.limits.login_ip.allow(c.peer_ip.to_string()) {
        tracing::info!(ip = %c.peer_ip, "login rate from this address exceeded");
        return crate::limits::login_limited().into();
    }
    if let Some(why) = crate::validate::user_id_problem(identifier) {
        return fail(code::ACCOUNT_INVALID_PARAMETERS, why).into();
    }
    let Some(sdkappid) = head.sdkappid.or(c.url_sdkappid) else {
        return sig_fail("no sdkappid").into();
    };
    let Some(app) = st.app(sdkappid) else {
        return sig_fail(format!("SDKAppID {sdkappid} is not served by this server")).into();
    };
    let t = now();
    let info = match tim_proto::usersig::verify(usersig, sdkappid, &app.secret_key, identifier, t) {
        Ok(i) => i,
        Err(e) => {
            tracing::info!(sdkappid, user = ?identifier, error = %e, "login refused");
            return sig_fail(e.to_string()).into();
        }
    };
    let account = match st.store.account(sdkappid, identifier) {
        Ok(Some(a)) => a,
        Ok(None) if st.config.auto_import_accounts => match st.store.ensure_account(sdkappid, identifier, t) {
            Ok(a) => a,
            Err(e) => return internal(e).into(),
        },
        Ok(None) => return fail(code::ACCOUNT_NOT_FOUND, format!("account {identifier} is not imported")).into(),
        Err(e) => return internal(e).into(),
    };
    let ticket = Ticket {
        a2: format!("{:032x}{:032x}", rand::random::<u128>(), rand::random::<u128>()),
        sdkappid,
        user_id: account.user_id,
        tiny_id: account.tiny_id,
        inst_id: u64::from(rand::random::<u32>() % 1_000_000_000 + 1),
        expires: info.expires_at(),
        revoked: false,
    };
    if let Err(e) = st.store.put_ticket(&ticket) {
        return internal(e).into();
    }
    bind(st, c, &ticket, out);
    tracing::info!(sdkappid, user = ?ticket.user_id, instance = ?c.instance_id, "login");
    login_reply(st, &ticket)
}

fn login_reply(st: &State, t: &Ticket) -> Value {
    ok_with(json!({
        "A2Key": t.a2,
        "TinyId": t.tiny_id.to_string(),
        "InstId": t.inst_id,
        "HelloInterval": st.config.hello_interval,
        "TimeStamp": now(),
    }))
}

/// Log the socket in with an A2 key from an earlier login.
fn bind_a2(st: &State, c: &mut Conn, a2: &str, out: &Pushes) -> Result<Ticket, ApiError> {
    let t = match st.store.ticket(a2) {
        Ok(Some(t)) => t,
        Ok(None) => return Err(sig_fail("unknown A2 key, log in again")),
        Err(e) => return Err(internal(e)),
    };
    if t.revoked {
        return Err(sig_fail("A2 key revoked (logged out or kicked), log in again"));
    }
    if now() >= t.expires {
        return Err(sig_fail("userSig expired"));
    }
    if c.url_sdkappid.is_some_and(|id| id != t.sdkappid) {
        return Err(sig_fail("A2 key belongs to another SDKAppID"));
    }
    bind(st, c, &t, out);
    Ok(t)
}

fn bind(st: &State, c: &mut Conn, t: &Ticket, out: &Pushes) {
    if let Some(old) = c.login.take() {
        st.hub.unregister(old.sdkappid, &old.user, c.id);
    }
    c.kicked.store(0, Ordering::SeqCst);
    let session = SessionRef {
        conn_id: c.id,
        instance_id: c.instance_id.clone(),
        platform: c.platform,
        a2: t.a2.clone(),
        tx: c.tx.clone(),
        kicked: c.kicked.clone(),
        since_us: crate::now_ms().saturating_mul(1000),
    };
    let displaced = st.hub.register(t.sdkappid, &t.user_id, session, st.config.multi_instance == MultiInstance::Kick);
    for s in displaced.stale {
        let _ = s.tx.send(Out::Close(0));
    }
    for s in displaced.kicked {
        tracing::info!(user = ?t.user_id, old_instance = ?s.instance_id, "kicking older instance");
        if let Err(e) = st.store.revoke_ticket(&s.a2) {
            tracing::error!(error = %e, "revoke ticket");
        }
        s.kick(cmd::kick::MULTIPLE_ACCOUNT, st.config.kick_close_delay_ms, out);
    }
    c.login = Some(Login { sdkappid: t.sdkappid, user: t.user_id.clone(), a2: t.a2.clone(), expires: t.expires });
}

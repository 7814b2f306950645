//! The connection: socket lifecycle, reconnect with backoff, heartbeat and hello, request
//! heads, pending requests and their resend, and the routing of replies and failures.

use serde_json::Value;

use crate::obj;
use crate::value::{json_text, sort_by_key2, val};
use tim_proto::{
    cmd::{self, Status},
    code,
};

#[cfg(feature = "groups")]
use super::rooms;
use super::{
    s, u, ApiError, Engine, Login, Output, Pending, Purpose, Session, SocketId, MAX_INBOUND_FRAME_BYTES, SDK_VERSION,
};
use crate::model::{CONV_C2C, CONV_GROUP};

const SDK_ABILITY: u64 = 192_371;
const WEB_SDK_APPID: u64 = 537_048_168;
const HEARTBEAT_SILENCE_MS: u64 = 10_000;
const BACKOFF_MS: [u64; 7] = [0, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000];
/// A frame resets the backoff only once its socket has been open this long: a socket the server
/// closes sooner counts as a failed attempt (WIRE.md §1.5), or a server that answers and closes
/// at once would be reconnected to without pause.
const STABLE_MS: u64 = 1_000;

/// The key a reply is matched with: `servcmd + seq` (WIRE.md §1.3).
fn match_key(head: &Value) -> String {
    let seq = match &head["seq"] {
        Value::Number(n) => n.to_string(),
        other => other.as_str().unwrap_or("").to_string(),
    };
    format!("{}{seq}", head["servcmd"].as_str().unwrap_or(""))
}

impl Engine {
    pub(super) fn url(&mut self) -> String {
        let base = self.cfg.base_url.trim_end_matches('/').to_string();
        let path = if self.cfg.dev_mode { "info" } else { "binfo" };
        // Like Math.random(), written without float formatting.
        let random = format!("0.{:09}", self.rand() % 1_000_000_000);
        format!(
            "{base}/{path}?sdkappid={}&instanceid={}&random={random}&platform=7&host=unknown&version=-1&sdkversion={SDK_VERSION}{}",
            self.cfg.sdk_app_id,
            self.cfg.instance_id,
            if self.cfg.compress { "&compress=gzip" } else { "" }
        )
    }

    pub(super) fn connect(&mut self, now: u64) {
        self.socket += 1;
        self.open = false;
        self.connecting = true;
        self.reconnect_at = None;
        self.last_inbound = now;
        let url = self.url();
        self.set_net_state("connecting");
        self.out.push_back(Output::Connect { socket: self.socket, url });
    }

    /// Close the current socket and open a new one (code 4001).
    pub(super) fn reconnect(&mut self, now: u64) {
        if self.open || self.connecting {
            self.out.push_back(Output::Close { socket: self.socket, code: 4001 });
        }
        self.open = false;
        self.connecting = false;
        self.schedule_reconnect(now);
    }

    pub(super) fn schedule_reconnect(&mut self, now: u64) {
        if self.destroyed || self.reconnect_at.is_some() {
            return;
        }
        let delay = BACKOFF_MS[self.attempts.min(BACKOFF_MS.len() - 1)];
        self.attempts += 1;
        self.reconnect_at = Some(now + delay);
    }

    /// The socket opened.
    pub fn on_open(&mut self, socket: SocketId, now: u64) {
        if socket != self.socket || self.destroyed {
            return;
        }
        self.open = true;
        self.connecting = false;
        self.last_inbound = now;
        self.opened_at = now;
        self.set_net_state("connected");
        // 1. still-pending requests, resent unchanged (WIRE.md §1.5).
        let mut resend: Vec<(u64, u64, String)> = Vec::new();
        self.pending.retain(|_, p| {
            // A conversation-list page is not resent: the resync after the re-login starts the
            // list over (two chains would page it twice).
            if matches!(p.purpose, Purpose::Heartbeat | Purpose::Hello | Purpose::PageGet) {
                return false;
            }
            p.deadline = p.deadline.max(now + cmd::timeout_ms(&p.servcmd));
            resend.push((p.deadline, p.seq, p.text.clone()));
            true
        });
        // In the order they were first sent.
        sort_by_key2(&mut resend, |r| (r.0, r.1));
        for (_, _, text) in resend {
            self.push_send(text);
        }
        // 2. login or re-login, 3. heartbeat, 4. resync.
        match self.login {
            Login::InProgress { call, sent: false } => {
                self.login = Login::InProgress { call, sent: true };
                self.send_login(Some(call), now);
                self.request(cmd::HEARTBEAT_ALIVE, obj! {}, Purpose::Heartbeat, now);
            }
            Login::In => {
                self.send_login(None, now);
                self.request(cmd::HEARTBEAT_ALIVE, obj! {}, Purpose::Heartbeat, now);
                #[cfg(feature = "groups")]
                self.rooms_reconnected();
                self.sync_all(now);
                self.flush_outbox(now);
            }
            _ => {
                self.request(cmd::HEARTBEAT_ALIVE, obj! {}, Purpose::Heartbeat, now);
            }
        }
    }

    /// The socket closed (or failed to open).
    pub fn on_close(&mut self, socket: SocketId, now: u64) {
        if socket != self.socket || self.destroyed {
            return;
        }
        self.open = false;
        self.connecting = false;
        self.set_net_state("disconnected");
        self.schedule_reconnect(now);
    }

    /// A frame arrived as bytes (binary frame: JSON or `COMP` + zlib/gzip). Frames of more than
    /// [`MAX_INBOUND_FRAME_BYTES`] (inflated) are dropped.
    pub fn on_bytes(&mut self, socket: SocketId, bytes: &[u8], now: u64) {
        if let Some(frame) = tim_proto::frame::value_of_bytes(bytes, MAX_INBOUND_FRAME_BYTES) {
            self.on_frame(socket, frame, now);
        }
    }

    /// A frame arrived as text.
    pub fn on_text(&mut self, socket: SocketId, text: &str, now: u64) {
        if let Ok(frame) = serde_json::from_str::<Value>(text) {
            self.on_frame(socket, frame, now);
        }
    }

    /// The clock moved: timeouts, heartbeats, hello, reconnects, throttled events.
    pub fn tick(&mut self, now: u64) {
        if self.destroyed {
            return;
        }
        if let Some(at) = self.reconnect_at {
            if now >= at {
                self.connect(now);
            }
        }
        // Timeouts.
        let expired: Vec<String> =
            self.pending.iter().filter(|(_, p)| p.deadline <= now).map(|(k, _)| k.clone()).collect();
        let mut lost_heartbeat = false;
        for key in expired {
            if let Some(p) = self.pending.remove(&key) {
                if matches!(p.purpose, Purpose::Heartbeat) {
                    lost_heartbeat = true;
                }
                self.fail(p.purpose, ApiError::new(code::NETWORK_TIMEOUT, "request timed out"), now);
            }
        }
        if lost_heartbeat && self.open {
            self.reconnect(now);
        }
        if self.open {
            if now.saturating_sub(self.last_inbound) >= HEARTBEAT_SILENCE_MS
                && !self.pending.values().any(|p| matches!(p.purpose, Purpose::Heartbeat))
            {
                self.request(cmd::HEARTBEAT_ALIVE, obj! {}, Purpose::Heartbeat, now);
            }
            if self.login == Login::In && self.s.hello_interval_ms > 0 && now >= self.s.next_hello {
                self.s.next_hello = now + self.s.hello_interval_ms;
                self.request(cmd::WSHELLO, obj! {"is_web_uniapp": 0}, Purpose::Hello, now);
            }
        }
        if self.login == Login::In && !self.s.cache_loaded && now >= self.s.cache_deadline {
            // The cache never answered: sync without it rather than never.
            self.s.cache_loaded = true;
            self.getmsg(now);
            self.warm_ready(now);
        }
        self.flush_throttled(now, false);
        self.flush_persist();
    }

    /// A request head as tim-js-sdk 2.x writes it (WIRE.md §2.1), same keys in the same order.
    pub(super) fn head(&mut self, servcmd: &str, now: u64) -> Value {
        let seq = self.seq;
        self.seq += 1;
        if self.seq > 2_415_919_103 {
            self.seq = self.rand() % 99_999_999 + 1;
        }
        let mut h = serde_json::Map::new();
        h.insert("ver".into(), val("v4"));
        h.insert("platform".into(), val(7));
        h.insert("websdkappid".into(), val(WEB_SDK_APPID));
        h.insert("websdkversion".into(), val("1.7.3"));
        if self.s.a2.is_empty() {
            let anonymous = matches!(self.login, Login::Out(_));
            h.insert("identifier".into(), val(if anonymous { "" } else { self.s.user.as_str() }));
            h.insert("usersig".into(), val(if anonymous { "" } else { self.s.user_sig.as_str() }));
        } else {
            h.insert("a2".into(), val(&self.s.a2));
            h.insert("tinyid".into(), val(&self.s.tiny_id));
        }
        h.insert("status_instid".into(), val(self.s.inst_id));
        h.insert("sdkappid".into(), val(self.cfg.sdk_app_id));
        h.insert("contenttype".into(), val("json"));
        h.insert("reqtime".into(), val(&now / 1000));
        h.insert("sdkability".into(), val(SDK_ABILITY));
        h.insert("tjgID".into(), val(""));
        h.insert("servcmd".into(), val(servcmd));
        h.insert("seq".into(), val(seq));
        Value::Object(h)
    }

    pub(super) fn push_send(&mut self, text: String) {
        self.out.push_back(Output::Send { socket: self.socket, text, binary: !self.cfg.dev_mode });
    }

    pub(super) fn request(&mut self, servcmd: &str, body: Value, purpose: Purpose, now: u64) {
        // Community groups are served by the `million_…` service (rooms.rs).
        #[cfg(feature = "groups")]
        let servcmd = &rooms::service(servcmd, &body);
        let mut head = self.head(servcmd, now);
        if let Purpose::Send { id, .. } = &purpose {
            if let Some(r) = id.rsplit('-').next() {
                head["tjgID"] = val(format!("{}-{r}", self.s.tiny_id));
            }
        }
        let key = match_key(&head);
        let seq = u(&head, "seq");
        let text = json_text(&obj! {"head": &head, "body": &body});
        if self.open {
            self.push_send(text.clone());
        }
        let deadline = now + cmd::timeout_ms(servcmd);
        self.pending.insert(key, Pending { purpose, servcmd: servcmd.into(), text, deadline, seq });
        if !self.open && !self.connecting && self.reconnect_at.is_none() {
            self.schedule_reconnect(now);
        }
    }

    pub(super) fn on_frame(&mut self, socket: SocketId, mut frame: Value, now: u64) {
        if socket != self.socket || self.destroyed || !frame["head"].is_object() {
            return;
        }
        self.last_inbound = now;
        if now.saturating_sub(self.opened_at) >= STABLE_MS {
            self.attempts = 0;
        }
        if let Some(p) = self.pending.remove(&match_key(&frame["head"])) {
            let body = frame["body"].take();
            let st = Status::of(&body);
            if st.error_code != 0 {
                let logged_in = self.login == Login::In;
                if logged_in
                    && (st.error_code == code::ACCOUNT_USERSIG_EXPIRED || st.error_code == code::MESSAGE_A2KEY_EXPIRED)
                {
                    self.fail(p.purpose, ApiError::new(st.error_code, st.error_info), now);
                    self.kicked("userSigExpired", code::KICKED_OUT_USERSIG_EXPIRED, false, now);
                    return;
                }
                if matches!(p.purpose, Purpose::Hello) && st.error_code == code::HELLO_ANSWER_KICKED_OUT {
                    let kind = body["KickType"].as_u64().unwrap_or(1);
                    self.kick_type(kind, now);
                    return;
                }
                self.fail(p.purpose, ApiError::new(st.error_code, st.error_info), now);
            } else {
                self.reply(p.purpose, body, now);
            }
        } else {
            self.push(&frame, now);
        }
        self.flush_throttled(now, false);
        self.flush_persist();
    }

    pub(super) fn fail(&mut self, purpose: Purpose, err: ApiError, now: u64) {
        match purpose {
            Purpose::Login { call } => {
                self.s = Session::default();
                self.login = Login::Out(code::USER_NOT_LOGGED_IN);
                if let Some(call) = call {
                    self.settle(call, Err(err));
                }
            }
            Purpose::Send { call, id } => {
                let data = self.s.drafts.get_mut(&id).map(|m| {
                    m.status = "fail".into();
                    m.to_json()
                });
                let mut err = err;
                err.data = Some(obj! {"message": &data});
                self.settle(call, Err(err));
            }
            Purpose::Roam { call, .. } | Purpose::Read { call } => self.settle(call, Err(err)),
            #[cfg(feature = "groups")]
            Purpose::Group { call, op } => self.group_fail(call, op, err, now),
            #[cfg(feature = "groups")]
            Purpose::Room { call, op } => self.room_fail(call, op, err, now),
            Purpose::Conv { call, op, .. } => self.conv_fail(call, op, err),
            Purpose::Profile { call, .. } => self.profile_fail(call, err),
            Purpose::PageGet => self.page_done(now),
            Purpose::GetMsg => {
                self.s.getmsg_running = false;
            }
            _ => {}
        }
    }

    pub(super) fn reply(&mut self, purpose: Purpose, body: Value, now: u64) {
        match purpose {
            Purpose::Login { call } => self.login_reply(call, body, now),
            Purpose::PageGet => self.page_reply(body, now),
            Purpose::GetMsg => self.getmsg_reply(body, now),
            Purpose::Profile { call, op } => self.profile_reply(call, op, body, now),
            Purpose::Send { call, id } => self.send_reply(call, id, body, now),
            Purpose::Roam { call, conv, cursor, count } => {
                #[cfg(feature = "groups")]
                if conv.starts_with(CONV_GROUP) {
                    self.group_history_reply(&conv, &body);
                    self.settle_page(call, &conv, cursor, count);
                    return;
                }
                let peer = conv.strip_prefix(CONV_C2C).unwrap_or("").to_string();
                self.roam_reply(call, conv, cursor, count, body);
                self.ask_peer_read_time(&peer, now);
            }
            #[cfg(feature = "groups")]
            Purpose::Group { call, op } => self.group_reply(call, op, body, now),
            #[cfg(feature = "groups")]
            Purpose::Room { call, op } => self.room_reply(call, op, body, now),
            Purpose::Conv { call, op } => self.conv_reply(call, op, body, now),
            Purpose::Read { call } => self.settle(call, Ok(obj! {})),
            Purpose::PeerReadTime => {
                for r in body["ReadTime"].as_array().into_iter().flatten() {
                    let peer = s(r, "To_Account");
                    let t = r["ReadTime"].as_u64().unwrap_or(0);
                    if !peer.is_empty() && t > 0 {
                        let receipt = obj! {"To_Account": &peer, "UinPairReadArray": Value::Array(vec![obj!{"LastReadTime": &t}])};
                        self.peer_read(&receipt, now);
                    }
                }
            }
            _ => {}
        }
    }
}

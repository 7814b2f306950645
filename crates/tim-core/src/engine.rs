//! The engine state machine. See the crate docs for the model.

mod cache;
mod conversations;
mod groups;
mod profiles;
mod rooms;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use crate::obj;
use crate::value::{json_text, sort_by_key2, val};
use tim_proto::{
    cmd::{self, Status},
    code,
    frame::FrameError,
    msg::{C2cMsg, MsgElem},
};

use crate::model::{
    c2c_from_json, elem_from_json, elems_to_json, is_intl, Conversation, Draft, Message, CONV_C2C, CONV_GROUP,
    CONV_SYSTEM, MSG_CUSTOM, MSG_TEXT,
};

/// `TIM.VERSION`: the tim-js-sdk release whose API and wire behaviour we reproduce.
pub const SDK_VERSION: &str = "2.27.6";
const SDK_ABILITY: u64 = 192_371;
const WEB_SDK_APPID: u64 = 537_048_168;
const HEARTBEAT_SILENCE_MS: u64 = 10_000;
const EVENT_THROTTLE_MS: u64 = 1_000;
const MAX_PAGE: u64 = 15;
const BACKOFF_MS: [u64; 7] = [0, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000];
/// A frame resets the backoff only once its socket has been open this long: a socket the server
/// closes sooner counts as a failed attempt (WIRE.md §1.5), or a server that answers and closes
/// at once would be reconnected to without pause.
const STABLE_MS: u64 = 1_000;
/// How long the C2C sync waits for the platform's cache (e.g. an IndexedDB open blocked by
/// another tab) before it goes ahead without it.
const CACHE_WAIT_MS: u64 = 3_000;
/// Largest inbound frame the engine reads, in bytes of JSON (a `COMP` frame is inflated no
/// further): a server's largest replies (a page of 100 messages of 12 KB) are far smaller, and a
/// frame that inflates to more is dropped like one that does not inflate. `js/facade.js` caps
/// the platform's inflation at the same size.
pub const MAX_INBOUND_FRAME_BYTES: usize = 16 << 20;

/// Identifies one WebSocket the engine asked the platform to open.
pub type SocketId = u64;

/// What the engine was created with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The app.
    pub sdk_app_id: u64,
    /// WebSocket base URL (`proxyServer`, or the platform default), without the `/binfo` path.
    pub base_url: String,
    /// `devMode`: text frames on `/info`.
    pub dev_mode: bool,
    /// 32 lowercase hex characters, fixed for the life of the instance.
    pub instance_id: String,
    /// Seed for the engine's random numbers (message randoms, seq start, URL `random`).
    pub seed: u64,
    /// Minutes east of UTC of the local clock (for the client message sequence).
    pub tz_offset_min: i64,
    /// The platform (or this engine, with the `inflate` feature) can inflate `COMP` frames:
    /// the URL then carries `compress=gzip` (WIRE.md §1.1).
    pub compress: bool,
}

/// A rejected API call: tim-js-sdk's `{code, message, data?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// Error code.
    pub code: i64,
    /// Error text.
    pub message: String,
    /// Extra data (e.g. `{message}` for a failed send).
    pub data: Option<Value>,
}

impl ApiError {
    fn new(code: i64, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), data: None }
    }
}

/// The immediate answer to an API call.
#[derive(Debug, Clone, PartialEq)]
pub enum CallResult {
    /// Finished: the value to resolve with (or return, for synchronous methods), or the error to
    /// reject with.
    Done(Result<Value, ApiError>),
    /// Will be settled later by [`Output::Settle`] with this call id.
    Pending(u64),
    /// Bad arguments: the JS layer throws `Error(message)` synchronously.
    Throw(String),
    /// Finished with a value given as JSON text (the conversation list, which the engine keeps
    /// serialised between changes).
    Text(Arc<str>),
}

/// What the engine asks the platform to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Open a WebSocket to `url`; report its events with this id.
    Connect {
        /// Socket id.
        socket: SocketId,
        /// Full URL.
        url: String,
    },
    /// Close the socket with this WebSocket close code.
    Close {
        /// Socket id.
        socket: SocketId,
        /// 4000 logout/destroy, 4001 reconnect.
        code: u16,
    },
    /// Send one frame: binary (UTF-8 JSON bytes) on `/binfo`, text on `/info`.
    Send {
        /// Socket id.
        socket: SocketId,
        /// JSON text of the frame.
        text: String,
        /// Send as a binary frame.
        binary: bool,
    },
    /// Emit `TIM.EVENT` `name` with `data` (absent for SDK_READY / SDK_NOT_READY).
    Emit {
        /// Event value, e.g. `"onMessageReceived"`.
        name: String,
        /// Event data.
        data: Option<Value>,
    },
    /// Emit `TIM.EVENT` `name` with data given as JSON text (the conversation list).
    EmitText {
        /// Event value.
        name: String,
        /// Event data, JSON.
        json: Arc<str>,
    },
    /// Settle a pending call.
    Settle {
        /// The id from [`CallResult::Pending`].
        call: u64,
        /// Resolve value or rejection.
        result: Result<Value, ApiError>,
    },
    /// Load the cache of `user` and give it to [`Engine::cache_loaded`].
    LoadCache {
        /// The user logging in.
        user: String,
    },
    /// Write these records to the cache of `user`.
    Persist {
        /// The user.
        user: String,
        /// Conversations (Conversation JSON).
        conversations: Vec<Value>,
        /// Messages (Message JSON).
        messages: Vec<Value>,
        /// Sync cursors `{cookie, recent}`; `Null` when unchanged.
        meta: Value,
        /// Outbox records to write: `{ID, message, opts}` (never evicted).
        outbox: Vec<Value>,
        /// Outbox records to delete, by message ID.
        outbox_delete: Vec<String>,
        /// The joined-group list (Group JSON) when it changed: it replaces the cached one.
        groups: Option<Vec<Value>>,
    },
    /// Read up to `count` cached messages of a conversation, the newest below `before`
    /// (`(order, message ID)`: group sequence or C2C time; `None`: the newest), and give them
    /// to [`Engine::history_loaded`] (an empty list when the cache has none or fails).
    LoadHistory {
        /// The user.
        user: String,
        /// Echoed to [`Engine::history_loaded`].
        request: u64,
        /// The conversation.
        conversation_id: String,
        /// Exclusive upper bound.
        before: Option<(u64, String)>,
        /// Page size.
        count: u64,
    },
}

/// Event names (CONSTANTS.md §3).
mod ev {
    pub const SDK_READY: &str = "sdkStateReady";
    pub const SDK_NOT_READY: &str = "sdkStateNotReady";
    pub const SDK_DESTROY: &str = "sdkDestroy";
    pub const MESSAGE_RECEIVED: &str = "onMessageReceived";
    pub const MESSAGE_READ_BY_PEER: &str = "onMessageReadByPeer";
    pub const CONVERSATION_LIST_UPDATED: &str = "onConversationListUpdated";
    pub const GROUP_LIST_UPDATED: &str = "onGroupListUpdated";
    pub const TOTAL_UNREAD: &str = "onTotalUnreadMessageCountUpdated";
    pub const CONVERSATION_GROUP_LIST_UPDATED: &str = "onConversationGroupListUpdated";
    pub const CONVERSATION_IN_GROUP_UPDATED: &str = "onConversationInGroupUpdated";
    pub const KICKED_OUT: &str = "kickedOut";
    pub const ERROR: &str = "error";
    pub const NET_STATE_CHANGE: &str = "netStateChange";
    pub const PROFILE_UPDATED: &str = "onProfileUpdated";
}

#[derive(Debug, Clone, PartialEq)]
enum Login {
    /// Not logged in; the code a not-ready call is refused with (2024, or 300x after a kick).
    Out(i64),
    /// `wslogin` sent (or waiting for the socket).
    InProgress { call: u64, sent: bool },
    /// Logged in.
    In,
}

#[derive(Debug, Clone, PartialEq)]
enum Purpose {
    Ignore,
    Heartbeat,
    Hello,
    Login { call: Option<u64> },
    PageGet,
    GetMsg,
    Send { call: u64, id: String },
    Roam { call: u64, conv: String, cursor: Option<String>, count: u64 },
    Read { call: u64 },
    PeerReadTime,
    Group { call: Option<u64>, op: groups::GroupOp, ctx: Value },
    Room { call: Option<u64>, op: rooms::RoomOp, ctx: Value },
    Conv { call: Option<u64>, op: conversations::ConvOp, ctx: Value },
    Profile { call: Option<u64>, op: profiles::ProfileOp, ctx: Value },
}

#[derive(Debug)]
struct Pending {
    purpose: Purpose,
    servcmd: String,
    text: String,
    deadline: u64,
    /// The request's `seq` (the order of first sending).
    seq: u64,
}

#[derive(Debug, Default)]
struct History {
    /// Oldest first; a contiguous run of the conversation that ends at its newest message.
    msgs: Vec<Message>,
    /// No older messages exist on the server.
    complete: bool,
}

impl History {
    fn position(&self, id: &str) -> Option<usize> {
        self.msgs.iter().position(|m| m.id == id)
    }

    /// Put `older` (oldest first, none of them held) in front of what is held.
    fn prepend(&mut self, older: Vec<Message>) {
        let mut ids = std::collections::HashSet::new();
        let older: Vec<Message> = older.into_iter().filter(|m| ids.insert(m.id.clone())).collect();
        self.msgs.splice(0..0, older);
    }

    /// Insert in time order (stable for equal times); false when the ID is known.
    fn insert(&mut self, m: Message) -> bool {
        if let Some(i) = self.position(&m.id) {
            // A later copy may carry server fields the first one lacked.
            if self.msgs[i].status != "success" {
                self.msgs[i] = m;
            }
            return false;
        }
        // Group conversations are ordered by their dense sequence, C2C ones by time.
        let key = |x: &Message| if x.conversation_type == CONV_GROUP { x.sequence } else { x.time };
        let at = self.msgs.iter().rposition(|x| key(x) <= key(&m)).map_or(0, |i| i + 1);
        self.msgs.insert(at, m);
        true
    }
}

#[derive(Debug, Default)]
struct Session {
    user: String,
    user_sig: String,
    /// Login option `_resume` (the tab sharing layer taking over a session): the first sync
    /// from a cached cursor announces what it finds, as the tabs saw nothing after it.
    resume: bool,
    a2: String,
    tiny_id: String,
    inst_id: u64,
    hello_interval_ms: u64,
    nick: String,
    avatar: String,
    ready: bool,
    page_done: bool,
    page_ts: u64,
    /// The conversation list sync running is a full one (not only changes since `page_ts`),
    /// and the conversations its pages listed so far.
    page_full: bool,
    page_seen: HashSet<String>,
    cookie: String,
    cache_loaded: bool,
    /// When the sync stops waiting for the cache.
    cache_deadline: u64,
    getmsg_wanted: bool,
    getmsg_running: bool,
    synced: bool,
    online_sync: bool,
    next_hello: u64,
    conversations: conversations::ConvMap,
    /// Joined groups (the app's Group objects) by groupID.
    groups: BTreeMap<String, Value>,
    history: HashMap<String, History>,
    drafts: HashMap<String, Message>,
    /// Items being filed from the first sync: no events, unread or side effects.
    quiet: bool,
    /// C2C peers whose read time was asked for (`openim.get_peer_read_time`).
    peer_read_asked: Vec<String>,
    dirty_convs: Vec<String>,
    dirty_msgs: Vec<Message>,
    meta_dirty: bool,
    /// The joined-group list changed since it was last persisted.
    groups_dirty: bool,
    /// `groups` holds a whole list, from the network or the cache.
    groups_known: bool,
    /// Warm start, cache reads and the outbox.
    store: cache::Store,
    /// AVChatRoom, attribute, counter and topic state.
    rooms: rooms::Rooms,
    /// The resync of group messages missed while offline or before a reload.
    gsync: groups::GroupSync,
    /// Conversation groups `(convGroupID, name)`, in creation order.
    conv_groups: Vec<(String, String)>,
    /// The total unread count last emitted.
    last_total: Option<u64>,
    /// The own profile and other users' recently read ones.
    profiles: profiles::Profiles,
}

/// The SDK engine of one `TIM.create` instance.
#[derive(Debug)]
pub struct Engine {
    cfg: Config,
    rng: u64,
    out: VecDeque<Output>,
    socket: SocketId,
    open: bool,
    connecting: bool,
    attempts: usize,
    /// When the current socket opened.
    opened_at: u64,
    reconnect_at: Option<u64>,
    last_inbound: u64,
    seq: u64,
    pending: HashMap<String, Pending>,
    next_call: u64,
    login: Login,
    s: Session,
    offset_ms: i64,
    msg_seq: u64,
    net_state: &'static str,
    destroyed: bool,
    throttle: HashMap<&'static str, (u64, bool)>,
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or("").to_string()
}

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or(0)
}

/// `conversationID` of a C2C API call and its peer, or the call's failure.
fn c2c_conversation(a: &Value) -> Result<(String, String), CallResult> {
    let conv = s(a, "conversationID");
    if conv.is_empty() {
        return Err(CallResult::Throw("Params validate failed.".into()));
    }
    match conv.strip_prefix(CONV_C2C).filter(|p| !p.is_empty()) {
        Some(peer) => Ok((conv.clone(), peer.to_string())),
        None => Err(CallResult::Done(Err(ApiError::new(
            code::INVALID_CONVERSATION_ID,
            "only C2C conversations are supported in this release",
        )))),
    }
}

/// `SendMsgControl` of a received message: `(excludedFromUnreadCount, excludedFromLastMessage)`.
/// Pushes carry `{"NoUnread": 1, "NoLastMsg": 1}`; the sender's list form is accepted too.
fn control_flags(m: &Value) -> (bool, bool) {
    let c = &m["SendMsgControl"];
    let has = |k: &str| c[k].as_u64() == Some(1) || c.as_array().is_some_and(|l| l.iter().any(|x| x == k));
    (has("NoUnread"), has("NoLastMsg"))
}

/// The peer of a wire C2C message seen by `me`.
fn c2c_peer(m: &Value, me: &str) -> String {
    let (from, to) = (s(m, "From_Account"), s(m, "To_Account"));
    if from == me {
        to
    } else {
        from
    }
}

/// The key a reply is matched with: `servcmd + seq` (WIRE.md §1.3).
fn match_key(head: &Value) -> String {
    let seq = match &head["seq"] {
        Value::Number(n) => n.to_string(),
        other => other.as_str().unwrap_or("").to_string(),
    };
    format!("{}{seq}", head["servcmd"].as_str().unwrap_or(""))
}

impl Engine {
    /// A new engine. Like `TIM.create`, it opens the socket right away.
    pub fn new(cfg: Config, now: u64) -> Self {
        let mut e = Engine {
            rng: cfg.seed | 1,
            cfg,
            out: VecDeque::new(),
            socket: 0,
            open: false,
            connecting: false,
            attempts: 0,
            opened_at: now,
            reconnect_at: None,
            last_inbound: now,
            seq: 0,
            pending: HashMap::new(),
            next_call: 1,
            login: Login::Out(code::USER_NOT_LOGGED_IN),
            s: Session::default(),
            offset_ms: 0,
            msg_seq: 0,
            net_state: "",
            destroyed: false,
            throttle: HashMap::new(),
        };
        if e.cfg.instance_id.len() != 32 {
            e.cfg.instance_id = format!("{:016x}{:016x}", e.rand(), e.rand());
        }
        e.seq = e.rand() % 99_999_999 + 1;
        e.connect(now);
        e
    }

    /// Everything the engine asks for since the last drain, in order.
    pub fn drain(&mut self) -> Vec<Output> {
        self.out.drain(..).collect()
    }

    fn rand(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// tim-js-sdk's language choice for placeholders and notices (see [`is_intl`]).
    pub(crate) fn intl(&self) -> bool {
        is_intl(self.cfg.sdk_app_id)
    }

    fn server_secs(&self, now: u64) -> u64 {
        ((now as i64 + self.offset_ms).max(0) / 1000) as u64
    }

    fn emit(&mut self, name: &str, data: Option<Value>) {
        self.out.push_back(Output::Emit { name: name.into(), data });
    }

    fn settle(&mut self, call: u64, result: Result<Value, ApiError>) {
        // A call made on the app's behalf (outbox, cache read) settles the app's call.
        if let Some(call) = self.alias(call) {
            self.out.push_back(Output::Settle { call, result });
        }
    }

    fn set_net_state(&mut self, state: &'static str) {
        if self.net_state != state {
            self.net_state = state;
            if !matches!(self.login, Login::Out(_)) {
                self.emit(ev::NET_STATE_CHANGE, Some(obj! {"state": &state}));
            }
        }
    }

    // ---------------------------------------------------------------- socket

    fn url(&mut self) -> String {
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

    fn connect(&mut self, now: u64) {
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
    fn reconnect(&mut self, now: u64) {
        if self.open || self.connecting {
            self.out.push_back(Output::Close { socket: self.socket, code: 4001 });
        }
        self.open = false;
        self.connecting = false;
        self.schedule_reconnect(now);
    }

    fn schedule_reconnect(&mut self, now: u64) {
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
            if matches!(p.purpose, Purpose::Heartbeat | Purpose::Hello) {
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
        if let Ok(frame) = tim_proto::frame::value_from_bytes(bytes, MAX_INBOUND_FRAME_BYTES) {
            self.on_frame(socket, frame, now);
        }
    }

    /// A frame arrived as text.
    pub fn on_text(&mut self, socket: SocketId, text: &str, now: u64) {
        if let Ok(frame) = serde_json::from_str::<Value>(text).map_err(|e| FrameError::Json(e.to_string())) {
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
                if p.purpose == Purpose::Heartbeat {
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
                && !self.pending.values().any(|p| p.purpose == Purpose::Heartbeat)
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

    // -------------------------------------------------------------- requests

    /// A request head as tim-js-sdk 2.x writes it (WIRE.md §2.1), same keys in the same order.
    fn head(&mut self, servcmd: &str, now: u64) -> Value {
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

    fn push_send(&mut self, text: String) {
        self.out.push_back(Output::Send { socket: self.socket, text, binary: !self.cfg.dev_mode });
    }

    fn request(&mut self, servcmd: &str, body: Value, purpose: Purpose, now: u64) {
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

    fn send_login(&mut self, call: Option<u64>, now: u64) {
        self.request(
            cmd::WSLOGIN,
            obj! {"State": "Online", "is_web_uniapp": 0, "InstType": 0},
            Purpose::Login { call },
            now,
        );
    }

    // ---------------------------------------------------------------- frames

    fn on_frame(&mut self, socket: SocketId, mut frame: Value, now: u64) {
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
                if p.purpose == Purpose::Hello && st.error_code == code::HELLO_ANSWER_KICKED_OUT {
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

    fn fail(&mut self, purpose: Purpose, err: ApiError, now: u64) {
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
            Purpose::Group { call, op, ctx } => self.group_fail(call, op, ctx, err, now),
            Purpose::Room { call, op, ctx } => self.room_fail(call, op, ctx, err, now),
            Purpose::Conv { call, op, .. } => self.conv_fail(call, op, err),
            Purpose::Profile { call, .. } => self.profile_fail(call, err),
            Purpose::PageGet => self.page_done(now),
            Purpose::GetMsg => {
                self.s.getmsg_running = false;
            }
            _ => {}
        }
    }

    fn reply(&mut self, purpose: Purpose, body: Value, now: u64) {
        match purpose {
            Purpose::Login { call } => self.login_reply(call, body, now),
            Purpose::PageGet => self.page_reply(body, now),
            Purpose::GetMsg => self.getmsg_reply(body, now),
            Purpose::Profile { call, op, ctx } => self.profile_reply(call, op, ctx, body, now),
            Purpose::Send { call, id } => self.send_reply(call, id, body, now),
            Purpose::Roam { call, conv, cursor, count } => {
                if conv.starts_with(CONV_GROUP) {
                    self.group_history_reply(&conv, &body);
                    self.settle_page(call, &conv, cursor, count);
                } else {
                    let peer = conv.strip_prefix(CONV_C2C).unwrap_or("").to_string();
                    self.roam_reply(call, conv, cursor, count, body);
                    self.ask_peer_read_time(&peer, now);
                }
            }
            Purpose::Group { call, op, ctx } => self.group_reply(call, op, ctx, body, now),
            Purpose::Room { call, op, ctx } => self.room_reply(call, op, ctx, body, now),
            Purpose::Conv { call, op, ctx } => self.conv_reply(call, op, ctx, body, now),
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

    fn login_reply(&mut self, call: Option<u64>, body: Value, now: u64) {
        let a2_key = s(&body, "A2Key");
        let tiny_id = match &body["TinyId"] {
            Value::Number(n) => n.to_string(),
            other => other.as_str().unwrap_or("").to_string(),
        };
        let (inst_id, hello, ts) = (u(&body, "InstId"), u(&body, "HelloInterval"), u(&body, "TimeStamp"));
        let fail = |code: i64, msg: &str| ApiError::new(code, msg);
        let err = if a2_key.is_empty() {
            Some(fail(code::NO_A2KEY, "login reply has no A2 key"))
        } else if tiny_id.is_empty() {
            Some(fail(code::NO_TINYID, "login reply has no TinyId"))
        } else {
            None
        };
        if let Some(err) = err {
            self.fail(Purpose::Login { call }, err, now);
            return;
        }
        if ts > 0 {
            self.offset_ms = (ts as i64) * 1000 - now as i64;
        }
        self.s.a2 = a2_key.clone();
        self.s.tiny_id = tiny_id.clone();
        self.s.inst_id = inst_id;
        self.s.hello_interval_ms = if hello == 0 { 120_000 } else { hello * 1000 };
        self.s.next_hello = now + self.s.hello_interval_ms;
        let Some(call) = call else { return };
        self.login = Login::In;
        self.s.cache_deadline = now + CACHE_WAIT_MS;
        let data = obj! {"actionStatus": &body["ActionStatus"].as_str().unwrap_or("OK"), "errorCode": 0, "errorInfo": &s(&body, "ErrorInfo"), "a2Key": &a2_key, "tinyID": &tiny_id, "instanceID": &inst_id, "helloInterval": &hello, "timeStamp": &ts, "repeatLogin": false};
        self.settle(call, Ok(data));
        // The login sequence of tim-js.js 2.27.6 (WIRE.md §3.1), without the friendship module
        // and without telemetry.
        let me = self.s.user.clone();
        self.read_my_profile(now);
        self.request(
            cmd::BLACK_LIST_GET,
            obj! {"From_Account": &me, "StartIndex": 0, "MaxLimited": 100, "LastSequence": 0},
            Purpose::Ignore,
            now,
        );
        self.page_get(None, now);
        self.request(cmd::AUTHKEY, obj! {}, Purpose::Ignore, now);
        self.s.getmsg_wanted = true;
        self.getmsg(now);
        self.request(
            cmd::FETCH_CONFIG,
            obj! {"uint32_sdkappid": &self.cfg.sdk_app_id, "uint64_version": 0},
            Purpose::Ignore,
            now,
        );
        self.warm_ready(now);
    }

    /// Conversation list and C2C sync (login and every reconnect).
    fn sync_all(&mut self, now: u64) {
        // How far the app has each group before the conversation list names what is newer.
        self.group_sync_begin();
        self.page_get(None, now);
        self.s.getmsg_wanted = true;
        self.getmsg(now);
    }

    /// One `page_get`: the first page of a sync (`None`: since the last complete sync's
    /// `TimeStamp`), or the next one after `reply`, with the four cursors it carries.
    fn page_get(&mut self, reply: Option<&Value>, now: u64) {
        let cursor = |k: &str| reply.map_or(0, |r| u(r, k));
        if reply.is_none() {
            self.s.page_full = self.s.page_ts == 0;
            self.s.page_seen.clear();
        }
        let ts = reply.map_or(self.s.page_ts, |r| u(r, "TimeStamp"));
        let body = obj! {"From_Account": &self.s.user, "TimeStamp": &ts, "StartIndex": &cursor("StartIndex"), "TopTimeStamp": &cursor("TopTimeStamp"), "TopStartIndex": &cursor("TopStartIndex"), "OrderType": 1, "MsgAssistFlags": 4, "AssistFlags": 15};
        self.request(cmd::PAGE_GET, body, Purpose::PageGet, now);
    }

    fn page_reply(&mut self, body: Value, now: u64) {
        for item in body["SessionItem"].as_array().into_iter().flatten() {
            let Some(id) = conversations::contact_id(item) else { continue };
            let before = self.s.conversations.get(&id).cloned();
            let was_dirty = self.s.dirty_convs.contains(&id);
            self.page_item(item, now);
            // An item that changed nothing is not written to the cache again (a warm start's
            // sync would otherwise rewrite every cached conversation).
            if before.is_some() && !was_dirty && self.s.conversations.get(&id) == before.as_ref() {
                self.s.dirty_convs.retain(|c| *c != id);
            }
            self.s.page_seen.insert(id);
        }
        if u(&body, "CompleteFlag") == 1 {
            self.s.page_ts = u(&body, "TimeStamp");
            if std::mem::take(&mut self.s.page_full) {
                self.drop_unlisted_cached();
            }
            self.page_done(now);
        } else {
            self.page_get(Some(&body), now);
        }
    }

    /// One `SessionItem` of a `page_get` reply into the conversation list.
    fn page_item(&mut self, item: &Value, now: u64) {
        if u(item, "Type") == 2 {
            self.group_session_item(item, now);
            self.contact_extras(item, &format!("{CONV_GROUP}{}", s(item, "ToAccount")));
            return;
        }
        let peer = s(item, "To_Account");
        if u(item, "Type") != 1 || peer.is_empty() || peer.starts_with("@TLS#") {
            return;
        }
        let last = &item["LastMsg"];
        let from = s(item, "LastC2CMsgFromAccount");
        let wire = C2cMsg {
            to_account: if from == self.s.user { peer.clone() } else { self.s.user.clone() },
            from_account: from,
            msg_seq: u(item, "MsgSeq"),
            msg_random: u(item, "MsgRandom"),
            msg_time_stamp: u(item, "MsgTime"),
            msg_body: last["MsgBody"].as_array().map(|a| a.iter().map(elem_from_json).collect()).unwrap_or_default(),
            msg_flag_bits: u(item, "LastMsgFlags") as u32,
            cloud_custom_data: s(last, "CloudCustomData"),
            ..Default::default()
        };
        let last = Message::from_c2c(&wire, &self.s.user);
        let (nick, image) = (s(item, "C2cNick"), s(item, "C2cImage"));
        let intl = self.intl();
        let conv = self.conversation(&peer);
        conv.peer_read_time = conv.peer_read_time.max(u(item, "C2cPeerReadTime"));
        conv.is_pinned = u(item, "TopFlags") == 1;
        if !nick.is_empty() {
            conv.user_profile["nick"] = val(&nick);
        }
        if !image.is_empty() {
            conv.user_profile["avatar"] = val(&image);
        }
        if wire.msg_time_stamp > 0 {
            conv.offer_last(&last, intl);
        }
        let id = format!("{CONV_C2C}{peer}");
        self.contact_extras(item, &id);
        self.touch_conv(&id);
    }

    fn page_done(&mut self, now: u64) {
        if self.s.page_done {
            return;
        }
        self.s.page_done = true;
        self.sync_conv_groups(0, now);
        self.request(cmd::GET_C2C_PEER_MUTE_NOTIFICATIONS, obj! {"UpdateSeq": 0}, Purpose::Ignore, now);
        self.joined_group_list(None, now);
        self.request(cmd::FETCH_PURCHASE_BITS, obj! {"uint32_sdkappid": &self.cfg.sdk_app_id}, Purpose::Ignore, now);
        // While the cache is still loading, SDK_READY waits for it (see cache::warm_ready).
        if !self.s.ready && self.s.cache_loaded {
            self.s.ready = true;
            self.emit(ev::SDK_READY, None);
            self.conv_changed();
        }
    }

    fn getmsg(&mut self, now: u64) {
        if !self.s.cache_loaded || self.s.getmsg_running || !self.s.getmsg_wanted {
            return;
        }
        self.s.getmsg_wanted = false;
        self.s.getmsg_running = true;
        // Without a cached cursor the first sync is the whole stream: nothing to announce.
        self.s.resume &= self.s.synced || !self.s.cookie.is_empty();
        let online = u32::from(std::mem::take(&mut self.s.online_sync));
        let body = obj! {"Cookie": &self.s.cookie, "SyncFlag": 0, "NeedAbstract": 1, "IsOnlineSync": &online, "NeedSignaling": 1};
        self.request(cmd::GETMSG, body, Purpose::GetMsg, now);
    }

    fn getmsg_reply(&mut self, body: Value, now: u64) {
        let cookie = s(&body, "Cookie");
        let sync_flag = u(&body, "SyncFlag");
        let pairs: Vec<(String, u64)> = body["C2CPairUnreadCount"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| (s(p, "From_Account"), u(p, "UnreadCount")))
            .collect();
        // The first sync after login does not raise MESSAGE_RECEIVED; later ones do. After a
        // warm start the app is ready before this sync, and a session resumed from a cached
        // cursor (the tab sharing layer taking over) has tabs that saw nothing after it: both
        // hear of everything new.
        let announce = self.s.synced || self.s.resume || self.s.store.warm;
        let mut fresh = Vec::new();
        let mut peers = Vec::new();
        for m in body["MsgList"].as_array().into_iter().flatten() {
            let (no_unread, no_last) = control_flags(m);
            let keep = self.last_of(&format!("{CONV_C2C}{}", c2c_peer(m, &self.s.user)), no_last);
            // getmsg lists use natural addresses; IsSyncMsg means nothing here (WIRE.md §4.3).
            let m = C2cMsg { is_sync_msg: 0, ..c2c_from_json(m) };
            if let Some(msg) = self.accept(&m, !no_unread) {
                self.restore_last(&msg.conversation_id, keep);
                if msg.flow == "in" {
                    peers.push(msg.peer().to_string());
                }
                fresh.push(msg);
            }
        }
        // C2CPairUnreadCount is authoritative for every peer it lists and for the peers whose
        // messages this page carried.
        for peer in peers {
            if !pairs.iter().any(|(p, _)| *p == peer) {
                self.conversation(&peer).unread_count = 0;
            }
        }
        // Notices kept while the user was offline: the first sync after login files them in
        // `@TIM#SYSTEM` without MESSAGE_RECEIVED, unread or side effects (tim-js-sdk treats
        // them as not instant); later syncs deliver them like pushes.
        self.s.quiet = !announce;
        for item in body["EventArray"].as_array().into_iter().flatten() {
            self.event_item(item, now);
        }
        self.s.quiet = false;
        for (peer, count) in pairs {
            let conv = self.conversation(&peer);
            if conv.unread_count != count {
                conv.unread_count = count;
                self.touch_conv(&format!("{CONV_C2C}{peer}"));
            }
        }
        if !cookie.is_empty() {
            self.s.cookie = cookie.clone();
            self.s.meta_dirty = true;
        }
        let fresh: Vec<Value> = fresh.iter().filter(|m| !self.seen_before_reload(m)).map(Message::to_json).collect();
        if announce && !fresh.is_empty() {
            self.emit(ev::MESSAGE_RECEIVED, Some(Value::Array(fresh)));
        }
        if sync_flag != 2 && !cookie.is_empty() {
            let body = obj! {"Cookie": &cookie, "SyncFlag": &sync_flag, "NeedAbstract": 1, "IsOnlineSync": 0, "NeedSignaling": 1};
            self.request(cmd::GETMSG, body, Purpose::GetMsg, now);
        } else {
            self.s.getmsg_running = false;
            self.s.synced = true;
            self.getmsg(now);
        }
    }

    /// Take a wire message into the conversation state. Returns it when it is new.
    fn accept(&mut self, m: &C2cMsg, count_unread: bool) -> Option<Message> {
        // A message must name both ends, one of them this user; anything else is dropped.
        let me = self.s.user.as_str();
        if m.from_account.is_empty() || m.to_account.is_empty() || (m.from_account != me && m.to_account != me) {
            return None;
        }
        let msg = Message::from_c2c(m, &self.s.user);
        if self.sending(&msg.id) {
            return None;
        }
        let conv_id = msg.conversation_id.clone();
        let peer = msg.peer().to_string();
        let hist = self.s.history.entry(conv_id.clone()).or_default();
        if !hist.insert(msg.clone()) {
            return None;
        }
        let is_in = msg.flow == "in";
        let intl = self.intl();
        let peer_read = {
            let conv = self.conversation(&peer);
            conv.offer_last(&msg, intl);
            if is_in && count_unread {
                conv.unread_count += 1;
            }
            if !is_in && msg.nick.is_empty() {
                // keep our own nick off the peer profile
            } else if is_in && !msg.nick.is_empty() {
                conv.user_profile["nick"] = val(&msg.nick);
            }
            conv.peer_read_time
        };
        let mut msg = msg;
        if !is_in && msg.time <= peer_read {
            msg.is_peer_read = true;
        }
        self.touch_conv(&conv_id);
        self.s.dirty_msgs.push(msg.clone());
        Some(msg)
    }

    /// A `sendmsg` / `send_group_msg` of message `id` waits for its reply. A copy of the message
    /// that comes back before it (the server echoing it to the sending socket) is not a received
    /// message: tim-js-sdk drops what this instance sent, and the reply files it.
    fn sending(&self, id: &str) -> bool {
        self.pending.values().any(|p| matches!(&p.purpose, Purpose::Send { id: sent, .. } if sent == id))
    }

    fn push(&mut self, frame: &Value, now: u64) {
        let body = &frame["body"];
        if body["NeedAck"].as_u64() == Some(1) {
            let ack = obj! {"SessionData": &body["SessionData"]};
            let head = self.head(cmd::MSG_PUSH_ACK, now);
            if self.open {
                self.push_send(json_text(&obj! {"head": &head, "body": &ack}));
            }
        }
        if body["Flag"].as_u64() == Some(1) && self.login == Login::In {
            self.s.online_sync = true;
            self.s.getmsg_wanted = true;
            self.getmsg(now);
        }
        if frame["head"]["servcmd"] == "StatSvc.KickOther" && self.login == Login::In {
            self.send_login(None, now);
            self.sync_all(now);
            return;
        }
        for item in body["EventArray"].as_array().into_iter().flatten() {
            self.event_item(item, now);
        }
    }

    fn event_item(&mut self, item: &Value, now: u64) {
        if self.login != Login::In {
            return;
        }
        if let Some(list) = item["RecentContactMod"].as_array() {
            self.recent_contact_mod(list);
        }
        if let Some(list) = item["ProfileDataMod"].as_array() {
            self.profile_push(list, now);
        }
        if u(item, "C2CReadAllMsg") == 1 {
            self.clear_all_unread(true, false);
        }
        if let Some(list) = item["C2cMsgArray"].as_array() {
            let mut fresh = Vec::new();
            for m in list {
                let (no_unread, no_last) = control_flags(m);
                let keep = self.last_of(&format!("{CONV_C2C}{}", c2c_peer(m, &self.s.user)), no_last);
                if let Some(msg) = self.accept(&c2c_from_json(m), !no_unread) {
                    self.restore_last(&msg.conversation_id, keep);
                    fresh.push(msg.to_json());
                }
            }
            if !fresh.is_empty() {
                self.emit(ev::MESSAGE_RECEIVED, Some(Value::Array(fresh)));
            }
        }
        let mut fresh = Vec::new();
        for m in item["GroupMsgArray"].as_array().into_iter().flatten() {
            if let Some(msg) = self.accept_group_msg(m, true) {
                fresh.push(msg);
            }
        }
        let event = u(item, "Event");
        for t in item["GroupTips"].as_array().into_iter().flatten() {
            if let Some(msg) = self.group_tips_item(event, t, now) {
                fresh.push(msg);
            }
        }
        if !fresh.is_empty() && !self.s.quiet {
            sort_by_key2(&mut fresh, |m| (m.sequence, 0));
            let data = fresh.iter().map(Message::to_json).collect();
            self.emit(ev::MESSAGE_RECEIVED, Some(Value::Array(data)));
        }
        for n in item["C2cNotifyMsgArray"].as_array().into_iter().flatten() {
            if let Some(k) = n.get("KickoutMsgNotify") {
                self.kick_type(k["KickType"].as_u64().unwrap_or(1), now);
                return;
            }
            if let Some(r) = n.get("C2cReadedReceipt") {
                self.peer_read(r, now);
            }
            if let Some(r) = n.get("ReadC2cMsgNotify") {
                for p in r["UinPairReadArray"].as_array().into_iter().flatten() {
                    let peer = s(p, "From_Account");
                    let conv = self.conversation(&peer);
                    if conv.unread_count != 0 {
                        conv.unread_count = 0;
                        self.touch_conv(&format!("{CONV_C2C}{peer}"));
                    }
                }
            }
        }
    }

    fn peer_read(&mut self, r: &Value, _now: u64) {
        let reader = s(r, "To_Account");
        let t = r["UinPairReadArray"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["LastReadTime"].as_u64())
            .max()
            .unwrap_or(0);
        if reader.is_empty() || t == 0 {
            return;
        }
        let conv_id = format!("{CONV_C2C}{reader}");
        self.conversation(&reader).peer_read_time = t;
        let mut read = Vec::new();
        if let Some(h) = self.s.history.get_mut(&conv_id) {
            for m in h.msgs.iter_mut().filter(|m| m.flow == "out" && !m.is_peer_read && m.time <= t) {
                m.is_peer_read = true;
                read.push(m.clone());
            }
        }
        self.touch_conv(&conv_id);
        if !read.is_empty() {
            self.s.dirty_msgs.extend(read.iter().cloned());
            let data = read.iter().map(Message::to_json).collect();
            self.emit(ev::MESSAGE_READ_BY_PEER, Some(Value::Array(data)));
        }
    }

    fn kick_type(&mut self, kind: u64, now: u64) {
        match kind {
            2 => self.kicked("multipleDevice", code::KICKED_OUT_MULT_DEVICE, true, now),
            3 => self.kicked("REST_API_Kick", code::KICKED_OUT_REST_API, true, now),
            _ => self.kicked("multipleAccount", code::KICKED_OUT_MULT_ACCOUNT, true, now),
        }
    }

    fn kicked(&mut self, kind: &str, reason: i64, send_logout: bool, now: u64) {
        if self.login != Login::In {
            return;
        }
        if send_logout {
            self.request(cmd::WSLOGOUT, obj! {"wslogout_type": 1}, Purpose::Ignore, now);
        }
        self.flush_persist();
        self.end_session(reason);
        self.emit(ev::KICKED_OUT, Some(obj! {"type": &kind}));
        self.emit(ev::SDK_NOT_READY, None);
    }

    fn end_session(&mut self, reason: i64) {
        // Calls still waiting for the server are rejected, not left hanging.
        let dropped: Vec<Purpose> = self
            .pending
            .iter()
            .filter(|(_, p)| !matches!(p.purpose, Purpose::Heartbeat | Purpose::Ignore))
            .map(|(_, p)| p.purpose.clone())
            .collect();
        self.pending.retain(|_, p| matches!(p.purpose, Purpose::Heartbeat | Purpose::Ignore));
        for purpose in dropped {
            let call = match purpose {
                Purpose::Login { call }
                | Purpose::Group { call, .. }
                | Purpose::Conv { call, .. }
                | Purpose::Profile { call, .. } => call,
                Purpose::Send { call, .. } | Purpose::Roam { call, .. } | Purpose::Read { call } => Some(call),
                _ => None,
            };
            if let Some(call) = call {
                self.settle(call, Err(ApiError::new(reason, "the session ended before the server answered")));
            }
        }
        self.s = Session::default();
        self.login = Login::Out(reason);
        self.throttle.clear();
    }

    // -------------------------------------------------------- conversations

    fn conversation(&mut self, peer: &str) -> &mut Conversation {
        self.s.conversations.entry(format!("{CONV_C2C}{peer}")).or_insert_with(|| Conversation::c2c(peer))
    }

    fn touch_conv(&mut self, id: &str) {
        if !self.s.dirty_convs.iter().any(|c| c == id) {
            self.s.dirty_convs.push(id.to_string());
        }
        self.conv_changed();
    }

    fn conv_changed(&mut self) {
        for name in [ev::CONVERSATION_LIST_UPDATED, ev::TOTAL_UNREAD] {
            self.throttle.entry(name).or_insert((0, false)).1 = true;
        }
    }

    fn total_unread(&self) -> u64 {
        self.unread_total()
    }

    /// The last message of conversation `id`, to put back after a message sent with
    /// `excludedFromLastMessage` (when `keep`).
    fn last_of(&self, id: &str, keep: bool) -> Option<(Value, u64)> {
        let c = self.s.conversations.get(id).filter(|_| keep);
        Some(c.map_or((obj! {}, 0), |c| (c.last_message.clone(), c.last_time))).filter(|_| keep)
    }

    fn restore_last(&mut self, id: &str, keep: Option<(Value, u64)>) {
        if let (Some((last, time)), Some(c)) = (keep, self.s.conversations.get_mut(id)) {
            c.last_message = last;
            c.last_time = time;
        }
    }

    /// Emit the coalesced list events: at most one per second each, with a trailing emit.
    fn flush_throttled(&mut self, now: u64, force: bool) {
        if !self.s.ready && !self.s.cache_loaded {
            return;
        }
        for name in [ev::CONVERSATION_LIST_UPDATED, ev::TOTAL_UNREAD, ev::GROUP_LIST_UPDATED] {
            let Some(&(last, dirty)) = self.throttle.get(name) else { continue };
            if !dirty || !(force || now.saturating_sub(last) >= EVENT_THROTTLE_MS || last == 0) {
                continue;
            }
            if name == ev::TOTAL_UNREAD && !self.s.ready {
                continue;
            }
            self.throttle.insert(name, (now.max(1), false));
            if name == ev::TOTAL_UNREAD {
                // Emitted when the number changes only.
                let total = self.total_unread();
                if self.s.last_total.replace(total) == Some(total) {
                    continue;
                }
            }
            let data = if name == ev::TOTAL_UNREAD {
                val(self.total_unread())
            } else if name == ev::GROUP_LIST_UPDATED {
                self.group_list()
            } else {
                let json = self.list_json();
                self.out.push_back(Output::EmitText { name: name.into(), json });
                continue;
            };
            self.emit(name, Some(data));
        }
    }

    fn flush_persist(&mut self) {
        let s = &mut self.s;
        if s.user.is_empty()
            || (s.dirty_convs.is_empty()
                && s.dirty_msgs.is_empty()
                && !s.meta_dirty
                && !s.groups_dirty
                && !self.outbox_dirty())
        {
            return;
        }
        let s = &mut self.s;
        let conversations = std::mem::take(&mut s.dirty_convs)
            .iter()
            .filter_map(|id| s.conversations.get(id))
            .map(Conversation::to_json)
            .collect();
        let dirty = std::mem::take(&mut s.dirty_msgs);
        s.store.note_written(dirty.iter().map(|m| m.id.as_str()));
        let messages = dirty.iter().map(Message::to_json).collect();
        // The meta record changes with the cursor and with the IDs of written messages.
        let meta = if std::mem::take(&mut s.meta_dirty) || !dirty.is_empty() {
            let recent: Vec<Value> = s.store.recent.iter().map(val).collect();
            obj! {"cookie": &s.cookie, "recent": Value::Array(recent)}
        } else {
            Value::Null
        };
        let (outbox, outbox_delete) =
            (std::mem::take(&mut s.store.outbox_put), std::mem::take(&mut s.store.outbox_delete));
        let groups = std::mem::take(&mut s.groups_dirty).then(|| s.groups.values().cloned().collect());
        let out =
            Output::Persist { user: s.user.clone(), conversations, messages, meta, outbox, outbox_delete, groups };
        self.out.push_back(out);
    }

    // ------------------------------------------------------------------- API

    fn not_ready(&mut self) -> Option<ApiError> {
        let reason = match self.login {
            Login::In if self.s.ready => return None,
            Login::In | Login::InProgress { .. } => code::LOGGING_IN,
            Login::Out(r) => r,
        };
        let message = match reason {
            code::LOGGING_IN => "login is in progress; wait for SDK_READY",
            code::USER_NOT_LOGGED_IN => "not logged in: call login() and wait for SDK_READY",
            _ => "this instance was kicked out; call login() again",
        };
        let err = ApiError::new(reason, message);
        self.emit(ev::ERROR, Some(obj! {"code": &err.code, "message": &err.message}));
        Some(err)
    }

    /// Call the API method `method` with its JS arguments (an array).
    pub fn call(&mut self, method: &str, args: Value, now: u64) -> CallResult {
        if self.destroyed {
            return CallResult::Done(Err(ApiError::new(code::INVALID_OPERATION, "instance destroyed")));
        }
        let a = args.get(0).cloned().unwrap_or(Value::Null);
        let r = match method {
            "login" => self.login(a, now),
            "logout" => self.logout(now),
            "destroy" => self.destroy(now),
            _ => {
                if let Some(err) = self.not_ready() {
                    return CallResult::Done(Err(err));
                }
                match method {
                    "createTextMessage" | "createTextAtMessage" | "createCustomMessage" => {
                        self.create_message(method, a, now)
                    }
                    "sendMessage" => self.send_message(a, args.get(1).cloned().unwrap_or(Value::Null), now),
                    "getMessageList" => self.get_message_list(a, now),
                    "setMessageRead" => self.set_message_read(a, now),
                    "_checkReady" => CallResult::Done(Ok(Value::Null)),
                    _ => self
                        .conv_call(method, &args, now)
                        .or_else(|| self.group_call(method, &a, now))
                        .or_else(|| self.room_call(method, &a, now))
                        .or_else(|| self.profile_call(method, &a, now))
                        .unwrap_or_else(|| {
                            CallResult::Done(Err(ApiError::new(
                                code::CANNOT_FIND_PROTOCOL,
                                format!("unknown method {method}"),
                            )))
                        }),
                }
            }
        };
        self.flush_throttled(now, false);
        self.flush_persist();
        r
    }

    fn pending_call(&mut self) -> u64 {
        let c = self.next_call;
        self.next_call += 1;
        c
    }

    fn login(&mut self, a: Value, now: u64) -> CallResult {
        let user = s(&a, "userID");
        let sig = s(&a, "userSig");
        if user.is_empty() {
            return CallResult::Done(Err(ApiError::new(code::NO_IDENTIFIER, "login needs userID")));
        }
        if sig.is_empty() {
            return CallResult::Done(Err(ApiError::new(code::NO_USERSIG, "login needs userSig")));
        }
        match self.login {
            Login::In if self.s.user == user => {
                return CallResult::Done(Ok(
                    obj! {"actionStatus": "OK", "errorCode": 0, "errorInfo": &format!("{user} is already logged in"), "repeatLogin": true},
                ));
            }
            Login::In => {
                return CallResult::Done(Err(ApiError::new(
                    code::REPEAT_LOGIN,
                    "another user is logged in; call logout() first",
                )))
            }
            Login::InProgress { .. } => {
                return CallResult::Done(Err(ApiError::new(code::REPEAT_LOGIN, "a login is already in progress")))
            }
            Login::Out(_) => {}
        }
        let call = self.pending_call();
        let resume = a["_resume"].as_bool() == Some(true);
        self.s = Session { user: user.clone(), user_sig: sig, resume, ..Session::default() };
        self.login = Login::InProgress { call, sent: self.open };
        self.out.push_back(Output::LoadCache { user });
        if self.open {
            self.send_login(Some(call), now);
        } else if !self.connecting && self.reconnect_at.is_none() {
            self.schedule_reconnect(now);
        }
        self.net_state = "";
        self.set_net_state(if self.open { "connected" } else { "connecting" });
        CallResult::Pending(call)
    }

    fn logout(&mut self, now: u64) -> CallResult {
        if matches!(self.login, Login::Out(_)) {
            // As tim-js-sdk: logout (and destroy) when not logged in reject with 2024.
            return CallResult::Done(Err(ApiError::new(code::USER_NOT_LOGGED_IN, "not logged in")));
        }
        let call = self.pending_call();
        let was_ready = self.s.ready;
        self.request(cmd::WSLOGOUT, obj! {"wslogout_type": 0}, Purpose::Ignore, now);
        self.flush_persist();
        self.end_session(code::USER_NOT_LOGGED_IN);
        if was_ready {
            self.emit(ev::SDK_NOT_READY, None);
        }
        self.settle(call, Ok(obj! {}));
        CallResult::Pending(call)
    }

    fn destroy(&mut self, now: u64) -> CallResult {
        let result = match self.logout(now) {
            CallResult::Done(Err(e)) => Err(e),
            _ => Ok(obj! {}),
        };
        self.destroyed = true;
        self.out.push_back(Output::Close { socket: self.socket, code: 4000 });
        self.open = false;
        self.emit(ev::SDK_DESTROY, Some(obj! {"SDKAppID": &self.cfg.sdk_app_id}));
        CallResult::Done(result)
    }

    fn next_msg_seq(&mut self, now: u64) -> u64 {
        if self.msg_seq == 0 {
            let local = (now / 1000) as i64 + self.cfg.tz_offset_min * 60;
            let day = local.rem_euclid(86_400) as u64;
            let (h, m, sec) = (day / 3600, day % 3600 / 60, day % 60);
            let hh = if h < 10 { 30 + h } else { h };
            self.msg_seq = ((hh * 100 + m) * 100 + sec) * 10_000;
        }
        self.msg_seq += 1;
        self.msg_seq
    }

    fn create_message(&mut self, method: &str, a: Value, now: u64) -> CallResult {
        let to = s(&a, "to");
        let conv_type = a["conversationType"].as_str().unwrap_or("");
        let p = &a["payload"];
        if to.is_empty() || !p.is_object() {
            return CallResult::Throw("Params validate failed.".into());
        }
        if conv_type != CONV_C2C && conv_type != CONV_GROUP {
            return CallResult::Done(Err(ApiError::new(
                code::MESSAGE_SEND_INVALID_CONVERSATION_TYPE,
                "conversationType must be TIM.TYPES.CONV_C2C or CONV_GROUP",
            )));
        }
        let at_users: Vec<String> = if method == "createTextAtMessage" {
            p["atUserList"].as_array().into_iter().flatten().filter_map(|u| u.as_str().map(str::to_string)).collect()
        } else {
            Vec::new()
        };
        let (kind, payload, content) = if method != "createCustomMessage" {
            let Some(text) = p["text"].as_str().filter(|t| !t.is_empty()) else {
                return CallResult::Throw("Params validate failed.".into());
            };
            let payload = if method == "createTextAtMessage" {
                obj! {"text": &text, "atUserList": &at_users}
            } else {
                obj! {"text": &text}
            };
            (MSG_TEXT, payload, obj! {"Text": &text})
        } else {
            let field = |k: &str| p[k].as_str().unwrap_or("").to_string();
            let (d, desc, ext) = (field("data"), field("description"), field("extension"));
            (
                MSG_CUSTOM,
                obj! {"data": &d, "description": &desc, "extension": &ext},
                obj! {"Data": &d, "Desc": &desc, "Ext": &ext},
            )
        };
        let draft = Draft {
            to,
            conversation_type: conv_type.into(),
            kind: kind.into(),
            payload,
            elements: vec![MsgElem { msg_type: kind.into(), msg_content: content }],
            priority: a["priority"].as_str().unwrap_or("Normal").to_string(),
            cloud_custom_data: s(&a, "cloudCustomData"),
            need_read_receipt: a["needReadReceipt"].as_bool().unwrap_or(false),
        };
        let client_time = self.server_secs(now);
        let random = self.rand() % 100_000_000;
        let seq = self.next_msg_seq(now);
        let mut msg = Message::outgoing(draft, &self.s.user, &self.s.tiny_id, client_time, random, seq);
        msg.nick = self.s.nick.clone();
        msg.avatar = self.s.avatar.clone();
        msg.at_user_list = at_users;
        if conv_type == CONV_GROUP {
            // A group message's sequence is assigned by the server; clientSequence is ours.
            msg.sequence = 0;
        }
        let v = msg.to_json();
        self.s.drafts.insert(msg.id.clone(), msg);
        CallResult::Done(Ok(v))
    }

    fn send_message(&mut self, m: Value, opts: Value, now: u64) -> CallResult {
        let id = s(&m, "ID");
        let sent =
            self.s.history.get(&s(&m, "conversationID")).and_then(|h| h.position(&id).map(|i| h.msgs[i].clone()));
        if let Some(sent) = sent.filter(|m| m.status == "success" && m.flow == "out") {
            return CallResult::Done(Ok(obj! {"message": &sent.to_json()}));
        }
        let Some(msg) = self.s.drafts.get_mut(&id) else {
            return CallResult::Done(Err(ApiError::new(
                code::MESSAGE_SEND_NEED_MESSAGE_INSTANCE,
                "sendMessage needs a Message created by this instance",
            )));
        };
        msg.status = "unSend".into();
        let msg = msg.clone();
        if !self.open {
            return self.queue_offline(msg, opts, now);
        }
        let online_only = opts["onlineUserOnly"].as_bool().unwrap_or(false);
        let mut control = Vec::new();
        if opts["messageControlInfo"]["excludedFromUnreadCount"].as_bool() == Some(true) {
            control.push("NoUnread");
        }
        if opts["messageControlInfo"]["excludedFromLastMessage"].as_bool() == Some(true) {
            control.push("NoLastMsg");
        }
        if msg.conversation_type == CONV_GROUP {
            return self.send_group_message(&msg, &opts, control, now);
        }
        let push = &opts["offlinePushInfo"];
        let mut body = obj! {"From_Account": &self.s.user, "To_Account": &msg.to, "MsgSeq": &msg.sequence, "MsgRandom": &msg.random, "MsgBody": &elems_to_json(&msg.elements), "CloudCustomData": &msg.cloud_custom_data, "From_AccountNick": &self.s.nick, "From_AccountHeadurl": &self.s.avatar, "OfflinePushInfo": obj!{"PushFlag": &u32::from(push["disablePush"].as_bool().unwrap_or(false)), "Title": &s(push, "title"), "Desc": &s(push, "description"), "Ext": &s(push, "extension"), "ApnsInfo": obj!{"BadgeMode": &u32::from(push["ignoreIOSBadge"].as_bool().unwrap_or(false))}, "AndroidInfo": obj!{"OPPOChannelID": &s(push, "androidOPPOChannelID")}}, "SendMsgControl": &control, "MsgClientTime": &msg.client_time, "IsNeedReadReceipt": &u32::from(msg.need_read_receipt), "SupportMessageExtension": 0};
        if online_only {
            body["MsgLifeTime"] = val(0);
        }
        let call = self.pending_call();
        self.request(cmd::SENDMSG, body, Purpose::Send { call, id }, now);
        CallResult::Pending(call)
    }

    fn send_reply(&mut self, call: u64, id: String, body: Value, now: u64) {
        let (msg_time, msg_key) = (u(&body, "MsgTime"), s(&body, "MsgKey"));
        // A sent message leaves the drafts for the conversation's history.
        let Some(mut msg) = self.s.drafts.remove(&id) else { return };
        msg.status = "success".into();
        msg.time = msg_time;
        let conv_id = msg.conversation_id.clone();
        let peer = msg.to.clone();
        let group = msg.conversation_type == CONV_GROUP;
        if group {
            msg.sequence = u(&body, "MsgSeq");
        } else {
            msg.message_key = if msg_key.is_empty() {
                tim_proto::msg::c2c_msg_key(msg.sequence, msg.random, msg_time)
            } else {
                msg_key
            };
        }
        if self.s.history.entry(conv_id.clone()).or_default().insert(msg.clone()) {
            let intl = self.intl();
            if group {
                self.group_conversation(&peer).offer_last(&msg, intl);
                if let Some(g) = self.s.groups.get_mut(&peer) {
                    g["nextMessageSeq"] = val(&msg.sequence + 1);
                }
            } else {
                self.conversation(&peer).offer_last(&msg, intl);
            }
            self.touch_conv(&conv_id);
            self.s.dirty_msgs.push(msg.clone());
        }
        self.settle(call, Ok(obj! {"message": &msg.to_json()}));
        if !group {
            self.ask_peer_read_time(&peer, now);
        }
    }

    /// Ask once per peer for the time up to which the peer has read (WIRE.md §4.4).
    fn ask_peer_read_time(&mut self, peer: &str, now: u64) {
        if self.s.peer_read_asked.iter().any(|p| p == peer) {
            return;
        }
        self.s.peer_read_asked.push(peer.to_string());
        self.request(
            cmd::GET_PEER_READ_TIME,
            obj! {"To_Account": Value::Array(vec![val(peer)])},
            Purpose::PeerReadTime,
            now,
        );
    }

    fn get_message_list(&mut self, a: Value, now: u64) -> CallResult {
        let id = s(&a, "conversationID");
        if id.starts_with(CONV_GROUP) && id.len() > CONV_GROUP.len() || id == CONV_SYSTEM {
            let count = a["count"].as_u64().unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
            let cursor = a["nextReqMessageID"].as_str().filter(|c| !c.is_empty()).map(str::to_string);
            if let Some(r) = self.read_cache_first(&id, &a, cursor.as_deref(), count) {
                return r;
            }
            if self.stale_top(&id, cursor.as_deref()) {
                let call = self.pending_call();
                self.group_history_request(call, id, cursor, count, 0, now);
                return CallResult::Pending(call);
            }
            if let Some(done) = self.page_from_cache(&id, cursor.as_deref(), count, id == CONV_SYSTEM) {
                return CallResult::Done(Ok(done));
            }
            let below = self.group_gap_below(&id, cursor.as_deref());
            let call = self.pending_call();
            self.group_history_request(call, id, cursor, count, below, now);
            return CallResult::Pending(call);
        }
        let (conv, peer) = match c2c_conversation(&a) {
            Ok(v) => v,
            Err(r) => return r,
        };
        let count = a["count"].as_u64().unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
        let cursor = a["nextReqMessageID"].as_str().filter(|c| !c.is_empty()).map(str::to_string);
        if let Some(r) = self.read_cache_first(&conv, &a, cursor.as_deref(), count) {
            return r;
        }
        if let Some(done) = self.page_from_cache(&conv, cursor.as_deref(), count, false) {
            return CallResult::Done(Ok(done));
        }
        let (time, key) = self
            .s
            .history
            .get(&conv)
            .and_then(|h| h.msgs.first())
            .map_or((0, String::new()), |m| (m.time, m.message_key.clone()));
        let body = obj! {"Peer_Account": &peer, "MaxCnt": &count, "LastMsgTime": &time, "MsgKey": &key, "WithRecalledMsg": 1, "GetDirection": 0};
        let call = self.pending_call();
        self.request(cmd::GETROAMMSG, body, Purpose::Roam { call, conv, cursor, count }, now);
        CallResult::Pending(call)
    }

    /// A page older than `cursor` (or the newest), when the cache can answer it.
    fn page_from_cache(&self, conv: &str, cursor: Option<&str>, count: u64, force: bool) -> Option<Value> {
        let empty = History::default();
        let h = self.s.history.get(conv).unwrap_or(&empty);
        let end = match cursor {
            Some(id) => h.position(id)?,
            None => h.msgs.len(),
        };
        let count = count as usize;
        if conv.starts_with(CONV_GROUP) && !force {
            // A group page is served locally only when its sequences have no hole.
            let run = Self::contiguous_from(h, end);
            let reaches_start = run == 0 && (h.complete || h.msgs.first().is_some_and(|m| m.sequence <= 1));
            if end - run < count && !reaches_start {
                return None;
            }
        } else if end < count && !h.complete && !force {
            return None;
        }
        let start = end.saturating_sub(count);
        let page: Vec<Value> = h.msgs[start..end].iter().map(Message::to_json).collect();
        // A group conversation starts at sequence 1.
        let first_seq_one = conv.starts_with(CONV_GROUP) && h.msgs.first().is_some_and(|m| m.sequence == 1);
        let completed = start == 0 && (h.complete || first_seq_one);
        let next = if completed { String::new() } else { h.msgs.get(start).map(|m| m.id.clone()).unwrap_or_default() };
        Some(obj! {"messageList": &page, "nextReqMessageID": &next, "isCompleted": &completed})
    }

    /// The start of the run of consecutive sequences that ends just before index `end`. When
    /// `end` is a message (a page cursor), the run must join it: a hole right below the cursor
    /// makes the run empty (`end`), so the page comes from the server.
    fn contiguous_from(h: &History, end: usize) -> usize {
        if end == 0 || end > h.msgs.len() {
            return end.min(h.msgs.len());
        }
        if end < h.msgs.len() && h.msgs[end - 1].sequence + 1 != h.msgs[end].sequence {
            return end;
        }
        let mut run = end - 1;
        while run > 0 && h.msgs[run - 1].sequence + 1 == h.msgs[run].sequence {
            run -= 1;
        }
        run
    }

    /// The sequence to fetch group history below: just under the contiguous run before the
    /// cursor (0 = the newest).
    fn group_gap_below(&self, conv: &str, cursor: Option<&str>) -> u64 {
        let Some(h) = self.s.history.get(conv) else { return 0 };
        let end = match cursor {
            Some(id) => h.position(id).unwrap_or(h.msgs.len()),
            None => h.msgs.len(),
        };
        if end == 0 {
            return 0;
        }
        let run = Self::contiguous_from(h, end);
        h.msgs.get(run).map_or(0, |m| m.sequence.saturating_sub(1))
    }

    /// Settle a history call from the cache after a server page was merged into it.
    fn settle_page(&mut self, call: u64, conv: &str, cursor: Option<String>, count: u64) {
        let page = self
            .page_from_cache(conv, cursor.as_deref(), count, true)
            .unwrap_or_else(|| obj! {"messageList": Value::Array(vec![]), "nextReqMessageID": "", "isCompleted": true});
        self.settle(call, Ok(page));
    }

    fn roam_reply(&mut self, call: u64, conv: String, cursor: Option<String>, count: u64, body: Value) {
        let user = self.s.user.clone();
        let h = self.s.history.entry(conv.clone()).or_default();
        let mut added = Vec::new();
        let list = body["MsgList"].as_array().map(Vec::as_slice).unwrap_or_default();
        for m in list {
            let msg = Message::from_c2c(&C2cMsg { is_sync_msg: 0, ..c2c_from_json(m) }, &user);
            if h.insert(msg.clone()) {
                added.push(msg);
            }
        }
        if u(&body, "Complete") == 1 || list.is_empty() {
            h.complete = true;
        }
        let peer_read = self.s.conversations.get(&conv).map_or(0, |c| c.peer_read_time);
        if let Some(h) = self.s.history.get_mut(&conv) {
            for m in h.msgs.iter_mut().filter(|m| m.flow == "out" && m.time <= peer_read) {
                m.is_peer_read = true;
            }
        }
        self.s.dirty_msgs.extend(added);
        let page = self
            .page_from_cache(&conv, cursor.as_deref(), count, true)
            .unwrap_or_else(|| obj! {"messageList": Value::Array(vec![]), "nextReqMessageID": "", "isCompleted": true});
        self.settle(call, Ok(page));
    }

    fn set_message_read(&mut self, a: Value, now: u64) -> CallResult {
        let id = s(&a, "conversationID");
        if id.starts_with(CONV_GROUP) && id.len() > CONV_GROUP.len() || id == CONV_SYSTEM {
            return self.group_read(&id, now);
        }
        let (conv, peer) = match c2c_conversation(&a) {
            Ok(v) => v,
            Err(r) => return r,
        };
        // As tim-js-sdk: a conversation not in the list yet (just opened) has nothing to read.
        let Some(c) = self.s.conversations.get_mut(&conv) else {
            return CallResult::Done(Ok(obj! {}));
        };
        c.unread_count = 0;
        let last = c.last_time;
        if let Some(h) = self.s.history.get_mut(&conv) {
            for m in h.msgs.iter_mut().filter(|m| !m.is_read) {
                m.is_read = true;
            }
        }
        self.touch_conv(&conv);
        let body = obj! {"C2CMsgReaded": obj!{"Cookie": "", "C2CMsgReadedItem": Value::Array(vec![obj!{"To_Account": &peer, "LastedMsgTime": &last, "Receipt": 1}])}};
        let call = self.pending_call();
        self.request(cmd::MSGREADED, body, Purpose::Read { call }, now);
        CallResult::Pending(call)
    }
}

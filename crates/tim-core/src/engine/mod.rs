//! The engine state machine. See the crate docs for the model.

#[cfg(feature = "groups")]
mod attributes;
mod c2c;
mod cache;
mod connection;
mod conv_groups;
mod conversations;
mod events;
#[cfg(feature = "groups")]
mod group_members;
#[cfg(feature = "groups")]
mod group_msgs;
#[cfg(feature = "groups")]
mod group_sync;
#[cfg(feature = "groups")]
mod groups;
mod login;
mod profiles;
#[cfg(feature = "groups")]
mod rooms;
mod sync;
#[cfg(feature = "groups")]
mod topics;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use crate::obj;
use tim_proto::code;

use crate::model::{is_intl, Message, CONV_GROUP};

/// `TIM.VERSION`: the tim-js-sdk release whose API and wire behaviour we reproduce.
pub const SDK_VERSION: &str = "2.27.6";
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

/// A call this edition was built without (api/editions.json): a group conversation in the basic
/// edition. The method itself is absent from such an edition; this answers what reaches a
/// present method (sendMessage, getMessageList, setMessageRead) for a missing feature.
#[cfg(not(feature = "groups"))]
fn not_in_edition(feature: &str) -> ApiError {
    ApiError::new(
        code::INVALID_OPERATION,
        format!("{feature} are not in this edition of the SDK (basic.js); use tim-js.js"),
    )
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

#[derive(Debug)]
enum Purpose {
    Ignore,
    Heartbeat,
    Hello,
    Login {
        call: Option<u64>,
    },
    PageGet,
    GetMsg,
    Send {
        call: u64,
        id: String,
    },
    Roam {
        call: u64,
        conv: String,
        cursor: Option<String>,
        count: u64,
    },
    Read {
        call: u64,
    },
    PeerReadTime,
    #[cfg(feature = "groups")]
    Group {
        call: Option<u64>,
        op: groups::GroupOp,
    },
    #[cfg(feature = "groups")]
    Room {
        call: Option<u64>,
        op: rooms::RoomOp,
    },
    Conv {
        call: Option<u64>,
        op: conversations::ConvOp,
    },
    Profile {
        call: Option<u64>,
        op: profiles::ProfileOp,
    },
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
    /// C2C messages of the silent first sync's latest page: a push of one of them comes later
    /// (it was sent while the login ran) and is announced then, not dropped as known. At most
    /// one `getmsg` page.
    filed_silently: HashSet<String>,
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
    #[cfg(feature = "groups")]
    rooms: rooms::Rooms,
    /// The resync of group messages missed while offline or before a reload.
    #[cfg(feature = "groups")]
    gsync: group_sync::GroupSync,
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
    throttle: Throttle,
}

/// The list events emitted at most once a second each, and per event `(last emit, pending)`.
const THROTTLED: [&str; 3] = [ev::CONVERSATION_LIST_UPDATED, ev::TOTAL_UNREAD, ev::GROUP_LIST_UPDATED];

/// The state of the [`THROTTLED`] events (a fixed table rather than a map: three entries).
#[derive(Debug, Default)]
struct Throttle([(u64, bool); 3]);

impl Throttle {
    fn slot(name: &str) -> usize {
        THROTTLED.iter().position(|n| *n == name).unwrap_or(0)
    }
    /// `name` has something new to emit.
    fn mark(&mut self, name: &str) {
        self.0[Self::slot(name)].1 = true;
    }
    fn get(&self, name: &str) -> (u64, bool) {
        self.0[Self::slot(name)]
    }
    fn set(&mut self, name: &str, state: (u64, bool)) {
        self.0[Self::slot(name)] = state;
    }
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or("").to_string()
}

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or(0)
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
            throttle: Throttle::default(),
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
                    _ => {
                        let r = self.conv_call(method, &args, now);
                        #[cfg(feature = "groups")]
                        let r = r.or_else(|| self.group_call(method, &a, now));
                        #[cfg(feature = "groups")]
                        let r = r.or_else(|| self.room_call(method, &a, now));
                        r.or_else(|| self.profile_call(method, &a, now)).unwrap_or_else(|| {
                            CallResult::Done(Err(ApiError::new(
                                code::CANNOT_FIND_PROTOCOL,
                                format!("unknown method {method}"),
                            )))
                        })
                    }
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
}

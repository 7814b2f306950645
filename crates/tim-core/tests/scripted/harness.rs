//! The scripted platform: the engine, a fake clock and a fake server that answers only what a
//! test tells it to. No sockets, no tim-server: frames go in through `on_bytes`, and every
//! output is recorded. Replies are built as tim-server / Tencent send them (WIRE.md): they echo
//! the request's `servcmd` and `seq` (the engine matches replies on `servcmd + seq`, WIRE.md
//! §1.3) and carry `ActionStatus` / `ErrorCode` / `ErrorInfo`.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::HashSet;

pub use serde_json::{json, Value};
pub use tim_core::{ApiError, CallResult, Config, Engine, Output, SocketId};

/// The fake clock starts here (ms since the epoch; 2027).
pub const T0: u64 = 1_800_000_000_000;
pub const APP: u64 = 1_400_000_007;
/// The user the script logs in.
pub const ME: &str = "bob";
pub const MY_TINY: &str = "144115200000000002";
pub const A2: &str = "a2-key-of-bob";

/// The TinyId the fake server gives `user` (string, as on the wire).
pub fn tiny_of(user: &str) -> String {
    match user {
        ME => MY_TINY.to_string(),
        "alice" => "144115200000000001".to_string(),
        "carol" => "144115200000000003".to_string(),
        _ => "144115200000000009".to_string(),
    }
}

/// The key a reply is matched with (WIRE.md §1.3).
pub fn key(frame: &Value) -> String {
    format!("{}{}", frame["head"]["servcmd"].as_str().unwrap_or(""), frame["head"]["seq"])
}

/// `ActionStatus OK` + `extra`, as tim-server's `ok_with`.
pub fn ok(extra: Value) -> Value {
    let mut v = json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""});
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

/// A C2C message as `C2cMsgArray` / `getmsg.MsgList` carry it (WIRE.md §5.3), natural addresses.
pub fn c2c(from: &str, to: &str, seq: u64, random: u64, time: u64, text: &str) -> Value {
    json!({"From_Account": from, "To_Account": to, "MsgSeq": seq, "MsgRandom": random,
        "MsgTimeStamp": time, "MsgClientTime": time, "TinyId": tiny_of(from),
        "MsgKey": format!("{seq}_{random}_{time}"), "MsgFlagBits": 0, "IsPlaceMsg": 0,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}],
        "CloudCustomData": "", "From_AccountNick": from, "From_AccountHeadurl": ""})
}

/// The message ID the SDK gives a C2C message built by [`c2c`] (WIRE.md §5.3).
pub fn c2c_id(from: &str, random: u64, time: u64) -> String {
    format!("{}-{time}-{random}", tiny_of(from))
}

/// A group message as `GroupMsgArray` / `group_msg_get.RspMsgList` carry it (tim-server's
/// `group_msg_wire`): random and time derived from the sequence.
pub fn grp(gid: &str, from: &str, seq: u64, text: &str) -> Value {
    let time = T0 / 1000 + seq;
    json!({"From_Account": from, "ToGroupId": gid,
        "GroupInfo": {"GroupId": gid, "GroupName": "G", "GroupType": "Public", "From_AccountNick": from,
            "From_AccountHeadurl": "", "MsgFrom_AccountExtraInfo": {"NameCard": ""}},
        "MsgSeq": seq, "Random": 7_000 + seq, "MsgRandom": 7_000 + seq, "MsgTimeStamp": time, "MsgTime": time,
        "ClientSeq": seq, "MsgClientTime": time, "TinyId": tiny_of(from), "MsgPriority": "Normal",
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}], "CloudCustomData": "",
        "OnlineOnlyFlag": 0, "IsPlaceMsg": 0, "IsSystemMsg": 0, "NeedReadReceipt": 0, "MsgFlagBits": 0})
}

/// The text each group message of sequence `seq` has in these tests.
pub fn gtext(seq: u64) -> String {
    format!("g{seq:04}")
}

/// A `group_msg_get` reply from a group whose messages are `1..=last` (tim-server's
/// `group_msg_get`): descending from `ReqMsgSeq`, `ReqMsgNumber` of them.
pub fn group_history(req: &Value, last: u64) -> Value {
    let b = &req["body"];
    let gid = b["GroupId"].as_str().unwrap();
    let from = b["ReqMsgSeq"].as_u64().filter(|s| *s > 0).unwrap_or(last).min(last);
    let n = b["ReqMsgNumber"].as_u64().unwrap_or(20);
    let list: Vec<Value> = (1..=from).rev().take(n as usize).map(|q| grp(gid, "alice", q, &gtext(q))).collect();
    let lowest = list.last().map_or(0, |m| m["MsgSeq"].as_u64().unwrap());
    let finished = (list.len() as u64) < n || lowest <= 1;
    json!({"GroupId": gid, "RspMsgList": list, "IsFinished": if finished { 2 } else { 0 },
        "InvisibleMsgSeq": [], "NextReqMsgSeq": lowest.saturating_sub(1)})
}

/// A `page_get` group item (tim-server's `session_items`): the group's last message is `last`.
pub fn group_item(gid: &str, last: u64, unread: u64) -> Value {
    let time = T0 / 1000 + last;
    json!({"Type": 2, "ToAccount": gid, "MsgTime": time, "MsgSeq": last, "MsgRandom": 7_000 + last,
        "MsgGroupFrom_Account": "alice", "GroupNick": "G", "GroupImage": "",
        "LastMsg": {"MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": gtext(last)}}], "CloudCustomData": ""},
        "LastMsgFlags": 0, "UnreadMsgCount": unread, "MsgGroupReadedSeq": last - unread,
        "MsgGroupFromNickName": "alice", "MsgGroupFromCardName": "", "TopFlags": 0,
        "GroupType": "Public", "GroupNextMsgSeq": last + 1, "MsgRecvOption": 0})
}

/// A `page_get` C2C item (tim-server's conversation list) whose last message is `m` ([`c2c`]).
pub fn c2c_item(peer: &str, m: &Value) -> Value {
    json!({"Type": 1, "To_Account": peer, "MsgTime": m["MsgTimeStamp"], "MsgSeq": m["MsgSeq"],
        "MsgRandom": m["MsgRandom"], "LastC2CMsgFromAccount": m["From_Account"],
        "LastMsg": {"MsgBody": m["MsgBody"], "CloudCustomData": ""}, "LastMsgFlags": 0,
        "C2cPeerReadTime": 0, "C2cNick": peer, "C2cImage": "", "UnreadMsgCount": 0})
}

/// A joined-group list item (tim-server's `group_obj`).
pub fn joined(gid: &str, next_seq: u64) -> Value {
    json!({"GroupId": gid, "Type": "Public", "Name": "G", "FaceUrl": "", "NextMsgSeq": next_seq,
        "LastMsgTime": T0 / 1000 + next_seq - 1, "AtInfoList": [], "LastRecallTime": 0,
        "SelfInfo": {"Role": "Member", "JoinTime": T0 / 1000, "MsgFlag": "AcceptAndNotify", "MsgSeq": 0}})
}

/// `{"EventArray":[{"Event":1,"C2cMsgArray":[...]}]}`.
pub fn c2c_push(msgs: Vec<Value>) -> Value {
    json!({"EventArray": [{"Event": 1, "C2cMsgArray": msgs}]})
}

/// `{"EventArray":[{"Event":3,"GroupMsgArray":[...]}]}`.
pub fn group_push(msgs: Vec<Value>) -> Value {
    json!({"EventArray": [{"Event": 3, "GroupMsgArray": msgs}]})
}

/// What the fake server answers the login sequence with.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// `page_get` items (one page).
    pub sessions: Vec<Value>,
    /// `get_joined_group_list` items.
    pub groups: Vec<Value>,
    /// The first `getmsg` reply (one page, `SyncFlag` 2); `Cookie` defaults to `"k0"`.
    pub getmsg: Option<Value>,
}

/// The engine on a scripted platform.
pub struct Script {
    pub e: Engine,
    /// The fake clock, ms.
    pub now: u64,
    /// The socket of the last `Connect`.
    pub socket: SocketId,
    pub open: bool,
    /// Every frame sent, parsed, in order.
    pub sent: Vec<Value>,
    /// Keys of requests answered (or deliberately left unanswered, see [`Script::forget`]).
    answered: HashSet<String>,
    /// Every event `(name, data)` emitted (`EmitText` parsed), in order; tests drain them.
    pub events: Vec<(String, Option<Value>)>,
    /// Every settlement, in order.
    pub settled: Vec<(u64, Result<Value, ApiError>)>,
    /// Every `Connect`: `(time, socket)`.
    pub connects: Vec<(u64, SocketId)>,
    /// Every `Close`: `(time, socket, code)`.
    pub closes: Vec<(u64, SocketId, u16)>,
    /// Answer `heartbeat.alive` and `wshello` at once (a healthy server).
    pub auto_heartbeat: bool,
    push_seq: u64,
}

impl Script {
    /// `TIM.create`: the engine opens its first socket (not yet open).
    pub fn new() -> Script {
        let cfg = Config {
            sdk_app_id: APP,
            base_url: "wss://scripted.invalid".into(),
            dev_mode: false,
            instance_id: "0123456789abcdef0123456789abcdef".into(),
            seed: 42,
            tz_offset_min: 0,
            compress: false,
        };
        let mut s = Script {
            e: Engine::new(cfg, T0),
            now: T0,
            socket: 0,
            open: false,
            sent: Vec::new(),
            answered: HashSet::new(),
            events: Vec::new(),
            settled: Vec::new(),
            connects: Vec::new(),
            closes: Vec::new(),
            auto_heartbeat: true,
            push_seq: 1,
        };
        s.pump();
        s
    }

    /// Run the engine's outputs as a platform would (an empty cache, an empty history cache).
    pub fn pump(&mut self) {
        loop {
            let outs = self.e.drain();
            if outs.is_empty() {
                return;
            }
            let mut beats = Vec::new();
            for o in outs {
                match o {
                    Output::Connect { socket, .. } => {
                        self.connects.push((self.now, socket));
                        self.socket = socket;
                        self.open = false;
                    }
                    Output::Close { socket, code } => {
                        self.closes.push((self.now, socket, code));
                        if socket == self.socket {
                            self.open = false;
                        }
                    }
                    Output::Send { socket, text, binary } => {
                        assert!(binary, "frames on /binfo are binary");
                        assert_eq!(socket, self.socket, "sent on the current socket");
                        assert!(self.open, "sent on an open socket: {text}");
                        let f: Value = serde_json::from_str(&text).unwrap();
                        let cmd = f["head"]["servcmd"].as_str().unwrap_or("");
                        if self.auto_heartbeat && (cmd == "heartbeat.alive" || cmd == "im_open_status.wshello") {
                            beats.push(f.clone());
                        }
                        self.sent.push(f);
                    }
                    Output::Emit { name, data } => self.events.push((name, data)),
                    Output::EmitText { name, json } => {
                        self.events.push((name, Some(serde_json::from_str(&json).unwrap())));
                    }
                    Output::Settle { call, result } => self.settled.push((call, result)),
                    Output::LoadCache { user } => self.e.cache_loaded(&user, Value::Null, self.now),
                    Output::LoadHistory { request, .. } => self.e.history_loaded(request, Vec::new(), self.now),
                    Output::Persist { .. } => {}
                }
            }
            for b in beats {
                self.answer(&b, json!({}));
            }
        }
    }

    // ------------------------------------------------------------------ clock and socket

    /// Move the clock by `ms` and tick once.
    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
        self.e.tick(self.now);
        self.pump();
    }

    /// Tick every `step` ms for `ms` ms (the platform's timer).
    pub fn run_for(&mut self, ms: u64, step: u64) {
        let end = self.now + ms;
        while self.now < end {
            self.advance(step.min(end - self.now));
        }
    }

    /// The socket of the last `Connect` opened.
    pub fn open(&mut self) {
        assert!(!self.open, "no socket is connecting");
        self.open = true;
        self.e.on_open(self.socket, self.now);
        self.pump();
    }

    /// The current socket closed (or failed to open).
    pub fn close(&mut self) {
        self.open = false;
        self.e.on_close(self.socket, self.now);
        self.pump();
    }

    // ------------------------------------------------------------------ frames

    /// Requests of `servcmd` sent and not answered, oldest first (a resent one counts once).
    pub fn unanswered(&self, servcmd: &str) -> Vec<Value> {
        let mut seen = HashSet::new();
        self.sent
            .iter()
            .filter(|f| f["head"]["servcmd"] == servcmd && !self.answered.contains(&key(f)))
            .filter(|f| seen.insert(key(f)))
            .cloned()
            .collect()
    }

    /// The last unanswered request of `servcmd`.
    pub fn request(&self, servcmd: &str) -> Value {
        self.unanswered(servcmd).pop().unwrap_or_else(|| panic!("no unanswered {servcmd}; sent: {:?}", self.cmds()))
    }

    /// Answer the last unanswered request of `servcmd` with `ok(body)`; returns the request.
    pub fn reply(&mut self, servcmd: &str, body: Value) -> Value {
        let req = self.request(servcmd);
        self.answer(&req, body);
        req
    }

    /// Answer `req` with `ok(body)`: the reply head echoes the request head without its
    /// credentials (WIRE.md §2.2).
    pub fn answer(&mut self, req: &Value, body: Value) {
        self.answer_raw(req, ok(body));
    }

    /// Answer `req` with an error.
    pub fn answer_err(&mut self, req: &Value, code: i64, info: &str) {
        self.answer_raw(req, json!({"ActionStatus": "FAIL", "ErrorCode": code, "ErrorInfo": info}));
    }

    fn answer_raw(&mut self, req: &Value, body: Value) {
        let mut head = req["head"].clone();
        if let Some(h) = head.as_object_mut() {
            for k in ["a2", "usersig", "identifier", "tinyid"] {
                h.remove(k);
            }
        }
        self.answered.insert(key(req));
        self.frame(json!({"head": head, "body": body}));
    }

    /// A request that will never be answered (its socket went away): no longer listed.
    pub fn forget(&mut self, req: &Value) {
        self.answered.insert(key(req));
    }

    /// A server push (`im_open_push.msg_push`, a seq no request has).
    pub fn push(&mut self, body: Value) {
        self.push_seq += 1;
        self.frame(json!({"head": {"servcmd": "im_open_push.msg_push", "seq": self.push_seq}, "body": body}));
    }

    /// One binary frame in on the current socket.
    pub fn frame(&mut self, f: Value) {
        assert!(self.open, "a frame on a closed socket");
        self.e.on_bytes(self.socket, f.to_string().as_bytes(), self.now);
        self.pump();
    }

    /// Every servcmd sent, in order.
    pub fn cmds(&self) -> Vec<String> {
        self.cmds_since(0)
    }

    /// The servcmds sent from `sent[from..]`, in order.
    pub fn cmds_since(&self, from: usize) -> Vec<String> {
        self.sent[from..].iter().map(|f| f["head"]["servcmd"].as_str().unwrap_or("").to_string()).collect()
    }

    /// The servcmds sent from `sent[from..]`, without heartbeats.
    pub fn requests_since(&self, from: usize) -> Vec<String> {
        self.cmds_since(from).into_iter().filter(|c| c != "heartbeat.alive").collect()
    }

    // ------------------------------------------------------------------ API

    /// An API call; outputs are run.
    pub fn call(&mut self, method: &str, args: Value) -> CallResult {
        let r = self.e.call(method, args, self.now);
        self.pump();
        r
    }

    /// A call that must finish at once; its value.
    pub fn call_ok(&mut self, method: &str, args: Value) -> Value {
        match self.call(method, args) {
            CallResult::Done(Ok(v)) => v,
            CallResult::Text(t) => serde_json::from_str(&t).unwrap(),
            other => panic!("{method}: {other:?}"),
        }
    }

    /// A call that waits for the server; its call id.
    pub fn call_pending(&mut self, method: &str, args: Value) -> u64 {
        match self.call(method, args) {
            CallResult::Pending(id) => id,
            other => panic!("{method} should be pending: {other:?}"),
        }
    }

    /// The settlements of call `id` so far.
    pub fn settlements(&self, id: u64) -> Vec<&Result<Value, ApiError>> {
        self.settled.iter().filter(|(c, _)| *c == id).map(|(_, r)| r).collect()
    }

    /// The one settlement of call `id`, resolved.
    pub fn resolved(&self, id: u64) -> Value {
        let s = self.settlements(id);
        assert_eq!(s.len(), 1, "call {id} settled once: {s:?}");
        s[0].clone().unwrap_or_else(|e| panic!("call {id} rejected: {e:?}"))
    }

    /// Drain the events named `name`: their data.
    pub fn take(&mut self, name: &str) -> Vec<Option<Value>> {
        let mut out = Vec::new();
        self.events.retain(|(n, d)| {
            if n == name {
                out.push(d.clone());
                false
            } else {
                true
            }
        });
        out
    }

    /// Drain MESSAGE_RECEIVED: every message announced, in order.
    pub fn received(&mut self) -> Vec<Value> {
        self.take("onMessageReceived").into_iter().flat_map(|d| d.unwrap().as_array().cloned().unwrap()).collect()
    }

    /// The texts of [`Script::received`].
    pub fn received_texts(&mut self) -> Vec<String> {
        self.received().iter().map(|m| m["payload"]["text"].as_str().unwrap().to_string()).collect()
    }

    /// Drain TOTAL_UNREAD_MESSAGE_COUNT_UPDATED: the counts emitted, in order.
    pub fn totals(&mut self) -> Vec<u64> {
        self.take("onTotalUnreadMessageCountUpdated").into_iter().map(|d| d.unwrap().as_u64().unwrap()).collect()
    }

    /// Drain NET_STATE_CHANGE: the states, in order.
    pub fn net_states(&mut self) -> Vec<String> {
        self.take("netStateChange").into_iter().map(|d| d.unwrap()["state"].as_str().unwrap().to_string()).collect()
    }

    /// The conversation `id` of `getConversationList`.
    pub fn conversation(&mut self, id: &str) -> Value {
        let list = self.call_ok("getConversationList", json!([]));
        list["conversationList"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["conversationID"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id} in {list}"))
    }

    /// `unreadCount` of conversation `id`.
    pub fn unread(&mut self, id: &str) -> u64 {
        self.conversation(id)["unreadCount"].as_u64().unwrap()
    }

    // ------------------------------------------------------------------ login

    /// A logged-in, ready engine: socket opened, `login` answered, the login sequence answered
    /// as tim-server answers a user with `acct`, and the throttled events of the login flushed.
    pub fn logged_in(acct: Account) -> Script {
        let mut s = Script::login_start();
        s.reply("profile.portrait_get_all", json!({"UserProfileItem": []}));
        s.reply("sns.black_list_get", json!({"BlackListItem": [], "StartIndex": 0, "CurruentSequence": 0}));
        s.reply("openim.authkey", json!({}));
        let getmsg = acct.getmsg.clone().unwrap_or_else(|| json!({}));
        let mut getmsg = ok(getmsg);
        for (k, v) in [("Cookie", json!("k0")), ("SyncFlag", json!(2)), ("MsgList", json!([]))] {
            if getmsg.get(k).is_none() {
                getmsg[k] = v;
            }
        }
        s.reply("openim.getmsg", getmsg);
        s.reply("im_sdk_config_mgr.fetch_config", json!({}));
        s.reply(
            "recentcontact.page_get",
            json!({"SessionItem": acct.sessions, "CompleteFlag": 1, "TimeStamp": s.now / 1000 - 1,
                "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0, "GroupItem": []}),
        );
        assert_eq!(s.take("sdkStateReady").len(), 1, "SDK_READY after the conversation list");
        s.reply("recentcontact.get_contact_group", json!({"GroupItem": [], "ContactItem": [], "CompleteFlag": 1}));
        s.reply("openim.get_c2c_peer_mute_notifications", json!({"MuteNotificationsList": [], "UpdateSeq": 0}));
        s.reply(
            "group_open_http_svc.get_joined_group_list",
            json!({"TotalCount": acct.groups.len(), "GroupIdList": acct.groups}),
        );
        s.reply("million_group_open_http_svc.get_joined_group_list", json!({"TotalCount": 0, "GroupIdList": []}));
        s.reply("im_sdk_config_mgr.fetch_imsdk_purchase_bitsv2", json!({"str_purchase_bits": "1".repeat(64)}));
        // The coalesced list events of the login go out.
        s.advance(1_000);
        s
    }

    /// Socket open, `login` called and its `wslogin` answered (resolved); the rest of the login
    /// sequence is sent and unanswered.
    pub fn login_start() -> Script {
        let mut s = Script::new();
        s.open();
        let id = s.call_pending("login", json!([{"userID": ME, "userSig": "sig"}]));
        s.reply(
            "im_open_status.wslogin",
            json!({"A2Key": A2, "TinyId": MY_TINY, "InstId": 77, "HelloInterval": 120, "TimeStamp": s.now / 1000}),
        );
        assert_eq!(s.resolved(id)["a2Key"], A2);
        s
    }

    /// The connection drops, the engine reconnects when its backoff says, and the new socket
    /// opens. Returns `sent.len()` before the new socket opened.
    pub fn reconnect(&mut self) -> usize {
        self.close();
        self.reconnect_when_due()
    }

    /// Tick until the engine asks for a socket (at most 2 min), then open it.
    pub fn reconnect_when_due(&mut self) -> usize {
        let n = self.connects.len();
        self.advance(0);
        let limit = self.now + 120_000;
        while self.connects.len() == n {
            assert!(self.now < limit, "no reconnect within 120 s");
            self.advance(100);
        }
        let from = self.sent.len();
        self.open();
        from
    }

    /// Answer the re-login (`wslogin` with the A2 key) of a reconnect; the resync requests stay
    /// for the test to answer.
    pub fn answer_relogin(&mut self) {
        self.reply(
            "im_open_status.wslogin",
            json!({"A2Key": A2, "TinyId": MY_TINY, "InstId": 78, "HelloInterval": 120, "TimeStamp": self.now / 1000}),
        );
    }
}

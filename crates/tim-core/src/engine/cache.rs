//! The engine side of the platform cache (docs/cache.md): warm start from the cached
//! conversation list, history pages read from the cache on demand before the network, and the
//! outbox of messages sent while offline.
//!
//! The engine stays sans-IO: it asks with [`Output::LoadHistory`](super::Output::LoadHistory)
//! and [`Output::Persist`](super::Output::Persist), and the platform answers through
//! [`Engine::cache_loaded`] and [`Engine::history_loaded`].

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::Value;

use crate::model::{Conversation, Message, CONV_GROUP, CONV_SYSTEM};
use crate::obj;
use crate::value::val;

use super::{ev, s, u, ApiError, CallResult, Engine, Login, Output};

/// A message waiting in the outbox for the connection.
#[derive(Debug, Clone)]
pub(super) struct Queued {
    msg: Message,
    opts: Value,
    /// The app's pending `sendMessage` call (none for an outbox restored from the cache).
    call: Option<u64>,
}

/// A `getMessageList` call waiting for a page from the cache.
#[derive(Debug, Clone)]
struct Read {
    call: u64,
    conv: String,
    args: Value,
    count: u64,
}

/// Cache state of one session.
#[derive(Debug, Default)]
pub(super) struct Store {
    /// Conversations whose cached history has been read to its oldest record.
    exhausted: HashSet<String>,
    /// History reads asked of the platform, by request id.
    reads: HashMap<u64, Read>,
    next_read: u64,
    /// Skip the cache read for the `getMessageList` being re-run after one.
    skip_read: bool,
    /// Messages sent while offline, oldest first.
    pub(super) outbox: Vec<Queued>,
    /// Outbox records to write / delete with the next persist.
    pub(super) outbox_put: Vec<Value>,
    pub(super) outbox_delete: Vec<String>,
    /// Calls made on the app's behalf, settled as the app's call (`None`: nobody waits).
    aliases: HashMap<u64, (Option<u64>, Option<String>)>,
    /// SDK_READY came from the cache, before the first sync.
    pub(super) warm: bool,
    /// The cached last-message time per conversation at warm start.
    cached_last: HashMap<String, u64>,
    /// IDs of the latest messages written to the cache (kept in the meta record), so the first
    /// sync after a reload knows which messages of a cached last second the app already saw.
    pub(super) recent: VecDeque<String>,
    /// `recent` as loaded at warm start.
    recent_cached: HashSet<String>,
}

/// The ID half of a C2C history cursor that takes the whole second (sorts above every ID).
const WHOLE_SECOND: &str = "\u{10ffff}";

/// How many message IDs `Store::recent` keeps.
const RECENT_IDS: usize = 200;

impl Store {
    /// Remember the IDs of messages being written.
    pub(super) fn note_written<'a>(&mut self, ids: impl Iterator<Item = &'a str>) {
        for id in ids {
            if self.recent.len() == RECENT_IDS {
                self.recent.pop_front();
            }
            self.recent.push_back(id.to_string());
        }
    }
}

impl Store {
    fn queued_json(q: &Queued) -> Value {
        obj! {"ID": &q.msg.id, "message": &q.msg.to_json(), "opts": &q.opts}
    }
}

impl Engine {
    /// The platform loaded the cache asked for by [`Output::LoadCache`] (`Null` when there is
    /// none): `{conversations: [...], groups?: [...], messages?: [...], outbox?: [...],
    /// meta: {cookie, recent}}`.
    /// Messages are optional: a platform may answer history pages lazily through
    /// [`Output::LoadHistory`] instead.
    pub fn cache_loaded(&mut self, user: &str, mut snapshot: Value, now: u64) {
        if user != self.s.user || self.s.cache_loaded {
            return;
        }
        self.s.cache_loaded = true;
        let Value::Array(conversations) = snapshot["conversations"].take() else {
            return self.cache_loaded_rest(snapshot, now);
        };
        // The app saw this list before the reload: the first sync announces what is new to it,
        // whether or not the network's conversation list came before the cache.
        self.s.store.warm = !conversations.is_empty() && !self.s.synced;
        for c in conversations {
            if let Some(c) = Conversation::from_json(c) {
                #[cfg(feature = "groups")]
                if self.s.page_done && c.conversation_id.starts_with(CONV_GROUP) {
                    // The network's list came first and moved the group on: the app's baseline
                    // is what the cache held.
                    self.group_baseline(&c.conversation_id, u(&c.last_message, "lastSequence"));
                }
                self.s.store.cached_last.insert(c.conversation_id.clone(), c.last_time);
                let known = self.s.conversations.get(&c.conversation_id).is_some_and(|k| k.last_time >= c.last_time);
                if !known {
                    self.s.conversations.insert(c.conversation_id.clone(), c);
                }
            }
        }
        self.cache_loaded_rest(snapshot, now);
    }

    /// [`Engine::cache_loaded`] after the conversations: messages, outbox and meta.
    fn cache_loaded_rest(&mut self, mut snapshot: Value, now: u64) {
        // The cached joined groups, unless the network list came first.
        if let (Value::Array(groups), false) = (snapshot["groups"].take(), self.s.groups_known) {
            for g in groups {
                let id = s(&g, "groupID");
                if !id.is_empty() {
                    self.s.groups.insert(id, g);
                }
            }
            self.s.groups_known = true;
            self.throttle.mark(ev::GROUP_LIST_UPDATED);
        }
        for m in snapshot["messages"].as_array().into_iter().flatten() {
            if let Some(m) = Message::from_json(m) {
                if m.status == "success" {
                    self.s.history.entry(m.conversation_id.clone()).or_default().insert(m);
                }
            }
        }
        for q in snapshot["outbox"].as_array().into_iter().flatten() {
            let Some(msg) = Message::from_json(&q["message"]) else { continue };
            if self.s.store.outbox.iter().any(|o| o.msg.id == msg.id) {
                continue;
            }
            self.s.drafts.insert(msg.id.clone(), msg.clone());
            self.s.store.outbox.push(Queued { msg, opts: q["opts"].clone(), call: None });
        }
        if self.s.cookie.is_empty() {
            self.s.cookie = s(&snapshot["meta"], "cookie");
        }
        let recent: Vec<&str> =
            snapshot["meta"]["recent"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        self.s.store.recent_cached = recent.iter().map(|id| id.to_string()).collect();
        let written = std::mem::take(&mut self.s.store.recent);
        self.s.store.note_written(recent.into_iter());
        self.s.store.note_written(written.iter().map(String::as_str));
        if !self.s.conversations.is_empty() {
            self.conv_changed();
        }
        self.warm_ready(now);
        self.getmsg(now);
        self.flush_throttled(now, true);
    }

    /// Once logged in with a loaded cache: SDK_READY from the cached conversation list (the
    /// network then brings what changed) — or, with an empty cache, once the conversation list
    /// came from the network — and the outbox goes out.
    pub(super) fn warm_ready(&mut self, now: u64) {
        if self.login != Login::In || !self.s.cache_loaded {
            return;
        }
        if !self.s.ready && (!self.s.conversations.is_empty() || self.s.page_done) {
            self.s.ready = true;
            #[cfg(feature = "groups")]
            if self.s.store.warm {
                self.group_sync_warm(now);
            }
            self.emit(ev::SDK_READY, None);
            self.conv_changed();
        }
        if self.open {
            self.flush_outbox(now);
        }
    }

    /// After a full conversation list sync: a conversation the cache listed but the server no
    /// longer does (deleted on another device while this one was away, or past the server's
    /// list limits) leaves the list, as tim-js-sdk drops the cached conversations its sync did
    /// not bring. Conversations active only locally (a draft) stay.
    pub(super) fn drop_unlisted_cached(&mut self) {
        let gone: Vec<String> = self
            .s
            .store
            .cached_last
            .keys()
            .filter(|id| !self.s.page_seen.contains(*id))
            .filter(|id| id.starts_with(CONV_GROUP) || id.starts_with(crate::model::CONV_C2C))
            .filter(|id| self.s.conversations.get(id).is_some_and(|c| c.last_time > 0))
            .cloned()
            .collect();
        for id in gone {
            if let Some(c) = self.s.conversations.get_mut(&id) {
                c.last_time = 0;
                c.last_message = crate::obj! {};
                c.unread_count = 0;
                c.group_at_info_list.clear();
            }
            self.s.store.cached_last.remove(&id);
            self.touch_conv(&id);
        }
    }

    /// A message the first sync after a warm start brings again (the cached cursor can be
    /// older than messages that came by push): not newer than the conversation's cached last
    /// message. The app saw it before the reload, so it is not announced again.
    pub(super) fn seen_before_reload(&self, m: &Message) -> bool {
        if !self.s.store.warm || self.s.synced {
            return false;
        }
        // Times are in seconds: an older message was seen; one of the cached last message's
        // second only if the cache wrote it (others of that second are new to the app).
        self.s
            .store
            .cached_last
            .get(&m.conversation_id)
            .is_some_and(|&time| m.time < time || (m.time == time && self.s.store.recent_cached.contains(&m.id)))
    }

    /// A group message a resync after a warm start brings that the cache this session started
    /// from wrote, or older than the conversation's cached last message: the app saw it before
    /// the reload (the rule of [`Engine::seen_before_reload`]; a resync starts above the cached
    /// last sequence, so a written one is one kept out of the last message).
    pub(super) fn cached_before_reload(&self, m: &Message) -> bool {
        let store = &self.s.store;
        store.warm
            && (store.recent_cached.contains(&m.id)
                || store.cached_last.get(&m.conversation_id).is_some_and(|&time| m.time < time))
    }

    /// `getMessageList` first asks the cache for the page below what memory holds, unless
    /// memory already answers it or the cache has nothing older. `None`: go on as usual.
    pub(super) fn read_cache_first(
        &mut self,
        conv: &str,
        a: &Value,
        cursor: Option<&str>,
        count: u64,
    ) -> Option<CallResult> {
        if std::mem::take(&mut self.s.store.skip_read) || self.s.store.exhausted.contains(conv) {
            return None;
        }
        let group = conv.starts_with(CONV_GROUP);
        if self.page_from_cache(conv, cursor, count, conv == CONV_SYSTEM).is_some() && !self.stale_top(conv, cursor) {
            return None;
        }
        let oldest = self.s.history.get(conv).and_then(|h| h.msgs.first());
        if cursor.is_some() && oldest.is_none() {
            // A cursor that memory does not know: the page is the network's business.
            return None;
        }
        // A group's sequences are unique: the page is what lies below the oldest held. C2C times
        // are seconds: the page takes the oldest held second whole (the platform orders a
        // second's messages as they were written, not by ID) less what memory holds of it.
        let (before, count) = match oldest {
            Some(m) if group => (Some((m.sequence, m.id.clone())), count),
            Some(m) => {
                let held =
                    self.s.history.get(conv).map_or(0, |h| h.msgs.iter().take_while(|x| x.time == m.time).count());
                (Some((m.time, WHOLE_SECOND.to_string())), count + held as u64)
            }
            None => (None, count),
        };
        let call = self.pending_call();
        self.s.store.next_read += 1;
        let request = self.s.store.next_read;
        self.s.store.reads.insert(request, Read { call, conv: conv.to_string(), args: a.clone(), count });
        self.out.push_back(Output::LoadHistory {
            user: self.s.user.clone(),
            request,
            conversation_id: conv.to_string(),
            before,
            count,
        });
        Some(CallResult::Pending(call))
    }

    /// A group's newest page is not in memory when its conversation names a later sequence.
    pub(super) fn stale_top(&self, conv: &str, cursor: Option<&str>) -> bool {
        if cursor.is_some() || !conv.starts_with(CONV_GROUP) {
            return false;
        }
        let last = self.s.conversations.get(conv).map_or(0, |c| u(&c.last_message, "lastSequence"));
        let newest = self.s.history.get(conv).and_then(|h| h.msgs.last()).map_or(0, |m| m.sequence);
        last > newest
    }

    /// The platform read a page asked for by [`Output::LoadHistory`]: Message JSON records,
    /// newest first, messages of one second in the reverse of the order they were written
    /// (empty when the cache has none or cannot be read). They are older than everything memory
    /// holds of the conversation (a run that ends at its newest message), so they go in front.
    pub fn history_loaded(&mut self, request: u64, messages: Vec<Value>, now: u64) {
        let Some(read) = self.s.store.reads.remove(&request) else { return };
        let got = messages.len() as u64;
        let history = self.s.history.entry(read.conv.clone()).or_default();
        let older: Vec<Message> = messages
            .iter()
            .rev()
            .filter_map(Message::from_json)
            .filter(|m| m.conversation_id == read.conv && m.status == "success" && history.position(&m.id).is_none())
            .collect();
        history.prepend(older);
        if got < read.count {
            self.s.store.exhausted.insert(read.conv.clone());
        }
        if self.login != Login::In {
            self.settle(read.call, Err(ApiError::new(tim_proto::code::USER_NOT_LOGGED_IN, "not logged in")));
            return;
        }
        // Answer as if called now: from memory, or from the network for what is missing.
        self.s.store.skip_read = true;
        let r = self.get_message_list(read.args, now);
        self.s.store.skip_read = false;
        self.settle_as(Some(read.call), None, r);
        self.flush_throttled(now, false);
        self.flush_persist();
    }

    /// Settle the app's `call` with the outcome of a call made on its behalf.
    fn settle_as(&mut self, call: Option<u64>, outbox_id: Option<String>, r: CallResult) {
        match r {
            CallResult::Pending(inner) => {
                self.s.store.aliases.insert(inner, (call, outbox_id));
            }
            CallResult::Text(text) => {
                let result = serde_json::from_str(&text)
                    .map_err(|_| ApiError::new(tim_proto::code::INVALID_OPERATION, "the result is not JSON"));
                self.settle_as(call, outbox_id, CallResult::Done(result));
            }
            CallResult::Done(result) => {
                if let Some(id) = outbox_id {
                    self.outbox_remove(&id);
                }
                if let Some(call) = call {
                    self.settle(call, result);
                }
            }
            CallResult::Throw(m) => {
                if let Some(call) = call {
                    self.settle(call, Err(ApiError::new(tim_proto::code::INVALID_OPERATION, m)));
                }
            }
        }
    }

    /// Map a settlement of an inner call to the app's call; `None` when nobody waits for it.
    pub(super) fn alias(&mut self, call: u64) -> Option<u64> {
        let Some((outer, outbox_id)) = self.s.store.aliases.remove(&call) else { return Some(call) };
        if let Some(id) = outbox_id {
            self.outbox_remove(&id);
        }
        outer.and_then(|c| self.alias(c))
    }

    // ---------------------------------------------------------------- outbox

    /// `sendMessage` while offline: the message waits in the (persisted) outbox as `unSend`.
    pub(super) fn queue_offline(&mut self, msg: Message, opts: Value, now: u64) -> CallResult {
        let call = self.pending_call();
        let q = Queued { msg, opts, call: Some(call) };
        self.s.store.outbox_put.push(Store::queued_json(&q));
        self.s.store.outbox.push(q);
        if !self.connecting && self.reconnect_at.is_none() {
            self.schedule_reconnect(now);
        }
        CallResult::Pending(call)
    }

    /// The connection is back: send the outbox in order. A message the server already has
    /// (its reply was lost) is deduplicated by the server on its sequence and random.
    pub(super) fn flush_outbox(&mut self, now: u64) {
        if self.login != Login::In || !self.open {
            return;
        }
        for q in std::mem::take(&mut self.s.store.outbox) {
            self.s.drafts.entry(q.msg.id.clone()).or_insert_with(|| q.msg.clone());
            let id = q.msg.id.clone();
            let r = self.send_message(q.msg.to_json(), q.opts.clone(), now);
            self.settle_as(q.call, Some(id), r);
        }
    }

    fn outbox_remove(&mut self, id: &str) {
        self.s.store.outbox.retain(|q| q.msg.id != id);
        self.s.store.outbox_put.retain(|q| q["ID"] != id);
        self.s.store.outbox_delete.push(id.to_string());
    }

    pub(super) fn outbox_dirty(&self) -> bool {
        !self.s.store.outbox_put.is_empty() || !self.s.store.outbox_delete.is_empty()
    }

    pub(super) fn flush_persist(&mut self) {
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
}

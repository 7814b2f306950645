//! The resync of group messages missed while offline or before a reload (docs/cache.md,
//! "Resync").

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::obj;
use crate::value::sort_by_key2;
use tim_proto::cmd;

use super::groups::GroupOp;
use super::{ev, u, Engine};
use crate::group::GRP_AVCHATROOM;
use crate::model::{Message, CONV_GROUP};

/// At most this many missed messages (the newest) are fetched and announced by one resync of a
/// group; older ones stay on the server for `getMessageList` (docs/cache.md, "Resync").
pub(super) const RESYNC_CAP: u64 = 1_000;
/// `ReqMsgNumber` of a resync page (tim-js-sdk's group roaming page).
pub(super) const RESYNC_PAGE: u64 = 20;

/// The resync of group messages the app has not heard of: those sent while the connection was
/// down, or since the cache a warm start (or a resumed tab session) began from was written.
#[derive(Debug, Default)]
pub(super) struct GroupSync {
    /// The newest sequence the app had of each group conversation when the sync began (before
    /// pushes or the sync itself move it), taken once when the conversation list names more.
    pub(super) base: HashMap<String, u64>,
    /// The newest sequence the network named for each group conversation and the session took
    /// in (silently on the first sync of a cold start, else by a resync).
    pub(super) named: HashMap<String, u64>,
    /// Resyncs in flight, by conversation ID.
    pub(super) running: HashMap<String, Resync>,
    /// The newest sequence the conversation list's unread count covers, per group conversation
    /// (`page_get`'s `UnreadMsgCount` through its newest sequence): a push at or below it was
    /// counted by the server already.
    pub(super) counted: HashMap<String, u64>,
}

/// One resync of a group conversation: the range `(floor, top]`, fetched downward.
#[derive(Debug, Default)]
pub(super) struct Resync {
    /// The newest sequence the app had (or the cap's bound): not fetched.
    pub(super) floor: u64,
    /// The newest sequence the network named.
    pub(super) top: u64,
    /// A later sequence named while this resync ran: the range above `top` follows.
    pub(super) again: u64,
    /// The `ReqMsgSeq` of the page asked for.
    pub(super) asked: u64,
    /// Fetched items not yet filed.
    pub(super) items: Vec<Value>,
    /// Messages of the range a history page filed meanwhile, announced with the rest.
    pub(super) fresh: Vec<Message>,
}

impl Engine {
    /// The newest sequence of group `gid` the session holds: its history in memory, its
    /// conversation's last message (the cached one at a warm start), the group's next sequence,
    /// what the network named before. `None`: the app knows nothing of the group's messages.
    pub(super) fn held_seq(&self, conv: &str, gid: &str) -> Option<u64> {
        let history = self.s.history.get(conv).and_then(|h| h.msgs.last()).map(|m| m.sequence);
        let last = self.s.conversations.get(conv).map(|c| u(&c.last_message, "lastSequence"));
        let next = self.s.groups.get(gid).map(|g| u(g, "nextMessageSeq").saturating_sub(1));
        [history, last, next, self.s.gsync.named.get(conv).copied()].into_iter().flatten().max()
    }

    /// A sync that can bring group messages the app has not heard of begins (a reconnect, or a
    /// warm start from the cache): remember how far the app has each group before pushes and
    /// the conversation list move that on.
    pub(super) fn group_sync_begin(&mut self) {
        let mut base = HashMap::new();
        let convs = self.s.conversations.keys().filter_map(|c| c.strip_prefix(CONV_GROUP));
        let gids: Vec<String> = convs.chain(self.s.groups.keys().map(String::as_str)).map(str::to_string).collect();
        for gid in gids {
            let conv = format!("{CONV_GROUP}{gid}");
            if let Some(held) = self.held_seq(&conv, &gid) {
                base.insert(conv, held);
            }
        }
        self.s.gsync.base = base;
    }

    /// The newest sequence the app had of group conversation `conv` before this sync.
    pub(super) fn group_baseline(&mut self, conv: &str, seq: u64) {
        self.s.gsync.base.insert(conv.to_string(), seq);
    }

    /// SDK_READY from the cache: the baselines are what the app had before the reload. When
    /// the network's conversation list came before the cache, it already named newer
    /// sequences (and `cache_loaded` took the baselines from the cached conversations): those
    /// groups are resynced now.
    pub(super) fn group_sync_warm(&mut self, now: u64) {
        if !self.s.page_done {
            self.group_sync_begin();
            return;
        }
        let named: Vec<(String, u64)> = self.s.gsync.named.iter().map(|(c, n)| (c.clone(), *n)).collect();
        for (conv, newest) in named {
            if let Some(gid) = conv.strip_prefix(CONV_GROUP) {
                self.group_resync(gid, "", newest, now);
            }
        }
    }

    /// The network names `newest` as the last sequence of group `gid` (the conversation list or
    /// the group list). When the app had an older one, the missed messages are fetched
    /// (`group_msg_get` downward from `newest`), filed as pushes of them would be and announced
    /// with MESSAGE_RECEIVED, oldest first. Not before SDK_READY (the first sync of a cold start
    /// is silent), not for AVChatRooms (no history) or topics.
    pub(super) fn group_resync(&mut self, gid: &str, kind: &str, newest: u64, now: u64) {
        let conv = format!("{CONV_GROUP}{gid}");
        let room = kind == GRP_AVCHATROOM
            || self.is_joined_room(gid)
            || self.s.groups.get(gid).is_some_and(|g| g["type"] == GRP_AVCHATROOM);
        if gid.is_empty() || newest == 0 || room || super::rooms::is_topic_id(gid) {
            return;
        }
        let held = self.s.gsync.base.remove(&conv).or_else(|| self.held_seq(&conv, gid));
        let named = self.s.gsync.named.entry(conv.clone()).or_insert(0);
        *named = (*named).max(newest);
        if !self.s.ready {
            return;
        }
        if let Some(r) = self.s.gsync.running.get_mut(&conv) {
            r.again = r.again.max(newest);
            return;
        }
        let Some(held) = held.filter(|&h| h < newest) else { return };
        self.resync_range(&conv, held, newest, now);
    }

    /// Resync `(held, newest]` of `conv`, at most the newest [`RESYNC_CAP`].
    pub(super) fn resync_range(&mut self, conv: &str, held: u64, newest: u64, now: u64) {
        let floor = held.max(newest.saturating_sub(RESYNC_CAP));
        let r = Resync { floor, top: newest, ..Resync::default() };
        self.s.gsync.running.insert(conv.to_string(), r);
        self.resync_next(conv, newest, now);
    }

    /// Ask for the next page: the newest missing sequence at or below `from`; none left ends
    /// the resync.
    pub(super) fn resync_next(&mut self, conv: &str, from: u64, now: u64) {
        let Some(r) = self.s.gsync.running.get_mut(conv) else { return };
        let floor = r.floor;
        let mut have: HashSet<u64> = r.items.iter().map(|m| u(m, "MsgSeq")).collect();
        if let Some(h) = self.s.history.get(conv) {
            have.extend(h.msgs.iter().map(|m| m.sequence).filter(|&q| q > floor && q <= from));
        }
        let Some(top) = (floor + 1..=from).rev().find(|q| !have.contains(q)) else {
            self.resync_finish(conv, now);
            return;
        };
        r.asked = top;
        let gid = conv.strip_prefix(CONV_GROUP).unwrap_or("");
        let count = RESYNC_PAGE.min(top - floor);
        let body = obj! {"WithRecalledMsg": 1, "GroupId": &gid, "ReqMsgNumber": &count, "ReqMsgSeq": &top};
        self.group_request(cmd::GROUP_MSG_GET, body, None, GroupOp::Resync { conv: conv.to_string() }, now);
    }

    /// A resync page: keep its items of the range, then the next page or the end.
    pub(super) fn resync_reply(&mut self, conv: &str, body: &Value, now: u64) {
        let Some(r) = self.s.gsync.running.get_mut(conv) else { return };
        let list = body["RspMsgList"].as_array().map(Vec::as_slice).unwrap_or_default();
        // The next page starts below this one (and below what was asked, so it always moves on).
        let lowest = list.iter().map(|m| u(m, "MsgSeq")).min().unwrap_or(0).min(r.asked);
        let (floor, top) = (r.floor, r.top);
        r.items.extend(list.iter().filter(|m| (floor + 1..=top).contains(&u(m, "MsgSeq"))).cloned());
        if u(body, "IsFinished") == 2 || list.is_empty() || lowest <= floor + 1 {
            self.resync_finish(conv, now);
        } else {
            self.resync_next(conv, lowest - 1, now);
        }
    }

    /// File what a resync fetched, oldest first, through the path of live pushes (tips with
    /// their effects on the group), without unread (the conversation list's count has them),
    /// and announce the messages the app has not seen, each once, in sequence order.
    pub(super) fn resync_finish(&mut self, conv: &str, now: u64) {
        let Some(mut r) = self.s.gsync.running.remove(conv) else { return };
        sort_by_key2(&mut r.items, |m| (u(m, "MsgSeq"), 0));
        r.items.dedup_by_key(|m| u(m, "MsgSeq"));
        let mut fresh = std::mem::take(&mut r.fresh);
        for m in &r.items {
            if u(m, "IsPlaceMsg") == 1 {
                continue;
            }
            let msg = if u(m, "Event") == 4 { self.accept_tip(m, false, now) } else { self.accept_group_msg(m, false) };
            fresh.extend(msg);
        }
        // As after a warm start for C2C: what the cache wrote, the app saw before the reload.
        fresh.retain(|m| !self.cached_before_reload(m));
        sort_by_key2(&mut fresh, |m| (m.sequence, 0));
        fresh.dedup_by(|a, b| a.id == b.id);
        if !fresh.is_empty() {
            let data = fresh.iter().map(Message::to_json).collect();
            self.emit(ev::MESSAGE_RECEIVED, Some(Value::Array(data)));
        }
        if r.again > r.top {
            self.resync_range(conv, r.top, r.again, now);
        }
    }
}

//! The sync after login and every reconnect: `page_get` (the conversation list) and `getmsg`
//! (the C2C message stream).

use serde_json::Value;

use crate::obj;
use crate::value::val;
use tim_proto::{cmd, msg::C2cMsg};

use super::c2c::{c2c_peer, control_flags};
use super::{conversations, ev, s, u, Engine, Purpose};
use crate::model::{c2c_from_json, elem_from_json, Message, CONV_C2C, CONV_GROUP};

impl Engine {
    /// Conversation list and C2C sync (login and every reconnect).
    pub(super) fn sync_all(&mut self, now: u64) {
        // How far the app has each group before the conversation list names what is newer.
        #[cfg(feature = "groups")]
        self.group_sync_begin();
        self.page_get(None, now);
        if self.s.page_done {
            // A reconnect (WIRE.md §1.5, 2.x): the conversation groups, the C2C mute settings and
            // the joined groups are asked again beside the list; at login they follow its last
            // page (page_done).
            self.page_extras(now);
        }
        self.s.getmsg_wanted = true;
        self.getmsg(now);
    }

    /// What tim-js-sdk asks for beside the conversation list: conversation groups, C2C mute
    /// settings, the joined groups and communities.
    fn page_extras(&mut self, now: u64) {
        self.sync_conv_groups(0, now);
        self.request(cmd::GET_C2C_PEER_MUTE_NOTIFICATIONS, obj! {"UpdateSeq": 0}, Purpose::Ignore, now);
        #[cfg(feature = "groups")]
        self.joined_group_list(None, now);
    }

    /// One `page_get`: the first page of a sync (`None`: since the last complete sync's
    /// `TimeStamp`), or the next one after `reply`, with the four cursors it carries.
    pub(super) fn page_get(&mut self, reply: Option<&Value>, now: u64) {
        let cursor = |k: &str| reply.map_or(0, |r| u(r, k));
        if reply.is_none() {
            self.s.page_full = self.s.page_ts == 0;
            self.s.page_seen.clear();
        }
        let ts = reply.map_or(self.s.page_ts, |r| u(r, "TimeStamp"));
        let body = obj! {"From_Account": &self.s.user, "TimeStamp": &ts, "StartIndex": &cursor("StartIndex"), "TopTimeStamp": &cursor("TopTimeStamp"), "TopStartIndex": &cursor("TopStartIndex"), "OrderType": 1, "MsgAssistFlags": 4, "AssistFlags": 15};
        self.request(cmd::PAGE_GET, body, Purpose::PageGet, now);
    }

    pub(super) fn page_reply(&mut self, body: Value, now: u64) {
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
    pub(super) fn page_item(&mut self, item: &Value, now: u64) {
        if u(item, "Type") == 2 {
            #[cfg(feature = "groups")]
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

    pub(super) fn page_done(&mut self, now: u64) {
        if self.s.page_done {
            return;
        }
        self.s.page_done = true;
        self.page_extras(now);
        self.request(cmd::FETCH_PURCHASE_BITS, obj! {"uint32_sdkappid": &self.cfg.sdk_app_id}, Purpose::Ignore, now);
        // While the cache is still loading, SDK_READY waits for it (see cache::warm_ready).
        if !self.s.ready && self.s.cache_loaded {
            self.s.ready = true;
            self.emit(ev::SDK_READY, None);
            self.conv_changed();
        }
    }

    pub(super) fn getmsg(&mut self, now: u64) {
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

    pub(super) fn getmsg_reply(&mut self, body: Value, now: u64) {
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
        // A message sent while the login ran is at the end of the stream, in the last page: only
        // the latest silent page is kept (a page at most), never the whole backlog.
        self.s.filed_silently.clear();
        if !announce {
            self.s.filed_silently.extend(fresh.iter().map(|m| m.id.clone()));
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
}

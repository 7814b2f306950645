//! Pushes from the server (`EventArray` items, `RecentContactMod` of the user's other devices,
//! WIRE.md §5.7) and the coalesced list events.

use serde_json::Value;

use crate::obj;
use crate::value::{json_text, sort_by_key2, val};
use tim_proto::{cmd, msg::C2cMsg};

use super::c2c::{c2c_peer, control_flags};
use super::conversations::{contact_id, id_text, marks_from_bits};
use super::{ev, s, u, Engine, Login, Output};
use crate::model::{c2c_from_json, Conversation, Message, CONV_C2C};

const EVENT_THROTTLE_MS: u64 = 1_000;

impl Engine {
    pub(super) fn push(&mut self, frame: &Value, now: u64) {
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
        if frame["head"]["servcmd"] == cmd::STAT_KICK_OTHER && self.login == Login::In {
            self.send_login(None, now);
            self.sync_all(now);
            return;
        }
        for item in body["EventArray"].as_array().into_iter().flatten() {
            self.event_item(item, now);
        }
    }

    pub(super) fn event_item(&mut self, item: &Value, now: u64) {
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
                let wire = c2c_from_json(m);
                if let Some(msg) = self.accept(&wire, !no_unread) {
                    self.restore_last(&msg.conversation_id, keep);
                    fresh.push(msg.to_json());
                } else if let Some(msg) = self.filed_silently(&wire) {
                    // Sent while the login ran: the first sync filed it without a word, and this
                    // push is how the app hears of it (tim-js-sdk announces pushes).
                    fresh.push(msg.to_json());
                }
            }
            if !fresh.is_empty() {
                self.emit(ev::MESSAGE_RECEIVED, Some(Value::Array(fresh)));
            }
        }
        #[cfg(feature = "groups")]
        self.group_push_item(item, now);
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

    #[cfg(feature = "groups")]
    fn group_push_item(&mut self, item: &Value, now: u64) {
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
    }

    /// The message of a C2C push that the silent first sync filed, once (see
    /// `Session::filed_silently`).
    fn filed_silently(&mut self, wire: &C2cMsg) -> Option<Message> {
        if self.s.filed_silently.is_empty() {
            return None;
        }
        let msg = Message::from_c2c(wire, &self.s.user);
        if !self.s.filed_silently.remove(&msg.id) {
            return None;
        }
        let h = self.s.history.get(&msg.conversation_id)?;
        h.position(&msg.id).map(|i| h.msgs[i].clone())
    }

    pub(super) fn conversation(&mut self, peer: &str) -> &mut Conversation {
        self.s.conversations.entry(format!("{CONV_C2C}{peer}")).or_insert_with(|| Conversation::c2c(peer))
    }

    pub(super) fn touch_conv(&mut self, id: &str) {
        if !self.s.dirty_convs.iter().any(|c| c == id) {
            self.s.dirty_convs.push(id.to_string());
        }
        self.conv_changed();
    }

    pub(super) fn conv_changed(&mut self) {
        self.throttle.mark(ev::CONVERSATION_LIST_UPDATED);
        self.throttle.mark(ev::TOTAL_UNREAD);
    }

    pub(super) fn total_unread(&self) -> u64 {
        self.unread_total()
    }

    /// The last message of conversation `id`, to put back after a message sent with
    /// `excludedFromLastMessage` (when `keep`).
    pub(super) fn last_of(&self, id: &str, keep: bool) -> Option<(Value, u64)> {
        let c = self.s.conversations.get(id).filter(|_| keep);
        Some(c.map_or((obj! {}, 0), |c| (c.last_message.clone(), c.last_time))).filter(|_| keep)
    }

    pub(super) fn restore_last(&mut self, id: &str, keep: Option<(Value, u64)>) {
        if let (Some((last, time)), Some(c)) = (keep, self.s.conversations.get_mut(id)) {
            c.last_message = last;
            c.last_time = time;
        }
    }

    /// Emit the coalesced list events: at most one per second each, with a trailing emit.
    pub(super) fn flush_throttled(&mut self, now: u64, force: bool) {
        if !self.s.ready && !self.s.cache_loaded {
            return;
        }
        for name in super::THROTTLED {
            let (last, dirty) = self.throttle.get(name);
            if !dirty || !(force || now.saturating_sub(last) >= EVENT_THROTTLE_MS || last == 0) {
                continue;
            }
            if name == ev::TOTAL_UNREAD && !self.s.ready {
                continue;
            }
            self.throttle.set(name, (now.max(1), false));
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
                #[cfg(not(feature = "groups"))]
                continue;
                #[cfg(feature = "groups")]
                self.group_list()
            } else {
                let json = self.list_json();
                self.out.push_back(Output::EmitText { name: name.into(), json });
                continue;
            };
            self.emit(name, Some(data));
        }
    }

    /// `RecentContactMod` items (WIRE.md §5.7): what the user did on another device.
    pub(super) fn recent_contact_mod(&mut self, list: &[Value]) {
        for m in list {
            match u(m, "PushType") {
                1 => {
                    for c in m["RecentContactDeleteItem"]["RecentContactList"].as_array().into_iter().flatten() {
                        if let Some(id) = contact_id(c) {
                            self.forget_conversation(&id);
                        }
                    }
                }
                t @ (2 | 3) => {
                    for c in m["RecentContactTopItem"]["RecentContactList"].as_array().into_iter().flatten() {
                        if let Some(id) = contact_id(c) {
                            self.set_pinned(&id, t == 2);
                        }
                    }
                }
                4 => {
                    let items = &m["RecentContactMarkContact"]["RecentContactMarkContactItem"];
                    for it in items.as_array().into_iter().flatten() {
                        let Some(id) = contact_id(&it["RecentContactItem"]) else { continue };
                        let Some(c) = self.s.conversations.get_mut(&id) else { continue };
                        if u(it, "OptType") == 2 {
                            if let Some(d) = it["CustomMark"].as_str().filter(|d| *d != c.custom_data) {
                                c.custom_data = d.to_string();
                                self.touch_conv(&id);
                            }
                        } else {
                            let marks = marks_from_bits(it["StandardMark"].as_str().unwrap_or(""));
                            if marks != c.mark_list {
                                c.mark_list = marks;
                                self.touch_conv(&id);
                            }
                        }
                    }
                }
                5 => {
                    let items = &m["RecentContactCreateContactGroup"]["MsgContactGroupContactItem"];
                    let mut listed = false;
                    for it in items.as_array().into_iter().flatten() {
                        let g = &it["MsgGroupItem"];
                        let name = s(g, "GroupName");
                        listed |= self.put_conv_group(&id_text(&g["GroupId"]), &name);
                        for c in it["MsgRecentContactItem"].as_array().into_iter().flatten() {
                            if let Some(id) = contact_id(c) {
                                self.file_conversation(&id, &name, true);
                            }
                        }
                    }
                    if listed {
                        self.conv_groups_changed();
                    }
                }
                6 => {
                    for g in m["RecentContactDelContactGroup"]["MsgGroupItem"].as_array().into_iter().flatten() {
                        let gid = id_text(&g["GroupId"]);
                        let name = self
                            .s
                            .conv_groups
                            .iter()
                            .find(|(i, n)| (!gid.is_empty() && *i == gid) || *n == s(g, "GroupName"))
                            .map(|(_, n)| n.clone());
                        if let Some(name) = name {
                            self.erase_conv_group(&name);
                        }
                    }
                }
                7 => self.conv_group_updated(&m["RecentContactUpdateContactGroup"]),
                _ => {}
            }
        }
    }
}

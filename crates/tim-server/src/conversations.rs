//! Conversations on the server (B-conversations-groups.md §3; WIRE.md §4.6, §5.7;
//! `docs/protocol.md`, "Conversations"): the list (`recentcontact.page_get`, paged, pinned
//! first), pinning (`top`), deletion (`batch_delete`), marks and custom data (`mark_contact`),
//! conversation groups (`create_contact_group`, `del_contact_group`, `update_contact_group`,
//! `get_contact_group`). Each change is pushed to the user's other sessions as `Event 11`
//! `RecentContactMod` with the `PushType` tim-js-sdk parses.
//!
//! A conversation is `(kind, peer)`: kind 1 = C2C with a user, 2 = a group or topic. Its last
//! message comes from the message tables; its per-user state (pin, marks, custom data, deletion
//! point) from [`ConvState`]. The order key is `time * 1e6 + (row id mod 1e6)` of the last
//! message (so it grows with every sent or received message that updates the last message),
//! raised by a pin to above every other conversation of the user.

use serde_json::{json, Value};
use std::collections::HashMap;
use tim_proto::cmd;
use tim_proto::code;

use crate::api::cx::Cx;
use crate::api::reply::{fail, internal, ok, ok_with, ApiError, Reply, Who};

use crate::store::ConvState;
use crate::{now, State};

/// C2C conversation kind.
pub const C2C: u8 = 1;
/// Group (or topic) conversation kind.
pub const GROUP: u8 = 2;
/// Most conversation groups per user (51010 beyond).
pub const MAX_CONV_GROUPS: usize = 20;
/// Longest conversation-group name in bytes (51011 beyond).
pub const MAX_CONV_GROUP_NAME: usize = 32;
/// Most conversations in one mark / group request.
pub const MAX_IDS: usize = 100;
/// Conversations per `page_get` page.
pub const PAGE: usize = 100;
/// Longest `CustomMark`, in bytes.
pub const MAX_CUSTOM_DATA: usize = 256;
/// `Event` of `RecentContactMod` pushes.
pub const EVENT_RECENT_CONTACT: u32 = 11;

/// The order key of a message at `time` with row id `id`.
fn activity_key(time: u64, id: i64) -> u64 {
    time.saturating_mul(1_000_000) + u64::try_from(id.rem_euclid(1_000_000)).unwrap_or(0)
}

/// `StandardMark`: the mark bits as a `0`/`1` string, rightmost = bit 0.
pub fn mark_string(marks: u64) -> String {
    format!("{marks:b}")
}

/// One listed conversation.
struct Conv {
    peer: String,
    key: u64,
    state: ConvState,
    groups: Vec<u64>,
    item: Value,
}

/// A contact as the SDK sends it: `{Type:1, To_Account}` or `{Type:2, ToGroupId|GroupId|ToGroupid}`.
fn contact(v: &Value) -> Option<(u8, String)> {
    let s = |k: &str| v[k].as_str().filter(|s| !s.is_empty()).map(str::to_string);
    match v["Type"].as_u64() {
        Some(1) => s("To_Account").or_else(|| s("UserId")).map(|p| (C2C, p)),
        Some(2) => s("ToGroupId").or_else(|| s("GroupId")).or_else(|| s("ToGroupid")).map(|g| (GROUP, g)),
        _ => None,
    }
}

/// A contact in a reply (`group_key` is the command's spelling of the group field).
fn contact_wire(kind: u8, peer: &str, group_key: &str) -> Value {
    if kind == C2C {
        json!({"Type": 1, "To_Account": peer})
    } else {
        let mut v = json!({"Type": 2});
        v[group_key] = json!(peer);
        v
    }
}

/// A contact in a push (`RecentContactItem`, `RecentContactList`).
fn contact_push(kind: u8, peer: &str) -> Value {
    if kind == C2C {
        json!({"Type": 1, "UserId": peer})
    } else {
        json!({"Type": 2, "GroupId": peer})
    }
}

fn conv_id(kind: u8, peer: &str) -> String {
    if kind == C2C {
        format!("C2C{peer}")
    } else {
        format!("GROUP{peer}")
    }
}

/// Push a `RecentContactMod` item to `user`'s sessions other than the caller's.
fn push_mod(st: &Cx<'_>, who: &Who, user: &str, item: Value) {
    let body = json!({"EventArray":[{"Event": EVENT_RECENT_CONTACT, "RecentContactMod": [item]}]});
    st.push_user(who.sdkappid(), user, who.conn_id(), &body);
}

/// Whether `user` may have this conversation: the peer account exists, or `user` is a member of
/// the group (of the topic's community). `Ok(false)` = unknown conversation.
fn known(st: &State, sdkappid: u64, user: &str, kind: u8, peer: &str) -> Result<bool, ApiError> {
    if kind == C2C {
        return Ok(st.store.account(sdkappid, peer).map_err(internal)?.is_some());
    }
    let Some(g) = st.store.group(sdkappid, peer).map_err(internal)? else { return Ok(false) };
    let group = crate::topics::member_group(&g).to_string();
    Ok(st.store.member(sdkappid, &group, user).map_err(internal)?.is_some())
}

fn unknown_conv(kind: u8, peer: &str) -> (i64, String) {
    (code::CONVERSATION_NOT_FOUND, format!("conversation {} does not exist", conv_id(kind, peer)))
}

/// Every visible conversation of `user`, pinned first, then by order key (highest first).
fn list(st: &State, sdkappid: u64, user: &str) -> Result<Vec<Conv>, ApiError> {
    let mut states: HashMap<(u8, String), ConvState> = st
        .store
        .conv_states(sdkappid, user)
        .map_err(internal)?
        .into_iter()
        .map(|s| ((s.kind, s.peer.clone()), s))
        .collect();
    let mut memberships: HashMap<(u8, String), Vec<u64>> = HashMap::new();
    for (id, kind, peer) in st.store.conv_group_members(sdkappid, user).map_err(internal)? {
        memberships.entry((kind, peer)).or_default().push(id);
    }
    let retention = st.config.conversations.retention_days.saturating_mul(86_400);
    let oldest = if retention == 0 { 0 } else { now().saturating_sub(retention) };
    let mut out = Vec::new();
    let mut maps = (std::mem::take(&mut states), std::mem::take(&mut memberships));
    type Maps = (HashMap<(u8, String), ConvState>, HashMap<(u8, String), Vec<u64>>);
    let add = |kind: u8, peer: String, last: Option<(u64, i64)>, item: Value, out: &mut Vec<Conv>, m: &mut Maps| {
        let (states, memberships) = m;
        let state = states.remove(&(kind, peer.clone())).unwrap_or_else(|| ConvState {
            kind,
            peer: peer.clone(),
            ..ConvState::default()
        });
        let last = last.filter(|(_, point)| *point > state.del_point);
        if last.is_none() && !state.pinned {
            return;
        }
        if !state.pinned && last.map(|(t, _)| t).unwrap_or(0) < oldest {
            return;
        }
        let key = last.map(|(t, id)| activity_key(t, id)).unwrap_or(0).max(state.order_key);
        let groups = memberships.remove(&(kind, peer.clone())).unwrap_or_default();
        out.push(Conv { peer, key, state, groups, item });
    };
    for c in st.store.conversations(sdkappid, user).map_err(internal)? {
        let peer_acc = st.store.account(sdkappid, &c.peer).ok().flatten();
        let nick = peer_acc.as_ref().map(|a| a.nick.clone()).unwrap_or_default();
        let image = peer_acc.map(|a| a.face_url).unwrap_or_default();
        let (last, item) = match &c.last {
            Some(m) => {
                let w = crate::commands::to_wire(m);
                let item = json!({
                    "Type": 1, "To_Account": c.peer, "MsgTime": m.msg_time, "MsgSeq": m.msg_seq,
                    "MsgRandom": m.msg_random, "LastC2CMsgFromAccount": m.from,
                    "LastMsg": {"MsgBody": w.msg_body, "CloudCustomData": w.cloud_custom_data},
                    "LastMsgFlags": m.flags, "C2cPeerReadTime": c.peer_read_time, "C2cNick": nick,
                    "C2cImage": image, "UnreadMsgCount": c.unread,
                });
                // The C2C deletion point is a message id.
                (Some((m.msg_time, m.id)), item)
            }
            None => (None, empty_c2c_item(&c.peer, &nick, &image)),
        };
        add(C2C, c.peer.clone(), last, item, &mut out, &mut maps);
    }
    for g in crate::groups::session_items(st, sdkappid, user)? {
        // The group deletion point is a sequence.
        let last = Some((g.last_time, i64::try_from(g.last_seq).unwrap_or(i64::MAX)));
        add(GROUP, g.group_id, last, g.item, &mut out, &mut maps);
    }
    // Pinned conversations without messages (or with every message deleted).
    let rest: Vec<ConvState> = maps.0.values().filter(|s| s.pinned).cloned().collect();
    for s in rest {
        if !known(st, sdkappid, user, s.kind, &s.peer)? {
            continue;
        }
        let item = if s.kind == C2C {
            let acc = st.store.account(sdkappid, &s.peer).ok().flatten();
            let nick = acc.as_ref().map(|a| a.nick.clone()).unwrap_or_default();
            empty_c2c_item(&s.peer, &nick, &acc.map(|a| a.face_url).unwrap_or_default())
        } else {
            json!({"Type": 2, "ToAccount": s.peer, "MsgTime": 0, "MsgSeq": 0, "LastMsg": {"MsgBody": []},
                "UnreadMsgCount": 0, "MsgGroupReadedSeq": 0})
        };
        add(s.kind, s.peer.clone(), None, item, &mut out, &mut maps);
    }
    // Order keys are unique per user except for ties of pinned-only rows; the peer breaks them.
    out.sort_by(|a, b| b.state.pinned.cmp(&a.state.pinned).then(b.key.cmp(&a.key)).then_with(|| a.peer.cmp(&b.peer)));
    for c in &mut out {
        c.item["TopFlags"] = json!(u32::from(c.state.pinned));
        c.item["StandardMark"] = json!(mark_string(c.state.marks));
        c.item["CustomMark"] = json!(c.state.custom_data);
        c.item["ContactGroupId"] = json!(c.groups);
        c.item["OrderKey"] = json!(c.key);
    }
    Ok(out)
}

fn empty_c2c_item(peer: &str, nick: &str, image: &str) -> Value {
    json!({"Type": 1, "To_Account": peer, "MsgTime": 0, "MsgSeq": 0, "MsgRandom": 0,
        "LastC2CMsgFromAccount": "", "LastMsg": {"MsgBody": [], "CloudCustomData": ""}, "LastMsgFlags": 0,
        "C2cPeerReadTime": 0, "C2cNick": nick, "C2cImage": image, "UnreadMsgCount": 0})
}

fn group_items(st: &State, sdkappid: u64, user: &str) -> Result<Vec<Value>, ApiError> {
    Ok(st
        .store
        .conv_groups(sdkappid, user)
        .map_err(internal)?
        .into_iter()
        .map(|(id, name)| json!({"GroupId": id, "GroupName": name}))
        .collect())
}

/// `recentcontact.page_get` (WIRE.md §4.6). Cursors: `TopTimeStamp` = the order key of the last
/// pinned conversation sent (1 once every pinned one went), `TopStartIndex` = pinned ones sent,
/// `TimeStamp` = the order key of the last unpinned one sent, `StartIndex` = unpinned ones sent.
/// `StartIndex` and `TopStartIndex` both 0 starts from the top; the last page (`CompleteFlag 1`)
/// resets the cursors (with `TimeStamp` = now), so the SDK's next sync starts over.
pub(crate) fn page_get(st: &State, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let num = |k: &str| body[k].as_u64().unwrap_or(0);
    let (ts, start, top_ts, top_start) =
        (num("TimeStamp"), num("StartIndex"), num("TopTimeStamp"), num("TopStartIndex"));
    let fresh = start == 0 && top_start == 0;
    let max = st.config.conversations.max_list.max(1);
    let all = list(st, sdkappid, &user)?;
    let delivered = if fresh { 0 } else { usize::try_from(start + top_start).unwrap_or(usize::MAX) };
    let room = max.saturating_sub(delivered).min(PAGE);
    let pending: Vec<&Conv> = all
        .iter()
        .filter(|c| {
            if fresh {
                true
            } else if c.state.pinned {
                c.key < top_ts
            } else {
                start > 0 && c.key < ts || start == 0
            }
        })
        .collect();
    let page: Vec<&Conv> = pending.iter().take(room).copied().collect();
    let complete = pending.len() <= page.len() || delivered + page.len() >= max;
    let (mut n_top, mut n) = if fresh { (0, 0) } else { (top_start, start) };
    let (mut next_top_ts, mut next_ts) = (top_ts, ts);
    for c in &page {
        if c.state.pinned {
            n_top += 1;
            next_top_ts = c.key;
        } else {
            n += 1;
            next_ts = c.key;
        }
    }
    if page.iter().any(|c| !c.state.pinned) || !pending.iter().skip(page.len()).any(|c| c.state.pinned) {
        next_top_ts = 1; // every pinned conversation went
    }
    let items: Vec<Value> = page.iter().map(|c| c.item.clone()).collect();
    let cursors = if complete {
        json!({"TimeStamp": now(), "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0})
    } else {
        json!({"TimeStamp": next_ts, "StartIndex": n, "TopTimeStamp": next_top_ts, "TopStartIndex": n_top})
    };
    let mut rep = ok_with(json!({"SessionItem": items, "CompleteFlag": u32::from(complete),
        "GroupItem": group_items(st, sdkappid, &user)?}));
    if let (Some(o), Value::Object(c)) = (rep.as_object_mut(), cursors) {
        o.extend(c);
    }
    Ok(rep)
}

/// `recentcontact.get_contact_group` (WIRE.md §3): the conversation groups, and every
/// conversation with marks, custom data or groups; one page.
pub(crate) fn get_contact_group(st: &State, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let mut items: Vec<Value> = Vec::new();
    let mut memberships: HashMap<(u8, String), Vec<u64>> = HashMap::new();
    for (id, kind, peer) in st.store.conv_group_members(sdkappid, &user).map_err(internal)? {
        memberships.entry((kind, peer)).or_default().push(id);
    }
    for s in st.store.conv_states(sdkappid, &user).map_err(internal)? {
        let groups = memberships.remove(&(s.kind, s.peer.clone())).unwrap_or_default();
        if s.marks == 0 && s.custom_data.is_empty() && groups.is_empty() {
            continue;
        }
        items.push(contact_item(s.kind, &s.peer, s.marks, &s.custom_data, &groups));
    }
    for ((kind, peer), groups) in memberships {
        items.push(contact_item(kind, &peer, 0, "", &groups));
    }
    Ok(ok_with(json!({"GroupItem": group_items(st, sdkappid, &user)?, "ContactItem": items,
        "NextStartIndex": 0, "CompleteFlag": 1})))
}

fn contact_item(kind: u8, peer: &str, marks: u64, custom: &str, groups: &[u64]) -> Value {
    let mut v = contact_wire(kind, peer, "ToGroupId");
    v["StandardMark"] = json!(mark_string(marks));
    v["CustomMark"] = json!(custom);
    v["ContactGroupId"] = json!(groups);
    v
}

fn contacts(v: &Value) -> Vec<Option<(u8, String)>> {
    v.as_array().map(|a| a.iter().map(contact).collect()).unwrap_or_default()
}

/// `recentcontact.top` (`pinConversation`): `OperationType` 1 pin, 2 unpin,
/// `RecentContactItem: [contact]`. Pinning raises the order key above every other conversation.
/// Pushes `PushType` 2 / 3 with `RecentContactTopItem.RecentContactList`.
pub(crate) fn top(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let pin = match body["OperationType"].as_u64() {
        Some(1) => true,
        Some(2) => false,
        _ => return Err(fail(code::MISSING_FIELD, "OperationType must be 1 (pin) or 2 (unpin)")),
    };
    let targets = contacts(&body["RecentContactItem"]);
    if targets.is_empty() || targets.len() > MAX_IDS {
        return Err(fail(code::MISSING_FIELD, format!("RecentContactItem must hold 1 to {MAX_IDS} conversations")));
    }
    let mut top_key = if pin { list(st, sdkappid, &user)?.iter().map(|c| c.key).max().unwrap_or(0) } else { 0 };
    let mut done = Vec::new();
    for t in &targets {
        let Some((kind, peer)) = t else {
            return Err(fail(code::INVALID_CONVERSATION_ID, "invalid RecentContactItem"));
        };
        if !known(st, sdkappid, &user, *kind, peer)? {
            let (c, m) = unknown_conv(*kind, peer);
            return Err(fail(c, m));
        }
        let mut s = st.store.conv_state(sdkappid, &user, *kind, peer).map_err(internal)?;
        if pin {
            top_key = (top_key + 1).max(activity_key(now(), 999_999));
            s.order_key = top_key;
        }
        s.pinned = pin;
        st.store.put_conv_state(sdkappid, &user, &s).map_err(internal)?;
        done.push(contact_push(*kind, peer));
    }
    push_mod(
        st,
        who,
        &user,
        json!({"PushType": if pin { 2 } else { 3 }, "RecentContactTopItem": {"RecentContactList": done}}),
    );
    Ok(ok())
}

/// The point up to which `user` deleted a conversation's history (a C2C message id or a group
/// sequence; 0 = nothing deleted): `getroammsg` and `group_msg_get` return only later messages.
pub fn history_floor(st: &State, sdkappid: u64, user: &str, kind: u8, peer: &str) -> i64 {
    st.store.conv_state(sdkappid, user, kind, peer).map(|s| s.del_point).unwrap_or(0)
}

/// Every C2C deletion point of `user`, by peer (for `getmsg`, which pages the whole stream).
pub fn c2c_history_floors(st: &State, sdkappid: u64, user: &str) -> Result<HashMap<String, i64>, ApiError> {
    let states = st.store.conv_states(sdkappid, user).map_err(internal)?;
    Ok(states.into_iter().filter(|c| c.kind == C2C && c.del_point > 0).map(|c| (c.peer, c.del_point)).collect())
}

/// `recentcontact.batch_delete` (`deleteConversation`): `ContactItem: [{Type, To_Account |
/// ToGroupid}]`. The conversation leaves the list, its unread is cleared, its pin, marks, custom
/// data and groups go, and its history up to now is hidden from the caller; a later message
/// brings it back. Reply `ResultItem: [{Type, To_Account | ToGroupid, ResultCode, ResultInfo}]`.
/// With `[conversations] sync_conversation_deletion`, pushes `PushType` 1.
pub(crate) fn batch_delete(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let targets = contacts(&body["ContactItem"]);
    if targets.is_empty() || targets.len() > MAX_IDS {
        return Err(fail(code::MISSING_FIELD, format!("ContactItem must hold 1 to {MAX_IDS} conversations")));
    }
    let groups = st.store.conv_groups(sdkappid, &user).map_err(internal)?;
    let mut results = Vec::new();
    let mut deleted = Vec::new();
    for (n, t) in targets.iter().enumerate() {
        let Some((kind, peer)) = t else {
            results.push(json!({"Type": body["ContactItem"][n]["Type"], "ResultCode": code::INVALID_CONVERSATION_ID,
                "ResultInfo": "invalid ContactItem"}));
            continue;
        };
        let mut r = contact_wire(*kind, peer, "ToGroupid");
        if !known(st, sdkappid, &user, *kind, peer)? {
            let (c, m) = unknown_conv(*kind, peer);
            r["ResultCode"] = json!(c);
            r["ResultInfo"] = json!(m);
            results.push(r);
            continue;
        }
        let point = if *kind == C2C {
            st.store.mark_read(sdkappid, &user, peer, now()).map_err(internal)?;
            st.store.history(sdkappid, &user, peer, None, 1).map_err(internal)?.first().map(|m| m.id).unwrap_or(0)
        } else {
            let g = crate::groups::load(st, sdkappid, peer)?;
            let last = g.next_msg_seq.saturating_sub(1);
            crate::topics::set_read(st, &g, &user, last)?;
            i64::try_from(last).unwrap_or(i64::MAX)
        };
        let s = ConvState { kind: *kind, peer: peer.clone(), del_point: point, ..ConvState::default() };
        st.store.put_conv_state(sdkappid, &user, &s).map_err(internal)?;
        for (id, _) in &groups {
            st.store.set_conv_group_member(sdkappid, &user, *id, *kind, peer, false).map_err(internal)?;
        }
        r["ResultCode"] = json!(0);
        r["ResultInfo"] = json!("");
        results.push(r);
        deleted.push(contact_push(*kind, peer));
    }
    if st.config.conversations.sync_conversation_deletion && !deleted.is_empty() {
        push_mod(st, who, &user, json!({"PushType": 1, "RecentContactDeleteItem": {"RecentContactList": deleted}}));
    }
    Ok(ok_with(json!({"ResultItem": results})))
}

/// A mark bit index the server accepts: the built-in bits 0..=3 and the app's bits 32..=63.
fn valid_bit(b: u64) -> bool {
    b <= 3 || (32..=63).contains(&b)
}

/// `recentcontact.mark_contact` (`markConversation`, `setConversationCustomData`): `MarkItem:
/// [{OptType 1, ContactItem, SetMark:[bit], ClearMark:[bit]} | {OptType 2, ContactItem,
/// CustomMark}]`, at most 100. Per-item results `ResultItem: [{ContactItem, OptType, ResultCode,
/// ResultInfo}]`; pushes `PushType` 4 with the new `StandardMark` / `CustomMark`.
pub(crate) fn mark_contact(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let Some(items) = body["MarkItem"].as_array().filter(|a| !a.is_empty()) else {
        return Err(fail(code::MISSING_FIELD, "MarkItem must be a non-empty array"));
    };
    if items.len() > MAX_IDS {
        return Err(fail(code::MISSING_FIELD, format!("at most {MAX_IDS} conversations per request")));
    }
    let mut results = Vec::new();
    let mut pushed = Vec::new();
    for it in items {
        let opt = it["OptType"].as_u64().unwrap_or(1);
        let Some((kind, peer)) = contact(&it["ContactItem"]) else {
            results.push(json!({"ContactItem": it["ContactItem"], "OptType": opt,
                "ResultCode": code::INVALID_CONVERSATION_ID, "ResultInfo": "invalid ContactItem"}));
            continue;
        };
        let mut r = json!({"ContactItem": contact_wire(kind, &peer, "ToGroupId"), "OptType": opt});
        let bits = |k: &str| -> Option<Vec<u64>> {
            match &it[k] {
                Value::Null => Some(vec![]),
                Value::Array(a) => a.iter().map(|b| b.as_u64()).collect(),
                _ => None,
            }
        };
        let outcome = (|| -> Result<Result<ConvState, (i64, String)>, ApiError> {
            if !known(st, sdkappid, &user, kind, &peer)? {
                return Ok(Err(unknown_conv(kind, &peer)));
            }
            let mut s = st.store.conv_state(sdkappid, &user, kind, &peer).map_err(internal)?;
            match opt {
                1 => {
                    let (Some(set), Some(clear)) = (bits("SetMark"), bits("ClearMark")) else {
                        return Ok(Err((code::MISSING_FIELD, "SetMark and ClearMark must be bit lists".into())));
                    };
                    if let Some(bad) = set.iter().chain(&clear).find(|b| !valid_bit(**b)) {
                        return Ok(Err((
                            code::MISSING_FIELD,
                            format!("mark bit {bad} is not a built-in bit (0..3) or an app bit (32..63)"),
                        )));
                    }
                    for b in set {
                        s.marks |= 1 << b;
                    }
                    for b in clear {
                        s.marks &= !(1 << b);
                    }
                }
                2 => {
                    let data = it["CustomMark"].as_str().unwrap_or("");
                    if data.len() > MAX_CUSTOM_DATA {
                        return Ok(Err((code::MISSING_FIELD, format!("CustomMark over {MAX_CUSTOM_DATA} bytes"))));
                    }
                    s.custom_data = data.to_string();
                }
                _ => return Ok(Err((code::MISSING_FIELD, "OptType must be 1 (marks) or 2 (custom data)".into()))),
            }
            st.store.put_conv_state(sdkappid, &user, &s).map_err(internal)?;
            Ok(Ok(s))
        })()?;
        match outcome {
            Ok(s) => {
                r["ResultCode"] = json!(0);
                r["ResultInfo"] = json!("");
                pushed.push(json!({"RecentContactItem": contact_push(kind, &peer), "OptType": opt,
                    "StandardMark": mark_string(s.marks), "CustomMark": s.custom_data}));
            }
            Err((c, m)) => {
                r["ResultCode"] = json!(c);
                r["ResultInfo"] = json!(m);
            }
        }
        results.push(r);
    }
    if !pushed.is_empty() {
        push_mod(
            st,
            who,
            &user,
            json!({"PushType": 4, "RecentContactMarkContact": {"RecentContactMarkContactItem": pushed}}),
        );
    }
    Ok(ok_with(json!({"ResultItem": results})))
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if name.is_empty() || name.len() > MAX_CONV_GROUP_NAME {
        return Err(fail(
            code::CONV_GROUP_NAME_INVALID,
            format!("conversation group name must be 1 to {MAX_CONV_GROUP_NAME} bytes"),
        ));
    }
    Ok(())
}

fn find_group(st: &State, sdkappid: u64, user: &str, name: &str) -> Result<u64, ApiError> {
    st.store
        .conv_groups(sdkappid, user)
        .map_err(internal)?
        .into_iter()
        .find(|(_, n)| n == name)
        .map(|(id, _)| id)
        .ok_or_else(|| fail(code::CONV_GROUP_NOT_FOUND, format!("conversation group {name:?} does not exist")))
}

/// Add (`add`) or remove conversations of a group; per-item results `{ContactItem, ResultCode,
/// ResultInfo}` and the contacts that succeeded (push form).
fn set_members(
    st: &State,
    sdkappid: u64,
    user: &str,
    id: u64,
    targets: &[Option<(u8, String)>],
    add: bool,
) -> Result<(Vec<Value>, Vec<Value>), ApiError> {
    let mut results = Vec::new();
    let mut done = Vec::new();
    for t in targets {
        let Some((kind, peer)) = t else {
            results.push(json!({"ContactItem": {}, "ResultCode": code::INVALID_CONVERSATION_ID,
                "ResultInfo": "invalid ContactItem"}));
            continue;
        };
        let mut r = json!({"ContactItem": contact_wire(*kind, peer, "ToGroupId")});
        if add && !known(st, sdkappid, user, *kind, peer)? {
            let (c, m) = unknown_conv(*kind, peer);
            r["ResultCode"] = json!(c);
            r["ResultInfo"] = json!(m);
        } else {
            st.store.set_conv_group_member(sdkappid, user, id, *kind, peer, add).map_err(internal)?;
            r["ResultCode"] = json!(0);
            r["ResultInfo"] = json!("");
            done.push(contact_push(*kind, peer));
        }
        results.push(r);
    }
    Ok((results, done))
}

/// `recentcontact.create_contact_group` (`createConversationGroup`): `GroupContactItem:
/// [{GroupName, ContactItem:[contact]}]`. 51011 for a name of 0 or more than 32 bytes (or one in
/// use), 51010 beyond 20 groups. Reply `GroupResultItem: [{GroupItem:{GroupId, GroupName},
/// ResultItem:[…]}]`; pushes `PushType` 5.
pub(crate) fn create_contact_group(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let Some(spec) = body["GroupContactItem"].as_array().and_then(|a| a.first()) else {
        return Err(fail(code::MISSING_FIELD, "GroupContactItem must hold a group"));
    };
    let name = spec["GroupName"].as_str().unwrap_or("");
    check_name(name)?;
    let targets = contacts(&spec["ContactItem"]);
    if targets.len() > MAX_IDS {
        return Err(fail(code::MISSING_FIELD, format!("at most {MAX_IDS} conversations per request")));
    }
    let existing = st.store.conv_groups(sdkappid, &user).map_err(internal)?;
    if existing.iter().any(|(_, n)| n == name) {
        return Err(fail(code::CONV_GROUP_NAME_INVALID, format!("conversation group {name:?} exists")));
    }
    if existing.len() >= MAX_CONV_GROUPS {
        return Err(fail(code::CONV_GROUP_LIMIT, format!("at most {MAX_CONV_GROUPS} conversation groups")));
    }
    let Some(id) = st.store.add_conv_group(sdkappid, &user, name).map_err(internal)? else {
        return Err(fail(code::CONV_GROUP_NAME_INVALID, format!("conversation group {name:?} exists")));
    };
    let (results, done) = set_members(st, sdkappid, &user, id, &targets, true)?;
    let group = json!({"GroupId": id, "GroupName": name});
    push_mod(
        st,
        who,
        &user,
        json!({"PushType": 5, "RecentContactCreateContactGroup": {"MsgContactGroupContactItem": [
            {"MsgGroupItem": group, "MsgRecentContactItem": done}]}}),
    );
    Ok(ok_with(json!({"GroupResultItem": [{"GroupItem": group, "ResultItem": results}]})))
}

/// `recentcontact.del_contact_group` (`deleteConversationGroup`): `GroupName: [name]`; 51009 if
/// one does not exist. Reply `GroupItem: [{GroupId, GroupName}]`; pushes `PushType` 6.
pub(crate) fn del_contact_group(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let names: Vec<String> = match &body["GroupName"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => vec![],
    };
    if names.is_empty() {
        return Err(fail(code::MISSING_FIELD, "GroupName must name a conversation group"));
    }
    let mut ids = Vec::new();
    for n in &names {
        ids.push((find_group(st, sdkappid, &user, n)?, n.clone()));
    }
    let mut items = Vec::new();
    for (id, n) in ids {
        st.store.delete_conv_group(sdkappid, &user, id).map_err(internal)?;
        items.push(json!({"GroupId": id, "GroupName": n}));
    }
    push_mod(st, who, &user, json!({"PushType": 6, "RecentContactDelContactGroup": {"MsgGroupItem": items}}));
    Ok(ok_with(json!({"GroupItem": items})))
}

/// `recentcontact.update_contact_group`: `UpdateType 1`, `UpdateGroup: {UpdateGroupType 1,
/// OldGroupName, NewGroupName}` renames (`renameConversationGroup`), `{UpdateGroupType 2,
/// GroupName | OldGroupName, UpdateItem | ContactUpdateItem: [{OperationType | ContactOptType:
/// 1 add / 2 remove, ContactItem}]}` adds or removes conversations. Reply `UpdateGroupResult:
/// {GroupId, GroupName, OldGroupName, ContactResultItem}`; pushes `PushType` 7.
pub(crate) fn update_contact_group(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let u = &body["UpdateGroup"];
    let s = |k: &str| u[k].as_str().unwrap_or("").to_string();
    match u["UpdateGroupType"].as_u64() {
        Some(1) => {
            let (old, new) = (s("OldGroupName"), s("NewGroupName"));
            let id = find_group(st, sdkappid, &user, &old)?;
            check_name(&new)?;
            if old != new && !st.store.rename_conv_group(sdkappid, &user, id, &new).map_err(internal)? {
                return Err(fail(code::CONV_GROUP_NAME_INVALID, format!("conversation group {new:?} exists")));
            }
            push_mod(
                st,
                who,
                &user,
                json!({"PushType": 7, "RecentContactUpdateContactGroup": {"UpdateType": 1, "MsgUpdateGroup": {
                    "UpdateGroupType": 1, "GroupId": id, "GroupName": new, "OldGroupName": old}}}),
            );
            Ok(ok_with(json!({"UpdateGroupResult": {"GroupId": id, "GroupName": new, "OldGroupName": old}})))
        }
        Some(2) => {
            let name = Some(s("GroupName")).filter(|n| !n.is_empty()).unwrap_or_else(|| s("OldGroupName"));
            let id = find_group(st, sdkappid, &user, &name)?;
            let list = if u["UpdateItem"].is_array() { &u["UpdateItem"] } else { &u["ContactUpdateItem"] };
            let items = list.as_array().cloned().unwrap_or_default();
            if items.is_empty() || items.len() > MAX_IDS {
                return Err(fail(code::MISSING_FIELD, format!("UpdateItem must hold 1 to {MAX_IDS} conversations")));
            }
            let mut results = Vec::new();
            let mut pushed = Vec::new();
            for it in &items {
                let op = it["OperationType"].as_u64().or_else(|| it["ContactOptType"].as_u64()).unwrap_or(0);
                if op != 1 && op != 2 {
                    results.push(json!({"ContactItem": it["ContactItem"], "ContactOptType": op,
                        "ResultCode": code::MISSING_FIELD, "ResultInfo": "OperationType must be 1 or 2"}));
                    continue;
                }
                let (mut r, done) = set_members(st, sdkappid, &user, id, &[contact(&it["ContactItem"])], op == 1)?;
                for mut x in r.drain(..) {
                    x["ContactOptType"] = json!(op);
                    results.push(x);
                }
                for c in done {
                    pushed.push(json!({"ContactOptType": op, "RecentContactItem": c}));
                }
            }
            if !pushed.is_empty() {
                push_mod(
                    st,
                    who,
                    &user,
                    json!({"PushType": 7, "RecentContactUpdateContactGroup": {"UpdateType": 1, "MsgUpdateGroup": {
                        "UpdateGroupType": 2, "GroupId": id, "GroupName": name, "OldGroupName": name,
                        "RecentContactUpdateGroupItem": pushed}}}),
                );
            }
            Ok(ok_with(json!({"UpdateGroupResult": {"GroupId": id, "GroupName": name, "OldGroupName": name,
                "ContactResultItem": results}})))
        }
        _ => Err(fail(code::MISSING_FIELD, "UpdateGroup.UpdateGroupType must be 1 (rename) or 2 (members)")),
    }
}

/// `openim.read_all_unread_msg` (`setAllMessageRead`): `{C2CReadAllMsg: 0|1, GroupReadInfo:
/// [{GroupId, MsgSeq}]}`. Every C2C conversation is read up to now (with `C2CReadAllMsg 1`) and
/// each group up to `MsgSeq` (at most its last message). Reply `{C2CReadAllMsg,
/// GroupReadInfoArray: [{GroupId, MsgSeq, RetCode}]}`; the other sessions get `Event 14`
/// `{C2CReadAllMsg, GroupReadInfoArray: [{GroupId, LastReadMsgSeq}]}` (WIRE.md §5.7).
pub(crate) fn read_all(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let sdkappid = who.sdkappid();
    let user = who.acting(body, "From_Account");
    let c2c = body["C2CReadAllMsg"].as_u64() == Some(1);
    if c2c {
        let t = now();
        for c in st.store.conversations(sdkappid, &user).map_err(internal)? {
            if c.unread > 0 {
                st.store.mark_read(sdkappid, &user, &c.peer, t).map_err(internal)?;
            }
        }
    }
    let mut results = Vec::new();
    let mut synced = Vec::new();
    for it in body["GroupReadInfo"].as_array().cloned().unwrap_or_default() {
        let gid = it["GroupId"].as_str().unwrap_or("").to_string();
        let seq = it["MsgSeq"].as_u64().unwrap_or(u64::MAX);
        let read = (|| -> Result<u64, ApiError> {
            let g = crate::groups::load(st, sdkappid, &gid)?;
            crate::groups::require_member(st, who, &g, &user)?;
            crate::topics::set_read(st, &g, &user, seq.min(g.next_msg_seq.saturating_sub(1)))
        })();
        match read {
            Ok(r) => {
                results.push(json!({"GroupId": gid, "MsgSeq": r, "RetCode": 0}));
                synced.push(json!({"GroupId": gid, "LastReadMsgSeq": r}));
            }
            Err(e) => results.push(json!({"GroupId": gid, "MsgSeq": seq, "RetCode": e.code})),
        }
    }
    if c2c || !synced.is_empty() {
        let push = json!({"EventArray": [{"Event": cmd::event::READ_ALL, "C2CReadAllMsg": u32::from(c2c),
            "GroupReadInfoArray": synced}]});
        st.push_user(sdkappid, &user, who.conn_id(), &push);
    }
    Ok(ok_with(json!({"C2CReadAllMsg": u32::from(c2c), "GroupReadInfoArray": results})))
}

/// REST `recentcontact/delete` (`{From_Account, Type, To_Account | ToGroupid, ClearRamble}`):
/// `batch_delete` of one conversation; the item's failure fails the call.
pub(crate) fn rest_delete(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let mut item = json!({"Type": body["Type"]});
    for k in ["To_Account", "ToGroupid", "ToGroupId", "GroupId"] {
        if !body[k].is_null() {
            item[k] = body[k].clone();
        }
    }
    let rep = batch_delete(st, who, &json!({"From_Account": body["From_Account"], "ContactItem": [item]}))?;
    let r = &rep["ResultItem"][0];
    match r["ResultCode"].as_i64() {
        Some(0) => Ok(ok()),
        Some(c) => Err(fail(c, r["ResultInfo"].as_str().unwrap_or(""))),
        None => Err(fail(code::MISSING_FIELD, "no conversation given")),
    }
}

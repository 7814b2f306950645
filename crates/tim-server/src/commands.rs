//! One-to-one messages and accounts: `sendmsg`, `getmsg`, `getroammsg`, read reports, account
//! import and kick, and the fixed answers of the SDK's login phase (rows in
//! [`crate::api::table`]).

use serde_json::{json, Value};
use tim_proto::cmd::{self, C2cMsgReadedItem, MsgReadedReq};
use tim_proto::code;
use tim_proto::msg::{c2c_msg_key, C2cMsg, MsgElem};

use crate::api::cx::Cx;
use crate::api::reply::{ensure_user, fail, internal, ok, ok_with, ApiError, Who, C2C_ACCOUNT};
use crate::store::{Fanout, Inserted, StoredMsg};
use crate::{now, State};

/// Commands answered with a fixed reply so the SDK's login phase completes.
pub(crate) fn login_phase_reply(servcmd: &str, sdkappid: u64) -> Option<Value> {
    Some(match servcmd {
        cmd::BLACK_LIST_GET => ok_with(json!({"BlackListItem": [], "StartIndex": 0, "CurruentSequence": 0})),
        cmd::FRIEND_GET => ok_with(json!({"UserDataItem": [], "FriendNum": 0, "NextStartIndex": 0,
            "StandardSequence": 0, "CustomSequence": 0, "CompleteFlag": 1})),
        cmd::SNS_GROUP_GET => ok_with(json!({"ResultItem": [], "CurrentSequence": 0})),
        cmd::PENDENCY_GET => {
            ok_with(json!({"PendencyItem": [], "UnreadPendencyCount": 0, "StartTime": 0, "CurrentSequence": 0}))
        }
        cmd::AUTHKEY => ok_with(json!({"AuthKey": "", "ExpireTime": 0})),
        cmd::GET_C2C_PEER_MUTE_NOTIFICATIONS => ok_with(json!({"MuteNotificationsList": [], "UpdateSeq": 0})),
        cmd::TIM_WEB_REPORT => ok(),
        cmd::FETCH_CONFIG => {
            json!({"int32_error_code": 0, "str_error_message": "", "str_json_config": "",
            "uint32_expired_time": now() + 3600, "uint32_sdkappid": sdkappid, "uint64_version": 0,
            "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""})
        }
        cmd::FETCH_PURCHASE_BITS => json!({"int32_error_code": 0, "str_error_message": "",
            "str_purchase_bits": "1".repeat(64), "uint32_expired_time": now() + 3600,
            "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""}),
        _ => return None,
    })
}

pub use crate::validate::KNOWN_ELEMS;

/// Largest `MsgBody` + `CloudCustomData`, in bytes (Tencent's limit is 12 KB).
pub const MAX_MSG_BYTES: usize = 12 * 1024;

/// A stored message as it travels.
pub fn to_wire(m: &StoredMsg) -> C2cMsg {
    C2cMsg {
        from_account: m.from.clone(),
        to_account: m.to.clone(),
        msg_seq: m.msg_seq,
        msg_random: m.msg_random,
        msg_time_stamp: m.msg_time,
        msg_client_time: m.client_time,
        tiny_id: m.from_tiny_id.to_string(),
        msg_key: c2c_msg_key(m.msg_seq, m.msg_random, m.msg_time),
        msg_flag_bits: m.flags,
        msg_body: serde_json::from_str::<Vec<MsgElem>>(&m.body).unwrap_or_default(),
        cloud_custom_data: m.cloud_custom_data.clone(),
        from_account_nick: m.nick.clone(),
        from_account_headurl: m.headurl.clone(),
        ..C2cMsg::default()
    }
}

fn wire_value(m: &C2cMsg) -> Value {
    serde_json::to_value(m).unwrap_or_default()
}

/// `openim.sendmsg` (WIRE.md §4.1), also `POST /v4/openim/sendmsg`.
pub(crate) fn sendmsg(st: &Cx<'_>, who: &Who, body: &Value) -> Value {
    if body.get("MsgBody").is_some() {
        if let Err(why) = crate::validate::check_msg_body(&body["MsgBody"]) {
            return fail(code::MSG_BODY_INVALID, why).into();
        }
    }
    let req: cmd::SendMsgReq = match serde_json::from_value(body.clone()) {
        Ok(r) => r,
        Err(e) => return fail(code::REST_INVALID_JSON, format!("invalid sendmsg body: {e}")).into(),
    };
    let sdkappid = who.sdkappid();
    let from = match who {
        Who::User { user, .. } => {
            if !req.from_account.is_empty() && req.from_account != *user {
                return fail(code::INVALID_REQUEST, "From_Account is not the logged-in user").into();
            }
            user.clone()
        }
        Who::Admin { admin, .. } => {
            if req.from_account.is_empty() {
                admin.clone()
            } else {
                req.from_account.clone()
            }
        }
    };
    if req.to_account.is_empty() {
        return fail(code::MISSING_FIELD, "To_Account is missing").into();
    }
    if req.msg_body.is_empty() {
        return fail(code::MSG_BODY_INVALID, "MsgBody is empty").into();
    }
    let body_json = serde_json::to_string(&req.msg_body).unwrap_or_default();
    if body_json.len() + req.cloud_custom_data.len() > MAX_MSG_BYTES {
        return fail(code::MSG_TOO_LONG, format!("message larger than {MAX_MSG_BYTES} bytes")).into();
    }
    let sender = match ensure_user(st, who, sdkappid, &from, C2C_ACCOUNT) {
        Ok(a) => a,
        Err(e) => return e.into(),
    };
    if let Err(e) = ensure_user(st, who, sdkappid, &req.to_account, C2C_ACCOUNT) {
        return e.into();
    }
    let control = req.send_msg_control.clone().unwrap_or_default();
    let has = |c: &str| control.iter().any(|x| x == c);
    // REST `SyncOtherMachine`: 1 (default) = sync to the sender, 2 = do not (Tencent REST docs).
    let sync_sender = req.sync_other_machine != Some(2);
    // REST callers may omit MsgSeq (and MsgRandom). A given MsgRandom without MsgSeq is used as
    // the sequence too, so a retried REST call is recognised as a resend.
    let is_admin = matches!(who, Who::Admin { .. });
    let msg_random =
        if req.msg_random == 0 && is_admin { u64::from(rand::random::<u32>() % 100_000_000) } else { req.msg_random };
    let msg_seq = match req.msg_seq {
        0 if is_admin && req.msg_random != 0 => req.msg_random,
        0 if is_admin => u64::from(rand::random::<u32>()),
        s => s,
    };
    let t = now();
    let msg = StoredMsg {
        id: 0,
        sdkappid,
        from: from.clone(),
        to: req.to_account.clone(),
        msg_seq,
        msg_random,
        msg_time: t,
        client_time: if req.msg_client_time == 0 { t } else { req.msg_client_time },
        from_tiny_id: sender.tiny_id,
        body: body_json,
        cloud_custom_data: req.cloud_custom_data.clone(),
        // The sender's stored profile, never the request's `From_AccountNick`/`…Headurl`.
        nick: sender.nick,
        headurl: sender.face_url,
        flags: 0,
    };
    let online_only = req.msg_life_time == Some(0);
    let stored = if online_only {
        msg
    } else {
        let fanout = Fanout { sync_sender, count_unread: !has("NoUnread"), update_last: !has("NoLastMsg") };
        match st.store.store_c2c(&msg, fanout) {
            Ok(Inserted::New(m)) => m,
            Ok(Inserted::Duplicate(m)) => {
                tracing::debug!(from = ?m.from, to = ?m.to, seq = m.msg_seq, "sendmsg resend, answering the original");
                return sendmsg_reply(&m);
            }
            Err(e) => return internal(e).into(),
        }
    };
    let mut wire = to_wire(&stored);
    wire.is_need_read_receipt = req.is_need_read_receipt.unwrap_or(0);
    let mut for_receiver = wire_value(&wire);
    if online_only {
        for_receiver["MsgLifeTime"] = json!(0);
    }
    // The receiving SDK honours `NoUnread` / `NoLastMsg` from the push (tim-js-sdk reads
    // `SendMsgControl` from received messages); the stored stream and the conversation counters
    // already applied them through `Fanout`.
    let control: Vec<&String> = control.iter().filter(|c| *c == "NoUnread" || *c == "NoLastMsg").collect();
    if !control.is_empty() {
        for_receiver["SendMsgControl"] = json!(control);
    }
    let receiver_push = json!({"EventArray":[{"Event": cmd::event::C2C_MSG, "C2cMsgArray":[for_receiver]}]});
    st.push_user(sdkappid, &stored.to, who.conn_id(), &receiver_push);
    if sync_sender && stored.from != stored.to {
        // IsSyncMsg copy, addresses from the peer's side (WIRE.md §5.3).
        let mut copy = wire.clone();
        copy.is_sync_msg = 1;
        std::mem::swap(&mut copy.from_account, &mut copy.to_account);
        let mut copy = wire_value(&copy);
        if !control.is_empty() {
            copy["SendMsgControl"] = json!(control);
        }
        let copy = json!({"EventArray":[{"Event": cmd::event::C2C_MSG, "C2cMsgArray":[copy]}]});
        st.push_user(sdkappid, &stored.from, who.conn_id(), &copy);
    }
    sendmsg_reply(&stored)
}

fn sendmsg_reply(m: &StoredMsg) -> Value {
    ok_with(json!({"MsgTime": m.msg_time, "MsgKey": c2c_msg_key(m.msg_seq, m.msg_random, m.msg_time)}))
}

/// A position in a user's sync stream: the `getmsg` cookie (WIRE.md §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    /// Stream position: entries after it come next.
    pos: i64,
    /// Position among the user's kept system notices.
    notices: i64,
    /// A new device's first sync, up to this stream position: only what the user has not read
    /// comes (`Store::stream_unread_after`).
    unread_upto: Option<i64>,
}

impl Cursor {
    /// `"<pos>:<notices>"`, or `"<pos>:<notices>:<upto>"` while a new device's first sync pages.
    fn cookie(&self) -> String {
        match self.unread_upto {
            Some(upto) => format!("{}:{}:{upto}", self.pos, self.notices),
            None => format!("{}:{}", self.pos, self.notices),
        }
    }
}

/// Read a cookie [`Cursor::cookie`] wrote (a bare number is a stream position from before
/// notices were kept). `None` for the empty cookie of a new device, and for anything
/// unreadable, which is answered like one.
fn parse_cookie(c: &str) -> Option<Cursor> {
    let mut nums = Vec::new();
    for part in c.split(':') {
        nums.push(part.trim().parse::<i64>().ok().filter(|v| *v >= 0)?);
    }
    match nums[..] {
        [pos] => Some(Cursor { pos, notices: 0, unread_upto: None }),
        [pos, notices] => Some(Cursor { pos, notices, unread_upto: None }),
        [pos, notices, upto] => Some(Cursor { pos, notices, unread_upto: Some(upto) }),
        _ => None,
    }
}

/// `openim.getmsg` (WIRE.md §4.3): the user's stream after the cookie position.
///
/// An empty cookie is a device that has seen nothing. It gets what the user has not read yet
/// (per conversation with unread messages, the messages from the second of the user's read time
/// on, both directions), not the whole stream: tim-js-sdk 2.x counts every incoming message of `MsgList`
/// as unread, and conversations read elsewhere must not come back unread. The cookie then moves
/// to the stream's end as it was at that first call, and later calls page on from there.
pub(crate) fn getmsg(st: &State, who: &Who, body: &Value) -> Value {
    let sdkappid = who.sdkappid();
    let me = who.acting(body, "From_Account");
    let cookie = match &body["Cookie"] {
        Value::Null => "",
        Value::String(c) => c.as_str(),
        _ => return fail(code::REST_INVALID_JSON, "Cookie must be a string").into(),
    };
    let cursor = match parse_cookie(cookie) {
        Some(c) => c,
        None => match st.store.stream_end(sdkappid, &me) {
            Ok(end) => Cursor { pos: 0, notices: 0, unread_upto: Some(end) },
            Err(e) => return internal(e).into(),
        },
    };
    let page = st.config.getmsg_page_size.clamp(1, 1000);
    let fetched = match cursor.unread_upto {
        Some(upto) => st.store.stream_unread_after(sdkappid, &me, cursor.pos, upto, page + 1),
        None => st.store.stream_after(sdkappid, &me, cursor.pos, page + 1),
    };
    let mut entries = match fetched {
        Ok(e) => e,
        Err(e) => return internal(e).into(),
    };
    let mut notices = match st.store.notices_after(sdkappid, &me, cursor.notices, page + 1) {
        Ok(n) => n,
        Err(e) => return internal(e).into(),
    };
    let entries_more = entries.len() > page;
    let mut more = entries_more || notices.len() > page;
    entries.truncate(page);
    notices.truncate(page);
    let mut next = Cursor {
        pos: entries.last().map(|(p, _)| *p).unwrap_or(cursor.pos),
        notices: notices.last().map(|(p, _)| *p).unwrap_or(cursor.notices),
        unread_upto: cursor.unread_upto,
    };
    if let Some(upto) = cursor.unread_upto {
        if !entries_more {
            // The unread part is done: on from where the stream ended at the first call
            // (anything newer is new to this device, whatever its read state).
            next = Cursor { pos: upto.max(next.pos), unread_upto: None, ..next };
            match st.store.stream_after(sdkappid, &me, next.pos, 1) {
                Ok(after) => more |= !after.is_empty(),
                Err(e) => return internal(e).into(),
            }
        }
    }
    // A conversation the user deleted brings back none of its history before the deletion
    // point (a fresh device would list it again otherwise).
    let floors = match crate::conversations::c2c_history_floors(st, sdkappid, &me) {
        Ok(f) => f,
        Err(e) => return e.into(),
    };
    if !floors.is_empty() {
        entries.retain(|(_, m)| {
            let peer = if m.from == me { &m.to } else { &m.from };
            floors.get(peer).is_none_or(|floor| m.id > *floor)
        });
    }
    // Kept system notices go in `EventArray`, shaped like their push (WIRE.md §4.3).
    // An item kept with its own `Event` (a topic's @-tip, 12) goes in an entry of that event; runs
    // of the same event share one entry, in order.
    let mut events: Vec<Value> = Vec::new();
    for mut item in notices.iter().filter_map(|(_, t)| serde_json::from_str::<Value>(t).ok()) {
        let ev = item.as_object_mut().and_then(|o| o.remove("Event")).and_then(|e| e.as_u64());
        let ev = ev.unwrap_or(u64::from(cmd::event::GROUP_SYSTEM));
        match events.last_mut() {
            Some(last) if last["Event"] == ev => {
                if let Some(list) = last["GroupTips"].as_array_mut() {
                    list.push(item);
                }
            }
            _ => events.push(json!({"Event": ev, "GroupTips": [item]})),
        }
    }
    let events = Value::Array(events);
    let convs = match st.store.conversations(sdkappid, &me) {
        Ok(c) => c,
        Err(e) => return internal(e).into(),
    };
    // Unread per peer: every conversation with unread messages, plus the peers of this page
    // (with their real count, possibly 0, so 2.x does not count already-read messages).
    let in_page: std::collections::HashSet<&str> =
        entries.iter().filter(|(_, m)| m.to == me).map(|(_, m)| m.from.as_str()).collect();
    let unread: Vec<Value> = convs
        .iter()
        .filter(|c| c.unread > 0 || in_page.contains(c.peer.as_str()))
        .map(|c| json!({"From_Account": c.peer, "UnreadCount": c.unread}))
        .collect();
    let list: Vec<Value> = entries.iter().map(|(_, m)| wire_value(&to_wire(m))).collect();
    ok_with(json!({
        "Cookie": next.cookie(),
        "SyncFlag": if more { 1 } else { 2 },
        "MsgList": list,
        "EventArray": events,
        "C2CPairUnreadCount": unread,
    }))
}

/// `openim.getroammsg` (WIRE.md §4.4): history with one peer, each page oldest first.
///
/// The cursor is `MsgKey` (a message of the conversation: the page starts next to it and leaves
/// it out) or, without a known key, `LastMsgTime` (the page includes that second: tim-js-sdk's
/// `getMessageListHopping` and the Mini Program's missed-message recovery send a time only, ask
/// one message more and drop the one at the far end). `GetDirection` 0 pages older messages
/// (`Complete: 1` at the start of the conversation; the cursor returned is the oldest message
/// sent), 1 newer ones (`Complete: 1` at its newest message; the cursor is the newest sent).
pub(crate) fn getroammsg(st: &State, who: &Who, body: &Value) -> Value {
    let req: cmd::GetRoamMsgReq = match serde_json::from_value(body.clone()) {
        Ok(r) => r,
        Err(e) => return fail(code::REST_INVALID_JSON, format!("invalid getroammsg body: {e}")).into(),
    };
    if req.peer_account.is_empty() {
        return fail(code::MISSING_FIELD, "Peer_Account is missing").into();
    }
    let newer = match req.get_direction {
        0 => false,
        1 => true,
        d => {
            return fail(code::INVALID_REQUEST, format!("GetDirection must be 0 (older) or 1 (newer), not {d}")).into()
        }
    };
    let sdkappid = who.sdkappid();
    let me = who.acting(body, "From_Account");
    let limit = if req.max_cnt == 0 { 15 } else { req.max_cnt.min(100) } as usize;
    // The message the key names: (time, row id).
    let parts: Vec<u64> = req.msg_key.split('_').filter_map(|p| p.parse().ok()).collect();
    let keyed = match parts[..] {
        [seq, random, time] => match st.store.find_c2c(sdkappid, &me, &req.peer_account, seq, random, time) {
            Ok(found) => found.map(|m| (m.msg_time, m.id)),
            Err(e) => return internal(e).into(),
        },
        _ => None,
    };
    let t = req.last_msg_time;
    let rows = if newer {
        // After the keyed message, or from the start of second `t` (0: the first message).
        let after = keyed.unwrap_or((t.saturating_sub(1), i64::MAX));
        st.store.history_after(sdkappid, &me, &req.peer_account, after, limit + 1)
    } else {
        // Before the keyed message, or up to the end of second `t` (0: the newest message).
        let before = match keyed {
            Some(k) => Some(k),
            None if t == 0 && req.msg_key.is_empty() => None,
            None => Some((t, i64::MAX)),
        };
        st.store.history(sdkappid, &me, &req.peer_account, before, limit + 1)
    };
    let mut rows = match rows {
        Ok(r) => r,
        Err(e) => return internal(e).into(),
    };
    // History the caller deleted (deleteConversation) is not returned; paging older ends there.
    let floor = crate::conversations::history_floor(st, sdkappid, &me, crate::conversations::C2C, &req.peer_account);
    if !newer {
        if let Some(p) = rows.iter().position(|m| m.id <= floor) {
            rows.truncate(p);
        }
    }
    let complete = rows.len() <= limit;
    rows.truncate(limit);
    if newer {
        rows.retain(|m| m.id > floor);
    } else {
        rows.reverse();
    }
    let peer_read = st.store.read_time(sdkappid, &req.peer_account, &me).unwrap_or(0);
    let list: Vec<Value> = rows
        .iter()
        .map(|m| {
            let mut w = to_wire(m);
            if m.from == me && m.msg_time <= peer_read {
                w.is_peer_read = 1;
            }
            wire_value(&w)
        })
        .collect();
    let edge = if newer { rows.last() } else { rows.first() };
    let (t, key) = edge
        .map(|m| (m.msg_time, c2c_msg_key(m.msg_seq, m.msg_random, m.msg_time)))
        .unwrap_or((req.last_msg_time, req.msg_key.clone()));
    ok_with(
        json!({"Complete": u32::from(complete), "MsgList": list, "LastMsgTime": t, "MsgKey": key, "MsgCnt": rows.len()}),
    )
}

/// `openim.msgreaded` (WIRE.md §4.7).
pub(crate) fn msgreaded(st: &Cx<'_>, who: &Who, body: &Value) -> Value {
    let req: MsgReadedReq = match serde_json::from_value(body.clone()) {
        Ok(r) => r,
        Err(e) => return fail(code::REST_INVALID_JSON, format!("invalid msgreaded body: {e}")).into(),
    };
    let sdkappid = who.sdkappid();
    let me = who.acting(body, "From_Account");
    for C2cMsgReadedItem { to_account: peer, lasted_msg_time, receipt } in req.c2c_msg_readed.items {
        if peer.is_empty() {
            continue;
        }
        // Never beyond now: messages arriving later would count as unread yet lie before a read
        // time ahead of the clock (and a new device's first sync would leave them out).
        let up_to = if lasted_msg_time == 0 { now() } else { lasted_msg_time.min(now()) };
        let t = match st.store.mark_read(sdkappid, &me, &peer, up_to) {
            Ok(t) => t,
            Err(e) => return internal(e).into(),
        };
        if receipt == 1 {
            let push = json!({"EventArray":[{"Event": cmd::event::C2C_NOTIFY, "C2cNotifyMsgArray":[{"C2cReadedReceipt":{
                "To_Account": me, "UinPairReadArray":[{"From_Account": peer, "To_Account": me, "LastReadTime": t}]}}]}]});
            st.push_user(sdkappid, &peer, None, &push);
        }
        let sync = json!({"EventArray":[{"Event": cmd::event::C2C_NOTIFY, "C2cNotifyMsgArray":[{"ReadC2cMsgNotify":{
            "UinPairReadArray":[{"From_Account": peer, "LastReadTime": t}]}}]}]});
        st.push_user(sdkappid, &me, who.conn_id(), &sync);
    }
    ok()
}

/// `openim.get_peer_read_time` (WIRE.md §4.4).
pub(crate) fn get_peer_read_time(st: &State, who: &Who, body: &Value) -> Value {
    let sdkappid = who.sdkappid();
    let me = who.acting(body, "From_Account");
    let peers: Vec<String> = body["To_Account"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let list: Vec<Value> = peers
        .iter()
        .map(|p| json!({"To_Account": p, "ReadTime": st.store.read_time(sdkappid, p, &me).unwrap_or(0)}))
        .collect();
    ok_with(json!({"ReadTime": list}))
}

fn user_id_field(body: &Value) -> Result<String, ApiError> {
    match body["UserID"].as_str() {
        Some(u) if crate::validate::user_id_ok(u) => Ok(u.to_string()),
        Some(u) if !u.is_empty() => Err(fail(
            code::ACCOUNT_INVALID_PARAMETERS,
            crate::validate::user_id_problem(u).unwrap_or_else(|| "invalid UserID".into()),
        )),
        _ => Err(fail(code::MISSING_FIELD, "UserID must be a string of 1 to 32 bytes")),
    }
}

/// An optional string field of `account_import` (`Nick`, `FaceUrl`): at most 500 bytes, else 70402.
fn account_field<'a>(body: &'a Value, key: &str) -> Result<&'a str, ApiError> {
    let max = crate::validate::MAX_ACCOUNT_FIELD_BYTES;
    match &body[key] {
        Value::Null => Ok(""),
        Value::String(s) if s.len() <= max => Ok(s),
        _ => Err(fail(code::ACCOUNT_INVALID_PARAMETERS, format!("{key} must be a string of at most {max} bytes"))),
    }
}

/// REST `im_open_login_svc.account_import`.
pub(crate) fn account_import(st: &State, who: &Who, body: &Value) -> Value {
    let user = match user_id_field(body) {
        Ok(u) => u,
        Err(e) => return e.into(),
    };
    let nick = match account_field(body, "Nick") {
        Ok(v) => v,
        Err(e) => return e.into(),
    };
    let face = match account_field(body, "FaceUrl") {
        Ok(v) => v,
        Err(e) => return e.into(),
    };
    match st.store.import_account(who.sdkappid(), &user, nick, face, now()) {
        Ok(_) => ok(),
        Err(e) => internal(e).into(),
    }
}

/// REST `im_open_login_svc.kick`: every session of the user is kicked (`KickType` 3).
pub(crate) fn kick(st: &Cx<'_>, who: &Who, body: &Value) -> Value {
    let user = match user_id_field(body) {
        Ok(u) => u,
        Err(e) => return e.into(),
    };
    let sdkappid = who.sdkappid();
    if let Err(e) = st.store.revoke_user_tickets(sdkappid, &user) {
        return internal(e).into();
    }
    st.kick_user(sdkappid, &user, cmd::kick::REST_API, st.config.kick_close_delay_ms);
    ok()
}

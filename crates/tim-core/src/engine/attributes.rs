//! Group attributes and group counters (B-conversations-groups.md §4.13, §4.15): the API
//! methods, the caches tim-js-sdk keeps of them, and their pushes.

use serde_json::{Map, Value};

use crate::obj;
use crate::value::{map_of, val};
use tim_proto::cmd;

use super::rooms::{is_topic_id, reject, strings, throw, RoomOp};
use super::{s, u, CallResult, Engine};

pub(super) const GROUP_ATTRIBUTES_UPDATED: &str = "groupAttributesUpdated";
pub(super) const GROUP_COUNTER_UPDATED: &str = "onGroupCounterUpdated";

/// Group attribute API on a topic (topics have no attributes).
pub(super) const GROUP_ATTR_NOT_AVCHATROOM: i64 = 2641;
/// More than [`ATTR_WRITES`] attribute writes in [`ATTR_WRITE_WINDOW_MS`].
pub(super) const GROUP_ATTR_WRITE_LIMITED: i64 = 8511;

/// Attribute writes (init, set, delete together) allowed per window, SDK side.
pub(super) const ATTR_WRITES: usize = 10;
pub(super) const ATTR_WRITE_WINDOW_MS: u64 = 5_000;
/// tim-js-sdk's attribute and counter cache lifetimes.
pub(super) const ATTR_CACHE_MS: u64 = 30_000;
pub(super) const COUNTER_CACHE_MS: u64 = 30_000;

/// Attribute operations, numbered as on the wire (`GroupAttrOption.OpType`).
pub(super) const ATTR_INIT: u64 = 1;
pub(super) const ATTR_CLEAR: u64 = 3;
pub(super) const ATTR_DELETE: u64 = 4;
pub(super) const ATTR_GET: u64 = 5;

/// A room's attributes as tim-js-sdk caches them.
#[derive(Debug, Default, Clone)]
pub(super) struct Attrs {
    pub(super) local_main: u64,
    pub(super) remote_main: u64,
    pub(super) updated: u64,
    /// key → `{value, seq}` (JSON maps keep the wasm small: their code is shared)
    pub(super) map: Map<String, Value>,
}

impl Attrs {
    pub(super) fn values(&self, keys: &[String]) -> Map<String, Value> {
        map_of(
            self.map
                .iter()
                .filter(|(k, _)| keys.is_empty() || keys.contains(k))
                .map(|(k, v)| (k.clone(), v["value"].clone())),
        )
    }

    pub(super) fn seq(&self, key: &str) -> u64 {
        self.map.get(key).map_or(0, |v| u(v, "seq"))
    }

    /// Apply an attribute list of operation `op` (wire numbering).
    pub(super) fn apply(&mut self, list: &[Value], op: u64) {
        match op {
            ATTR_CLEAR => self.map.clear(),
            ATTR_DELETE => {
                for a in list {
                    self.map.remove(&s(a, "key"));
                }
            }
            _ => {
                if op == ATTR_INIT || op == ATTR_GET {
                    self.map.clear();
                }
                for a in list {
                    let key = s(a, "key");
                    if !key.is_empty() {
                        self.map.insert(key, obj! {"value": &s(a, "value"), "seq": &u(a, "sequence")});
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) seq: u64,
    pub(super) updated: u64,
    /// key → value (a JSON number)
    pub(super) map: Map<String, Value>,
}

/// The `{key: string}` map of an attribute call, or `None` when it is not one.
pub(super) fn string_map(v: &Value) -> Option<Vec<(String, String)>> {
    let o = v.as_object()?;
    o.iter().map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect()
}

/// The wire attribute list of a reply or push, with tim-js-sdk's names (`key`, `value`,
/// `sequence`).
pub(super) fn attr_list(v: &Value) -> Vec<Value> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let value = a.get("value").or_else(|| a.get("Val")).and_then(Value::as_str).unwrap_or("");
            let seq = a.get("seq").or_else(|| a.get("SubKeySeq")).and_then(Value::as_u64).unwrap_or(0);
            obj! {"key": &s(a, "key"), "value": value, "sequence": seq}
        })
        .collect()
}

/// The `{key: value}` object of a wire counter list.
pub(super) fn counter_values(v: &Value) -> Map<String, Value> {
    map_of(
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| Some((c["Key"].as_str()?.to_string(), val(c["Value"].as_i64().unwrap_or(0))))),
    )
}

/// The entries of `m` named in `keys` (all for an empty list).
pub(super) fn pick(m: &Map<String, Value>, keys: &[String]) -> Value {
    Value::Object(map_of(
        m.iter().filter(|(k, _)| keys.is_empty() || keys.contains(k)).map(|(k, v)| (k.clone(), v.clone())),
    ))
}

impl Engine {
    /// 2641 up front for a topic, which has no attributes (every group type has them; the
    /// server answers 2642 to a non-member as it does for tim-js-sdk).
    pub(super) fn attr_precheck(&self, id: &str) -> Option<CallResult> {
        is_topic_id(id).then(|| reject(GROUP_ATTR_NOT_AVCHATROOM, "topics have no group attributes"))
    }

    pub(super) fn attrs_of(&mut self, id: &str) -> &mut Attrs {
        &mut self.room_mut(id).attrs
    }

    pub(super) fn attr_write(&mut self, method: &str, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        if id.is_empty() {
            return throw();
        }
        let map = if method == "deleteGroupAttributes" {
            Vec::new()
        } else {
            match string_map(&a["groupAttributes"]) {
                Some(m) => m,
                None => return throw(),
            }
        };
        if method == "deleteGroupAttributes" && !(a["keyList"].is_array() || a["keyList"].is_null()) {
            return throw();
        }
        if let Some(r) = self.attr_precheck(&id) {
            return r;
        }
        let writes = &mut self.s.rooms.attr_writes;
        writes.retain(|t| now.saturating_sub(*t) < ATTR_WRITE_WINDOW_MS);
        if writes.len() >= ATTR_WRITES {
            return reject(GROUP_ATTR_WRITE_LIMITED, "group attribute writes are limited to 10 per 5 seconds");
        }
        writes.push(now);
        let key = self.room_key(&id);
        let attrs = self.attrs_of(&id).clone();
        let (servcmd, op, list) = match method {
            "initGroupAttributes" => {
                let list: Vec<Value> = map.iter().map(|(k, v)| obj! {"key": k, "value": v}).collect();
                (cmd::SET_GROUP_ATTR, ATTR_INIT, list)
            }
            "setGroupAttributes" => {
                let list: Vec<Value> =
                    map.iter().map(|(k, v)| obj! {"key": k, "value": v, "seq": attrs.seq(k)}).collect();
                (cmd::MODIFY_GROUP_ATTR, 2, list)
            }
            _ => {
                let keys = strings(a, "keyList");
                let list: Vec<Value> = keys.iter().map(|k| obj! {"key": k, "seq": attrs.seq(k)}).collect();
                if keys.is_empty() {
                    (cmd::CLEAR_GROUP_ATTR, ATTR_CLEAR, list)
                } else {
                    (cmd::DELETE_GROUP_ATTR, ATTR_DELETE, list)
                }
            }
        };
        let mut body = obj! {"GroupId": &id};
        if op != ATTR_CLEAR {
            body["GroupAttr"] = val(list.clone());
        }
        body["AttrMainSeq"] = val(attrs.remote_main);
        if let Some(k) = key {
            body["BytesKey"] = val(k);
        }
        body["AttrControl"] = val(["RaceConflict"]);
        // What delete resolves with: the requested keys that were cached, or every cached key.
        let deleted: Vec<String> = if op == ATTR_CLEAR {
            attrs.map.keys().cloned().collect()
        } else {
            strings(a, "keyList").into_iter().filter(|k| attrs.map.contains_key(k)).collect()
        };
        let op = RoomOp::AttrWrite { group_id: id, op, list, attributes: a["groupAttributes"].clone(), deleted };
        self.pending_room(servcmd, body, op, now)
    }

    pub(super) fn attr_get(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        if id.is_empty() || !(a["keyList"].is_array() || a["keyList"].is_null()) {
            return throw();
        }
        if let Some(r) = self.attr_precheck(&id) {
            return r;
        }
        let keys = strings(a, "keyList");
        let at = self.attrs_of(&id);
        if now.saturating_sub(at.updated) < ATTR_CACHE_MS && at.local_main >= at.remote_main {
            return CallResult::Done(Ok(obj! {"groupAttributes": Value::Object(at.values(&keys))}));
        }
        let call = self.pending_call();
        self.attr_fetch(Some(call), &id, keys, None, now);
        CallResult::Pending(call)
    }

    pub(super) fn attr_fetch(
        &mut self,
        call: Option<u64>,
        id: &str,
        keys: Vec<String>,
        before: Option<Value>,
        now: u64,
    ) {
        let key = self.room_key(id);
        let mut body = obj! {"GroupId": id};
        let kind = u32::from(key.is_some());
        if let Some(k) = key {
            body["Key"] = val(k);
        }
        body["GroupType"] = val(kind);
        self.room_request(
            cmd::GET_GROUP_ATTR,
            body,
            call,
            RoomOp::AttrGet { group_id: id.to_string(), keys, before },
            now,
        );
    }

    /// tim-js-sdk's `_refreshCachedGroupAttributes`: apply when the main sequence is the next
    /// one (or on a full read), else only note the server's main sequence.
    pub(super) fn attr_refresh(&mut self, id: &str, main: u64, list: &[Value], op: u64, now: u64) {
        let Some(at) = self.s.rooms.groups.get_mut(id).map(|r| &mut r.attrs) else { return };
        if op == ATTR_GET || main == at.local_main + 1 {
            at.local_main = main;
            at.remote_main = main;
            at.updated = now;
            at.apply(list, op);
        } else if at.local_main != main {
            at.remote_main = main;
        }
    }

    /// `GROUP_ATTRIBUTES_UPDATED` with the keys changed since `before`, if any changed.
    pub(super) fn attr_emit(&mut self, id: &str, before: &Value) {
        let now_map = self.s.rooms.groups.get(id).map(|r| r.attrs.values(&[])).unwrap_or_default();
        let empty = Map::new();
        let before = before.as_object().unwrap_or(&empty);
        let updated: Vec<String> =
            now_map.iter().filter(|(k, v)| before.get(*k) != Some(*v)).map(|(k, _)| k.clone()).collect();
        let deleted: Vec<String> = before.keys().filter(|k| !now_map.contains_key(*k)).cloned().collect();
        if updated.is_empty() && deleted.is_empty() {
            return;
        }
        let data = obj! {"groupID": id, "groupAttributes": Value::Object(now_map), "updatedKeyList": &updated, "deletedKeyList": &deleted};
        self.emit(GROUP_ATTRIBUTES_UPDATED, Some(data));
    }

    /// An `Event 6` item: attribute or counter changes (true when it was one of them).
    pub(super) fn online_tip(&mut self, t: &Value, now: u64) -> bool {
        let body = &t["MsgBody"];
        let id = s(t, "ToGroupId");
        let id = if id.is_empty() { crate::group::item_group_id(t) } else { id };
        if let Some(opt) = body["MsgGroupNewInfo"].get("GroupAttrOption").filter(|o| o.is_object()) {
            let Some(op) = opt["OpType"].as_u64() else { return true };
            let main = u(opt, "GroupAttrSeq");
            let before = Value::Object(self.attrs_of(&id).values(&[]));
            let local = self.attrs_of(&id).local_main;
            if main == local {
                return true;
            }
            if u(opt, "PushChangedAttrValFlag") == 1 && main == local + 1 {
                let list = attr_list(&opt["GroupAttrInfo"]);
                self.attr_refresh(&id, main, &list, op, now);
                self.attr_emit(&id, &before);
            } else {
                self.attr_fetch(None, &id, Vec::new(), Some(before), now);
            }
            return true;
        }
        let Some(infos) = body["GroupCounterInfo"].as_array().filter(|l| !l.is_empty()) else { return false };
        for info in infos {
            let (kind, seq) = (u(info, "Type"), u(info, "GroupCounterSeq"));
            let list = counter_values(&info["GroupCounter"]);
            if kind == 0 || kind == 2 {
                self.counters_store(&id, seq, &list, Some(now));
                for (k, v) in &list {
                    self.emit(GROUP_COUNTER_UPDATED, Some(obj! {"groupID": &id, "key": k, "value": v}));
                }
            } else if kind == 1 {
                if let Some(c) = self.s.rooms.groups.get_mut(&id).and_then(|r| r.counters.as_mut()) {
                    for k in list.keys() {
                        c.map.remove(k);
                    }
                }
            }
        }
        true
    }

    pub(super) fn counter_update(&mut self, method: &str, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        if id.is_empty() {
            return throw();
        }
        let (list, mode) = if method == "setGroupCounters" {
            let Some(o) = a["counters"].as_object() else { return throw() };
            let mut list = Vec::new();
            for (k, v) in o {
                let Some(n) = v.as_i64() else { return throw() };
                list.push(obj! {"Key": k, "Value": n});
            }
            (list, "Set")
        } else {
            let key = s(a, "key");
            let Some(n) = a["value"].as_i64().filter(|_| !key.is_empty()) else { return throw() };
            let mode = if method == "increaseGroupCounter" { "Increase" } else { "Decrease" };
            (vec![obj! {"Key": &key, "Value": n}], mode)
        };
        // Like tim-js-sdk, the first use starts the group's counter cache (pushes then fill it).
        self.room_mut(&id).counters.get_or_insert_with(Counters::default);
        let mut body = obj! {"GroupId": &id, "GroupCounter": &list};
        if let Some(k) = self.room_key(&id) {
            body["BytesKey"] = val(k);
        }
        body["Mode"] = val(mode);
        self.pending_room(cmd::UPDATE_GROUP_COUNTER, body, RoomOp::CounterUpdate { group_id: id }, now)
    }

    pub(super) fn counter_get(&mut self, a: &Value, now: u64) -> CallResult {
        let id = s(a, "groupID");
        if id.is_empty() {
            return throw();
        }
        let keys = strings(a, "keyList");
        let c = self.room_mut(&id).counters.get_or_insert_with(Counters::default);
        if now.saturating_sub(c.updated) < COUNTER_CACHE_MS {
            return CallResult::Done(Ok(obj! {"counters": pick(&c.map, &keys)}));
        }
        let mut body = obj! {"GroupId": &id, "GroupCounterKeys": Value::Array(vec![])};
        if let Some(k) = self.room_key(&id) {
            body["BytesKey"] = val(k);
        }
        self.pending_room(cmd::GET_GROUP_COUNTER, body, RoomOp::CounterGet { group_id: id, keys }, now)
    }

    /// tim-js-sdk's `_updateLocalGroupCounters`: older sequences are ignored. `now`: the cache
    /// counts as fresh from then (a read or a push), `None` for an own write's reply.
    pub(super) fn counters_store(&mut self, id: &str, seq: u64, list: &Map<String, Value>, now: Option<u64>) {
        let Some(c) = self.s.rooms.groups.get_mut(id).and_then(|r| r.counters.as_mut()) else { return };
        if seq > 0 && seq < c.seq {
            return;
        }
        for (k, v) in list {
            c.map.insert(k.clone(), v.clone());
        }
        c.seq = seq;
        if let Some(now) = now {
            c.updated = now;
        }
    }

    /// The reply of an attribute or counter request (see [`Engine::room_reply`]).
    pub(super) fn attr_reply(&mut self, call: Option<u64>, op: RoomOp, body: Value, now: u64) {
        match op {
            RoomOp::AttrWrite { group_id: id, op, list, attributes, deleted } => {
                let main = u(&body, "AttrMainSeq");
                let list = if op == ATTR_DELETE || op == ATTR_CLEAR {
                    attr_list(&Value::Array(list))
                } else {
                    // The reply's keys and sequences, with the values that were written.
                    let written = &attributes;
                    let mut l = attr_list(&body["GroupAttr"]);
                    for a in &mut l {
                        a["value"] = val(s(written, &s(a, "key")));
                    }
                    l
                };
                // As tim-js-sdk, the change is measured from the cache as it is when the reply
                // comes (a push may have been applied meanwhile).
                let before = Value::Object(self.attrs_of(&id).values(&[]));
                self.attr_refresh(&id, main, &list, op, now);
                self.attr_emit(&id, &before);
                let out = if op == ATTR_DELETE || op == ATTR_CLEAR {
                    obj! {"keyList": &deleted}
                } else {
                    obj! {"groupAttributes": &attributes}
                };
                self.room_done(call, out);
            }
            RoomOp::AttrGet { group_id: id, keys, before } => {
                let list = attr_list(&body["GroupAttrAry"]);
                if let Some(main) = body["AttrMainSeq"].as_u64() {
                    self.attrs_of(&id);
                    self.attr_refresh(&id, main, &list, ATTR_GET, now);
                }
                if let Some(before) = before.filter(Value::is_object) {
                    self.attr_emit(&id, &before);
                }
                let values = self.attrs_of(&id).values(&keys);
                self.room_done(call, obj! {"groupAttributes": Value::Object(values)});
            }
            RoomOp::CounterUpdate { group_id: id } => {
                let list = counter_values(&body["GroupCounter"]);
                // Ours: the written values (and their sequence) enter the cache, so a push of an
                // older change that arrives later cannot overwrite them. tim-js-sdk leaves its
                // cache as it was, and can then read a stale value from it.
                self.counters_store(&id, u(&body, "GroupCounterSeq"), &list, None);
                self.room_done(call, obj! {"counters": Value::Object(list)});
            }
            RoomOp::CounterGet { group_id: id, keys } => {
                let list = counter_values(&body["GroupCounter"]);
                self.room_mut(&id).counters.get_or_insert_with(Counters::default);
                self.counters_store(&id, u(&body, "GroupCounterSeq"), &list, Some(now));
                let picked = self.room_mut(&id).counters.as_ref().map_or_else(|| obj! {}, |c| pick(&c.map, &keys));
                self.room_done(call, obj! {"counters": picked});
            }
            _ => {}
        }
    }
}

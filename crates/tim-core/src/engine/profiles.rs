//! User profiles (C-profiles-friends-search-signaling.md §1.1, §2; WIRE.md §4.10, §5.7):
//! `getMyProfile`, `getUserProfile`, `updateMyProfile`, the own profile read at login and the
//! `ProfileDataMod` pushes, as tim-js-sdk 2.27.6 does them. Profile objects have the shape and
//! defaults of tim-js-sdk's: every field present, `gender` `""` until set, `allowType`
//! `AllowType_Type_AllowAny`, `adminForbidType` `AdminForbid_Type_None`, numbers 0,
//! `lastUpdatedTime` the local time (ms) of the last change of the own profile (0 for others).
//!
//! The own profile is held from login on and answers `getMyProfile`; other users' profiles are
//! held for 10 minutes (the spec's stranger rule, §2.4) and answer `getUserProfile` meanwhile.

use serde_json::Value;

use crate::obj;
use crate::value::val;
use tim_proto::profile::{self, Kind, CUSTOM_PREFIX, MAX_USERS, MAX_VALUE_BYTES};
use tim_proto::{cmd, code};

use super::{ev, s, ApiError, CallResult, Engine, Purpose};

/// How long another user's profile answers `getUserProfile` without asking the server.
const STRANGER_TTL_MS: u64 = 600_000;
/// Most other users' profiles held.
const MAX_HELD: usize = 1_000;
/// `To_Account` of a `portrait_get_all` item for an account that does not exist.
const NOT_FOUND: &str = "@TLS#NOT_FOUND";

/// What a profile request is for; its reply is handled by [`Engine::profile_reply`].
#[derive(Debug)]
pub(super) enum ProfileOp {
    /// The own profile, read at login.
    Login,
    /// `getMyProfile` before the own profile is known.
    Mine,
    /// `getUserProfile`: the users asked for, in order.
    Users { ids: Vec<String> },
    /// `updateMyProfile`: the `{Tag, Value}` items sent.
    Update { items: Value },
}

/// The profiles the session holds.
#[derive(Debug, Default)]
pub(super) struct Profiles {
    mine: Option<Value>,
    /// Other users' profiles and when they were read (ms), oldest first (a list: it is small,
    /// and a map type of its own would cost more bundle than the searches cost time).
    others: Vec<(String, Value, u64)>,
}

/// A Profile object with tim-js-sdk's defaults.
fn blank(user: &str) -> Value {
    obj! {"userID": user, "nick": "", "gender": "", "birthday": 0, "location": "", "selfSignature": "",
    "allowType": "AllowType_Type_AllowAny", "language": 0, "avatar": "", "messageSettings": 0,
    "adminForbidType": "AdminForbid_Type_None", "level": 0, "role": 0, "lastUpdatedTime": 0,
    "profileCustomField": Value::Array(Vec::new())}
}

/// Set custom field `key` of profile `p`; whether it changed.
fn set_custom(p: &mut Value, key: &str, value: Value) -> bool {
    if !p["profileCustomField"].is_array() {
        p["profileCustomField"] = Value::Array(Vec::new());
    }
    let Some(list) = p["profileCustomField"].as_array_mut() else { return false };
    match list.iter_mut().find(|f| f["key"] == key) {
        Some(f) if f["value"] == value => false,
        Some(f) => {
            f["value"] = value;
            true
        }
        None => {
            list.push(obj! {"key": key, "value": value});
            true
        }
    }
}

/// Set property `name` of profile `p`; whether it changed.
fn set_field(p: &mut Value, name: &str, value: Value) -> bool {
    if p[name] == value {
        return false;
    }
    p[name] = value;
    true
}

/// Apply wire items (`{Tag, Value}`, or push items `{Tag, ValueBytes | ValueNum}`) to `p`;
/// whether anything changed.
fn apply_items(p: &mut Value, items: &Value) -> bool {
    let mut changed = false;
    for it in items.as_array().into_iter().flatten() {
        let tag = s(it, "Tag");
        let v = ["Value", "ValueBytes", "ValueNum"].iter().map(|k| &it[*k]).find(|v| !v.is_null()).cloned();
        let Some(v) = v else { continue };
        if tag.starts_with(CUSTOM_PREFIX) {
            changed |= set_custom(p, &tag, v);
        } else if let Some(f) = profile::by_tag(&tag) {
            changed |= set_field(p, f.name, v);
        }
    }
    changed
}

/// Check `updateMyProfile` options as tim-js-sdk does; the `{Tag, Value}` items to send.
fn update_items(a: &Value) -> Result<Vec<Value>, CallResult> {
    let invalid = |why: &str| {
        CallResult::Done(Err(ApiError::new(code::UPDATE_PROFILE_INVALID_PARAM, ["updateMyProfile: ", why].concat())))
    };
    let Some(opts) = a.as_object().filter(|o| !o.is_empty()) else { return Err(invalid("empty options")) };
    let mut items = Vec::new();
    for (k, v) in opts {
        if k == "profileCustomField" {
            let Some(list) = v.as_array() else { return Err(CallResult::Throw("Params validate failed.".into())) };
            for f in list {
                if !s(f, "key").contains("Tag_Profile_Custom") {
                    return Err(invalid("the keys of profileCustomField must start with Tag_Profile_Custom"));
                }
                if !f["value"].is_string() {
                    return Err(invalid("the values of profileCustomField must be strings"));
                }
                items.push(obj! {"Tag": &f["key"], "Value": &f["value"]});
            }
            continue;
        }
        let Some(field) = profile::by_name(k) else { return Err(invalid(&["unknown key ", k].concat())) };
        let ok = match field.kind {
            Kind::Text(_) if k == "nick" => v.as_str().is_some_and(|t| t.len() <= MAX_VALUE_BYTES),
            Kind::Text(_) => v.is_string(),
            Kind::Choice(allowed) => v.as_str().is_some_and(|t| allowed.contains(&t)),
            Kind::Number if k == "messageSettings" => v.as_u64().is_some_and(|n| n <= 1),
            Kind::Number => v.is_number(),
        };
        if !ok {
            return Err(invalid(&["invalid value of ", k].concat()));
        }
        items.push(obj! {"Tag": field.tag, "Value": v});
    }
    if items.is_empty() {
        return Err(CallResult::Done(Err(ApiError::new(
            code::UPDATE_PROFILE_NO_KEY,
            "updateMyProfile: nothing to update",
        ))));
    }
    Ok(items)
}

impl Profiles {
    /// Another user's held profile and when it was read.
    fn held(&self, user: &str) -> Option<(&Value, u64)> {
        self.others.iter().find(|(u, _, _)| u == user).map(|(_, p, t)| (p, *t))
    }
}

impl Engine {
    pub(super) fn profile_call(&mut self, method: &str, a: &Value, now: u64) -> Option<CallResult> {
        Some(match method {
            "getMyProfile" => match &self.s.profiles.mine {
                Some(p) => CallResult::Done(Ok(p.clone())),
                None => {
                    let call = self.pending_call();
                    let me = self.s.user.clone();
                    self.read_profiles(&[me], Some(call), ProfileOp::Mine, now);
                    CallResult::Pending(call)
                }
            },
            "getUserProfile" => self.get_user_profile(a, now),
            "updateMyProfile" => {
                let items = match update_items(a) {
                    Ok(items) => items,
                    Err(r) => return Some(r),
                };
                let call = self.pending_call();
                let items = Value::Array(items);
                let body = obj! {"From_Account": &self.s.user, "ProfileItem": &items};
                let purpose = Purpose::Profile { call: Some(call), op: ProfileOp::Update { items } };
                self.request(cmd::PORTRAIT_SET, body, purpose, now);
                CallResult::Pending(call)
            }
            _ => return None,
        })
    }

    /// Read the own profile (the login sequence).
    pub(super) fn read_my_profile(&mut self, now: u64) {
        let me = self.s.user.clone();
        self.read_profiles(&[me], None, ProfileOp::Login, now);
    }

    fn read_profiles(&mut self, ids: &[String], call: Option<u64>, op: ProfileOp, now: u64) {
        let items: Vec<Value> =
            ids.iter().map(|id| obj! {"To_Account": id, "StandardSequence": 0, "CustomSequence": 0}).collect();
        let body = obj! {"From_Account": &self.s.user, "UserItem": items};
        self.request(cmd::PORTRAIT_GET_ALL, body, Purpose::Profile { call, op }, now);
    }

    fn get_user_profile(&mut self, a: &Value, now: u64) -> CallResult {
        let Some(list) = a["userIDList"].as_array() else { return CallResult::Throw("Params validate failed.".into()) };
        // As tim-js-sdk: only the first 100 are asked for.
        let ids: Vec<String> = list
            .iter()
            .take(MAX_USERS)
            .filter_map(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .collect();
        let me = self.s.user.clone();
        let mut ask: Vec<String> = Vec::new();
        for id in &ids {
            let fresh = *id != me && self.s.profiles.held(id).is_some_and(|(_, t)| now < t + STRANGER_TTL_MS);
            if !fresh && !ask.contains(id) {
                ask.push(id.clone());
            }
        }
        if ask.is_empty() {
            return CallResult::Done(Ok(self.held_profiles(&ids)));
        }
        let call = self.pending_call();
        self.read_profiles(&ask, Some(call), ProfileOp::Users { ids }, now);
        CallResult::Pending(call)
    }

    /// The held profiles of `ids`, in their order (unknown users left out).
    fn held_profiles(&self, ids: &[String]) -> Value {
        let p = &self.s.profiles;
        let list = ids
            .iter()
            .filter_map(|id| if *id == self.s.user { p.mine.clone() } else { p.held(id).map(|(v, _)| v.clone()) })
            .collect();
        Value::Array(list)
    }

    /// Apply wire items to the own profile; whether it changed (then it is stamped and the nick
    /// and avatar of sent messages follow it).
    fn change_mine(&mut self, now: u64, items: &Value) -> bool {
        let me = self.s.user.clone();
        let p = self.s.profiles.mine.get_or_insert_with(|| blank(&me));
        let changed = apply_items(p, items);
        if changed {
            p["lastUpdatedTime"] = val(now);
            self.s.nick = s(p, "nick");
            self.s.avatar = s(p, "avatar");
        }
        changed
    }

    pub(super) fn profile_reply(&mut self, call: Option<u64>, op: ProfileOp, body: Value, now: u64) {
        if let ProfileOp::Update { items } = &op {
            // tim-js-sdk applies what it sent.
            let changed = self.change_mine(now, items);
            let mine = self.s.profiles.mine.clone().unwrap_or(Value::Null);
            if changed {
                self.emit(ev::PROFILE_UPDATED, Some(Value::Array(vec![mine.clone()])));
            }
            if let Some(call) = call {
                self.settle(call, Ok(mine));
            }
            return;
        }
        let me = self.s.user.clone();
        for item in body["UserProfileItem"].as_array().into_iter().flatten() {
            let user = s(item, "To_Account");
            if user.is_empty() || user == NOT_FOUND || item["ResultCode"].as_i64().unwrap_or(0) != 0 {
                continue;
            }
            if user == me {
                self.change_mine(now, &item["ProfileItem"]);
            } else {
                let mut p = blank(&user);
                apply_items(&mut p, &item["ProfileItem"]);
                self.hold(user, p, now);
            }
        }
        let Some(call) = call else { return };
        let result = match op {
            ProfileOp::Users { ids } => self.held_profiles(&ids),
            _ => self.s.profiles.mine.clone().unwrap_or_else(|| blank(&me)),
        };
        self.settle(call, Ok(result));
    }

    /// Hold another user's profile, read at `now` (the oldest one goes beyond [`MAX_HELD`]).
    fn hold(&mut self, user: String, p: Value, now: u64) {
        let others = &mut self.s.profiles.others;
        others.retain(|(u, _, _)| *u != user);
        if others.len() >= MAX_HELD {
            others.remove(0);
        }
        others.push((user, p, now));
    }

    pub(super) fn profile_fail(&mut self, call: Option<u64>, err: ApiError) {
        if let Some(call) = call {
            self.settle(call, Err(err));
        }
    }

    /// `ProfileDataMod` push items `{Profile_Account, ProfileList}`: the own profile changed on
    /// another instance (or by the admin), or a held profile changed.
    pub(super) fn profile_push(&mut self, list: &[Value], now: u64) {
        let mut updated = Vec::new();
        for item in list {
            let user = s(item, "Profile_Account");
            if user == self.s.user {
                if self.change_mine(now, &item["ProfileList"]) {
                    updated.extend(self.s.profiles.mine.clone());
                }
            } else if let Some((_, p, _)) = self.s.profiles.others.iter_mut().find(|(u, _, _)| *u == user) {
                if apply_items(p, &item["ProfileList"]) {
                    updated.push(p.clone());
                }
            }
        }
        if !updated.is_empty() {
            self.emit(ev::PROFILE_UPDATED, Some(Value::Array(updated)));
        }
    }
}

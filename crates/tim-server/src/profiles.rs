//! User profiles on the server (C-profiles-friends-search-signaling.md §1.1, §2.6; WIRE.md
//! §4.10, §5.7): `profile.portrait_get_all` (the SDKs' read), `profile.portrait_get` (Tencent's
//! REST read), `profile.portrait_set` (write), and the app's registry of custom profile fields
//! (`profile.custom_field_add` / `custom_field_get`, REST admin only, ours).
//!
//! One profile per account: every standard `Tag_Profile_IM_*` field and the registered
//! `Tag_Profile_Custom_*` ones, with the limits of `tim_proto::profile`. A read returns nick and
//! avatar always (every account has them, empty by default) and the other fields only once they
//! were set; custom fields only when non-empty. A user writes only their own profile; the REST
//! admin writes any `From_Account`'s. Every write is pushed (`Event 8`, `ProfileDataMod`) to
//! the account's sessions, except the socket that wrote it.

use serde_json::{json, Value};
use std::collections::HashMap;
use tim_proto::profile::{self, Kind, ADMIN_FORBID_TYPE, CUSTOM_PREFIX, IMAGE, MAX_USERS, MAX_VALUE_BYTES, NICK};
use tim_proto::{cmd, code};

use crate::api::cx::Cx;
use crate::api::reply::{fail, internal, ok, ok_with, ApiError, Reply, Who};

use crate::store::{FieldAdded, Profile, ProfileUpdate};
use crate::{now, State};

/// Most custom profile fields an app may register (Tencent's console allows 20).
pub const MAX_CUSTOM_FIELDS: usize = 20;
/// Longest name of a custom field after `Tag_Profile_Custom_` (Tencent: 8 characters).
pub const MAX_CUSTOM_NAME: usize = 8;
/// `To_Account` of a `portrait_get_all` item for an account that does not exist (tim-js-sdk
/// drops such items).
pub const NOT_FOUND: &str = "@TLS#NOT_FOUND";
/// Custom field types.
const STRING: &str = "String";
const INTEGER: &str = "Integer";

fn bad(info: impl Into<String>) -> ApiError {
    fail(code::PROFILE_INVALID_PARAMETERS, info)
}

/// The `{Tag, Value}` items of a profile, standard fields first (in `profile::STANDARD` order),
/// then custom ones; with `only`, just those tags.
fn profile_items(p: &Profile, only: Option<&[String]>) -> Vec<Value> {
    let wanted = |tag: &str| only.is_none_or(|o| o.iter().any(|t| t == tag));
    let mut out = Vec::new();
    for f in &profile::STANDARD {
        let v = match f.tag {
            NICK => Some(json!(p.nick)),
            IMAGE => Some(json!(p.face_url)),
            tag => p.fields.get(tag).cloned(),
        };
        if let Some(v) = v.filter(|_| wanted(f.tag)) {
            out.push(json!({"Tag": f.tag, "Value": v}));
        }
    }
    for (tag, v) in &p.fields {
        if tag.starts_with(CUSTOM_PREFIX) && *v != json!("") && wanted(tag) {
            out.push(json!({"Tag": tag, "Value": v}));
        }
    }
    out
}

/// The profiles of `ids` (at most [`MAX_USERS`]) by user.
fn load(st: &State, sdkappid: u64, ids: &[String]) -> Result<HashMap<String, Profile>, ApiError> {
    if ids.len() > MAX_USERS {
        return Err(bad(format!("at most {MAX_USERS} accounts per request, got {}", ids.len())));
    }
    let found = st.store.profiles(sdkappid, ids).map_err(internal)?;
    Ok(found.into_iter().map(|p| (p.user_id.clone(), p)).collect())
}

/// `profile.portrait_get_all` `{From_Account, UserItem: [{To_Account, …}]}` (WIRE.md §4.10).
pub(crate) fn portrait_get_all(st: &State, who: &Who, body: &Value) -> Reply {
    let items = match &body["UserItem"] {
        Value::Null => Vec::new(),
        Value::Array(a) => a.clone(),
        _ => return Err(bad("UserItem must be a list")),
    };
    let ids: Vec<String> = items.iter().map(|i| i["To_Account"].as_str().unwrap_or("").to_string()).collect();
    let found = load(st, who.sdkappid(), &ids)?;
    let list: Vec<Value> = ids
        .iter()
        .map(|id| match found.get(id) {
            Some(p) => {
                json!({"To_Account": id, "ResultCode": 0, "ResultInfo": "", "ProfileItem": profile_items(p, None)})
            }
            None => json!({"To_Account": NOT_FOUND, "ResultCode": code::PROFILE_ACCOUNT_NOT_FOUND,
                "ResultInfo": format!("account {id} not found"), "ProfileItem": []}),
        })
        .collect();
    Ok(ok_with(json!({"UserProfileItem": list})))
}

fn strings(v: &Value, what: &str) -> Result<Vec<String>, ApiError> {
    let list = v.as_array().ok_or_else(|| bad(format!("{what} must be a list of strings")))?;
    list.iter()
        .map(|x| x.as_str().map(str::to_string).ok_or_else(|| bad(format!("{what} must be a list of strings"))))
        .collect()
}

/// REST `profile.portrait_get` `{To_Account: [...], TagList?: [...]}` (Tencent's REST API).
pub(crate) fn portrait_get(st: &State, who: &Who, body: &Value) -> Reply {
    let ids = strings(&body["To_Account"], "To_Account")?;
    if ids.is_empty() {
        return Err(bad("To_Account is empty"));
    }
    let tags = match &body["TagList"] {
        Value::Null => None,
        t => Some(strings(t, "TagList")?).filter(|t| !t.is_empty()),
    };
    let found = load(st, who.sdkappid(), &ids)?;
    let list: Vec<Value> = ids
        .iter()
        .map(|id| match found.get(id) {
            Some(p) => json!({"To_Account": id, "ProfileItem": profile_items(p, tags.as_deref()),
                "ResultCode": 0, "ResultInfo": ""}),
            None => json!({"To_Account": id, "ProfileItem": [], "ResultCode": code::PROFILE_ACCOUNT_NOT_FOUND,
                "ResultInfo": format!("account {id} not found")}),
        })
        .collect();
    Ok(ok_with(json!({"UserProfileItem": list})))
}

/// Whether `who` acts as the app admin (the REST admin, or a user logged in as the admin).
fn is_app_admin(st: &State, who: &Who) -> bool {
    match who {
        Who::Admin { .. } => true,
        Who::User { sdkappid, user, .. } => st.app(*sdkappid).is_some_and(|a| a.admin == *user),
    }
}

/// Check one item of a write against its field's rules; the value to store.
fn check_standard(f: &profile::Field, v: &Value) -> Result<Value, ApiError> {
    let tag = f.tag;
    match f.kind {
        Kind::Text(max) => {
            let s = v
                .as_str()
                .ok_or_else(|| fail(code::PROFILE_INVALID_VALUE_FORMAT, format!("{tag} must be a string")))?;
            if s.len() > max {
                let c = if max == MAX_VALUE_BYTES { code::PROFILE_SIZE_LIMIT } else { code::PROFILE_VALUE_ERROR };
                return Err(fail(c, format!("{tag} is longer than {max} bytes")));
            }
            Ok(json!(s))
        }
        Kind::Choice(allowed) => {
            let s = v
                .as_str()
                .ok_or_else(|| fail(code::PROFILE_INVALID_VALUE_FORMAT, format!("{tag} must be a string")))?;
            if !allowed.contains(&s) {
                return Err(fail(code::PROFILE_VALUE_ERROR, format!("{tag} must be one of {}", allowed.join(", "))));
            }
            Ok(json!(s))
        }
        Kind::Number => {
            if !v.is_number() {
                return Err(fail(code::PROFILE_INVALID_VALUE_FORMAT, format!("{tag} must be a number")));
            }
            match v.as_u64().filter(|n| u32::try_from(*n).is_ok()) {
                Some(n) => Ok(json!(n)),
                None => Err(fail(code::PROFILE_VALUE_ERROR, format!("{tag} must be an integer from 0 to 4294967295"))),
            }
        }
    }
}

/// Check a custom field's value against its registered type; the value to store.
fn check_custom(tag: &str, kind: &str, v: &Value) -> Result<Value, ApiError> {
    if kind == INTEGER {
        // tim-js-sdk 2.x sends every custom value as a string: decimal digits count as a number.
        let n = match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) if !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().ok()
            }
            _ => None,
        };
        return n
            .map(|n: u64| json!(n))
            .ok_or_else(|| fail(code::PROFILE_INVALID_VALUE_FORMAT, format!("{tag} must be an unsigned integer")));
    }
    let s = v.as_str().ok_or_else(|| fail(code::PROFILE_INVALID_VALUE_FORMAT, format!("{tag} must be a string")))?;
    if s.len() > MAX_VALUE_BYTES {
        return Err(fail(code::PROFILE_SIZE_LIMIT, format!("{tag} is longer than {MAX_VALUE_BYTES} bytes")));
    }
    Ok(json!(s))
}

/// `profile.portrait_set` `{From_Account, ProfileItem: [{Tag, Value}]}` (WIRE.md §4.10; REST).
pub(crate) fn portrait_set(st: &Cx<'_>, who: &Who, body: &Value) -> Reply {
    let app = who.sdkappid();
    let target = who.acting(body, "From_Account");
    if let Who::User { user, .. } = who {
        let from = body["From_Account"].as_str().unwrap_or("");
        if !from.is_empty() && from != user {
            return Err(fail(code::PROFILE_ADMIN_REQUIRED, "only the app admin may set another account's profile"));
        }
    }
    let items = body["ProfileItem"].as_array().ok_or_else(|| bad("ProfileItem must be a list"))?;
    if items.is_empty() || items.len() > profile::STANDARD.len() + MAX_CUSTOM_FIELDS {
        return Err(bad(format!("ProfileItem must hold 1 to {} items", profile::STANDARD.len() + MAX_CUSTOM_FIELDS)));
    }
    if matches!(who, Who::User { .. }) && st.config.auto_import_accounts {
        // A user authenticated by userSig has an account, as at login.
        st.store.ensure_account(app, &target, now()).map_err(internal)?;
    }
    let current = st.store.profiles(app, std::slice::from_ref(&target)).map_err(internal)?;
    let Some(current) = current.into_iter().next() else {
        return Err(fail(code::PROFILE_ACCOUNT_NOT_FOUND, format!("account {target} not found")));
    };
    let mut registry: Option<Vec<(String, String)>> = None;
    let mut update = ProfileUpdate::default();
    let mut pushed = Vec::with_capacity(items.len());
    for item in items {
        let tag = item["Tag"].as_str().ok_or_else(|| bad("each ProfileItem needs a Tag"))?;
        let v = &item["Value"];
        let stored = if let Some(f) = profile::by_tag(tag) {
            let stored = check_standard(f, v)?;
            if tag == ADMIN_FORBID_TYPE && !is_app_admin(st, who) {
                // Writing the value it already has is harmless (an app echoing its profile).
                let have = current.fields.get(tag).cloned().unwrap_or_else(|| json!(profile::FORBID_TYPES[0]));
                if have != stored {
                    return Err(fail(
                        code::PROFILE_WRITE_PERMISSION_REQUIRED,
                        format!("only the app admin may set {tag}"),
                    ));
                }
            }
            stored
        } else if tag.starts_with(CUSTOM_PREFIX) {
            if registry.is_none() {
                registry = Some(st.store.profile_fields(app).map_err(internal)?);
            }
            let kind = registry.iter().flatten().find(|(t, _)| t == tag).map(|(_, k)| k.as_str());
            let Some(kind) = kind else {
                return Err(fail(code::PROFILE_TAG_NOT_FOUND, format!("custom profile field {tag} is not registered")));
            };
            check_custom(tag, kind, v)?
        } else {
            return Err(fail(code::PROFILE_TAG_NOT_FOUND, format!("unknown profile tag {tag}")));
        };
        match tag {
            NICK => update.nick = stored.as_str().map(str::to_string),
            IMAGE => update.face_url = stored.as_str().map(str::to_string),
            _ => {
                update.fields.insert(tag.to_string(), stored.clone());
            }
        }
        pushed.push(match &stored {
            Value::Number(n) => json!({"Tag": tag, "ValueNum": n}),
            s => json!({"Tag": tag, "ValueBytes": s}),
        });
    }
    match st.store.update_profile(app, &target, &update, now()) {
        Ok(Some(_)) => {}
        Ok(None) => return Err(fail(code::PROFILE_ACCOUNT_NOT_FOUND, format!("account {target} not found"))),
        Err(e) => return Err(internal(e)),
    }
    let push = json!({"EventArray": [{"Event": cmd::event::PROFILE,
        "ProfileDataMod": [{"Profile_Account": target, "ProfileList": pushed}]}]});
    st.push_user(app, &target, who.conn_id(), &push);
    Ok(ok())
}

/// The app's registered custom fields.
pub(crate) fn field_list(st: &State, app: u64) -> Reply {
    let fields = st.store.profile_fields(app).map_err(internal)?;
    let list: Vec<Value> = fields.iter().map(|(t, k)| json!({"Tag": t, "Type": k})).collect();
    Ok(ok_with(json!({"FieldList": list})))
}

/// REST `profile.custom_field_add` `{FieldList: [{Tag: "Tag_Profile_Custom_<name>", Type:
/// "String" | "Integer"}]}`: register custom fields (`<name>`: 1 to 8 of `A-Z a-z 0-9 _`; at
/// most 20 per app). A registered field keeps its type for good: adding it again with the same
/// type is a no-op, with another type 40001. Reply: every registered field.
pub(crate) fn field_add(st: &State, who: &Who, body: &Value) -> Reply {
    let app = who.sdkappid();
    let list = body["FieldList"].as_array().ok_or_else(|| bad("FieldList must be a list"))?;
    if list.is_empty() || list.len() > MAX_CUSTOM_FIELDS {
        return Err(bad(format!("FieldList must hold 1 to {MAX_CUSTOM_FIELDS} fields")));
    }
    let mut wanted = Vec::with_capacity(list.len());
    for f in list {
        let tag = f["Tag"].as_str().unwrap_or("");
        let name = tag.strip_prefix(CUSTOM_PREFIX).unwrap_or("");
        if name.is_empty()
            || name.len() > MAX_CUSTOM_NAME
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(bad(format!(
                "Tag must be {CUSTOM_PREFIX} and 1 to {MAX_CUSTOM_NAME} letters, digits or _: {tag:?}"
            )));
        }
        let kind = match f["Type"].as_str() {
            Some(k @ (STRING | INTEGER)) => k,
            _ => return Err(bad(format!("Type of {tag} must be \"{STRING}\" or \"{INTEGER}\""))),
        };
        wanted.push((tag, kind));
    }
    for (tag, kind) in wanted {
        match st.store.add_profile_field(app, tag, kind, MAX_CUSTOM_FIELDS, now()).map_err(internal)? {
            FieldAdded::Added => tracing::info!(sdkappid = app, tag, kind, "custom profile field registered"),
            FieldAdded::Exists(k) if k == kind => {}
            FieldAdded::Exists(k) => return Err(bad(format!("{tag} is registered as {k} and cannot change type"))),
            FieldAdded::Full => {
                return Err(bad(format!("an app has at most {MAX_CUSTOM_FIELDS} custom profile fields")))
            }
        }
    }
    field_list(st, app)
}

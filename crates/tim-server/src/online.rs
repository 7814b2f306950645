//! REST `openim.query_online_status` (admin only): whether users are logged in, and with
//! `IsNeedDetail: 1` one `Detail` entry per logged-in socket (`IsReturnInstid: 1` adds its
//! instance ID). Tabs sharing one connection (docs/tabs.md) show as one socket.

use serde_json::{json, Value};
use tim_proto::code;

use crate::api::reply::{fail, ok_with, Who};
use crate::State;

/// The command's `service.command`.
pub const QUERY_ONLINE_STATUS: &str = "openim.query_online_status";

/// Most accounts per request (Tencent's limit).
const MAX_ACCOUNTS: usize = 500;

/// `openim.query_online_status` (an admin row of the command table).
pub(crate) fn query_online_status(st: &State, who: &Who, body: &Value) -> Value {
    let sdkappid = &who.sdkappid();
    let Some(list) = body["To_Account"].as_array() else {
        return fail(code::MISSING_FIELD, "To_Account must be an array of UserIDs").into();
    };
    if list.len() > MAX_ACCOUNTS {
        return fail(code::REST_INVALID_JSON, format!("at most {MAX_ACCOUNTS} UserIDs per request")).into();
    }
    let detail = body["IsNeedDetail"].as_u64() == Some(1);
    let inst = body["IsReturnInstid"].as_u64() == Some(1);
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for v in list {
        let user = v.as_str().unwrap_or("");
        match st.store.account(*sdkappid, user) {
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => {
                errors.push(json!({"To_Account": v, "ErrorCode": code::ACCOUNT_NOT_FOUND}));
                continue;
            }
        }
        let sockets = st.hub.online_sockets(*sdkappid, user);
        let mut r = json!({"To_Account": user, "Status": if sockets.is_empty() { "Offline" } else { "Online" }});
        if detail && !sockets.is_empty() {
            let d: Vec<Value> = sockets
                .iter()
                .map(|(platform, id)| {
                    let mut e = json!({"Platform": platform_name(*platform), "Status": "Online"});
                    if inst {
                        e["InstId"] = json!(id);
                    }
                    e
                })
                .collect();
            r["Detail"] = Value::Array(d);
        }
        results.push(r);
    }
    let mut reply = ok_with(json!({"QueryResult": results}));
    if !errors.is_empty() {
        reply["ErrorList"] = Value::Array(errors);
    }
    reply
}

/// The `platform` URL parameter of a socket as a platform name (the Web SDKs send 7).
fn platform_name(p: u32) -> String {
    match p {
        7 => "Web".to_string(),
        n => format!("Platform{n}"),
    }
}

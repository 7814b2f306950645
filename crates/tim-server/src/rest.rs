//! The REST API: `POST /v4/<service>/<command>?sdkappid=&identifier=&usersig=&random=&contenttype=json`,
//! admin-authenticated, served by the same command table as the WebSocket frames.

use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tim_proto::code;
use tim_proto::usersig::{self, SigError};

use crate::api::{self, fail, Cx, Who};
use crate::error::ApiError;
use crate::hub::Pushes;
use crate::{now, State};

/// `POST /v4/{service}/{command}`.
pub async fn v4(
    AxState(st): AxState<Arc<State>>,
    Path((service, command)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Json<Value> {
    let origin = crate::uploads::origin(&st.config, &headers);
    let servcmd = format!("{service}.{command}");
    let who = match authenticate(&st, &q) {
        Ok(w) => w,
        Err(e) => return Json(e.into()),
    };
    if let Who::Admin { sdkappid, .. } = &who {
        if !st.limits.rest.allow(sdkappid.to_string()) {
            tracing::debug!(sdkappid, servcmd = ?servcmd, "REST call rate exceeded");
            return Json(crate::limits::rest_limited().into());
        }
    }
    let body = match parse_body(&body) {
        Ok(b) => b,
        Err(e) => return Json(e.into()),
    };
    tracing::debug!(servcmd = ?servcmd, "REST call");
    // Pushes go out as they are made: the caller is not a socket that waits for a reply first.
    let reply = tokio::task::spawn_blocking(move || {
        let out = Pushes::now();
        api::dispatch(&Cx::new(&st, &out, origin.as_deref()), &who, &servcmd, &body)
    })
    .await
    .unwrap_or_else(|e| Some(fail(code::INTERNAL_ERROR, format!("internal error: {e}")).into()));
    Json(reply.unwrap_or_else(api::ok))
}

/// The command body of a REST request: its JSON object, `{}` for an empty (all-whitespace) body,
/// or the `REST_INVALID_JSON` (90001) reply for anything else (not JSON, not an object).
pub fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(json!({}));
    }
    match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(fail(code::REST_INVALID_JSON, "request body is not a JSON object")),
    }
}

fn authenticate(st: &State, q: &HashMap<String, String>) -> Result<Who, ApiError> {
    let sdkappid: u64 = q
        .get("sdkappid")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| fail(code::REST_INVALID_SDKAPPID, "missing or invalid sdkappid"))?;
    let app = st
        .app(sdkappid)
        .ok_or_else(|| fail(code::REST_INVALID_SDKAPPID, format!("SDKAppID {sdkappid} is not served")))?;
    let identifier = q.get("identifier").map(String::as_str).unwrap_or("");
    if identifier != app.admin {
        return Err(fail(code::REST_ADMIN_REQUIRED, format!("identifier {identifier:?} is not the app admin")));
    }
    let sig = q.get("usersig").map(String::as_str).unwrap_or("");
    match usersig::verify(sig, sdkappid, &app.secret_key, identifier, now()) {
        Ok(_) => Ok(Who::Admin { sdkappid, admin: app.admin }),
        Err(SigError::Expired) => Err(fail(code::ACCOUNT_USERSIG_EXPIRED, "admin userSig expired")),
        Err(e) => Err(fail(code::REST_INVALID_ADMIN, format!("admin userSig refused: {e}"))),
    }
}

/// `GET /dev/usersig?sdkappid=N&userID=U` (demo mode only).
pub async fn dev_usersig(AxState(st): AxState<Arc<State>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let user = q.get("userID").or_else(|| q.get("userid")).cloned().unwrap_or_default();
    if user.is_empty() || user.len() > 32 {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "userID (1 to 32 bytes) is required"}))).into_response();
    }
    let app = match q.get("sdkappid").map(|v| v.parse::<u64>()) {
        Some(Ok(id)) => st.app(id),
        Some(Err(_)) => None,
        None => st.single_app(),
    };
    let Some(app) = app else {
        return (StatusCode::NOT_FOUND, Json(json!({"error": "unknown sdkappid"}))).into_response();
    };
    let expire = q.get("expire").and_then(|v| v.parse().ok()).unwrap_or(7 * 24 * 3600);
    let sig = usersig::generate(app.sdkappid, &app.secret_key, &user, expire, now());
    Json(json!({"SDKAppID": app.sdkappid, "userID": user, "userSig": sig})).into_response()
}

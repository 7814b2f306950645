//! Login, logout, destroy, kick-out and the end of a session.

use serde_json::Value;

use crate::obj;
use tim_proto::{cmd, code};

use super::{ev, s, u, ApiError, CallResult, Engine, Login, Output, Purpose, Session, Throttle};

/// How long the C2C sync waits for the platform's cache (e.g. an IndexedDB open blocked by
/// another tab) before it goes ahead without it.
const CACHE_WAIT_MS: u64 = 3_000;

impl Engine {
    pub(super) fn send_login(&mut self, call: Option<u64>, now: u64) {
        self.request(
            cmd::WSLOGIN,
            obj! {"State": "Online", "is_web_uniapp": 0, "InstType": 0},
            Purpose::Login { call },
            now,
        );
    }

    pub(super) fn login_reply(&mut self, call: Option<u64>, body: Value, now: u64) {
        let a2_key = s(&body, "A2Key");
        let tiny_id = match &body["TinyId"] {
            Value::Number(n) => n.to_string(),
            other => other.as_str().unwrap_or("").to_string(),
        };
        let (inst_id, hello, ts) = (u(&body, "InstId"), u(&body, "HelloInterval"), u(&body, "TimeStamp"));
        let fail = |code: i64, msg: &str| ApiError::new(code, msg);
        let err = if a2_key.is_empty() {
            Some(fail(code::NO_A2KEY, "login reply has no A2 key"))
        } else if tiny_id.is_empty() {
            Some(fail(code::NO_TINYID, "login reply has no TinyId"))
        } else {
            None
        };
        if let Some(err) = err {
            self.fail(Purpose::Login { call }, err, now);
            return;
        }
        if ts > 0 {
            self.offset_ms = (ts as i64) * 1000 - now as i64;
        }
        self.s.a2 = a2_key.clone();
        self.s.tiny_id = tiny_id.clone();
        self.s.inst_id = inst_id;
        self.s.hello_interval_ms = if hello == 0 { 120_000 } else { hello * 1000 };
        self.s.next_hello = now + self.s.hello_interval_ms;
        let Some(call) = call else { return };
        self.login = Login::In;
        self.s.cache_deadline = now + CACHE_WAIT_MS;
        let data = obj! {"actionStatus": &body["ActionStatus"].as_str().unwrap_or("OK"), "errorCode": 0, "errorInfo": &s(&body, "ErrorInfo"), "a2Key": &a2_key, "tinyID": &tiny_id, "instanceID": &inst_id, "helloInterval": &hello, "timeStamp": &ts, "repeatLogin": false};
        self.settle(call, Ok(data));
        // The login sequence of tim-js.js 2.27.6 (WIRE.md §3.1), without the friendship module
        // and without telemetry.
        let me = self.s.user.clone();
        self.read_my_profile(now);
        self.request(
            cmd::BLACK_LIST_GET,
            obj! {"From_Account": &me, "StartIndex": 0, "MaxLimited": 100, "LastSequence": 0},
            Purpose::Ignore,
            now,
        );
        self.page_get(None, now);
        self.request(cmd::AUTHKEY, obj! {}, Purpose::Ignore, now);
        self.s.getmsg_wanted = true;
        self.getmsg(now);
        self.request(
            cmd::FETCH_CONFIG,
            obj! {"uint32_sdkappid": &self.cfg.sdk_app_id, "uint64_version": 0},
            Purpose::Ignore,
            now,
        );
        self.warm_ready(now);
    }

    pub(super) fn kick_type(&mut self, kind: u64, now: u64) {
        match kind {
            2 => self.kicked("multipleDevice", code::KICKED_OUT_MULT_DEVICE, true, now),
            3 => self.kicked("REST_API_Kick", code::KICKED_OUT_REST_API, true, now),
            _ => self.kicked("multipleAccount", code::KICKED_OUT_MULT_ACCOUNT, true, now),
        }
    }

    pub(super) fn kicked(&mut self, kind: &str, reason: i64, send_logout: bool, now: u64) {
        if self.login != Login::In {
            return;
        }
        if send_logout {
            self.request(cmd::WSLOGOUT, obj! {"wslogout_type": 1}, Purpose::Ignore, now);
        }
        self.flush_persist();
        self.end_session(reason);
        self.emit(ev::KICKED_OUT, Some(obj! {"type": &kind}));
        self.emit(ev::SDK_NOT_READY, None);
    }

    pub(super) fn end_session(&mut self, reason: i64) {
        // Calls still waiting for the server are rejected, not left hanging.
        let dropped: Vec<u64> = self
            .pending
            .values()
            .filter_map(|p| match p.purpose {
                Purpose::Login { call } | Purpose::Conv { call, .. } | Purpose::Profile { call, .. } => call,
                #[cfg(feature = "groups")]
                Purpose::Group { call, .. } | Purpose::Room { call, .. } => call,
                Purpose::Send { call, .. } | Purpose::Roam { call, .. } | Purpose::Read { call } => Some(call),
                _ => None,
            })
            .collect();
        self.pending.retain(|_, p| matches!(p.purpose, Purpose::Heartbeat | Purpose::Ignore));
        for call in dropped {
            self.settle(call, Err(ApiError::new(reason, "the session ended before the server answered")));
        }
        self.s = Session::default();
        self.login = Login::Out(reason);
        self.throttle = Throttle::default();
    }

    pub(super) fn login(&mut self, a: Value, now: u64) -> CallResult {
        let user = s(&a, "userID");
        let sig = s(&a, "userSig");
        if user.is_empty() {
            return CallResult::Done(Err(ApiError::new(code::NO_IDENTIFIER, "login needs userID")));
        }
        if sig.is_empty() {
            return CallResult::Done(Err(ApiError::new(code::NO_USERSIG, "login needs userSig")));
        }
        match self.login {
            Login::In if self.s.user == user => {
                return CallResult::Done(Ok(
                    obj! {"actionStatus": "OK", "errorCode": 0, "errorInfo": &format!("{user} is already logged in"), "repeatLogin": true},
                ));
            }
            Login::In => {
                return CallResult::Done(Err(ApiError::new(
                    code::REPEAT_LOGIN,
                    "another user is logged in; call logout() first",
                )))
            }
            Login::InProgress { .. } => {
                return CallResult::Done(Err(ApiError::new(code::REPEAT_LOGIN, "a login is already in progress")))
            }
            Login::Out(_) => {}
        }
        let call = self.pending_call();
        let resume = a["_resume"].as_bool() == Some(true);
        self.s = Session { user: user.clone(), user_sig: sig, resume, ..Session::default() };
        self.login = Login::InProgress { call, sent: self.open };
        self.out.push_back(Output::LoadCache { user });
        if self.open {
            self.send_login(Some(call), now);
        } else if !self.connecting && self.reconnect_at.is_none() {
            self.schedule_reconnect(now);
        }
        self.net_state = "";
        self.set_net_state(if self.open { "connected" } else { "connecting" });
        CallResult::Pending(call)
    }

    pub(super) fn logout(&mut self, now: u64) -> CallResult {
        if matches!(self.login, Login::Out(_)) {
            // As tim-js-sdk: logout (and destroy) when not logged in reject with 2024.
            return CallResult::Done(Err(ApiError::new(code::USER_NOT_LOGGED_IN, "not logged in")));
        }
        let call = self.pending_call();
        let was_ready = self.s.ready;
        self.request(cmd::WSLOGOUT, obj! {"wslogout_type": 0}, Purpose::Ignore, now);
        self.flush_persist();
        self.end_session(code::USER_NOT_LOGGED_IN);
        if was_ready {
            self.emit(ev::SDK_NOT_READY, None);
        }
        self.settle(call, Ok(obj! {}));
        CallResult::Pending(call)
    }

    pub(super) fn destroy(&mut self, now: u64) -> CallResult {
        let result = match self.logout(now) {
            CallResult::Done(Err(e)) => Err(e),
            _ => Ok(obj! {}),
        };
        self.destroyed = true;
        self.out.push_back(Output::Close { socket: self.socket, code: 4000 });
        self.open = false;
        self.emit(ev::SDK_DESTROY, Some(obj! {"SDKAppID": &self.cfg.sdk_app_id}));
        CallResult::Done(result)
    }
}

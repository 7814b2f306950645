//! The engine as a JS class: JSON text in, JSON text and plain values out.
//!
//! The platform around it — WebSockets, the 500 ms clock, inflating `COMP` frames, the cache
//! store — is JS (`js/platform.js`, `js/store.js`), so that each runtime (browser, Mini Program,
//! Node) brings its own without a second wasm build. JS feeds the engine what happened
//! (`opened`, `text`, `bytes`, `closed`, `tick`, `cacheLoaded`, `historyLoaded`) and carries out
//! what [`WasmTim::drain`] hands back. No JS runs while the engine is borrowed: `drain` returns
//! the outputs instead of calling out, so an app listener may call the SDK again.

use js_sys::{Array, Uint8Array};
use serde_json::Value;
use tim_core::obj;
use tim_core::value::json_text;
use tim_core::{ApiError, CallResult, Config, Engine, Output, SocketId};
use wasm_bindgen::prelude::*;

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn num(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// One SDK instance's engine, driven by `js/platform.js`. Not part of the public API: apps use
/// `TIM`.
#[wasm_bindgen]
pub struct WasmTim {
    engine: Engine,
}

#[wasm_bindgen]
impl WasmTim {
    /// `options`: JSON `{SDKAppID, baseUrl, devMode, instanceID, seed, tzOffsetMin, compress}`;
    /// `compress`: the platform inflates `COMP` frames, so the SDK asks the server for them.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> Result<WasmTim, JsError> {
        let o: Value = serde_json::from_str(options).map_err(|_| JsError::new("options must be JSON"))?;
        let sdk_app_id = num(&o["SDKAppID"]).ok_or_else(|| JsError::new("SDKAppID must be a number"))?;
        let cfg = Config {
            sdk_app_id,
            base_url: o["baseUrl"].as_str().unwrap_or("").to_string(),
            dev_mode: o["devMode"].as_bool().unwrap_or(false),
            instance_id: o["instanceID"].as_str().unwrap_or("").to_string(),
            seed: num(&o["seed"]).unwrap_or_else(|| (js_sys::Math::random() * 9.0e15) as u64),
            tz_offset_min: o["tzOffsetMin"].as_i64().unwrap_or(0),
            compress: o["compress"].as_bool().unwrap_or(false),
        };
        Ok(WasmTim { engine: Engine::new(cfg, now()) })
    }

    /// Call API `method` with `args` (a JSON array). Returns JSON: `{"ok": value}`,
    /// `{"err": {code, message, data?}}`, `{"pending": callId}` or `{"throw": message}`.
    pub fn call(&mut self, method: &str, args: &str) -> String {
        let args: Value = serde_json::from_str(args).unwrap_or(Value::Array(Vec::new()));
        let v = match self.engine.call(method, args, now()) {
            CallResult::Done(Ok(v)) => obj! {"ok": v},
            CallResult::Done(Err(e)) => obj! {"err": error_json(e)},
            CallResult::Pending(id) => obj! {"pending": id},
            CallResult::Throw(m) => obj! {"throw": m},
            CallResult::Text(text) => return format!("{{\"ok\":{text}}}"),
        };
        json_text(&v)
    }

    /// Socket `socket` opened.
    pub fn opened(&mut self, socket: f64) {
        self.engine.on_open(socket as SocketId, now());
    }

    /// Socket `socket` closed, failed or could not be opened.
    pub fn closed(&mut self, socket: f64) {
        self.engine.on_close(socket as SocketId, now());
    }

    /// A text frame (`/info`, devMode).
    pub fn text(&mut self, socket: f64, text: &str) {
        self.engine.on_text(socket as SocketId, text, now());
    }

    /// A binary frame, inflated already when it was a `COMP` one.
    pub fn bytes(&mut self, socket: f64, bytes: &[u8]) {
        self.engine.on_bytes(socket as SocketId, bytes, now());
    }

    /// The clock (every 500 ms): heartbeats, timeouts, reconnects, throttled events.
    pub fn tick(&mut self) {
        self.engine.tick(now());
    }

    /// The cached snapshot of `user` (`{conversations, groups, outbox, meta}` JSON; empty: no
    /// cache). Returns false, doing nothing, when `snapshot` is not JSON, so the store can hand
    /// over the records it can still read.
    #[wasm_bindgen(js_name = cacheLoaded)]
    pub fn cache_loaded(&mut self, user: &str, snapshot: &str) -> bool {
        let v = if snapshot.is_empty() {
            Value::Null
        } else {
            match serde_json::from_str(snapshot) {
                Ok(v) => v,
                Err(_) => return false,
            }
        };
        self.engine.cache_loaded(user, v, now());
        true
    }

    /// A cached history page asked for with `request` (a JSON array of Message JSON, newest
    /// first; unreadable: no cached page).
    #[wasm_bindgen(js_name = historyLoaded)]
    pub fn history_loaded(&mut self, request: f64, page: &str) {
        let list = match serde_json::from_str(page) {
            Ok(Value::Array(list)) => list,
            _ => Vec::new(),
        };
        self.engine.history_loaded(request as u64, list, now());
    }

    /// What the engine asks the platform to do, in order: one array per output, its kind first:
    /// `["connect", socket, url]`, `["close", socket, code]`, `["send", socket, text | bytes]`,
    /// `["event", name, dataJson?]`, `["settle", call, ok, resultJson]`, `["load", user]`,
    /// `["page", user, request, conversationID, count, beforeOrder?, beforeID?]` and
    /// `["persist", user, batchJson]` (`{c, m, o, d, g, s}`: conversations, messages, outbox
    /// records to write and IDs to delete, the group list or null, the sync cursors or null).
    pub fn drain(&mut self) -> Array {
        let list = Array::new();
        for o in self.engine.drain() {
            list.push(&output(o));
        }
        list
    }
}

fn error_json(e: ApiError) -> Value {
    let mut v = obj! {"code": e.code, "message": e.message};
    if let Some(d) = e.data {
        v["data"] = d;
    }
    v
}

fn output(o: Output) -> Array {
    let s = |t: &str| JsValue::from_str(t);
    let n = |x: u64| JsValue::from_f64(x as f64);
    let a = Array::new();
    let put = |v: JsValue| {
        a.push(&v);
    };
    match o {
        Output::Connect { socket, url } => {
            put(s("connect"));
            put(n(socket));
            put(s(&url));
        }
        Output::Close { socket, code } => {
            put(s("close"));
            put(n(socket));
            put(n(code.into()));
        }
        Output::Send { socket, text, binary } => {
            put(s("send"));
            put(n(socket));
            put(if binary { Uint8Array::from(text.as_bytes()).into() } else { s(&text) });
        }
        Output::Emit { name, data } => {
            put(s("event"));
            put(s(&name));
            put(data.map_or(JsValue::UNDEFINED, |d| s(&json_text(&d))));
        }
        Output::EmitText { name, json } => {
            put(s("event"));
            put(s(&name));
            put(s(&json));
        }
        Output::Settle { call, result } => {
            let (ok, v) = match result {
                Ok(v) => (true, v),
                Err(e) => (false, error_json(e)),
            };
            put(s("settle"));
            put(n(call));
            put(JsValue::from_bool(ok));
            put(s(&json_text(&v)));
        }
        Output::LoadCache { user } => {
            put(s("load"));
            put(s(&user));
        }
        Output::LoadHistory { user, request, conversation_id, before, count } => {
            put(s("page"));
            put(s(&user));
            put(n(request));
            put(s(&conversation_id));
            put(n(count));
            if let Some((order, id)) = before {
                put(n(order));
                put(s(&id));
            }
        }
        Output::Persist { user, conversations, messages, meta, outbox, outbox_delete, groups } => {
            let batch =
                obj! {"c": conversations, "m": messages, "o": outbox, "d": outbox_delete, "g": groups, "s": meta};
            put(s("persist"));
            put(s(&user));
            put(s(&json_text(&batch)));
        }
    }
    a
}

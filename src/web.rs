//! The browser platform: WebSocket, clock, IndexedDB, and the JS boundary.

use std::{
    cell::RefCell,
    collections::{HashMap, VecDeque},
    rc::{Rc, Weak},
};

use js_sys::{Function, Uint8Array};
use serde_json::{json, Value};
use tim_core::value::json_text;
use tim_core::{ApiError, CallResult, Config, Engine, Output, SocketId};
use wasm_bindgen::{prelude::*, JsCast};
use web_sys::{BinaryType, MessageEvent, WebSocket};

use crate::idb;

const TICK_MS: i32 = 500;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setInterval)]
    fn set_interval(cb: &Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearInterval)]
    fn clear_interval(id: &JsValue);
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

thread_local! {
    /// The `onerror` a socket keeps once its own handlers are detached. Node's `ws` WebSocket
    /// is an EventEmitter: an `error` event nobody listens to throws and ends the process, and
    /// closing a socket that is still connecting emits one.
    static IGNORE_ERROR: Closure<dyn FnMut()> = Closure::new(|| {});
}

/// One WebSocket and the handlers it owns; dropping it detaches them (no leaked closures).
struct Socket {
    ws: WebSocket,
    _open: Closure<dyn FnMut()>,
    _message: Closure<dyn FnMut(MessageEvent)>,
    _close: Closure<dyn FnMut()>,
    _error: Closure<dyn FnMut()>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        IGNORE_ERROR.with(|f| self.ws.set_onerror(Some(f.as_ref().unchecked_ref())));
    }
}

/// A socket event, queued so that events are handed to the engine in arrival order even while
/// a compressed frame is being inflated asynchronously.
enum Inbound {
    Open,
    Bytes(Vec<u8>),
    Text(String),
    Close,
}

struct Inner {
    engine: Engine,
    sink: Function,
    /// `inflate(Uint8Array) -> Promise<Uint8Array>` for `COMP` frames (zlib or gzip), given by
    /// the JS facade from the platform's DecompressionStream.
    inflate: Option<Function>,
    inbound: VecDeque<(SocketId, Inbound)>,
    inflating: bool,
    sdk_app_id: u64,
    sockets: HashMap<SocketId, Socket>,
    tick: Option<(JsValue, Closure<dyn FnMut()>)>,
    pump_scheduled: bool,
    writes: VecDeque<Job>,
    writer_running: bool,
    /// The open cache database and its name (one user at a time); `None` before the first use
    /// and after logout.
    db: Option<(String, indexed_db_futures::database::Database)>,
}

/// Cache work, done one after another in the order the engine asked for it.
enum Job {
    Save(String, idb::Batch),
    /// Read a history page for the engine.
    Page {
        name: String,
        request: u64,
        conv: String,
        before: Option<(u64, String)>,
        count: u64,
    },
    /// Close the database (logout / destroy), after the writes before it.
    Close,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some((id, _)) = self.tick.take() {
            clear_interval(&id);
        }
    }
}

type Shared = Rc<RefCell<Inner>>;

/// One SDK instance, driven from the JS facade. Not part of the public API: apps use `TIM`.
#[wasm_bindgen]
pub struct WasmTim {
    inner: Shared,
}

fn num(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

#[wasm_bindgen]
impl WasmTim {
    /// `options`: JSON `{SDKAppID, baseUrl, devMode, instanceID, seed, tzOffsetMin}`.
    /// `sink(kind, a, b, c)` receives `("event", name, dataJson?)` and
    /// `("settle", callId, ok, resultJson)`. `inflate(bytes) -> Promise<bytes>` inflates a zlib
    /// or gzip stream; without it the SDK does not ask the server for compressed frames.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str, sink: Function, inflate: Option<Function>) -> Result<WasmTim, JsError> {
        let o: Value = serde_json::from_str(options).map_err(|e| JsError::new(&e.to_string()))?;
        let sdk_app_id = num(&o["SDKAppID"]).ok_or_else(|| JsError::new("SDKAppID must be a number"))?;
        let cfg = Config {
            sdk_app_id,
            base_url: o["baseUrl"].as_str().unwrap_or("").to_string(),
            dev_mode: o["devMode"].as_bool().unwrap_or(false),
            instance_id: o["instanceID"].as_str().unwrap_or("").to_string(),
            seed: num(&o["seed"]).unwrap_or_else(|| (js_sys::Math::random() * 9.0e15) as u64),
            tz_offset_min: o["tzOffsetMin"].as_i64().unwrap_or(0),
            compress: inflate.is_some(),
        };
        let engine = Engine::new(cfg, now());
        let inner = Rc::new(RefCell::new(Inner {
            engine,
            sink,
            inflate,
            inbound: VecDeque::new(),
            inflating: false,
            sdk_app_id,
            sockets: HashMap::new(),
            tick: None,
            pump_scheduled: false,
            writes: VecDeque::new(),
            writer_running: false,
            db: None,
        }));
        let weak = Rc::downgrade(&inner);
        let tick = Closure::<dyn FnMut()>::new(move || {
            if let Some(rc) = weak.upgrade() {
                if let Ok(mut i) = rc.try_borrow_mut() {
                    i.engine.tick(now());
                }
                pump(&rc);
            }
        });
        let id = set_interval(tick.as_ref().unchecked_ref(), TICK_MS);
        inner.borrow_mut().tick = Some((id, tick));
        pump(&inner);
        Ok(WasmTim { inner })
    }

    /// Call API `method` with `args` (a JSON array). Returns JSON: `{"ok": value}`,
    /// `{"err": {code, message, data?}}`, `{"pending": callId}` or `{"throw": message}`.
    pub fn call(&self, method: &str, args: &str) -> String {
        let args: Value = serde_json::from_str(args).unwrap_or(Value::Array(Vec::new()));
        let result = match self.inner.try_borrow_mut() {
            Ok(mut i) => {
                let r = i.engine.call(method, args, now());
                if method == "destroy" {
                    if let Some((id, _)) = i.tick.take() {
                        clear_interval(&id);
                    }
                }
                r
            }
            Err(_) => CallResult::Done(Err(ApiError { code: 2903, message: "re-entrant call".into(), data: None })),
        };
        if method == "logout" || method == "destroy" {
            // The database closes once the writes the session left are done.
            enqueue(&self.inner, Job::Close);
        }
        schedule_pump(&self.inner);
        let v = match result {
            CallResult::Done(Ok(v)) => json!({ "ok": v }),
            CallResult::Done(Err(e)) => json!({ "err": error_json(&e) }),
            CallResult::Pending(id) => json!({ "pending": id }),
            CallResult::Throw(m) => json!({ "throw": m }),
            CallResult::Text(text) => return format!("{{\"ok\":{text}}}"),
        };
        json_text(&v)
    }
}

fn error_json(e: &ApiError) -> Value {
    let mut v = json!({"code": e.code, "message": e.message});
    if let Some(d) = &e.data {
        v["data"] = d.clone();
    }
    v
}

/// Run the engine's outputs soon (after the current JS task's synchronous part), so a promise
/// the facade registers for a pending call exists before it can be settled.
fn schedule_pump(rc: &Shared) {
    let Ok(mut i) = rc.try_borrow_mut() else { return };
    if i.pump_scheduled {
        return;
    }
    i.pump_scheduled = true;
    let weak = Rc::downgrade(rc);
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(rc) = weak.upgrade() {
            if let Ok(mut i) = rc.try_borrow_mut() {
                i.pump_scheduled = false;
            }
            pump(&rc);
        }
    });
}

/// Carry out everything the engine asked for. The engine is never borrowed while JS runs.
fn pump(rc: &Shared) {
    loop {
        let outs = match rc.try_borrow_mut() {
            Ok(mut i) => i.engine.drain(),
            Err(_) => return,
        };
        if outs.is_empty() {
            return;
        }
        for o in outs {
            run(rc, o);
        }
    }
}

fn sink(rc: &Shared, kind: &str, a: JsValue, b: JsValue, c: JsValue) {
    let f = match rc.try_borrow() {
        Ok(i) => i.sink.clone(),
        Err(_) => return,
    };
    // A throwing app listener is the facade's to report; it must not stop the engine.
    let args = js_sys::Array::of3(&a, &b, &c);
    args.unshift(&JsValue::from_str(kind));
    let _ = f.apply(&JsValue::NULL, &args);
}

fn run(rc: &Shared, o: Output) {
    match o {
        Output::Connect { socket, url } => connect(rc, socket, &url),
        Output::Close { socket, code } => {
            let s = rc.try_borrow_mut().ok().and_then(|mut i| i.sockets.remove(&socket));
            if let Some(s) = s {
                let ws = s.ws.clone();
                drop(s);
                let _ = ws.close_with_code(code);
            }
        }
        Output::Send { socket, text, binary } => {
            if let Ok(i) = rc.try_borrow() {
                if let Some(s) = i.sockets.get(&socket) {
                    let _ = if binary { s.ws.send_with_u8_array(text.as_bytes()) } else { s.ws.send_with_str(&text) };
                }
            }
        }
        Output::Emit { name, data } => {
            let data = data.map_or(JsValue::UNDEFINED, |d| JsValue::from_str(&json_text(&d)));
            sink(rc, "event", JsValue::from_str(&name), data, JsValue::UNDEFINED);
        }
        Output::EmitText { name, json } => {
            sink(rc, "event", JsValue::from_str(&name), JsValue::from_str(&json), JsValue::UNDEFINED);
        }
        Output::Settle { call, result } => {
            let (ok, v) = match result {
                Ok(v) => (true, v),
                Err(e) => (false, error_json(&e)),
            };
            sink(
                rc,
                "settle",
                JsValue::from_f64(call as f64),
                JsValue::from_bool(ok),
                JsValue::from_str(&json_text(&v)),
            );
        }
        Output::LoadCache { user } => {
            let Ok(app) = rc.try_borrow().map(|i| i.sdk_app_id) else { return };
            let weak = Rc::downgrade(rc);
            wasm_bindgen_futures::spawn_local(async move {
                let name = idb::db_name(app, &user);
                // No IndexedDB (private browsing, blocked): the session runs from memory.
                let snapshot = match database(&weak, &name).await {
                    Some(db) => idb::load(&db).await.unwrap_or(Value::Null),
                    None => Value::Null,
                };
                if let Some(rc) = weak.upgrade() {
                    if let Ok(mut i) = rc.try_borrow_mut() {
                        i.engine.cache_loaded(&user, snapshot, now());
                    }
                    pump(&rc);
                }
            });
        }
        Output::LoadHistory { user, request, conversation_id, before, count } => {
            let Ok(app) = rc.try_borrow().map(|i| i.sdk_app_id) else { return };
            let name = idb::db_name(app, &user);
            enqueue(rc, Job::Page { name, request, conv: conversation_id, before, count });
        }
        Output::Persist { user, conversations, messages, meta, outbox, outbox_delete, groups } => {
            let key = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
            let batch = idb::Batch {
                conversations: conversations.iter().map(|c| (key(c, "conversationID"), json_text(c))).collect(),
                // In the engine's order: as the messages arrived.
                messages: {
                    let base = js_sys::Date::now() * 1000.0;
                    messages.iter().enumerate().map(|(i, m)| idb::MessageRecord::of(m, base + i as f64)).collect()
                },
                outbox: outbox.iter().map(|q| (key(q, "ID"), json_text(q))).collect(),
                outbox_delete,
                groups: groups.map(|list| list.iter().map(|g| (key(g, "groupID"), json_text(g))).collect()),
                meta: if meta.is_null() { String::new() } else { json_text(&meta) },
            };
            let Ok(app) = rc.try_borrow().map(|i| i.sdk_app_id) else { return };
            enqueue(rc, Job::Save(idb::db_name(app, &user), batch));
        }
    }
}

/// The open database `name`, opened (and migrated) on first use.
async fn database(weak: &Weak<RefCell<Inner>>, name: &str) -> Option<indexed_db_futures::database::Database> {
    let rc = weak.upgrade()?;
    let cached = rc.try_borrow().ok().and_then(|i| i.db.as_ref().filter(|(n, _)| n == name).map(|(_, d)| d.clone()));
    if cached.is_some() {
        return cached;
    }
    drop(rc);
    let db = idb::open(name).await.ok()?;
    let rc = weak.upgrade()?;
    let mut i = rc.try_borrow_mut().ok()?;
    if let Some((n, old)) = i.db.take() {
        if n != name {
            old.close();
        }
    }
    i.db = Some((name.to_string(), db.clone()));
    Some(db)
}

fn enqueue(rc: &Shared, job: Job) {
    let Ok(mut i) = rc.try_borrow_mut() else { return };
    i.writes.push_back(job);
    if !i.writer_running {
        i.writer_running = true;
        drop(i);
        spawn_writer(Rc::downgrade(rc));
    }
}

/// Write cache batches one after another, in the order the engine produced them.
fn spawn_writer(weak: Weak<RefCell<Inner>>) {
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            let job = match weak.upgrade() {
                Some(rc) => {
                    let Ok(mut i) = rc.try_borrow_mut() else { return };
                    let job = i.writes.pop_front();
                    if job.is_none() {
                        i.writer_running = false;
                    }
                    job
                }
                None => None,
            };
            let Some(job) = job else { return };
            match job {
                Job::Save(name, batch) => {
                    if let Some(db) = database(&weak, &name).await {
                        let _ = idb::save(&db, batch).await;
                    }
                }
                Job::Page { name, request, conv, before, count } => {
                    let page = match database(&weak, &name).await {
                        Some(db) => idb::page(&db, &conv, before, count).await.unwrap_or_default(),
                        None => Vec::new(),
                    };
                    let Some(rc) = weak.upgrade() else { return };
                    if let Ok(mut i) = rc.try_borrow_mut() {
                        i.engine.history_loaded(request, page, now());
                    }
                    pump(&rc);
                }
                Job::Close => {
                    let db = weak.upgrade().and_then(|rc| rc.try_borrow_mut().ok().and_then(|mut i| i.db.take()));
                    if let Some((_, db)) = db {
                        db.close();
                    }
                }
            }
        }
    });
}

fn connect(rc: &Shared, socket: SocketId, url: &str) {
    let ws = match WebSocket::new(url) {
        Ok(ws) => ws,
        Err(_) => {
            if let Ok(mut i) = rc.try_borrow_mut() {
                i.inbound.push_back((socket, Inbound::Close));
            }
            drain_inbound(rc);
            return;
        }
    };
    ws.set_binary_type(BinaryType::Arraybuffer);
    let w = Rc::downgrade(rc);
    let open = Closure::<dyn FnMut()>::new(move || arrive(&w, socket, Inbound::Open));
    let w = Rc::downgrade(rc);
    let message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        if let Some(text) = data.as_string() {
            arrive(&w, socket, Inbound::Text(text));
        } else if data.is_instance_of::<js_sys::ArrayBuffer>() {
            arrive(&w, socket, Inbound::Bytes(Uint8Array::new(&data).to_vec()));
        }
    });
    let w = Rc::downgrade(rc);
    let close = Closure::<dyn FnMut()>::new(move || arrive(&w, socket, Inbound::Close));
    // A failed connection (server unreachable, refused, reset) is a close: the engine reports
    // "disconnected" and retries. Browsers send `close` after `error` as well; the engine
    // ignores the second. Without a listener Node's `ws` throws the error at the process.
    let w = Rc::downgrade(rc);
    let error = Closure::<dyn FnMut()>::new(move || arrive(&w, socket, Inbound::Close));
    ws.set_onopen(Some(open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(close.as_ref().unchecked_ref()));
    ws.set_onerror(Some(error.as_ref().unchecked_ref()));
    if let Ok(mut i) = rc.try_borrow_mut() {
        i.sockets.retain(|id, _| *id >= socket);
        i.sockets.insert(socket, Socket { ws, _open: open, _message: message, _close: close, _error: error });
    }
}

/// Queue a socket event and hand the queue to the engine.
fn arrive(weak: &Weak<RefCell<Inner>>, socket: SocketId, ev: Inbound) {
    let Some(rc) = weak.upgrade() else { return };
    if let Ok(mut i) = rc.try_borrow_mut() {
        i.inbound.push_back((socket, ev));
    }
    drain_inbound(&rc);
}

/// Give queued socket events to the engine in order. A `COMP` frame is inflated by the
/// platform first; the events behind it wait until it is done.
fn drain_inbound(rc: &Shared) {
    loop {
        let next = match rc.try_borrow_mut() {
            Ok(mut i) if !i.inflating => i.inbound.pop_front(),
            _ => return,
        };
        let Some((socket, ev)) = next else { return };
        match ev {
            Inbound::Bytes(bytes) if bytes.starts_with(b"COMP") => {
                let Some(inflate) = rc.try_borrow().ok().and_then(|i| i.inflate.clone()) else { continue };
                let packed = Uint8Array::from(&bytes[4..]);
                let Ok(promise) = inflate.call1(&JsValue::NULL, &packed) else { continue };
                if let Ok(mut i) = rc.try_borrow_mut() {
                    i.inflating = true;
                }
                let weak = Rc::downgrade(rc);
                wasm_bindgen_futures::spawn_local(async move {
                    let plain = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await;
                    let Some(rc) = weak.upgrade() else { return };
                    if let Ok(mut i) = rc.try_borrow_mut() {
                        i.inflating = false;
                        if let Ok(plain) = plain {
                            // A frame that does not inflate is dropped, as the official SDK does.
                            i.engine.on_bytes(socket, &Uint8Array::new(&plain).to_vec(), now());
                        }
                    }
                    pump(&rc);
                    drain_inbound(&rc);
                });
                return;
            }
            ev => {
                if let Ok(mut i) = rc.try_borrow_mut() {
                    match ev {
                        Inbound::Open => i.engine.on_open(socket, now()),
                        Inbound::Bytes(b) => i.engine.on_bytes(socket, &b, now()),
                        Inbound::Text(t) => i.engine.on_text(socket, &t, now()),
                        Inbound::Close => i.engine.on_close(socket, now()),
                    }
                }
                pump(rc);
            }
        }
    }
}

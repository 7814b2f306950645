// A simulated WeChat Mini Program runtime in Node, for running the official Mini Program SDK
// (`tim-wx-sdk` 2.27.6) against a real tim-server. The runtime is simulated; the server, the
// sockets and the SDK are real.
//
// The Mini Program's code runs in its own global scope (a `node:vm` context) holding what WeChat's
// logic layer gives it: `wx`, `getApp`, `getCurrentPages`, `__wxConfig`, `console` and the timers,
// and the ECMAScript built-ins; no `window`, `document`, `WebSocket`, `XMLHttpRequest`, `fetch`,
// `TextEncoder`/`TextDecoder`, `URL` or `require` of Node modules.
//
// What is real where it matters:
// - `wx.connectSocket` opens a real WebSocket (the `ws` package) and returns a SocketTask (onOpen,
//   onMessage, onClose, onError, send, close); binary frames arrive as ArrayBuffer, text frames
//   as string; at most 5 sockets may be open at once (WeChat's limit), a sixth fails.
// - `wx.request` is a real HTTP request (fetch), limited to the hosts of the Mini Program's
//   request domain list (`domains`, by default the server under test's host), as WeChat does.
// - storage (`getStorageSync`, `setStorageSync`, …) keeps JSON copies in memory, with WeChat's
//   quotas (1 MB a key, 10 MB in all; a write over them throws).
// - the app lifecycle: `hide()` fires the onAppHide listeners; WeChat suspends a Mini Program
//   5 s after it goes to the background (`suspendAfterMs`): from then on none of its code runs
//   (timers, socket and request callbacks wait for `show()`; intervals fire once), its open
//   sockets are cut and what the server sends on them is lost, and on `show()` each cut socket
//   reports onClose (code 1006) before the onAppShow listeners run. A `hide()`/`show()` within
//   the 5 s suspends nothing.
// - `getNetworkType` / `onNetworkStatusChange`, with `setNetwork(type)` to change the network.
//
// Calls to `wx` members this file does not provide are recorded in `env.missing` (the SDK probes
// some optional ones with `typeof`); a test may print them to see what a runtime lacks.
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

const KB = 1024;
const STORAGE_ITEM_LIMIT = 1024 * KB;
const STORAGE_LIMIT = 10 * 1024 * KB;
const MAX_SOCKETS = 5;

/**
 * A new simulated Mini Program runtime.
 * Options: `domains` (hosts `wx.request` may reach, default none beyond what `allowHost` adds),
 * `suspendAfterMs` (default 5000), `log` (print the Mini Program's console.log/info/warn).
 */
export function createWxRuntime(options = {}) {
  const suspendAfterMs = options.suspendAfterMs ?? 5000;
  const domains = new Set(options.domains || []);
  const verbose = !!options.log;

  // --- suspension: every entry into Mini Program code goes through `run`.
  let hidden = false;
  let suspended = false;
  let suspendTimer = null;
  let resumedEarly = null; // settles hide()'s promise when the app shows before suspension
  const waiting = []; // callbacks held while suspended, run in order on resume
  const run = (fn, ...args) => {
    if (suspended) waiting.push(() => fn(...args));
    else fn(...args);
  };

  const errors = []; // console.error lines of the Mini Program
  const missing = new Set();
  const fmt = (args) => args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ');
  const console_ = {
    log: (...a) => verbose && console.log('[mp]', fmt(a)),
    info: (...a) => verbose && console.log('[mp]', fmt(a)),
    debug: (...a) => verbose && console.log('[mp]', fmt(a)),
    warn: (...a) => verbose && console.log('[mp warn]', fmt(a)),
    error: (...a) => { errors.push(fmt(a)); console.log('[mp error]', fmt(a)); },
    group() {}, groupCollapsed() {}, groupEnd() {}, time() {}, timeEnd() {}, table() {},
  };

  const timers = {
    setTimeout: (fn, ms, ...a) => setTimeout(() => run(fn, ...a), ms),
    clearTimeout: (t) => clearTimeout(t),
    setInterval(fn, ms, ...a) {
      let held = false; // one pending tick at most while suspended
      return setInterval(() => {
        if (!suspended) return fn(...a);
        if (held) return;
        held = true;
        waiting.push(() => { held = false; fn(...a); });
      }, ms);
    },
    clearInterval: (t) => clearInterval(t),
  };

  const app = { globalData: {} };
  const context = vm.createContext({
    console: console_,
    ...timers,
    getApp: () => app,
    getCurrentPages: () => [],
    __wxConfig: { pages: ['pages/index/index'], entryPagePath: 'pages/index/index' },
  });
  const inner = (expr) => vm.runInContext(expr, context);
  const InnerArrayBuffer = inner('ArrayBuffer');
  const innerJSON = inner('JSON');
  // Values handed to Mini Program code are made in its own realm.
  const toInner = (v) => (v === undefined ? undefined : innerJSON.parse(JSON.stringify(v)));
  const toArrayBuffer = (buf) => {
    const ab = new InnerArrayBuffer(buf.length);
    new Uint8Array(ab).set(buf);
    return ab;
  };
  const isArrayBuffer = (v) => Object.prototype.toString.call(v) === '[object ArrayBuffer]';
  const call = (cb, res) => { if (typeof cb === 'function') run(cb, res); };
  const settle = (o, ok, res) => { call(ok ? o.success : o.fail, res); call(o.complete, res); };

  // --- sockets
  const sockets = new Set(); // SocketTasks that are connecting or open
  const cut = []; // tasks cut while suspended: they report onClose on resume

  function connectSocket(o = {}) {
    const listeners = {};
    // A listener set with onX replaces the previous one: the SDK detaches by setting no-ops.
    const emit = (name, res) => { const l = listeners[name]; if (l) run(l, res); };
    const task = {
      readyState: 0,
      onOpen(cb) { listeners.open = cb; },
      onMessage(cb) { listeners.message = cb; },
      onClose(cb) { listeners.close = cb; },
      onError(cb) { listeners.error = cb; },
      send(s = {}) {
        if (task.readyState !== 1) return settle(s, false, { errMsg: 'sendSocketMessage:fail WebSocket is not connected' });
        const data = isArrayBuffer(s.data) ? Buffer.from(s.data) : String(s.data);
        ws.send(data, { binary: typeof data !== 'string' }, (err) =>
          settle(s, !err, { errMsg: err ? `sendSocketMessage:fail ${err.message}` : 'sendSocketMessage:ok' }));
      },
      close(c = {}) {
        if (task.readyState >= 2) return settle(c, false, { errMsg: 'closeSocket:fail WebSocket is not connected' });
        task.readyState = 2;
        closeCode = c.code || 1000;
        ws.close(closeCode, c.reason || '');
        settle(c, true, { errMsg: 'closeSocket:ok' });
      },
    };
    if (sockets.size >= MAX_SOCKETS) {
      const res = { errMsg: `connectSocket:fail exceed max task count ${MAX_SOCKETS}` };
      setTimeout(() => { settle(o, false, res); emit('error', res); }, 0);
      task.readyState = 3;
      return task;
    }
    let closeCode = 1000;
    const ws = new WebSocket(o.url, o.protocols, { headers: o.header || {} });
    sockets.add(task);
    task._ws = ws;
    ws.on('open', () => {
      task.readyState = 1;
      settle(o, true, { errMsg: 'connectSocket:ok' });
      emit('open', { header: {}, profile: {} });
    });
    ws.on('message', (data, binary) => {
      if (suspended) return; // a suspended Mini Program receives nothing
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      emit('message', { data: binary ? toArrayBuffer(buf) : buf.toString('utf8') });
    });
    ws.on('error', (err) => {
      if (task._cut) return;
      if (task.readyState === 0) settle(o, false, { errMsg: `connectSocket:fail ${err.message}` });
      emit('error', { errMsg: err.message });
    });
    ws.on('close', (code, reason) => {
      sockets.delete(task);
      if (task._cut) return;
      task.readyState = 3;
      emit('close', { code: code || closeCode, reason: reason.toString() });
    });
    task._emit = emit;
    return task;
  }

  // --- HTTP
  function request(o = {}) {
    let url;
    try { url = new URL(o.url); } catch { url = null; }
    const ctl = new AbortController();
    const task = { abort: () => ctl.abort() };
    if (!url || !domains.has(url.host)) {
      setTimeout(() => settle(o, false, { errMsg: `request:fail url not in domain list: ${o.url}` }), 0);
      return task;
    }
    const method = (o.method || 'GET').toUpperCase();
    const header = { ...(o.header || {}) };
    let body;
    if (o.data !== undefined && o.data !== null) {
      if (method === 'GET') {
        if (typeof o.data === 'object') for (const [k, v] of Object.entries(o.data)) url.searchParams.set(k, String(v));
      } else if (typeof o.data === 'string' || isArrayBuffer(o.data)) {
        body = isArrayBuffer(o.data) ? Buffer.from(o.data) : o.data;
      } else {
        const ct = Object.entries(header).find(([k]) => k.toLowerCase() === 'content-type')?.[1] || '';
        if (ct.includes('x-www-form-urlencoded')) body = new URLSearchParams(o.data).toString();
        else { body = JSON.stringify(o.data); if (!ct) header['content-type'] = 'application/json'; }
      }
    }
    const timer = setTimeout(() => ctl.abort(), o.timeout || 60000);
    fetch(url, { method, headers: header, body, signal: ctl.signal }).then(async (r) => {
      const buf = Buffer.from(await r.arrayBuffer());
      let data;
      if (o.responseType === 'arraybuffer') data = toArrayBuffer(buf);
      else {
        data = buf.toString('utf8');
        if ((o.dataType ?? 'json') === 'json') { try { data = innerJSON.parse(data); } catch { /* stays text */ } }
      }
      settle(o, true, { data, statusCode: r.status, header: toInner(Object.fromEntries(r.headers)), errMsg: 'request:ok' });
    }, (err) => {
      settle(o, false, { errMsg: `request:fail ${ctl.signal.aborted ? 'timeout' : err.message}` });
    }).finally(() => clearTimeout(timer));
    return task;
  }

  // --- storage
  const storage = new Map(); // key -> JSON text
  const used = () => [...storage].reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  function setStorageSync(key, data) {
    if (typeof key !== 'string' || key === '') throw new Error('setStorageSync:fail parameter error: key should be a non-empty string');
    const text = JSON.stringify(data === undefined ? null : data);
    const size = Buffer.byteLength(key) + Buffer.byteLength(text);
    if (size > STORAGE_ITEM_LIMIT) throw new Error('setStorageSync:fail exceed storage item max length');
    const before = storage.has(key) ? Buffer.byteLength(key) + Buffer.byteLength(storage.get(key)) : 0;
    if (used() - before + size > STORAGE_LIMIT) throw new Error('setStorageSync:fail exceed storage max size 10MB');
    storage.set(key, text);
  }
  const getStorageSync = (key) => (storage.has(key) ? innerJSON.parse(storage.get(key)) : '');
  const storageInfo = () => toInner({ keys: [...storage.keys()], currentSize: Math.ceil(used() / KB), limitSize: STORAGE_LIMIT / KB });
  const asyncOf = (fn, name) => (o = {}) => {
    setTimeout(() => {
      try { const r = fn(o); settle(o, true, { ...r, errMsg: `${name}:ok` }); } catch (e) { settle(o, false, { errMsg: e.message }); }
    }, 0);
  };

  // --- network
  let networkType = 'wifi';
  const networkListeners = new Set();

  // --- app lifecycle
  const showListeners = new Set();
  const hideListeners = new Set();

  const systemInfo = {
    brand: 'devtools', model: 'iPhone 13', pixelRatio: 3, screenWidth: 390, screenHeight: 844,
    windowWidth: 390, windowHeight: 844, statusBarHeight: 47, language: 'zh_CN', version: '8.0.40',
    system: 'iOS 16.0', platform: 'ios', fontSizeSetting: 16, SDKVersion: '3.2.5', benchmarkLevel: 1,
    deviceOrientation: 'portrait',
  };

  const api = {
    getSystemInfoSync: () => toInner(systemInfo),
    getSystemInfo: asyncOf(() => systemInfo, 'getSystemInfo'),
    connectSocket,
    request,
    setStorageSync,
    getStorageSync,
    removeStorageSync: (key) => { storage.delete(key); },
    clearStorageSync: () => storage.clear(),
    getStorageInfoSync: storageInfo,
    setStorage: asyncOf((o) => { setStorageSync(o.key, o.data); return {}; }, 'setStorage'),
    getStorage: asyncOf((o) => {
      if (!storage.has(o.key)) throw new Error('getStorage:fail data not found');
      return { data: getStorageSync(o.key) };
    }, 'getStorage'),
    removeStorage: asyncOf((o) => { storage.delete(o.key); return {}; }, 'removeStorage'),
    getNetworkType: (o = {}) => setTimeout(() => settle(o, true, { networkType, errMsg: 'getNetworkType:ok' }), 0),
    onNetworkStatusChange: (cb) => networkListeners.add(cb),
    offNetworkStatusChange: (cb) => (cb ? networkListeners.delete(cb) : networkListeners.clear()),
    onAppShow: (cb) => showListeners.add(cb),
    offAppShow: (cb) => showListeners.delete(cb),
    onAppHide: (cb) => hideListeners.add(cb),
    offAppHide: (cb) => hideListeners.delete(cb),
  };
  const wx = new Proxy(api, {
    get(target, name) {
      if (typeof name === 'string' && !(name in target)) missing.add(name);
      return target[name];
    },
  });
  context.wx = wx;

  const env = {
    wx,
    context,
    errors,
    missing,
    /** Let `wx.request` reach the host of `url`. */
    allowHost(url) { domains.add(new URL(url).host); },
    /** Evaluate a CommonJS module's source in the Mini Program's scope; its `module.exports`. */
    load(path) {
      const src = readFileSync(path, 'utf8');
      const fn = vm.runInContext(`(function (module, exports) {${src}\n})`, context, { filename: path });
      const module = { exports: {} };
      fn(module, module.exports);
      return module.exports;
    },
    get hidden() { return hidden; },
    get suspended() { return suspended; },
    /** Sockets open or connecting. */
    get openSockets() { return sockets.size; },
    /**
     * The app goes to the background. Resolves `true` once WeChat has suspended it, or `false`
     * when it came back before that.
     */
    hide() {
      if (hidden) throw new Error('already hidden');
      hidden = true;
      for (const cb of [...hideListeners]) run(cb);
      return new Promise((resolve) => {
        resumedEarly = () => resolve(false);
        suspendTimer = setTimeout(() => {
          suspendTimer = null;
          resumedEarly = null;
          suspended = true;
          for (const task of [...sockets]) {
            sockets.delete(task);
            task._cut = true;
            task.readyState = 3;
            task._ws.terminate();
            cut.push(task);
          }
          resolve(true);
        }, suspendAfterMs);
      });
    },
    /** The app comes back to the foreground: held code runs, cut sockets report their close. */
    show(opts = {}) {
      if (!hidden) throw new Error('not hidden');
      hidden = false;
      if (suspendTimer) { clearTimeout(suspendTimer); suspendTimer = null; }
      if (resumedEarly) { resumedEarly(); resumedEarly = null; }
      const wasSuspended = suspended;
      suspended = false;
      if (wasSuspended) {
        for (const task of cut.splice(0)) task._emit('close', { code: 1006, reason: 'abnormal closure' });
        for (const fn of waiting.splice(0)) fn();
      }
      const res = toInner({ path: 'pages/index/index', query: {}, scene: 1001, referrerInfo: {}, ...opts });
      for (const cb of [...showListeners]) run(cb, res);
    },
    /** The device's network changes (`none` for offline). */
    setNetwork(type) {
      networkType = type;
      const res = toInner({ isConnected: type !== 'none', networkType: type });
      for (const cb of [...networkListeners]) run(cb, res);
    },
  };
  return env;
}

function safeJson(v) {
  try { return JSON.stringify(v); } catch { return String(v); }
}

// The JS facade: the default export `TIM` of tim-js-sdk 2.x (create, EVENT, TYPES, VERSION),
// the instance methods, the event emitter and the plugin registry. It holds no IM logic: every
// API call goes to the wasm engine (`WasmTim.call`), which answers at once or settles later.
//
// This file is concatenated into each entry point by scripts/build-pkg.mjs, inside a function
// scope where `wasm_bindgen` (the wasm-bindgen glue), `loadWasmBytes()` and `METHODS` (the
// edition's engine methods from api/methods.json: `{sync: [...], async: [...]}`) are defined.
// The methods implemented here (login, logout, destroy, on, off, once, setLogLevel,
// registerPlugin) are the manifest's `facade` entries.
// It must stay ES2019 (webpack 4's parser): no optional chaining, no nullish coalescing, no
// module-relative URLs.

var VERSION = '2.27.6';
var NOT_READY_OK = {
  login: 1, logout: 1, destroy: 1, on: 1, off: 1, setLogLevel: 1, registerPlugin: 1,
};
var instances = {};
// Events whose data update Message objects the app may hold: parsed even when nobody listens.
var MESSAGE_UPDATES = { onMessageReadByPeer: 1 };
var wasmReady = null;
var wasmLoaded = false;
var wasmFailed = null;

function initWasm() {
  if (wasmReady) return wasmReady;
  var bytes = loadWasmBytes();
  try {
    // Synchronous when the runtime allows it, so TIM.create is usable at once.
    wasm_bindgen.initSync({ module: bytes });
    wasmLoaded = true;
    wasmReady = Promise.resolve(true);
  } catch (e) {
    wasmReady = wasm_bindgen({ module_or_path: bytes }).then(function () { wasmLoaded = true; return true; }, function (err) {
      wasmFailed = err;
      throw err;
    });
  }
  return wasmReady;
}

function TimError(code, message, data) {
  var e = new Error(message);
  e.code = code;
  if (data !== undefined) e.data = data;
  return e;
}

function hex32() {
  var s = '';
  for (var i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

// The server an app reaches when it passes no proxyServer: a global set before the SDK loads
// (`TIM_WASM_SERVER`), else the origin that served the page, else localhost.
function defaultServer() {
  var g = typeof globalThis !== 'undefined' ? globalThis : (typeof self !== 'undefined' ? self : {});
  if (g.TIM_WASM_SERVER) return String(g.TIM_WASM_SERVER);
  if (g.location && /^https?:$/.test(g.location.protocol)) {
    return (g.location.protocol === 'https:' ? 'wss://' : 'ws://') + g.location.host;
  }
  return 'ws://127.0.0.1:8080';
}

// Inflate a `COMP` frame (zlib or gzip) with the platform's DecompressionStream. Where there is
// none, the SDK does not ask the server for compressed frames. Inflating stops (and the frame is
// dropped) past MAX_INFLATED bytes, the engine's MAX_INBOUND_FRAME_BYTES: a small frame that
// inflates to gigabytes costs no more than that.
var MAX_INFLATED = 16 * 1024 * 1024;
var inflate = typeof DecompressionStream === 'function' && typeof Blob === 'function'
  ? function (bytes) {
    var format = bytes[0] === 0x1f && bytes[1] === 0x8b ? 'gzip' : 'deflate';
    var reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format)).getReader();
    var chunks = [];
    var total = 0;
    function next() {
      return reader.read().then(function (r) {
        if (r.done) {
          var out = new Uint8Array(total);
          var at = 0;
          for (var i = 0; i < chunks.length; i++) { out.set(chunks[i], at); at += chunks[i].length; }
          return out;
        }
        total += r.value.length;
        if (total > MAX_INFLATED) {
          reader.cancel().catch(function () {});
          throw new Error('compressed frame inflates to more than ' + MAX_INFLATED + ' bytes');
        }
        chunks.push(r.value);
        return next();
      });
    }
    return next();
  }
  : undefined;

function createInstance(options, appID) {
  var listeners = {};
  var pending = {};
  var messages = createRegistry();
  var shape = shapeWith(messages);
  var plugins = {};
  var logLevel = 0;
  var engine = null;
  var queue = [];
  var destroyed = false;
  // Tabs of this app and user share one connection where the platform allows (js/tabs.js).
  var tabs = tabsSupported(options) ? createTabs({
    appID: appID,
    tabID: hex32(),
    ensureEngine: function () {
      return initWasm().then(function () {
        start();
        if (!engine) throw new Error('instance destroyed');
      });
    },
    engineCall: function (method, argsJson) { return engine.call(method, argsJson); },
    deliver: function (name, data) { dispatch(name, data === undefined ? undefined : shape(data)); },
  }) : null;

  function dispatch(name, data) {
    var list = (listeners[name] || []).slice();
    var event = data === undefined ? { name: name } : { name: name, data: data };
    for (var i = 0; i < list.length; i++) {
      var l = list[i];
      if (l.once) off(name, l.fn, l.ctx, true);
      try {
        l.fn.call(l.ctx, event);
      } catch (err) {
        if (typeof console !== 'undefined') console.error('[tim-wasm] listener of ' + name + ' threw', err);
      }
    }
  }

  function sink(kind, a, b, c) {
    if (kind === 'event') {
      if (tabs) return tabs.engineEvent(a, b);
      // Nobody listens: the data (the whole conversation list, say) is not even parsed, unless
      // it updates messages the app holds.
      if ((!listeners[a] || !listeners[a].length) && !MESSAGE_UPDATES[a]) return;
      var data = b === undefined ? undefined : shape(JSON.parse(b));
      dispatch(a, data);
    } else if (kind === 'settle') {
      if (tabs && tabs.engineSettled(a, b, c)) return;
      var p = pending[a];
      if (!p) return;
      delete pending[a];
      var v = JSON.parse(c);
      if (b) {
        p.resolve({ code: 0, data: shape(v) });
      } else {
        p.reject(TimError(v.code, v.message, shape(v.data)));
      }
    }
  }

  function start() {
    if (engine || destroyed) return;
    engine = createDriver({
      SDKAppID: appID,
      baseUrl: options.proxyServer || defaultServer(),
      devMode: !!options.devMode,
      instanceID: hex32(),
      seed: Math.floor(Math.random() * 9e15),
      tzOffsetMin: -new Date().getTimezoneOffset(),
    // `_cacheStore`: a store with js/store.js's methods in place of IndexedDB's (tests; other
    // runtimes), or null for none.
    }, sink, inflate, options._cacheStore !== undefined ? options._cacheStore : createIdbStore());
    var q = queue;
    queue = [];
    for (var i = 0; i < q.length; i++) q[i]();
  }

  // A raw result ({ok}, {err} or {throw}) of a call another tab's engine ran, as the app sees it.
  function finish(r) {
    if (r.throw !== undefined) return Promise.reject(new Error(r.throw));
    if (r.err !== undefined) return Promise.reject(TimError(r.err.code, r.err.message, shape(r.err.data)));
    return Promise.resolve({ code: 0, data: shape(r.ok) });
  }

  // A follower's message: created by the leader's engine, filled in place when it answers.
  function createRouted(method, o) {
    if (!o || typeof o.to !== 'string' || !o.to || !o.payload || typeof o.payload !== 'object') {
      throw new Error('Params validate failed.');
    }
    var type = o.conversationType;
    var msg = instanceOf(Message, {
      ID: '', type: method === 'createCustomMessage' ? TYPES.MSG_CUSTOM : TYPES.MSG_TEXT,
      payload: JSON.parse(JSON.stringify(o.payload)), conversationID: type + o.to, conversationType: type,
      to: o.to, from: tabs.userID(), flow: 'out', time: Math.floor(Date.now() / 1000), status: 'unSend',
      priority: o.priority || 'Normal', cloudCustomData: o.cloudCustomData || '',
    });
    var info = { method: method, opts: o, leader: null, created: null };
    Object.defineProperty(msg, '__tabs', { value: info, enumerable: false });
    info.created = createAt(msg, info);
    return msg;
  }

  function createAt(msg, info) {
    return tabs.call(info.method, JSON.stringify([info.opts])).then(function (r) {
      if (r.ok && r.ok.ID) {
        for (var k in r.ok) msg[k] = r.ok[k];
        messages.set(msg.ID, msg);
        info.leader = tabs.leaderTab();
      } else {
        msg.status = 'fail';
      }
      return r;
    });
  }

  // sendMessage of a follower's message: after its creation, on the leader that holds its
  // draft (created again, not yet sent, when the leader changed in between).
  function sendRouted(msg, rest) {
    var info = msg.__tabs;
    return info.created.then(function (r) {
      if (!r.ok) return r;
      if (info.leader === tabs.leaderTab() || msg.status !== 'unSend') return r;
      info.created = createAt(msg, info);
      return info.created;
    }).then(function (r) {
      if (!r.ok) return r;
      return tabs.call('sendMessage', JSON.stringify([msg].concat(rest)));
    }).then(finish);
  }

  // One engine call. Returns the value for synchronous methods, or a Promise.
  function call(method, args, sync) {
    if (tabs) {
      if (method === 'sendMessage' && args[0] && args[0].__tabs && tabs.active()) return sendRouted(args[0], args.slice(1));
      if (!tabs.active()) {
        var out = tabs.outCode();
        return Promise.reject(TimError(out, out === 2024 ? 'not logged in: call login() and wait for SDK_READY' : 'this instance was kicked out; call login() again'));
      }
      if (tabs.routed()) return tabs.call(method, JSON.stringify(args)).then(finish);
    }
    if (!engine) {
      if (wasmFailed || sync) {
        var code = wasmFailed ? 2903 : 2024;
        return Promise.reject(TimError(code, wasmFailed ? 'the SDK failed to load: ' + wasmFailed : 'SDK is not ready'));
      }
      return new Promise(function (resolve, reject) {
        queue.push(function () { call(method, args).then(resolve, reject); });
      });
    }
    var r = JSON.parse(engine.call(method, JSON.stringify(args)));
    if (r.throw !== undefined) throw new Error(r.throw);
    if (r.err !== undefined) return Promise.reject(TimError(r.err.code, r.err.message, shape(r.err.data)));
    if (r.pending !== undefined) {
      return new Promise(function (resolve, reject) { pending[r.pending] = { resolve: resolve, reject: reject }; });
    }
    if (sync) return shape(r.ok);
    return Promise.resolve({ code: 0, data: shape(r.ok) });
  }

  function on(name, fn, ctx) {
    if (typeof name !== 'string' || typeof fn !== 'function') throw new Error('Params validate failed.');
    (listeners[name] = listeners[name] || []).push({ fn: fn, ctx: ctx, once: false });
  }

  function off(name, fn, ctx, once) {
    var list = listeners[name];
    if (!list) return;
    listeners[name] = list.filter(function (l) {
      return !(l.fn === fn && (ctx === undefined || l.ctx === ctx) && (!once || l.once));
    });
  }

  var tim = Object.create(null);
  tim.on = on;
  tim.off = off;
  tim.once = function (name, fn, ctx) {
    // tim-js-sdk refuses `once` before SDK_READY (CONSTANTS.md §2).
    if (tabs && !tabs.isReady()) return Promise.reject(TimError(2024, 'SDK is not ready'));
    if (!tabs && !engine) return Promise.reject(TimError(2024, 'SDK is not ready'));
    var r = tabs ? {} : JSON.parse(engine.call('_checkReady', '[]'));
    if (r.err) return Promise.reject(TimError(r.err.code, r.err.message));
    if (typeof name !== 'string' || typeof fn !== 'function') throw new Error('Params validate failed.');
    (listeners[name] = listeners[name] || []).push({ fn: fn, ctx: ctx, once: true });
  };
  tim.setLogLevel = function (level) { logLevel = level; };
  tim.registerPlugin = function (map) {
    for (var k in map) plugins[k] = map[k];
  };
  tim.login = function (o) {
    if (!tabs) return call('login', [o || {}]);
    o = o || {};
    if (!o.userID) return Promise.reject(TimError(2002, 'login needs userID'));
    if (!o.userSig) return Promise.reject(TimError(2003, 'login needs userSig'));
    return tabs.login(o).then(function (r) {
      if (r.err !== undefined) return Promise.reject(TimError(r.err.code, r.err.message, r.err.data));
      return { code: 0, data: r.ok };
    });
  };
  // As tim-js-sdk: calls still waiting for the server when the session ends never settle (no
  // rejection nobody handles), and the session's messages are forgotten.
  function endSession() {
    pending = {};
    messages.clear();
  }
  tim.logout = function () {
    endSession();
    var r = call('logout', []);
    if (tabs) tabs.loggedOut();
    return r;
  };
  tim.destroy = function () {
    endSession();
    if (tabs) {
      // This tab leaves; a leader tab hands the connection to the next tab, as when it closes.
      var wasLeader = tabs.leave();
      if (engine) engine.call('destroy', '[]');
      if (wasLeader) tabs.releaseLock();
      destroyed = true;
      delete instances[appID];
      dispatch(EVENT.SDK_DESTROY, { SDKAppID: appID });
      return Promise.resolve({ code: 0, data: {} });
    }
    var r = call('destroy', []);
    destroyed = true;
    delete instances[appID];
    return r;
  };
  // The engine's methods: api/methods.json's present `sync` and `async` methods of this edition,
  // injected by scripts/build-pkg.mjs as METHODS. Synchronous ones return the value, as in
  // tim-js-sdk: getTotalUnreadMessageCount a number (no arguments), create*Message a Message
  // (a follower tab's is made by the leader tab's engine).
  METHODS.sync.forEach(function (m) {
    var create = /^create/.test(m);
    tim[m] = function (o) {
      if (create && tabs && tabs.routed()) return createRouted(m, o);
      return call(m, create ? [o] : [], true);
    };
  });
  METHODS.async.forEach(function (m) {
    tim[m] = function () { return call(m, Array.prototype.slice.call(arguments)); };
  });

  // With shared tabs the engine (and its socket) starts when this tab becomes the leader.
  initWasm().then(function () { if (!tabs) start(); }, function (err) {
    dispatch(EVENT.ERROR, { code: 2903, message: 'the SDK failed to load: ' + err });
  });
  if (wasmLoaded && !tabs) start();
  return tim;
}

var TIM = {
  create: function (options) {
    options = options || {};
    var id = options.SDKAppID;
    if (typeof id === 'string' && /^\d+$/.test(id)) id = Number(id);
    if (typeof id !== 'number' || !isFinite(id)) return null;
    if (!instances[id]) instances[id] = createInstance(options, id);
    return instances[id];
  },
  EVENT: EVENT,
  TYPES: TYPES,
  VERSION: VERSION,
};
TIM['default'] = TIM;

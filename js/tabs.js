// Tabs of one app and user share one connection (docs/tabs.md). At login the tabs of the same
// SDKAppID + userID elect a leader with the Web Locks API: the leader runs the wasm engine and
// its WebSocket; the other tabs (followers) open no socket, forward their API calls to the
// leader over a BroadcastChannel and receive every event the leader's engine emits. When the
// leader tab closes its lock is released, the next waiting tab becomes leader, logs in with the
// credentials its own app gave to login() and resumes from the shared IndexedDB cache.
//
// Concatenated by scripts/build-pkg.mjs before facade.js, in the same function scope. ES2019.
// Where Web Locks or BroadcastChannel are missing (Mini Programs, uni-app, Node) tabsSupported()
// is false and the facade works alone, as before.

// Calls that read only: safe to send again to a new leader when the old one closed before it
// answered. Anything else is rejected with TABS_HANDOVER_CODE (its effect is unknown).
var TABS_RETRY = /^(get|search|create(Text|TextAt|Custom)Message$)/;
// tim-js-sdk's "request timed out" code: the call may or may not have taken effect.
var TABS_HANDOVER_CODE = 2801;
var TABS_SEEN_MAX = 5000;
// After a handover the new leader holds MESSAGE_RECEIVED back until this long after its
// SDK_READY, then gives it out in time order: live pushes on the new socket may come before
// the resumed sync brings what was sent during the handover.
var TABS_RESUME_HOLD_MS = 1500;
// What a call is refused with after a kick-out (KICKED_OUT's type), as the engine does.
var TABS_KICK_CODES = { multipleDevice: 3002, multipleAccount: 3003, userSigExpired: 3004, REST_API_Kick: 3006 };

function tabsSupported(options) {
  if (options && options.shareConnection === false) return false;
  var g = typeof globalThis !== 'undefined' ? globalThis : (typeof self !== 'undefined' ? self : {});
  return !!(g.navigator && g.navigator.locks && typeof g.navigator.locks.request === 'function' &&
    typeof g.BroadcastChannel === 'function' && typeof g.AbortController === 'function');
}

// host: {appID, ensureEngine() -> Promise, engineCall(method, argsJson) -> raw result JSON,
//        deliver(name, value|undefined), tabID}
function createTabs(host) {
  var role = 'none'; // 'none' | 'leader' | 'follower'
  var ready = false; // this tab has seen SDK_READY for the current session
  var leaderTab = null;
  var leaderReady = false;
  var channel = null;
  var lockName = '';
  var abort = null;
  var release = null; // resolves the leader's lock hold
  var creds = null;
  var loginData = null;
  var loginWaiter = null; // {resolve, reject} of this tab's login() until it is settled
  var nextID = 1;
  var outstanding = {}; // id -> {method, args, resolve, leader}
  var waiting = []; // calls held until a leader is ready
  var remotePending = {}; // engine call id -> forwarded call (leader)
  var seen = {};
  var seenOrder = [];
  var muted = false;
  var held = null; // messages held back after a handover (leader)
  var outCode = 2024; // why this tab is logged out

  function post(m) {
    if (channel) {
      try { channel.postMessage(m); } catch (e) { /* closed */ }
    }
  }

  function markSeen(id) {
    if (seen[id]) return false;
    seen[id] = 1;
    seenOrder.push(id);
    if (seenOrder.length > TABS_SEEN_MAX) delete seen[seenOrder.shift()];
    return true;
  }

  // Hand one event to this tab's app: SDK_READY once per session, each message once.
  function deliver(name, json) {
    if (name === EVENT.SDK_READY) {
      if (ready) return;
      ready = true;
      if (loginWaiter && role === 'follower') settleLogin({ ok: loginData || {} });
    } else if (!ready && role === 'follower') {
      return;
    }
    var data = json === undefined || json === null ? undefined : JSON.parse(json);
    if (name === EVENT.MESSAGE_RECEIVED && Array.isArray(data)) {
      data = data.filter(function (m) { return !m || !m.ID || markSeen(m.ID); });
      if (!data.length) return;
    }
    if (name === EVENT.KICKED_OUT) outCode = TABS_KICK_CODES[data && data.type] || 3003;
    host.deliver(name, data);
    // Logout and kick-out both end with SDK_NOT_READY.
    if (name === EVENT.SDK_NOT_READY) ended(role === 'leader');
  }

  function settleLogin(r) {
    var w = loginWaiter;
    loginWaiter = null;
    if (w) w.resolve(r);
  }

  // The shared session ended (logout, kick-out): every tab is logged out.
  function ended(announce) {
    if (role === 'none') return;
    if (announce) post({ t: 'end' });
    role = 'none';
    ready = false;
    leaderTab = null;
    leaderReady = false;
    if (abort) abort.abort();
    abort = null;
    var r = release;
    release = null;
    // The followers drop their lock requests on 'end' before the lock is free.
    if (r) setTimeout(r, 50);
    var pend = outstanding;
    outstanding = {};
    var q = waiting;
    waiting = [];
    var err = { err: { code: outCode, message: 'not logged in: the shared session ended' } };
    // A logout the session end answers has done what it was asked.
    for (var k in pend) pend[k].resolve(pend[k].method === 'logout' ? { ok: {} } : err);
    for (var i = 0; i < q.length; i++) q[i].resolve(err);
    settleLogin(err);
    if (channel) channel.close();
    channel = null;
  }

  function send(c) {
    if (role === 'follower' && leaderReady) {
      c.leader = leaderTab;
      outstanding[c.id] = c;
      post({ t: 'call', id: c.id, from: host.tabID, to: leaderTab, method: c.method, args: c.args });
    } else if (role === 'leader' && leaderReady) {
      var r = JSON.parse(host.engineCall(c.method, c.args));
      if (r.pending !== undefined) remotePending[r.pending] = { local: c };
      else c.resolve(r);
    } else if (!ready) {
      c.resolve({ err: { code: 3000, message: 'login is in progress; wait for SDK_READY' } });
    } else {
      waiting.push(c);
    }
  }

  // A new leader took over: calls the old one never answered are sent again or rejected.
  function leaderChanged(tab) {
    leaderTab = tab;
    leaderReady = false;
    var pend = outstanding;
    outstanding = {};
    for (var k in pend) {
      var c = pend[k];
      if (TABS_RETRY.test(c.method)) waiting.push(c);
      else {
        c.resolve({ err: { code: TABS_HANDOVER_CODE, message: 'the tab holding the connection closed before the server answered ' + c.method + '; it may or may not have taken effect' } });
      }
    }
  }

  function flush() {
    var q = waiting;
    waiting = [];
    for (var i = 0; i < q.length; i++) send(q[i]);
  }

  function reply(m, r) {
    post({ t: 'result', id: m.id, to: m.from, r: r });
  }

  function onMessage(ev) {
    var m = ev.data || {};
    if (m.t === 'event') {
      if (role === 'follower') deliver(m.name, m.data);
    } else if (m.t === 'hello') {
      if (role === 'leader') post({ t: 'state', tab: host.tabID, ready: leaderReady, login: loginData });
    } else if (m.t === 'state') {
      if (role !== 'follower') return;
      if (m.tab !== leaderTab) leaderChanged(m.tab);
      if (m.login) loginData = m.login;
      if (m.ready && !leaderReady) {
        leaderReady = true;
        if (!ready) deliver(EVENT.SDK_READY);
        flush();
      }
    } else if (m.t === 'call') {
      if (role !== 'leader' || m.to !== host.tabID) return;
      var r = JSON.parse(host.engineCall(m.method, m.args));
      if (r.pending !== undefined) remotePending[r.pending] = m;
      else reply(m, r);
      if (m.method === 'logout') setTimeout(function () { ended(true); }, 0);
    } else if (m.t === 'result') {
      if (m.to !== host.tabID) return;
      var c = outstanding[m.id];
      if (!c) return;
      delete outstanding[m.id];
      c.resolve(m.r);
    } else if (m.t === 'end') {
      if (role === 'follower') {
        if (ready) host.deliver(EVENT.SDK_NOT_READY);
        ended(false);
      }
    }
  }

  // This tab holds the lock: run the engine and log in with this tab's own credentials.
  function lead() {
    var resume = ready;
    role = 'leader';
    held = resume ? [] : null;
    remotePending = {};
    leaderChanged(host.tabID);
    post({ t: 'state', tab: host.tabID, ready: false });
    var hold = new Promise(function (resolve) { release = resolve; });
    host.ensureEngine().then(function () {
      if (role !== 'leader') return;
      var o = {};
      for (var k in creds) o[k] = creds[k];
      if (resume) o._resume = true;
      var r = JSON.parse(host.engineCall('login', JSON.stringify([o])));
      if (r.pending !== undefined) remotePending[r.pending] = { login: true };
      else loginSettled(r);
    }, function (err) {
      loginSettled({ err: { code: 2903, message: 'the SDK failed to load: ' + err } });
    });
    return hold;
  }

  function loginSettled(r) {
    if (r.ok !== undefined) {
      loginData = r.ok;
      settleLogin(r);
    } else if (r.err !== undefined) {
      // This tab cannot log in: give the connection to the next tab, if any.
      var w = loginWaiter;
      loginWaiter = null;
      var was = ready;
      ended(false);
      if (w) w.resolve(r);
      else if (was) host.deliver(EVENT.SDK_NOT_READY);
    }
  }

  function releaseHeld() {
    var list = held;
    held = null;
    if (!list || !list.length || role !== 'leader') return;
    list.sort(function (a, b) { return (a.time - b.time) || (a.sequence - b.sequence); });
    var json = JSON.stringify(list);
    post({ t: 'event', name: EVENT.MESSAGE_RECEIVED, data: json });
    deliver(EVENT.MESSAGE_RECEIVED, json);
  }

  function engineReady() {
    leaderReady = true;
    if (held) setTimeout(releaseHeld, TABS_RESUME_HOLD_MS);
    post({ t: 'state', tab: host.tabID, ready: true, login: loginData });
    flush();
  }

  function follow() {
    role = 'follower';
    post({ t: 'hello' });
    abort = new AbortController();
    navigator.locks.request(lockName, { signal: abort.signal }, function () {
      // An 'end' posted just before the lock came free is taken in first.
      return new Promise(function (r) { setTimeout(r, 100); }).then(function () {
        if (role !== 'follower') return null;
        abort = null;
        return lead();
      });
    }).catch(function () { /* aborted: the session ended */ });
  }

  return {
    // Whether calls go through this object (not straight to this tab's engine).
    routed: function () { return role === 'follower' || (role === 'leader' && !leaderReady && ready); },
    active: function () { return role !== 'none'; },
    isReady: function () { return ready; },
    outCode: function () { return outCode; },
    userID: function () { return creds ? creds.userID : ''; },
    leaderTab: function () { return leaderTab; },
    // login(o) -> Promise of a raw result ({ok} or {err}).
    login: function (o) {
      if (role !== 'none') {
        if (creds && o.userID === creds.userID) {
          return Promise.resolve({ ok: { actionStatus: 'OK', errorCode: 0, errorInfo: o.userID + ' is already logged in', repeatLogin: true } });
        }
        return Promise.resolve({ err: { code: 2025, message: 'another user is logged in; call logout() first' } });
      }
      creds = { userID: o.userID, userSig: o.userSig };
      outCode = 2024;
      lockName = 'tim-wasm:' + host.appID + ':' + o.userID;
      channel = new BroadcastChannel(lockName);
      channel.onmessage = onMessage;
      return new Promise(function (resolve) {
        loginWaiter = { resolve: resolve };
        navigator.locks.request(lockName, { ifAvailable: true }, function (lock) {
          if (lock) return lead();
          follow();
          return null;
        }).catch(function (err) {
          settleLogin({ err: { code: 2903, message: 'Web Locks failed: ' + err } });
        });
      });
    },
    // One call through the leader: Promise of a raw result ({ok}, {err} or {throw}).
    call: function (method, argsJson) {
      return new Promise(function (resolve) {
        send({ id: nextID++, method: method, args: argsJson, resolve: resolve });
      });
    },
    // The engine of this (leader) tab emitted an event.
    engineEvent: function (name, json) {
      if (muted) return;
      if (held && name === EVENT.MESSAGE_RECEIVED && json) {
        held.push.apply(held, JSON.parse(json));
        return;
      }
      post({ t: 'event', name: name, data: json });
      var first = name === EVENT.SDK_READY && !leaderReady && role === 'leader';
      deliver(name, json);
      if (first) engineReady();
    },
    // The engine settled a call; true when it was a forwarded one (or the tab's own login).
    engineSettled: function (id, ok, json) {
      var m = remotePending[id];
      if (!m) return false;
      delete remotePending[id];
      var r = ok ? { ok: JSON.parse(json) } : { err: JSON.parse(json) };
      if (m.login) loginSettled(r);
      else if (m.local) m.local.resolve(r);
      else reply(m, r);
      return true;
    },
    // This tab's own logout went to its engine (leader): the other tabs are logged out too.
    loggedOut: function () { if (role === 'leader') ended(true); },
    // destroy(): this tab leaves; a leader hands the connection over instead of logging out.
    leave: function () {
      muted = true;
      var wasLeader = role === 'leader';
      if (abort) abort.abort();
      abort = null;
      role = 'none';
      if (channel) channel.close();
      channel = null;
      return wasLeader;
    },
    releaseLock: function () { if (release) release(); release = null; },
  };
}

// The platform under the engine: WebSockets, the 500 ms clock, inflating `COMP` frames and the
// cache store. The engine (wasm, `WasmTim`) is told what happened and hands back what to do
// (`drain`); nothing here decides anything about IM. Another runtime (a Mini Program's
// wx.connectSocket, Node) changes this file's WebSocket and store, not the engine.
var TICK_MS = 500;
function noop() {}

// Start an engine. `config`: WasmTim's options; `sink(kind, a, b, c)` receives
// `('event', name, dataJson?)` and `('settle', callId, ok, resultJson)`; `inflate(bytes) ->
// Promise<bytes>` (optional) inflates zlib or gzip; `store` (optional) is js/store.js's cache.
// Returns `{call(method, argsJson) -> resultJson}`.
function createDriver(config, sink, inflate, store) {
  config.compress = !!inflate;
  var engine = new wasm_bindgen.WasmTim(JSON.stringify(config));
  var appID = config.SDKAppID;
  var sockets = {};
  // Socket events in arrival order; the ones behind a COMP frame wait while it is inflated.
  var inbound = [];
  var inflating = false;
  var pumpScheduled = false;
  var timer = setInterval(function () {
    engine.tick();
    pump();
  }, TICK_MS);

  // Carry out everything the engine asked for.
  function pump() {
    for (;;) {
      var outs = engine.drain();
      if (!outs.length) return;
      for (var i = 0; i < outs.length; i++) run(outs[i]);
    }
  }
  // After the current task's synchronous part, so a promise the facade registers for a pending
  // call exists before it can be settled.
  function schedulePump() {
    if (pumpScheduled) return;
    pumpScheduled = true;
    Promise.resolve().then(function () {
      pumpScheduled = false;
      pump();
    });
  }
  // Dropping a socket detaches its handlers. The `onerror` stays set: Node's `ws` throws an
  // `error` nobody listens to at the process, and closing a socket still connecting emits one.
  function detach(ws) {
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = noop;
  }
  function arrive(socket, kind, data) {
    inbound.push([socket, kind, data]);
    drainInbound();
  }
  function drainInbound() {
    while (!inflating && inbound.length) {
      var ev = inbound.shift();
      var socket = ev[0], kind = ev[1], data = ev[2];
      if (kind === 'bytes' && data.length >= 4 && data[0] === 67 && data[1] === 79 && data[2] === 77 && data[3] === 80) {
        // 'COMP': the rest is a zlib or gzip stream. A frame that does not inflate is dropped,
        // as the official SDK does.
        if (!inflate) continue;
        inflating = true;
        Promise.resolve(data.subarray(4)).then(inflate).then(function (plain) {
          inflating = false;
          engine.bytes(socket, plain);
          pump();
          drainInbound();
        }, function () {
          inflating = false;
          drainInbound();
        });
        return;
      }
      if (kind === 'open') engine.opened(socket);
      else if (kind === 'text') engine.text(socket, data);
      else if (kind === 'bytes') engine.bytes(socket, data);
      else engine.closed(socket);
      pump();
    }
  }
  function connect(socket, url) {
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      arrive(socket, 'close');
      return;
    }
    ws.binaryType = 'arraybuffer';
    ws.onopen = function () { arrive(socket, 'open'); };
    ws.onmessage = function (ev) {
      if (typeof ev.data === 'string') arrive(socket, 'text', ev.data);
      else if (ev.data instanceof ArrayBuffer) arrive(socket, 'bytes', new Uint8Array(ev.data));
    };
    // A failed connection (unreachable, refused, reset) is a close: the engine reports
    // "disconnected" and retries. Browsers send `close` after `error` too; the engine ignores
    // the second.
    ws.onclose = ws.onerror = function () { arrive(socket, 'close'); };
    // Older sockets are the engine's past: their events are not wanted.
    for (var id in sockets) {
      if (+id < socket) {
        detach(sockets[id]);
        delete sockets[id];
      }
    }
    sockets[socket] = ws;
  }
  function run(o) {
    var kind = o[0];
    if (kind === 'event' || kind === 'settle') {
      sink(kind, o[1], o[2], o[3]);
    } else if (kind === 'send') {
      var ws = sockets[o[1]];
      if (ws) {
        try {
          ws.send(o[2]);
        } catch (e) { /* closing: the engine hears the close */ }
      }
    } else if (kind === 'connect') {
      connect(o[1], o[2]);
    } else if (kind === 'close') {
      var s = sockets[o[1]];
      if (s) {
        delete sockets[o[1]];
        detach(s);
        try {
          s.close(o[2]);
        } catch (e) { /* already closed */ }
      }
    } else if (kind === 'load') {
      var user = o[1];
      // No cache (no IndexedDB, private browsing): the session runs from memory.
      var loaded = function (text) {
        var ok = engine.cacheLoaded(user, text);
        pump();
        return ok;
      };
      if (store) store.load(cacheDbName(appID, user), loaded);
      else loaded('');
    } else if (kind === 'page') {
      var request = o[2];
      var page = store ? store.page(cacheDbName(appID, o[1]), o[3], o[4], o[5], o[6]) : Promise.resolve('[]');
      page.then(function (text) {
        engine.historyLoaded(request, text);
        pump();
      });
    } else if (kind === 'persist') {
      if (store) store.save(cacheDbName(appID, o[1]), o[2]).catch(noop);
    }
  }

  pump();
  return {
    call: function (method, args) {
      var r = engine.call(method, args);
      if (method === 'destroy') clearInterval(timer);
      // The database closes once the writes the session left are done.
      if (store && (method === 'logout' || method === 'destroy')) store.close();
      schedulePump();
      return r;
    },
  };
}

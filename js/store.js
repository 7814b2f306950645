// The IndexedDB cache store: one database per SDKAppID + user, `tim-wasm-<SDKAppID>-<userID>`
// (docs/cache.md). The engine decides what is cached; this file only reads and writes it, one
// job after another in the order asked, so a history page read after a write sees it.
//
// Stores (schema version CACHE_DB_VERSION, migrated step by step on open):
// - `conversations`: Conversation JSON text, keyed by conversationID;
// - `messages`: `{c: conversationID, o: order, t: time, i: ID, w: written, v: Message JSON text}`
//   keyed by message ID, indexed by `conv_order` (`[c, o, i]`: pages of one conversation; the
//   order is the group sequence or the C2C time) and by `time` (`t`: eviction, oldest first);
// - `groups`: Group JSON text by groupID, the joined-group list, replaced whole when it changes;
// - `outbox`: `{ID, message, opts}` JSON text of messages sent while offline, never evicted;
// - `meta`: the sync cursors under the key `sync`.
//
// The cache is best effort: a failed read is a cold start or a page from the server, a failed
// write loses nothing the server does not have. When the disk is full, the oldest history goes
// first; conversations, cursors and the outbox are kept.
var CACHE_DB_VERSION = 2;

function cacheDbName(appID, userID) {
  return 'tim-wasm-' + appID + '-' + userID;
}

// The store over `idb` (an IDBFactory; the global indexedDB by default), or null without one.
function createIdbStore(idb) {
  idb = idb || (typeof indexedDB !== 'undefined' ? indexedDB : null);
  if (!idb) return null;
  var queue = Promise.resolve();
  var db = null;
  var dbName = '';
  // Test hook, named as such: a simulated full disk (see simulateQuotaExceeded).
  var quotaLimit = null;
  // The `w` stamp of the last message record written.
  var written = 0;

  function request(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }
  function finished(tx) {
    return new Promise(function (resolve, reject) {
      tx.oncomplete = function () { resolve(); };
      tx.onerror = tx.onabort = function () { reject(tx.error || new Error('transaction aborted')); };
    });
  }
  // One job after another; a failed job does not stop the ones behind it.
  function job(fn) {
    var p = queue.then(fn);
    queue = p.catch(function () {});
    return p;
  }
  function open(name) {
    if (db && dbName === name) return Promise.resolve(db);
    if (db) db.close();
    db = null;
    var r = idb.open(name, CACHE_DB_VERSION);
    r.onupgradeneeded = function (e) {
      var d = r.result;
      // 0 -> 1: the first stores.
      if (e.oldVersion < 1) ['conversations', 'messages', 'meta'].forEach(function (s) { d.createObjectStore(s); });
      // 1 -> 2: messages become indexed records (the v1 text records are dropped: they are a
      // cache, read again from the server on demand); the groups and outbox stores.
      if (e.oldVersion < 2) {
        d.deleteObjectStore('messages');
        var m = d.createObjectStore('messages');
        m.createIndex('conv_order', ['c', 'o', 'i']);
        m.createIndex('time', 't');
        d.createObjectStore('groups');
        d.createObjectStore('outbox');
      }
    };
    return request(r).then(function (d) {
      db = d;
      dbName = name;
      return d;
    });
  }
  function texts(list) {
    // A record that is not text is not ours: skipped.
    return list.filter(function (r) { return typeof r === 'string'; });
  }
  function isQuota(e) {
    return /QuotaExceeded/.test(String(e && (e.name || e.message || e)));
  }
  function count(d) {
    return request(d.transaction('messages').objectStore('messages').count());
  }
  // Write a batch in one transaction.
  function write(d, b) {
    var check = quotaLimit !== null && b.m.length
      ? count(d).then(function (n) {
        if (n + b.m.length > quotaLimit) {
          var e = new Error('simulated (simulateQuotaExceeded)');
          e.name = 'QuotaExceededError';
          throw e;
        }
      })
      : Promise.resolve();
    return check.then(function () {
      var tx = d.transaction(['conversations', 'messages', 'outbox', 'meta', 'groups'], 'readwrite');
      var done = finished(tx);
      b.c.forEach(function (c) { tx.objectStore('conversations').put(JSON.stringify(c), c.conversationID); });
      b.m.forEach(function (m) {
        tx.objectStore('messages').put({
          c: m.conversationID,
          o: m.conversationType === 'GROUP' ? m.sequence : m.time,
          t: m.time,
          i: m.ID,
          // Orders the messages of one second as they arrived (IDs are not arrival order):
          // microseconds of the clock, strictly increasing even within one millisecond.
          w: written = Math.max(Date.now() * 1000, written + 1),
          v: JSON.stringify(m),
        }, m.ID);
      });
      b.o.forEach(function (q) { tx.objectStore('outbox').put(JSON.stringify(q), q.ID); });
      b.d.forEach(function (id) { tx.objectStore('outbox').delete(id); });
      if (b.g) {
        var groups = tx.objectStore('groups');
        groups.clear();
        b.g.forEach(function (g) { groups.put(JSON.stringify(g), g.groupID); });
      }
      if (b.s) tx.objectStore('meta').put(JSON.stringify(b.s), 'sync');
      return done;
    });
  }
  // Delete the `n` oldest cached messages (by time), whatever their conversation: each
  // conversation keeps a contiguous run that ends at its newest cached message.
  function evictOldest(d, n) {
    var tx = d.transaction('messages', 'readwrite');
    var done = finished(tx);
    var store = tx.objectStore('messages');
    return request(store.index('time').getAllKeys(null, n)).then(function (keys) {
      keys.forEach(function (k) { store.delete(k); });
      return done.then(function () { return keys.length; });
    });
  }
  // Write a batch; refused for lack of space, evict the oldest history and try again (three
  // times at most), then write it without its messages.
  function save(d, b) {
    var tries = 0;
    function slim() {
      return write(d, { c: b.c, m: [], o: b.o, d: b.d, g: b.g, s: b.s });
    }
    function retry(e) {
      if (!isQuota(e)) throw e;
      if (tries++ >= 3) return slim();
      return count(d).catch(function () { return 0; }).then(function (n) {
        return evictOldest(d, Math.max(Math.floor(n / 4), b.m.length, 1)).catch(function () { return 0; });
      }).then(function (evicted) {
        return evicted ? write(d, b).catch(retry) : slim();
      });
    }
    return write(d, b).catch(retry);
  }

  return {
    // The warm-start snapshot `{conversations, groups, outbox, meta}` as JSON text, built from the
    // stored texts without parsing them ('' when there is no database). `check(text)` is the
    // engine's parse: when it refuses the text (a damaged record), the records that parse on
    // their own are given instead.
    load: function (name, check) {
      return job(function () {
        return open(name).then(function (d) {
          var tx = d.transaction(['conversations', 'groups', 'outbox', 'meta']);
          var all = function (s) { return request(tx.objectStore(s).getAll()).then(texts); };
          return Promise.all([all('conversations'), all('groups'), all('outbox'), request(tx.objectStore('meta').get('sync'))]);
        }).then(function (r) {
          var text = function (c, g, o, m) {
            return '{"conversations":[' + c.join(',') + '],"groups":[' + g.join(',') + '],"outbox":[' + o.join(',') +
              '],"meta":' + (typeof m === 'string' ? m : '{}') + '}';
          };
          if (check(text(r[0], r[1], r[2], r[3]))) return;
          var good = function (list) {
            return list.filter(function (t) { try { JSON.parse(t); return true; } catch (e) { return false; } });
          };
          if (!check(text(good(r[0]), good(r[1]), good(r[2]), good(texts([r[3]]))[0]))) check('');
        }, function () { check(''); });
      });
    },
    // Up to `count` messages of `conv` as a JSON array text, newest first, the newest strictly
    // below `[order, id]` (none given: the newest). The last order taken is read whole, so a
    // second of C2C messages is never split between two pages.
    page: function (name, conv, count, order, id) {
      return job(function () {
        return open(name).then(function (d) {
          var upper = order === undefined ? [conv + '\u0000'] : [conv, order, id];
          var range = IDBKeyRange.bound([conv], upper, false, true);
          var r = d.transaction('messages').objectStore('messages').index('conv_order').openCursor(range, 'prev');
          var out = [];
          return new Promise(function (resolve, reject) {
            r.onerror = function () { reject(r.error); };
            r.onsuccess = function () {
              var c = r.result;
              var rec = c && c.value;
              if (rec && !(out.length >= count && (!out.length || out[out.length - 1].o !== rec.o))) {
                if (typeof rec.v === 'string') out.push(rec);
                c.continue();
                return;
              }
              // Newest first; within one order, the last written first.
              out.sort(function (a, b) { return b.o - a.o || b.w - a.w; });
              resolve('[' + out.map(function (x) { return x.v; }).join(',') + ']');
            };
          });
        }).catch(function () { return '[]'; });
      });
    },
    // Write a batch (the engine's `persist` output, JSON text).
    save: function (name, batch) {
      return job(function () {
        return open(name).then(function (d) { return save(d, JSON.parse(batch)); });
      });
    },
    // Close the database once the jobs before are done (logout, destroy).
    close: function () {
      return job(function () {
        if (db) db.close();
        db = null;
      });
    },
    // Delete a user's cache (tests; a future `clearCache` option).
    remove: function (name) {
      return job(function () {
        if (db && dbName === name) {
          db.close();
          db = null;
        }
        return request(idb.deleteDatabase(name));
      });
    },
    // Test hook, named as such: while set, a write that would leave more than `maxMessages`
    // records in the messages store fails with QuotaExceededError, as IndexedDB does when the
    // origin's quota is used up. null lifts it.
    simulateQuotaExceeded: function (maxMessages) {
      quotaLimit = maxMessages;
    },
  };
}

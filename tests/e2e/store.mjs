// The platform under the engine in headless Chromium, with real IndexedDB and a real tim-server:
// the cache store (js/store.js: pages, upserts, quota eviction) loaded on its own into a page,
// then the package: login, send and persist, a compressed sync reply inflated in order, and a
// warm start from a seeded cache with history pages and a full disk.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/e2e/store.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { browser, failures, TIM_URL } from './lib.mjs';

const storeJs = readFileSync(new URL('../../js/store.js', import.meta.url), 'utf8');
const run = Date.now().toString(36);

async function page(name, withSdk) {
  const p = await browser.newPage();
  p.on('pageerror', (e) => failures.push(`${name}: ${e.message}`));
  p.on('console', (m) => { if (m.type() === 'error') console.error(`[${name}] ${m.text()}`); });
  await p.goto(`${TIM_URL}/pkg/README.md`);
  // The store alone, and helpers the scenarios share: a message record, a batch, loads.
  await p.addScriptTag({ content: storeJs });
  await p.evaluate(() => {
    window.msg = (conv, peer, id, time, text) => ({
      ID: id, type: 'TIMTextElem', payload: { text }, conversationID: conv, conversationType: 'C2C', to: peer,
      from: 'me', flow: 'out', time, status: 'success', sequence: time, random: 1, _messageKey: `${time}_1_${time}`,
    });
    window.range = (conv, peer, from, to) => {
      const out = [];
      for (let i = from; i < to; i++) out.push(msg(conv, peer, peer === 'bob' ? `m-${i}` : `${peer}-${i}`, 1700000000 + i, `t${i}`));
      return out;
    };
    window.batch = (b) => JSON.stringify({ c: [], m: [], o: [], d: [], g: null, s: null, ...b });
    window.load = (store, name) => new Promise((resolve) => store.load(name, (t) => { resolve(t ? JSON.parse(t) : null); return true; }));
    window.pageOf = async (store, name, conv, count, order, id) => JSON.parse(await store.page(name, conv, count, order, id));
  });
  if (withSdk) await p.addScriptTag({ url: `${TIM_URL}/pkg/tim-js.js` });
  return p;
}

// --- The store on its own --------------------------------------------------------------------
const p = await page('store');

// One second's messages whose IDs sort against their arrival are read whole, in write order.
assert.deepEqual(await p.evaluate(async () => {
  const s = createIdbStore();
  const name = 'tim-wasm-test-second-' + Math.random();
  const ids = ['z', 'c', 'x', 'a', 'y', 'b'];
  // Written one batch each, so each has a later `written` stamp.
  for (let k = 0; k < ids.length; k++) await s.save(name, batch({ m: [msg('C2Cbob', 'bob', ids[k], 1700000100, `s${k}`)] }));
  await s.save(name, batch({ m: [msg('C2Cbob', 'bob', 'old', 1700000099, 'old')] }));
  const texts = (l) => l.map((m) => m.payload.text);
  // Asked for 2: the second is read whole, newest (last written) first.
  const top = texts(await pageOf(s, name, 'C2Cbob', 2));
  const below = texts(await pageOf(s, name, 'C2Cbob', 15, 1700000100, '\u{10ffff}'));
  await s.remove(name);
  return { top, below };
}), { top: ['s5', 's4', 's3', 's2', 's1', 's0'], below: ['s5', 's4', 's3', 's2', 's1', 's0', 'old'] });
console.log('ok: a second of messages is paged whole, in the order written');

// Upserts by key, pages from the index of one conversation, outbox deletes, the group list
// replaced whole, a deleted database empty.
const r = await p.evaluate(async () => {
  const s = createIdbStore();
  const name = 'tim-wasm-test-upsert-' + Math.random();
  const out = {};
  out.empty = await load(s, name);
  const b = (text) => batch({
    c: [{ conversationID: 'C2Cbob', text }], m: range('C2Cbob', 'bob', 0, 40),
    o: [{ ID: 'o-1', message: { ID: 'o-1' } }], s: { cookie: text },
  });
  await s.save(name, b('first'));
  await s.save(name, b('second'));
  // Another conversation's messages interleave in time but not in its pages.
  await s.save(name, batch({ m: range('C2Ccarol', 'carol', 20, 30) }));
  out.got = await load(s, name);
  const ids = (l) => l.map((m) => m.ID);
  out.top = ids(await pageOf(s, name, 'C2Cbob', 15));
  out.next = ids(await pageOf(s, name, 'C2Cbob', 15, 1700000025, 'm-25'));
  out.last = (await pageOf(s, name, 'C2Cbob', 15, 1700000010, 'm-10')).length;
  out.nobody = await pageOf(s, name, 'C2Cnobody', 15);
  await s.save(name, batch({ d: ['o-1'] }));
  out.outboxAfterDelete = (await load(s, name)).outbox;
  await s.save(name, batch({ g: [{ groupID: 'g1' }, { groupID: 'g2' }] }));
  await s.save(name, batch({ g: [{ groupID: 'g2' }, { groupID: 'g3' }] }));
  await s.save(name, batch({ s: { cookie: 'c3' } }));
  out.after = await load(s, name);
  await s.remove(name);
  out.removed = await pageOf(s, name, 'C2Cbob', 15);
  await s.remove(name);
  return out;
});
assert.deepEqual(r.empty, { conversations: [], groups: [], outbox: [], meta: {} });
assert.equal(r.got.conversations.length, 1, 'upsert by key, not append');
assert.equal(r.got.conversations[0].text, 'second');
assert.equal(r.got.meta.cookie, 'second');
assert.equal(r.got.outbox[0].ID, 'o-1');
assert.equal(r.got.messages, undefined, 'warm start reads no messages');
const span = (from, to) => Array.from({ length: to - from }, (_, i) => `m-${to - 1 - i}`);
assert.deepEqual(r.top, span(25, 40));
assert.deepEqual(r.next, span(10, 25));
assert.equal(r.last, 10);
assert.deepEqual(r.nobody, []);
assert.deepEqual(r.outboxAfterDelete, []);
assert.deepEqual(r.after.groups, [{ groupID: 'g2' }, { groupID: 'g3' }]);
assert.equal(r.after.meta.cookie, 'c3');
assert.deepEqual(r.removed, []);
console.log('ok: upserts by key, pages by conversation from the index, outbox deletes, group list replaced whole');

// A damaged record costs only itself: the engine's parse refuses the whole snapshot, the store
// hands over the records that parse.
assert.deepEqual(await p.evaluate(async () => {
  const s = createIdbStore();
  const name = 'tim-wasm-test-damaged-' + Math.random();
  await s.save(name, batch({ c: [{ conversationID: 'C2Cok' }] }));
  await new Promise((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => {
      const tx = r.result.transaction('conversations', 'readwrite');
      tx.objectStore('conversations').put('{"conversationID": "C2Cbad", "unr', 'C2Cbad');
      tx.objectStore('conversations').put(42, 'C2Cnumber');
      tx.oncomplete = () => { r.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  });
  const seen = [];
  await s.load(name, (t) => {
    try { seen.push(JSON.parse(t).conversations.map((c) => c.conversationID)); return true; } catch (e) { seen.push('refused'); return false; }
  });
  await s.remove(name);
  return seen;
}), ['refused', ['C2Cok']]);
console.log('ok: a damaged record is skipped, the others load');

// A full disk evicts the oldest history and keeps the outbox, conversations and cursor.
const q = await p.evaluate(async () => {
  const s = createIdbStore();
  const name = 'tim-wasm-test-quota-' + Math.random();
  await s.save(name, batch({ m: range('C2Cbob', 'bob', 0, 30) }));
  s.simulateQuotaExceeded(40);
  const out = {};
  await s.save(name, batch({
    c: [{ conversationID: 'C2Cbob' }], m: range('C2Cbob', 'bob', 30, 50), o: [{ ID: 'o-1', message: { ID: 'o-1' } }],
    s: { cookie: 'c' },
  })).then(() => { out.first = 'ok'; }, (e) => { out.first = String(e); });
  const pg = await pageOf(s, name, 'C2Cbob', 100);
  out.count = pg.length;
  out.newest = pg[0].ID;
  out.times = pg.map((m) => m.time);
  // A batch that can never fit is written without its messages.
  await s.save(name, batch({ m: range('C2Cbob', 'bob', 100, 200), o: [{ ID: 'o-2', message: { ID: 'o-2' } }] }))
    .then(() => { out.second = 'ok'; }, (e) => { out.second = String(e); });
  s.simulateQuotaExceeded(null);
  out.got = await load(s, name);
  await s.remove(name);
  return out;
});
assert.equal(q.first, 'ok', 'the write went through after eviction');
assert.equal(q.count, 30, '20 oldest evicted for 20 new');
assert.equal(q.newest, 'm-49');
assert.ok(q.times.every((t, i) => i === 0 || q.times[i - 1] === t + 1), `contiguous: ${q.times}`);
assert.equal(q.second, 'ok', 'the slim write went through');
assert.deepEqual(q.got.outbox.map((o) => o.ID).sort(), ['o-1', 'o-2'], 'outbox survives');
assert.equal(q.got.meta.cookie, 'c');
assert.equal(q.got.conversations[0].conversationID, 'C2Cbob');
console.log('ok: a full disk evicts the oldest history, keeps outbox, conversations and cursor');
await p.close();

// --- The package: login, send, persist; a compressed reply inflated in order -----------------
// One TIM instance per SDKAppID and page, as tim-js-sdk: a page per user.
const A = `sa_${run}`, B = `sb_${run}`;
const helpers = async (p) => p.evaluate(() => {
  // Count what the platform inflates (the SDK inflates COMP frames with DecompressionStream).
  const Native = DecompressionStream;
  window.inflated = 0;
  window.DecompressionStream = class extends Native { constructor(f) { super(f); window.inflated += 1; } };
  window.login = async (userID) => {
    const r = await fetch('/dev/usersig?userID=' + userID).then((x) => x.json());
    const tim = TIM.create({ SDKAppID: r.SDKAppID, proxyServer: location.origin.replace(/^http/, 'ws') });
    await new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error('no SDK_READY')), 15000);
      tim.on(TIM.EVENT.SDK_READY, resolve);
      tim.login({ userID, userSig: r.userSig }).catch(reject);
    });
    return { tim, app: r.SDKAppID };
  };
});
const pa = await page('sdk-a', true);
await helpers(pa);
// Over a kilobyte, so the server compresses the sync reply of the receiver (COMP + zlib).
const long = 'hi '.repeat(600);
const t = await pa.evaluate(async ({ A, B, long }) => {
  const a = await login(A);
  const sent = await a.tim.sendMessage(a.tim.createTextMessage({ to: B, conversationType: 'C2C', payload: { text: long } }));
  const out = { status: sent.data.message.status, time: sent.data.message.time };
  // The conversation and the message reach IndexedDB.
  const s = createIdbStore();
  const name = cacheDbName(a.app, A);
  for (let i = 0; i < 40 && !out.persisted; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const snap = await load(s, name);
    const pg = await pageOf(s, name, 'C2C' + B, 15);
    if (snap && snap.conversations.some((c) => c.conversationID === 'C2C' + B)) out.persisted = pg.some((m) => m.payload.text === long);
  }
  await s.close();
  return out;
}, { A, B, long });
assert.equal(t.status, 'success');
assert.ok(t.time > 0);
assert.equal(t.persisted, true, 'conversation and message persisted');
const pb = await page('sdk-b', true);
await helpers(pb);
const tb = await pb.evaluate(async ({ B, long }) => {
  const b = await login(B);
  const list = (await b.tim.getConversationList()).data.conversationList;
  return { conv: list[0] && list[0].conversationID, show: list[0] && list[0].lastMessage.messageForShow === long, inflated: window.inflated };
}, { B, long });
assert.equal(tb.conv, `C2C${A}`);
assert.equal(tb.show, true, 'the long message is the last message of the receiver');
assert.ok(tb.inflated > 0, 'the sync reply came compressed and was inflated');
await pa.close();
await pb.close();
console.log('ok: login, send and persist; a compressed sync reply inflated in order');

// --- Warm start from a seeded cache, history pages, a full disk ------------------------------
const W = `sw_${run}`, P = `${W}peer`;
const pw = await page('sdk-warm', true);
const w = await pw.evaluate(async ({ W, P }) => {
  const r = await fetch('/dev/usersig?userID=' + W).then((x) => x.json());
  const s = createIdbStore();
  const name = cacheDbName(r.SDKAppID, W);
  const conv = 'C2C' + P;
  // The cache as an earlier session would have left it: one conversation, 40 messages.
  await s.save(name, batch({
    c: [{ conversationID: conv, type: 'C2C', unreadCount: 2, lastMessage: { lastTime: 1700000039, messageForShow: 't39',
      fromAccount: W, payload: { text: 't39' }, type: 'TIMTextElem' }, userProfile: { userID: P, nick: '', avatar: '' },
    _lastTime: 1700000039 }],
    m: range(conv, P, 0, 40),
  }));
  await s.close();
  // The SDK's store is one the test holds (the `_cacheStore` option), to fill its disk below.
  const full = createIdbStore();
  const tim = TIM.create({ SDKAppID: r.SDKAppID, proxyServer: location.origin.replace(/^http/, 'ws'), _cacheStore: full });
  const lists = [];
  tim.on(TIM.EVENT.CONVERSATION_LIST_UPDATED, (e) => lists.push(e.data.map((c) => [c.conversationID, c.unreadCount])));
  await new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('no SDK_READY')), 15000);
    tim.on(TIM.EVENT.SDK_READY, resolve);
    tim.login({ userID: W, userSig: r.userSig }).catch(reject);
  });
  const out = { first: lists[0] };
  const texts = (p) => p.data.messageList.map((m) => m.payload.text);
  const p1 = await tim.getMessageList({ conversationID: conv });
  const p2 = await tim.getMessageList({ conversationID: conv, nextReqMessageID: p1.data.nextReqMessageID });
  const p3 = await tim.getMessageList({ conversationID: conv, nextReqMessageID: p2.data.nextReqMessageID });
  out.pages = [texts(p1), texts(p2), texts(p3)];
  out.complete = [p1.data.isCompleted, p3.data.isCompleted];
  // The disk is full (the store's test hook): the SDK keeps working and the conversation is
  // still written, without the messages.
  full.simulateQuotaExceeded(0);
  const probe = createIdbStore();
  const sent = await tim.sendMessage(tim.createTextMessage({ to: P, conversationType: 'C2C', payload: { text: 'under quota' } }));
  out.sent = sent.data.message.status;
  for (let i = 0; i < 40 && !out.persisted; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const snap = await load(probe, name);
    out.persisted = !!snap && snap.conversations.some((c) => c.lastMessage.messageForShow === 'under quota');
  }
  await tim.destroy();
  await probe.close();
  await full.remove(name);
  return out;
}, { W, P });
assert.deepEqual(w.first, [[`C2C${P}`, 2]], 'ready from the cache: the cached list first');
const t10 = (from, to) => Array.from({ length: to - from }, (_, i) => `t${from + i}`);
assert.deepEqual(w.pages, [t10(25, 40), t10(10, 25), t10(0, 10)], 'history pages from the messages index, each oldest first');
assert.deepEqual(w.complete, [false, true]);
assert.equal(w.sent, 'success');
assert.equal(w.persisted, true, 'the conversation was written');
console.log('ok: warm start from a seeded cache, history pages from it, writes go on');

await browser.close();
if (failures.length) {
  console.error(failures);
  process.exit(1);
}

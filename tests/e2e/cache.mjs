// The IndexedDB cache end to end in headless Chromium against a real tim-server: alice's page
// chats with bob, closes; bob sends 30 more; alice's page opens again: SDK_READY comes from the
// cache with the cached conversation list, the 30 new messages arrive once each, in order, and
// the history pages (cache first, then the server) show every message once, in order.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/e2e/cache.mjs
import assert from 'node:assert/strict';
import { browser, failures, user, TIM_URL } from './lib.mjs';

const run = Date.now().toString(36);
const A = `calice_${run}`, B = `cbob_${run}`;

async function open(p, userID) {
  await p.goto(`${TIM_URL}/pkg/README.md`);
  await p.addScriptTag({ url: `${TIM_URL}/pkg/tim-js.js` });
  return p.evaluate(async (userID) => {
    const r = await fetch('/dev/usersig?userID=' + userID).then((x) => x.json());
    const tim = TIM.create({ SDKAppID: r.SDKAppID, proxyServer: location.origin.replace(/^http/, 'ws') });
    window.tim = tim;
    window.received = [];
    window.lists = [];
    tim.on(TIM.EVENT.MESSAGE_RECEIVED, (e) => { for (const m of e.data) window.received.push(m.payload.text); });
    tim.on(TIM.EVENT.CONVERSATION_LIST_UPDATED, (e) => window.lists.push(e.data.map((c) => c.conversationID)));
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error('no SDK_READY')), 15000);
      tim.on(TIM.EVENT.SDK_READY, resolve);
      tim.login({ userID, userSig: r.userSig }).catch(reject);
    });
    const ready = performance.now() - t0;
    const list = (await tim.getConversationList()).data.conversationList.map((c) => c.conversationID);
    return { ready, list };
  }, userID);
}

async function history(p, conversationID) {
  return p.evaluate(async (conversationID) => {
    let out = [], next = '';
    for (let i = 0; i < 50; i++) {
      const r = (await window.tim.getMessageList({ conversationID, nextReqMessageID: next })).data;
      out = r.messageList.map((m) => m.payload.text).concat(out);
      if (r.isCompleted) return out;
      next = r.nextReqMessageID;
    }
    throw new Error('history never completed');
  }, conversationID);
}

// Send texts from `u` to `to`, one after another.
const send = (u, to, texts) => u.p.evaluate(async ({ to, texts }) => {
  for (const text of texts) await window.tim.sendMessage(window.tim.createTextMessage({ to, conversationType: 'C2C', payload: { text } }));
}, { to, texts });

try {
  const bob = await user(B);
  const p = await browser.newPage();
  p.on('pageerror', (e) => failures.push(`alice: ${e.message}`));
  const first = await open(p, A);
  assert.deepEqual(first.list, [], 'a fresh user has no conversations');
  await send(bob, A, Array.from({ length: 20 }, (_, i) => `old ${i}`));
  await p.waitForFunction(() => window.received.length >= 20, null, { timeout: 10000 });
  const before = await history(p, `C2C${B}`);
  assert.deepEqual(before, Array.from({ length: 20 }, (_, i) => `old ${i}`));
  await p.waitForTimeout(1100); // the cache writer; and a later second (times are in seconds)
  await p.goto('about:blank');

  // While alice's page is closed bob sends 30 more.
  await send(bob, A, Array.from({ length: 30 }, (_, i) => `new ${i}`));

  // Warm start: ready from the cache, the list already has bob.
  const warm = await open(p, A);
  assert.deepEqual(warm.list, [`C2C${B}`], `warm list: ${JSON.stringify(warm)}`);
  const want = Array.from({ length: 30 }, (_, i) => `new ${i}`);
  await p.waitForFunction((n) => window.received.length >= n, 30, { timeout: 10000 });
  await p.waitForTimeout(1500);
  assert.deepEqual(await p.evaluate(() => window.received), want, 'the 30 missed messages, once each, in order');
  const all = await history(p, `C2C${B}`);
  assert.deepEqual(all, Array.from({ length: 20 }, (_, i) => `old ${i}`).concat(want), 'history: cache + server, once, in order');
  const dbs = await p.evaluate(async () => (await indexedDB.databases()).map((d) => `${d.name}@${d.version}`));
  assert.ok(dbs.some((n) => n.endsWith(`-${A}@2`)), `schema v2 database per SDKAppID + user: ${dbs}`);
  assert.deepEqual(failures, [], 'no uncaught page errors');
  console.log(`ok: warm start (SDK_READY in ${warm.ready.toFixed(0)} ms from the cache), 30 missed messages once in order, history complete`);
} finally {
  await browser.close();
}

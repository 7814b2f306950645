// Tabs of one user share one connection (docs/tabs.md), in headless Chromium against a real
// tim-server: three pages of ONE browser context logged in as the same user hold one socket
// on the server; every tab gets each message a peer sends exactly once and in order; a
// follower tab sends; closing the leader tab hands the connection over without losing or
// doubling a message and without kicking any tab out. Then a second browser (another profile)
// logging in the same user kicks the first one's tabs out, as tim-js-sdk's multi-instance rule
// does across browsers and devices.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/e2e/tabs.mjs
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browser, failures, TIM_URL, user } from './lib.mjs';

const run = Date.now().toString(36);
const U = `tabs_${run}`;
const PEER = `tpeer_${run}`;
let other = null;

// The server's view: the user's logged-in sockets (REST openim/query_online_status as admin).
async function sockets(userID) {
  const admin = await fetch(`${TIM_URL}/dev/usersig?userID=administrator`).then((r) => r.json());
  const q = `sdkappid=${admin.SDKAppID}&identifier=administrator&usersig=${encodeURIComponent(admin.userSig)}&random=1&contenttype=json`;
  const rep = await fetch(`${TIM_URL}/v4/openim/query_online_status?${q}`, {
    method: 'POST', body: JSON.stringify({ To_Account: [userID], IsNeedDetail: 1, IsReturnInstid: 1 }),
  }).then((r) => r.json());
  assert.equal(rep.ErrorCode, 0, JSON.stringify(rep));
  return rep.QueryResult[0].Detail || [];
}
async function socketsBecome(userID, n) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const d = await sockets(userID);
    if (d.length === n) return d;
    assert.ok(Date.now() < deadline, `${userID}: ${d.length} sockets on the server, want ${n}: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Record the events a test checks beyond lib.mjs's list.
const watch = (t) => t.p.evaluate(() => {
  for (const k of ['KICKED_OUT', 'SDK_NOT_READY', 'SDK_READY']) {
    window.tim.on(TIM.EVENT[k], (e) => window.ev.push({ name: k, data: e.data === undefined ? null : JSON.parse(JSON.stringify(e.data)) }));
  }
});
// Texts of every MESSAGE_RECEIVED message from `from`, in arrival order.
const texts = (t, from) => t.p.evaluate((from) => window.ev.filter((e) => e.name === 'MESSAGE_RECEIVED')
  .flatMap((e) => e.data).filter((m) => m.from === from).map((m) => m.payload.text), from);
async function textsBecome(t, name, from, want) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const got = await texts(t, from);
    if (got.length >= want.length) {
      await t.p.waitForTimeout(800); // nothing more (no doubles) arrives after
      assert.deepEqual(await texts(t, from), want, `${name}: messages from ${from}`);
      return;
    }
    assert.ok(Date.now() < deadline, `${name}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    await t.p.waitForTimeout(100);
  }
}
const events = (t, name) => t.p.evaluate((n) => window.ev.filter((e) => e.name === n).length, name);
// Send a C2C text; returns the resolved message and the app's own Message object afterwards.
const sendText = (t, to, text) => t.p.evaluate(async ({ to, text }) => {
  const m = window.tim.createTextMessage({ to, conversationType: TIM.TYPES.CONV_C2C, payload: { text } });
  try {
    const r = await window.tim.sendMessage(m);
    return { ok: JSON.parse(JSON.stringify(r.data.message)), same: r.data.message === m, mine: JSON.parse(JSON.stringify(m)) };
  } catch (e) {
    return { err: e.code, message: e.message };
  }
}, { to, text });

try {
  const t1 = await user(U);
  const t2 = await user(U);
  const t3 = await user(U);
  const peer = await user(PEER);
  const tabs = [t1, t2, t3];
  for (const t of tabs) await watch(t);

  // One lock holder (the first tab), two tabs waiting to take over; one socket on the server.
  const locks = await t2.p.evaluate((name) => navigator.locks.query().then((s) => ({
    held: s.held.filter((l) => l.name === name).length, pending: s.pending.filter((l) => l.name === name).length,
  })), `tim-wasm:${await t2.p.evaluate(() => fetch('/dev/usersig?userID=x').then((r) => r.json()).then((j) => j.SDKAppID))}:${U}`);
  assert.deepEqual(locks, { held: 1, pending: 2 });
  const first = await socketsBecome(U, 1);
  assert.equal(first[0].Platform, 'Web');

  // The peer sends N messages: every tab gets each exactly once, in order.
  const before = ['a1', 'a2', 'a3', 'a4', 'a5'];
  for (const x of before) assert.ok((await sendText(peer, U, x)).ok, x);
  for (const [i, t] of tabs.entries()) await textsBecome(t, `tab${i + 1}`, PEER, before);

  // A follower sends: resolved, its own Message object updated in place, the peer gets it once.
  const sent = await sendText(t2, PEER, 'from follower');
  assert.ok(sent.ok, JSON.stringify(sent));
  assert.equal(sent.same, true, 'sendMessage resolves with the Message the follower created');
  assert.equal(sent.ok.status, 'success');
  assert.equal(sent.mine.status, 'success');
  assert.match(sent.mine.ID, /.+/);
  assert.equal(sent.ok.from, U);
  await textsBecome(peer, 'peer', U, ['from follower']);
  const conv = (await t3.ok('getConversationList')).conversationList.find((c) => c.conversationID === `C2C${PEER}`);
  assert.equal(conv.lastMessage.messageForShow, 'from follower');

  // Close the leader tab; the peer keeps sending during the handover.
  await t1.p.close();
  const after = ['b1', 'b2', 'b3', 'b4', 'b5'];
  for (const x of after) assert.ok((await sendText(peer, U, x)).ok, x);
  for (const [i, t] of [t2, t3].entries()) await textsBecome(t, `tab${i + 2}`, PEER, [...before, ...after]);
  await socketsBecome(U, 1);
  for (const t of [t2, t3]) {
    assert.equal(await events(t, 'KICKED_OUT'), 0, 'no tab is kicked out');
    assert.equal(await events(t, 'SDK_NOT_READY'), 0, 'the handover is invisible to the app');
    assert.equal(await events(t, 'SDK_READY'), 0, 'no second SDK_READY (counted since login)');
  }
  // Both remaining tabs still work: a list from one, a message from the other.
  for (const t of [t2, t3]) {
    const c = (await t.ok('getConversationList')).conversationList.find((x) => x.conversationID === `C2C${PEER}`);
    assert.equal(c.lastMessage.messageForShow, 'b5');
  }
  const sent2 = await sendText(t3, PEER, 'after handover');
  assert.ok(sent2.ok && sent2.same && sent2.mine.status === 'success', JSON.stringify(sent2));
  const sent3 = await sendText(t2, PEER, 'from the other tab');
  assert.ok(sent3.ok && sent3.same, JSON.stringify(sent3));
  await textsBecome(peer, 'peer', U, ['from follower', 'after handover', 'from the other tab']);
  const hist = await t2.ok('getMessageList', { conversationID: `C2C${PEER}` });
  const ht = hist.messageList.map((m) => m.payload.text);
  // Each message once (C2C history from the cache orders messages of the same second by ID,
  // not by arrival: an engine matter, the same after any page reload).
  assert.deepEqual(ht.filter((x) => /^[ab]\d$/.test(x)).sort(), [...before, ...after], 'history holds each message once');

  // Another browser (its own profile: other locks, other storage) logs in the same user on the
  // same platform: the official multi-instance rule kicks the first browser's tabs out.
  other = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tim-chromium-')), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  const otherTab = async () => {
    const p = await other.newPage();
    p.on('pageerror', (e) => failures.push(`other browser: ${e.message}`));
    await p.goto(`${TIM_URL}/pkg/README.md`);
    await p.addScriptTag({ url: `${TIM_URL}/pkg/tim-js.js` });
    await p.evaluate(async (userID) => {
      const r = await fetch('/dev/usersig?userID=' + userID).then((x) => x.json());
      const tim = TIM.create({ SDKAppID: r.SDKAppID, proxyServer: location.origin.replace(/^http/, 'ws') });
      window.tim = tim;
      window.notReady = 0;
      tim.on(TIM.EVENT.SDK_NOT_READY, () => { window.notReady += 1; });
      await new Promise((resolve, reject) => {
        setTimeout(() => reject(new Error('no SDK_READY')), 15000);
        tim.on(TIM.EVENT.SDK_READY, resolve);
        tim.login({ userID, userSig: r.userSig }).catch(reject);
      });
    }, U);
    return p;
  };
  const o = await otherTab();
  for (const [i, t] of [t2, t3].entries()) {
    const kicked = await t.event(`tab${i + 2} kicked out`, 'KICKED_OUT', 'true');
    assert.equal(kicked.type, 'multipleAccount');
    await t.p.waitForTimeout(300);
    assert.equal(await events(t, 'KICKED_OUT'), 1, `tab${i + 2}: one KICKED_OUT`);
    assert.equal(await events(t, 'SDK_NOT_READY'), 1, `tab${i + 2}: one SDK_NOT_READY`);
  }
  const last = await socketsBecome(U, 1);
  assert.notEqual(last[0].InstId, first[0].InstId);
  const r = await t2.call('getConversationList');
  assert.equal(r.err, 3003, `a kicked-out tab is logged out: ${JSON.stringify(r)}`);


  // logout() in a follower tab logs out the shared session: every tab, and the socket is gone.
  const o2 = await otherTab();
  await socketsBecome(U, 1);
  const out = await o2.evaluate(() => window.tim.logout().then((r) => r.code, (e) => e.code));
  assert.equal(out, 0);
  for (const p of [o, o2]) {
    await p.waitForFunction(() => window.notReady === 1);
    const code = await p.evaluate(() => window.tim.getConversationList().then(() => 0, (e) => e.code));
    assert.equal(code, 2024, 'logged out everywhere');
  }
  await socketsBecome(U, 0);

  assert.deepEqual(failures, []);
  console.log('tabs e2e: all passed');
} finally {
  if (other) await other.close();
  await browser.close();
}

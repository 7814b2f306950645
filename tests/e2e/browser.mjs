// End to end in headless Chromium: the built package, loaded by the web-chat demo page with a
// script tag, in two pages (alice, bob) against a real tim-server process serving dist/www.
// alice sends, bob receives, bob replies; then a reload shows the conversation and its last
// message from IndexedDB before any socket connects (the server address is unreachable); then a
// group is created, joined by ID and used through the demo's group form.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/e2e/browser.mjs
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const run = Date.now().toString(36);
const A = `alice_${run}`, B = `bob_${run}`;

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tim-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'],
});
const failures = [];
async function page(name) {
  const p = await browser.newPage();
  p.on('pageerror', (e) => failures.push(`${name}: ${e.message}`));
  p.on('console', (m) => { if (m.type() === 'error') console.error(`[${name}] ${m.text()}`); });
  return p;
}

try {
  const alice = await page('alice');
  const bob = await page('bob');
  for (const [p, user] of [[alice, A], [bob, B]]) {
    await p.goto(`${TIM_URL}/`);
    await p.fill('#user-id', user);
    await p.click('#login-btn');
    await p.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  }
  // The package really is ours, and loaded as a script tag.
  assert.equal(await alice.evaluate(() => TIM.VERSION), '2.27.6');

  // alice opens a chat with bob and sends.
  await alice.fill('#peer-id', B);
  await alice.click('#new-chat-btn');
  await alice.fill('#text', 'hello from alice');
  await alice.click('#send-btn');
  await alice.waitForSelector('#messages li.out >> text=hello from alice');

  // bob sees the conversation appear with one unread, opens it, sees the message.
  await bob.waitForSelector(`#conversations li[data-id="C2C${A}"] .unread:text("1")`, { timeout: 10000 });
  await bob.click(`#conversations li[data-id="C2C${A}"]`);
  await bob.waitForSelector('#messages li.in >> text=hello from alice');
  await bob.fill('#text', 'hi alice, bob here');
  await bob.click('#send-btn');
  await alice.waitForSelector('#messages li.in >> text=hi alice, bob here', { timeout: 10000 });
  // bob read the conversation: his unread badge is gone.
  await bob.waitForSelector(`#conversations li[data-id="C2C${A}"] .unread:text("")`);

  // Give the IndexedDB writer a moment, then reload alice's page and start the SDK against an
  // address where nothing listens: the conversation list must come from the cache.
  await alice.waitForTimeout(500);
  await alice.reload();
  const cached = await alice.evaluate(async ({ A, B }) => {
    const r = await fetch('dev/usersig?userID=' + A).then((x) => x.json());
    const tim = TIM.create({ SDKAppID: r.SDKAppID, proxyServer: 'ws://127.0.0.1:59999' });
    let net = [];
    tim.on(TIM.EVENT.NET_STATE_CHANGE, (e) => net.push(e.data.state));
    const list = await new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error('no CONVERSATION_LIST_UPDATED from the cache')), 5000);
      tim.on(TIM.EVENT.CONVERSATION_LIST_UPDATED, (e) => resolve(e.data));
      tim.login({ userID: A, userSig: r.userSig }).catch(() => {});
    });
    const c = list.find((x) => x.conversationID === 'C2C' + B);
    return { ids: list.map((x) => x.conversationID), last: c && c.lastMessage.messageForShow, net, dbs: (await indexedDB.databases()).map((d) => d.name) };
  }, { A, B });
  assert.ok(cached.ids.includes(`C2C${B}`), `cached list has bob: ${JSON.stringify(cached)}`);
  assert.equal(cached.last, 'hi alice, bob here');
  assert.ok(!cached.net.includes('connected'), 'the socket never connected');
  assert.ok(cached.dbs.some((n) => n.endsWith(`-${A}`)), 'IndexedDB database per SDKAppID + user');

  // A real reload against the server: history comes back complete and in order.
  await alice.reload();
  await alice.fill('#user-id', A);
  await alice.click('#login-btn');
  await alice.waitForSelector('body[data-ready="1"]');
  await alice.click(`#conversations li[data-id="C2C${B}"]`);
  await alice.waitForSelector('#messages li.in >> text=hi alice, bob here');
  const texts = await alice.$$eval('#messages li .body', (els) => els.map((e) => e.textContent));
  assert.deepEqual(texts, ['hello from alice', 'hi alice, bob here']);

  // Groups in the demo: alice creates a group, bob joins it by ID, they talk; tips show.
  await alice.fill('#group-name', 'demo group');
  await alice.click('#create-group-btn');
  await alice.waitForSelector('#peer-title >> text=demo group (');
  const groupID = (await alice.textContent('#peer-title')).match(/\((.+)\)$/)[1];
  await bob.fill('#group-name', groupID);
  await bob.click('#join-group-btn');
  await bob.waitForSelector('#peer-title >> text=demo group');
  await alice.waitForSelector(`#messages li.tip >> text=${B} joined`, { timeout: 10000 });
  await alice.fill('#text', 'hello group');
  await alice.click('#send-btn');
  await bob.waitForSelector('#messages li.in >> text=hello group', { timeout: 10000 });
  await bob.waitForSelector(`#conversations li[data-id="GROUP${groupID}"] b:text("demo group")`);

  assert.deepEqual(failures, [], 'no uncaught page errors');
  console.log('ok: two Chromium pages chat through tim-server; reload shows the cached conversation list');
} finally {
  await browser.close();
}

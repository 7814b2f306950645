// Shared by the Chromium scenarios that drive the public JS API (groups.mjs, rooms.mjs): a
// persistent headless Chromium, and one page per user with the package (ours, or the official
// tim-js-sdk 2.27.6 with TIM_E2E_SDK=official) loaded by a script tag and logged in.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const OFFICIAL = process.env.TIM_E2E_SDK === 'official';
const sdkScript = OFFICIAL
  ? { path: fileURLToPath(new URL('../../node_modules/tim-js-sdk/tim-js.js', import.meta.url)) }
  : { url: `${TIM_URL}/pkg/tim-js.js` };

// A headless Chromium with its own profile: a separate "device" (its own IndexedDB, Web Locks
// and BroadcastChannels). Pages of one profile are tabs of one browser.
export const launch = () => chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tim-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'],
});
export const browser = await launch();
export const failures = [];

// One page per user (in `device`, default the shared browser): the package loaded with a script tag, a TIM instance logged in, and every
// event the test looks at recorded in `window.ev`.
export async function user(name, device = browser) {
  const p = await device.newPage();
  p.on('pageerror', (e) => failures.push(`${name}: ${e.message}`));
  p.on('console', (m) => { if (m.type() === 'error') console.error(`[${name}] ${m.text()}`); });
  await p.goto(`${TIM_URL}/pkg/README.md`);
  await p.addScriptTag(sdkScript);
  await p.evaluate(async (userID) => {
    const r = await fetch('/dev/usersig?userID=' + userID).then((x) => x.json());
    const tim = TIM.create({ SDKAppID: r.SDKAppID, proxyServer: location.origin.replace(/^http/, 'ws') });
    window.tim = tim;
    window.ev = [];
    for (const k of ['MESSAGE_RECEIVED', 'GROUP_LIST_UPDATED', 'CONVERSATION_LIST_UPDATED', 'GROUP_ATTRIBUTES_UPDATED',
      'GROUP_COUNTER_UPDATED', 'TOPIC_CREATED', 'TOPIC_DELETED', 'TOPIC_UPDATED']) {
      tim.on(TIM.EVENT[k], (e) => window.ev.push({ name: k, data: JSON.parse(JSON.stringify(e.data)) }));
    }
    await new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error('no SDK_READY')), 15000);
      tim.on(TIM.EVENT.SDK_READY, resolve);
      tim.login({ userID, userSig: r.userSig }).catch(reject);
    });
  }, name);
  // call(method, ...args) → {ok: data} or {err: code, message, data}.
  const call = (method, ...args) => p.evaluate(async ({ method, args }) => {
    try {
      const r = await window.tim[method](...args);
      return { ok: JSON.parse(JSON.stringify(r.data)) };
    } catch (e) {
      return { err: e.code, message: e.message, data: e.data && JSON.parse(JSON.stringify(e.data)) };
    }
  }, { method, args });
  const ok = async (method, ...args) => {
    const r = await call(method, ...args);
    assert.ok(r.ok !== undefined, `${name}.${method}(${JSON.stringify(args)}) failed: ${JSON.stringify(r)}`);
    return r.ok;
  };
  const fails = async (code, method, ...args) => {
    const r = await call(method, ...args);
    assert.equal(r.err, code, `${name}.${method} should fail with ${code}: ${JSON.stringify(r)}`);
    return r;
  };
  // Send a text (or @) message to a group; resolves with the sent message.
  const text = (groupID, t, at) => p.evaluate(async ({ groupID, t, at }) => {
    const opts = { to: groupID, conversationType: TIM.TYPES.CONV_GROUP, payload: { text: t } };
    let m;
    if (at) { opts.payload.atUserList = at; m = window.tim.createTextAtMessage(opts); } else m = window.tim.createTextMessage(opts);
    try { return { ok: JSON.parse(JSON.stringify((await window.tim.sendMessage(m)).data.message)) }; } catch (e) {
      return { err: e.code, status: m.status };
    }
  }, { groupID, t, at });
  // Wait for a MESSAGE_RECEIVED message matching `pred` (a function source over m).
  const received = async (what, pred) => {
    const deadline = Date.now() + 10000;
    for (;;) {
      const found = await p.evaluate((src) => {
        const f = new Function('m', `return (${src})`);
        for (const e of window.ev) if (e.name === 'MESSAGE_RECEIVED') for (const m of e.data) if (f(m)) return m;
        return null;
      }, pred);
      if (found) return found;
      assert.ok(Date.now() < deadline, `${name}: no ${what}`);
      await p.waitForTimeout(100);
    }
  };
  // Wait for the latest GROUP_LIST_UPDATED to satisfy `pred` over the groupID list.
  const groupsBecome = async (what, pred) => {
    const deadline = Date.now() + 10000;
    for (;;) {
      const ids = await p.evaluate(() => {
        const l = window.ev.filter((e) => e.name === 'GROUP_LIST_UPDATED').pop();
        return l ? l.data.map((g) => g.groupID) : null;
      });
      if (ids && pred(ids)) return ids;
      assert.ok(Date.now() < deadline, `${name}: GROUP_LIST_UPDATED never showed ${what}; last ${JSON.stringify(ids)}`);
      await p.waitForTimeout(100);
    }
  };
  // Wait for an event `name` (a TIM.EVENT key) whose data matches `pred` (a function source over d).
  const event = async (what, evName, pred) => {
    const deadline = Date.now() + 10000;
    for (;;) {
      const found = await p.evaluate(({ evName, src }) => {
        const f = new Function('d', `return (${src})`);
        const e = window.ev.find((x) => x.name === evName && f(x.data));
        return e ? e.data : null;
      }, { evName, src: pred });
      if (found) return found;
      assert.ok(Date.now() < deadline, `${name}: no ${what} (${evName})`);
      await p.waitForTimeout(100);
    }
  };
  const conversation = async (id) => (await ok('getConversationList')).conversationList.find((c) => c.conversationID === id);
  return { p, call, ok, fails, text, received, groupsBecome, conversation, event };
}


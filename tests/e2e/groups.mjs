// Groups end to end through the public JS API of the built package, in headless Chromium
// (three pages: alice, bob, carol) against a real tim-server process serving dist/www.
// Every step asserts what an app relies on: resolved data, error codes, the events fired
// (GROUP_LIST_UPDATED, MESSAGE_RECEIVED with tips and system notices) and the conversation
// state (unread, last message).
//
// The same scenario runs against the official tim-js-sdk 2.27.6 with TIM_E2E_SDK=official (its
// tim-js.js loaded into the same pages, pointed at our server with `proxyServer`): the official
// SDK must get the same results from our server, and our SDK must behave like it.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/e2e/groups.mjs
//   TIM_URL=http://127.0.0.1:8080 TIM_E2E_SDK=official node tests/e2e/groups.mjs
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const OFFICIAL = process.env.TIM_E2E_SDK === 'official';
const sdkScript = OFFICIAL
  ? { path: fileURLToPath(new URL('../../node_modules/tim-js-sdk/tim-js.js', import.meta.url)) }
  : { url: `${TIM_URL}/pkg/tim-js.js` };
const run = Date.now().toString(36);
const [A, B, C] = ['alice', 'bob', 'carol'].map((n) => `g${n}_${run}`);

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tim-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'],
});
const failures = [];

// One page per user: the package loaded with a script tag, a TIM instance logged in, and every
// event the test looks at recorded in `window.ev`.
async function user(name) {
  const p = await browser.newPage();
  p.on('pageerror', (e) => failures.push(`${name}: ${e.message}`));
  p.on('console', (m) => { if (m.type() === 'error') console.error(`[${name}] ${m.text()}`); });
  await p.goto(`${TIM_URL}/pkg/README.md`);
  await p.addScriptTag(sdkScript);
  await p.evaluate(async (userID) => {
    const r = await fetch('/dev/usersig?userID=' + userID).then((x) => x.json());
    const tim = TIM.create({ SDKAppID: r.SDKAppID, proxyServer: location.origin.replace(/^http/, 'ws') });
    window.tim = tim;
    window.ev = [];
    for (const k of ['MESSAGE_RECEIVED', 'GROUP_LIST_UPDATED', 'CONVERSATION_LIST_UPDATED']) {
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
  const conversation = async (id) => (await ok('getConversationList')).conversationList.find((c) => c.conversationID === id);
  return { p, call, ok, fails, text, received, groupsBecome, conversation };
}

try {
  const a = await user(A);
  const b = await user(B);
  const c = await user(C);
  const T = await a.p.evaluate(() => TIM.TYPES);

  // ---- Public group: create, join, tip, message, unread, read, @, members, profile.
  const created = await a.ok('createGroup', { type: T.GRP_PUBLIC, name: 'Public One', joinOption: T.JOIN_OPTIONS_FREE_ACCESS });
  const pub = created.group.groupID;
  assert.match(pub, /^@TGS#/);
  assert.equal(created.group.type, 'Public');
  assert.equal(created.group.selfInfo.role, T.GRP_MBR_ROLE_OWNER);
  assert.deepEqual(created.overLimitUserIDList, []);
  await a.groupsBecome('the new group', (ids) => ids.includes(pub));

  const joined = await b.ok('joinGroup', { groupID: pub, type: T.GRP_PUBLIC });
  assert.equal(joined.status, T.JOIN_STATUS_SUCCESS);
  assert.equal(joined.group.groupID, pub);
  assert.equal((await b.ok('joinGroup', { groupID: pub })).status, T.JOIN_STATUS_ALREADY_IN_GROUP);
  await b.groupsBecome('the joined group', (ids) => ids.includes(pub));
  const tip = await a.received('join tip', `m.type === '${T.MSG_GRP_TIP}' && m.payload.operationType === ${T.GRP_TIP_MBR_JOIN}`);
  assert.equal(tip.conversationID, `GROUP${pub}`);
  assert.deepEqual(tip.payload.userIDList, [B]);

  const sent = await a.text(pub, 'hello public');
  assert.equal(sent.ok.status, 'success');
  const got = await b.received('group text', `m.payload.text === 'hello public'`);
  assert.equal(got.ID, sent.ok.ID);
  assert.equal(got.conversationType, T.CONV_GROUP);
  assert.equal(got.sequence, sent.ok.sequence);
  await b.p.waitForTimeout(1200);
  let conv = await b.conversation(`GROUP${pub}`);
  assert.equal(conv.unreadCount, 1);
  assert.equal(conv.lastMessage.messageForShow, 'hello public');
  assert.equal(conv.groupProfile.groupID, pub);
  assert.equal(await b.p.evaluate((id) => window.tim.getConversationList().then((r) => r.data.conversationList.find((x) => x.conversationID === id).toAccount), `GROUP${pub}`), pub);
  await b.ok('setMessageRead', { conversationID: `GROUP${pub}` });
  assert.equal((await b.conversation(`GROUP${pub}`)).unreadCount, 0);

  const at = await a.text(pub, '@bob look', [B]);
  assert.deepEqual(at.ok.atUserList, [B]);
  const atGot = await b.received('@ message', `m.payload.text === '@bob look'`);
  assert.deepEqual(atGot.atUserList, [B]);

  const members = await a.ok('getGroupMemberList', { groupID: pub, count: 30, offset: 0 });
  assert.deepEqual(members.memberList.map((m) => [m.userID, m.role]).sort(), [[A, 'Owner'], [B, 'Member']].sort());

  const updated = await a.ok('updateGroupProfile', { groupID: pub, name: 'Public Renamed', introduction: 'about' });
  assert.equal(updated.group.name, 'Public Renamed');
  const ptip = await b.received('profile tip', `m.type === '${T.MSG_GRP_TIP}' && m.payload.operationType === ${T.GRP_TIP_GRP_PROFILE_UPDATED}`);
  assert.equal(ptip.payload.newGroupProfile.groupName, 'Public Renamed');
  assert.equal((await b.ok('getGroupProfile', { groupID: pub })).group.name, 'Public Renamed');
  assert.equal((await c.ok('searchGroupByID', pub)).group.name, 'Public Renamed');

  const history = await b.ok('getMessageList', { conversationID: `GROUP${pub}` });
  const seqs = history.messageList.map((m) => m.sequence);
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'history ascending');
  assert.ok(history.messageList.some((m) => m.payload.text === 'hello public'));

  // ---- Error paths.
  await c.fails(2623, 'quitGroup', pub); // not joined (SDK check)
  const notMember = await c.text(pub, 'let me in');
  assert.equal(notMember.err, 10007);
  assert.equal(notMember.status, 'fail');
  await b.fails(10007, 'dismissGroup', pub); // members cannot dismiss
  await a.fails(10009, 'quitGroup', pub); // the owner of a Public group cannot quit
  await a.fails(2600, 'createGroup', { type: 'Nope', name: 'x' });
  await a.fails(10010, 'getGroupProfile', { groupID: '@TGS#missing' });
  const threw = await a.p.evaluate(() => { try { window.tim.createGroup({ type: 'Public' }); return 'no throw'; } catch (e) { return e.message; } });
  assert.equal(threw, 'Params validate failed.');

  // ---- Work group: initial members, invitation by a member, removal, quit.
  const work = (await a.ok('createGroup', { type: T.GRP_WORK, name: 'Work One', memberList: [{ userID: B }] })).group.groupID;
  await c.fails(2601, 'joinGroup', { groupID: work, type: T.GRP_WORK });
  await a.fails(2622, 'dismissGroup', work);
  await b.groupsBecome('the work group', (ids) => ids.includes(work));
  const added = await b.ok('addGroupMember', { groupID: work, userIDList: [C] });
  assert.deepEqual(added.successUserIDList, [C]);
  const invited = await c.received('invite notice', `m.type === '${T.MSG_GRP_SYS_NOTICE}' && m.payload.operationType === 7`);
  assert.equal(invited.conversationID, '@TIM#SYSTEM');
  assert.equal(invited.payload.groupProfile.groupID, work);
  await c.groupsBecome('the work group', (ids) => ids.includes(work));
  assert.equal((await c.ok('getGroupProfile', { groupID: work })).group.memberCount, 3);

  const removed = await a.ok('deleteGroupMember', { groupID: work, userIDList: [C], reason: 'done' });
  assert.deepEqual(removed.userIDList, [C]);
  await c.received('kick notice', `m.type === '${T.MSG_GRP_SYS_NOTICE}' && m.payload.operationType === 4`);
  await c.groupsBecome('the work group gone', (ids) => !ids.includes(work));
  await b.received('kick tip', `m.type === '${T.MSG_GRP_TIP}' && m.payload.operationType === ${T.GRP_TIP_MBR_KICKED_OUT}`);
  assert.deepEqual(await b.ok('quitGroup', work), { groupID: work });
  assert.ok(!(await b.ok('getGroupList')).groupList.some((g) => g.groupID === work));

  // ---- Dismissal: bob is told (notice 5) and the group leaves his list.
  assert.deepEqual(await a.ok('dismissGroup', pub), { groupID: pub });
  await b.received('dismiss notice', `m.type === '${T.MSG_GRP_SYS_NOTICE}' && m.payload.operationType === 5`);
  await b.groupsBecome('the dismissed group gone', (ids) => !ids.includes(pub));

  assert.deepEqual(failures, [], 'no uncaught page errors');
  console.log(`ok (${OFFICIAL ? 'official tim-js-sdk 2.27.6' : 'tim-wasm'}): groups through the public JS API in Chromium (create, join, tips, notices, messages, read, members, profile, errors)`);
} finally {
  await browser.close();
}

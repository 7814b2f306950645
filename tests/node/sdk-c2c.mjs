// End to end in Node: our built package (dist/pkg/tim-js.js) against a running tim-server.
// Two instances (alice, bob) in separate module copies: login, SDK_READY, send, receive,
// history, conversation list, unread, read report, bad input, not-ready calls.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/node/sdk-c2c.mjs
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
globalThis.WebSocket = require('ws');
const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const WS_URL = TIM_URL.replace(/^http/, 'ws');
// TIM_EDITION=basic runs the same checks on dist/pkg/basic.js.
const PKG = new URL(`../../dist/pkg/${process.env.TIM_EDITION || 'tim-js'}.js`, import.meta.url).pathname;

function loadTim() {
  // A fresh copy of ours ignores the copy loaded before (they share one TIM through a
  // registry on globalThis, see docs/api.md), so its instances share nothing with the others.
  delete globalThis[Symbol.for('tim-wasm.TIM')];
  delete require.cache[PKG];
  return require(PKG);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function sig(userID) {
  const r = await fetch(`${TIM_URL}/dev/usersig?userID=${encodeURIComponent(userID)}`);
  assert.equal(r.status, 200, 'demo userSig endpoint');
  return r.json();
}
function waitFor(tim, name, pred = () => true, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${name}`)), ms);
    const h = (ev) => { if (pred(ev)) { clearTimeout(t); tim.off(name, h); resolve(ev); } };
    tim.on(name, h);
  });
}

const run = Date.now().toString(36);
const A = `alice_${run}`, B = `bob_${run}`;
const sa = await sig(A), sb = await sig(B);
const TIM = loadTim();
assert.equal(typeof TIM.create, 'function');
assert.equal(TIM.default, TIM);
assert.equal(TIM.VERSION, '2.27.6');
assert.equal(TIM.EVENT.MESSAGE_RECEIVED, 'onMessageReceived');
assert.equal(TIM.create({}), null, 'create without SDKAppID returns null');

const alice = TIM.create({ SDKAppID: sa.SDKAppID, proxyServer: WS_URL });
assert.equal(TIM.create({ SDKAppID: String(sa.SDKAppID) }), alice, 'same instance per SDKAppID');
const bob = loadTim().create({ SDKAppID: sb.SDKAppID, proxyServer: WS_URL });

// Before login: API calls are refused with 2024 and an ERROR event.
const errEv = waitFor(alice, TIM.EVENT.ERROR);
await assert.rejects(alice.getConversationList(), (e) => e.code === 2024);
assert.equal((await errEv).data.code, 2024);

// Bad signature: 70001, no SDK_READY.
await assert.rejects(alice.login({ userID: A, userSig: sb.userSig }), (e) => e.code === 70001);
await assert.rejects(alice.login({ userID: A }), (e) => e.code === 2003);

const readyA = waitFor(alice, TIM.EVENT.SDK_READY);
const readyB = waitFor(bob, TIM.EVENT.SDK_READY);
const la = await alice.login({ userID: A, userSig: sa.userSig });
assert.equal(la.code, 0);
assert.equal(la.data.repeatLogin, false);
await bob.login({ userID: B, userSig: sb.userSig });
await readyA; await readyB;
let readyAgain = 0;
alice.on(TIM.EVENT.SDK_READY, () => { readyAgain += 1; });
const again = await alice.login({ userID: A, userSig: sa.userSig });
assert.equal(again.data.repeatLogin, true, 'repeat login resolves with repeatLogin');
await sleep(200);
assert.equal(readyAgain, 0, 'a repeated login does not fire SDK_READY again');

// The plugin keys official apps register are accepted.
alice.registerPlugin({ 'tim-upload-plugin': function UploadPlugin() {}, 'cos-js-sdk': function COS() {} });
assert.equal(typeof alice.setLogLevel, 'function');
alice.setLogLevel(1);
// Absent methods are absent, not stubs.
assert.equal(alice.getFriendList, undefined);
assert.equal(alice.revokeMessage, undefined);
// The basic edition has no group methods (api/editions.json), and says so for a group conversation.
assert.equal(typeof alice.createGroup, process.env.TIM_EDITION === 'basic' ? 'undefined' : 'function');
if (process.env.TIM_EDITION === 'basic') {
  const g = alice.createTextMessage({ to: '@TGS#nope', conversationType: TIM.TYPES.CONV_GROUP, payload: { text: 'x' } });
  await assert.rejects(alice.sendMessage(g), (e) => /not in this edition/.test(e.message), 'a group message in the basic edition');
}

// Bad arguments throw synchronously.
assert.throws(() => alice.createTextMessage({ to: B, conversationType: 'C2C', payload: { text: '' } }), /Params validate failed/);
await assert.rejects(alice.sendMessage({ ID: 'nope' }), (e) => e.code === 2105);

// alice -> bob, live.
const got = waitFor(bob, TIM.EVENT.MESSAGE_RECEIVED);
const m1 = alice.createTextMessage({ to: B, conversationType: TIM.TYPES.CONV_C2C, payload: { text: 'hello bob' } });
assert.equal(m1.status, 'unSend');
const sent = await alice.sendMessage(m1);
assert.equal(sent.code, 0);
assert.equal(sent.data.message, m1, 'the sent message is the created object, updated');
assert.equal(m1.status, 'success');
assert.ok(m1.time > 0);
const recv = (await got).data;
assert.equal(recv.length, 1);
assert.equal(recv[0].payload.text, 'hello bob');
assert.equal(recv[0].ID, m1.ID, 'same message ID on both sides');
assert.equal(recv[0].flow, 'in');
assert.equal(recv[0].conversationID, `C2C${A}`);

// bob replies with a custom message.
const got2 = waitFor(alice, TIM.EVENT.MESSAGE_RECEIVED);
await bob.sendMessage(bob.createCustomMessage({ to: A, conversationType: 'C2C', payload: { data: 'dice', description: '6', extension: '' } }));
const r2 = (await got2).data[0];
assert.equal(r2.type, 'TIMCustomElem');
assert.deepEqual(r2.payload, { data: 'dice', description: '6', extension: '' });

// Conversation list with unread.
await sleep(300);
const cl = (await bob.getConversationList()).data.conversationList;
const cb = cl.find((c) => c.conversationID === `C2C${A}`);
assert.ok(cb, 'bob has a conversation with alice');
assert.equal(cb.unreadCount, 1);
assert.equal(cb.lastMessage.messageForShow, '[自定义消息]', "tim-js-sdk's placeholder (a non-international SDKAppID)");
assert.equal(cb.lastMessage.fromAccount, B);
assert.equal(cb.toAccount, A);
await bob.setMessageRead({ conversationID: `C2C${A}` });
assert.equal((await bob.getConversationList()).data.conversationList.find((c) => c.conversationID === `C2C${A}`).unreadCount, 0);

// Several messages, then paged history from a fresh instance.
for (let i = 0; i < 20; i++) {
  await alice.sendMessage(alice.createTextMessage({ to: B, conversationType: 'C2C', payload: { text: `n${i}` } }));
}
const TIM3 = loadTim();
await bob.logout();
const bob2 = TIM3.create({ SDKAppID: sb.SDKAppID, proxyServer: WS_URL });
await bob2.login({ userID: B, userSig: sb.userSig });
await waitFor(bob2, TIM.EVENT.SDK_READY);
const texts = [];
let next;
for (let page = 0; page < 5; page++) {
  const r = (await bob2.getMessageList({ conversationID: `C2C${A}`, nextReqMessageID: next, count: 15 })).data;
  texts.unshift(...r.messageList.map((m) => m.payload.text || m.payload.data));
  if (r.isCompleted) break;
  next = r.nextReqMessageID;
}
assert.deepEqual(texts, ['hello bob', 'dice', ...Array.from({ length: 20 }, (_, i) => `n${i}`)], 'history complete and in order');

// Without proxyServer, a global set before the SDK loads names the server.
globalThis.TIM_WASM_SERVER = WS_URL;
const C = `carol_${run}`;
const sc = await sig(C);
const carolTIM = loadTim();
const carol = carolTIM.create({ SDKAppID: sc.SDKAppID });
const readyC = waitFor(carol, carolTIM.EVENT.SDK_READY);
await carol.login({ userID: C, userSig: sc.userSig });
await readyC;
delete globalThis.TIM_WASM_SERVER;
await carol.destroy();

await alice.destroy();
await bob2.destroy();
console.log('ok: tim-wasm package in Node against tim-server');
process.exit(0);

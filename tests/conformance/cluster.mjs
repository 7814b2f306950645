// Cluster end to end: two tim-server nodes sharing one data dir and one Redis, the official
// Web SDK (tim-js-sdk 2.27.6) on node 1 and our SDK (dist/pkg/tim-js.js) on node 2.
//
//   TIM_URL_1=http://127.0.0.1:8081 TIM_URL_2=http://127.0.0.1:8082 node tests/conformance/cluster.mjs
//
// Both nodes run in demo mode with the same data dir (start node 1 first: it creates the demo app
// in the data dir, node 2 then serves the same app) and `[cluster] redis_url` / TIM_REDIS_URL.
// scripts/test.sh starts them. What it checks: alice (official SDK, node 1) and bob (tim-wasm,
// node 2) reach SDK_READY, exchange messages live both ways across the nodes, and see the same
// history afterwards. Exits 0 on success, 1 on failure. TIM_SDK_LOG=1 shows the official SDK's log.
import { fail, sleep, until } from './node-env.mjs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const base = (v, name) => {
  if (!v) {
    console.error(`FAIL: ${name} is not set (two cluster nodes are needed)`);
    process.exit(1);
  }
  return v.replace(/\/$/, '');
};
const URL_1 = base(process.env.TIM_URL_1, 'TIM_URL_1');
const URL_2 = base(process.env.TIM_URL_2, 'TIM_URL_2');
const PKG = new URL('../../dist/pkg/tim-js.js', import.meta.url).pathname;


async function userSig(url, userID) {
  const r = await fetch(`${url}/dev/usersig?userID=${encodeURIComponent(userID)}`);
  if (!r.ok) fail(`${url}/dev/usersig: HTTP ${r.status}`);
  return r.json();
}
function fresh(path) {
  // A fresh copy of ours ignores the copy loaded before (they share one TIM through a
  // registry on globalThis, see docs/api.md), so its instances share nothing with the others.
  delete globalThis[Symbol.for('tim-wasm.TIM')];
  delete require.cache[path];
  return require(path);
}

async function client(name, TIM, url, userID) {
  const { SDKAppID, userSig: sig } = await userSig(url, userID);
  const tim = TIM.create({ SDKAppID, proxyServer: url.replace(/^http/, 'ws') });
  if (name === 'official') tim.setLogLevel(process.env.TIM_SDK_LOG ? 0 : 4);
  const c = { name, userID, SDKAppID, TIM, tim, ready: false, received: [] };
  tim.on(TIM.EVENT.SDK_READY, () => { c.ready = true; });
  tim.on(TIM.EVENT.MESSAGE_RECEIVED, (e) => c.received.push(...e.data));
  tim.on(TIM.EVENT.KICKED_OUT, (e) => fail(`${name} ${userID} kicked out: ${e.data.type}`));
  const res = await tim.login({ userID, userSig: sig });
  if (res.code !== 0) fail(`${userID} login code ${res.code}`);
  await until(`${userID} SDK_READY`, () => c.ready);
  return c;
}

async function send(c, to, text) {
  const msg = c.tim.createTextMessage({ to, conversationType: c.TIM.TYPES.CONV_C2C, payload: { text } });
  const sent = await c.tim.sendMessage(msg);
  if (sent.code !== 0) fail(`${c.name} sendMessage code ${sent.code}`);
}

async function history(c, peer) {
  const r = await c.tim.getMessageList({ conversationID: `C2C${peer}`, count: 15 });
  if (r.code !== 0) fail(`${c.name} getMessageList code ${r.code}`);
  return r.data.messageList.map((m) => ({ text: m.payload.text, from: m.from }));
}

const run = Date.now().toString(36);
const A = `alice_${run}`, B = `bob_${run}`;
const alice = await client('official', fresh(require.resolve('tim-js-sdk/tim-js-friendship.js')), URL_1, A);
const bob = await client('tim-wasm', fresh(PKG), URL_2, B);
if (alice.SDKAppID !== bob.SDKAppID) fail(`the nodes serve different apps: ${alice.SDKAppID} vs ${bob.SDKAppID}`);
console.log(`alice (official SDK) on ${URL_1}, bob (tim-wasm) on ${URL_2}: SDK_READY`);

// alice (node 1) -> bob (node 2), live.
const toBob = ['hi bob, from node 1', 'second from node 1'];
for (const t of toBob) await send(alice, B, t);
await until('bob MESSAGE_RECEIVED x2', () => bob.received.length >= toBob.length);
const gotBob = bob.received.map((m) => m.payload.text);
if (JSON.stringify(gotBob) !== JSON.stringify(toBob)) fail(`bob received ${JSON.stringify(gotBob)}`);
if (bob.received.some((m) => m.from !== A || m.flow !== 'in')) fail('bob: from/flow wrong');
console.log('bob received', gotBob);

// bob (node 2) -> alice (node 1), live.
const toAlice = ['hi alice, from node 2', 'second from node 2'];
for (const t of toAlice) await send(bob, A, t);
await until('alice MESSAGE_RECEIVED x2', () => alice.received.length >= toAlice.length);
const gotAlice = alice.received.map((m) => m.payload.text);
if (JSON.stringify(gotAlice) !== JSON.stringify(toAlice)) fail(`alice received ${JSON.stringify(gotAlice)}`);
if (alice.received.some((m) => m.from !== B || m.flow !== 'in')) fail('alice: from/flow wrong');
console.log('alice received', gotAlice);

// Same history on both sides (each SDK asks its own node; storage is shared).
const want = [...toBob.map((text) => ({ text, from: A })), ...toAlice.map((text) => ({ text, from: B }))];
const ha = await history(alice, B);
const hb = await history(bob, A);
if (JSON.stringify(ha) !== JSON.stringify(want)) fail(`alice history ${JSON.stringify(ha)}`);
if (JSON.stringify(hb) !== JSON.stringify(want)) fail(`bob history ${JSON.stringify(hb)}`);
console.log('same history on both nodes:', want.map((m) => m.text));

for (const c of [alice, bob]) {
  await c.tim.logout().catch(() => {});
  await c.tim.destroy().catch(() => {});
}
console.log('OK: cluster, official SDK on node 1 and tim-wasm on node 2');
process.exit(0);

// Conformance of what our SDK sends, with the official tim-js-sdk 2.27.6 (tim-js.js) as oracle.
//
// Both SDKs run the same scenario through a recording WebSocket proxy in front of tim-server:
// login, SDK_READY, a C2C text to a peer, getMessageList, getConversationList, setMessageRead,
// getMyProfile, updateMyProfile, getUserProfile, logout. Then:
//   - every servcmd our SDK sends is one the official SDK sends in the same scenario;
//   - for each servcmd both send, the head keys and the body keys (recursively) are the same;
//   - what the official SDK sends and ours does not is only the telemetry we leave out.
// It also checks cross-talk: the official SDK and ours exchange C2C text both ways.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/conformance/frames.mjs
import './node-env.mjs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const { WebSocketServer, WebSocket } = require('ws');
const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const UPSTREAM = TIM_URL.replace(/^http/, 'ws');


const OFFICIAL = require.resolve('tim-js-sdk/tim-js.js');
const OURS = new URL('../../dist/pkg/tim-js.js', import.meta.url).pathname;
function load(path) {
  // A fresh copy of ours ignores the copy loaded before (they share one TIM through a
  // registry on globalThis, see docs/api.md), so its instances share nothing with the others.
  delete globalThis[Symbol.for('tim-wasm.TIM')];
  delete require.cache[path];
  return require(path);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function sig(userID) {
  return (await fetch(`${TIM_URL}/dev/usersig?userID=${encodeURIComponent(userID)}`)).json();
}
function waitFor(tim, name, pred = () => true, ms = 15000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${name}`)), ms);
    const h = (ev) => { if (pred(ev)) { clearTimeout(t); tim.off(name, h); resolve(ev); } };
    tim.on(name, h);
  });
}

// A proxy that records every client frame per connection label.
const frames = { official: [], ours: [] };
const proxy = new WebSocketServer({ port: 0, host: '127.0.0.1' });
await new Promise((r) => proxy.on('listening', r));
const PROXY = `ws://127.0.0.1:${proxy.address().port}`;
let label = 'official';
proxy.on('connection', (client, req) => {
  const mine = label;
  const up = new WebSocket(UPSTREAM + req.url);
  const queue = [];
  up.on('open', () => { for (const [d, b] of queue) up.send(d, { binary: b }); queue.length = 0; });
  client.on('message', (data, isBinary) => {
    try { frames[mine].push(JSON.parse(data.toString('utf8'))); } catch { frames[mine].push({ unparsable: true }); }
    if (up.readyState === WebSocket.OPEN) up.send(data, { binary: isBinary }); else queue.push([data, isBinary]);
  });
  up.on('message', (data, isBinary) => { if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary }); });
  client.on('close', () => up.close());
  up.on('close', () => client.close());
});

const tag = Date.now().toString(36);
async function scenario(which, path) {
  label = which;
  const me = `${which}_${tag}`;
  const peer = `peer_${which}_${tag}`;
  // The peer already wrote twice, so history has something to page.
  const TIMp = load(OURS);
  const sp = await sig(peer);
  const p = TIMp.create({ SDKAppID: sp.SDKAppID, proxyServer: UPSTREAM });
  await p.login({ userID: peer, userSig: sp.userSig });
  await waitFor(p, TIMp.EVENT.SDK_READY);
  for (const text of ['one', 'two']) await p.sendMessage(p.createTextMessage({ to: me, conversationType: 'C2C', payload: { text } }));

  const TIM = load(path);
  const s = await sig(me);
  const tim = TIM.create({ SDKAppID: s.SDKAppID, proxyServer: PROXY });
  tim.setLogLevel(4);
  const ready = waitFor(tim, TIM.EVENT.SDK_READY);
  await tim.login({ userID: me, userSig: s.userSig });
  await ready;
  await sleep(1500); // the delayed login-phase requests (purchase bits)
  const got = waitFor(p, TIMp.EVENT.MESSAGE_RECEIVED);
  await tim.sendMessage(tim.createTextMessage({ to: peer, conversationType: 'C2C', payload: { text: `from ${which}` } }));
  assert.equal((await got).data[0].payload.text, `from ${which}`, `${which}: peer got the message`);
  const back = waitFor(tim, TIM.EVENT.MESSAGE_RECEIVED);
  await p.sendMessage(p.createTextMessage({ to: me, conversationType: 'C2C', payload: { text: `to ${which}` } }));
  assert.equal((await back).data[0].payload.text, `to ${which}`, `${which}: got the reply`);
  const hist = await tim.getMessageList({ conversationID: `C2C${peer}`, count: 15 });
  assert.deepEqual(hist.data.messageList.map((m) => m.payload.text), ['one', 'two', `from ${which}`, `to ${which}`], `${which}: history`);
  const list = await tim.getConversationList();
  assert.ok(list.data.conversationList.some((c) => c.conversationID === `C2C${peer}`), `${which}: conversation listed`);
  await tim.setMessageRead({ conversationID: `C2C${peer}` });
  // Profiles: the own one (held since login), a change, another user's.
  assert.equal((await tim.getMyProfile()).data.userID, me, `${which}: getMyProfile`);
  const up = await tim.updateMyProfile({ nick: `nick ${which}`, gender: TIM.TYPES.GENDER_MALE, level: 2 });
  assert.equal(up.data.nick, `nick ${which}`, `${which}: updateMyProfile`);
  assert.equal((await tim.getUserProfile({ userIDList: [peer] })).data[0].userID, peer, `${which}: getUserProfile`);
  await sleep(300);
  await tim.logout();
  await sleep(300);
  await tim.destroy().catch(() => {});
  await p.logout();
  await p.destroy().catch(() => {});
}

await scenario('official', OFFICIAL);
await scenario('ours', OURS);

function keyPaths(v, prefix = '', out = new Set()) {
  if (Array.isArray(v)) { if (v.length) keyPaths(v[0], prefix + '[]', out); return out; }
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) { out.add(prefix + k); keyPaths(v[k], prefix + k + '.', out); }
  }
  return out;
}
function byServcmd(list) {
  const m = new Map();
  for (const f of list) {
    const c = f.head && f.head.servcmd;
    if (c && !m.has(c)) m.set(c, f);
  }
  return m;
}
const off = byServcmd(frames.official);
const ours = byServcmd(frames.ours);
const LEFT_OUT = new Set(['imopenstat.tim_web_report_v2']); // telemetry to Tencent: not sent by us
const problems = [];
for (const [c, f] of ours) {
  if (!off.has(c)) { problems.push(`we send ${c}, the official SDK does not`); continue; }
  const o = off.get(c);
  const hk = [...keyPaths(f.head)].sort(), ok = [...keyPaths(o.head)].sort();
  if (JSON.stringify(hk) !== JSON.stringify(ok)) problems.push(`${c} head keys differ:\n  ours     ${hk}\n  official ${ok}`);
  const bk = [...keyPaths(f.body)].sort(), obk = [...keyPaths(o.body)].sort();
  if (JSON.stringify(bk) !== JSON.stringify(obk)) problems.push(`${c} body keys differ:\n  ours     ${bk}\n  official ${obk}`);
}
// updateMyProfile with the same options: the same tags, with values of the same types.
const setItems = (list) => list.filter((f) => f.head && f.head.servcmd === 'profile.portrait_set')
  .map((f) => f.body.ProfileItem.map((i) => `${i.Tag}:${typeof i.Value}`).sort().join(','));
if (JSON.stringify(setItems(frames.ours)) !== JSON.stringify(setItems(frames.official))) {
  problems.push(`portrait_set items differ:\n  ours     ${setItems(frames.ours)}\n  official ${setItems(frames.official)}`);
}
const missing = [...off.keys()].filter((c) => !ours.has(c) && !LEFT_OUT.has(c));
if (missing.length) problems.push(`the official SDK sends, we do not: ${missing.join(', ')}`);
console.log(`official sent ${off.size} servcmds, ours ${ours.size}; compared ${[...ours.keys()].filter((c) => off.has(c)).length}`);
proxy.close();
if (problems.length) {
  console.error('FAIL:\n' + problems.join('\n'));
  process.exit(1);
}
console.log('ok: our frames match the official SDK (servcmds, head keys, body keys); cross-talk works');
process.exit(0);

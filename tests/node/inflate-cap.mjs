// Our SDK in Node receiving a `COMP` frame that inflates to 256 MiB (a hostile or broken server):
// the platform inflation stops at 16 MiB (js/facade.js MAX_INFLATED), the frame is dropped, memory
// stays bounded, and the frames after it are handled as usual.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/node/inflate-cap.mjs
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const WS = require('ws');
const sockets = [];
globalThis.WebSocket = class extends WS {
  constructor(...args) {
    super(...args);
    sockets.push(this);
  }
};
const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const PKG = new URL('../../dist/pkg/tim-js.js', import.meta.url).pathname;
const TIM = require(PKG);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function waitFor(tim, name, pred = () => true, ms = 15000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${name}`)), ms);
    const h = (ev) => { if (pred(ev)) { clearTimeout(t); tim.off(name, h); resolve(ev); } };
    tim.on(name, h);
  });
}

const userID = `bomb_${Date.now().toString(36)}`;
const { SDKAppID, userSig } = await (await fetch(`${TIM_URL}/dev/usersig?userID=${userID}`)).json();
const tim = TIM.create({ SDKAppID, proxyServer: TIM_URL.replace(/^http/, 'ws') });
tim.setLogLevel(4);
const ready = waitFor(tim, TIM.EVENT.SDK_READY);
await tim.login({ userID, userSig });
await ready;
const socket = sockets[sockets.length - 1];
assert.ok(socket, 'the SDK opened a WebSocket');

// 256 MiB of JSON-ish bytes in a few hundred KB.
const packed = zlib.deflateSync(Buffer.alloc(256 << 20, 0x20), { level: 9 });
const frame = Buffer.concat([Buffer.from('COMP'), packed]);
assert.ok(frame.length < 1 << 20, `${frame.length}`);
global.gc?.();
const before = process.memoryUsage();
// As if the server had sent it on the SDK's socket.
socket.emit('message', frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.length), true);
// Let the inflation run (and, without the cap, finish).
const started = Date.now();
let peak = 0;
while (Date.now() - started < 3000) {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss - before.rss, m.arrayBuffers - before.arrayBuffers);
  await sleep(20);
}
const grew = peak / (1 << 20);
assert.ok(grew < 128, `memory grew ${grew.toFixed(0)} MB for one hostile frame (the cap is 16 MiB)`);

// Frames after it are handled: a message to ourselves arrives.
const got = waitFor(tim, TIM.EVENT.MESSAGE_RECEIVED, (e) => e.data.some((m) => m.payload && m.payload.text === 'after'));
const other = `${userID}_peer`;
const peerSig = await (await fetch(`${TIM_URL}/dev/usersig?userID=${other}`)).json();
const peer = (() => {
  delete globalThis[Symbol.for('tim-wasm.TIM')];
  delete require.cache[PKG];
  return require(PKG);
})();
const p = peer.create({ SDKAppID, proxyServer: TIM_URL.replace(/^http/, 'ws') });
p.setLogLevel(4);
const peerReady = waitFor(p, peer.EVENT.SDK_READY);
await p.login({ userID: other, userSig: peerSig.userSig });
await peerReady;
await p.sendMessage(p.createTextMessage({ to: userID, conversationType: 'C2C', payload: { text: 'after' } }));
await got;
await p.destroy();
await tim.destroy();
console.log(`ok: a COMP frame inflating to 256 MiB is dropped at 16 MiB (memory grew ${grew.toFixed(1)} MB at most); later frames are handled`);
process.exit(0);

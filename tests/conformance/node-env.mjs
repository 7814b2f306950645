// The browser globals the official SDK needs to run in Node 20; imported first by the
// conformance scripts. Our SDK needs only `WebSocket`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The SDK opens its socket with `new WebSocket(url)` only when it believes it runs in a browser
// (`typeof window !== 'undefined'`); Node 20 has no global WebSocket and no `navigator`.
globalThis.WebSocket = require('ws');
globalThis.window = globalThis;
// It listens for online/offline events on `window`.
globalThis.addEventListener ??= () => {};
globalThis.removeEventListener ??= () => {};
// It reads `document.characterSet` to measure message sizes.
globalThis.document ??= { characterSet: 'UTF-8', charset: 'UTF-8' };
// 3.x (@tencentcloud/chat) reads `location.href` after login.
globalThis.location ??= { href: 'http://localhost/', protocol: 'http:', host: 'localhost', hostname: 'localhost' };
if (typeof navigator === 'undefined') globalThis.navigator = { userAgent: `Node.js/${process.version}` };

/** Resolve after `ms` milliseconds. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Print the failure and exit 1. */
export function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}

/** Await the SDK call `p`: its `{code: 0}` result, else fail with what it answered. */
export async function must(what, p) {
  try {
    const r = await p;
    if (r.code !== 0) fail(`${what} code ${r.code}`);
    return r;
  } catch (e) {
    return fail(`${what} rejected: ${e && (e.code || '')} ${e && e.message}`);
  }
}

/** Poll `pred` every 50 ms until it returns something truthy, or fail after `ms`. */
export async function until(what, pred, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await pred();
    if (v) return v;
    await sleep(50);
  }
  fail(`timed out waiting for ${what}`);
}

// The server under test and the official SDK module (TIM_SDK_MODULE=@tencentcloud/chat/index.js
// runs the same checks against the 3.x SDK).
export const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const USERSIG_URL = process.env.TIM_USERSIG_URL || `${TIM_URL}/dev/usersig`;
const WS_URL = TIM_URL.replace(/^http/, 'ws');
const SDK_MODULE = process.env.TIM_SDK_MODULE || 'tim-js-sdk/tim-js-friendship.js';

/** A fresh copy of the official SDK module, so instances share no module state. */
export function loadTim() {
  const path = require.resolve(SDK_MODULE);
  delete require.cache[path];
  return require(path);
}

/** `{SDKAppID, userSig}` from the server's demo endpoint. */
export async function userSig(userID) {
  const r = await fetch(`${USERSIG_URL}?userID=${encodeURIComponent(userID)}`);
  if (!r.ok) fail(`usersig endpoint: HTTP ${r.status}`);
  return r.json();
}

/** An official SDK instance logged in as `userID` and past SDK_READY, recording what it receives. */
export async function client(userID) {
  const { SDKAppID, userSig: sig } = await userSig(userID);
  const TIM = loadTim();
  const tim = TIM.create({ SDKAppID, proxyServer: WS_URL });
  tim.setLogLevel(process.env.TIM_SDK_LOG ? 0 : 4);
  const c = { userID, TIM, tim, ready: false, received: [] };
  tim.on(TIM.EVENT.SDK_READY, () => { c.ready = true; });
  tim.on(TIM.EVENT.MESSAGE_RECEIVED, (e) => c.received.push(...e.data));
  tim.on(TIM.EVENT.KICKED_OUT, (e) => console.log(`${userID} kicked out: ${e.data.type}`));
  const res = await tim.login({ userID, userSig: sig });
  if (res.code !== 0) fail(`${userID} login code ${res.code}`);
  await until(`${userID} SDK_READY`, () => c.ready);
  return c;
}

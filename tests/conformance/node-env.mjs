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

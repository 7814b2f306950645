// Our SDK in Node when its server cannot be reached: the process survives (Node's `ws`
// WebSocket throws an `error` event nobody listens to), NET_STATE_CHANGE reports the failure
// with the official SDK's states, login is retried, and once the server is reachable on that
// address the pending login completes and the SDK gets ready. Then destroy() while the socket
// is still connecting (a server that never answers the upgrade): no crash either.
//
// The official tim-js-sdk 2.27.6 is the oracle for the states: run the same way (in a child
// process, with the browser globals it needs), it reports "disconnected" for the failed
// connection. (In a browser it then retries, reporting "connecting" and "disconnected"; in Node
// it never retries.) Ours reports "connecting" when login starts a connection, "disconnected"
// when it fails, "connecting" for each retry, and "connected" once one succeeds.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/node/unreachable.mjs
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const PKG = new URL('../../dist/pkg/tim-js.js', import.meta.url).pathname;
const ENV = new URL('../conformance/node-env.mjs', import.meta.url).pathname;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, pred, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

// A port nothing listens on (until the proxy below takes it).
const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const proxyServer = `ws://127.0.0.1:${port}`;

// The oracle: the states the official SDK reports for this address.
const official = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', `
import ${JSON.stringify(ENV)};
import { createRequire } from 'node:module';
const TIM = createRequire(import.meta.url)('tim-js-sdk/tim-js.js');
const tim = TIM.create({ SDKAppID: 1400000001, proxyServer: ${JSON.stringify(proxyServer)} });
tim.setLogLevel(4);
const states = [];
tim.on(TIM.EVENT.NET_STATE_CHANGE, (e) => states.push(e.data.state));
tim.login({ userID: 'oracle', userSig: 'x' }).catch(() => {});
setTimeout(() => { console.log(JSON.stringify(states)); process.exit(0); }, 1500);
`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop());
assert.deepEqual(official, ['disconnected'], 'the official SDK reports the failed connection as "disconnected"');

// Ours, with `ws` as in any Node app, counting connection attempts.
const WS = require('ws');
let attempts = 0;
globalThis.WebSocket = class extends WS {
  constructor(...args) {
    super(...args);
    attempts += 1;
  }
};
const TIM = require(PKG);
const userID = `unreachable_${Date.now().toString(36)}`;
const { SDKAppID, userSig } = await (await fetch(`${TIM_URL}/dev/usersig?userID=${userID}`)).json();
assert.ok(SDKAppID && userSig, 'demo userSig endpoint');
const tim = TIM.create({ SDKAppID, proxyServer });
const states = [];
let ready = false;
tim.on(TIM.EVENT.NET_STATE_CHANGE, (e) => states.push(e.data.state));
tim.on(TIM.EVENT.SDK_READY, () => { ready = true; });
let login = null;
tim.login({ userID, userSig }).then((r) => { login = r; }, (e) => { login = e; });

// Two failed attempts: the process is still here, the failure was reported, login retried.
await until('a retried connection', () => attempts >= 2 && states.filter((s) => s === 'disconnected').length >= 2);
assert.equal(login, null, 'login waits for the server; it neither resolves nor rejects');
assert.ok(states.every((s) => s === 'connecting' || s === 'disconnected'), `states while unreachable: ${states}`);
assert.deepEqual(states.slice(0, 4), ['connecting', 'disconnected', 'connecting', 'disconnected'],
  'a failed connection is reported "disconnected", each retry "connecting"');
for (let i = 1; i < states.length; i++) assert.notEqual(states[i], states[i - 1], 'no repeated state');

// The server becomes reachable at that address: a TCP relay to the test server.
const target = new URL(TIM_URL);
const relay = net.createServer((c) => {
  const up = net.connect(Number(target.port), target.hostname);
  c.pipe(up).pipe(c);
  c.on('error', () => up.destroy());
  up.on('error', () => c.destroy());
}).listen(port, '127.0.0.1');
await until('login through the retried connection', () => login !== null, 40000);
assert.equal(login.code, 0, `login resolves once the server is reachable: ${login && login.message}`);
await until('SDK_READY', () => ready);
assert.equal(states[states.length - 1], 'connected');
await tim.destroy();
relay.close();

// A server that accepts the TCP connection and never answers the upgrade: destroy() closes a
// socket that is still connecting, which makes `ws` emit an error after the SDK let go of it.
const silent = [];
const hang = net.createServer((c) => silent.push(c)).listen(0, '127.0.0.1');
await new Promise((r) => hang.once('listening', r));
const stuck = TIM.create({ SDKAppID: SDKAppID + 1, proxyServer: `ws://127.0.0.1:${hang.address().port}` });
stuck.login({ userID, userSig }).catch(() => {});
await until('a connection to the silent server', () => silent.length > 0);
await stuck.destroy();
await sleep(300);
for (const c of silent) c.destroy();
hang.close();
console.log(`ok: unreachable server in Node: no crash, ${attempts} connection attempts, states ${states.join(' > ')}; destroy while connecting`);
process.exit(0);

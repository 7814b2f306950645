// User profiles through the public API of our built package (dist/pkg/tim-js.js) in Node,
// against a running tim-server: getMyProfile in the SDK_READY handler, updateMyProfile with
// every standard field (the resolved Profile, PROFILE_UPDATED), getUserProfile from another
// user (Profile instances with own data, as tim-js-sdk's; unknown IDs left out, more than 100 IDs truncated), tim-js-sdk's local
// checks (2721, 2722, the synchronous throw), server refusals passed through (40605, 40009),
// custom fields registered over REST, and a profile change by the REST admin reaching the
// user's instance as PROFILE_UPDATED.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/node/sdk-profiles.mjs
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
globalThis.WebSocket = require('ws');
const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const WS_URL = TIM_URL.replace(/^http/, 'ws');
const PKG = new URL('../../dist/pkg/tim-js.js', import.meta.url).pathname;

function loadTim() {
  delete require.cache[PKG];
  // The package shares one TIM per process through globalThis: drop it for an independent copy.
  delete globalThis[Symbol.for('tim-wasm.TIM')];
  return require(PKG);
}
async function sig(userID) {
  const r = await fetch(`${TIM_URL}/dev/usersig?userID=${encodeURIComponent(userID)}`);
  assert.equal(r.status, 200, 'demo userSig endpoint');
  return r.json();
}
async function rest(path, body) {
  const s = await sig('administrator');
  const q = `sdkappid=${s.SDKAppID}&identifier=administrator&usersig=${encodeURIComponent(s.userSig)}&random=1&contenttype=json`;
  const r = await fetch(`${TIM_URL}/v4/${path}?${q}`, { method: 'POST', body: JSON.stringify(body) });
  return r.json();
}
function waitFor(tim, name, pred = () => true, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${name}`)), ms);
    const h = (ev) => { if (pred(ev)) { clearTimeout(t); tim.off(name, h); resolve(ev); } };
    tim.on(name, h);
  });
}
// tim-js-sdk 2.27.6's Profile keys.
const KEYS = ['adminForbidType', 'allowType', 'avatar', 'birthday', 'gender', 'language', 'lastUpdatedTime', 'level',
  'location', 'messageSettings', 'nick', 'profileCustomField', 'role', 'selfSignature', 'userID'];
function assertProfile(p, what) {
  assert.notEqual(Object.getPrototypeOf(p), Object.prototype, `${what}: a Profile instance, as tim-js-sdk's`);
  assert.deepEqual(Object.keys(p).sort(), KEYS, `${what}: tim-js-sdk's keys, own and enumerable`);
  for (const k of ['birthday', 'language', 'messageSettings', 'level', 'role', 'lastUpdatedTime']) assert.equal(typeof p[k], 'number', `${what}.${k}`);
  for (const k of ['userID', 'nick', 'gender', 'location', 'selfSignature', 'allowType', 'avatar', 'adminForbidType']) assert.equal(typeof p[k], 'string', `${what}.${k}`);
  assert.ok(Array.isArray(p.profileCustomField), `${what}.profileCustomField`);
}

const run = Date.now().toString(36);
const A = `palice_${run}`, B = `pbob_${run}`;
const sa = await sig(A), sb = await sig(B);
const TIM = loadTim();
const alice = TIM.create({ SDKAppID: sa.SDKAppID, proxyServer: WS_URL });
const bob = loadTim().create({ SDKAppID: sb.SDKAppID, proxyServer: WS_URL });
assert.equal(TIM.EVENT.PROFILE_UPDATED, 'onProfileUpdated');

// Before login: refused like every other method.
await assert.rejects(alice.getMyProfile(), (e) => e.code === 2024);

// What most apps do: read the own profile in the SDK_READY handler.
const mine = new Promise((resolve, reject) => {
  alice.on(TIM.EVENT.SDK_READY, () => { alice.getMyProfile().then(resolve, reject); });
});
await alice.login({ userID: A, userSig: sa.userSig });
const first = await mine;
assert.equal(first.code, 0);
assertProfile(first.data, 'getMyProfile');
assert.equal(first.data.userID, A);
assert.equal(first.data.gender, '');
assert.equal(first.data.allowType, TIM.TYPES.ALLOW_TYPE_ALLOW_ANY);
assert.equal(first.data.adminForbidType, TIM.TYPES.FORBID_TYPE_NONE);
const readyB = waitFor(bob, TIM.EVENT.SDK_READY);
await bob.login({ userID: B, userSig: sb.userSig });
await readyB;

// Every standard field.
const opts = {
  nick: 'Alice Ä', avatar: 'http://example.com/a.png', gender: TIM.TYPES.GENDER_FEMALE, selfSignature: 'hello',
  allowType: TIM.TYPES.ALLOW_TYPE_NEED_CONFIRM, birthday: 20000101, location: '86 44 3 1', language: 2052,
  messageSettings: 1, level: 7, role: 3,
};
const updated = waitFor(alice, TIM.EVENT.PROFILE_UPDATED);
const up = await alice.updateMyProfile(opts);
assert.equal(up.code, 0);
assertProfile(up.data, 'updateMyProfile');
for (const [k, v] of Object.entries(opts)) assert.equal(up.data[k], v, k);
assert.ok(up.data.lastUpdatedTime > 0);
const ev = (await updated).data;
assert.equal(ev.length, 1);
assert.deepEqual(ev[0], up.data, 'PROFILE_UPDATED carries the updated profile');
assert.deepEqual((await alice.getMyProfile()).data, up.data);

// Another user reads it.
const other = await bob.getUserProfile({ userIDList: [A, `nobody_${run}`] });
assert.equal(other.code, 0);
assert.equal(other.data.length, 1, 'unknown IDs are left out');
assertProfile(other.data[0], 'getUserProfile');
for (const [k, v] of Object.entries(opts)) assert.equal(other.data[0][k], v, k);
assert.equal(other.data[0].lastUpdatedTime, 0, 'as tim-js-sdk: 0 for other users');
const many = Array.from({ length: 130 }, (_, i) => `u${i}_${run}`).concat([A]);
assert.deepEqual((await bob.getUserProfile({ userIDList: many })).data, [], 'only the first 100 are asked for');

// tim-js-sdk's local checks.
assert.throws(() => bob.getUserProfile({ userIDList: A }), /Params validate failed/);
await assert.rejects(alice.updateMyProfile({}), (e) => e.code === 2721);
await assert.rejects(alice.updateMyProfile({ gender: 'male' }), (e) => e.code === 2721);
await assert.rejects(alice.updateMyProfile({ messageSettings: 2 }), (e) => e.code === 2721);
await assert.rejects(alice.updateMyProfile({ birthday: '2000' }), (e) => e.code === 2721);
await assert.rejects(alice.updateMyProfile({ profileCustomField: [] }), (e) => e.code === 2722);
assert.throws(() => alice.updateMyProfile({ profileCustomField: 'x' }), /Params validate failed/);
// The server's refusals.
await assert.rejects(alice.updateMyProfile({ location: '12345678901234567' }), (e) => e.code === 40605);
await assert.rejects(alice.updateMyProfile({ profileCustomField: [{ key: 'Tag_Profile_Custom_Nope', value: 'x' }] }), (e) => e.code === 40009);

// Custom fields, once registered.
const reg = await rest('profile/custom_field_add', { FieldList: [{ Tag: 'Tag_Profile_Custom_Hobby', Type: 'String' }] });
assert.equal(reg.ErrorCode, 0, JSON.stringify(reg));
const withHobby = await alice.updateMyProfile({ profileCustomField: [{ key: 'Tag_Profile_Custom_Hobby', value: 'chess' }] });
assert.deepEqual(withHobby.data.profileCustomField, [{ key: 'Tag_Profile_Custom_Hobby', value: 'chess' }]);
// bob's copy is held for 10 minutes (spec §2.4): a fresh instance reads it from the server.
const carolTIM = loadTim();
const C = `pcarol_${run}`;
const sc = await sig(C);
const carol = carolTIM.create({ SDKAppID: sc.SDKAppID, proxyServer: WS_URL });
const readyC = waitFor(carol, carolTIM.EVENT.SDK_READY);
await carol.login({ userID: C, userSig: sc.userSig });
await readyC;
const seen = (await carol.getUserProfile({ userIDList: [A] })).data[0];
assert.deepEqual(seen.profileCustomField, [{ key: 'Tag_Profile_Custom_Hobby', value: 'chess' }]);

// A change made elsewhere (the REST admin) reaches alice's instance.
const pushed = waitFor(alice, TIM.EVENT.PROFILE_UPDATED, (e) => e.data[0].selfSignature === 'set by admin');
const r = await rest('profile/portrait_set', { From_Account: A, ProfileItem: [{ Tag: 'Tag_Profile_IM_SelfSignature', Value: 'set by admin' }] });
assert.equal(r.ErrorCode, 0, JSON.stringify(r));
const p = (await pushed).data[0];
assert.equal(p.userID, A);
assert.equal(p.nick, opts.nick, 'the rest of the profile is kept');
assert.equal((await alice.getMyProfile()).data.selfSignature, 'set by admin');

await alice.destroy();
await bob.destroy();
await carol.destroy();
console.log('ok: profiles through the tim-wasm package in Node');
process.exit(0);

// Conformance: the official Web SDK (tim-js-sdk 2.27.6) against tim-server, user profiles, with
// our SDK on the other end to compare the Profile objects both hand out.
//
// Needs what official-c2c.mjs needs (Node 20+, `tim-js-sdk@2.27.6` and `ws` resolvable, a
// tim-server in demo mode) and the built package (dist/pkg); run it the same way:
//
//   TIM_URL=http://127.0.0.1:8080 node tests/conformance/official-profiles.mjs
//
// What it checks: the official SDK's getMyProfile right after SDK_READY; updateMyProfile with
// every standard field resolves the updated profile and fires PROFILE_UPDATED; another
// official instance reads it with getUserProfile (unknown IDs left out, 130 IDs truncated to
// 100 without an error), and our SDK reads the very same Profile (same keys, types and values);
// a custom field registered over REST round-trips; the server's refusals (40605, 40009) reach
// the app; a change by the REST admin reaches the official instance as PROFILE_UPDATED (the
// ProfileDataMod push); tim-js-sdk's own checks (2721) stay local.
// Env as official-c2c.mjs (TIM_URL, TIM_USERSIG_URL, TIM_SDK_MODULE, TIM_SDK_LOG).
import { createRequire } from 'node:module';
import { client, fail, until, userSig, TIM_URL, must } from './node-env.mjs';

const require = createRequire(import.meta.url);
const OURS = new URL('../../dist/pkg/tim-js.js', import.meta.url).pathname;

async function refused(what, p, code) {
  try {
    await p;
  } catch (e) {
    if (e.code !== code) fail(`${what}: code ${e.code}, expected ${code}`);
    return;
  }
  fail(`${what} resolved, expected ${code}`);
}
async function rest(path, body) {
  const s = await userSig('administrator');
  const q = `sdkappid=${s.SDKAppID}&identifier=administrator&usersig=${encodeURIComponent(s.userSig)}&random=1&contenttype=json`;
  return (await fetch(`${TIM_URL}/v4/${path}?${q}`, { method: 'POST', body: JSON.stringify(body) })).json();
}
/** The data of a Profile as plain JSON (the official SDK's is a class instance). */
const data = (p) => JSON.parse(JSON.stringify(p));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const tag = `${Date.now()}`;
const alice = await client(`palice${tag}`);
const bob = await client(`pbob${tag}`);
const profileEvents = [];
alice.tim.on(alice.TIM.EVENT.PROFILE_UPDATED, (e) => profileEvents.push(...e.data));
const T = alice.TIM.TYPES;

const mine = (await must('getMyProfile', alice.tim.getMyProfile())).data;
if (mine.userID !== alice.userID || mine.gender !== '' || mine.allowType !== T.ALLOW_TYPE_ALLOW_ANY) fail(`getMyProfile ${JSON.stringify(mine)}`);
const KEYS = Object.keys(data(mine)).sort();
console.log('getMyProfile keys', KEYS.join(','));

const opts = {
  nick: 'Alice', avatar: 'http://example.com/a.png', gender: T.GENDER_FEMALE, selfSignature: 'hello',
  allowType: T.ALLOW_TYPE_NEED_CONFIRM, birthday: 20000101, location: '86 44 3 1', language: 2052,
  messageSettings: 1, level: 7, role: 3,
};
const up = (await must('updateMyProfile', alice.tim.updateMyProfile(opts))).data;
for (const [k, v] of Object.entries(opts)) if (up[k] !== v) fail(`updateMyProfile ${k}: ${up[k]}`);
await until('PROFILE_UPDATED after updateMyProfile', () => profileEvents.some((p) => p.nick === 'Alice'));
console.log('updateMyProfile ok, PROFILE_UPDATED');

const got = (await must('getUserProfile', bob.tim.getUserProfile({ userIDList: [alice.userID, `nobody${tag}`] }))).data;
if (got.length !== 1) fail(`getUserProfile returned ${got.length} profiles: ${JSON.stringify(got)}`);
for (const [k, v] of Object.entries(opts)) if (got[0][k] !== v) fail(`getUserProfile ${k}: ${got[0][k]}`);
const many = Array.from({ length: 130 }, (_, i) => `u${i}x${tag}`);
const none = (await must('getUserProfile of 130', bob.tim.getUserProfile({ userIDList: many }))).data;
if (none.length !== 0) fail(`130 unknown IDs gave ${none.length}`);
console.log('getUserProfile ok');

// Our SDK reads the same Profile as the official one does.
const TIMw = require(OURS);
const carolID = `pcarol${tag}`;
const sc = await userSig(carolID);
const carol = TIMw.create({ SDKAppID: sc.SDKAppID, proxyServer: TIM_URL.replace(/^http/, 'ws') });
let carolReady = false;
carol.on(TIMw.EVENT.SDK_READY, () => { carolReady = true; });
await carol.login({ userID: carolID, userSig: sc.userSig });
await until('our SDK SDK_READY', () => carolReady);
const ours = (await must('our getUserProfile', carol.getUserProfile({ userIDList: [alice.userID] }))).data;
if (!same(Object.keys(ours[0]).sort(), KEYS)) fail(`our Profile keys ${Object.keys(ours[0]).sort()} vs ${KEYS}`);
const official = data(got[0]);
const ordered = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
if (!same(ordered(ours[0]), ordered(official))) fail(`Profiles differ:\n  ours     ${JSON.stringify(ordered(ours[0]))}\n  official ${JSON.stringify(ordered(official))}`);
const ourMine = (await must('our getMyProfile', carol.getMyProfile())).data;
const offMine = data((await must('official getMyProfile of a fresh user', bob.tim.getMyProfile())).data);
for (const k of KEYS) if (typeof ourMine[k] !== typeof offMine[k]) fail(`getMyProfile ${k}: ${typeof ourMine[k]} vs ${typeof offMine[k]}`);
console.log('our SDK hands out the same Profile');

// Custom fields.
const reg = await rest('profile/custom_field_add', { FieldList: [{ Tag: 'Tag_Profile_Custom_Hobby', Type: 'String' }] });
if (reg.ErrorCode !== 0) fail(`custom_field_add ${JSON.stringify(reg)}`);
const custom = [{ key: 'Tag_Profile_Custom_Hobby', value: 'chess' }];
const withHobby = (await must('updateMyProfile custom', alice.tim.updateMyProfile({ profileCustomField: custom }))).data;
if (!same(withHobby.profileCustomField, custom)) fail(`custom after update ${JSON.stringify(withHobby.profileCustomField)}`);
const bobSees = (await must('getUserProfile custom', bob.tim.getUserProfile({ userIDList: [alice.userID] }))).data[0];
if (!same(bobSees.profileCustomField, custom)) fail(`custom read ${JSON.stringify(bobSees.profileCustomField)}`);
console.log('custom field ok');

// Refusals: the server's codes reach the app; tim-js-sdk's own checks stay local.
await refused('location over 16 bytes', alice.tim.updateMyProfile({ location: '12345678901234567' }), 40605);
await refused('unregistered custom field', alice.tim.updateMyProfile({ profileCustomField: [{ key: 'Tag_Profile_Custom_Nope', value: 'x' }] }), 40009);
await refused('bad gender', alice.tim.updateMyProfile({ gender: 'male' }), 2721);
console.log('refusals ok');

// A change by the REST admin: the ProfileDataMod push becomes PROFILE_UPDATED.
const r = await rest('profile/portrait_set', { From_Account: alice.userID, ProfileItem: [{ Tag: 'Tag_Profile_IM_SelfSignature', Value: 'set by admin' }, { Tag: 'Tag_Profile_IM_Level', Value: 9 }] });
if (r.ErrorCode !== 0) fail(`portrait_set ${JSON.stringify(r)}`);
const pushed = await until('PROFILE_UPDATED from the push', () => profileEvents.find((p) => p.selfSignature === 'set by admin'));
if (pushed.level !== 9 || pushed.nick !== 'Alice') fail(`pushed profile ${JSON.stringify(pushed)}`);
if ((await alice.tim.getMyProfile()).data.selfSignature !== 'set by admin') fail('getMyProfile after the push');
console.log('push ok');

for (const c of [alice, bob]) {
  await c.tim.logout();
  await c.tim.destroy().catch(() => {});
}
await carol.destroy();
console.log('OK');
process.exit(0);

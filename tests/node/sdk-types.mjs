// The TypeScript declarations against what the SDK really hands out: our built package
// (dist/pkg/tim-js.js) in Node, two users on a running tim-server doing what apps do (one-to-one
// and group messages, conversations and their groups, groups and members, attributes,
// counters and topics, profiles). Every event object and resolved result is recorded as JSON
// (own enumerable data: what JSON.stringify gives, `_` internals left out, as the spec's shapes
// do) and written into a .ts file as a literal of its declared type, e.g.
//   export const v12: Plain<TIM.EventMap['onMessageReceived']> = [{"ID": …}];
// which `tsc --noEmit --strict` then compiles against the package's d.ts. An object literal gets
// TypeScript's excess-property check, so a field the SDK hands out and the d.ts does not
// declare fails, as does a declared field that is missing or of another type. (Plain<T> drops
// the prototype getters, which are not own data.)
//
//   TIM_URL=http://127.0.0.1:8080 node tests/node/sdk-types.mjs
import { createRequire } from 'node:module';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
globalThis.WebSocket = require('ws');
const root = new URL('../../', import.meta.url).pathname;
const pkg = join(root, 'dist', 'pkg');
const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const WS_URL = TIM_URL.replace(/^http/, 'ws');

function loadTim() {
  const path = join(pkg, 'tim-js.js');
  delete require.cache[path];
  // The package shares one TIM per process through globalThis: drop it for an independent copy.
  delete globalThis[Symbol.for('tim-wasm.TIM')];
  return require(path);
}
async function sig(userID) {
  const r = await fetch(`${TIM_URL}/dev/usersig?userID=${encodeURIComponent(userID)}`);
  assert.equal(r.status, 200, 'demo userSig endpoint');
  return r.json();
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, pred, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------- recording
const records = [];
const seen = new Map(); // event name -> count, per user
// Own enumerable data without the SDK's `_` internals (what the spec's shapes list).
const plain = (v) => JSON.parse(JSON.stringify(v, (k, x) => (k.startsWith('_') ? undefined : x)));
function record(type, value, what) {
  records.push({ type, value: plain(value), what });
}
function listen(tim, who, EVENT) {
  for (const name of Object.values(EVENT)) {
    tim.on(name, (event) => {
      seen.set(`${who}:${name}`, (seen.get(`${who}:${name}`) || 0) + 1);
      record(`TIM.EventMap[${JSON.stringify(name)}]`, event, `${who}: event ${name}`);
    });
  }
}
// Call instance method `m` and record what it resolved with.
async function call(tim, m, ...args) {
  const r = await tim[m](...args);
  record(`Awaited<ReturnType<TIM.ChatSDK[${JSON.stringify(m)}]>>`, r, `${m}() result`);
  return r;
}

// ---------------------------------------------------------------- what apps do
const run = Date.now().toString(36);
const A = `talice_${run}`, B = `tbob_${run}`;
const sa = await sig(A), sb = await sig(B);
const TIM = loadTim();
const alice = TIM.create({ SDKAppID: sa.SDKAppID, proxyServer: WS_URL });
const bob = loadTim().create({ SDKAppID: sb.SDKAppID, proxyServer: WS_URL });
listen(alice, 'alice', TIM.EVENT);
listen(bob, 'bob', TIM.EVENT);

await call(alice, 'login', { userID: A, userSig: sa.userSig });
await call(bob, 'login', { userID: B, userSig: sb.userSig });
await until('SDK_READY', () => seen.get(`alice:${TIM.EVENT.SDK_READY}`) && seen.get(`bob:${TIM.EVENT.SDK_READY}`));

// One-to-one: text, custom; the peer reads them.
const text = alice.createTextMessage({ to: B, conversationType: TIM.TYPES.CONV_C2C, payload: { text: 'hello' } });
record('TIM.MessageOf<"TIMTextElem">', text, 'createTextMessage()');
await call(alice, 'sendMessage', text);
const custom = alice.createCustomMessage({ to: B, conversationType: TIM.TYPES.CONV_C2C, payload: { data: '{"k":1}', description: 'd', extension: 'e' } });
record('TIM.MessageOf<"TIMCustomElem">', custom, 'createCustomMessage()');
await call(alice, 'sendMessage', custom, { onlineUserOnly: false });
const received = () => records.filter((r) => r.what === `bob: event ${TIM.EVENT.MESSAGE_RECEIVED}`).flatMap((r) => r.value.data);
await until('bob receives both', () => received().filter((m) => m.from === A).length >= 2);
await call(bob, 'getMessageList', { conversationID: `C2C${A}`, count: 15 });
await call(bob, 'setMessageRead', { conversationID: `C2C${A}` });
await until('MESSAGE_READ_BY_PEER', () => seen.get(`alice:${TIM.EVENT.MESSAGE_READ_BY_PEER}`));
record('number', bob.getTotalUnreadMessageCount(), 'getTotalUnreadMessageCount()');

// Conversations and conversation groups.
await call(bob, 'getConversationList');
await call(bob, 'getConversationProfile', `C2C${A}`);
await call(bob, 'pinConversation', { conversationID: `C2C${A}`, isPinned: true });
await call(bob, 'markConversation', { conversationIDList: [`C2C${A}`], markType: TIM.TYPES.CONV_MARK_TYPE_STAR, enableMark: true });
await call(bob, 'setConversationCustomData', { conversationIDList: [`C2C${A}`], customData: 'x' });
await call(bob, 'setConversationDraft', { conversationID: `C2C${A}`, draftText: 'draft' });
await call(bob, 'createConversationGroup', { groupName: 'friends', conversationIDList: [`C2C${A}`] });
await call(bob, 'getConversationGroupList');
await call(bob, 'deleteConversationsFromGroup', { groupName: 'friends', conversationIDList: [`C2C${A}`] });
await call(bob, 'addConversationsToGroup', { groupName: 'friends', conversationIDList: [`C2C${A}`] });
await call(bob, 'renameConversationGroup', { oldName: 'friends', newName: 'mates' });
await call(bob, 'deleteConversationGroup', 'mates');

// Groups: a Public group with bob, a text and an @ message, members, roles.
const created = await call(alice, 'createGroup', { name: 'Types', type: TIM.TYPES.GRP_PUBLIC, memberList: [{ userID: B }] });
const gid = created.data.group.groupID;
const at = alice.createTextAtMessage({ to: gid, conversationType: TIM.TYPES.CONV_GROUP, payload: { text: '@bob hi', atUserList: [B] } });
await call(alice, 'sendMessage', at);
await call(alice, 'getGroupList');
await call(alice, 'getGroupProfile', { groupID: gid });
await call(alice, 'getGroupMemberList', { groupID: gid, count: 10 });
await call(alice, 'getGroupMemberProfile', { groupID: gid, userIDList: [B] });
await call(alice, 'setGroupMemberRole', { groupID: gid, userID: B, role: TIM.TYPES.GRP_MBR_ROLE_ADMIN });
await call(alice, 'setGroupMemberNameCard', { groupID: gid, userID: B, nameCard: 'Bobby' });
await call(alice, 'updateGroupProfile', { groupID: gid, introduction: 'about types' });
await call(alice, 'searchGroupByID', gid);
await call(alice, 'getGroupApplicationList');
await call(alice, 'setGroupCounters', { groupID: gid, counters: { likes: 1 } });
await call(alice, 'increaseGroupCounter', { groupID: gid, key: 'likes', value: 2 });
await call(alice, 'getGroupCounters', { groupID: gid, keyList: ['likes'] });
await call(alice, 'initGroupAttributes', { groupID: gid, groupAttributes: { topic: 'types' } });
await call(alice, 'getGroupAttributes', { groupID: gid, keyList: [] });
await until('bob gets the group messages', () => received().some((m) => m.conversationID === `GROUP${gid}`));
const bobs = await call(bob, 'getGroupList');
assert.ok(bobs.data.groupList.some((g) => g.groupID === gid));
await call(bob, 'quitGroup', gid);

// A community with a topic.
const either = (name) => seen.get(`alice:${name}`) || seen.get(`bob:${name}`);
const community = await call(alice, 'createGroup', { name: 'Community', type: TIM.TYPES.GRP_COMMUNITY, isSupportTopic: true, memberList: [{ userID: B }] });
const cid = community.data.group.groupID;
await call(bob, 'getJoinedCommunityList');
const topic = await call(alice, 'createTopicInCommunity', { groupID: cid, topicName: 'general' });
await until('TOPIC_CREATED', () => either(TIM.EVENT.TOPIC_CREATED));
await call(bob, 'getTopicList', { groupID: cid });
await call(alice, 'updateTopicProfile', { groupID: cid, topicID: topic.data.topicID, introduction: 'talk' });
await until('TOPIC_UPDATED', () => either(TIM.EVENT.TOPIC_UPDATED));
await call(alice, 'getTopicList', { groupID: cid });
await call(alice, 'deleteTopicFromCommunity', { groupID: cid, topicIDList: [topic.data.topicID] });
await until('TOPIC_DELETED', () => either(TIM.EVENT.TOPIC_DELETED));
await call(alice, 'dismissGroup', cid);

// Profiles.
await call(alice, 'updateMyProfile', { nick: 'Alice', gender: TIM.TYPES.GENDER_FEMALE });
await call(alice, 'getMyProfile');
await call(alice, 'getUserProfile', { userIDList: [B] });
await until('PROFILE_UPDATED', () => seen.get(`alice:${TIM.EVENT.PROFILE_UPDATED}`));
await sleep(1200); // the throttled list events' trailing emit

await call(bob, 'logout');
await call(alice, 'destroy');
await bob.destroy().catch(() => {});

// Every event this test makes happen was seen (so each is checked below).
for (const [who, name] of [['alice', 'SDK_READY'], ['alice', 'NET_STATE_CHANGE'], ['bob', 'MESSAGE_RECEIVED'], ['alice', 'MESSAGE_READ_BY_PEER'],
  ['bob', 'CONVERSATION_LIST_UPDATED'], ['bob', 'TOTAL_UNREAD_MESSAGE_COUNT_UPDATED'], ['bob', 'CONVERSATION_GROUP_LIST_UPDATED'],
  ['bob', 'CONVERSATION_IN_GROUP_UPDATED'], ['alice', 'GROUP_LIST_UPDATED'], ['alice', 'GROUP_ATTRIBUTES_UPDATED'],
  ['alice', 'PROFILE_UPDATED'],
  ['bob', 'SDK_NOT_READY'], ['alice', 'SDK_DESTROY']]) {
  assert.ok(seen.get(`${who}:${TIM.EVENT[name]}`), `${who} saw ${name}`);
}

// ---------------------------------------------------------------- compile them as their types
const dir = mkdtempSync(join(tmpdir(), 'tim-sdk-types-'));
cpSync(pkg, join(dir, 'node_modules', 'tim-wasm'), { recursive: true });
writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture-sdk-types', private: true, type: 'module' }));
const lines = [
  '// Generated by tests/node/sdk-types.mjs from what the SDK handed out: do not edit.',
  "import type TIM from 'tim-wasm';",
  "type Getters = 'elements' | 'getElements' | 'toAccount' | 'subType' | 'memberNum' | 'maxMemberNum';",
  'type Plain<T> = T extends (infer U)[] ? Plain<U>[] : T extends object ? { [K in keyof T as K extends Getters ? never : K]: Plain<T[K]> } : T;',
];
records.forEach((r, i) => lines.push(`// ${r.what}`, `export const v${i}: Plain<${r.type}> = ${JSON.stringify(r.value)};`));
writeFileSync(join(dir, 'shapes.ts'), lines.join('\n') + '\n');
try {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--target', 'es2020', '--module', 'esnext', '--moduleResolution', 'bundler', 'shapes.ts'],
    { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
} catch (e) {
  console.error(`FAIL: what the SDK handed out does not match its declared types (${join(dir, 'shapes.ts')}):\n${e.stdout || ''}${e.stderr || ''}`);
  process.exit(1);
}
rmSync(dir, { recursive: true, force: true });
console.log(`ok: ${records.length} event objects and results the SDK handed out match the d.ts (tsc --strict, excess properties checked)`);
process.exit(0);

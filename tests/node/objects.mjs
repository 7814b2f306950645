// What apps written for tim-js-sdk rely on in the objects and answers they get, checked on our
// package and, with TIM_SDK=official, on the official tim-js-sdk 2.27.6 against the same server
// (the control: every assertion here holds for the official SDK too).
// - Layout: Message, Conversation, Group, GroupMember are class instances with data as own
//   enumerable properties and the getters (toAccount, subType, elements, memberNum,
//   maxMemberNum) on the prototype; immer's produce with auto-freeze takes them.
// - Identity: one Message object per message, updated in place: sendMessage resolves with the
//   created object, getMessageList lists it, MESSAGE_READ_BY_PEER carries it and turns its
//   isPeerRead to true (also when nobody listens to the event).
// - setMessageRead on a conversation not in the list (just opened; a group just joined) resolves.
// - A call in flight at logout leaves no unhandled rejection.
// - The group system notice conversation shows `[群系统通知]` and is not in the total unread.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/node/objects.mjs
//   TIM_SDK=official TIM_URL=http://127.0.0.1:8080 node tests/node/objects.mjs
import './../conformance/node-env.mjs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { produce, setAutoFreeze } from 'immer';

const require = createRequire(import.meta.url);
const OFFICIAL = process.env.TIM_SDK === 'official';
// TIM_PKG: another build of our package (e.g. an older one, to see a check fail).
const SDK = OFFICIAL ? require.resolve('tim-js-sdk/tim-js-friendship.js') : process.env.TIM_PKG || new URL('../../dist/pkg/tim-js.js', import.meta.url).pathname;
const TIM_URL = (process.env.TIM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const WS_URL = TIM_URL.replace(/^http/, 'ws');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const unhandled = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

function loadTim() {
  delete require.cache[SDK];
  // Our package shares one TIM per process through globalThis: drop it for an independent copy.
  delete globalThis[Symbol.for('tim-wasm.TIM')];
  return require(SDK);
}
async function until(what, pred, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
async function login(userID) {
  const { SDKAppID, userSig } = await (await fetch(`${TIM_URL}/dev/usersig?userID=${encodeURIComponent(userID)}`)).json();
  const TIM = loadTim();
  const tim = TIM.create({ SDKAppID, proxyServer: WS_URL });
  tim.setLogLevel(4);
  let ready = false;
  const c = { userID, TIM, tim, received: [], readByPeer: [] };
  tim.on(TIM.EVENT.SDK_READY, () => { ready = true; });
  tim.on(TIM.EVENT.MESSAGE_RECEIVED, (e) => c.received.push(...e.data));
  await tim.login({ userID, userSig });
  await until(`${userID} SDK_READY`, () => ready);
  return c;
}
const conversation = async (c, id) => (await c.tim.getConversationList()).data.conversationList.find((x) => x.conversationID === id);

// The names of the accessor properties on an object's prototype chain (below Object.prototype).
function protoAccessors(o) {
  const names = [];
  for (let p = Object.getPrototypeOf(o); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(p))) if (d.get) names.push(k);
  }
  return names.sort();
}
function assertLayout(what, o, getters) {
  assert.notEqual(Object.getPrototypeOf(o), Object.prototype, `${what} is a class instance`);
  const own = Object.getOwnPropertyDescriptors(o);
  const ownAccessors = Object.keys(own).filter((k) => own[k].get || own[k].set);
  assert.deepEqual(ownAccessors, [], `${what} has no own accessor`);
  assert.ok(Object.values(own).every((d) => d.enumerable), `${what}'s own properties are enumerable`);
  for (const g of getters) {
    assert.ok(!(g in own), `${what}.${g} is not own`);
    assert.ok(protoAccessors(o).includes(g), `${what}.${g} is a getter on the prototype`);
  }
}

const run = `${OFFICIAL ? 'o' : 'w'}${Date.now().toString(36)}`;
const alice = await login(`alice_${run}`);
const bob = await login(`bob_${run}`);
const T = alice.TIM.TYPES;

// --- One Message object per message.
const m1 = alice.tim.createTextMessage({ to: bob.userID, conversationType: T.CONV_C2C, payload: { text: 'one' } });
const sent = await alice.tim.sendMessage(m1);
assert.equal(sent.data.message, m1, 'sendMessage resolves with the created object');
assert.equal(m1.status, 'success');
await until('bob receives', () => bob.received.length === 1);
const listA = (await alice.tim.getMessageList({ conversationID: `C2C${bob.userID}`, count: 15 })).data.messageList;
assert.ok(listA.includes(m1), "alice's history lists the created object itself");
const listB = (await bob.tim.getMessageList({ conversationID: `C2C${alice.userID}`, count: 15 })).data.messageList;
assert.equal(listB[listB.length - 1], bob.received[0], "bob's history lists the received object itself");

const readEvents = [];
const onRead = (e) => readEvents.push(e.data);
alice.tim.on(alice.TIM.EVENT.MESSAGE_READ_BY_PEER, onRead);
await bob.tim.setMessageRead({ conversationID: `C2C${alice.userID}` });
await until('MESSAGE_READ_BY_PEER', () => readEvents.length > 0);
assert.ok(readEvents[0].includes(m1), 'MESSAGE_READ_BY_PEER carries the created object');
assert.equal(m1.isPeerRead, true, "the app's own object turned read");

// Nobody listens to MESSAGE_READ_BY_PEER: the app's object is still updated.
alice.tim.off(alice.TIM.EVENT.MESSAGE_READ_BY_PEER, onRead);
const m2 = alice.tim.createTextMessage({ to: bob.userID, conversationType: T.CONV_C2C, payload: { text: 'two' } });
await alice.tim.sendMessage(m2);
await until('bob receives two', () => bob.received.length === 2);
await bob.tim.setMessageRead({ conversationID: `C2C${alice.userID}` });
await until('m2 read by peer without a listener', () => m2.isPeerRead === true);

// --- Layout of the objects handed out.
assertLayout('Message', m1, ['elements']);
assert.equal(m1.elements.length, 1);
const convA = await conversation(alice, `C2C${bob.userID}`);
assertLayout('Conversation', convA, ['toAccount', 'subType']);
assert.equal(convA.toAccount, bob.userID);
assert.equal(convA.subType, '');
assert.equal(JSON.parse(JSON.stringify(convA)).conversationID, convA.conversationID);

const created = (await alice.tim.createGroup({ type: T.GRP_WORK, name: 'layout', memberList: [{ userID: bob.userID }] })).data.group;
assertLayout('Group', created, ['memberNum', 'maxMemberNum']);
const group = (await alice.tim.getGroupProfile({ groupID: created.groupID })).data.group;
assertLayout('Group (getGroupProfile)', group, ['memberNum', 'maxMemberNum']);
assert.equal(group.memberNum, group.memberCount, 'memberNum mirrors memberCount');
assert.equal(group.memberCount, 2);
const members = (await alice.tim.getGroupMemberList({ groupID: created.groupID, count: 30, offset: 0 })).data.memberList;
assert.equal(members.length, 2);
assertLayout('GroupMember', members[0], []);
const convG = await until('group conversation', () => conversation(alice, `GROUP${created.groupID}`));
assert.equal(convG.subType, T.GRP_WORK, 'subType of a group conversation is its group type');
assert.equal(convG.toAccount, created.groupID);

// immer with auto-freeze (the default) takes the objects as tim-js-sdk's.
setAutoFreeze(true);
const state = produce({ conv: null, messages: [] }, (d) => { d.conv = convA; d.messages = listA; d.group = group; d.members = members; });
assert.equal(state.conv.toAccount, bob.userID);
assert.ok(state.messages.includes(m1), 'immer keeps the SDK objects as they are');
// ... and the SDK still updates the message in place afterwards.
const m3 = alice.tim.createTextMessage({ to: bob.userID, conversationType: T.CONV_C2C, payload: { text: 'three' } });
produce({}, (d) => { d.m = m3; });
await alice.tim.sendMessage(m3);
assert.equal(m3.status, 'success');

// --- setMessageRead on a conversation not in the list resolves.
const fresh = await alice.tim.setMessageRead({ conversationID: `C2Cnobody_${run}` });
assert.equal(fresh.code, 0, 'a just-opened C2C conversation');
const pub = (await bob.tim.createGroup({ type: T.GRP_PUBLIC, name: 'open', joinOption: T.JOIN_OPTIONS_FREE_ACCESS })).data.group.groupID;
const carol = await login(`carol_${run}`);
await carol.tim.joinGroup({ groupID: pub, type: T.GRP_PUBLIC });
assert.equal((await carol.tim.setMessageRead({ conversationID: `GROUP${pub}` })).code, 0, 'a group just joined');

// --- The group system notice conversation: placeholder text, not in the total unread.
const gated = (await bob.tim.createGroup({ type: T.GRP_PUBLIC, name: 'gated', joinOption: T.JOIN_OPTIONS_NEED_PERMISSION })).data.group.groupID;
await alice.tim.joinGroup({ groupID: gated, applyMessage: 'let me in' });
const sys = await until('@TIM#SYSTEM conversation', async () => {
  const c = await conversation(bob, '@TIM#SYSTEM');
  return c && c.unreadCount > 0 ? c : null;
});
assert.equal(sys.lastMessage.messageForShow, '[群系统通知]');
assert.equal(sys.toAccount, '');
const others = (await bob.tim.getConversationList()).data.conversationList.filter((c) => c.conversationID !== '@TIM#SYSTEM');
const othersUnread = others.reduce((n, c) => n + c.unreadCount, 0);
assert.equal(bob.tim.getTotalUnreadMessageCount(), othersUnread, 'the total unread leaves out @TIM#SYSTEM');
const bobC2C = await conversation(alice, `C2C${bob.userID}`);
assert.equal(bobC2C.lastMessage.messageForShow, 'three');

// --- A call in flight at logout leaves no unhandled rejection.
carol.tim.getGroupList();
await carol.tim.logout();
await sleep(500);
assert.deepEqual(unhandled.map(String), [], 'no unhandled rejection');

for (const c of [alice, bob]) await c.tim.logout();
console.log(`ok: objects, identity and calls that must not fail (${OFFICIAL ? 'official tim-js-sdk' : 'tim-wasm'})`);
process.exit(0);

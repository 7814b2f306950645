// Conformance: the official Mini Program SDK (tim-wx-sdk 2.27.6) in a simulated WeChat runtime
// (wx-env.mjs) against tim-server: the runtime is simulated, the server and the SDK are real.
//
// Needs what official-c2c.mjs needs plus `tim-wx-sdk@2.27.6` (a dev dependency); run it the same
// way:
//
//   TIM_URL=http://127.0.0.1:8080 node tests/conformance/official-wx.mjs
//
// What it checks: bob logs in with tim-wx-sdk in the simulated Mini Program, alice with tim-js-sdk
// in Node; one-to-one messages go both ways live (22 of them, more than one page of the SDK's
// recovery) and a Work group message reaches bob live; bob reads both conversations. A short trip
// to the background (under 5 s) changes nothing: the next message comes live. Then bob's app
// goes to the background and WeChat suspends it 5 s later: its socket is cut and nothing of it
// runs. alice then sends three one-to-one messages and two group messages, which bob misses.
// When the app comes back, the SDK reconnects and recovers them (one-to-one with
// `openim.getroammsg` GetDirection 1 from its last message's time, groups by sequence): every
// missed message arrives exactly once, in order, through MESSAGE_RECEIVED, the conversations show
// unread 3 and 2, and the SDK logs no error, emits no ERROR event and leaves no unhandled
// rejection. Against a server whose getroammsg pages older whatever the direction, the SDK asks
// the same page again and again and the missed messages never arrive. Set TIM_SDK_LOG=1 for the
// Mini Program SDK's own log.
//
// Env: TIM_URL, TIM_USERSIG_URL, TIM_SDK_LOG as official-c2c.mjs.
import { createRequire } from 'node:module';
import { client, fail, sleep, until, must, userSig, TIM_URL } from './node-env.mjs';
import { createWxRuntime } from './wx-env.mjs';

const require = createRequire(import.meta.url);
const rejections = [];
process.on('unhandledRejection', (e) => {
  rejections.push(e);
  console.log('unhandled rejection:', e && (e.stack || e.message || e));
});

const tag = `${Date.now()}`;
const texts = (list) => list.map((m) => m.payload && m.payload.text);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// bob: tim-wx-sdk in the simulated Mini Program.
const env = createWxRuntime({ domains: [new URL(TIM_URL).host], log: !!process.env.TIM_SDK_LOG });
const WxTIM = env.load(require.resolve('tim-wx-sdk/tim-wx.js'));
const bobID = `wxbob${tag}`;
const bob = { userID: bobID, received: [], sdkErrors: [], states: [], ready: false };
{
  const { SDKAppID, userSig: sig } = await userSig(bobID);
  bob.tim = WxTIM.create({ SDKAppID, proxyServer: TIM_URL.replace(/^http/, 'ws') });
  bob.tim.setLogLevel(process.env.TIM_SDK_LOG ? 0 : 3); // 3: errors only (they are recorded)
  const E = WxTIM.EVENT;
  bob.tim.on(E.SDK_READY, () => { bob.ready = true; });
  bob.tim.on(E.MESSAGE_RECEIVED, (e) => bob.received.push(...e.data));
  bob.tim.on(E.ERROR, (e) => bob.sdkErrors.push(e.data));
  bob.tim.on(E.NET_STATE_CHANGE, (e) => bob.states.push(e.data.state));
  bob.tim.on(E.KICKED_OUT, (e) => fail(`bob kicked out: ${e.data.type}`));
  await must('bob login (tim-wx-sdk)', bob.tim.login({ userID: bobID, userSig: sig }));
  await until('bob SDK_READY', () => bob.ready);
}
if (env.openSockets !== 1) fail(`the Mini Program has ${env.openSockets} sockets open, expected 1`);
console.log('bob (tim-wx-sdk, simulated WeChat runtime) SDK_READY');

// alice: tim-js-sdk in Node.
const alice = await client(`wxalice${tag}`);
const T = alice.TIM.TYPES;
const send = async (to, text, type = T.CONV_C2C) => {
  const msg = alice.tim.createTextMessage({ to, conversationType: type, payload: { text } });
  return (await must(`alice sendMessage ${text}`, alice.tim.sendMessage(msg))).data.message;
};
const c2cID = `C2C${alice.userID}`;
const unreadOf = async (convID) => {
  const r = await must('bob getConversationList', bob.tim.getConversationList());
  return r.data.conversationList.find((c) => c.conversationID === convID)?.unreadCount;
};

// 1. One-to-one both ways live: a conversation longer than one recovery page (the SDK asks 16),
// whose last second holds only a few messages (the recovery pages by time alone).
const earlier = Array.from({ length: 20 }, (_, i) => `earlier ${i}`);
for (const t of earlier) await send(bobID, t);
await sleep(1100);
await send(bobID, 'live 1');
await until('bob receives live 1', () => bob.received.some((m) => m.payload?.text === 'live 1'));
const live = bob.received.find((m) => m.payload?.text === 'live 1');
if (live.conversationID !== c2cID || live.from !== alice.userID || live.flow !== 'in') {
  fail(`bob's live message ${JSON.stringify({ c: live.conversationID, from: live.from, flow: live.flow })}`);
}
{
  const reply = bob.tim.createTextMessage({ to: alice.userID, conversationType: WxTIM.TYPES.CONV_C2C, payload: { text: 'reply' } });
  await must('bob sendMessage', bob.tim.sendMessage(reply));
  await until('alice receives reply', () => alice.received.some((m) => m.payload?.text === 'reply' && m.from === bobID));
}
await until(`bob unread ${earlier.length + 1} from alice`, async () => (await unreadOf(c2cID)) === earlier.length + 1);
await must('bob setMessageRead', bob.tim.setMessageRead({ conversationID: c2cID }));
await until('bob unread 0 from alice', async () => (await unreadOf(c2cID)) === 0);
console.log(`one-to-one live both ways (${earlier.length + 2} messages), read`);

// 2. A Work group with bob in it; a group message live.
const groupID = (await must('alice createGroup', alice.tim.createGroup({
  type: T.GRP_WORK, name: 'wx recovery', memberList: [{ userID: bobID }],
}))).data.group.groupID;
const groupConvID = `GROUP${groupID}`;
await send(groupID, 'group live', T.CONV_GROUP);
await until('bob receives group live', () => bob.received.some((m) => m.payload?.text === 'group live'));
// tim-js-sdk's createGroup also sends a custom message "group_create": two unread.
await until('bob group unread 2', async () => (await unreadOf(groupConvID)) === 2);
await must('bob setMessageRead (group)', bob.tim.setMessageRead({ conversationID: groupConvID }));
await until('bob group unread 0', async () => (await unreadOf(groupConvID)) === 0);
console.log('group message live, read');

// 3. A short trip to the background (under WeChat's 5 s): the app keeps running and its socket.
{
  const suspended = env.hide();
  await send(bobID, 'while briefly hidden');
  await until('bob receives a message while briefly hidden', () => bob.received.some((m) => m.payload?.text === 'while briefly hidden'));
  env.show();
  if (await suspended) fail('the app was suspended within 5 s');
  if (env.openSockets !== 1) fail(`after a short background the Mini Program has ${env.openSockets} sockets`);
  await must('bob setMessageRead', bob.tim.setMessageRead({ conversationID: c2cID }));
  await until('bob unread 0 from alice', async () => (await unreadOf(c2cID)) === 0);
  console.log('short background: the message came live');
}

// 4. Background: suspended 5 s after hiding, socket cut; alice sends while bob cannot receive.
await sleep(1100); // the missed messages in a later second than bob's last one
const before = bob.received.length;
if (!(await env.hide())) fail('the app was not suspended');
if (env.openSockets !== 0) fail(`the suspended Mini Program still has ${env.openSockets} sockets`);
console.log('bob hidden and suspended, socket cut');
const missed = ['missed 1', 'missed 2', 'missed 3'];
const missedGroup = ['group missed 1', 'group missed 2'];
const missedIDs = [];
for (const t of missed) missedIDs.push((await send(bobID, t)).ID);
for (const t of missedGroup) missedIDs.push((await send(groupID, t, T.CONV_GROUP)).ID);
await sleep(1000);
if (bob.received.length !== before) fail('the suspended Mini Program received messages');
console.log('alice sent', missed.length, 'one-to-one and', missedGroup.length, 'group messages while bob was away');

// 5. Foreground: the SDK reconnects and recovers what it missed.
env.show();
const inC2C = () => bob.received.filter((m) => m.conversationID === c2cID);
const inGroup = () => bob.received.filter((m) => m.conversationID === groupConvID && m.type === WxTIM.TYPES.MSG_TEXT);
await until('bob recovers the missed one-to-one messages', () => missed.every((t) => inC2C().some((m) => m.payload?.text === t)), 20000);
await until('bob recovers the missed group messages', () => missedGroup.every((t) => inGroup().some((m) => m.payload?.text === t)), 20000);
await sleep(3000); // whatever else the recovery brings has come by now
if (!same(texts(inC2C()), [...earlier, 'live 1', 'while briefly hidden', ...missed])) fail(`bob's one-to-one MESSAGE_RECEIVED: ${JSON.stringify(texts(inC2C()))}`);
if (!same(texts(inGroup()), ['group live', ...missedGroup])) fail(`bob's group MESSAGE_RECEIVED: ${JSON.stringify(texts(inGroup()))}`);
const ids = bob.received.map((m) => m.ID);
if (new Set(ids).size !== ids.length) fail('a message came twice through MESSAGE_RECEIVED');
for (const id of missedIDs) if (!ids.includes(id)) fail(`missed message ${id} arrived with another ID`);
if (inC2C().some((m) => m.from !== alice.userID || m.flow !== 'in')) fail('a recovered one-to-one message has the wrong from/flow');
console.log('bob received every missed message once, in order');

const c2cUnread = await unreadOf(c2cID);
if (c2cUnread !== missed.length) fail(`bob's one-to-one unread ${c2cUnread}, expected ${missed.length}`);
const groupUnread = await unreadOf(groupConvID);
if (groupUnread !== missedGroup.length) fail(`bob's group unread ${groupUnread}, expected ${missedGroup.length}`);
console.log(`unread: one-to-one ${c2cUnread}, group ${groupUnread}`);

const list = await must('bob getMessageList', bob.tim.getMessageList({ conversationID: c2cID, count: 15 }));
if (!same(texts(list.data.messageList).slice(-6), ['live 1', 'reply', 'while briefly hidden', ...missed])) {
  fail(`bob's one-to-one history ${JSON.stringify(texts(list.data.messageList))}`);
}
if (!bob.states.includes(WxTIM.TYPES.NET_STATE_CONNECTED)) fail(`NET_STATE_CHANGE ${JSON.stringify(bob.states)}`);

if (env.errors.length) fail(`the Mini Program SDK logged errors: ${JSON.stringify(env.errors)}`);
if (bob.sdkErrors.length) fail(`the Mini Program SDK emitted ERROR: ${JSON.stringify(bob.sdkErrors)}`);
if (rejections.length) fail(`${rejections.length} unhandled rejection(s)`);
console.log('no error logged, no ERROR event, no unhandled rejection');

if (env.missing.size) console.log('wx members the SDK looked for that the runtime lacks:', [...env.missing].join(', '));
await bob.tim.logout();
await alice.tim.logout();
console.log('official-wx: ok');
process.exit(0);

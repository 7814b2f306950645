// Conformance: the official Web SDK (tim-js-sdk 2.27.6) against tim-server, groups.
//
// Needs what official-c2c.mjs needs (Node 20+, `tim-js-sdk@2.27.6` and `ws` resolvable, a
// tim-server in demo mode); run it the same way:
//
//   TIM_URL=http://127.0.0.1:8080 node tests/conformance/official-groups.mjs
//
// What it checks: alice creates a Public group (FreeAccess) and bob joins it (joinGroup
// JoinedSuccess); alice sends a group text; bob gets MESSAGE_RECEIVED with the text in
// conversation GROUP<id>, whose unreadCount is 1 with that last message; getMessageList on the
// group returns the messages (alice's and the SDK's own `group_create` custom message);
// getGroupList lists the group for bob; bob quits and the group leaves his list.
// Env as official-c2c.mjs (TIM_URL, TIM_USERSIG_URL, TIM_SDK_MODULE, TIM_SDK_LOG).
import { client, fail, until, must } from './node-env.mjs';


const tag = `${Date.now()}`;
const alice = await client(`galice${tag}`);
const bob = await client(`gbob${tag}`);
console.log('both SDK_READY');

const T = alice.TIM.TYPES;
const created = await must('createGroup', alice.tim.createGroup({
  type: T.GRP_PUBLIC, name: 'conformance', joinOption: T.JOIN_OPTIONS_FREE_ACCESS,
}));
const groupID = created.data.group.groupID;
if (!groupID || !groupID.startsWith('@TGS#')) fail(`groupID ${groupID}`);
console.log('alice created', groupID);
// The SDK sends its `group_create` custom message after createGroup resolves. Bob joins once it
// is sent: joining first makes it a message from alice after bob's join, unread like the text
// (unread 2; a race of this script, not of the server).
await until('alice group_create message sent', async () => {
  const r = await alice.tim.getMessageList({ conversationID: `GROUP${groupID}`, count: 15 });
  return r.data.messageList.some((m) => m.type === T.MSG_CUSTOM && m.payload.data === 'group_create' && m.status === 'success');
});

const joined = await must('joinGroup', bob.tim.joinGroup({ groupID, type: T.GRP_PUBLIC }));
if (joined.data.status !== bob.TIM.TYPES.JOIN_STATUS_SUCCESS) fail(`joinGroup status ${joined.data.status}`);
console.log('bob joined');

const text = 'hello group';
const msg = alice.tim.createTextMessage({ to: groupID, conversationType: T.CONV_GROUP, payload: { text } });
const sent = await must('sendMessage', alice.tim.sendMessage(msg));
if (!sent.data.message.sequence) fail('sent group message has no sequence');
console.log('alice sent, sequence', sent.data.message.sequence);

await until('bob MESSAGE_RECEIVED', () => bob.received.some((m) => m.payload && m.payload.text === text));
const got = bob.received.find((m) => m.payload && m.payload.text === text);
if (got.conversationID !== `GROUP${groupID}` || got.from !== alice.userID || got.flow !== 'in') {
  fail(`received message ${JSON.stringify({ c: got.conversationID, from: got.from, flow: got.flow })}`);
}
console.log('bob received', got.payload.text);

const conv = await until('bob group conversation with unread 1', async () => {
  const r = await bob.tim.getConversationList();
  const c = r.data.conversationList.find((x) => x.conversationID === `GROUP${groupID}`);
  return c && c.unreadCount === 1 ? c : null;
});
if (conv.lastMessage.payload.text !== text) fail(`lastMessage ${JSON.stringify(conv.lastMessage)}`);
console.log('bob conversation unread', conv.unreadCount);

const hist = await must('getMessageList', bob.tim.getMessageList({ conversationID: `GROUP${groupID}`, count: 15 }));
const htexts = hist.data.messageList.filter((m) => m.type === T.MSG_TEXT).map((m) => m.payload.text);
if (!htexts.includes(text)) fail(`history ${JSON.stringify(hist.data.messageList.map((m) => m.type))}`);
console.log('bob history', hist.data.messageList.map((m) => m.type));

const list = await must('getGroupList', bob.tim.getGroupList());
if (!list.data.groupList.some((g) => g.groupID === groupID)) fail('group not in bob getGroupList');

await must('quitGroup', bob.tim.quitGroup(groupID));
const after = await must('getGroupList', bob.tim.getGroupList());
if (after.data.groupList.some((g) => g.groupID === groupID)) fail('group still in bob list after quit');
console.log('bob quit');

for (const c of [alice, bob]) {
  await c.tim.logout();
  await c.tim.destroy().catch(() => {});
}
console.log('OK');
process.exit(0);

// Conformance: the official Web SDK (tim-js-sdk 2.27.6) against tim-server, what a device sees
// of what happened before it: a new device's unread counts, history hopping in both directions,
// and a new group member's view of the group's earlier messages.
//
// Needs what official-c2c.mjs needs (Node 20+, `tim-js-sdk@2.27.6` and `ws` resolvable, a
// tim-server in demo mode with the default `[groups] history_before_join = false`); run it the
// same way:
//
//   TIM_URL=http://127.0.0.1:8080 node tests/conformance/official-sync.mjs
//
// What it checks:
// - bob reads alice's messages on one device; a new device of bob logs in: alice's conversation
//   shows unread 0 while carol's unread messages still count (2.x counts every incoming message
//   the first `getmsg` brings as unread, so that sync must not bring read ones);
// - `getMessageListHopping` on a C2C conversation pages newer messages with direction 1 (from a
//   message time, as the Mini Program's missed-message recovery also asks) and older ones with
//   direction 0, each page the messages of the cursor's second on;
// - a user who joins a Public group does not get the messages sent before in getMessageList.
// Env as official-c2c.mjs (TIM_URL, TIM_USERSIG_URL, TIM_SDK_MODULE, TIM_SDK_LOG).
import { client, fail, sleep, until, must } from './node-env.mjs';


async function sendText(from, to, text, type) {
  const T = from.TIM.TYPES;
  const msg = from.tim.createTextMessage({ to, conversationType: type || T.CONV_C2C, payload: { text } });
  return (await must(`${from.userID} sendMessage`, from.tim.sendMessage(msg))).data.message;
}

const unreadOf = async (c, convID) => {
  const r = await c.tim.getConversationList();
  return r.data.conversationList.find((x) => x.conversationID === convID)?.unreadCount;
};
const texts = (list) => list.map((m) => m.payload && m.payload.text);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const tag = `${Date.now()}`;

// 1. A new device's unread counts.
{
  const alice = await client(`salice${tag}`);
  const carol = await client(`scarol${tag}`);
  const bob = await client(`sbob${tag}`);
  for (const t of ['a0', 'a1', 'a2']) await sendText(alice, bob.userID, t);
  for (const t of ['c0', 'c1']) await sendText(carol, bob.userID, t);
  await until('bob unread 3 from alice', async () => (await unreadOf(bob, `C2C${alice.userID}`)) === 3);
  await must('setMessageRead', bob.tim.setMessageRead({ conversationID: `C2C${alice.userID}` }));
  await until('bob unread 0 from alice', async () => (await unreadOf(bob, `C2C${alice.userID}`)) === 0);
  console.log('bob read alice on his first device');

  const bob2 = await client(bob.userID); // a new device (the first instance is kicked)
  await until('new device: carol unread 2', async () => (await unreadOf(bob2, `C2C${carol.userID}`)) === 2);
  await sleep(500); // the sync of the new device is over: nothing may change alice's count now
  const fromAlice = await unreadOf(bob2, `C2C${alice.userID}`);
  if (fromAlice !== 0) fail(`new device: alice's conversation shows unread ${fromAlice}, read on the first device`);
  console.log('new device: alice unread 0, carol unread 2');
  for (const c of [alice, carol, bob2]) {
    await c.tim.logout();
    await c.tim.destroy().catch(() => {});
  }
}

// 2. getMessageListHopping in both directions.
{
  const alice = await client(`halice${tag}`);
  const bob = await client(`hbob${tag}`);
  const sent = [];
  for (const t of ['h0', 'h1', 'h2']) sent.push(await sendText(alice, bob.userID, t));
  await sleep(1100); // the second half in a later second
  for (const t of ['h3', 'h4', 'h5']) sent.push(await sendText(alice, bob.userID, t));
  if (sent[3].time <= sent[2].time) fail('the two halves share a second');
  const conversationID = `C2C${alice.userID}`;
  const hop = async (time, direction) => (await must('getMessageListHopping',
    bob.tim.getMessageListHopping({ conversationID, time, direction, count: 3 }))).data;

  let r = await hop(sent[0].time, 1);
  if (!same(texts(r.messageList), ['h0', 'h1', 'h2']) || r.isCompleted) {
    fail(`newer from h0: ${JSON.stringify(texts(r.messageList))} completed ${r.isCompleted}`);
  }
  r = await hop(r.nextMessageTime, 1);
  if (!same(texts(r.messageList), ['h3', 'h4', 'h5']) || !r.isCompleted) {
    fail(`newer, next page: ${JSON.stringify(texts(r.messageList))} completed ${r.isCompleted}`);
  }
  console.log('hopping newer: h0-h2, h3-h5');
  r = await hop(sent[5].time, 0);
  if (!same(texts(r.messageList), ['h3', 'h4', 'h5']) || r.isCompleted) {
    fail(`older from h5: ${JSON.stringify(texts(r.messageList))} completed ${r.isCompleted}`);
  }
  r = await hop(r.nextMessageTime, 0);
  if (!same(texts(r.messageList), ['h0', 'h1', 'h2']) || !r.isCompleted) {
    fail(`older, next page: ${JSON.stringify(texts(r.messageList))} completed ${r.isCompleted}`);
  }
  console.log('hopping older: h3-h5, h0-h2');
  for (const c of [alice, bob]) {
    await c.tim.logout();
    await c.tim.destroy().catch(() => {});
  }
}

// 3. A new member of a Public group does not get the earlier messages.
{
  const alice = await client(`galice${tag}`);
  const bob = await client(`gbob${tag}`);
  const T = alice.TIM.TYPES;
  const created = await must('createGroup', alice.tim.createGroup({
    type: T.GRP_PUBLIC, name: 'history', joinOption: T.JOIN_OPTIONS_FREE_ACCESS,
  }));
  const groupID = created.data.group.groupID;
  await sendText(alice, groupID, 'before bob', T.CONV_GROUP);
  await must('joinGroup', bob.tim.joinGroup({ groupID, type: T.GRP_PUBLIC }));
  await sendText(alice, groupID, 'after bob', T.CONV_GROUP);
  await until('bob receives the message after joining',
    () => bob.received.some((m) => m.payload && m.payload.text === 'after bob'));
  const hist = await must('getMessageList', bob.tim.getMessageList({ conversationID: `GROUP${groupID}`, count: 15 }));
  const seen = hist.data.messageList.filter((m) => m.type === T.MSG_TEXT).map((m) => m.payload.text);
  if (!same(seen, ['after bob'])) fail(`new member's history ${JSON.stringify(seen)}`);
  if (hist.data.messageList.some((m) => m.type === T.MSG_CUSTOM)) fail('the group_create message from before joining');
  console.log('new member history', seen);
  for (const c of [alice, bob]) {
    await c.tim.logout();
    await c.tim.destroy().catch(() => {});
  }
}

console.log('OK');
process.exit(0);

// Conformance: the official Web SDK (tim-js-sdk 2.27.6) against tim-server, one-to-one text.
//
// Needs: Node 20+, npm packages `tim-js-sdk@2.27.6` and `ws` resolvable from this file
// (a node_modules up the tree, or NODE_PATH=/path/to/node_modules), and a running tim-server in
// demo mode:
//
//   (mkdir -p /tmp/conf && cd /tmp/conf && npm install tim-js-sdk@2.27.6 ws)
//   TIM_DEMO=1 TIM_LISTEN=127.0.0.1:8080 TIM_DATA_DIR=$(mktemp -d) cargo run -p tim-server &
//   TIM_URL=http://127.0.0.1:8080 node tests/conformance/official-c2c.mjs
//
// What it checks: two users log in (SDK_READY), alice sends two C2C texts, bob gets
// MESSAGE_RECEIVED in order, bob's conversation shows unread 2 and the last message, a second
// alice instance kicks the first (KICKED_OUT multipleAccount) and sees both messages in
// getMessageList history (flow "out"), setMessageRead clears bob's unread, bob's reply reaches
// the new alice instance live. Set TIM_SDK_LOG=1 for the SDK's own log.
//
// Env: TIM_URL (server base URL, default http://127.0.0.1:8080), TIM_USERSIG_URL (demo userSig
// endpoint, default $TIM_URL/dev/usersig), TIM_SDK_MODULE (default tim-js-sdk/tim-js-friendship.js;
// @tencentcloud/chat/index.js for 3.x). Exits 0 on success, 1 on failure.
import { client, fail, sleep, until } from './node-env.mjs';

const tag = `${Date.now()}`;
const alice = await client(`alice${tag}`);
const bob = await client(`bob${tag}`);
console.log('both SDK_READY');

// alice -> bob, twice
const texts = ['hello bob', 'second message'];
for (const text of texts) {
  const msg = alice.tim.createTextMessage({ to: bob.userID, conversationType: alice.TIM.TYPES.CONV_C2C, payload: { text } });
  const sent = await alice.tim.sendMessage(msg);
  if (sent.code !== 0) fail(`sendMessage code ${sent.code}`);
  if (!sent.data.message.time) fail('sent message has no time');
}
console.log('sent');

await until('bob MESSAGE_RECEIVED', () => bob.received.length >= texts.length);
const got = bob.received.map((m) => m.payload.text);
if (JSON.stringify(got) !== JSON.stringify(texts)) fail(`bob received ${JSON.stringify(got)}`);
if (bob.received[0].from !== alice.userID || bob.received[0].flow !== 'in') fail('received message from/flow wrong');
console.log('bob received', got);

// conversation list with unread
const convID = `C2C${alice.userID}`;
const conv = await until('bob conversation with unread 2', async () => {
  const r = await bob.tim.getConversationList();
  const c = r.data.conversationList.find((x) => x.conversationID === convID);
  return c && c.unreadCount === texts.length ? c : null;
});
if (conv.lastMessage.payload.text !== texts[1]) fail(`lastMessage ${JSON.stringify(conv.lastMessage)}`);
console.log('bob conversation unread', conv.unreadCount);

// history on a fresh instance of bob's peer (alice logs in again elsewhere: new SDK instance)
const alice2 = await client(alice.userID); // kicks the first alice instance (web multi-instance)
const hist = await alice2.tim.getMessageList({ conversationID: `C2C${bob.userID}`, count: 15 });
if (hist.code !== 0) fail(`getMessageList code ${hist.code}`);
const htexts = hist.data.messageList.map((m) => m.payload.text);
if (JSON.stringify(htexts) !== JSON.stringify(texts)) fail(`history ${JSON.stringify(htexts)}`);
if (hist.data.messageList.some((m) => m.flow !== 'out')) fail('history flow should be out');
console.log('alice history', htexts);

// bob reads: unread goes to 0
await bob.tim.setMessageRead({ conversationID: convID });
await until('bob unread 0', async () => {
  const r = await bob.tim.getConversationList();
  return r.data.conversationList.find((x) => x.conversationID === convID)?.unreadCount === 0;
});
console.log('bob unread cleared');

// reply bob -> alice2, live
const reply = bob.tim.createTextMessage({ to: alice.userID, conversationType: bob.TIM.TYPES.CONV_C2C, payload: { text: 'hi alice' } });
if ((await bob.tim.sendMessage(reply)).code !== 0) fail('bob sendMessage');
await until('alice2 MESSAGE_RECEIVED', () => alice2.received.some((m) => m.payload.text === 'hi alice'));
console.log('alice received reply');

for (const c of [alice2, bob]) {
  const out = await c.tim.logout();
  if (out.code !== 0) fail(`${c.userID} logout code ${out.code}`);
  // destroy() logs out again and rejects with 2024 (not logged in) after logout(); that is fine.
  await c.tim.destroy().catch(() => {});
}
// The first alice instance was kicked; it is logged out already.
await alice.tim.destroy().catch(() => {});
console.log('OK');
process.exit(0);

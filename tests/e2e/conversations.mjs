// Conversations end to end through the public JS API of the built package, in headless Chromium:
// alice on two pages (two devices of one user), bob and carol writing to her, against a real
// tim-server process. Asserts list contents and order, unread counts (exact, with
// excludedFromUnreadCount), TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, pin, marks, custom data,
// conversation groups (CONVERSATION_GROUP_LIST_UPDATED, CONVERSATION_IN_GROUP_UPDATED), drafts
// and deletion, and that the other device follows.
//
// Two devices of one user on the same platform need a server with `multi_instance = "allow"`
// (otherwise the second login kicks the first):
//   TIM_DEMO=1 TIM_MULTI_INSTANCE=allow TIM_STATIC_DIR=dist/www target/debug/tim-server serve
//   TIM_URL=http://127.0.0.1:8080 node tests/e2e/conversations.mjs
import assert from 'node:assert/strict';
import { browser, failures, launch, OFFICIAL, user } from './lib.mjs';

const run = Date.now().toString(36);
const [A, B, C] = ['alice', 'bob', 'carol'].map((n) => `v${n}_${run}`);
const [CB, CC] = [`C2C${B}`, `C2C${C}`];

// Record the conversation events lib.mjs does not.
async function listen(u) {
  await u.p.evaluate(() => {
    for (const k of ['TOTAL_UNREAD_MESSAGE_COUNT_UPDATED', 'CONVERSATION_GROUP_LIST_UPDATED', 'CONVERSATION_IN_GROUP_UPDATED']) {
      window.tim.on(TIM.EVENT[k], (e) => window.ev.push({ name: k, data: JSON.parse(JSON.stringify(e.data)) }));
    }
  });
}

// Wait until the latest event `evName` satisfies `pred` (a function source over d).
async function latest(u, what, evName, pred) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const d = await u.p.evaluate(({ evName, src }) => {
      const l = window.ev.filter((e) => e.name === evName).pop();
      if (!l) return { none: true };
      return { ok: new Function('d', `return (${src})`)(l.data), data: l.data };
    }, { evName, src: pred });
    if (d.ok) return d.data;
    assert.ok(Date.now() < deadline, `no ${what} (${evName}); last ${JSON.stringify(d.data)}`);
    await u.p.waitForTimeout(100);
  }
}

const ids = (list) => list.map((c) => c.conversationID);
const listOf = async (u, opts) => (await u.ok('getConversationList', ...(opts === undefined ? [] : [opts]))).conversationList;
const idsAre = (want) => `d.map((c) => c.conversationID).join() === ${JSON.stringify(want.join())}`;

let other = null;
try {
  const a1 = await user(A);
  // The second device is another browser (a tab of the same one would share the connection).
  other = await launch();
  const a2 = await user(A, other);
  await listen(a1);
  await listen(a2);
  const b = await user(B);
  const c = await user(C);
  const T = await a1.p.evaluate(() => TIM.TYPES);
  const send = (u, to, text, opts) => u.p.evaluate(async ({ to, text, opts }) => {
    const m = window.tim.createTextMessage({ to, conversationType: 'C2C', payload: { text } });
    return JSON.parse(JSON.stringify((await window.tim.sendMessage(m, opts)).data.message));
  }, { to, text, opts });

  // ---- Messages, order and exact unread counts.
  await send(b, A, 'bob 1');
  await send(b, A, 'bob 2');
  await b.p.waitForTimeout(1100);
  await send(c, A, 'carol 1');
  await send(c, A, 'carol quiet', { messageControlInfo: { excludedFromUnreadCount: true } });
  for (const a of [a1, a2]) {
    const l = await latest(a, 'carol, bob', 'CONVERSATION_LIST_UPDATED', `${idsAre([CC, CB])} && d[0].lastMessage.messageForShow === 'carol quiet'`);
    assert.equal(l.find((x) => x.conversationID === CB).unreadCount, 2);
    assert.equal(l.find((x) => x.conversationID === CC).unreadCount, 1);
    await latest(a, 'total 3', 'TOTAL_UNREAD_MESSAGE_COUNT_UPDATED', 'd === 3');
    assert.equal(await a.p.evaluate(() => window.tim.getTotalUnreadMessageCount()), 3);
  }
  assert.deepEqual(ids(await listOf(a1, [CB, 'C2Cnobody'])), [CB]);
  assert.deepEqual(ids(await listOf(a1, { type: T.CONV_C2C })), [CC, CB]);
  assert.deepEqual(ids(await listOf(a1, { type: T.CONV_GROUP })), []);
  const prof = await a1.ok('getConversationProfile', 'C2Cnobody');
  assert.equal(prof.conversation.unreadCount, 0);
  assert.equal(prof.conversation.userProfile.userID, 'nobody');

  // ---- Read on one device clears the other.
  await a1.ok('setMessageRead', { conversationID: CB });
  await latest(a2, 'total 1', 'TOTAL_UNREAD_MESSAGE_COUNT_UPDATED', 'd === 1');
  assert.equal((await a2.conversation(CB)).unreadCount, 0);

  // ---- Pin: first on both devices.
  assert.deepEqual(await a1.ok('pinConversation', { conversationID: CB, isPinned: true }), { conversationID: CB });
  for (const a of [a1, a2]) {
    const l = await latest(a, 'bob pinned first', 'CONVERSATION_LIST_UPDATED', `${idsAre([CB, CC])} && d[0].isPinned`);
    assert.equal(l[1].isPinned, false);
  }
  await a1.fails(2500, 'pinConversation', { conversationID: 'C2Cnobody', isPinned: true });

  // ---- Marks and custom data.
  const marked = await a1.ok('markConversation', { conversationIDList: [CB, 'C2Cnobody'], markType: T.CONV_MARK_TYPE_STAR, enableMark: true });
  assert.deepEqual(marked.successConversationIDList, [CB]);
  assert.equal(marked.failureConversationIDList[0].conversationID, 'C2Cnobody');
  await latest(a2, 'bob starred', 'CONVERSATION_LIST_UPDATED', `d.find((c) => c.conversationID === '${CB}').markList.join() === '1'`);
  assert.deepEqual(ids(await listOf(a2, { markType: T.CONV_MARK_TYPE_STAR })), [CB]);
  assert.deepEqual(ids(await listOf(a2, { markType: T.CONV_MARK_TYPE_STAR, type: T.CONV_GROUP })), []);
  await a2.ok('setConversationCustomData', { conversationIDList: [CC], customData: 'vip' });
  await latest(a1, 'carol vip', 'CONVERSATION_LIST_UPDATED', `d.find((c) => c.conversationID === '${CC}').customData === 'vip'`);

  // ---- Conversation groups.
  const made = await a1.ok('createConversationGroup', { groupName: 'work', conversationIDList: [CB] });
  assert.deepEqual(made.successConversationIDList, [CB]);
  assert.deepEqual(await a1.ok('getConversationGroupList'), ['work']);
  await latest(a2, 'group list', 'CONVERSATION_GROUP_LIST_UPDATED', `d.join() === 'work'`);
  await a2.ok('addConversationsToGroup', { groupName: 'work', conversationIDList: [CC] });
  const inGroup = await latest(a1, 'carol in work', 'CONVERSATION_IN_GROUP_UPDATED', `d.conversationList.length === 2`);
  assert.equal(inGroup.groupName, 'work');
  assert.deepEqual(ids(inGroup.conversationList), [CB, CC]);
  assert.deepEqual(ids(await listOf(a1, { groupName: 'work' })), [CB, CC]);
  await a1.ok('renameConversationGroup', { oldName: 'work', newName: 'job' });
  await latest(a2, 'renamed', 'CONVERSATION_GROUP_LIST_UPDATED', `d.join() === 'job'`);
  assert.deepEqual(ids(await listOf(a2, { groupName: 'job' })), [CB, CC]);
  await a1.fails(51009, 'deleteConversationGroup', 'nope');
  await a1.fails(51011, 'createConversationGroup', { groupName: 'x'.repeat(33), conversationIDList: [CB] });
  await a1.ok('deleteConversationGroup', 'job');
  await latest(a2, 'no groups', 'CONVERSATION_GROUP_LIST_UPDATED', `d.length === 0`);
  assert.deepEqual((await a2.conversation(CC)).conversationGroupList, []);

  // ---- Draft (local) and delete.
  await a1.ok('pinConversation', { conversationID: CB, isPinned: false });
  await a1.ok('setConversationDraft', { conversationID: CB, draftText: 'half' });
  const drafted = await listOf(a1);
  assert.deepEqual(ids(drafted), [CB, CC]);
  assert.equal(drafted[0].draftText, 'half');
  assert.deepEqual(await a1.ok('deleteConversation', CC), { conversationID: CC });
  await latest(a1, 'carol gone', 'CONVERSATION_LIST_UPDATED', idsAre([CB]));
  await a1.fails(2500, 'deleteConversation', CC);

  assert.deepEqual(failures, [], 'no uncaught page errors');
  console.log(`ok (${OFFICIAL ? 'official tim-js-sdk 2.27.6' : 'tim-wasm'}): conversations through the public JS API in Chromium, two devices of one user (order, unread, read sync, pin, marks, custom data, conversation groups, draft, delete)`);
} finally {
  if (other) await other.close();
  await browser.close();
}

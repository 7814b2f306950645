// AVChatRoom, group attributes, group counters, communities and topics end to end through the
// public JS API in headless Chromium against a real tim-server (see lib.mjs). Runs with our
// package, and with TIM_E2E_SDK=official against the official tim-js-sdk 2.27.6.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/e2e/rooms.mjs
//   TIM_URL=http://127.0.0.1:8080 TIM_E2E_SDK=official node tests/e2e/rooms.mjs
import assert from 'node:assert/strict';
import { browser, failures, OFFICIAL, user } from './lib.mjs';

const run = Date.now().toString(36);
const [A, B, C] = ['alice', 'bob', 'carol'].map((n) => `r${n}_${run}`);

try {
  const a = await user(A);
  const b = await user(B);
  const c = await user(C);
  const T = await a.p.evaluate(() => TIM.TYPES);

  // ---- AVChatRoom: join without membership, live messages, no unread, online count.
  const live = (await a.ok('createGroup', { type: T.GRP_AVCHATROOM, name: 'Live' })).group.groupID;
  assert.equal((await a.ok('joinGroup', { groupID: live, type: T.GRP_AVCHATROOM })).status, T.JOIN_STATUS_SUCCESS);
  assert.equal((await b.ok('joinGroup', { groupID: live, type: T.GRP_AVCHATROOM })).status, T.JOIN_STATUS_SUCCESS);
  // The server's joined-group list leaves AVChatRooms out, but tim-js-sdk keeps the room it
  // has joined in its local group list, so getGroupList shows it.
  assert.ok((await b.ok('getGroupList')).groupList.some((g) => g.groupID === live && g.type === T.GRP_AVCHATROOM), 'the joined AVChatRoom is in the local group list');
  assert.equal((await a.text(live, 'live hello')).ok.status, 'success');
  const got = await b.received('live message', `m.payload.text === 'live hello'`);
  assert.equal(got.conversationID, `GROUP${live}`);
  await b.p.waitForTimeout(1200);
  const conv = await b.conversation(`GROUP${live}`);
  assert.ok(!conv || conv.unreadCount === 0, `no unread in an AVChatRoom: ${JSON.stringify(conv)}`);
  const online = await a.ok('getGroupOnlineMemberCount', live);
  assert.ok(online.memberCount >= 2, JSON.stringify(online));
  // Member marks: the owner marks bob; the member list filters by the mark.
  const marked = await a.ok('markGroupMemberList', { groupID: live, userIDList: [B], markType: 1001, enableMark: true });
  assert.deepEqual(marked.successUserIDList, [B]);
  const withMark = await a.ok('getGroupMemberList', { groupID: live, filter: 1001 });
  assert.deepEqual(withMark.memberList.map((m) => m.userID), [B]);
  await b.fails(10007, 'markGroupMemberList', { groupID: live, userIDList: [A], markType: 1001, enableMark: true });

  // ---- Group attributes (every group type but topics).
  await a.ok('initGroupAttributes', { groupID: live, groupAttributes: { seat1: A } });
  const upd = await b.event('attributes push', 'GROUP_ATTRIBUTES_UPDATED', `d.groupID === '${live}' && d.groupAttributes.seat1 === '${A}'`);
  assert.deepEqual(upd.groupAttributes, { seat1: A });
  await b.ok('setGroupAttributes', { groupID: live, groupAttributes: { seat2: B } });
  await a.event('attributes push', 'GROUP_ATTRIBUTES_UPDATED', `d.groupID === '${live}' && d.groupAttributes.seat2 === '${B}'`);
  assert.deepEqual((await a.ok('getGroupAttributes', { groupID: live, keyList: [] })).groupAttributes, { seat1: A, seat2: B });
  assert.deepEqual((await a.ok('deleteGroupAttributes', { groupID: live, keyList: ['seat1'] })).keyList, ['seat1']);
  // b answers from the attributes its SDK holds: wait for the push of a's delete, which is not
  // ordered against a's reply.
  await b.event('attributes delete push', 'GROUP_ATTRIBUTES_UPDATED', `d.groupID === '${live}' && !('seat1' in d.groupAttributes)`);
  assert.deepEqual((await b.ok('getGroupAttributes', { groupID: live, keyList: [] })).groupAttributes, { seat2: B });
  const pub = (await a.ok('createGroup', { type: T.GRP_PUBLIC, name: 'Counters', joinOption: T.JOIN_OPTIONS_FREE_ACCESS })).group.groupID;
  await a.ok('initGroupAttributes', { groupID: pub, groupAttributes: { topic: 'counters' } });
  assert.deepEqual((await a.ok('getGroupAttributes', { groupID: pub, keyList: [] })).groupAttributes, { topic: 'counters' });
  await c.fails(2642, 'getGroupAttributes', { groupID: live, keyList: [] });

  // ---- Group counters.
  await b.ok('joinGroup', { groupID: pub });
  assert.deepEqual((await a.ok('setGroupCounters', { groupID: pub, counters: { likes: 1 } })).counters, { likes: 1 });
  assert.deepEqual((await a.ok('increaseGroupCounter', { groupID: pub, key: 'likes', value: 2 })).counters, { likes: 3 });
  // Wait for the push of a's change to reach b before b changes the counter: pushes to another
  // user are not ordered against b's own replies, and an SDK applies both to its copy.
  await b.event('counter push', 'GROUP_COUNTER_UPDATED', `d.groupID === '${pub}' && d.key === 'likes' && d.value === 3`);
  assert.deepEqual((await b.ok('decreaseGroupCounter', { groupID: pub, key: 'likes', value: 1 })).counters, { likes: 2 });
  assert.deepEqual((await b.ok('getGroupCounters', { groupID: pub, keyList: ['likes'] })).counters, { likes: 2 });

  // ---- Communities and topics.
  const community = (await a.ok('createGroup', { type: T.GRP_COMMUNITY, name: 'Hikers', isSupportTopic: true })).group.groupID;
  assert.match(community, /^@TGS#_/);
  await b.ok('joinGroup', { groupID: community });
  assert.ok((await b.ok('getJoinedCommunityList')).groupList.some((g) => g.groupID === community));
  const topicID = (await a.ok('createTopicInCommunity', { groupID: community, topicName: 'Trails' })).topicID;
  assert.ok(topicID.startsWith(`${community}@TOPIC#_`), topicID);
  await b.event('topic created', 'TOPIC_CREATED', `d.groupID === '${community}' && d.topicID === '${topicID}'`);
  const topics = await b.ok('getTopicList', { groupID: community });
  assert.deepEqual(topics.successTopicList.map((t) => t.topicID), [topicID]);
  await a.ok('updateTopicProfile', { groupID: community, topicID, topicName: 'Trails & Peaks' });
  await b.event('topic updated', 'TOPIC_UPDATED', `d.topic.topicID === '${topicID}' && d.topic.topicName === 'Trails & Peaks'`);
  await b.fails(10007, 'createTopicInCommunity', { groupID: community, topicName: 'not mine' });
  assert.equal((await a.text(topicID, 'topic hello')).ok.status, 'success');
  const inTopic = await b.received('topic message', `m.payload.text === 'topic hello'`);
  assert.equal(inTopic.conversationID, `GROUP${topicID}`);
  // Topic mutes (setGroupMemberMuteTime with the topic ID): owner and admins only; the tip is in
  // the topic's conversation; a muted member's send into the topic fails with 10017.
  await c.ok('joinGroup', { groupID: community });
  await b.fails(10007, 'setGroupMemberMuteTime', { groupID: topicID, userID: C, muteTime: 60 });
  await a.ok('setGroupMemberMuteTime', { groupID: topicID, userID: B, muteTime: 60 });
  const muteTip = await b.received('topic mute tip', `m.type === '${T.MSG_GRP_TIP}' && m.payload.operationType === 7`);
  assert.equal(muteTip.conversationID, `GROUP${topicID}`);
  assert.deepEqual(muteTip.payload.memberList.map((x) => [x.userID, x.muteTime]), [[B, 60]]);
  const muted = await b.text(topicID, 'muted?');
  assert.equal(muted.err, 10017, JSON.stringify(muted));
  assert.equal((await c.text(topicID, 'carol may')).ok.status, 'success');
  await a.ok('setGroupMemberMuteTime', { groupID: topicID, userID: B, muteTime: 0 });
  assert.equal((await b.text(topicID, 'unmuted')).ok.status, 'success');
  // The topic's muteAllMembers stops ordinary members, not the owner.
  await a.ok('updateTopicProfile', { groupID: community, topicID, muteAllMembers: true });
  assert.equal((await c.text(topicID, 'all muted?')).err, 10017);
  assert.equal((await a.text(topicID, 'owner speaks')).ok.status, 'success');
  await a.ok('updateTopicProfile', { groupID: community, topicID, muteAllMembers: false });
  const deleted = await a.ok('deleteTopicFromCommunity', { groupID: community, topicIDList: [topicID] });
  assert.deepEqual(deleted.successTopicList.map((t) => t.topicID), [topicID]);
  await b.event('topic deleted', 'TOPIC_DELETED', `d.groupID === '${community}' && d.topicIDList.includes('${topicID}')`);

  assert.deepEqual(failures, [], 'no uncaught page errors');
  console.log(`ok (${OFFICIAL ? 'official tim-js-sdk 2.27.6' : 'tim-wasm'}): AVChatRoom, attributes, counters, communities and topics through the public JS API in Chromium`);
} finally {
  await browser.close();
}

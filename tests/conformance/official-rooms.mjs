// Conformance: the official Web SDK (tim-js-sdk 2.27.6) against tim-server, AVChatRooms and
// community topics.
//
// Needs what official-c2c.mjs needs (Node 20+, `tim-js-sdk@2.27.6` and `ws` resolvable, a
// tim-server in demo mode); run it the same way:
//
//   TIM_URL=http://127.0.0.1:8080 node tests/conformance/official-rooms.mjs
//
// What it checks: alice creates an AVChatRoom, alice and bob join it (JoinedSuccess, over the
// socket: no long polling); alice's text reaches bob through MESSAGE_RECEIVED; the room is not
// in getGroupList; getGroupOnlineMemberCount is 2; getGroupMemberList lists both; alice's
// setGroupAttributes fires GROUP_ATTRIBUTES_UPDATED at bob with the full map and
// getGroupAttributes reads it back; alice removes bob with a ban (deleteGroupMember with
// `duration`) and bob's rejoin is refused with 10007. Then alice creates a topic-enabled community, bob joins,
// alice creates a topic (bob gets TOPIC_CREATED), sends into it (bob receives it in
// GROUP<topicID>), renames it (TOPIC_UPDATED), getTopicList / getJoinedCommunityList list it,
// and deleting it fires TOPIC_DELETED.
import { client, fail, until, must } from './node-env.mjs';


const tag = `${Date.now()}`;
const alice = await client(`ralice${tag}`);
const bob = await client(`rbob${tag}`);
console.log('both SDK_READY');
const T = alice.TIM.TYPES;
const E = bob.TIM.EVENT;
const events = { attrs: [], created: [], updated: [], notices: [] };
bob.tim.on(E.GROUP_ATTRIBUTES_UPDATED, (e) => events.attrs.push(e.data));
bob.tim.on(E.MESSAGE_RECEIVED, (e) => {
  for (const m of e.data) if (m.type === T.MSG_GRP_SYS_NOTICE) events.notices.push(m.payload);
});
bob.tim.on(E.TOPIC_CREATED, (e) => events.created.push(e.data));
bob.tim.on(E.TOPIC_UPDATED, (e) => events.updated.push(e.data));

// --- AVChatRoom ---
const created = await must('createGroup AVChatRoom', alice.tim.createGroup({ type: T.GRP_AVCHATROOM, name: 'live' }));
const roomID = created.data.group.groupID;
console.log('alice created room', roomID);
for (const c of [alice, bob]) {
  const j = await must(`${c.userID} joinGroup`, c.tim.joinGroup({ groupID: roomID, type: T.GRP_AVCHATROOM }));
  if (j.data.status !== T.JOIN_STATUS_SUCCESS) fail(`joinGroup status ${j.data.status}`);
}
console.log('both joined the room');

const text = 'hello live';
const msg = alice.tim.createTextMessage({ to: roomID, conversationType: T.CONV_GROUP, payload: { text } });
await must('sendMessage to room', alice.tim.sendMessage(msg));
await until('bob receives the room message', () => bob.received.some((m) => m.payload && m.payload.text === text));
const got = bob.received.find((m) => m.payload && m.payload.text === text);
if (got.conversationID !== `GROUP${roomID}` || got.from !== alice.userID) fail(`room message ${got.conversationID} ${got.from}`);
console.log('bob received', text);

const list = await must('getGroupList', bob.tim.getGroupList());
if (list.data.groupList.some((g) => g.groupID === roomID && g.type !== T.GRP_AVCHATROOM)) fail('room listed as another type');
const count = await must('getGroupOnlineMemberCount', bob.tim.getGroupOnlineMemberCount(roomID));
if (count.data.memberCount !== 2) fail(`online count ${count.data.memberCount}`);
console.log('online count', count.data.memberCount);
const members = await must('getGroupMemberList room', bob.tim.getGroupMemberList({ groupID: roomID, count: 30 }));
const ids = members.data.memberList.map((m) => m.userID).sort();
if (!(ids.includes(alice.userID) && ids.includes(bob.userID))) fail(`room members ${JSON.stringify(ids)}`);
console.log('room members', ids);

await must('setGroupAttributes', alice.tim.setGroupAttributes({ groupID: roomID, groupAttributes: { seat1: alice.userID } }));
const upd = await until('bob GROUP_ATTRIBUTES_UPDATED', () => events.attrs.find((d) => d.groupID === roomID));
if (upd.groupAttributes.seat1 !== alice.userID) fail(`attributes event ${JSON.stringify(upd)}`);
const attrs = await must('getGroupAttributes', bob.tim.getGroupAttributes({ groupID: roomID, keyList: [] }));
if (attrs.data.groupAttributes.seat1 !== alice.userID) fail(`getGroupAttributes ${JSON.stringify(attrs.data)}`);
console.log('attributes', JSON.stringify(attrs.data.groupAttributes));

// The owner removes bob with a ban: bob cannot rejoin.
// The SDK enables the ban API once it has fetched the purchase bits, a few seconds after login
// (before that it refuses locally with 3122).
const kicked = await until('deleteGroupMember with duration', async () => {
  const r = await alice.tim.deleteGroupMember({ groupID: roomID, userIDList: [bob.userID], duration: 60 }).then((x) => x, (e) => e);
  if (r.code === 3122) return null;
  if (r.code !== 0) fail(`deleteGroupMember code ${r.code} ${r.message}`);
  return r;
});
if (!kicked.data.userIDList.includes(bob.userID)) fail(`deleteGroupMember ${JSON.stringify(kicked.data)}`);
// bob learns of the ban from system notice 21 (the SDK then drops the room); before that a
// joinGroup would answer from the SDK's own state, without asking the server.
await until('bob notice 21', () => events.notices.find((n) => n.operationType === 21 && n.groupProfile.groupID === roomID));
const rejoin = await bob.tim.joinGroup({ groupID: roomID, type: T.GRP_AVCHATROOM }).then((r) => r, (e) => e);
if (rejoin.code !== 10007) fail(`banned rejoin answered ${rejoin.code}`);
console.log('bob banned, rejoin refused with', rejoin.code);

// --- Community with topics ---
const comm = await must('createGroup Community', alice.tim.createGroup({ type: T.GRP_COMMUNITY, name: 'fans', isSupportTopic: true }));
const communityID = comm.data.group.groupID;
if (!communityID.startsWith('@TGS#_')) fail(`community ID ${communityID}`);
await must('bob joinGroup community', bob.tim.joinGroup({ groupID: communityID }));
console.log('community', communityID);
const topic = await must('createTopicInCommunity', alice.tim.createTopicInCommunity({ groupID: communityID, topicName: 'news' }));
const topicID = topic.data.topicID;
if (!topicID.startsWith(`${communityID}@TOPIC#_`)) fail(`topic ID ${topicID}`);
await until('bob TOPIC_CREATED', () => events.created.find((d) => d.topicID === topicID));
console.log('topic created', topicID);

const joinedCommunities = await must('getJoinedCommunityList', bob.tim.getJoinedCommunityList());
if (!joinedCommunities.data.groupList.some((g) => g.groupID === communityID)) fail('community not in getJoinedCommunityList');
const topics = await must('getTopicList', bob.tim.getTopicList({ groupID: communityID }));
if (!topics.data.successTopicList.some((t) => t.topicID === topicID && t.topicName === 'news')) {
  fail(`getTopicList ${JSON.stringify(topics.data)}`);
}

const ttext = 'topic hello';
const tmsg = alice.tim.createTextMessage({ to: topicID, conversationType: T.CONV_GROUP, payload: { text: ttext } });
const tsent = await must('sendMessage to topic', alice.tim.sendMessage(tmsg));
if (tsent.data.message.sequence !== 1) fail(`topic message sequence ${tsent.data.message.sequence}`);
await until('bob receives the topic message', () => bob.received.some((m) => m.payload && m.payload.text === ttext));
const tgot = bob.received.find((m) => m.payload && m.payload.text === ttext);
if (tgot.conversationID !== `GROUP${topicID}`) fail(`topic message conversation ${tgot.conversationID}`);
console.log('bob received in', tgot.conversationID);

await must('updateTopicProfile', alice.tim.updateTopicProfile({ groupID: communityID, topicID, topicName: 'News!' }));
await until('bob TOPIC_UPDATED', () => events.updated.find((d) => d.topic && d.topic.topicName === 'News!'));
console.log('topic renamed');

const deleted = [];
bob.tim.on(E.TOPIC_DELETED, (e) => deleted.push(e.data));
const del = await must('deleteTopicFromCommunity', alice.tim.deleteTopicFromCommunity({ groupID: communityID, topicIDList: [topicID] }));
if (!del.data.successTopicList.some((t) => t.topicID === topicID)) fail(`deleteTopicFromCommunity ${JSON.stringify(del.data)}`);
await until('bob TOPIC_DELETED', () => deleted.find((d) => d.topicIDList && d.topicIDList.includes(topicID)));
console.log('topic deleted');

for (const c of [alice, bob]) {
  await c.tim.logout();
  await c.tim.destroy().catch(() => {});
}
console.log('OK');
process.exit(0);

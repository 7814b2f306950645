// Conformance: the official Web SDK (tim-js-sdk 2.27.6) against tim-server, group member
// management.
//
// Needs what official-c2c.mjs needs (Node 20+, `tim-js-sdk@2.27.6` and `ws` resolvable, a
// tim-server in demo mode); run it the same way:
//
//   TIM_URL=http://127.0.0.1:8080 node tests/conformance/official-group-members.mjs
//
// What it checks: alice creates a Public group that needs approval; bob's joinGroup waits for
// approval; alice gets the join request as a group system notice (operationType 1) and in
// getGroupApplicationList, and approves it with handleGroupApplication({message}); bob gets
// notice 2 and the group in his list; alice makes bob an admin, then mutes carol (who joins
// freely after a profile change) and carol's send is rejected with 10017; getGroupMemberProfile
// shows the role, the mute and a name card; alice transfers the group to bob; counters set and
// increased by alice reach bob as GROUP_COUNTER_UPDATED and getGroupCounters.
// Env as official-c2c.mjs (TIM_URL, TIM_USERSIG_URL, TIM_SDK_MODULE, TIM_SDK_LOG).
import { client, fail, until, must } from './node-env.mjs';


async function mustFail(what, p, code) {
  try {
    await p;
  } catch (e) {
    if (e.code !== code) fail(`${what} rejected with ${e.code} (${e.message}), expected ${code}`);
    return;
  }
  fail(`${what} resolved, expected error ${code}`);
}

const tag = `${Date.now()}`;
const alice = await client(`malice${tag}`);
const bob = await client(`mbob${tag}`);
const carol = await client(`mcarol${tag}`);
console.log('three SDK_READY');
const T = alice.TIM.TYPES;

const created = await must('createGroup', alice.tim.createGroup({
  type: T.GRP_PUBLIC, name: 'members', joinOption: T.JOIN_OPTIONS_NEED_PERMISSION,
}));
const groupID = created.data.group.groupID;

const joined = await must('joinGroup', bob.tim.joinGroup({ groupID, applyMessage: 'me too', type: T.GRP_PUBLIC }));
if (joined.data.status !== T.JOIN_STATUS_WAIT_APPROVAL) fail(`joinGroup status ${joined.data.status}`);
const request = await until('alice join request notice', () => alice.received.find(
  (m) => m.type === T.MSG_GRP_SYS_NOTICE && m.payload.operationType === 1,
));
if (request.payload.operatorID !== bob.userID || request.payload.groupProfile.groupID !== groupID
  || request.payload.handleMessage !== 'me too' || !request.payload.authentication) {
  fail(`join request payload ${JSON.stringify(request.payload)}`);
}
const apps = await must('getGroupApplicationList', alice.tim.getGroupApplicationList());
const app = apps.data.applicationList.find((a) => a.applicant === bob.userID && a.groupID === groupID);
if (!app) fail(`application list ${JSON.stringify(apps.data)}`);
console.log('alice got the request');

await must('handleGroupApplication', alice.tim.handleGroupApplication({
  handleAction: 'Agree', handleMessage: 'welcome', message: request,
}));
await until('bob approval notice', () => bob.received.find(
  (m) => m.type === T.MSG_GRP_SYS_NOTICE && m.payload.operationType === 2 && m.payload.handleMessage === 'welcome',
));
await until('bob has the group', async () => {
  const r = await bob.tim.getGroupList();
  return r.data.groupList.some((g) => g.groupID === groupID);
});
await mustFail('second handling', alice.tim.handleGroupApplication({ handleAction: 'Reject', message: request }), 10024);
console.log('bob approved and in the group');

await must('setGroupMemberRole', alice.tim.setGroupMemberRole({ groupID, userID: bob.userID, role: T.GRP_MBR_ROLE_ADMIN }));
await must('updateGroupProfile', alice.tim.updateGroupProfile({ groupID, joinOption: T.JOIN_OPTIONS_FREE_ACCESS }));
const cj = await must('carol joinGroup', carol.tim.joinGroup({ groupID, type: T.GRP_PUBLIC }));
if (cj.data.status !== T.JOIN_STATUS_SUCCESS) fail(`carol join status ${cj.data.status}`);
await must('setGroupMemberMuteTime', bob.tim.setGroupMemberMuteTime({ groupID, userID: carol.userID, muteTime: 600 }));
await until('carol mute tip', () => carol.received.find(
  (m) => m.type === T.MSG_GRP_TIP && m.payload.operationType === T.GRP_TIP_MBR_PROFILE_UPDATED
    && m.payload.memberList.some((x) => x.userID === carol.userID && x.muteTime === 600),
));
const muted = carol.tim.createTextMessage({ to: groupID, conversationType: T.CONV_GROUP, payload: { text: 'hi' } });
await mustFail('muted sendMessage', carol.tim.sendMessage(muted), 10017);
await must('setGroupMemberNameCard', carol.tim.setGroupMemberNameCard({ groupID, nameCard: 'Caz' }));
const prof = await must('getGroupMemberProfile', alice.tim.getGroupMemberProfile({
  groupID, userIDList: [bob.userID, carol.userID],
}));
const pb = prof.data.memberList.find((m) => m.userID === bob.userID);
const pc = prof.data.memberList.find((m) => m.userID === carol.userID);
if (!pb || pb.role !== T.GRP_MBR_ROLE_ADMIN) fail(`bob profile ${JSON.stringify(pb)}`);
if (!pc || pc.nameCard !== 'Caz' || !(pc.muteUntil > Date.now() / 1000)) fail(`carol profile ${JSON.stringify(pc)}`);
console.log('roles, mute and name card');

await must('changeGroupOwner', alice.tim.changeGroupOwner({ groupID, newOwnerID: bob.userID }));
await until('bob owns the group', async () => {
  const r = await bob.tim.getGroupProfile({ groupID });
  return r.data.group.ownerID === bob.userID;
});
console.log('owner transferred');

const counted = [];
bob.tim.on(bob.TIM.EVENT.GROUP_COUNTER_UPDATED, (e) => counted.push(e.data));
// Counters are a purchased feature: the SDK refuses them locally (3122) until it has fetched the
// purchase bits, a few seconds after login.
await until('alice setGroupCounters', async () => {
  try {
    return (await alice.tim.setGroupCounters({ groupID, counters: { likes: 2 } })).code === 0;
  } catch (e) {
    if (e.code !== 3122) fail(`setGroupCounters rejected: ${e.code} ${e.message}`);
    return false;
  }
}, 20000);
await until('bob may use counters', async () => {
  try {
    return (await bob.tim.getGroupCounters({ groupID })).code === 0;
  } catch (e) {
    if (e.code !== 3122) fail(`getGroupCounters rejected: ${e.code} ${e.message}`);
    return false;
  }
}, 20000);
const inc = await must('increaseGroupCounter', alice.tim.increaseGroupCounter({ groupID, key: 'likes', value: 3 }));
if (inc.data.counters.likes !== 5) fail(`increaseGroupCounter ${JSON.stringify(inc.data)}`);
await until('bob GROUP_COUNTER_UPDATED', () => counted.some((c) => c.groupID === groupID && c.key === 'likes' && c.value === 5));
const got = await must('getGroupCounters', bob.tim.getGroupCounters({ groupID }));
if (got.data.counters.likes !== 5) fail(`getGroupCounters ${JSON.stringify(got.data)}`);
console.log('counters');

console.log('OK official group members');
process.exit(0);

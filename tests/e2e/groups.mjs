// Groups end to end through the public JS API of the built package, in headless Chromium
// (three pages: alice, bob, carol) against a real tim-server process serving dist/www.
// Every step asserts what an app relies on: resolved data, error codes, the events fired
// (GROUP_LIST_UPDATED, MESSAGE_RECEIVED with tips and system notices) and the conversation
// state (unread, last message).
//
// The same scenario runs against the official tim-js-sdk 2.27.6 with TIM_E2E_SDK=official (its
// tim-js.js loaded into the same pages, pointed at our server with `proxyServer`): the official
// SDK must get the same results from our server, and our SDK must behave like it.
//
//   TIM_URL=http://127.0.0.1:8080 node tests/e2e/groups.mjs
//   TIM_URL=http://127.0.0.1:8080 TIM_E2E_SDK=official node tests/e2e/groups.mjs
import assert from 'node:assert/strict';
import { browser, failures, OFFICIAL, user } from './lib.mjs';

const run = Date.now().toString(36);
const [A, B, C, D] = ['alice', 'bob', 'carol', 'dave'].map((n) => `g${n}_${run}`);

try {
  const a = await user(A);
  const b = await user(B);
  const c = await user(C);
  const T = await a.p.evaluate(() => TIM.TYPES);

  // ---- Public group: create, join, tip, message, unread, read, @, members, profile.
  const created = await a.ok('createGroup', { type: T.GRP_PUBLIC, name: 'Public One', joinOption: T.JOIN_OPTIONS_FREE_ACCESS });
  const pub = created.group.groupID;
  assert.match(pub, /^@TGS#/);
  assert.equal(created.group.type, 'Public');
  assert.equal(created.group.selfInfo.role, T.GRP_MBR_ROLE_OWNER);
  assert.deepEqual(created.overLimitUserIDList, []);
  await a.groupsBecome('the new group', (ids) => ids.includes(pub));

  const joined = await b.ok('joinGroup', { groupID: pub, type: T.GRP_PUBLIC });
  assert.equal(joined.status, T.JOIN_STATUS_SUCCESS);
  assert.equal(joined.group.groupID, pub);
  assert.equal((await b.ok('joinGroup', { groupID: pub })).status, T.JOIN_STATUS_ALREADY_IN_GROUP);
  await b.groupsBecome('the joined group', (ids) => ids.includes(pub));
  const tip = await a.received('join tip', `m.type === '${T.MSG_GRP_TIP}' && m.payload.operationType === ${T.GRP_TIP_MBR_JOIN}`);
  assert.equal(tip.conversationID, `GROUP${pub}`);
  assert.deepEqual(tip.payload.userIDList, [B]);

  const sent = await a.text(pub, 'hello public');
  assert.equal(sent.ok.status, 'success');
  const got = await b.received('group text', `m.payload.text === 'hello public'`);
  assert.equal(got.ID, sent.ok.ID);
  assert.equal(got.conversationType, T.CONV_GROUP);
  assert.equal(got.sequence, sent.ok.sequence);
  await b.p.waitForTimeout(1200);
  let conv = await b.conversation(`GROUP${pub}`);
  assert.equal(conv.unreadCount, 1);
  assert.equal(conv.lastMessage.messageForShow, 'hello public');
  assert.equal(conv.groupProfile.groupID, pub);
  assert.equal(await b.p.evaluate((id) => window.tim.getConversationList().then((r) => r.data.conversationList.find((x) => x.conversationID === id).toAccount), `GROUP${pub}`), pub);
  await b.ok('setMessageRead', { conversationID: `GROUP${pub}` });
  assert.equal((await b.conversation(`GROUP${pub}`)).unreadCount, 0);

  const at = await a.text(pub, '@bob look', [B]);
  assert.deepEqual(at.ok.atUserList, [B]);
  const atGot = await b.received('@ message', `m.payload.text === '@bob look'`);
  assert.deepEqual(atGot.atUserList, [B]);

  const members = await a.ok('getGroupMemberList', { groupID: pub, count: 30, offset: 0 });
  assert.deepEqual(members.memberList.map((m) => [m.userID, m.role]).sort(), [[A, 'Owner'], [B, 'Member']].sort());

  const updated = await a.ok('updateGroupProfile', { groupID: pub, name: 'Public Renamed', introduction: 'about' });
  assert.equal(updated.group.name, 'Public Renamed');
  const ptip = await b.received('profile tip', `m.type === '${T.MSG_GRP_TIP}' && m.payload.operationType === ${T.GRP_TIP_GRP_PROFILE_UPDATED}`);
  assert.equal(ptip.payload.newGroupProfile.groupName, 'Public Renamed');
  assert.equal((await b.ok('getGroupProfile', { groupID: pub })).group.name, 'Public Renamed');
  assert.equal((await c.ok('searchGroupByID', pub)).group.name, 'Public Renamed');

  const history = await b.ok('getMessageList', { conversationID: `GROUP${pub}` });
  const seqs = history.messageList.map((m) => m.sequence);
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'history ascending');
  assert.ok(history.messageList.some((m) => m.payload.text === 'hello public'));

  // ---- Error paths.
  await c.fails(2623, 'quitGroup', pub); // not joined (SDK check)
  const notMember = await c.text(pub, 'let me in');
  assert.equal(notMember.err, 10007);
  assert.equal(notMember.status, 'fail');
  await b.fails(10007, 'dismissGroup', pub); // members cannot dismiss
  await a.fails(10009, 'quitGroup', pub); // the owner of a Public group cannot quit
  await a.fails(2600, 'createGroup', { type: 'Nope', name: 'x' });
  await a.fails(10010, 'getGroupProfile', { groupID: '@TGS#missing' });
  const threw = await a.p.evaluate(() => { try { window.tim.createGroup({ type: 'Public' }); return 'no throw'; } catch (e) { return e.message; } });
  assert.equal(threw, 'Params validate failed.');

  // ---- Work group: initial members, invitation by a member, removal, quit.
  const work = (await a.ok('createGroup', { type: T.GRP_WORK, name: 'Work One', memberList: [{ userID: B }] })).group.groupID;
  await c.fails(2601, 'joinGroup', { groupID: work, type: T.GRP_WORK });
  await a.fails(2622, 'dismissGroup', work);
  await b.groupsBecome('the work group', (ids) => ids.includes(work));
  const added = await b.ok('addGroupMember', { groupID: work, userIDList: [C] });
  assert.deepEqual(added.successUserIDList, [C]);
  const invited = await c.received('invite notice', `m.type === '${T.MSG_GRP_SYS_NOTICE}' && m.payload.operationType === 7`);
  assert.equal(invited.conversationID, '@TIM#SYSTEM');
  assert.equal(invited.payload.groupProfile.groupID, work);
  await c.groupsBecome('the work group', (ids) => ids.includes(work));
  assert.equal((await c.ok('getGroupProfile', { groupID: work })).group.memberCount, 3);

  const removed = await a.ok('deleteGroupMember', { groupID: work, userIDList: [C], reason: 'done' });
  assert.deepEqual(removed.userIDList, [C]);
  await c.received('kick notice', `m.type === '${T.MSG_GRP_SYS_NOTICE}' && m.payload.operationType === 4`);
  await c.groupsBecome('the work group gone', (ids) => !ids.includes(work));
  await b.received('kick tip', `m.type === '${T.MSG_GRP_TIP}' && m.payload.operationType === ${T.GRP_TIP_MBR_KICKED_OUT}`);
  assert.deepEqual(await b.ok('quitGroup', work), { groupID: work });
  assert.ok(!(await b.ok('getGroupList')).groupList.some((g) => g.groupID === work));

  // ---- Dismissal: bob is told (notice 5) and the group leaves his list.
  assert.deepEqual(await a.ok('dismissGroup', pub), { groupID: pub });
  await b.received('dismiss notice', `m.type === '${T.MSG_GRP_SYS_NOTICE}' && m.payload.operationType === 5`);
  await b.groupsBecome('the dismissed group gone', (ids) => !ids.includes(pub));

  // ---- Join applications, roles, mutes, name cards, capacity, owner transfer.
  const d = await user(D);
  const app = (await a.ok('createGroup', {
    type: T.GRP_PUBLIC, name: 'Approval', joinOption: T.JOIN_OPTIONS_NEED_PERMISSION, maxMemberNum: 3,
  })).group.groupID;
  assert.equal((await b.ok('joinGroup', { groupID: app, applyMessage: 'let me in' })).status, T.JOIN_STATUS_WAIT_APPROVAL);
  const request = await a.received('join request', `m.type === '${T.MSG_GRP_SYS_NOTICE}' && m.payload.operationType === 1`);
  assert.equal(request.payload.operatorID, B);
  assert.equal(request.payload.groupProfile.groupID, app);
  const apps = (await a.ok('getGroupApplicationList')).applicationList;
  assert.ok(apps.some((x) => x.applicant === B && x.groupID === app), JSON.stringify(apps));
  const handled = await a.p.evaluate(async ({ app }) => {
    const n = window.ev.filter((e) => e.name === 'MESSAGE_RECEIVED').flatMap((e) => e.data)
      .find((m) => m.payload.operationType === 1 && m.payload.groupProfile.groupID === app);
    const first = await window.tim.handleGroupApplication({ handleAction: 'Agree', handleMessage: 'welcome', message: n })
      .then((r) => r.data.group.groupID, (e) => 'error ' + e.code);
    const second = await window.tim.handleGroupApplication({ handleAction: 'Agree', message: n })
      .then(() => 'resolved', (e) => e.code);
    return { first, second };
  }, { app });
  assert.deepEqual(handled, { first: app, second: 10024 });
  const agreed = await b.received('approval notice', `m.type === '${T.MSG_GRP_SYS_NOTICE}' && m.payload.operationType === 2`);
  assert.equal(agreed.payload.groupProfile.groupID, app);
  await b.groupsBecome('the approved group', (ids) => ids.includes(app));

  // carol is refused once (notice 3), then accepted through the application list.
  assert.equal((await c.ok('joinGroup', { groupID: app })).status, T.JOIN_STATUS_WAIT_APPROVAL);
  const carolApp = async () => {
    for (let i = 0; i < 50; i++) {
      const l = (await a.ok('getGroupApplicationList')).applicationList.find((x) => x.applicant === C && x.groupID === app);
      if (l) return l;
      await a.p.waitForTimeout(100);
    }
    throw new Error('no application from carol');
  };
  await a.ok('handleGroupApplication', { handleAction: 'Reject', handleMessage: 'not now', application: await carolApp() });
  await c.received('refusal notice', `m.type === '${T.MSG_GRP_SYS_NOTICE}' && m.payload.operationType === 3`);
  assert.equal((await c.ok('joinGroup', { groupID: app })).status, T.JOIN_STATUS_WAIT_APPROVAL);
  await a.ok('handleGroupApplication', { handleAction: 'Agree', application: await carolApp() });
  await c.groupsBecome('the group after approval', (ids) => ids.includes(app));
  // The group is full (maxMemberNum 3): approving dave fails with 10014.
  assert.equal((await d.ok('joinGroup', { groupID: app })).status, T.JOIN_STATUS_WAIT_APPROVAL);
  const daveApp = await (async () => {
    for (let i = 0; i < 50; i++) {
      const l = (await a.ok('getGroupApplicationList')).applicationList.find((x) => x.applicant === D && x.groupID === app);
      if (l) return l;
      await a.p.waitForTimeout(100);
    }
    throw new Error('no application from dave');
  })();
  await a.fails(10014, 'handleGroupApplication', { handleAction: 'Agree', application: daveApp });

  // Roles: only the owner sets admins; bob is told by a tip.
  await c.fails(2681, 'setGroupMemberRole', { groupID: app, userID: B, role: T.GRP_MBR_ROLE_ADMIN }); // SDK: not the owner
  await a.fails(2683, 'setGroupMemberRole', { groupID: app, userID: B, role: 'Boss' });
  const promoted = await a.ok('setGroupMemberRole', { groupID: app, userID: B, role: T.GRP_MBR_ROLE_ADMIN });
  assert.equal(promoted.member.role, T.GRP_MBR_ROLE_ADMIN);
  const adminTip = await b.received('set-admin tip', `m.type === '${T.MSG_GRP_TIP}' && m.payload.operationType === ${T.GRP_TIP_MBR_SET_ADMIN}`);
  assert.deepEqual(adminTip.payload.userIDList, [B]);
  assert.equal((await b.ok('getGroupProfile', { groupID: app })).group.selfInfo.role, T.GRP_MBR_ROLE_ADMIN);

  // Mutes: a muted member cannot send (10017) until unmuted; members cannot mute.
  await c.fails(10007, 'setGroupMemberMuteTime', { groupID: app, userID: B, muteTime: 60 });
  const muted = await b.ok('setGroupMemberMuteTime', { groupID: app, userID: C, muteTime: 600 });
  assert.ok(muted.member.muteUntil > Date.now() / 1000, JSON.stringify(muted.member));
  await c.received('mute tip', `m.type === '${T.MSG_GRP_TIP}' && m.payload.operationType === ${T.GRP_TIP_MBR_PROFILE_UPDATED}`);
  assert.equal((await c.text(app, 'muted?')).err, 10017);
  const carolInfo = (await a.ok('getGroupMemberProfile', { groupID: app, userIDList: [C] })).memberList[0];
  assert.ok(carolInfo.muteUntil > Date.now() / 1000);
  await b.ok('setGroupMemberMuteTime', { groupID: app, userID: C, muteTime: 0 });
  assert.equal((await c.text(app, 'unmuted')).ok.status, 'success');
  // Mute all: ordinary members are silenced, the owner and admins are not.
  await a.ok('updateGroupProfile', { groupID: app, muteAllMembers: true });
  assert.equal((await c.text(app, 'quiet?')).err, 10017);
  assert.equal((await b.text(app, 'admins may speak')).ok.status, 'success');
  await a.ok('updateGroupProfile', { groupID: app, muteAllMembers: false });

  // Name cards: your own, or an admin for an ordinary member; not a member for an admin.
  await c.ok('setGroupMemberNameCard', { groupID: app, nameCard: 'Caro' });
  await c.fails(10007, 'setGroupMemberNameCard', { groupID: app, userID: B, nameCard: 'x' });
  const cards = (await b.ok('getGroupMemberProfile', { groupID: app, userIDList: [C] })).memberList;
  assert.equal(cards[0].nameCard, 'Caro');
  // Custom member fields: your own.
  await c.ok('setGroupMemberCustomField', { groupID: app, memberCustomField: [{ key: 'city', value: 'Lyon' }] });
  const fields = (await a.ok('getGroupMemberProfile', { groupID: app, userIDList: [C] })).memberList[0].memberCustomField;
  assert.deepEqual(fields, [{ key: 'city', value: 'Lyon' }]);

  // Owner transfer: bob becomes the owner, alice an ordinary member.
  const moved = await a.ok('changeGroupOwner', { groupID: app, newOwnerID: B });
  assert.equal(moved.group.ownerID, B);
  const ownerTip = await c.received('owner tip', `m.type === '${T.MSG_GRP_TIP}' && m.payload.operationType === ${T.GRP_TIP_GRP_PROFILE_UPDATED} && m.payload.newGroupProfile.ownerID === '${B}'`);
  assert.ok(ownerTip);
  const roles = (await b.ok('getGroupMemberList', { groupID: app, count: 10 })).memberList.map((m) => [m.userID, m.role]).sort();
  assert.deepEqual(roles, [[A, 'Member'], [B, 'Owner'], [C, 'Member']].sort());

  assert.deepEqual(failures, [], 'no uncaught page errors');
  console.log(`ok (${OFFICIAL ? 'official tim-js-sdk 2.27.6' : 'tim-wasm'}): groups through the public JS API in Chromium (create, join, tips, notices, messages, read, members, profile, applications, roles, mutes, name cards, capacity, owner transfer, errors)`);
} finally {
  await browser.close();
}

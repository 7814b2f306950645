// Conformance: the official Web SDK (tim-js-sdk 2.27.6) against tim-server, conversations.
//
// Needs what official-c2c.mjs needs (Node 20+, `tim-js-sdk@2.27.6` and `ws` resolvable, a
// tim-server in demo mode); run it the same way:
//
//   TIM_URL=http://127.0.0.1:8080 node tests/conformance/official-conversations.mjs
//
// What it checks: bob and carol message alice; alice's official SDK lists both conversations
// (getConversationList), reads them all (setAllMessageRead: unread 0, Event 14 to the second
// device), pins carol's (isPinned, first in the list), marks bob's as STAR
// (markList), creates a conversation group with bob (conversationGroupList, group list), and
// deletes carol's (gone from the list). A second device of alice (a raw WebSocket logged in as
// platform 2, so it does not kick the SDK's web instance) receives the RecentContactMod
// pushes: PushType 2 (pin), 4 (mark), 5 (group created). A fresh official instance of alice
// then sees the pin, the mark and the group from the server.
// Env as official-c2c.mjs (TIM_URL, TIM_USERSIG_URL, TIM_SDK_MODULE, TIM_SDK_LOG).
import { createRequire } from 'node:module';
import { client, fail, until, userSig, TIM_URL, must } from './node-env.mjs';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');


/** `fn()`, again while the SDK refuses it locally with 3122: marks and conversation groups are
 * purchased features it enables once it has fetched the purchase bits, a few seconds after login. */
async function purchased(what, fn) {
  const r = await until(`${what} past 3122`, () => fn().then((x) => x, (e) => (e && e.code === 3122 ? null : e)), 15000);
  if (r instanceof Error || r.code !== 0) fail(`${what}: ${r.code} ${r.message}`);
  return r;
}

/** A raw second device of `userID` (platform 2), recording every `RecentContactMod` item. */
async function rawDevice(userID) {
  const { SDKAppID, userSig: sig } = await userSig(userID);
  const url = `${TIM_URL.replace(/^http/, 'ws')}/binfo?sdkappid=${SDKAppID}&instanceid=raw-${userID}` +
    '&random=0.5&platform=2&host=unknown&version=-1&sdkversion=2.27.6';
  const ws = new WebSocket(url);
  const mods = [];
  const readAll = [];
  let loggedIn = null;
  ws.on('message', (data) => {
    let f;
    try { f = JSON.parse(data.toString()); } catch { return; }
    if (f.head && f.head.servcmd === 'im_open_status.wslogin') loggedIn = f.body;
    for (const ev of (f.body && f.body.EventArray) || []) {
      if (ev.Event === 11) mods.push(...ev.RecentContactMod);
      if (ev.Event === 14) readAll.push(ev);
    }
  });
  await new Promise((res, rej) => { ws.on('open', res); ws.on('error', rej); });
  ws.send(JSON.stringify({
    head: { ver: 'v4', platform: 2, websdkappid: 537048168, websdkversion: '1.7.3', sdkappid: SDKAppID,
      contenttype: 'json', reqtime: Math.floor(Date.now() / 1000), servcmd: 'im_open_status.wslogin', seq: 1,
      identifier: userID, usersig: sig },
    body: { State: 'Online', is_web_uniapp: 0, InstType: 0 },
  }));
  await until('raw device login', () => loggedIn);
  if (loggedIn.ErrorCode !== 0) fail(`raw login ${JSON.stringify(loggedIn)}`);
  return { ws, mods, readAll };
}

const tag = `${Date.now()}`;
const alice = await client(`calice${tag}`);
const bob = await client(`cbob${tag}`);
const carol = await client(`ccarol${tag}`);
const device = await rawDevice(alice.userID);
console.log('SDK_READY, second device online');
const T = alice.TIM.TYPES;

for (const [c, text] of [[bob, 'from bob'], [carol, 'from carol']]) {
  const m = c.tim.createTextMessage({ to: alice.userID, conversationType: T.CONV_C2C, payload: { text } });
  await must('sendMessage', c.tim.sendMessage(m));
}
const cBob = `C2C${bob.userID}`;
const cCarol = `C2C${carol.userID}`;
await until('alice has both conversations', async () => {
  const r = await alice.tim.getConversationList();
  const ids = r.data.conversationList.map((c) => c.conversationID);
  return ids.includes(cBob) && ids.includes(cCarol);
});
console.log('alice lists both conversations');

await until('bob unread 1', async () => {
  const r = await alice.tim.getConversationList();
  return r.data.conversationList.find((c) => c.conversationID === cBob && c.unreadCount === 1);
});
await must('setAllMessageRead', alice.tim.setAllMessageRead());
const read = (await alice.tim.getConversationList()).data.conversationList;
if (read.some((c) => c.unreadCount !== 0)) fail(`unread after setAllMessageRead ${read.map((c) => c.unreadCount)}`);
await until('Event 14 on the second device', () => device.readAll.length > 0);
console.log('setAllMessageRead; second device got Event 14');

await must('pinConversation', alice.tim.pinConversation({ conversationID: cCarol, isPinned: true }));
const list1 = (await alice.tim.getConversationList()).data.conversationList;
if (list1[0].conversationID !== cCarol || !list1[0].isPinned) fail(`pinned first ${list1.map((c) => c.conversationID)}`);
const pin = await until('PushType 2 on the second device', () => device.mods.find((m) => m.PushType === 2));
const pinned = pin.RecentContactTopItem.RecentContactList;
if (pinned.length !== 1 || pinned[0].Type !== 1 || pinned[0].UserId !== carol.userID) fail(`pin push ${JSON.stringify(pin)}`);
console.log('pinned; second device got PushType 2');

const marked = await purchased('markConversation', () => alice.tim.markConversation({
  conversationIDList: [cBob], markType: T.CONV_MARK_TYPE_STAR, enableMark: true,
}));
if (marked.data.successConversationIDList[0] !== cBob) fail(`markConversation ${JSON.stringify(marked.data)}`);
const convBob = (await alice.tim.getConversationProfile(cBob)).data.conversation;
if (!convBob.markList.includes(T.CONV_MARK_TYPE_STAR)) fail(`markList ${JSON.stringify(convBob.markList)}`);
const mark = await until('PushType 4', () => device.mods.find((m) => m.PushType === 4));
const mitem = mark.RecentContactMarkContact.RecentContactMarkContactItem[0];
if (mitem.StandardMark !== '1' || mitem.RecentContactItem.UserId !== bob.userID) fail(`mark push ${JSON.stringify(mark)}`);
console.log('marked STAR; second device got PushType 4');

const created = await purchased('createConversationGroup', () => alice.tim.createConversationGroup({
  groupName: 'friends', conversationIDList: [cBob],
}));
if (created.data.successConversationIDList[0] !== cBob) fail(`createConversationGroup ${JSON.stringify(created.data)}`);
const groups = (await must('getConversationGroupList', alice.tim.getConversationGroupList())).data;
if (!groups.includes('friends')) fail(`group list ${JSON.stringify(groups)}`);
const inGroup = (await alice.tim.getConversationProfile(cBob)).data.conversation.conversationGroupList;
if (!inGroup.includes('friends')) fail(`conversationGroupList ${JSON.stringify(inGroup)}`);
const made = await until('PushType 5', () => device.mods.find((m) => m.PushType === 5));
if (made.RecentContactCreateContactGroup.MsgContactGroupContactItem[0].MsgGroupItem.GroupName !== 'friends') {
  fail(`group push ${JSON.stringify(made)}`);
}
console.log('conversation group created; second device got PushType 5');

const dup = await alice.tim.createConversationGroup({ groupName: 'friends', conversationIDList: [cBob] })
  .then(() => null, (e) => e);
if (!dup || dup.code !== 51011) fail(`duplicate group name: ${dup && dup.code}`);
const missing = await alice.tim.deleteConversationGroup('nope').then(() => null, (e) => e);
if (!missing || missing.code !== 51009) fail(`unknown group: ${missing && missing.code}`);

await must('deleteConversation', alice.tim.deleteConversation(cCarol));
const list2 = (await alice.tim.getConversationList()).data.conversationList.map((c) => c.conversationID);
if (list2.includes(cCarol)) fail('carol still listed after deleteConversation');
console.log('deleted carol');

// A fresh official instance reads it all back from the server.
await alice.tim.logout();
await alice.tim.destroy().catch(() => {});
const again = await client(alice.userID);
const fresh = await until('fresh list with bob marked and grouped', async () => {
  const r = await again.tim.getConversationList();
  const b = r.data.conversationList.find((c) => c.conversationID === cBob);
  return b && b.markList.includes(T.CONV_MARK_TYPE_STAR) && b.conversationGroupList.includes('friends') ? r : null;
});
const ids = fresh.data.conversationList.map((c) => c.conversationID);
if (ids.includes(cCarol)) fail(`deleted conversation came back: ${ids}`);
console.log('fresh instance: marks and groups from the server, deleted one absent');

device.ws.close();
for (const c of [again, bob, carol]) {
  await c.tim.logout();
  await c.tim.destroy().catch(() => {});
}
console.log('OK');
process.exit(0);

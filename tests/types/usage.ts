// What an app writes against tim-wasm's types. tests/js/types.test.mjs compiles it with
// `tsc --noEmit --strict` under moduleResolution bundler, node16 as an ES module and node16 as
// CommonJS, against the built package (dist/pkg) installed as node_modules/tim-wasm.
// Every `@ts-expect-error` line is wrong usage that must not compile: tsc fails the run when
// such a line compiles.
import TIM from 'tim-wasm';
import type { ChatSDK, Conversation, Group, GroupMember, Message, Profile, Topic } from 'tim-wasm';

// ---- create(): null unless SDKAppID is numeric
const created = TIM.create({ SDKAppID: 1400000001, proxyServer: 'ws://127.0.0.1:8080' });
// @ts-expect-error create() may return null
created.login({ userID: 'alice', userSig: 'sig' });
if (!created) throw new Error('SDKAppID is not numeric');
const tim: ChatSDK = created;
TIM.create({ SDKAppID: '1400000001', devMode: true, oversea: false });
// @ts-expect-error SDKAppID is required
TIM.create({ proxyServer: 'ws://127.0.0.1:8080' });
// @ts-expect-error a misspelt option
TIM.create({ SDKAppID: 1400000001, proxyServr: 'ws://127.0.0.1:8080' });

// ---- literal constants
const ready: 'sdkStateReady' = TIM.EVENT.SDK_READY;
const textType: 'TIMTextElem' = TIM.TYPES.MSG_TEXT;
const fold: 4 = TIM.TYPES.CONV_MARK_TYPE_FOLD;
const version: '2.27.6' = TIM.VERSION;
const sameTim: typeof TIM = TIM.default;
const anyEvent: TIM.EVENT = TIM.EVENT.KICKED_OUT;
// @ts-expect-error EVENT values are literal types
const misspelt: 'onMessageRecieved' = TIM.EVENT.MESSAGE_RECEIVED;
// @ts-expect-error no such EVENT key
TIM.EVENT.MESSAGE_RECIEVED;
// @ts-expect-error TYPES are read-only
TIM.TYPES.MSG_TEXT = 'TIMCustomElem';
// @ts-expect-error CONV_MARK_TYPE_HIDE is 8 at runtime (the 2.x declarations said 4)
const hide: 4 = TIM.TYPES.CONV_MARK_TYPE_HIDE;

// ---- the event map: a handler's event.data is typed by the event name
tim.on(TIM.EVENT.SDK_READY, (event) => {
  const name: 'sdkStateReady' = event.name;
});
tim.on(TIM.EVENT.MESSAGE_RECEIVED, (event) => {
  const list: Message[] = event.data;
  for (const m of list) {
    // payload narrows by type
    if (m.type === TIM.TYPES.MSG_TEXT) {
      const text: string = m.payload.text;
    } else if (m.type === TIM.TYPES.MSG_CUSTOM) {
      const fields: string = m.payload.data + m.payload.description + m.payload.extension;
    } else if (m.type === TIM.TYPES.MSG_FACE) {
      const index: number = m.payload.index;
    } else if (m.type === TIM.TYPES.MSG_LOCATION) {
      const where: number = m.payload.latitude + m.payload.longitude;
    } else if (m.type === TIM.TYPES.MSG_IMAGE) {
      // Rich media payloads are the server's element content (a later release maps them).
      const raw: Record<string, unknown> = m.payload;
    } else if (m.type === TIM.TYPES.MSG_GRP_TIP) {
      const op: number = m.payload.operationType;
      const group: string = m.payload.groupProfile.groupID;
    } else if (m.type === TIM.TYPES.MSG_GRP_SYS_NOTICE) {
      const handled: string = m.payload.handleMessage;
    }
    const flow: 'in' | 'out' = m.flow;
    const elements: unknown[] | undefined = m.elements;
  }
});
tim.on(TIM.EVENT.MESSAGE_READ_BY_PEER, ({ data }) => data.forEach((m) => m.isPeerRead));
tim.on(TIM.EVENT.CONVERSATION_LIST_UPDATED, ({ data }) => {
  const list: Conversation[] = data;
  const peer: string = list[0].toAccount;
  const group: Group | undefined = list[0].groupProfile;
});
tim.on(TIM.EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, ({ data }) => data.toFixed(0));
tim.on(TIM.EVENT.GROUP_LIST_UPDATED, ({ data }) => data.map((g) => g.memberNum));
tim.on(TIM.EVENT.CONVERSATION_GROUP_LIST_UPDATED, ({ data }) => data.join());
tim.on(TIM.EVENT.CONVERSATION_IN_GROUP_UPDATED, ({ data }) => data.conversationList.length + data.groupName.length);
tim.on(TIM.EVENT.PROFILE_UPDATED, ({ data }) => {
  const profiles: Profile[] = data;
});
tim.on(TIM.EVENT.GROUP_ATTRIBUTES_UPDATED, ({ data }) => data.groupAttributes[data.updatedKeyList[0]]);
tim.on(TIM.EVENT.GROUP_COUNTER_UPDATED, ({ data }) => data.value + 1);
tim.on(TIM.EVENT.TOPIC_UPDATED, ({ data }) => {
  const topic: Topic = data.topic;
});
tim.on(TIM.EVENT.KICKED_OUT, ({ data }) => {
  if (data.type === TIM.TYPES.KICKED_OUT_MULT_DEVICE) tim.login({ userID: 'alice', userSig: 'sig' });
});
tim.on(TIM.EVENT.NET_STATE_CHANGE, ({ data }) => data.state === TIM.TYPES.NET_STATE_DISCONNECTED);
tim.on(TIM.EVENT.ERROR, ({ data }) => data.code + data.message.length);
tim.on(TIM.EVENT.SDK_DESTROY, ({ data }) => data.SDKAppID);
const onGroups = (event: TIM.EventMap['onGroupListUpdated']) => event.data.length;
tim.on(TIM.EVENT.GROUP_LIST_UPDATED, onGroups, { some: 'context' });
tim.off(TIM.EVENT.GROUP_LIST_UPDATED, onGroups);
tim.once(TIM.EVENT.SDK_NOT_READY, () => undefined)?.catch((e: TIM.TimError) => e.code);
// Every event name at once (e.g. a logger): the handler gets the union of the events.
for (const name of Object.values(TIM.EVENT)) tim.on(name, (event) => event.name);

// @ts-expect-error SDK_READY has no data
tim.on(TIM.EVENT.SDK_READY, (event) => event.data);
// @ts-expect-error MESSAGE_RECEIVED carries Message[], not a number
tim.on(TIM.EVENT.MESSAGE_RECEIVED, (event: { name: string; data: number }) => event.data);
tim.on(TIM.EVENT.MESSAGE_RECEIVED, (event) => {
  // @ts-expect-error data is a list of messages, not one
  event.data.ID;
});
tim.on(TIM.EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, (event) => {
  // @ts-expect-error the total is a number
  event.data.length;
});
// @ts-expect-error GROUP_LIST_UPDATED's handler does not take a conversation list event
tim.on(TIM.EVENT.GROUP_LIST_UPDATED, (event: TIM.EventMap['onConversationListUpdated']) => event.data);
// @ts-expect-error an unknown event name
tim.on('onMessageRecieved', () => undefined);

// ---- messages: payload by type
const text = tim.createTextMessage({ to: 'bob', conversationType: TIM.TYPES.CONV_C2C, payload: { text: 'hi' } });
const isText: 'TIMTextElem' = text.type;
const words: string = text.payload.text;
// @ts-expect-error a text message has no custom `data`
text.payload.data;
// @ts-expect-error a text payload is {text}
tim.createTextMessage({ to: 'bob', conversationType: 'C2C', payload: { data: 'x' } });
// @ts-expect-error text must be a string
tim.createTextMessage({ to: 'bob', conversationType: 'C2C', payload: { text: 42 } });
// @ts-expect-error conversationType is C2C or GROUP
tim.createTextMessage({ to: 'bob', conversationType: 'PRIVATE', payload: { text: 'hi' } });
const at = tim.createTextAtMessage({ to: 'g1', conversationType: 'GROUP', payload: { text: '@all', atUserList: [TIM.TYPES.MSG_AT_ALL] } });
const custom = tim.createCustomMessage({
  to: 'g1', conversationType: TIM.TYPES.CONV_GROUP, priority: TIM.TYPES.MSG_PRIORITY_HIGH,
  payload: { data: '{"kind":1}', description: 'd', extension: 'e' },
});
// @ts-expect-error custom payload fields are strings
tim.createCustomMessage({ to: 'g1', conversationType: 'GROUP', payload: { data: 1 } });
// @ts-expect-error priority is one of TYPES.MSG_PRIORITY_*
tim.createCustomMessage({ to: 'g1', conversationType: 'GROUP', priority: 'Urgent', payload: {} });

async function app(): Promise<void> {
  await tim.login({ userID: 'alice', userSig: 'sig' });
  const sent = await tim.sendMessage(custom, { onlineUserOnly: true });
  const description: string = sent.data.message.payload.description;
  const sentText = await tim.sendMessage(text);
  const again: string = sentText.data.message.payload.text;
  await tim.sendMessage(at);
  const page = await tim.getMessageList({ conversationID: 'C2Cbob', count: 15 });
  const history: Message[] = page.data.messageList;
  const done: boolean = page.data.isCompleted;
  const total: number = tim.getTotalUnreadMessageCount();
  // @ts-expect-error getTotalUnreadMessageCount is synchronous
  await tim.getTotalUnreadMessageCount().then;
  const { data: { conversationList } } = await tim.getConversationList({ type: TIM.TYPES.CONV_GROUP });
  await tim.getConversationList(['C2Cbob']);
  const conv = conversationList[0];
  // @ts-expect-error toAccount is a read-only getter
  conv.toAccount = 'carol';
  await tim.deleteConversation('C2Cbob');
  const removed: string[] = (await tim.deleteConversation({ conversationIDList: ['C2Cbob'] })).data.conversationIDList;
  await tim.setAllMessageRead({ scope: TIM.TYPES.READ_ALL_C2C_MSG });
  await tim.markConversation({ conversationIDList: [conv.conversationID], markType: TIM.TYPES.CONV_MARK_TYPE_STAR, enableMark: true });
  const created2 = await tim.createGroup({ name: 'G', type: TIM.TYPES.GRP_PUBLIC, joinOption: TIM.TYPES.JOIN_OPTIONS_FREE_ACCESS });
  const group: Group = created2.data.group;
  // @ts-expect-error memberNum is a read-only getter (writing it does nothing)
  group.memberNum = 3;
  // @ts-expect-error an unknown group type
  await tim.createGroup({ name: 'G', type: 'Secret' });
  const joined = await tim.joinGroup({ groupID: group.groupID });
  if (joined.data.status === TIM.TYPES.JOIN_STATUS_WAIT_APPROVAL) return;
  const members: GroupMember[] = (await tim.getGroupMemberList({ groupID: group.groupID, count: 50 })).data.memberList;
  await tim.setGroupMemberRole({ groupID: group.groupID, userID: members[0].userID, role: TIM.TYPES.GRP_MBR_ROLE_ADMIN });
  await tim.handleGroupApplication({ handleAction: 'Agree', message: history[0] });
  const counters: Record<string, number> = (await tim.increaseGroupCounter({ groupID: group.groupID, key: 'k', value: 1 })).data.counters;
  const me: Profile = (await tim.getMyProfile()).data;
  const others: Profile[] = (await tim.getUserProfile({ userIDList: ['bob'] })).data;
  await tim.updateMyProfile({ nick: 'Alice', gender: TIM.TYPES.GENDER_FEMALE, profileCustomField: [{ key: 'Tag_Profile_Custom_x', value: 'y' }] });
  // @ts-expect-error gender is one of TYPES.GENDER_*
  await tim.updateMyProfile({ gender: 'female' });
  try {
    await tim.quitGroup(group.groupID);
  } catch (e) {
    const code: number = (e as TIM.TimError).code;
  }
  // @ts-expect-error a method this release does not have (no stubs: it is absent at runtime)
  await tim.revokeMessage(sent.data.message);
  // @ts-expect-error the relationship chain is not in this release
  await tim.getFriendList();
  await tim.logout();
  await tim.destroy();
}
app();

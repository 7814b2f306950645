// Types of the tim-js-sdk 2.x surface that tim-wasm implements.
export interface TimResponse<T = any> { code: 0; data: T }
export interface TimError extends Error { code: number; data?: any }
export interface Message {
  ID: string; type: string; payload: any; conversationID: string; conversationType: string;
  to: string; from: string; flow: 'in' | 'out'; time: number; status: 'unSend' | 'success' | 'fail';
  isRevoked: boolean; priority: string; nick: string; avatar: string; isPeerRead: boolean;
  nameCard: string; atUserList: string[]; cloudCustomData: string; isDeleted: boolean; isModified: boolean;
  needReadReceipt: boolean; readReceiptInfo: any; isBroadcastMessage: boolean; isSupportExtension: boolean;
  revoker: string; sequence: number; clientSequence: number; random: number; isPlaceMessage: number;
  isSystemMessage: boolean; protocol: string; isResend: boolean; isRead: boolean; clientTime: number;
  senderTinyID: string; version: number;
}
export interface Conversation {
  conversationID: string; type: string; unreadCount: number; lastMessage: any; userProfile: any;
  groupAtInfoList: any[]; remark: string; isPinned: boolean; messageRemindType: string; markList: number[];
  customData: string; conversationGroupList: string[]; peerReadTime: number; readonly toAccount: string;
  groupProfile?: Group; draftText: string;
}
export interface ConversationFilter { type?: string; markType?: number; groupName?: string }
export interface ConversationResults {
  successConversationIDList: string[];
  failureConversationIDList: { conversationID: string; code: number; message: string }[];
}
export interface Group {
  groupID: string; name: string; avatar: string; type: string; introduction: string; notification: string;
  ownerID: string; createTime: number; infoSequence: number; lastInfoTime: number;
  selfInfo: { messageRemindType: string; joinTime: number; nameCard: string; role: string; userID: string; memberCustomField: { key: string; value: string }[]; readedSequence: number };
  lastMessage: { lastTime: number; lastSequence: number; fromAccount: string; messageForShow: string };
  nextMessageSeq: number; memberCount: number; maxMemberCount: number; muteAllMembers: boolean; joinOption: string;
  groupCustomField: { key: string; value: string }[]; isSupportTopic: boolean;
}
export interface GroupMember {
  userID: string; avatar: string; nick: string; role: string; joinTime: number; nameCard: string; muteUntil: number;
  memberCustomField: { key: string; value: string }[];
}
export interface Profile {
  userID: string; nick: string; gender: string; birthday: number; location: string; selfSignature: string;
  allowType: string; language: number; avatar: string; messageSettings: number; adminForbidType: string;
  level: number; role: number; lastUpdatedTime: number; profileCustomField: { key: string; value: any }[];
}
export interface UpdateMyProfileOptions {
  nick?: string; avatar?: string; gender?: string; selfSignature?: string; allowType?: string; birthday?: number;
  location?: string; language?: number; messageSettings?: number; adminForbidType?: string; level?: number;
  role?: number; profileCustomField?: { key: string; value: string }[];
}
export interface CreateMessageOptions { to: string; conversationType: string; payload: any; priority?: string; cloudCustomData?: string; needReadReceipt?: boolean }
export interface ChatSDK {
  login(options: { userID: string; userSig: string }): Promise<TimResponse>;
  logout(): Promise<TimResponse>;
  destroy(): Promise<TimResponse>;
  on(eventName: string, handler: (event: { name: string; data?: any }) => void, context?: any): void;
  off(eventName: string, handler: (event: { name: string; data?: any }) => void, context?: any, once?: boolean): void;
  once(eventName: string, handler: (event: { name: string; data?: any }) => void, context?: any): void;
  setLogLevel(level: number): void;
  registerPlugin(plugins: Record<string, any>): void;
  createTextMessage(options: CreateMessageOptions & { payload: { text: string } }): Message;
  createCustomMessage(options: CreateMessageOptions & { payload: { data?: string; description?: string; extension?: string } }): Message;
  sendMessage(message: Message, options?: any): Promise<TimResponse<{ message: Message }>>;
  getMessageList(options: { conversationID: string; nextReqMessageID?: string; count?: number }): Promise<TimResponse<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }>>;
  getConversationList(options?: string[] | ConversationFilter): Promise<TimResponse<{ conversationList: Conversation[]; isSyncCompleted: boolean }>>;
  setMessageRead(options: { conversationID: string }): Promise<TimResponse>;
  setAllMessageRead(options?: { scope?: string }): Promise<TimResponse>;
  getTotalUnreadMessageCount(): number;
  getConversationProfile(conversationID: string): Promise<TimResponse<{ conversation: Conversation }>>;
  deleteConversation(options: string): Promise<TimResponse<{ conversationID: string }>>;
  deleteConversation(options: { conversationIDList: string[]; clearHistoryMessage?: boolean }): Promise<TimResponse<{ conversationIDList: string[] }>>;
  pinConversation(options: { conversationID: string; isPinned: boolean }): Promise<TimResponse<{ conversationID: string }>>;
  markConversation(options: { conversationIDList: string[]; markType: number; enableMark: boolean }): Promise<TimResponse<ConversationResults>>;
  setConversationCustomData(options: { conversationIDList: string[]; customData: string }): Promise<TimResponse<ConversationResults>>;
  setConversationDraft(options: { conversationID: string; draftText: string }): Promise<TimResponse>;
  getConversationGroupList(): Promise<TimResponse<string[]>>;
  createConversationGroup(options: { groupName: string; conversationIDList: string[] }): Promise<TimResponse<ConversationResults>>;
  deleteConversationGroup(groupName: string): Promise<TimResponse>;
  renameConversationGroup(options: { oldName: string; newName: string }): Promise<TimResponse>;
  addConversationsToGroup(options: { groupName: string; conversationIDList: string[] }): Promise<TimResponse<ConversationResults>>;
  deleteConversationsFromGroup(options: { groupName: string; conversationIDList: string[] }): Promise<TimResponse<ConversationResults>>;
  createTextAtMessage(options: CreateMessageOptions & { payload: { text: string; atUserList: string[] } }): Message;
  getGroupList(options?: { groupProfileFilter?: string[] }): Promise<TimResponse<{ groupList: Group[] }>>;
  getGroupProfile(options: { groupID: string; groupCustomFieldFilter?: string[] }): Promise<TimResponse<{ group: Group }>>;
  createGroup(options: { name: string; type?: string; groupID?: string; introduction?: string; notification?: string; avatar?: string; maxMemberNum?: number; joinOption?: string; memberList?: { userID: string; role?: string; memberCustomField?: any[] }[]; groupCustomField?: any[]; isSupportTopic?: boolean }): Promise<TimResponse<{ group: Group; overLimitUserIDList: string[] }>>;
  joinGroup(options: { groupID: string; applyMessage?: string; type?: string }): Promise<TimResponse<{ status: string; group?: Group }>>;
  quitGroup(groupID: string): Promise<TimResponse<{ groupID: string }>>;
  dismissGroup(groupID: string): Promise<TimResponse<{ groupID: string }>>;
  changeGroupOwner(options: { groupID: string; newOwnerID: string }): Promise<TimResponse<{ group: Group }>>;
  updateGroupProfile(options: { groupID: string; name?: string; avatar?: string; introduction?: string; notification?: string; maxMemberNum?: number; muteAllMembers?: boolean; joinOption?: string; groupCustomField?: any[] }): Promise<TimResponse<{ group: Group }>>;
  addGroupMember(options: { groupID: string; userIDList: string[] }): Promise<TimResponse<{ successUserIDList: string[]; failureUserIDList: string[]; existedUserIDList: string[]; overLimitUserIDList: string[]; group: Group }>>;
  deleteGroupMember(options: { groupID: string; userIDList: string[]; reason?: string; duration?: number }): Promise<TimResponse<{ group: Group; userIDList: string[] }>>;
  getGroupMemberList(options: { groupID: string; count?: number; offset?: number }): Promise<TimResponse<{ memberList: GroupMember[]; offset: number }>>;
  getGroupMemberProfile(options: { groupID: string; userIDList: string[]; memberCustomFieldFilter?: string[] }): Promise<TimResponse<{ memberList: GroupMember[] }>>;
  setGroupMemberRole(options: { groupID: string; userID: string; role: string }): Promise<TimResponse<{ group: Group; member: GroupMember }>>;
  setGroupMemberMuteTime(options: { groupID: string; userID: string; muteTime: number }): Promise<TimResponse<{ group: Group; member: GroupMember }>>;
  setGroupMemberNameCard(options: { groupID: string; userID?: string; nameCard: string }): Promise<TimResponse<{ group: Group; member: GroupMember }>>;
  setGroupMemberCustomField(options: { groupID: string; userID?: string; memberCustomField: { key: string; value: string }[] }): Promise<TimResponse<{ group: Group; member: GroupMember }>>;
  searchGroupByID(groupID: string): Promise<TimResponse<{ group: Group }>>;
  getGroupApplicationList(): Promise<TimResponse<{ applicationList: any[] }>>;
  handleGroupApplication(options: { handleAction: 'Agree' | 'Reject'; handleMessage?: string; message: Message }): Promise<TimResponse<{ group: Group }>>;
  getGroupOnlineMemberCount(groupID: string): Promise<TimResponse<{ memberCount: number }>>;
  markGroupMemberList(options: { groupID: string; userIDList: string[]; markType: number; enableMark: boolean }): Promise<TimResponse<{ successUserIDList: string[]; failureUserIDList: string[] }>>;
  initGroupAttributes(options: { groupID: string; groupAttributes: Record<string, string> }): Promise<TimResponse<{ groupAttributes: Record<string, string> }>>;
  setGroupAttributes(options: { groupID: string; groupAttributes: Record<string, string> }): Promise<TimResponse<{ groupAttributes: Record<string, string> }>>;
  deleteGroupAttributes(options: { groupID: string; keyList: string[] }): Promise<TimResponse<{ keyList: string[] }>>;
  getGroupAttributes(options: { groupID: string; keyList: string[] }): Promise<TimResponse<{ groupAttributes: Record<string, string> }>>;
  setGroupCounters(options: { groupID: string; counters: Record<string, number> }): Promise<TimResponse<{ counters: Record<string, number> }>>;
  increaseGroupCounter(options: { groupID: string; key: string; value: number }): Promise<TimResponse<{ counters: Record<string, number> }>>;
  decreaseGroupCounter(options: { groupID: string; key: string; value: number }): Promise<TimResponse<{ counters: Record<string, number> }>>;
  getGroupCounters(options: { groupID: string; keyList?: string[] }): Promise<TimResponse<{ counters: Record<string, number> }>>;
  getJoinedCommunityList(): Promise<TimResponse<{ groupList: Group[] }>>;
  createTopicInCommunity(options: { groupID: string; topicName: string; topicID?: string; avatar?: string; notification?: string; introduction?: string; customData?: string }): Promise<TimResponse<{ topicID: string }>>;
  deleteTopicFromCommunity(options: { groupID: string; topicIDList?: string[] }): Promise<TimResponse<{ successTopicList: { topicID: string }[]; failureTopicList: { topicID: string; code: number; message: string }[] }>>;
  updateTopicProfile(options: { groupID: string; topicID: string; topicName?: string; avatar?: string; notification?: string; introduction?: string; customData?: string; muteAllMembers?: boolean }): Promise<TimResponse<{ topic: Topic }>>;
  getTopicList(options: { groupID: string; topicIDList?: string[] }): Promise<TimResponse<{ successTopicList: Topic[]; failureTopicList: { topicID: string; code: number; message: string }[] }>>;
  getMyProfile(): Promise<TimResponse<Profile>>;
  getUserProfile(options: { userIDList: string[] }): Promise<TimResponse<Profile[]>>;
  updateMyProfile(options: UpdateMyProfileOptions): Promise<TimResponse<Profile>>;
}
export interface Topic {
  topicID: string; topicName: string; avatar: string; introduction: string; notification: string;
  unreadCount: number; muteAllMembers: boolean; customData: string; groupAtInfoList: any[]; lastMessage: any;
  selfInfo: { muteTime: number; readedSequence: number; messageRemindType: string; excludedUnreadSequenceList?: number[] };
  nextMessageSeq: number;
}
export interface CreateOptions { SDKAppID: number; proxyServer?: string; devMode?: boolean; [k: string]: any }
declare const TIM: {
  create(options: CreateOptions): ChatSDK;
  EVENT: Record<string, string>;
  TYPES: Record<string, string | number>;
  VERSION: string;
};
export default TIM;

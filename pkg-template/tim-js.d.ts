// Types of tim-wasm, the drop-in for tim-js-sdk 2.27.6: TIM.create/EVENT/TYPES/VERSION, the
// instance methods this release has (no others: tests/js/types.test.mjs compares this file
// with a created instance), the objects it hands out and the data of every event.
//
// The entry points are CommonJS/UMD files whose module.exports is TIM (with TIM.default === TIM),
// hence `export =`: `import TIM from 'tim-wasm'` (esModuleInterop / bundlers / Node ESM),
// `import TIM = require('tim-wasm')` and the script-tag global `TIM` are all typed.
export = TIM;
export as namespace TIM;

declare const TIM: TIM.TIMStatic;

declare namespace TIM {
  // ------------------------------------------------------------------ static members

  interface TIMStatic {
    /**
     * The instance for `options.SDKAppID` (the same object again until it is destroyed), or
     * `null` when SDKAppID is not a finite number or a numeric string.
     */
    create(options: CreateOptions): ChatSDK | null;
    readonly EVENT: EventConstants;
    readonly TYPES: TypesConstants;
    readonly VERSION: '2.27.6';
    /** The CommonJS export carries itself as `default`. */
    readonly default: TIMStatic;
  }

  interface CreateOptions {
    /** Application ID: a number or a numeric string. */
    SDKAppID: number | string;
    /** WebSocket base URL of the tim-server (the SDK appends `/binfo?…`). */
    proxyServer?: string;
    /** Text frames instead of binary ones. */
    devMode?: boolean;
    /** `false`: one connection per tab, as tim-js-sdk (default: tabs share one). */
    shareConnection?: boolean;
    /** tim-js-sdk options this release accepts and ignores. */
    oversea?: boolean;
    fileUploadProxy?: string;
    fileDownloadProxy?: string;
    unlimitedAVChatRoom?: boolean;
    scene?: string;
  }

  /** TIM.EVENT: the 31 event names of tim-js-sdk 2.27.6, exact values. */
  interface EventConstants {
    readonly SDK_READY: 'sdkStateReady';
    readonly SDK_NOT_READY: 'sdkStateNotReady';
    readonly SDK_DESTROY: 'sdkDestroy';
    readonly MESSAGE_RECEIVED: 'onMessageReceived';
    readonly MESSAGE_MODIFIED: 'onMessageModified';
    readonly MESSAGE_REVOKED: 'onMessageRevoked';
    readonly MESSAGE_READ_BY_PEER: 'onMessageReadByPeer';
    readonly MESSAGE_READ_RECEIPT_RECEIVED: 'onMessageReadReceiptReceived';
    readonly MESSAGE_EXTENSIONS_UPDATED: 'onMessageExtensionsUpdated';
    readonly MESSAGE_EXTENSIONS_DELETED: 'onMessageExtensionsDeleted';
    readonly CONVERSATION_LIST_UPDATED: 'onConversationListUpdated';
    readonly TOTAL_UNREAD_MESSAGE_COUNT_UPDATED: 'onTotalUnreadMessageCountUpdated';
    readonly CONVERSATION_GROUP_LIST_UPDATED: 'onConversationGroupListUpdated';
    readonly CONVERSATION_IN_GROUP_UPDATED: 'onConversationInGroupUpdated';
    readonly GROUP_LIST_UPDATED: 'onGroupListUpdated';
    readonly GROUP_ATTRIBUTES_UPDATED: 'groupAttributesUpdated';
    readonly GROUP_COUNTER_UPDATED: 'onGroupCounterUpdated';
    readonly TOPIC_CREATED: 'onTopicCreated';
    readonly TOPIC_DELETED: 'onTopicDeleted';
    readonly TOPIC_UPDATED: 'onTopicUpdated';
    readonly PROFILE_UPDATED: 'onProfileUpdated';
    readonly USER_STATUS_UPDATED: 'onUserStatusUpdated';
    readonly BLACKLIST_UPDATED: 'blacklistUpdated';
    readonly FRIEND_LIST_UPDATED: 'onFriendListUpdated';
    readonly FRIEND_GROUP_LIST_UPDATED: 'onFriendGroupListUpdated';
    readonly FRIEND_APPLICATION_LIST_UPDATED: 'onFriendApplicationListUpdated';
    readonly KICKED_OUT: 'kickedOut';
    readonly ERROR: 'error';
    readonly NET_STATE_CHANGE: 'netStateChange';
    readonly GROUP_SYSTEM_NOTICE_RECEIVED: 'receiveGroupSystemNotice';
    readonly SDK_RELOAD: 'sdkReload';
  }

  /** TIM.TYPES: the 108 constants of tim-js-sdk 2.27.6, exact values (runtime ones). */
  interface TypesConstants {
    readonly MSG_TEXT: 'TIMTextElem';
    readonly MSG_IMAGE: 'TIMImageElem';
    readonly MSG_SOUND: 'TIMSoundElem';
    readonly MSG_AUDIO: 'TIMSoundElem';
    readonly MSG_FILE: 'TIMFileElem';
    readonly MSG_FACE: 'TIMFaceElem';
    readonly MSG_VIDEO: 'TIMVideoFileElem';
    readonly MSG_GEO: 'TIMLocationElem';
    readonly MSG_LOCATION: 'TIMLocationElem';
    readonly MSG_GRP_TIP: 'TIMGroupTipElem';
    readonly MSG_GRP_SYS_NOTICE: 'TIMGroupSystemNoticeElem';
    readonly MSG_CUSTOM: 'TIMCustomElem';
    readonly MSG_MERGER: 'TIMRelayElem';
    readonly MSG_PRIORITY_HIGH: 'High';
    readonly MSG_PRIORITY_NORMAL: 'Normal';
    readonly MSG_PRIORITY_LOW: 'Low';
    readonly MSG_PRIORITY_LOWEST: 'Lowest';
    readonly CONV_C2C: 'C2C';
    readonly CONV_GROUP: 'GROUP';
    readonly CONV_TOPIC: 'TOPIC';
    readonly CONV_SYSTEM: '@TIM#SYSTEM';
    readonly CONV_AT_ME: 1;
    readonly CONV_AT_ALL: 2;
    readonly CONV_AT_ALL_AT_ME: 3;
    readonly CONV_MARK_TYPE_STAR: 1;
    readonly CONV_MARK_TYPE_UNREAD: 2;
    readonly CONV_MARK_TYPE_FOLD: 4;
    readonly CONV_MARK_TYPE_HIDE: 8;
    readonly GRP_PRIVATE: 'Private';
    readonly GRP_WORK: 'Private';
    readonly GRP_PUBLIC: 'Public';
    readonly GRP_CHATROOM: 'ChatRoom';
    readonly GRP_MEETING: 'ChatRoom';
    readonly GRP_AVCHATROOM: 'AVChatRoom';
    readonly GRP_COMMUNITY: 'Community';
    readonly GRP_MBR_ROLE_OWNER: 'Owner';
    readonly GRP_MBR_ROLE_ADMIN: 'Admin';
    readonly GRP_MBR_ROLE_MEMBER: 'Member';
    readonly GRP_MBR_ROLE_CUSTOM: 'Custom';
    readonly GRP_TIP_MBR_JOIN: 1;
    readonly GRP_TIP_MBR_QUIT: 2;
    readonly GRP_TIP_MBR_KICKED_OUT: 3;
    readonly GRP_TIP_MBR_SET_ADMIN: 4;
    readonly GRP_TIP_MBR_CANCELED_ADMIN: 5;
    readonly GRP_TIP_GRP_PROFILE_UPDATED: 6;
    readonly GRP_TIP_MBR_PROFILE_UPDATED: 7;
    readonly GRP_TIP_BAN_AVCHATROOM_MEMBER: 10;
    readonly GRP_TIP_UNBAN_AVCHATROOM_MEMBER: 11;
    readonly MSG_REMIND_ACPT_AND_NOTE: 'AcceptAndNotify';
    readonly MSG_REMIND_ACPT_NOT_NOTE: 'AcceptNotNotify';
    readonly MSG_REMIND_DISCARD: 'Discard';
    readonly GENDER_UNKNOWN: 'Gender_Type_Unknown';
    readonly GENDER_FEMALE: 'Gender_Type_Female';
    readonly GENDER_MALE: 'Gender_Type_Male';
    readonly KICKED_OUT_MULT_ACCOUNT: 'multipleAccount';
    readonly KICKED_OUT_MULT_DEVICE: 'multipleDevice';
    readonly KICKED_OUT_USERSIG_EXPIRED: 'userSigExpired';
    readonly KICKED_OUT_REST_API: 'REST_API_Kick';
    readonly ALLOW_TYPE_ALLOW_ANY: 'AllowType_Type_AllowAny';
    readonly ALLOW_TYPE_NEED_CONFIRM: 'AllowType_Type_NeedConfirm';
    readonly ALLOW_TYPE_DENY_ANY: 'AllowType_Type_DenyAny';
    readonly FORBID_TYPE_NONE: 'AdminForbid_Type_None';
    readonly FORBID_TYPE_SEND_OUT: 'AdminForbid_Type_SendOut';
    readonly JOIN_OPTIONS_FREE_ACCESS: 'FreeAccess';
    readonly JOIN_OPTIONS_NEED_PERMISSION: 'NeedPermission';
    readonly JOIN_OPTIONS_DISABLE_APPLY: 'DisableApply';
    readonly JOIN_STATUS_SUCCESS: 'JoinedSuccess';
    readonly JOIN_STATUS_ALREADY_IN_GROUP: 'AlreadyInGroup';
    readonly JOIN_STATUS_WAIT_APPROVAL: 'WaitAdminApproval';
    readonly INVITE_OPTIONS_DISABLE_INVITE: 'DisableInvite';
    readonly INVITE_OPTIONS_NEED_PERMISSION: 'NeedPermission';
    readonly INVITE_OPTIONS_FREE_ACCESS: 'FreeAccess';
    readonly GRP_PROFILE_OWNER_ID: 'ownerID';
    readonly GRP_PROFILE_CREATE_TIME: 'createTime';
    readonly GRP_PROFILE_LAST_INFO_TIME: 'lastInfoTime';
    readonly GRP_PROFILE_MEMBER_NUM: 'memberNum';
    readonly GRP_PROFILE_MAX_MEMBER_NUM: 'maxMemberNum';
    readonly GRP_PROFILE_JOIN_OPTION: 'joinOption';
    readonly GRP_PROFILE_INVITE_OPTION: 'inviteOption';
    readonly GRP_PROFILE_INTRODUCTION: 'introduction';
    readonly GRP_PROFILE_NOTIFICATION: 'notification';
    readonly GRP_PROFILE_MUTE_ALL_MBRS: 'muteAllMembers';
    readonly SNS_ADD_TYPE_SINGLE: 'Add_Type_Single';
    readonly SNS_ADD_TYPE_BOTH: 'Add_Type_Both';
    readonly SNS_DELETE_TYPE_SINGLE: 'Delete_Type_Single';
    readonly SNS_DELETE_TYPE_BOTH: 'Delete_Type_Both';
    readonly SNS_APPLICATION_TYPE_BOTH: 'Pendency_Type_Both';
    readonly SNS_APPLICATION_SENT_TO_ME: 'Pendency_Type_ComeIn';
    readonly SNS_APPLICATION_SENT_BY_ME: 'Pendency_Type_SendOut';
    readonly SNS_APPLICATION_AGREE: 'Response_Action_Agree';
    readonly SNS_APPLICATION_AGREE_AND_ADD: 'Response_Action_AgreeAndAdd';
    readonly SNS_CHECK_TYPE_BOTH: 'CheckResult_Type_Both';
    readonly SNS_CHECK_TYPE_SINGLE: 'CheckResult_Type_Single';
    readonly SNS_TYPE_NO_RELATION: 'CheckResult_Type_NoRelation';
    readonly SNS_TYPE_A_WITH_B: 'CheckResult_Type_AWithB';
    readonly SNS_TYPE_B_WITH_A: 'CheckResult_Type_BWithA';
    readonly SNS_TYPE_BOTH_WAY: 'CheckResult_Type_BothWay';
    readonly NET_STATE_CONNECTED: 'connected';
    readonly NET_STATE_CONNECTING: 'connecting';
    readonly NET_STATE_DISCONNECTED: 'disconnected';
    readonly MSG_AT_ALL: '__kImSDK_MesssageAtALL__';
    readonly READ_ALL_C2C_MSG: 'readAllC2CMessage';
    readonly READ_ALL_GROUP_MSG: 'readAllGroupMessage';
    readonly READ_ALL_MSG: 'readAllMessage';
    readonly USER_STATUS_UNKNOWN: 0;
    readonly USER_STATUS_ONLINE: 1;
    readonly USER_STATUS_OFFLINE: 2;
    readonly USER_STATUS_UNLOGINED: 3;
  }

  /** Any TIM.EVENT value; also usable as `TIM.EVENT` in a type position, as tim-js-sdk's enum. */
  type EVENT = EventConstants[keyof EventConstants];
  /** Any TIM.TYPES value. */
  type TYPES = TypesConstants[keyof TypesConstants];

  type MessageType = TypesConstants['MSG_TEXT' | 'MSG_IMAGE' | 'MSG_SOUND' | 'MSG_FILE' | 'MSG_FACE' | 'MSG_VIDEO' | 'MSG_LOCATION' | 'MSG_GRP_TIP' | 'MSG_GRP_SYS_NOTICE' | 'MSG_CUSTOM' | 'MSG_MERGER'];
  type MessagePriority = 'High' | 'Normal' | 'Low' | 'Lowest';
  /** `conversationType` of a message you create: one-to-one or group (topics: GROUP with the topic ID as `to`). */
  type MessageConversationType = 'C2C' | 'GROUP';
  type ConversationType = 'C2C' | 'GROUP' | 'TOPIC' | '@TIM#SYSTEM';
  type GroupType = 'Private' | 'Public' | 'ChatRoom' | 'AVChatRoom' | 'Community';
  type GroupMemberRole = 'Owner' | 'Admin' | 'Member' | 'Custom';
  type JoinOption = 'FreeAccess' | 'NeedPermission' | 'DisableApply';
  type JoinStatus = 'JoinedSuccess' | 'AlreadyInGroup' | 'WaitAdminApproval';
  type MessageRemindType = 'AcceptAndNotify' | 'AcceptNotNotify' | 'Discard';
  type Gender = 'Gender_Type_Unknown' | 'Gender_Type_Female' | 'Gender_Type_Male';
  type AllowType = 'AllowType_Type_AllowAny' | 'AllowType_Type_NeedConfirm' | 'AllowType_Type_DenyAny';
  type AdminForbidType = 'AdminForbid_Type_None' | 'AdminForbid_Type_SendOut';
  type KickedOutType = 'multipleAccount' | 'multipleDevice' | 'userSigExpired' | 'REST_API_Kick';
  type NetState = 'connected' | 'connecting' | 'disconnected';
  type ReadAllScope = 'readAllC2CMessage' | 'readAllGroupMessage' | 'readAllMessage';

  // ------------------------------------------------------------------ results and errors

  /** What every Promise API resolves with. */
  interface TimResponse<T> { code: 0; data: T }
  /** What every Promise API rejects with: an Error with tim-js-sdk's `code` (ERROR-CODES). */
  interface TimError extends Error { code: number; data?: unknown }
  /** `data` of calls that resolve with an empty object. */
  type Empty = Record<string, never>;
  interface KeyValue<V = string> { key: string; value: V }

  // ------------------------------------------------------------------ messages

  interface TextPayload { text: string }
  interface TextAtPayload { text: string; atUserList: string[] }
  interface CustomPayload { data: string; description: string; extension: string }
  interface FacePayload { index: number; data: string }
  interface LocationPayload { description: string; longitude: number; latitude: number }
  /**
   * Image, sound, video, file and merged messages (rich media comes in a later release): the
   * element's content as the server sent it, keys with their first letter lower-cased — not
   * tim-js-sdk's payload fields yet.
   */
  type RawPayload = Record<string, unknown>;
  /** A group tip; `operationType` is a TIM.TYPES.GRP_TIP_* value. Other server fields are copied through. */
  interface GroupTipPayload {
    operatorID: string;
    operationType: number;
    userIDList: string[];
    groupProfile: { groupID: string; groupName?: string; from?: string; to?: string };
    memberList?: unknown[];
    newGroupProfile?: Record<string, unknown>;
    memberNum?: number;
    memberCount?: number;
    [field: string]: unknown;
  }
  /** A group system notice (in `@TIM#SYSTEM`); `operationType` 1–11, 255. Other server fields are copied through. */
  interface GroupSystemNoticePayload {
    operationType: number;
    groupProfile: { groupID: string; name?: string; from?: string; to?: string };
    operatorID: string;
    handleMessage: string;
    authentication?: string;
    messageKey?: string;
    [field: string]: unknown;
  }

  /** `payload` by message `type`. */
  interface MessagePayloadMap {
    TIMTextElem: TextPayload | TextAtPayload;
    TIMCustomElem: CustomPayload;
    TIMFaceElem: FacePayload;
    TIMLocationElem: LocationPayload;
    TIMImageElem: RawPayload;
    TIMFileElem: RawPayload;
    TIMSoundElem: RawPayload;
    TIMVideoFileElem: RawPayload;
    TIMRelayElem: RawPayload;
    TIMGroupTipElem: GroupTipPayload;
    TIMGroupSystemNoticeElem: GroupSystemNoticePayload;
  }

  /** The fields every message has (own data, plus the prototype's read-only `elements`). */
  interface MessageBase {
    ID: string;
    conversationID: string;
    /** `TOPIC` for a message in a topic (conversationID `GROUP<topicID>`). */
    conversationType: ConversationType;
    to: string;
    from: string;
    flow: 'in' | 'out';
    time: number;
    status: 'unSend' | 'success' | 'fail';
    isRevoked: boolean;
    priority: MessagePriority;
    nick: string;
    avatar: string;
    isPeerRead: boolean;
    nameCard: string;
    atUserList: string[];
    cloudCustomData: string;
    isDeleted: boolean;
    isModified: boolean;
    needReadReceipt: boolean;
    readReceiptInfo: Record<string, unknown>;
    isBroadcastMessage: boolean;
    isSupportExtension: boolean;
    revoker: string;
    sequence: number;
    clientSequence: number;
    random: number;
    isPlaceMessage: number;
    isSystemMessage: boolean;
    protocol: string;
    isResend: boolean;
    isRead: boolean;
    clientTime: number;
    senderTinyID: string;
    version: number;
    /** The message's elements as sent on the wire (a prototype getter). */
    readonly elements: unknown[] | undefined;
    getElements(): unknown[] | undefined;
  }
  /** A message of one `type`, with that type's payload. */
  interface MessageOf<K extends keyof MessagePayloadMap> extends MessageBase {
    type: K;
    payload: MessagePayloadMap[K];
  }
  type TextMessage = MessageOf<'TIMTextElem'>;
  type CustomMessage = MessageOf<'TIMCustomElem'>;
  /** A message: a union by `type`, so `if (m.type === TIM.TYPES.MSG_TEXT) m.payload.text` narrows. */
  type Message = { [K in keyof MessagePayloadMap]: MessageOf<K> }[keyof MessagePayloadMap];

  interface CreateMessageOptions<P> {
    to: string;
    conversationType: MessageConversationType;
    payload: P;
    priority?: MessagePriority;
    cloudCustomData?: string;
    needReadReceipt?: boolean;
  }
  interface SendMessageOptions {
    onlineUserOnly?: boolean;
    offlinePushInfo?: {
      disablePush?: boolean; disableVoipPush?: boolean; title?: string; description?: string; extension?: string;
      ignoreIOSBadge?: boolean; androidOPPOChannelID?: string;
    };
    messageControlInfo?: { excludedFromUnreadCount?: boolean; excludedFromLastMessage?: boolean; excludedFromContentModeration?: boolean };
  }

  // ------------------------------------------------------------------ conversations

  interface ConversationLastMessage {
    lastTime: number; lastSequence: number; fromAccount: string; messageForShow: string; payload: unknown;
    type: MessageType | ''; isRevoked: boolean; cloudCustomData: string; onlineOnlyFlag: boolean; nick: string;
    nameCard: string; version: number; isPeerRead: boolean; revoker: string | null;
  }
  interface GroupAtInfo { from: string; groupID: string; messageSequence: number; atTypeArray: number[] }
  interface Conversation {
    conversationID: string;
    type: ConversationType;
    unreadCount: number;
    lastMessage: ConversationLastMessage;
    groupAtInfoList: GroupAtInfo[];
    remark: string;
    isPinned: boolean;
    messageRemindType: MessageRemindType | '';
    markList: number[];
    customData: string;
    conversationGroupList: string[];
    peerReadTime: number;
    draftText: string;
    /** C2C conversations: the peer (userID, nick, avatar). */
    userProfile?: Pick<Profile, 'userID' | 'nick' | 'avatar'>;
    /** Group and topic conversations. */
    groupProfile?: Group;
    /** conversationID without its `C2C` / `GROUP` prefix (a prototype getter). */
    readonly toAccount: string;
    /** The group's type for group conversations, else `""` (a prototype getter). */
    readonly subType: GroupType | '';
  }
  interface ConversationFilter { type?: ConversationType; markType?: number; groupName?: string }
  interface ConversationResults {
    successConversationIDList: string[];
    failureConversationIDList: { conversationID: string; code: number; message: string }[];
  }

  // ------------------------------------------------------------------ groups

  interface GroupSelfInfo {
    messageRemindType: MessageRemindType | ''; joinTime: number; nameCard: string; role: GroupMemberRole | '';
    userID: string; memberCustomField: KeyValue[]; readedSequence: number; excludedUnreadSequenceList: number[];
  }
  interface Group {
    groupID: string;
    name: string;
    avatar: string;
    type: GroupType | '';
    introduction: string;
    notification: string;
    ownerID: string;
    createTime: number;
    infoSequence: number;
    lastInfoTime: number;
    selfInfo: GroupSelfInfo;
    lastMessage: { lastTime: number; lastSequence: number; fromAccount: string; messageForShow: string };
    nextMessageSeq: number;
    memberCount: number;
    maxMemberCount: number;
    muteAllMembers: boolean;
    joinOption: JoinOption | '';
    inviteOption: string;
    groupCustomField: KeyValue[];
    isSupportTopic: boolean;
    /** Mirrors `memberCount` (a prototype getter; writing it does nothing). */
    readonly memberNum: number;
    /** Mirrors `maxMemberCount` (a prototype getter; writing it does nothing). */
    readonly maxMemberNum: number;
  }
  interface GroupMember {
    userID: string;
    avatar: string;
    nick: string;
    role: GroupMemberRole | '';
    joinTime: number;
    nameCard: string;
    muteUntil: number;
    memberCustomField: KeyValue[];
    lastSendMsgTime: number;
  }
  interface GroupApplication {
    applicant: string; applicantNick: string; groupID: string; groupName: string; authentication: string;
    messageKey: number | string; applicationType: number; userID: string;
  }
  interface Topic {
    topicID: string;
    topicName: string;
    avatar: string;
    introduction: string;
    notification: string;
    unreadCount: number;
    muteAllMembers: boolean;
    customData: string;
    groupAtInfoList: GroupAtInfo[];
    lastMessage: ConversationLastMessage;
    selfInfo: { muteTime: number; readedSequence: number; messageRemindType: MessageRemindType | ''; excludedUnreadSequenceList: number[] | null };
    nextMessageSeq: number;
  }
  interface TopicFailure { topicID: string; code: number; message: string }
  /** The result of a member change: the group, and the member's userID with the field that changed. */
  interface GroupMemberChange<K extends keyof GroupMember> { group: Group; member: Pick<GroupMember, 'userID' | K> }
  interface CreateGroupOptions {
    name: string;
    type?: GroupType;
    groupID?: string;
    introduction?: string;
    notification?: string;
    avatar?: string;
    maxMemberNum?: number;
    joinOption?: JoinOption;
    inviteOption?: string;
    memberList?: { userID: string; role?: GroupMemberRole; memberCustomField?: KeyValue[] }[];
    groupCustomField?: KeyValue[];
    isSupportTopic?: boolean;
  }
  interface UpdateGroupProfileOptions {
    groupID: string;
    name?: string;
    avatar?: string;
    introduction?: string;
    notification?: string;
    maxMemberNum?: number;
    muteAllMembers?: boolean;
    joinOption?: JoinOption;
    inviteOption?: string;
    groupCustomField?: KeyValue[];
  }

  // ------------------------------------------------------------------ profiles

  interface Profile {
    userID: string;
    nick: string;
    /** `""` until set. */
    gender: Gender | '';
    birthday: number;
    location: string;
    selfSignature: string;
    allowType: AllowType;
    language: number;
    avatar: string;
    messageSettings: number;
    adminForbidType: AdminForbidType;
    level: number;
    role: number;
    lastUpdatedTime: number;
    profileCustomField: KeyValue<string | number>[];
  }
  interface UpdateMyProfileOptions {
    nick?: string;
    avatar?: string;
    gender?: Gender;
    selfSignature?: string;
    allowType?: AllowType;
    birthday?: number;
    location?: string;
    language?: number;
    messageSettings?: 0 | 1;
    adminForbidType?: AdminForbidType;
    level?: number;
    role?: number;
    profileCustomField?: KeyValue[];
  }

  /** The shapes of the relationship chain, for the events below (no friend methods in this release). */
  interface Friend {
    userID: string; remark: string; groupList: string[]; source: string; profile: Profile;
    friendCustomField: KeyValue[]; addTime: number; timestamp: number;
  }
  interface FriendApplication { userID: string; avatar: string; nick: string; time: number; source: string; wording: string; type: string }
  interface FriendGroup { name: string; userIDList: string[]; count: number }
  interface UserStatus { userID: string; statusType: number; customStatus: string }

  // ------------------------------------------------------------------ events

  /** The event object a handler gets: `{name, data}` (no `data` for SDK_READY / SDK_NOT_READY). */
  interface TimEvent<N extends EVENT, D> { name: N; data: D }
  interface EventMap {
    sdkStateReady: { name: 'sdkStateReady' };
    sdkStateNotReady: { name: 'sdkStateNotReady' };
    sdkDestroy: TimEvent<'sdkDestroy', { SDKAppID: number }>;
    onMessageReceived: TimEvent<'onMessageReceived', Message[]>;
    onMessageModified: TimEvent<'onMessageModified', Message[]>;
    onMessageRevoked: TimEvent<'onMessageRevoked', Message[]>;
    onMessageReadByPeer: TimEvent<'onMessageReadByPeer', Message[]>;
    onMessageReadReceiptReceived: TimEvent<'onMessageReadReceiptReceived', Record<string, unknown>[]>;
    onMessageExtensionsUpdated: TimEvent<'onMessageExtensionsUpdated', { messageID: string; extensions: KeyValue[] }>;
    onMessageExtensionsDeleted: TimEvent<'onMessageExtensionsDeleted', { messageID: string; keyList: string[] }>;
    onConversationListUpdated: TimEvent<'onConversationListUpdated', Conversation[]>;
    onTotalUnreadMessageCountUpdated: TimEvent<'onTotalUnreadMessageCountUpdated', number>;
    onConversationGroupListUpdated: TimEvent<'onConversationGroupListUpdated', string[]>;
    onConversationInGroupUpdated: TimEvent<'onConversationInGroupUpdated', { groupName: string; conversationList: Conversation[] }>;
    onGroupListUpdated: TimEvent<'onGroupListUpdated', Group[]>;
    groupAttributesUpdated: TimEvent<'groupAttributesUpdated', { groupID: string; groupAttributes: Record<string, string>; updatedKeyList: string[]; deletedKeyList: string[] }>;
    onGroupCounterUpdated: TimEvent<'onGroupCounterUpdated', { groupID: string; key: string; value: number }>;
    onTopicCreated: TimEvent<'onTopicCreated', { groupID: string; topicID: string }>;
    onTopicDeleted: TimEvent<'onTopicDeleted', { groupID: string; topicIDList: string[] }>;
    onTopicUpdated: TimEvent<'onTopicUpdated', { groupID: string; topic: Topic }>;
    onProfileUpdated: TimEvent<'onProfileUpdated', Profile[]>;
    onUserStatusUpdated: TimEvent<'onUserStatusUpdated', UserStatus[]>;
    blacklistUpdated: TimEvent<'blacklistUpdated', string[]>;
    onFriendListUpdated: TimEvent<'onFriendListUpdated', Friend[]>;
    onFriendGroupListUpdated: TimEvent<'onFriendGroupListUpdated', FriendGroup[]>;
    onFriendApplicationListUpdated: TimEvent<'onFriendApplicationListUpdated', { friendApplicationList: FriendApplication[]; unreadCount: number }>;
    kickedOut: TimEvent<'kickedOut', { type: KickedOutType }>;
    error: TimEvent<'error', { code: number; message: string }>;
    netStateChange: TimEvent<'netStateChange', { state: NetState }>;
    receiveGroupSystemNotice: TimEvent<'receiveGroupSystemNotice', unknown>;
    sdkReload: TimEvent<'sdkReload', unknown>;
  }
  type EventHandler<N extends EVENT> = (event: EventMap[N]) => void;

  // ------------------------------------------------------------------ the instance

  /** An SDK instance: a prototype-less object whose own properties are exactly these methods. */
  interface ChatSDK {
    login(options: { userID: string; userSig: string }): Promise<TimResponse<{
      actionStatus: string; errorCode: number; errorInfo: string; a2Key: string; tinyID: string;
      instanceID: number; helloInterval: number; timeStamp: number; repeatLogin: boolean;
    }>>;
    logout(): Promise<TimResponse<Empty>>;
    destroy(): Promise<TimResponse<Empty>>;
    on<N extends EVENT>(eventName: N, handler: EventHandler<N>, context?: unknown): void;
    off<N extends EVENT>(eventName: N, handler: EventHandler<N>, context?: unknown, once?: boolean): void;
    /** Refused before SDK_READY: returns a rejected Promise (2024) and registers nothing. */
    once<N extends EVENT>(eventName: N, handler: EventHandler<N>, context?: unknown): Promise<never> | undefined;
    /** Accepted (0 all … 4 none); this release logs nothing by itself. */
    setLogLevel(level: number): void;
    registerPlugin(plugins: Record<string, unknown>): void;

    createTextMessage(options: CreateMessageOptions<TextPayload>): MessageOf<'TIMTextElem'>;
    createTextAtMessage(options: CreateMessageOptions<TextAtPayload>): MessageOf<'TIMTextElem'>;
    createCustomMessage(options: CreateMessageOptions<Partial<CustomPayload>>): MessageOf<'TIMCustomElem'>;
    sendMessage<M extends Message>(message: M, options?: SendMessageOptions): Promise<TimResponse<{ message: M }>>;
    getMessageList(options: { conversationID: string; nextReqMessageID?: string; count?: number }): Promise<TimResponse<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }>>;
    setMessageRead(options: { conversationID: string }): Promise<TimResponse<Empty>>;
    setAllMessageRead(options?: { scope?: ReadAllScope }): Promise<TimResponse<Empty>>;
    /** Synchronous. */
    getTotalUnreadMessageCount(): number;

    getConversationList(options?: string[] | ConversationFilter): Promise<TimResponse<{ conversationList: Conversation[]; isSyncCompleted: boolean }>>;
    getConversationProfile(conversationID: string): Promise<TimResponse<{ conversation: Conversation }>>;
    deleteConversation(conversationID: string): Promise<TimResponse<{ conversationID: string }>>;
    deleteConversation(options: { conversationIDList: string[]; clearHistoryMessage?: boolean }): Promise<TimResponse<{ conversationIDList: string[] }>>;
    pinConversation(options: { conversationID: string; isPinned: boolean }): Promise<TimResponse<{ conversationID: string }>>;
    markConversation(options: { conversationIDList: string[]; markType: number; enableMark: boolean }): Promise<TimResponse<ConversationResults>>;
    setConversationCustomData(options: { conversationIDList: string[]; customData: string }): Promise<TimResponse<ConversationResults>>;
    setConversationDraft(options: { conversationID: string; draftText: string }): Promise<TimResponse<Empty>>;
    getConversationGroupList(): Promise<TimResponse<string[]>>;
    createConversationGroup(options: { groupName: string; conversationIDList: string[] }): Promise<TimResponse<ConversationResults>>;
    deleteConversationGroup(groupName: string): Promise<TimResponse<Empty>>;
    renameConversationGroup(options: { oldName: string; newName: string }): Promise<TimResponse<Empty>>;
    addConversationsToGroup(options: { groupName: string; conversationIDList: string[] }): Promise<TimResponse<ConversationResults>>;
    deleteConversationsFromGroup(options: { groupName: string; conversationIDList: string[] }): Promise<TimResponse<ConversationResults>>;

    getGroupList(options?: { groupProfileFilter?: string[] }): Promise<TimResponse<{ groupList: Group[] }>>;
    getGroupProfile(options: { groupID: string; groupCustomFieldFilter?: string[] }): Promise<TimResponse<{ group: Group }>>;
    createGroup(options: CreateGroupOptions): Promise<TimResponse<{ group: Group; overLimitUserIDList: string[] }>>;
    joinGroup(options: { groupID: string; applyMessage?: string; type?: GroupType }): Promise<TimResponse<{ status: JoinStatus; group?: Group }>>;
    quitGroup(groupID: string): Promise<TimResponse<{ groupID: string }>>;
    dismissGroup(groupID: string): Promise<TimResponse<{ groupID: string }>>;
    changeGroupOwner(options: { groupID: string; newOwnerID: string }): Promise<TimResponse<{ group: Group }>>;
    updateGroupProfile(options: UpdateGroupProfileOptions): Promise<TimResponse<{ group: Group }>>;
    searchGroupByID(groupID: string): Promise<TimResponse<{ group: Group }>>;
    getGroupApplicationList(): Promise<TimResponse<{ applicationList: GroupApplication[] }>>;
    handleGroupApplication(options: { handleAction: 'Agree' | 'Reject'; handleMessage?: string } & ({ message: Message } | { application: GroupApplication })): Promise<TimResponse<{ group: Group }>>;
    getGroupOnlineMemberCount(groupID: string): Promise<TimResponse<{ memberCount: number }>>;

    addGroupMember(options: { groupID: string; userIDList: string[] }): Promise<TimResponse<{ successUserIDList: string[]; failureUserIDList: string[]; existedUserIDList: string[]; overLimitUserIDList: string[]; group: Group }>>;
    deleteGroupMember(options: { groupID: string; userIDList: string[]; reason?: string; duration?: number }): Promise<TimResponse<{ group: Group; userIDList: string[] }>>;
    /** AVChatRoom: the server's recent members, with userID, nick, avatar and joinTime filled; `offset` is its time cursor (0: done). */
    getGroupMemberList(options: { groupID: string; count?: number; offset?: number; filter?: number }): Promise<TimResponse<{ memberList: GroupMember[]; offset: number }>>;
    getGroupMemberProfile(options: { groupID: string; userIDList: string[]; memberCustomFieldFilter?: string[] }): Promise<TimResponse<{ memberList: GroupMember[] }>>;
    setGroupMemberRole(options: { groupID: string; userID: string; role: GroupMemberRole }): Promise<TimResponse<GroupMemberChange<'role'>>>;
    setGroupMemberMuteTime(options: { groupID: string; userID: string; muteTime: number }): Promise<TimResponse<GroupMemberChange<'muteUntil'>>>;
    setGroupMemberNameCard(options: { groupID: string; userID?: string; nameCard: string }): Promise<TimResponse<GroupMemberChange<'nameCard'>>>;
    setGroupMemberCustomField(options: { groupID: string; userID?: string; memberCustomField: KeyValue[] }): Promise<TimResponse<GroupMemberChange<'memberCustomField'>>>;
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
    deleteTopicFromCommunity(options: { groupID: string; topicIDList?: string[] }): Promise<TimResponse<{ successTopicList: { topicID: string }[]; failureTopicList: TopicFailure[] }>>;
    updateTopicProfile(options: { groupID: string; topicID: string; topicName?: string; avatar?: string; notification?: string; introduction?: string; customData?: string; muteAllMembers?: boolean }): Promise<TimResponse<{ topic: Topic }>>;
    getTopicList(options: { groupID: string; topicIDList?: string[] }): Promise<TimResponse<{ successTopicList: Topic[]; failureTopicList: TopicFailure[] }>>;

    getMyProfile(): Promise<TimResponse<Profile>>;
    getUserProfile(options: { userIDList: string[] }): Promise<TimResponse<Profile[]>>;
    updateMyProfile(options: UpdateMyProfileOptions): Promise<TimResponse<Profile>>;
  }
}

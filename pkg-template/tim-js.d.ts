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
  getConversationList(): Promise<TimResponse<{ conversationList: Conversation[]; isSyncCompleted: boolean }>>;
  setMessageRead(options: { conversationID: string }): Promise<TimResponse>;
}
export interface CreateOptions { SDKAppID: number; proxyServer?: string; devMode?: boolean; [k: string]: any }
declare const TIM: {
  create(options: CreateOptions): ChatSDK;
  EVENT: Record<string, string>;
  TYPES: Record<string, string | number>;
  VERSION: string;
};
export default TIM;

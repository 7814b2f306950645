/// <reference types="tim-wasm" />
// A script (no import): the UMD global `TIM` of a <script src="tim-js.js"> page.
// Compiled by tests/js/types.test.mjs.
const page = TIM.create({ SDKAppID: 1400000001 });
page?.on(TIM.EVENT.CONVERSATION_LIST_UPDATED, (event) => event.data.map((c: TIM.Conversation) => c.unreadCount));
// @ts-expect-error create() may return null
page.logout();

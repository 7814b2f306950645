// CommonJS apps: `import TIM = require(...)` (and the default import with esModuleInterop) of
// the package and of its other entry points. Compiled by tests/js/types.test.mjs (node16).
import TIM = require('tim-wasm');
import Friendship = require('tim-wasm/tim-js-friendship.js');
import Default from 'tim-wasm';

const tim: TIM.ChatSDK | null = TIM.create({ SDKAppID: 1400000001 });
const same: typeof TIM = Default;
const viaDefault: typeof TIM = TIM.default;
const friendship: TIM.ChatSDK | null = Friendship.create({ SDKAppID: 1400000001 });
const type: 'TIMCustomElem' = Friendship.TYPES.MSG_CUSTOM;
if (tim) {
  tim.on(TIM.EVENT.MESSAGE_RECEIVED, (event) => {
    const list: TIM.Message[] = event.data;
  });
  // @ts-expect-error PROFILE_UPDATED carries Profile[], not messages
  tim.on(TIM.EVENT.PROFILE_UPDATED, (event: TIM.EventMap['onMessageReceived']) => event.data);
}

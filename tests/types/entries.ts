// The other entry points an app may name, and the `"tim-js-sdk": "npm:tim-wasm@…"` alias:
// each is typed as the main one. Compiled by tests/js/types.test.mjs (bundler and node16).
import TIM from 'tim-wasm';
import Friendship from 'tim-wasm/tim-js-friendship.js';
import Es from 'tim-wasm/tim-js.es.js';
import FriendshipEs from 'tim-wasm/tim-js-friendship.es.js';
import Aliased from 'tim-js-sdk';
import type { Message } from 'tim-js-sdk';

const all: (typeof TIM)[] = [Friendship, Es, FriendshipEs, Aliased];
const tim = Aliased.create({ SDKAppID: 1400000001 });
tim?.on(Aliased.EVENT.MESSAGE_RECEIVED, (event) => {
  const list: Message[] = event.data;
});

// The built package (dist/pkg) against the official tim-js-sdk 2.27.6 as oracle:
// - TIM.EVENT / TIM.TYPES / TIM.VERSION are exactly the official values;
// - the UMD entry points export TIM through CommonJS (with .default) and as a global;
// - every shipped JS file parses as ES2019 (webpack 4's parser level): no ?., ??, import.meta.
//
//   node tests/js/package.test.mjs
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import assert from 'node:assert/strict';
import * as acorn from 'acorn';

const require = createRequire(import.meta.url);
const pkg = new URL('../../dist/pkg/', import.meta.url).pathname;
const official = require('tim-js-sdk/tim-js-friendship.js');
const ours = require(pkg + 'tim-js.js');

assert.deepEqual({ ...ours.EVENT }, { ...official.EVENT }, 'TIM.EVENT matches tim-js-sdk 2.27.6');
assert.deepEqual({ ...ours.TYPES }, { ...official.TYPES }, 'TIM.TYPES matches tim-js-sdk 2.27.6');
assert.equal(ours.VERSION, official.VERSION);
assert.equal(ours.default, ours, 'CommonJS export has .default');
assert.equal(require(pkg + 'tim-js-friendship.js').VERSION, official.VERSION);

// Script-tag use: a global TIM.
const ctx = { atob, console, setInterval, clearInterval, setTimeout, clearTimeout, Promise, WebAssembly, TextDecoder, TextEncoder };
ctx.globalThis = ctx;
vm.createContext(ctx);
vm.runInContext(readFileSync(pkg + 'tim-js.js', 'utf8'), ctx);
assert.equal(typeof ctx.TIM.create, 'function', 'script tag defines global TIM');

const editions = Object.keys(JSON.parse(readFileSync(new URL('../../api/editions.json', import.meta.url), 'utf8')).editions);
for (const edition of editions) {
  delete globalThis[Symbol.for('tim-wasm.TIM')];
  const TIM = require(pkg + `${edition}.js`);
  assert.deepEqual({ ...TIM.EVENT }, { ...official.EVENT }, `${edition}.js: TIM.EVENT`);
  assert.equal(TIM.VERSION, official.VERSION, `${edition}.js: TIM.VERSION`);
}
for (const [file, sourceType] of editions.flatMap((e) => [[`${e}.js`, 'script'], [`${e}.es.js`, 'module']])) {
  const src = readFileSync(pkg + file, 'utf8');
  assert.doesNotThrow(() => acorn.parse(src, { ecmaVersion: 2019, sourceType }), `${file} parses as ES2019`);
  assert.ok(!src.includes('import.meta'), `${file} has no import.meta`);
}
const esm = await import(pkg + 'tim-js.es.js');
assert.equal(esm.default.VERSION, official.VERSION, 'ES module default export is TIM');
console.log('ok: package entry points, constants and syntax level');

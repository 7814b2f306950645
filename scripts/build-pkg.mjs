// Assemble the npm package in dist/pkg from the wasm-bindgen output and js/, one set of entry
// points per edition of api/editions.json: <edition>.js (UMD: global TIM, CommonJS
// module.exports = TIM with .default), the ES module variant <edition>.es.js and <edition>.d.ts
// (tim-js, tim-js-friendship, basic). The wasm binary is inlined
// (hex), so no loader needs import.meta.url or a URL the app must serve.
// Every copy registers its TIM on globalThis under Symbol.for('tim-wasm.TIM'); a copy that
// finds one there (the UMD and the ES file both loaded, two copies bundled) returns it instead
// of starting a second SDK, so one app never has two instances for one SDKAppID.
// The instance's engine methods come from api/methods.json (docs/architecture.md "Method
// manifest"): each edition gets the present `sync` and `async` methods of its features, as
// `var METHODS = {sync: [...], async: [...]}` before js/facade.js.
// Prints the gzip and brotli sizes of the package's JS (which contains the wasm) and writes
// them to dist/pkg/SIZE.json.
import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify } from 'terser';
import { parseChatSDK } from './chat-sdk-dts.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bindgen = process.argv[2] || join(root, 'target', 'wasm-bindgen');
const out = join(root, 'dist', 'pkg');
mkdirSync(out, { recursive: true });

// The no-modules glue guesses a default wasm URL from document.currentScript; we always pass
// the inlined bytes, and that guess throws where `document` is partial (SSR shims, Mini
// Programs), so it is removed.
const scriptSrc = /if \(typeof document !== 'undefined' && document\.currentScript !== null\) \{\s*script_src = [^\n]*\n\s*\}/;
// The wasm-bindgen output of one feature set (scripts/build-sdk.sh: <bindgen>/<set>).
function buildOf(set) {
  const dir = join(bindgen, set);
  const rawGlue = readFileSync(join(dir, 'tim_wasm.js'), 'utf8');
  if (!scriptSrc.test(rawGlue)) throw new Error('wasm-bindgen glue changed: document.currentScript block not found');
  return { glue: rawGlue.replace(scriptSrc, ''), wasm: readFileSync(join(dir, 'tim_wasm_bg.wasm')) };
}
const constantsJs = readFileSync(join(root, 'js', 'constants.js'), 'utf8');
const facade = readFileSync(join(root, 'js', 'facade.js'), 'utf8');
// The classes of the objects the SDK hands out (Message, Conversation, …) and the message registry.
const objects = readFileSync(join(root, 'js', 'objects.js'), 'utf8');
// Tab sharing (one connection for the tabs of one app and user), used by the facade.
const tabs = readFileSync(join(root, 'js', 'tabs.js'), 'utf8');
// The platform under the engine (sockets, clock, inflation) and the IndexedDB cache store.
const platform = readFileSync(join(root, 'js', 'store.js'), 'utf8') + readFileSync(join(root, 'js', 'platform.js'), 'utf8');
// Hex keeps the wasm's byte alignment visible to gzip/brotli, so the inlined binary costs about
// what the binary itself costs after compression (base64 costs about a third more).
const decoderOf = (wasm) => `
var WASM_HEX = '${wasm.toString('hex')}';
function loadWasmBytes() {
  var n = WASM_HEX.length >> 1, bytes = new Uint8Array(n), d = new Uint8Array(128), i;
  for (i = 0; i < 10; i++) d[48 + i] = i;
  for (i = 0; i < 6; i++) d[97 + i] = 10 + i;
  for (i = 0; i < n; i++) bytes[i] = (d[WASM_HEX.charCodeAt(2 * i)] << 4) | d[WASM_HEX.charCodeAt(2 * i + 1)];
  return bytes;
}
`;
// The registry, around the body inside each entry point's function: the lookup returns early,
// before the wasm glue is even evaluated.
const lookup = `var TIM_ROOT = typeof globalThis !== 'undefined' ? globalThis : typeof self !== 'undefined' ? self : {};
var TIM_KEY = typeof Symbol === 'function' && Symbol['for'] ? Symbol['for']('tim-wasm.TIM') : '__timWasmTIM';
var TIM_SHARED = TIM_ROOT[TIM_KEY];
if (TIM_SHARED && typeof TIM_SHARED.create === 'function') return TIM_SHARED;
`;
const register = `try { Object.defineProperty(TIM_ROOT, TIM_KEY, { value: TIM, configurable: true, writable: true }); } catch (e) { /* a frozen global: no sharing */ }
`;
// The method manifest, and the features (edition parts) each edition is built with
// (api/editions.json; docs/architecture.md "Editions").
const FEATURES = ['base', 'conversations', 'groups', 'rooms'];
const KINDS = ['facade', 'sync', 'async'];
const EDITIONS = JSON.parse(readFileSync(join(root, 'api', 'editions.json'), 'utf8')).editions;
for (const [edition, features] of Object.entries(EDITIONS)) {
  if (!features.includes('base') || features.some((f) => !FEATURES.includes(f))) throw new Error(`api/editions.json: ${edition}: features must include base and be among ${FEATURES}`);
}
const setOf = (features) => [...features].sort().join('+');
const manifest = JSON.parse(readFileSync(join(root, 'api', 'methods.json'), 'utf8'));
for (const m of manifest) {
  if (!FEATURES.includes(m.feature) || !KINDS.includes(m.kind)) throw new Error(`api/methods.json: ${m.name}: unknown feature ${m.feature} or kind ${m.kind}`);
}
function methodsOf(features) {
  const names = (kind) => manifest.filter((m) => m.present && m.kind === kind && features.includes(m.feature)).map((m) => m.name);
  return `var METHODS = ${JSON.stringify({ sync: names('sync'), async: names('async') })};\n`;
}
// The d.ts of an edition: the template (which declares every present method, checked by
// tests/js/manifest.test.mjs) without the `ChatSDK` members of the features it lacks, each
// removed with the comments above it.
function dtsOf(dts, features) {
  const absent = new Set(manifest.filter((m) => m.present && !features.includes(m.feature)).map((m) => m.name));
  let out = '';
  let at = 0;
  for (const m of parseChatSDK(dts)) {
    if (!absent.has(m.name)) continue;
    out += dts.slice(at, m.from);
    at = m.to;
  }
  return out + dts.slice(at);
}
const bodyOf = (build, methods) => `${lookup}${build.glue}\n${decoderOf(build.wasm)}\n${constantsJs}\n${objects}\n${tabs}\n${platform}\n${methods}${facade}\n${register}`;
const banner = `/*! tim-wasm ${JSON.parse(readFileSync(join(root, 'pkg-template', 'package.json'), 'utf8')).version} — drop-in for tim-js-sdk 2.27.6 */\n`;

const umdOf = (body) => `${banner}(function (root, factory) {
  if (typeof exports === 'object' && typeof module !== 'undefined') { module.exports = factory(); }
  else if (typeof define === 'function' && define.amd) { define(factory); }
  else { root.TIM = factory(); }
})(typeof globalThis !== 'undefined' ? globalThis : typeof self !== 'undefined' ? self : this, function () {
'use strict';
${body}
return TIM;
});
`;
const esmOf = (body) => `${banner}var TIM = (function () {
'use strict';
${body}
return TIM;
})();
export default TIM;
`;

// Minified like the official bundles; `ecma: 2019` keeps the output within webpack 4's parser.
async function shrink(code, module) {
  const r = await minify(code, { ecma: 2019, module, compress: { passes: 2 }, mangle: true, format: { comments: /^!/ } });
  return r.code;
}
// One minified pair per distinct feature set (editions with the same features share it).
const built = {};
const umdMins = {};
const wasmSizes = {};
const dtsTemplate = readFileSync(join(root, 'pkg-template', 'tim-js.d.ts'), 'utf8');
for (const [edition, features] of Object.entries(EDITIONS)) {
  const set = setOf(features);
  if (!built[set]) {
    const build = buildOf(set);
    const body = bodyOf(build, methodsOf(features));
    built[set] = { umd: await shrink(umdOf(body), false), esm: await shrink(esmOf(body), true), wasm: build.wasm.length };
  }
  umdMins[`${edition}.js`] = built[set].umd;
  wasmSizes[`${edition}.js`] = built[set].wasm;
  writeFileSync(join(out, `${edition}.js`), built[set].umd);
  writeFileSync(join(out, `${edition}.es.js`), built[set].esm);
  writeFileSync(join(out, `${edition}.d.ts`), dtsOf(dtsTemplate, features));
}
for (const f of ['package.json', 'README.md']) copyFileSync(join(root, 'pkg-template', f), join(out, f));

const gzip = (s) => gzipSync(s, { level: 9 }).length;
const brotli = (s) => brotliCompressSync(s, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1024).toFixed(1) + ' KB';
const measure = (s) => ({ raw: s.length, gzip: gzip(s), brotli: brotli(s) });
// Every UMD edition, measured the same way (scripts/size-budget.mjs checks them against
// size-budget.json); the top-level fields are tim-js.js's, as before.
const files = Object.fromEntries(Object.entries(umdMins).map(([name, text]) => [name, { ...measure(text), wasm: wasmSizes[name] }]));
const sizes = { ...files['tim-js.js'], files };
console.log(`package: ${out}`);
for (const [name, f] of Object.entries(files)) {
  console.log(`${name} (wasm inlined): ${kb(f.raw)} raw, ${kb(f.gzip)} gzip, ${kb(f.brotli)} brotli (wasm binary: ${kb(f.wasm)}${name === 'tim-js.js' ? '; target <= 100 KB brotli' : ''})`);
}
// The baselines, measured in the same run with the same settings: the official bundle, and
// lite-chat's basic edition (the target of a basic edition).
for (const [key, label, path] of [
  ['official', 'official tim-js-sdk 2.27.6 tim-js-friendship.js', ['tim-js-sdk', 'tim-js-friendship.js']],
  ['liteChatBasic', '@tencentcloud/lite-chat 4.2.1 basic.js', ['@tencentcloud', 'lite-chat', 'basic.js']],
]) {
  try {
    const file = readFileSync(join(root, 'node_modules', ...path));
    sizes[key] = measure(file);
    console.log(`${label}: ${kb(sizes[key].raw)} raw, ${kb(sizes[key].gzip)} gzip, ${kb(sizes[key].brotli)} brotli`);
  } catch {
    console.log(`${label} not installed: no baseline measured`);
  }
}
writeFileSync(join(out, 'SIZE.json'), JSON.stringify(sizes) + '\n');

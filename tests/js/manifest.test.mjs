// The method manifest (api/methods.json, docs/architecture.md "Method manifest") against the
// places that list the instance methods, so they cannot drift apart:
// - its own shape: unique names, known `feature` and `kind`, `args` / `result` strings;
// - pkg-template/tim-js.d.ts: the `ChatSDK` interface declares exactly the present methods, each
//   with the manifest's generics, args and result (and its `overloads`, in order), whitespace
//   normalised;
// - the built package (dist/pkg, run scripts/build-sdk.sh first): an instance from every entry
//   point has exactly the present methods as its own function properties;
// - js/facade.js: it assigns exactly the `facade` methods itself (`tim.name = …`);
// - docs/api.md: the tables under "Instance methods present" name exactly the present methods,
//   in the manifest's order (first cell of each row: `` `name(…)` `` or `` `name` ``, several per
//   row allowed: `` `a` / `b` ``).
// The engine's dispatch is checked by crates/tim-core/tests/manifest.rs.
//
//   node tests/js/manifest.test.mjs
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { parseChatSDK as parseMembers } from '../../scripts/chat-sdk-dts.mjs';

const require = createRequire(import.meta.url);
const root = new URL('../../', import.meta.url).pathname;
const read = (path) => readFileSync(root + path, 'utf8');
const manifest = JSON.parse(read('api/methods.json'));
const present = manifest.filter((m) => m.present);
const presentNames = present.map((m) => m.name);
const sorted = (list) => [...list].sort();

// ---------------------------------------------------------------- the manifest itself
const FEATURES = ['base', 'conversations', 'groups', 'rooms'];
const KINDS = ['facade', 'sync', 'async'];
const seen = new Set();
for (const m of manifest) {
  assert.ok(/^[A-Za-z]\w*$/.test(m.name), `manifest: bad name ${JSON.stringify(m.name)}`);
  assert.ok(!seen.has(m.name), `manifest: ${m.name} is listed twice`);
  seen.add(m.name);
  assert.ok(FEATURES.includes(m.feature), `manifest: ${m.name}: feature ${m.feature} is not one of ${FEATURES}`);
  assert.ok(KINDS.includes(m.kind), `manifest: ${m.name}: kind ${m.kind} is not one of ${KINDS}`);
  assert.equal(typeof m.present, 'boolean', `manifest: ${m.name}: present must be true or false`);
  assert.equal(typeof m.args, 'string', `manifest: ${m.name}: args must be a string`);
  assert.equal(typeof m.result, 'string', `manifest: ${m.name}: result must be a string`);
}

// ---------------------------------------------------------------- the TypeScript declarations
// `interface ChatSDK { … }` as [{name, generics?, args, result}], in declaration order.
const parseChatSDK = (dts) => parseMembers(dts).map(({ from, to, ...decl }) => decl);
const declared = parseChatSDK(read('pkg-template/tim-js.d.ts'));
const declaredNames = [...new Set(declared.map((d) => d.name))];
assert.deepEqual(sorted(declaredNames), sorted(presentNames), 'ChatSDK declares exactly the present methods of api/methods.json');
for (const m of present) {
  const want = [{ generics: m.generics, args: m.args, result: m.result }, ...(m.overloads || [])].map((d) =>
    ({ name: m.name, ...(d.generics ? { generics: d.generics } : {}), args: d.args, result: d.result }));
  assert.deepEqual(declared.filter((d) => d.name === m.name), want, `ChatSDK.${m.name}: the d.ts and api/methods.json differ`);
}

// ---------------------------------------------------------------- the built package
// Every edition of api/editions.json: its instances have exactly the present methods of its
// features, and its d.ts declares exactly those.
const EDITIONS = JSON.parse(read('api/editions.json')).editions;
const REGISTRY = Symbol.for('tim-wasm.TIM');
const instances = [];
for (const [edition, features] of Object.entries(EDITIONS)) {
  const names = present.filter((m) => features.includes(m.feature)).map((m) => m.name);
  const dtsNames = parseChatSDK(readFileSync(root + `dist/pkg/${edition}.d.ts`, 'utf8')).map((d) => d.name);
  assert.deepEqual(sorted(new Set(dtsNames)), sorted(names), `${edition}.d.ts: ChatSDK declares exactly the edition's methods`);
  for (const file of [`${edition}.js`, `${edition}.es.js`]) {
    // Each copy on its own (a copy finds an earlier one through the registry and returns it).
    delete globalThis[REGISTRY];
    const path = root + 'dist/pkg/' + file;
    const TIM = file.endsWith('.es.js') ? (await import(path)).default : require(path);
    const tim = TIM.create({ SDKAppID: 1, proxyServer: 'ws://127.0.0.1:9' });
    assert.ok(tim, `${file}: TIM.create returns an instance`);
    assert.ok(!instances.includes(tim), `${file}: a copy of its own`);
    instances.push(tim);
    assert.deepEqual(sorted(Object.keys(tim)), sorted(names), `${file}: the instance's methods are exactly the present methods of its edition (api/editions.json, api/methods.json)`);
    assert.deepEqual(sorted(Object.getOwnPropertyNames(tim)), sorted(names), `${file}: no hidden own properties`);
    for (const name of names) assert.equal(typeof tim[name], 'function', `${file}: ${name} is a function`);
  }
}

// ---------------------------------------------------------------- the facade's own methods
const facade = read('js/facade.js');
const assigned = [...new Set([...facade.matchAll(/^\s*tim\.(\w+)\s*=/gm)].map((m) => m[1]))];
assert.deepEqual(sorted(assigned), sorted(present.filter((m) => m.kind === 'facade').map((m) => m.name)),
  'js/facade.js assigns exactly the `facade` methods of api/methods.json itself (the others come from METHODS)');

// ---------------------------------------------------------------- docs/api.md
const api = read('docs/api.md');
const from = api.indexOf('## Instance methods present');
const to = api.indexOf('\n## ', from + 1);
assert.ok(from >= 0 && to > from, 'docs/api.md has a section "Instance methods present"');
const documented = [];
for (const line of api.slice(from, to).split('\n')) {
  if (!line.startsWith('| `')) continue;
  const cell = line.slice(1, line.indexOf(' |', 1));
  for (const m of cell.matchAll(/`([A-Za-z]\w*)[(`]/g)) if (!documented.includes(m[1])) documented.push(m[1]);
}
assert.deepEqual(documented, presentNames,
  'the tables of docs/api.md "Instance methods present" name exactly the present methods of api/methods.json, in its order');

for (const tim of instances) tim.destroy().catch(() => {});
console.log(`ok: api/methods.json (${present.length} present methods) matches tim-js.d.ts, the built instance, js/facade.js and docs/api.md`);

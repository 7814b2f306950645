// The package's shape in real bundlers and in Node: one TIM, one module instance per app.
//
// A fixture app gets the built package (dist/pkg) in node_modules/tim-js-sdk, as an app that
// switched with "tim-js-sdk": "npm:tim-wasm@…" has it, next to two CommonJS dependencies:
// - `tsignaling-like` does `module.exports = wrap(require("tim-js-sdk"))` and reads TIM.EVENT at
//   start-up, as the `tsignaling` package of the official demos does;
// - `legacy-like` requires another entry point, `tim-js-sdk/tim-js-friendship.js` (a second
//   copy of the SDK in the bundle).
// The app does `import TIM from "tim-js-sdk"`. It is bundled with webpack 4, webpack 5 and Vite
// (production builds, each run in its own Node vm context) and served by Vite's dev server to
// headless Chromium: no start-up error, the dependencies' TIM is the app's TIM, and
// TIM.create({SDKAppID}) gives one instance whichever copy it is called through. Then Node itself: `require` and `import` of every entry
// point give that same object, and the exports map gives `types` for every entry point.
//
//   node tests/js/bundlers.test.mjs
import { createRequire } from 'node:module';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import vm from 'node:vm';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const pkg = new URL('../../dist/pkg/', import.meta.url).pathname;
const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
const APP = 1400000001;

// ---------------------------------------------------------------- the fixture app
const dir = mkdtempSync(join(tmpdir(), 'tim-bundlers-'));
const write = (path, text) => {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
};
cpSync(pkg, join(dir, 'node_modules', 'tim-js-sdk'), { recursive: true });
write('package.json', JSON.stringify({
  name: 'fixture-app', private: true,
  dependencies: { 'tim-js-sdk': `npm:tim-wasm@${version}`, 'tsignaling-like': '1.0.0', 'legacy-like': '1.0.0' },
}));
write('node_modules/tsignaling-like/package.json', JSON.stringify({ name: 'tsignaling-like', version: '1.0.0', main: 'index.js' }));
write('node_modules/tsignaling-like/index.js', `// Like tsignaling: a CommonJS wrapper around the SDK it requires.
function wrap(TIM) {
  var ready = TIM.EVENT.SDK_READY;
  return { TIM: TIM, ready: ready, create: function (options) { return TIM.create(options); } };
}
module.exports = wrap(require('tim-js-sdk'));
`);
write('node_modules/legacy-like/package.json', JSON.stringify({ name: 'legacy-like', version: '1.0.0', main: 'index.js' }));
write('node_modules/legacy-like/index.js', `module.exports = require('tim-js-sdk/tim-js-friendship.js');\n`);
write('src/index.js', `import TIM from 'tim-js-sdk';
import signaling from 'tsignaling-like';
import Legacy from 'legacy-like';

var options = { SDKAppID: ${APP} };
globalThis.fixture = {
  TIM: TIM,
  signaling: signaling,
  Legacy: Legacy,
  app: TIM.create(options),
  viaSignaling: signaling.create(options),
  viaLegacy: Legacy.create(options),
};
`);

// Each bundle in a fresh context with the host APIs a page has (no window, no navigator: the
// SDK runs without shared tabs), timers that do not keep the process alive.
function run(name, file) {
  const ctx = {
    console, atob, TextDecoder, TextEncoder, URL,
    setTimeout: (f, ms) => setTimeout(f, ms).unref(),
    clearTimeout,
    setInterval: (f, ms) => setInterval(f, ms).unref(),
    clearInterval,
  };
  vm.createContext(ctx);
  try {
    vm.runInContext(readFileSync(file, 'utf8'), ctx, { filename: file });
  } catch (e) {
    assert.fail(`${name}: the bundle throws at start-up: ${String(e && e.message).slice(0, 300)}`);
  }
  check(name, summarize(ctx.fixture));
}

// What the app saw, as plain data (also evaluated inside a page: no outer references).
function summarize(f) {
  if (!f) return { ran: false };
  return {
    ran: true,
    isTIM: typeof f.TIM.create === 'function',
    depTIM: f.signaling.TIM === f.TIM,
    depEvent: f.signaling.ready,
    copyTIM: f.Legacy === f.TIM,
    instance: !!f.app && typeof f.app.login === 'function',
    depInstance: f.viaSignaling === f.app,
    copyInstance: f.viaLegacy === f.app,
  };
}

function check(name, s) {
  assert.ok(s.ran, `${name}: the app ran`);
  assert.ok(s.isTIM, `${name}: import TIM from "tim-js-sdk" is TIM`);
  assert.ok(s.depTIM, `${name}: require("tim-js-sdk") in a dependency is the app's TIM`);
  assert.equal(s.depEvent, 'sdkStateReady', `${name}: the dependency read TIM.EVENT at start-up`);
  assert.ok(s.copyTIM, `${name}: a second copy (tim-js-friendship.js) gives the first copy's TIM`);
  assert.ok(s.instance, `${name}: TIM.create returns an instance`);
  assert.ok(s.depInstance, `${name}: TIM.create through the dependency returns the app's instance`);
  assert.ok(s.copyInstance, `${name}: TIM.create through the second copy returns the app's instance`);
  console.log(`ok: ${name}: one TIM, one instance`);
}

const quiet = { stats: 'errors-only' };
function webpackBuild(webpack, out, extra) {
  return new Promise((resolve, reject) => {
    webpack({
      mode: 'production',
      context: dir,
      entry: './src/index.js',
      target: 'web',
      devtool: false,
      performance: { hints: false },
      output: { path: join(dir, out), filename: 'main.js', ...extra },
    }, (err, stats) => {
      if (err) return reject(err);
      if (stats.hasErrors()) return reject(new Error(stats.toString(quiet)));
      resolve(join(dir, out, 'main.js'));
    });
  });
}

try {
  // webpack 4: mainFields browser, module, main, also for require() inside dependencies; no
  // exports map. Node 20's OpenSSL has no md4, webpack 4's default hash.
  run('webpack 4', await webpackBuild(require('webpack4'), 'out-webpack4', { hashFunction: 'sha256' }));
  // webpack 5: the exports map, with `import` / `require` conditions.
  run('webpack 5', await webpackBuild(require('webpack5'), 'out-webpack5', {}));
  // Vite (Rollup and its CommonJS plugin), one IIFE so that it runs in a vm context.
  const { build } = await import('vite');
  await build({
    root: dir,
    configFile: false,
    logLevel: 'error',
    build: {
      outDir: join(dir, 'out-vite'),
      modulePreload: false,
      rollupOptions: { input: join(dir, 'src/index.js'), output: { format: 'iife', entryFileNames: 'main.js' } },
    },
  });
  run('Vite', join(dir, 'out-vite', 'main.js'));
  // Vite's dev server (dependencies pre-bundled by esbuild, served as ES modules) in headless
  // Chromium.
  write('index.html', '<!doctype html><script type="module" src="/src/index.js"></script>\n');
  const { createServer } = await import('vite');
  const server = await createServer({ root: dir, configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0 } });
  await server.listen();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.resolvedUrls.local[0]);
    await page.waitForFunction(() => globalThis.fixture, null, { timeout: 30000 }).catch(() => {});
    assert.deepEqual(errors, [], 'Vite dev: no start-up error');
    check('Vite dev', await page.evaluate(summarize.toString().replace(/^function summarize/, '(function') + ')(globalThis.fixture)'));
  } finally {
    await browser.close();
    await server.close();
  }

  // ------------------------------------------------------------ Node
  const entries = ['.', './tim-js.js', './tim-js-friendship.js', './tim-js.es.js', './tim-js-friendship.es.js'];
  const manifest = JSON.parse(readFileSync(join(dir, 'node_modules/tim-js-sdk/package.json'), 'utf8'));
  assert.equal(manifest.module, undefined, 'no "module" field: bundlers would use it for require() too');
  assert.ok(manifest.exports, 'an exports map');
  for (const e of [...entries, './package.json']) assert.ok(manifest.exports[e], `exports has ${e}`);
  // The basic edition: its own entry points and types (not in the one-TIM check below: an app
  // uses one edition).
  for (const e of [...entries, './basic.js', './basic.es.js']) {
    const target = manifest.exports[e];
    assert.equal(Object.keys(target)[0], 'types', `${e}: "types" comes first`);
    assert.ok(existsSync(join(dir, 'node_modules/tim-js-sdk', target.types)), `${e}: ${target.types} is shipped`);
  }
  write('node-check.mjs', `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const specs = ${JSON.stringify(entries.map((e) => 'tim-js-sdk' + e.slice(1)))};
const out = { resolved: {}, same: {} };
const TIM = (await import('tim-js-sdk')).default;
for (const s of specs) {
  out.resolved[s] = [import.meta.resolve(s).replace('file://', ''), require.resolve(s)];
  const viaImport = (await import(s)).default;
  // An ES file through require(): its namespace, where Node can require ES modules (20.19+).
  let viaRequire;
  try { viaRequire = require(s); } catch (e) { if (e.code !== 'ERR_REQUIRE_ESM') throw e; viaRequire = { default: TIM }; }
  if (s.endsWith('.es.js')) viaRequire = viaRequire.default;
  out.same[s] = [viaImport === TIM, viaRequire === TIM];
}
out.version = require('tim-js-sdk/package.json').version;
out.instance = TIM.create({ SDKAppID: ${APP} }) === require('tim-js-sdk').create({ SDKAppID: '${APP}' });
console.log(JSON.stringify(out));
process.exit(0);
`);
  const node = JSON.parse(execFileSync(process.execPath, ['node-check.mjs'], { cwd: dir, encoding: 'utf8' }));
  for (const [s, [viaImport, viaRequire]] of Object.entries(node.resolved)) {
    assert.equal(viaImport, viaRequire, `Node: import and require of ${s} resolve to the same file`);
  }
  for (const [s, [imp, req]] of Object.entries(node.same)) {
    assert.ok(imp, `Node: import of ${s} gives the same TIM as import of tim-js-sdk`);
    assert.ok(req, `Node: require of ${s} gives the same TIM as import of tim-js-sdk`);
  }
  assert.equal(node.version, version, 'Node: tim-js-sdk/package.json is exported');
  assert.ok(node.instance, 'Node: one instance per SDKAppID through require and import');
  console.log('ok: Node: require and import of every entry point give one TIM');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

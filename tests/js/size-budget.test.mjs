// scripts/size-budget.mjs, the size check of the test command, on sizes and budgets made up
// here: it passes within budget, and fails — printing the delta — when an edition grew past its
// budget, when a budgeted edition was not measured, and when a measured edition has no budget.
// Then the real check once more on the repository's size-budget.json and the built package's
// dist/pkg/SIZE.json, so the budget file stays well-formed.
//
//   node tests/js/size-budget.test.mjs
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';

const root = new URL('../../', import.meta.url).pathname;
const script = join(root, 'scripts', 'size-budget.mjs');
const dir = mkdtempSync(join(tmpdir(), 'tim-size-budget-'));
let n = 0;
function check(files, budgets) {
  const sizes = join(dir, `size-${n}.json`);
  const budget = join(dir, `budget-${n++}.json`);
  writeFileSync(sizes, JSON.stringify({ brotli: 0, files }));
  writeFileSync(budget, JSON.stringify({ brotli: budgets }));
  const r = spawnSync(process.execPath, [script, sizes, budget], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}
const edition = (brotli) => ({ raw: brotli * 4, gzip: brotli + 100, brotli });

let r = check({ 'a.js': edition(1000), 'b.js': edition(500) }, { 'a.js': 1000, 'b.js': 600 });
assert.equal(r.code, 0, r.out);
assert.match(r.out, /a\.js: 1000 B brotli .* ±0 B/);
assert.match(r.out, /b\.js: 500 B brotli .* -100 B/);

r = check({ 'a.js': edition(1234), 'b.js': edition(500) }, { 'a.js': 1000, 'b.js': 600 });
assert.equal(r.code, 1, 'an edition over its budget fails the check');
assert.match(r.out, /FAIL a\.js: 1234 B brotli .*budget 1000 B .*\+234 B/, 'the delta is printed');
assert.match(r.out, /ok +b\.js/);

r = check({ 'a.js': edition(900) }, { 'a.js': 1000, 'basic.js': 500 });
assert.equal(r.code, 1, 'a budgeted edition that was not measured fails the check');
assert.match(r.out, /FAIL basic\.js: in size-budget\.json but not measured/);

r = check({ 'a.js': edition(900), 'basic.js': edition(400) }, { 'a.js': 1000 });
assert.equal(r.code, 1, 'a measured edition without a budget fails the check');
assert.match(r.out, /FAIL basic\.js: built and measured \(400 B brotli\) but has no budget/);

rmSync(dir, { recursive: true, force: true });

r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
assert.equal(r.status, 0, `the built package is within size-budget.json:\n${r.stdout}${r.stderr}`);
console.log('ok: the size budget check passes within budget and fails with the delta past it');

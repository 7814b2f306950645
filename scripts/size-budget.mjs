// The size budget (in the spirit of size-limit): every edition of the built package must stay
// within its brotli budget in size-budget.json. The sizes are the ones scripts/build-pkg.mjs
// measured and wrote to dist/pkg/SIZE.json (same compressor and settings as the figures it
// prints), so run scripts/build-sdk.sh first. Fails, printing the delta, when an edition grew
// past its budget, when a budgeted edition was not built, or when a built edition has no budget.
//
//   node scripts/size-budget.mjs [SIZE.json] [size-budget.json]
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sizesPath = process.argv[2] || join(root, 'dist', 'pkg', 'SIZE.json');
const budgetPath = process.argv[3] || join(root, 'size-budget.json');
const read = (path, what) => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    console.error(`size budget: cannot read ${what} ${path}: ${e.message}`);
    process.exit(2);
  }
};
const sizes = read(sizesPath, 'the measured sizes (run scripts/build-sdk.sh)');
const budgets = read(budgetPath, 'the budgets').brotli || {};
const files = sizes.files || {};
const kb = (n) => (n / 1024).toFixed(1) + ' KB';
const signed = (n) => (n > 0 ? '+' : n < 0 ? '-' : '±') + Math.abs(n) + ' B (' + (n > 0 ? '+' : n < 0 ? '-' : '±') + kb(Math.abs(n)) + ')';

let failed = 0;
for (const [file, budget] of Object.entries(budgets)) {
  const size = files[file] && files[file].brotli;
  if (typeof size !== 'number') {
    console.error(`FAIL ${file}: in size-budget.json but not measured in ${sizesPath}`);
    failed++;
    continue;
  }
  const delta = size - budget;
  const line = `${file}: ${size} B brotli (${kb(size)}), budget ${budget} B (${kb(budget)}), ${signed(delta)} against the budget`;
  if (delta > 0) {
    console.error(`FAIL ${line}`);
    failed++;
  } else {
    console.log(`ok   ${line}`);
  }
}
for (const file of Object.keys(files)) {
  if (!(file in budgets)) {
    console.error(`FAIL ${file}: built and measured (${files[file].brotli} B brotli) but has no budget in size-budget.json`);
    failed++;
  }
}
if (sizes.official) console.log(`     baseline: official tim-js-friendship.js ${sizes.official.brotli} B brotli (${kb(sizes.official.brotli)})`);
if (sizes.liteChatBasic) console.log(`     baseline: lite-chat basic.js ${sizes.liteChatBasic.brotli} B brotli (${kb(sizes.liteChatBasic.brotli)})`);
if (failed) {
  console.error(`size budget: ${failed} edition(s) over budget or unbudgeted. If the growth is deliberate, raise the edition's line in size-budget.json in the same commit (docs/BENCHMARKS.md).`);
  process.exit(1);
}
console.log('size budget: every edition within its budget');

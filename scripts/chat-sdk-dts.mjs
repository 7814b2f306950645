// The members of `interface ChatSDK { … }` in a d.ts (pkg-template/tim-js.d.ts), in declaration
// order: [{name, generics?, args, result, from, to}], whitespace in the types collapsed; `from`..`to`
// is the member's text with the comments above it. Read by scripts/build-pkg.mjs (each edition's
// d.ts drops the members of the features it lacks) and tests/js/manifest.test.mjs (the d.ts
// against api/methods.json).
export function parseChatSDK(dts) {
  const fail = (message) => { throw new Error(`ChatSDK: ${message}`); };
  const start = dts.indexOf('interface ChatSDK {');
  if (start < 0) fail('the d.ts has no interface ChatSDK');
  let i = dts.indexOf('{', start) + 1;
  const norm = (s) => s.replace(/\s+/g, ' ').trim();
  const skipSpace = () => {
    for (;;) {
      while (/\s/.test(dts[i])) i++;
      if (dts.startsWith('/*', i)) i = dts.indexOf('*/', i) + 2;
      else if (dts.startsWith('//', i)) i = dts.indexOf('\n', i) + 1;
      else return;
    }
  };
  // The text up to the first of `stops` outside brackets (the `>` of `=>` is no bracket).
  const until = (stops) => {
    const from = i;
    let depth = 0;
    for (; i < dts.length; i++) {
      const c = dts[i];
      if (depth === 0 && stops.includes(c)) return dts.slice(from, i);
      if (c === '=' && dts[i + 1] === '>') i++;
      else if ('({[<'.includes(c)) depth++;
      else if (')}]>'.includes(c)) depth--;
    }
    return fail('unterminated declaration');
  };
  const decls = [];
  for (;;) {
    const from = i;
    skipSpace();
    if (dts[i] === '}') return decls;
    const name = (/^[A-Za-z_$][\w$]*/.exec(dts.slice(i)) || [''])[0];
    if (!name) fail(`cannot read a member at ${JSON.stringify(dts.slice(i, i + 40))}`);
    i += name.length;
    const decl = { name };
    if (dts[i] === '<') {
      i++;
      decl.generics = '<' + norm(until('>')) + '>';
      i++;
    }
    if (dts[i] !== '(') fail(`${name}: only methods are expected`);
    i++;
    decl.args = norm(until(')'));
    i++;
    skipSpace();
    if (dts[i] !== ':') fail(`${name}: no return type`);
    i++;
    decl.result = norm(until(';'));
    i++;
    decls.push({ ...decl, from, to: i });
  }
}

// The alert channel registry: every channel's docs line is in README.md, every sender loads, and
// the rules front end (`brokerwatch -t`, src/cli/main.ts) imports no sending code: the senders,
// nodemailer and mqtt.js are loaded only when an alert goes out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHANNELS } from '../../src/alerts/channels/registry.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

void test("every channel's docs line is in README.md's list of alert targets", () => {
  for (const { syntax } of CHANNELS) {
    assert.ok(syntax.docs.length > 20, `${syntax.kind}: a docs line`);
    assert.ok(readme.includes(`\n- ${syntax.docs}\n`), `README.md lacks the line of ${syntax.kind}: - ${syntax.docs}`);
  }
});

void test('each kind is registered once, and its sender loads', async () => {
  const kinds = CHANNELS.map((e) => e.syntax.kind);
  assert.deepEqual([...new Set(kinds)], kinds);
  for (const e of CHANNELS) assert.equal(typeof (await e.load()).send, 'function', e.syntax.kind);
});

/** Every file and package the module FILE imports statically, transitively (dynamic imports aside). */
function staticImports(file: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (f: string): void => {
    if (files.has(f)) return;
    files.add(f);
    const js = readFileSync(f, 'utf8');
    // `import … from '…'`, `export … from '…'` and `import '…'` (tsc emits one statement a line start).
    for (const m of js.matchAll(/^\s*(?:(?:import|export)\b[^;'"]*?\bfrom|import)\s*['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? '';
      if (spec.startsWith('.')) visit(resolve(dirname(f), spec));
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));
    }
  };
  visit(file);
  return { files: new Set([...files].map((f) => relative(root, f))), packages };
}

void test('the rules front end imports channel syntax only: no sender, no nodemailer, no mqtt.js', () => {
  const { files, packages } = staticImports(resolve(root, 'src/cli/main.js'));
  // The walk itself works: the front end does read the channels' grammar.
  assert.ok(files.has('src/config/parse-alert.js'));
  for (const { syntax } of CHANNELS) assert.ok(files.has(`src/alerts/channels/${syntax.kind}/syntax.js`), syntax.kind);
  const senders = [...files].filter((f) => f.startsWith('src/alerts/channels/') && !/\/(syntax|format|contract|registry|url-syntax)\.js$/.test(f));
  assert.deepEqual(senders, []);
  assert.equal(packages.has('nodemailer'), false, 'nodemailer is imported statically');
  assert.equal(packages.has('mqtt'), false, 'mqtt.js is imported statically');
});

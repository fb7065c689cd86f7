// The registry's promises: each line names its kind, every kind is documented in README.md (one
// table row, word for word), claimed words are unambiguous, and the rules front end loads no check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { docsRow } from '../../src/checks/kind.js';
import { KINDS, SYNTAXES } from '../../src/checks/registry.js';
import { FAILURE_CLASSES } from '../../src/checks/result.js';
import { parseRules } from '../../src/config/loader.js';
import type { ServiceType } from '../../src/config/model.js';
import { SERVICE_TYPES } from '../../src/config/service-types.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

void test('each registry line is keyed by its syntax kind', () => {
  for (const [key, entry] of Object.entries(KINDS)) assert.equal(entry.syntax.kind, key);
});

void test("every kind's docs row is in README.md's table of tests", async () => {
  const lines = new Set((await readFile(README, 'utf8')).split('\n'));
  const missing = SYNTAXES.filter((k) => !lines.has(docsRow(k.docs))).map((k) => `${k.kind}: ${docsRow(k.docs)}`);
  assert.deepEqual(missing, []);
});

void test('no word is claimed by two kinds in one service type', () => {
  for (const type of Object.keys(SERVICE_TYPES) as ServiceType[]) {
    for (const after of ['if', 'failed'] as const) {
      const seen = new Map<string, string>();
      for (const k of SYNTAXES) {
        if (k.claims.types && !k.claims.types.includes(type)) continue;
        for (const w of k.claims[after] ?? []) {
          const msg = `'${w}' after '${after}' in 'check ${type}' is claimed by ${seen.get(w)} and ${k.kind}`;
          assert.equal(seen.get(w), undefined, msg);
          assert.equal(w, w.toLowerCase(), `claimed words are lower-case: '${w}'`);
          seen.set(w, k.kind);
        }
      }
    }
  }
});

void test('a word means the kind scoped to the service type: cpu, memory and uptime of a process or the host', async () => {
  const kindsOf = async (text: string): Promise<string[]> => {
    const { config } = await parseRules(text, 'k.rc');
    return config.services.flatMap((s) => s.rules.filter((r) => !r.implicit).map((r) => r.condition.kind));
  };
  const rules = '  if cpu > 90% then alert\n  if memory > 80% then alert\n  if uptime < 5 minutes then alert\n';
  assert.deepEqual(await kindsOf(`check system h\n${rules}  if swap > 10% then alert\n`), [
    'system-cpu',
    'system-memory',
    'system-uptime',
    'system-memory',
  ]);
  assert.deepEqual(await kindsOf(`check process p with pidfile /p\n${rules}  if loadavg (5min) > 2 then alert\n`), [
    'resource',
    'resource',
    'uptime',
    'loadavg',
  ]);
});

/** The modules ENTRY loads statically (dynamic `import()` is not followed): files and packages. */
async function staticGraph(entry: string): Promise<{ files: Set<string>; packages: Set<string> }> {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = async (file: string): Promise<void> => {
    if (files.has(file)) return;
    files.add(file);
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) await visit(fileURLToPath(new URL(spec, `file://${file}`)));
      else packages.add(spec);
    }
  };
  await visit(fileURLToPath(new URL(entry, import.meta.url)));
  return { files, packages };
}

void test('the rules front end (parse, print) loads no check and no MQTT client', async () => {
  const { files, packages } = await staticGraph('../../src/cli/check-rules.js');
  assert.ok(
    [...files].some((f) => f.endsWith('/checks/registry.js')),
    'the registry is reached',
  );
  assert.deepEqual(
    [...files].filter((f) => /\/checks\/(?:[a-z-]+\/check|mqtt\/[a-z-]+)\.js$/.test(f)),
    [],
  );
  assert.deepEqual(
    [...packages].filter((p) => /^(?:mqtt|mqtt-packet|pidusage)$/.test(p)),
    [],
  );
});

void test('every kind with a check loads one', async () => {
  for (const [key, entry] of Object.entries(KINDS)) {
    if (!('load' in entry) || !entry.load) continue;
    const mod = await entry.load();
    assert.equal(typeof mod.check, 'function', key);
  }
});

void test("every service type's docs rows are in README.md's table of services", async () => {
  const { SERVICE_TYPES } = await import('../../src/config/service-types.js');
  const lines = new Set((await readFile(README, 'utf8')).split('\n'));
  for (const [key, t] of Object.entries(SERVICE_TYPES)) {
    assert.equal(t.type, key);
    assert.ok(t.docs.length > 0, key);
    for (const row of t.docs) assert.ok(lines.has(row), `${key}: ${row}`);
  }
});

void test("every failure class is in README.md's table of classes, but the two that are no service's verdict", async () => {
  const readme = await readFile(README, 'utf8');
  const lines = readme.split('\n');
  const start = lines.indexOf('| class | meaning |');
  assert.ok(start >= 0, 'the table of classes');
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  const tabled = lines
    .slice(start + 2, end)
    .flatMap((l) => (l.split(' | ')[0] ?? '').split(' · '))
    .map((cell) => cell.replace(/^\|? *`|`$/g, ''));
  const known = new Set<string>(FAILURE_CLASSES);
  assert.deepEqual(
    tabled.filter((c) => !known.has(c)),
    [],
  );
  assert.equal(new Set(tabled).size, tabled.length, 'each class in one row');
  // A refused alert is the host's own problem; `internal` is a bug of brokerwatch, reported as one.
  assert.deepEqual(
    FAILURE_CLASSES.filter((c) => !tabled.includes(c)),
    ['alert-rejected', 'internal'],
  );
  for (const c of ['alert-rejected', 'internal']) assert.ok(readme.includes(`class \`${c}\``), c);
});

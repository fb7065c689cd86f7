// The protocol registry's promises: every protocol is documented in README.md's table of protocols
// (one row each, exactly as its syntax says), a name or option word belongs to one protocol only and
// is not among monit's protocols-not-spoken-yet, and every line loads a probe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MONIT_ONLY_PROTOCOLS, PROTOCOLS } from '../../src/checks/port/protocols/registry.js';
import type { ProtocolEntry } from '../../src/checks/port/protocols/registry.js';
import { protocolDocsRow } from '../../src/checks/port/protocols/types.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const entries: [string, ProtocolEntry][] = Object.entries(PROTOCOLS);

void test("every protocol's docs row is in README.md's table of protocols", async () => {
  const lines = new Set((await readFile(README, 'utf8')).split('\n'));
  const missing = entries.filter(([, e]) => !lines.has(protocolDocsRow(e.syntax.docs))).map(([k]) => k);
  assert.deepEqual(missing, []);
});

void test('each line is keyed by its name; names and option words belong to one protocol', () => {
  const names = new Map<string, string>();
  const words = new Map<string, string>();
  for (const [key, e] of entries) {
    assert.equal(e.syntax.name, key);
    for (const n of Object.keys(e.syntax.names)) {
      assert.ok(!names.has(n), `'${n}' is a name of ${names.get(n)} and ${key}`);
      assert.ok(!MONIT_ONLY_PROTOCOLS.has(n), `'${n}' is spoken by ${key}: not in monit's not-spoken list`);
      names.set(n, key);
    }
    for (const w of Object.keys(e.syntax.options ?? {})) {
      assert.ok(!words.has(w), `'${w}' is an option of ${words.get(w)} and ${key}`);
      words.set(w, key);
    }
  }
});

void test('every protocol loads a probe', async () => {
  for (const [key, e] of entries) assert.equal(typeof (await e.load()).probe, 'function', key);
});

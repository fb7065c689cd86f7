// SIGHUP with rules whose includes loop through nine files, each including all of them: the reload
// is refused at once and each loop is logged once, at its include, not once per path (9! of them).
// `brokerwatch -I` runs as a child process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChildDaemon, Cleanup, signal, testDir, writeRules } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test('SIGHUP with nine files each including *.rc: each loop logged once', { timeout: 60_000 }, async () => {
  const dir = await testDir(cleanup);
  const rulesFile = join(dir, 'brokerwatch.rc');
  const head = `set daemon 30\nset statefile ${join(dir, 'state.json')}\ncheck file rules with path ${rulesFile}\n`;
  await writeRules(rulesFile, head);
  const d = await ChildDaemon.start(rulesFile, cleanup);

  const conf = join(dir, 'conf.d');
  await mkdir(conf, { mode: 0o700 });
  for (let i = 0; i < 9; i++) await writeFile(join(conf, `f${i}.rc`), 'include "*.rc"\n', { mode: 0o600 });
  await writeRules(rulesFile, `${head}include conf.d/f0.rc\n`);
  const from = d.lines.length;
  signal(d.pid, 'SIGHUP');
  await d.waitLine((l) => l.level === 50 && /reload refused/.test(l.msg), 20_000, 'reload refused', from);
  const loops = d.lines.slice(from).filter((l) => l.level === 50 && /^include loop: /.test(l.msg));
  const where = loops.map((l) => `${String(l.file)}:${String(l.line)}:${String(l.col)}`);
  assert.equal(loops.length, 9, JSON.stringify(where));
  assert.equal(new Set(where).size, 9, 'each once');
  assert.deepEqual(
    [...new Set(loops.map((l) => String(l.file)))].sort(),
    Array.from({ length: 9 }, (_, i) => join(conf, `f${i}.rc`)),
  );
  assert.ok(d.running, 'brokerwatch keeps running');
});

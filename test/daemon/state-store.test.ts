// The state file's write coalescing on a fake clock: an urgent change is written `delayMs` after it,
// routine bookkeeping only after `idleMs`, many changes make one write, and an urgent change brings
// a pending idle write forward. savedAt is the clock's time.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseRules } from '../../src/config/loader.js';
import { StateStore, readStateFile } from '../../src/daemon/state-store.js';
import { initialState } from '../../src/state/index.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, testDir } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test('writes are coalesced: urgent after 100 ms, routine after 10 s, savedAt from the clock', async () => {
  const dir = await testDir(cleanup);
  const path = join(dir, 'state.json');
  const { config } = await parseRules('check process p with pidfile /run/p.pid\n', join(dir, 'rules.rc'));
  const service = config.services[0];
  assert.ok(service);
  const clock = new FakeClock();
  const errors: unknown[] = [];
  const store = new StateStore(path, (e) => errors.push(e), 100, undefined, 10_000, clock);
  const machine = initialState(service, clock.now());
  const saved = async (): Promise<number | undefined> => (await readStateFile(path)).state?.savedAt;

  const written = (at: number, what: string): Promise<unknown> =>
    waitFor(async () => (await saved()) === at, { message: what });

  // Routine bookkeeping: written 10 s later, not before.
  const t0 = clock.now();
  store.set('p', { machine }, false);
  await clock.advance(9_999);
  assert.equal(clock.pending, 1, 'the write timer fired early');
  assert.equal(await saved(), undefined);
  await clock.advance(1);
  await written(t0 + 10_000, 'the routine write');

  // Another routine change, then two urgent ones: one write, 100 ms after the first urgent one.
  const t1 = clock.now();
  store.set('p', { machine }, false);
  await clock.advance(5_000);
  store.set('p', { machine }, true);
  await clock.advance(50);
  store.set('p', { machine }, true);
  await clock.advance(49);
  assert.equal(await saved(), t0 + 10_000, 'written before 100 ms');
  assert.equal(clock.pending, 1, 'one write pending');
  await clock.advance(1);
  await written(t1 + 5_100, 'the urgent write');
  assert.equal(clock.pending, 0, 'no write left pending');
  assert.deepEqual(errors, []);
});

void test('an event counter that cannot count on is reset to 1, with a reason; a sound one is kept', async () => {
  const dir = await testDir(cleanup);
  const path = join(dir, 'state.json');
  const file = (nextEventId: unknown): string =>
    JSON.stringify({ version: 1, savedAt: 0, nextEventId, services: {}, events: [] });
  for (const bad of [1e308, -3, 0, 1.5, '12', null, 2 ** 53]) {
    await writeFile(path, file(bad));
    const { state, problem } = await readStateFile(path);
    assert.equal(state?.nextEventId, 1, String(bad));
    assert.match(problem ?? '', /holds an invalid event counter \(.*\); event ids start again at 1$/, String(bad));
  }
  await writeFile(path, file(4711));
  assert.deepEqual(await readStateFile(path), {
    state: { version: 1, savedAt: 0, nextEventId: 4711, services: {}, events: [] },
  });
});

void test('a write that fails (the disk is full) leaves no temporary file behind', async () => {
  const dir = await testDir(cleanup);
  const target = join(dir, 'state.json');
  // The kernel refuses the write past the file size limit (EFBIG), as a full disk does (ENOSPC).
  const atomic = new URL('../../src/util/atomic-file.js', import.meta.url).href;
  const script = [
    "process.on('SIGXFSZ', () => {});",
    `const { writeFileAtomic } = await import(${JSON.stringify(atomic)});`,
    `await writeFileAtomic(${JSON.stringify(target)}, 'x'.repeat(1 << 20)).then(() => console.log('written'), (e) => console.log(e.code));`,
  ].join('\n');
  const { stdout } = await execa('/bin/sh', [
    '-c',
    'ulimit -f 8; exec "$0" --input-type=module -e "$1"',
    process.execPath,
    script,
  ]);
  assert.equal(stdout.trim(), 'EFBIG');
  assert.deepEqual(await readdir(dir), [], 'neither the file nor a temporary one');
});

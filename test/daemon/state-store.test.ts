// The state file's write coalescing on a fake clock: an urgent change is written `delayMs` after it,
// routine bookkeeping only after `idleMs`, many changes make one write, and an urgent change brings
// a pending idle write forward. savedAt is the clock's time.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
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

// The service runner's parts on their own, with real processes and programs and a fake clock:
// what a service's type observes each cycle, the process watch switching between the fast and the
// slow watcher, and the action runner's lock and outcomes.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { parseRules } from '../../src/config/loader.js';
import type { Service } from '../../src/config/model.js';
import type { ActionHost } from '../../src/daemon/action-runner.js';
import { ActionRunner } from '../../src/daemon/action-runner.js';
import { CheckSet } from '../../src/daemon/check-set.js';
import type { Observation } from '../../src/daemon/observe.js';
import { observe } from '../../src/daemon/observe.js';
import { loadChecks } from '../../src/checks/registry.js';
import { ProcessWatch } from '../../src/daemon/process-watch.js';
import type { ProcessIdentity } from '../../src/process/identity.js';
import { identify } from '../../src/process/identity.js';
import type { LivenessEvent } from '../../src/process/liveness.js';
import { LivenessWatcher } from '../../src/process/liveness.js';
import { isDeadState, readProcStatSync } from '../../src/process/proc-stat.js';
import type { MachineInput, PlannedAction } from '../../src/state/types.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { Children } from '../process/children.js';

const children = new Children();
const dirs: Array<() => Promise<void>> = [];
after(async () => {
  children.killAll();
  for (const d of dirs) await d();
});

async function dir(): Promise<string> {
  const t = await tempDir('brokerwatch-parts-');
  dirs.push(t.cleanup);
  return t.path;
}

async function service(rules: string, name: string): Promise<Service> {
  const { config } = await parseRules(rules, '/dev/null/brokerwatch.rc');
  const s = config.services.find((x) => x.name === name);
  assert.ok(s, `no service ${name}`);
  return s;
}

async function sleeper(): Promise<ProcessIdentity> {
  const pid = await children.start('sleep', ['100000']);
  const id = await identify(pid);
  assert.ok(id);
  return id;
}

const ac = new AbortController();
const now = Date.UTC(2026, 0, 1);

void describe('observe: what a service type looks at each cycle', () => {
  void test('a process service: the lookup, and the exist and not-exist checks judge it', async () => {
    const d = await dir();
    const pidfile = join(d, 'p.pid');
    const s = await service(
      // Named for the program its pidfile names: a process the rules do not name is not adopted.
      `check process sleep with pidfile ${pidfile}\n  if does not exist then alert\n  if exist then alert\n`,
      'sleep',
    );
    await loadChecks({ services: [s] });
    const checks = new CheckSet(s, new FakeClock(), pino({ level: 'silent' }));
    after(() => checks.close());
    const judge = async (seen: Observation): Promise<string[]> =>
      (await checks.run({ ...(seen.lookup ? { process: seen.lookup } : {}), now, signal: ac.signal })).map(
        (r) => r.status,
      );
    const missing = await observe(s, { identity: undefined, actionRunning: false, cwd: d, signal: ac.signal, now });
    assert.equal(missing.lookup?.running, false);
    assert.deepEqual(await judge(missing), ['failed', 'ok']);
    assert.equal(missing.pid, undefined);
    const id = await sleeper();
    writeFileSync(pidfile, `${id.pid}\n`);
    const found = await observe(s, { identity: undefined, actionRunning: false, cwd: d, signal: ac.signal, now });
    assert.deepEqual(await judge(found), ['ok', 'failed']);
    assert.equal(found.pid, id.pid);
    assert.equal(found.found?.startTime, id.startTime);
    // During an action, no lookup and nothing judged; the known PID is handed on.
    const during = await observe(s, { identity: id, actionRunning: true, cwd: d, signal: ac.signal, now });
    assert.deepEqual(during, { pid: id.pid });
    assert.deepEqual(await judge(during), []);
  });

  void test('a program service: the exit status and the output of its program', async () => {
    const d = await dir();
    const s = await service(
      `check program prog with path "/bin/sh -c 'exit 3'"\n  if status != 0 then alert\n`,
      'prog',
    );
    const seen = await observe(s, { identity: undefined, actionRunning: false, cwd: d, signal: ac.signal, now });
    assert.deepEqual(seen, { programStatus: 3, programOutput: '' });
    const talks = await service(
      `check program talks with path "/bin/sh -c 'echo out; echo err >&2; exit 1'"\n  if status != 0 then alert\n`,
      'talks',
    );
    const said = await observe(talks, { identity: undefined, actionRunning: false, cwd: d, signal: ac.signal, now });
    assert.deepEqual(said, { programStatus: 1, programOutput: 'out\nerr\n' });
  });
});

/** Waits until PID is gone or a zombie. */
async function dead(pid: number): Promise<void> {
  await waitFor(
    () => {
      const st = readProcStatSync(pid);
      return st === undefined || isDeadState(st.state);
    },
    { message: 'the sleeper never died' },
  );
}

void describe('ProcessWatch', () => {
  void test('fast watcher without a probe connection, slow backstop with one, and a look at once on a drop', async () => {
    const clock = new FakeClock();
    const fast = new LivenessWatcher({ intervalMs: 25, clock });
    const slow = new LivenessWatcher({ intervalMs: 1_000, clock });
    const seen: LivenessEvent[] = [];
    fast.on('change', (e) => seen.push(e));
    slow.on('change', (e) => seen.push(e));
    after(() => {
      fast.close();
      slow.close();
    });
    const w = new ProcessWatch('svc', fast, slow);
    const id = await sleeper();
    w.watch(id);
    assert.deepEqual([fast.size, slow.size], [1, 0]);
    w.connection(true);
    w.connection(true);
    assert.deepEqual([fast.size, slow.size], [0, 1]);
    w.connection(false);
    assert.deepEqual([fast.size, slow.size], [0, 1], 'one connection is still up');
    process.kill(id.pid, 'SIGKILL');
    await dead(id.pid);
    assert.equal(seen.length, 0, 'no time passed: the slow watcher has not looked yet');
    // The last connection drops: the fast watcher takes over and looks at once, with no time passing.
    w.connection(false);
    assert.equal(seen.length, 1, 'the death is reported at the drop');
    assert.equal(seen[0]?.identity.pid, id.pid);
    assert.equal(seen[0]?.time, clock.now());
    w.unwatch();
    assert.deepEqual([fast.size, slow.size], [0, 0]);
  });

  void test('without a backstop (cycles as frequent), nothing polls while connected; a drop still looks at once', async () => {
    const clock = new FakeClock();
    const fast = new LivenessWatcher({ intervalMs: 25, clock });
    const seen: LivenessEvent[] = [];
    fast.on('change', (e) => seen.push(e));
    after(() => fast.close());
    const w = new ProcessWatch('svc', fast, undefined);
    const id = await sleeper();
    w.watch(id);
    assert.equal(fast.size, 1);
    w.connection(true);
    assert.equal(fast.size, 0, 'connected: no watcher polls (no timer wakes the daemon)');
    w.watch(id);
    assert.equal(fast.size, 0, 'a process identified again while connected is not polled either');
    process.kill(id.pid, 'SIGKILL');
    await dead(id.pid);
    w.connection(false);
    assert.equal(seen.length, 1, 'the death is reported at the drop');
    assert.equal(seen[0]?.identity.pid, id.pid);
    w.unwatch();
  });
});

void describe('ActionRunner', () => {
  function host(
    s: Service,
    d: string,
    clock: FakeClock,
  ): { h: ActionHost; fed: MachineInput[]; adopted: Array<ProcessIdentity | undefined> } {
    const fed: MachineInput[] = [];
    const adopted: Array<ProcessIdentity | undefined> = [];
    let identity: ProcessIdentity | undefined;
    const h: ActionHost = {
      service: s,
      log: pino({ level: 'silent' }),
      clock,
      cwd: d,
      signal: ac.signal,
      identity: () => identity,
      isRunning: () => false,
      setIdentity: (i) => (identity = i),
      adopt: (i) => {
        identity = i;
        adopted.push(i);
      },
      unwatch: () => undefined,
      feed: (input) => fed.push(input),
      programStarted: () => undefined,
      mayRecheck: () => true,
      beforeStart: () => Promise.resolve(),
      beforeStop: () => Promise.resolve([]),
      afterStart: () => Promise.resolve(),
    };
    return { h, fed, adopted };
  }
  const plan = (kind: PlannedAction['kind']): PlannedAction =>
    ({ kind, origin: 'control', reason: 'test' }) as PlannedAction;

  void test('starts run one at a time under the lock; a failed start is reported and the process looked at again', async () => {
    const d = await dir();
    const log = join(d, 'runs');
    const pidfile = join(d, 'x.pid');
    // Each run logs its begin and end: overlapping runs would interleave them.
    const s = await service(
      `check process x with pidfile ${pidfile}\n  start program = "/bin/sh -c 'echo begin >> ${log}; sleep 0.05; echo end >> ${log}; exit 1'"\n`,
      'x',
    );
    const clock = new FakeClock();
    const { h, fed } = host(s, d, clock);
    const a = new ActionRunner(h);
    a.perform(plan('start'));
    a.perform(plan('start'));
    assert.equal(a.busy, true);
    await waitFor(() => !a.busy, { timeoutMs: 10_000, message: 'actions never ended' });
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['begin', 'end', 'begin', 'end']);
    assert.deepEqual(
      fed.map((i) => i.kind),
      ['action-done', 'liveness-lost', 'action-done', 'liveness-lost'],
    );
    const done = fed[0];
    assert.ok(done?.kind === 'action-done' && !done.ok && done.class === 'start-failed');
    assert.equal(clock.now(), new FakeClock().now(), 'no virtual time passed');
  });

  void test('a start waits for the pid on the clock: its budget is virtual time', async () => {
    const d = await dir();
    const pidfile = join(d, 'y.pid');
    // The program succeeds but no process ever appears.
    const s = await service(
      `check process y with pidfile ${pidfile}\n  start program = "/bin/true" with timeout 3 seconds\n`,
      'y',
    );
    const clock = new FakeClock();
    const { h, fed } = host(s, d, clock);
    const a = new ActionRunner(h);
    a.perform(plan('start'));
    const took = await clock.runUntil(() => !a.busy, { message: 'the start never gave up' });
    const done = fed[0];
    assert.ok(done?.kind === 'action-done' && !done.ok && done.class === 'action-timeout', JSON.stringify(done));
    assert.ok(took >= 3_000 && took < 3_100, `gave up after ${took} virtual ms`);
  });
});

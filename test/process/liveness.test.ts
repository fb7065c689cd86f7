import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { ProcessIdentity } from '../../src/process/identity.js';
import { identify, readProcStat } from '../../src/process/identity.js';
import type { LivenessEvent } from '../../src/process/liveness.js';
import { DEFAULT_LIVENESS_INTERVAL_MS, LivenessWatcher } from '../../src/process/liveness.js';
import { isDeadState, readProcStatSync } from '../../src/process/proc-stat.js';
import type { Clock } from '../../src/util/clock.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { waitFor } from '../helpers/wait.js';
import { Children, isAlive } from './children.js';

const children = new Children();
const watchers: LivenessWatcher[] = [];
after(() => {
  for (const watcher of watchers) watcher.close();
  children.killAll();
});

function newWatcher(intervalMs?: number, clock?: Clock): LivenessWatcher {
  const watcher = new LivenessWatcher({
    ...(intervalMs === undefined ? {} : { intervalMs }),
    ...(clock === undefined ? {} : { clock }),
  });
  watchers.push(watcher);
  return watcher;
}

async function identified(pid: number): Promise<ProcessIdentity> {
  const id = await identify(pid);
  assert.ok(id !== undefined, `no identity for ${pid}`);
  return id;
}

/** The watcher's timer is unref'd (it never keeps a daemon alive by itself): hold the event loop
 *  open while a test waits for an event. */
async function nextEvent(watcher: LivenessWatcher): Promise<LivenessEvent> {
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    const [event] = (await once(watcher, 'change')) as [LivenessEvent];
    return event;
  } finally {
    clearInterval(keepAlive);
  }
}

/** Kills `pid`; once /proc shows it dead, proves no event came before the watcher's next tick,
 *  then moves the clock one interval and returns what that tick saw. */
async function killAndTick(watcher: LivenessWatcher, clock: FakeClock, pid: number): Promise<LivenessEvent[]> {
  const events: LivenessEvent[] = [];
  const on = (e: LivenessEvent): number => events.push(e);
  watcher.on('change', on);
  try {
    await clock.advance(watcher.intervalMs); // a tick while it lives: nothing to report
    assert.deepEqual(events, []);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => {
      const st = readProcStatSync(pid);
      return st === undefined || isDeadState(st.state);
    });
    assert.deepEqual(events, [], 'reported without a tick');
    await clock.advance(watcher.intervalMs - 1);
    assert.deepEqual(events, [], 'reported before the next tick');
    await clock.advance(1);
    return events;
  } finally {
    watcher.off('change', on);
  }
}

void describe('LivenessWatcher', () => {
  // On a fake clock: a death is seen at the watcher's next tick, one interval (25 ms) at most after
  // it, and not before. The time from a real kill to the event is the `liveness` benchmark's.
  void test('notices a SIGKILL at its next tick (our child, reaped at once)', async () => {
    const clock = new FakeClock();
    const watcher = newWatcher(DEFAULT_LIVENESS_INTERVAL_MS, clock);
    for (let i = 0; i < 3; i++) {
      const pid = await children.start('sleep', ['100000']);
      watcher.watch(await identified(pid), `child${i}`);
      const events = await killAndTick(watcher, clock, pid);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.key, `child${i}`);
      assert.equal(events[0]?.identity.pid, pid);
      // libuv may reap it before or after our tick sees it.
      assert.ok(events[0]?.reason === 'exited' || events[0]?.reason === 'zombie', events[0]?.reason);
      assert.equal(events[0]?.time, clock.now(), 'stamped with the tick that saw it');
    }
    assert.equal(watcher.size, 0);
  });

  void test('notices the death of a daemonized process (not our child) at its next tick', async () => {
    const clock = new FakeClock();
    const watcher = newWatcher(DEFAULT_LIVENESS_INTERVAL_MS, clock);
    // The shell exits at once, leaving sleep to init: like a broker started by an init script.
    const { reported } = await children.startReporting('sleep 100000 & echo $!');
    const pid = reported[0];
    assert.ok(pid !== undefined);
    await waitFor(
      async () => (await readProcStat(pid))?.ppid !== undefined && (await readProcStat(pid))?.ppid !== process.pid,
    );
    watcher.watch(await identified(pid), 'broker');
    const events = await killAndTick(watcher, clock, pid);
    assert.deepEqual(
      events.map((e) => e.key),
      ['broker'],
    );
  });

  void test('reports a zombie (exited, parent never reaps)', async () => {
    const clock = new FakeClock();
    const watcher = newWatcher(DEFAULT_LIVENESS_INTERVAL_MS, clock);
    const pid = await children.startUnreaped();
    watcher.watch(await identified(pid), 'z');
    const [event, ...more] = await killAndTick(watcher, clock, pid);
    assert.deepEqual(more, []);
    assert.equal(event?.reason, 'zombie');
    assert.match(event?.message ?? '', /zombie/);
  });

  void test('reports a PID that is now another process', async () => {
    const watcher = newWatcher();
    const pid = await children.start('sleep', ['100000']);
    const now = await identified(pid);
    const next = nextEvent(watcher);
    watcher.watch({ ...now, startTime: now.startTime - 1 }, 'stale');
    const event = await next;
    assert.equal(event.reason, 'reused');
    assert.equal(isAlive(pid), true, 'nothing is signalled');
  });

  void test('reports a real PID reuse (ns_last_pid) as reused', async (t) => {
    const watcher = newWatcher(1_000_000); // ticks by hand only
    const pid = await children.start('sleep', ['100000']);
    const id = await identified(pid);
    watcher.watch(id, 'r');
    assert.deepEqual(watcher.checkNow(), []);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid));
    const reused = await children.startWithPid(pid);
    if (reused === undefined) {
      t.skip('cannot choose PIDs here');
      return;
    }
    // The open /proc/PID/stat still refers to the dead process, not to the new one.
    const events = watcher.checkNow();
    assert.equal(events.length, 1);
    assert.equal(events[0]?.reason, 'reused');
  });

  void test('reports a process already gone when watched', async () => {
    const watcher = newWatcher(1_000_000);
    const pid = await children.start('sleep', ['100000']);
    const id = await identified(pid);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid));
    watcher.watch(id, 'gone');
    const events = watcher.checkNow();
    assert.equal(events.length, 1);
    assert.ok(events[0]?.reason === 'exited' || events[0]?.reason === 'zombie');
  });

  void test('one event per death; unwatch and close stop watching', async () => {
    const watcher = newWatcher(1_000_000);
    const a = await identified(await children.start('sleep', ['100000']));
    const b = await identified(await children.start('sleep', ['100000']));
    watcher.watch(a, 'a');
    watcher.watch(b, 'b');
    assert.equal(watcher.size, 2);
    watcher.unwatch('b');
    watcher.unwatch('unknown');
    process.kill(a.pid, 'SIGKILL');
    process.kill(b.pid, 'SIGKILL');
    await waitFor(() => !isAlive(a.pid) && !isAlive(b.pid));
    const events = watcher.checkNow();
    assert.deepEqual(
      events.map((e) => e.key),
      ['a'],
    );
    assert.deepEqual(watcher.checkNow(), []);
    watcher.watch(await identified(await children.start('sleep', ['100000'])), 'c');
    watcher.close();
    assert.equal(watcher.size, 0);
  });

  void test('watching a key again replaces the old watch', async () => {
    const watcher = newWatcher(1_000_000);
    const a = await identified(await children.start('sleep', ['100000']));
    const b = await identified(await children.start('sleep', ['100000']));
    watcher.watch(a, 'broker');
    watcher.watch(b, 'broker');
    process.kill(a.pid, 'SIGKILL');
    await waitFor(() => !isAlive(a.pid));
    assert.deepEqual(watcher.checkNow(), []);
    assert.equal(watcher.size, 1);
  });

  void test('rejects a non-positive interval', () => {
    assert.throws(() => new LivenessWatcher({ intervalMs: 0 }), RangeError);
  });
});

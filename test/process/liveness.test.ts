import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { ProcessIdentity } from '../../src/process/identity.js';
import { identify, readProcStat } from '../../src/process/identity.js';
import type { LivenessEvent } from '../../src/process/liveness.js';
import { LivenessWatcher } from '../../src/process/liveness.js';
import { waitFor } from '../helpers/wait.js';
import { Children, isAlive } from './children.js';

const children = new Children();
const watchers: LivenessWatcher[] = [];
after(() => {
  for (const watcher of watchers) watcher.close();
  children.killAll();
});

function newWatcher(intervalMs?: number): LivenessWatcher {
  const watcher = new LivenessWatcher(intervalMs === undefined ? {} : { intervalMs });
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

/** Kills `pid` and resolves with the watcher's event and the time from kill to event. */
async function killAndMeasure(
  watcher: LivenessWatcher,
  pid: number,
): Promise<{ event: LivenessEvent; latencyMs: number }> {
  const next = nextEvent(watcher);
  const t0 = performance.now();
  process.kill(pid, 'SIGKILL');
  const event = await next;
  return { event, latencyMs: performance.now() - t0 };
}

void describe('LivenessWatcher', () => {
  void test('notices a SIGKILL within 100 ms (our child, reaped at once)', async (t) => {
    const watcher = newWatcher();
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const pid = await children.start('sleep', ['100000']);
      watcher.watch(await identified(pid), `child${i}`);
      const { event, latencyMs } = await killAndMeasure(watcher, pid);
      assert.equal(event.key, `child${i}`);
      assert.equal(event.identity.pid, pid);
      // libuv may reap it before or after our tick sees it.
      assert.ok(event.reason === 'exited' || event.reason === 'zombie', event.reason);
      latencies.push(latencyMs);
    }
    t.diagnostic(`detection latency ms: ${latencies.map((l) => l.toFixed(1)).join(', ')}`);
    assert.ok(Math.max(...latencies) < 150, `latencies ${latencies.join(', ')}`);
    assert.equal(watcher.size, 0);
  });

  void test('notices the death of a daemonized process (not our child)', async (t) => {
    const watcher = newWatcher();
    // The shell exits at once, leaving sleep to init: like a broker started by an init script.
    const { reported } = await children.startReporting('sleep 100000 & echo $!');
    const pid = reported[0];
    assert.ok(pid !== undefined);
    await waitFor(
      async () => (await readProcStat(pid))?.ppid !== undefined && (await readProcStat(pid))?.ppid !== process.pid,
    );
    watcher.watch(await identified(pid), 'broker');
    const { event, latencyMs } = await killAndMeasure(watcher, pid);
    t.diagnostic(`detection latency ms: ${latencyMs.toFixed(1)} (${event.reason})`);
    assert.equal(event.key, 'broker');
    assert.ok(latencyMs < 150, `latency ${latencyMs}`);
  });

  void test('reports a zombie (exited, parent never reaps)', async () => {
    const watcher = newWatcher();
    const pid = await children.startUnreaped();
    watcher.watch(await identified(pid), 'z');
    const { event } = await killAndMeasure(watcher, pid);
    assert.equal(event.reason, 'zombie');
    assert.match(event.message, /zombie/);
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

  void test('cost: microseconds per watched PID per tick', async (t) => {
    const watcher = newWatcher(1_000_000);
    const count = 100;
    for (let i = 0; i < count; i++) {
      watcher.watch(await identified(await children.start('sleep', ['100000'])), `p${i}`);
    }
    watcher.checkNow(); // first tick verifies each descriptor once
    const ticks = 500;
    const t0 = performance.now();
    for (let i = 0; i < ticks; i++) watcher.checkNow();
    const usPerPidTick = ((performance.now() - t0) * 1000) / ticks / count;
    t.diagnostic(`liveness cost: ${usPerPidTick.toFixed(2)} µs per PID per tick (${count} PIDs)`);
    assert.equal(watcher.size, count);
    // A generous bound: the point is "a syscall, not a /proc scan".
    assert.ok(usPerPidTick < 50, `${usPerPidTick} µs`);
    watcher.close();
  });

  void test('rejects a non-positive interval', () => {
    assert.throws(() => new LivenessWatcher({ intervalMs: 0 }), RangeError);
  });
});

// The fast crash detector on its own: what one tick costs per watched PID (one pread() of an open
// /proc/PID/stat), and the real time from SIGKILL to the watcher's event, for a child of ours (reaped
// at once) and for a daemonized process (a child of init, like a broker started by an init script).
// The tests prove the event comes at the next tick on a fake clock; this measures the real thing.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { identify } from '../src/process/identity.js';
import type { LivenessEvent } from '../src/process/liveness.js';
import { LivenessWatcher } from '../src/process/liveness.js';
import { sleep, stats } from './lib.js';
import type { Stats } from './lib.js';

export interface LivenessResult {
  /** Microseconds of one tick per watched PID, with `pids` watched. */
  readonly usPerPidTick: number;
  readonly pids: number;
  /** SIGKILL → event, ms. */
  readonly child: Stats;
  readonly daemonized: Stats;
}

/** A `sleep` child of ours. */
async function child(): Promise<number> {
  const c = spawn('sleep', ['100000'], { stdio: 'ignore' });
  await once(c, 'spawn');
  if (c.pid === undefined) throw new Error('sleep did not start');
  return c.pid;
}

/** A `sleep` that init adopts: the shell that started it exits at once. */
async function daemonized(): Promise<number> {
  const sh = spawn('/bin/sh', ['-c', 'sleep 100000 >/dev/null 2>&1 & echo $!'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await once(sh, 'exit');
  const pid = Number(out.trim());
  if (!(pid > 0)) throw new Error(`no pid from the shell: ${out}`);
  return pid;
}

/** SIGKILL → 'change' event of the watcher, in ms, for a process made by START. */
async function killToEvent(watcher: LivenessWatcher, start: () => Promise<number>): Promise<number> {
  const pid = await start();
  const id = await identify(pid);
  if (!id) throw new Error(`no identity for ${pid}`);
  watcher.watch(id, `k${pid}`);
  const event = once(watcher, 'change') as Promise<[LivenessEvent]>;
  const t0 = performance.now();
  process.kill(pid, 'SIGKILL');
  await event;
  return performance.now() - t0;
}

export async function livenessBench(runs: number): Promise<LivenessResult> {
  const started: number[] = [];
  const keepAlive = setInterval(() => undefined, 60_000); // the watcher's timer is unref'd
  try {
    // Cost: 100 live PIDs, ticked by hand.
    const cost = new LivenessWatcher({ intervalMs: 1_000_000 });
    const pids = 100;
    for (let i = 0; i < pids; i++) {
      const pid = await child();
      started.push(pid);
      const id = await identify(pid);
      if (id) cost.watch(id, `p${i}`);
    }
    cost.checkNow(); // the first tick verifies each descriptor once
    const ticks = 2_000;
    const t0 = performance.now();
    for (let i = 0; i < ticks; i++) cost.checkNow();
    const usPerPidTick = ((performance.now() - t0) * 1000) / ticks / cost.size;
    cost.close();

    // One process watched throughout keeps the tick running, so each kill falls at a random phase
    // of it (a watcher with nothing to watch stops its timer and starts it anew with the next watch).
    const watcher = new LivenessWatcher();
    const keeper = await child();
    started.push(keeper);
    const keeperId = await identify(keeper);
    if (keeperId) watcher.watch(keeperId, 'keeper');
    const childMs: number[] = [];
    const daemonMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      childMs.push(await killToEvent(watcher, child));
      daemonMs.push(await killToEvent(watcher, daemonized));
      await sleep(Math.random() * 25); // a random phase of the 25 ms tick
    }
    watcher.close();
    return { usPerPidTick, pids, child: stats(childMs), daemonized: stats(daemonMs) };
  } finally {
    clearInterval(keepAlive);
    for (const pid of started) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

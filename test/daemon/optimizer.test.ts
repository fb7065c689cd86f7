// V8's optimizing compiler is held back while the daemon is idle and let go the first time it is busy
// (src/daemon/optimizer.ts): the gate on virtual time and a CPU meter the test sets, and the switch
// itself on a real V8, watched through --trace-opt.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OptimizerGate } from '../../src/daemon/optimizer.js';
import type { OptimizerSwitch } from '../../src/daemon/optimizer.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** Virtual time that can also be set back, as NTP may set the wall clock. */
class SettableClock extends FakeClock {
  offsetMs = 0;
  override now(): number {
    return super.now() + this.offsetMs;
  }
}

function gate(opts: { busyShare?: number; windowMs?: number } = {}) {
  const clock = new SettableClock();
  const calls: string[] = [];
  const released: number[] = [];
  let cpu = 0;
  const sw: OptimizerSwitch = { hold: () => calls.push('hold'), release: () => calls.push('release') };
  const g = new OptimizerGate(sw, clock, (share) => released.push(share), { ...opts, cpuMs: () => cpu });
  /** `ms` of wall time in which the process used `share` of a core, then a sample. */
  const run = async (ms: number, share: number) => {
    cpu += ms * share;
    await clock.advance(ms);
    g.sample();
  };
  return { g, calls, released, run, clock };
}

void describe('the optimizing compiler while idle', () => {
  void test('held from the start; an idle daemon (1 % of a core) never releases it', async () => {
    const { g, calls, released, run } = gate();
    g.start();
    assert.deepEqual(calls, ['hold']);
    for (let i = 0; i < 600; i++) await run(1_000, 0.01);
    assert.deepEqual(calls, ['hold']);
    assert.deepEqual(released, []);
    assert.equal(g.held, true);
  });

  void test('the start-up before the first sample is not counted: the first window begins there', async () => {
    const { g, calls, run } = gate();
    g.start();
    // 3 s of start-up at a whole core, ended by the first cycle.
    await run(3_000, 1);
    await run(1_000, 0.01);
    await run(1_000, 0.01);
    assert.deepEqual(calls, ['hold']);
  });

  void test('busy over a whole window (20 % of a core): released once, with the share it measured', async () => {
    const { g, calls, released, run } = gate();
    g.start();
    await run(1_000, 0.01);
    await run(1_000, 0.2);
    // One second is less than the window: nothing decided yet.
    assert.deepEqual(calls, ['hold']);
    await run(1_000, 0.2);
    assert.deepEqual(calls, ['hold', 'release']);
    assert.equal(released.length, 1);
    assert.ok(Math.abs((released[0] ?? 0) - 0.2) < 1e-9, String(released[0]));
    assert.equal(g.held, false);
    // Released for good: later samples, busy or idle, change nothing.
    for (let i = 0; i < 10; i++) await run(1_000, i % 2 ? 0.5 : 0);
    assert.deepEqual(calls, ['hold', 'release']);
  });

  void test('a short burst inside an idle window stays under the share: held', async () => {
    const { g, calls, run } = gate({ busyShare: 0.05, windowMs: 2_000 });
    g.start();
    await run(1_000, 0);
    // 60 ms of work in a 2 s window: 3 %.
    await run(1_000, 0.06);
    await run(1_000, 0);
    assert.deepEqual(calls, ['hold']);
  });

  void test('the clock set back (NTP) starts a new window instead of dividing by a negative time', async () => {
    const { g, calls, run, clock } = gate();
    g.start();
    await run(1_000, 0.01);
    clock.offsetMs = -60_000;
    await run(1_000, 0.5);
    assert.deepEqual(calls, ['hold']);
    // The next window is measured from the set-back time: busy over it, released.
    await run(2_000, 0.5);
    assert.deepEqual(calls, ['hold', 'release']);
  });

  void test("on a real V8: held, a hot loop is neither baseline-compiled nor optimized; released, it is both (V8's traces)", () => {
    const module = fileURLToPath(new URL('../../src/daemon/optimizer.js', import.meta.url));
    const script = `
      const { v8Optimizer } = await import(${JSON.stringify(module)});
      const sw = v8Optimizer;
      function hot(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; }
      sw.hold();
      console.log('== held');
      for (let i = 0; i < 2000; i++) hot(5000);
      sw.release();
      console.log('== released');
      for (let i = 0; i < 2000; i++) hot(5000);
    `;
    const out = execFileSync(
      process.execPath,
      ['--trace-opt', '--trace-baseline-batch-compilation', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    const [, held = '', released = ''] = out.split(/^== (?:held|released)$/m);
    assert.doesNotMatch(held, /completed (optimizing|compiling).*JSFunction hot/, held);
    assert.doesNotMatch(held, /\[Baseline batch compilation\].*hot/, held);
    assert.match(released, /\[Baseline batch compilation\].*hot/, out.slice(0, 2000));
    assert.match(released, /completed (optimizing|compiling).*JSFunction hot .*TURBOFAN/, out.slice(0, 2000));
  });
});

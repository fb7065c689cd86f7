// The cycle schedule: the first cycles of many services are spread over one cycle in rules-file
// order (so 500 services are never due in the same millisecond), each service then keeps its own
// phase, cycle after cycle, and every completed cycle reaches the daemon's cycle hook once.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CycleRecord } from '../../src/daemon/service-runner.js';
import { spreadOffsets } from '../../src/daemon/schedule.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Cleanup, startInProcess, testDir } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void describe('the cycle schedule', () => {
  void test('80 services: first cycles five to a 25 ms step in rules-file order, then one phase each', async () => {
    const dir = await testDir(cleanup);
    const server = createServer((s) => s.destroy()).listen(0, '127.0.0.1');
    cleanup.add(() => server.close());
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    const n = 80;
    const rules = ['set daemon 1', `set statefile ${join(dir, 'state.json')}`];
    for (let i = 0; i < n; i++)
      rules.push(
        `check host h${i} with address 127.0.0.1`,
        `  if failed port ${port} with timeout 1 seconds then alert`,
      );
    const records: CycleRecord[] = [];
    // On a fake clock that stands still while checks run: every time below is exact.
    const clock = new FakeClock();
    const d = await startInProcess(join(dir, 'rules.rc'), rules.join('\n'), cleanup, { clock });
    const unsubscribe = d.daemon.onCycle((c) => records.push(c));
    cleanup.add(unsubscribe);
    const byService = (name: string): CycleRecord[] => records.filter((r) => r.service.name === name);
    const quiet = (): boolean => d.daemon.runners().every((r) => !r.busy);
    const threeEach = (): boolean => Array.from({ length: n }, (_, i) => byService(`h${i}`).length >= 3).every(Boolean);
    await clock.runUntil(threeEach, { quiet, timeoutMs: 20_000, message: 'three cycles of every service' });

    const phase = (r: CycleRecord): number => r.dueAt % 1000;
    const firsts = Array.from({ length: n }, (_, i) => byService(`h${i}`)[0] as CycleRecord);
    const offsets = firsts.map((r) => r.dueAt - (firsts[0]?.dueAt ?? 0));
    // Rules-file order, five services to a step, steps 25 ms apart: 16 steps over 400 ms.
    assert.deepEqual(
      offsets,
      Array.from({ length: n }, (_, i) => Math.floor(i / 5) * 25),
    );
    for (let i = 0; i < n; i++) {
      const rs = byService(`h${i}`);
      for (let k = 1; k < rs.length; k++)
        assert.equal((rs[k]?.dueAt ?? 0) - (rs[k - 1]?.dueAt ?? 0), 1000, `h${i} keeps its phase`);
      assert.equal(new Set(rs.map(phase)).size, 1);
      // No lag on this clock, and checks take no virtual time.
      for (const r of rs) assert.deepEqual([r.startedAt, r.finishedAt], [r.dueAt, r.dueAt]);
    }
  });
});

void describe('spreadOffsets', () => {
  const perStep = (o: number[]): number[] => {
    const m = new Map<number, number>();
    for (const v of o) m.set(v, (m.get(v) ?? 0) + 1);
    return [...m.values()];
  };
  void test('a few services share one wakeup, five to a 25 ms step', () => {
    assert.deepEqual(spreadOffsets(1, 1000), [0]);
    assert.deepEqual(spreadOffsets(3, 1000), [0, 0, 0], 'a broker and its host: one wakeup a cycle');
    assert.deepEqual(spreadOffsets(7, 30_000), [0, 0, 0, 0, 0, 25, 25]);
    assert.deepEqual(spreadOffsets(12, 50), [0, 0, 0, 0, 0, 0, 25, 25, 25, 25, 25, 25], 'two steps in a 50 ms cycle');
    assert.deepEqual(spreadOffsets(0, 1000), []);
    assert.deepEqual(spreadOffsets(9, 10), Array(9).fill(0), 'a cycle shorter than a step: one step');
  });
  void test('200 services: 40 steps of 5, in rules-file order', () => {
    const o = spreadOffsets(200, 1000);
    assert.deepEqual(new Set(perStep(o)), new Set([5]));
    assert.deepEqual(o.slice(0, 6), [0, 0, 0, 0, 0, 25]);
    assert.equal(o.at(-1), 975);
    assert.ok(o.every((v, i) => i === 0 || v >= (o[i - 1] ?? 0)));
  });
  void test('500 services: 40 steps of 12 or 13', () => {
    const o = spreadOffsets(500, 1000);
    assert.equal(perStep(o).length, 40);
    assert.deepEqual(new Set(perStep(o)), new Set([12, 13]));
    assert.ok(o.every((v) => v % 25 === 0 && v < 1000));
  });
});

// What the machine says when an operator's action ends (monit's "Action done"): how long it took and
// the pid before and after, or why it failed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MachineInput } from '../../src/state/types.js';
import { Driver, control, done, lost, service } from './fixtures.js';

const finished = (action: 'start' | 'stop' | 'restart', pids: { oldPid?: number; newPid?: number }): MachineInput => ({
  ...done(action),
  ...pids,
});

void describe("an operator's action: its outcome is an event", () => {
  void test('restart done: how long it took and the old and the new pid', () => {
    const d = new Driver(service()).healthy();
    d.feed(control('restart'), 100);
    assert.deepEqual(d.eventKeys(), ['action:changed:restart']);
    d.feed(finished('restart', { oldPid: 100, newPid: 200 }), 1_500);
    assert.deepEqual(d.eventKeys(), ['action:succeeded:restart']);
    assert.equal(d.events[0]?.message, 'restart done in 1.5 s, pid 100 → 200: restart ok');
  });

  void test('stop done: the pid before, none after', () => {
    const d = new Driver(service()).healthy();
    d.feed(control('stop'), 100).feed(finished('stop', { oldPid: 100 }), 250);
    assert.deepEqual(d.eventKeys(), ['action:succeeded:stop']);
    assert.equal(d.events[0]?.message, 'stop done in 250 ms, pid 100 → none: stop ok');
    assert.deepEqual(d.kinds(), ['unmonitor']);
  });

  void test('start failed: why, with its class; no Execution failed beside it', () => {
    const d = new Driver(service()).healthy().feed(control('unmonitor'));
    d.feed(control('start'), 100).feed(done('start', false, 'action-timeout'), 5_000);
    assert.deepEqual(d.eventKeys(), ['action:failed:alert']);
    assert.equal(d.events[0]?.class, 'action-timeout');
    assert.equal(d.events[0]?.message, 'start failed after 5 s: start failed');
  });

  void test("a rule's restart reports no action outcome (its rule's events tell the story)", () => {
    const d = new Driver(service()).healthy();
    d.feed(lost, 100);
    assert.deepEqual(d.kinds(), ['restart']);
    d.feed(finished('restart', { oldPid: 100, newPid: 200 }), 100);
    assert.ok(!d.events.some((e) => e.type === 'action'), JSON.stringify(d.events));
  });

  void test('monitor is done as soon as it is asked', () => {
    const d = new Driver(service()).healthy().feed(control('unmonitor'));
    d.feed(control('monitor'), 100);
    assert.deepEqual(d.eventKeys(), ['action:changed:monitor', 'action:succeeded:monitor']);
  });
});

// A pidfile that cannot be read while the broker runs: a grace, then an alert, never a restart.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { restoreState } from '../../src/state/restore.js';
import type { MachineInput } from '../../src/state/types.js';
import { Driver, control, cycle, fail, nonexistRule, ok, portRule, service } from './fixtures.js';

const bad = (message = 'pidfile /run/mosquitto.pid is empty', graceMs = 5_000): MachineInput => ({
  kind: 'pidfile',
  ok: false,
  message,
  graceMs,
});
const good: MachineInput = { kind: 'pidfile', ok: true, message: 'pidfile names pid 100 again', graceMs: 5_000 };

void describe('a pidfile unreadable while the broker runs', () => {
  void test('within the grace: nothing at all; readable again: forgotten', () => {
    const d = new Driver(service({ rules: [nonexistRule(), portRule()] })).healthy();
    d.feed(bad(), 0);
    assert.deepEqual(d.eventKeys(), []);
    d.feed(bad(), 4_999);
    assert.deepEqual(d.eventKeys(), []);
    assert.deepEqual(d.kinds(), []);
    d.feed(good, 1);
    assert.deepEqual(d.eventKeys(), []);
    assert.equal(d.state.pidfileTrouble, undefined);
    // A new gap starts a new grace.
    d.feed(bad(), 1_000).feed(bad(), 4_000);
    assert.deepEqual(d.eventKeys(), []);
  });

  void test('past the grace: one pid failure with action alert, class pidfile-unreadable; then its recovery', () => {
    const d = new Driver(service({ rules: [nonexistRule(), portRule()] })).healthy();
    d.feed(bad(), 0).feed(bad('pidfile /run/mosquitto.pid does not hold a PID: "12ab"'), 5_200);
    assert.deepEqual(d.eventKeys(), ['pid:failed:alert']);
    assert.equal(d.events[0]?.class, 'pidfile-unreadable');
    assert.match(
      d.events[0]?.message ?? '',
      /does not hold a PID: "12ab", for 5\.2 s; the broker runs and is not restarted$/,
    );
    assert.deepEqual(d.kinds(), []);
    d.feed(cycle(ok('exist'), ok('port')), 1_000).feed(bad(), 0);
    assert.deepEqual(d.eventKeys(), [], 'told once');
    d.feed(good, 1_000);
    assert.deepEqual(d.eventKeys(), ['pid:succeeded:alert']);
    assert.equal(d.events[0]?.message, 'pidfile names pid 100 again');
    assert.equal(d.state.status, 'ok');
  });

  void test('a grace of 0 reports at once; a not-monitored service reports nothing', () => {
    const d = new Driver(service()).healthy();
    d.feed(bad(undefined, 0), 0);
    assert.deepEqual(d.eventKeys(), ['pid:failed:alert']);
    const u = new Driver(service()).healthy().feed(control('unmonitor'));
    u.feed(bad(undefined, 0), 0).feed(good, 10_000);
    assert.deepEqual(u.eventKeys(), []);
    assert.equal(u.state.pidfileTrouble, undefined);
  });

  void test('a process that is really gone is still restarted (the pidfile input does not hide it)', () => {
    const d = new Driver(service()).healthy();
    d.feed(bad(), 0).feed(cycle(fail('exist', 'pidfile-invalid')), 1_000);
    assert.deepEqual(d.kinds(), ['restart']);
  });

  void test('a reported pidfile stays reported across a restart of brokerwatch: recovered, not told again', () => {
    const svc = service();
    const d = new Driver(svc).healthy();
    d.feed(bad(), 0).feed(bad(), 6_000);
    assert.deepEqual(d.eventKeys(), ['pid:failed:alert']);
    const back = restoreState(svc, JSON.parse(JSON.stringify(d.state)), d.now + 1_000);
    assert.deepEqual(back.pidfileTrouble, d.state.pidfileTrouble);
    const after = new Driver(svc, d.now + 1_000);
    after.state = back;
    after.feed(bad(), 10_000);
    assert.deepEqual(after.eventKeys(), []);
    after.feed(good, 1_000);
    assert.deepEqual(after.eventKeys(), ['pid:succeeded:alert']);
    assert.equal(
      restoreState(svc, { ...d.state, pidfileTrouble: { since: 'x', message: 1 } }, 0).pidfileTrouble,
      undefined,
    );
  });
});

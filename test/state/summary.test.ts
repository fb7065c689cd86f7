// What the status API shows for a service, decided by the state machine: unknown until something was
// measured, ok, or failed with the first failing rule in rules-file order (its event type, class,
// message and since when); unknown again when unmonitored. And the monit event each condition reports.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../src/config/model.js';
import { eventTypeOf } from '../../src/state/index.js';
import { Driver, control, cycle, fail, init, ok, portRule, rule, service } from './fixtures.js';

void describe('service status', () => {
  const svc = service({
    rules: [
      rule('exist', { kind: 'nonexist' }),
      portRule({ action: { kind: 'alert' } }),
      rule('mem', { kind: 'resource', resource: 'memory', op: '>', value: 1, unit: 'bytes' }),
    ],
  });

  void test('unknown before any sample, and while every result is "not measurable yet"', () => {
    const d = new Driver(svc);
    assert.equal(d.state.status, 'unknown');
    d.feed(cycle(init('exist'), init('port'), init('mem')), 1_000);
    assert.equal(d.state.status, 'unknown');
    assert.equal(d.state.failure, undefined);
  });

  void test('ok once one rule was measured and none failed', () => {
    const d = new Driver(svc).feed(cycle(ok('exist'), init('port'), init('mem')), 1_000);
    assert.equal(d.state.status, 'ok');
    assert.equal(d.state.failure, undefined);
  });

  void test('failed names the first failing rule in file order, with its event type, class, message and since', () => {
    const d = new Driver(svc).healthy();
    const at = d.now + 1_000;
    d.feed(
      cycle(ok('exist'), fail('port', 'port-closed', 'connection refused'), fail('mem', 'resource', 'memory 9 MB')),
      1_000,
    );
    assert.equal(d.state.status, 'failed');
    assert.deepEqual(d.state.failure, {
      ruleId: 'port',
      type: 'connection',
      class: 'port-closed',
      message: 'connection refused',
      since: at,
    });
    // The port recovers: the memory rule is the first failing one now.
    d.feed(cycle(ok('exist'), ok('port'), fail('mem', 'resource', 'memory 9 MB')), 1_000);
    assert.equal(d.state.failure?.ruleId, 'mem');
    assert.equal(d.state.failure?.type, 'resource');
    assert.equal(d.state.failure?.since, at);
    d.feed(cycle(ok('exist'), ok('port'), ok('mem')), 1_000);
    assert.equal(d.state.status, 'ok');
    assert.equal(d.state.failure, undefined);
  });

  void test('unmonitored: unknown, with no failure shown', () => {
    const d = new Driver(svc).healthy();
    d.feed(cycle(ok('exist'), fail('port', 'port-closed'), ok('mem')), 1_000);
    assert.equal(d.state.status, 'failed');
    d.feed(control('unmonitor'), 1_000);
    assert.equal(d.state.monitor, 'not-monitored');
    assert.equal(d.state.status, 'unknown');
    assert.equal(d.state.failure, undefined);
  });

  void test('a service whose only rule counts restarts is ok after its first cycle', () => {
    const only = service({
      rules: [rule('restarts', { kind: 'restarts', count: 3, cycles: 5 }, { action: { kind: 'unmonitor' } })],
    });
    const d = new Driver(only);
    assert.equal(d.state.status, 'unknown');
    d.feed(cycle(), 1_000);
    assert.equal(d.state.status, 'ok');
  });
});

void describe('event types', () => {
  void test('each condition reports the monit event of its kind', () => {
    const cases: Array<[Condition, string]> = [
      [{ kind: 'nonexist' }, 'nonexist'],
      [{ kind: 'exist' }, 'exist'],
      [{ kind: 'port', host: 'h', port: 1, transport: 'tcp', timeoutMs: 1, retry: 0 }, 'connection'],
      [{ kind: 'resource', resource: 'cpu', op: '>', value: 1, unit: '%' }, 'resource'],
      [{ kind: 'uptime', op: '<', ms: 1 }, 'uptime'],
      [{ kind: 'changed', what: 'pid' }, 'pid'],
      [{ kind: 'changed', what: 'checksum' }, 'checksum'],
      [{ kind: 'restarts', count: 1, cycles: 1 }, 'timeout'],
      [{ kind: 'status', op: '!=', value: 0 }, 'status'],
      [{ kind: 'timestamp', op: '>', ms: 1 }, 'timestamp'],
      [{ kind: 'size', op: '>', bytes: 1 }, 'size'],
      [{ kind: 'checksum' }, 'checksum'],
      [{ kind: 'permission', mode: 0o644 }, 'permission'],
      [{ kind: 'uid', user: 'root' }, 'uid'],
      [{ kind: 'gid', group: 'root' }, 'gid'],
      [{ kind: 'sys', test: { kind: 'threshold', topic: '$SYS/x', op: '>', value: 1 } }, 'resource'],
      [{ kind: 'sys', test: { kind: 'uptime-reset' } }, 'uptime'],
      [{ kind: 'sys', test: { kind: 'uptime-stalled' } }, 'uptime'],
    ];
    for (const [c, want] of cases) assert.equal(eventTypeOf(c), want, JSON.stringify(c));
  });
});

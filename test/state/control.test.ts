import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, step } from '../../src/state/machine.js';
import type { MachineState } from '../../src/state/types.js';
import {
  Driver,
  control,
  cycle,
  done,
  exec,
  fail,
  lost,
  nonexistRule,
  ok,
  portRule,
  rule,
  service,
  timer,
} from './fixtures.js';

void describe('operator control', () => {
  void test('stop: plans a stop, then the service is not monitored', () => {
    const d = new Driver(service()).healthy();
    d.feed({ kind: 'control', action: 'stop', by: 'admin' }, 100);
    assert.deepEqual(d.kinds(), ['stop']);
    assert.deepEqual(d.eventKeys(), ['action:changed:stop']);
    assert.equal(d.events[0]?.message, 'stop requested by admin');
    assert.equal(d.actions[0]?.origin, 'control');
    d.feed(lost, 100); // our own stop killed it
    assert.deepEqual(d.eventKeys(), []);
    d.feed(done('stop'), 100);
    assert.deepEqual(d.kinds(), ['unmonitor']);
    assert.equal(d.state.monitor, 'not-monitored');
    assert.equal(d.state.status, 'unknown');
  });

  void test('a failed stop is reported and the service stays monitored', () => {
    const d = new Driver(service()).healthy();
    d.feed(control('stop')).feed(done('stop', false), 100);
    assert.deepEqual(d.eventKeys(), ['action:failed:alert']);
    assert.equal(d.events[0]?.class, 'stop-failed');
    assert.equal(d.events[0]?.message, 'stop failed after 100 ms: stop failed');
    assert.equal(d.state.monitor, 'monitored');
  });

  void test('start of a not-monitored service: monitor again and start', () => {
    const d = new Driver(service()).healthy().feed(control('unmonitor'));
    d.feed(control('start'), 100);
    assert.deepEqual(d.kinds(), ['monitor', 'start']);
    assert.deepEqual(d.eventKeys(), ['action:changed:start']);
    assert.equal(d.state.monitor, 'initializing');
    d.feed(done('start'), 100).feed(cycle(ok('exist')), 100);
    assert.equal(d.state.monitor, 'monitored');
    assert.equal(d.state.status, 'ok');
  });

  void test('restart', () => {
    const d = new Driver(service()).healthy();
    d.feed(control('restart'));
    assert.deepEqual(d.kinds(), ['restart']);
    assert.deepEqual(d.eventKeys(), ['action:changed:restart']);
  });

  void test('unmonitor: checks are ignored and nothing is planned until monitor', () => {
    const d = new Driver(service({ rules: [nonexistRule(), portRule()] })).healthy();
    d.feed(control('unmonitor'), 100);
    assert.deepEqual(d.kinds(), ['unmonitor']);
    assert.deepEqual(d.eventKeys(), ['action:changed:unmonitor', 'action:succeeded:unmonitor']);
    for (const input of [
      cycle(fail('exist'), fail('port')),
      lost,
      timer,
      done('restart'),
      { kind: 'waiting' } as const,
    ]) {
      d.feed(input, 1000);
      assert.deepEqual(d.kinds(), []);
      assert.deepEqual(d.eventKeys(), []);
      assert.equal(d.state.monitor, 'not-monitored');
    }
    d.feed(control('monitor'), 100);
    assert.deepEqual(d.kinds(), ['monitor']);
    assert.equal(d.state.monitor, 'initializing');
    d.feed(cycle(fail('exist'), ok('port')), 1000);
    assert.deepEqual(d.kinds(), ['restart']);
  });

  void test('unmonitor while a restart runs: its completion does not monitor again', () => {
    const d = new Driver(service()).healthy();
    d.feed(lost, 10).feed(control('unmonitor'), 10);
    assert.deepEqual(d.kinds(), ['unmonitor']);
    d.feed(done('restart'), 10);
    assert.deepEqual(d.kinds(), []);
    assert.equal(d.state.inFlight, undefined);
    assert.equal(d.state.monitor, 'not-monitored');
  });

  void test('liveness lost on a service without a nonexist rule is still told', () => {
    const d = new Driver(service({ rules: [portRule()] })).healthy();
    d.feed(lost, 10);
    assert.deepEqual(d.eventKeys(), ['nonexist:failed:alert']);
    assert.deepEqual(d.kinds(), []);
  });

  void test('an unmonitor rule action', () => {
    const d = new Driver(
      service({
        rules: [
          rule(
            'cpu',
            { kind: 'resource', resource: 'cpu', op: '>', value: 99, unit: '%' },
            { action: { kind: 'unmonitor' } },
          ),
          portRule(),
        ],
      }),
    );
    d.feed(cycle(fail('cpu', 'resource', 'cpu 100%'), fail('port')));
    assert.deepEqual(d.eventKeys(), ['resource:failed:unmonitor']);
    assert.deepEqual(d.kinds(), ['unmonitor']);
    assert.equal(d.state.monitor, 'not-monitored');
  });

  void test('a stop rule action stops and unmonitors', () => {
    const d = new Driver(
      service({
        rules: [
          rule(
            'mem',
            { kind: 'resource', resource: 'memory', op: '>', value: 1e9, unit: 'bytes' },
            { action: { kind: 'stop' } },
          ),
        ],
      }),
    );
    d.feed(cycle(fail('mem', 'resource')));
    assert.deepEqual(d.eventKeys(), ['resource:failed:stop']);
    assert.deepEqual(d.kinds(), ['stop']);
    d.feed(done('stop'));
    assert.deepEqual(d.kinds(), ['unmonitor']);
    assert.equal(d.state.monitor, 'not-monitored');
  });

  void test('exec failures are reported', () => {
    const d = new Driver(service({ type: 'host', rules: [portRule({ action: exec('/bin/x') })] }));
    d.feed({
      kind: 'action-done',
      action: 'exec',
      ok: false,
      class: 'action-timeout',
      message: '/bin/x timed out after 30 s',
      ruleId: 'port',
    });
    assert.deepEqual(d.eventKeys(), ['exec:failed:alert']);
    assert.equal(d.events[0]?.class, 'action-timeout');
  });
});

void describe('modes', () => {
  void test('passive: events and alerts, never start/stop/restart on its own', () => {
    const svc = service({
      mode: 'passive',
      rules: [
        nonexistRule(),
        rule(
          'mem',
          { kind: 'resource', resource: 'memory', op: '>', value: 1, unit: 'bytes' },
          { action: { kind: 'stop' } },
        ),
      ],
    });
    const d = new Driver(svc).healthy();
    d.feed(lost, 100);
    assert.deepEqual(d.eventKeys(), ['nonexist:failed:alert']);
    assert.match(d.events[0]?.message ?? '', /passive mode: no restart/);
    assert.deepEqual(d.kinds(), []);
    d.feed(cycle(fail('exist'), fail('mem', 'resource')), 1000);
    assert.deepEqual(d.eventKeys(), ['resource:failed:alert']);
    assert.deepEqual(d.kinds(), []);
    assert.equal(d.state.wakeAt, undefined);
    // An operator can still act on a passive service.
    d.feed(control('restart'), 100);
    assert.deepEqual(d.kinds(), ['restart']);
  });

  void test('passive still runs exec actions', () => {
    const d = new Driver(service({ mode: 'passive', rules: [nonexistRule({ action: exec('/bin/page') })] }));
    d.feed(cycle(fail('exist')));
    assert.deepEqual(d.kinds(), ['exec']);
  });

  void test('manual: starts not monitored, until an operator start', () => {
    const d = new Driver(service({ mode: 'manual' }));
    assert.equal(d.state.monitor, 'not-monitored');
    d.feed(cycle(fail('exist')), 1000);
    assert.deepEqual(d.kinds(), []);
    d.feed(control('start'), 100);
    assert.deepEqual(d.kinds(), ['monitor', 'start']);
  });
});

void describe('purity', () => {
  function deepFreeze<T>(o: T): T {
    if (o && typeof o === 'object') {
      for (const v of Object.values(o)) deepFreeze(v);
      Object.freeze(o);
    }
    return o;
  }

  void test('step does not touch its inputs and gives the same answer twice', () => {
    const svc = deepFreeze(service({ rules: [nonexistRule(), portRule()] }));
    let s: MachineState = deepFreeze(initialState(svc, 0));
    const inputs = [
      cycle(ok('exist'), ok('port')),
      lost,
      done('restart'),
      cycle(fail('exist'), fail('port')),
      timer,
      control('stop'),
      done('stop'),
    ];
    let now = 0;
    for (const input of inputs) {
      now += 700;
      const a = step(svc, s, deepFreeze(input), now);
      const b = step(svc, s, input, now);
      assert.deepEqual(a, b);
      s = deepFreeze(a.state);
    }
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { failedInLast, pushSample, rateMatches } from '../../src/state/rates.js';
import type { CheckResult } from '../../src/checks/result.js';
import { Driver, cycle, exec, fail, init, ok, portRule, rule, service } from './fixtures.js';

void describe('bit history', () => {
  void test('keeps the newest 64 samples, newest last', () => {
    let h = '';
    for (let i = 0; i < 70; i++) h = pushSample(h, i % 2 === 0);
    assert.equal(h.length, 64);
    assert.equal(h.at(-1), '0'); // i = 69
    assert.equal(failedInLast(h, 64), 32);
  });

  const cases: Array<[string, string, number, number, boolean]> = [
    // history, description, count, cycles, matches
    ['111', 'for 3 cycles: three in a row', 3, 3, true],
    ['1101', 'for 3 cycles: interrupted', 3, 3, false],
    ['10001', '2 within 5', 2, 5, true],
    ['100001', '2 within 5: first one too old', 2, 5, false],
    ['', 'nothing yet', 1, 1, false],
    ['0', 'one ok', 1, 1, false],
  ];
  for (const [h, what, count, cycles, want] of cases) {
    void test(what, () => assert.equal(rateMatches(h, { count, cycles }), want));
  }
});

/** Feed per-cycle results for one rule ('F' failed, 'O' ok, 'I' init, '-' absent); collect event keys per cycle. */
function run(d: Driver, ruleId: string, seq: string): string[][] {
  const out: string[][] = [];
  for (const ch of seq) {
    const r: CheckResult[] =
      ch === 'F' ? [fail(ruleId, 'port-closed')] : ch === 'O' ? [ok(ruleId)] : ch === 'I' ? [init(ruleId)] : [];
    d.feed(cycle(...r), 1_000);
    out.push(d.eventKeys());
  }
  return out;
}

void describe('rates', () => {
  const alertRule = (count: number, cycles: number) =>
    service({ type: 'host', rules: [portRule({ rate: { count, cycles }, action: { kind: 'alert' } })] });

  const table: Array<{
    name: string;
    count: number;
    cycles: number;
    seq: string;
    firesAt: number[];
    recoversAt?: number[];
  }> = [
    { name: 'for 3 cycles fires on the third failure', count: 3, cycles: 3, seq: 'FFF', firesAt: [2] },
    { name: 'for 3 cycles: an ok in between restarts the count', count: 3, cycles: 3, seq: 'FFOFF', firesAt: [] },
    { name: '2 within 5 cycles', count: 2, cycles: 5, seq: 'FOOOF', firesAt: [4] },
    { name: '2 within 5: too far apart', count: 2, cycles: 5, seq: 'FOOOOF', firesAt: [] },
    { name: 'init and absent results are not samples', count: 2, cycles: 2, seq: 'FI-F', firesAt: [3] },
    { name: 'fires once while it stays failed', count: 1, cycles: 1, seq: 'FFFF', firesAt: [0] },
    {
      name: 'one ok recovers, then a full rate is needed again (reset after fire)',
      count: 2,
      cycles: 2,
      seq: 'FFFOFF',
      firesAt: [1, 5],
      recoversAt: [3],
    },
    {
      name: '2 within 5: failures after the fire keep it failed until the rate no longer holds',
      count: 2,
      cycles: 5,
      seq: 'FFFFOOOO',
      firesAt: [1],
      recoversAt: [7],
    },
  ];
  for (const t of table) {
    void test(t.name, () => {
      const keys = run(new Driver(alertRule(t.count, t.cycles)), 'port', t.seq);
      const fired = keys.flatMap((k, i) => (k.includes('connection:failed:alert') ? [i] : []));
      const recovered = keys.flatMap((k, i) => (k.includes('connection:succeeded:alert') ? [i] : []));
      assert.deepEqual(fired, t.firesAt);
      assert.deepEqual(recovered, t.recoversAt ?? []);
    });
  }

  void test('events carry the check class and message', () => {
    const d = new Driver(alertRule(1, 1));
    d.feed(cycle(fail('port', 'connack-refused', 'CONNACK 5 not authorized')));
    assert.deepEqual(d.events, [
      {
        service: 'mosquitto',
        time: d.now,
        type: 'connection',
        state: 'failed',
        action: 'alert',
        class: 'connack-refused',
        message: 'CONNACK 5 not authorized',
      },
    ]);
  });
});

void describe('else if succeeded', () => {
  void test('runs the else action on recovery', () => {
    const svc = service({
      type: 'host',
      rules: [portRule({ action: exec('/bin/down'), elseAction: exec('/bin/up') })],
    });
    const d = new Driver(svc);
    d.feed(cycle(fail('port')));
    assert.deepEqual(d.kinds(), ['exec']);
    assert.deepEqual(d.actions[0]?.command?.argv, ['/bin/down']);
    d.feed(cycle(ok('port')));
    assert.deepEqual(d.eventKeys(), ['connection:succeeded:exec']);
    assert.deepEqual(d.actions[0]?.command?.argv, ['/bin/up']);
    assert.equal(d.actions[0]?.eventType, 'connection');
  });

  void test('without one, recovery is an alert and plans nothing', () => {
    const d = new Driver(service({ type: 'host', rules: [portRule({ action: { kind: 'alert' } })] }));
    d.feed(cycle(fail('port'))).feed(cycle(ok('port')));
    assert.deepEqual(d.eventKeys(), ['connection:succeeded:alert']);
    assert.deepEqual(d.kinds(), []);
  });

  void test('exec repeat every N cycles runs again while the failure lasts', () => {
    const svc = service({
      type: 'host',
      rules: [portRule({ action: { kind: 'exec', command: { argv: ['/bin/page'] }, repeatEvery: 2 } })],
    });
    const d = new Driver(svc);
    const planned = ['F', 'F', 'F', 'F', 'F'].map(() => d.feed(cycle(fail('port'))).kinds().length);
    assert.deepEqual(planned, [1, 0, 1, 0, 1]);
  });
});

void describe('changed', () => {
  const svc = service({ rules: [rule('pid', { kind: 'changed', what: 'pid' }, { action: exec('/bin/notify') })] });

  void test('each change runs the action; there is no recovery', () => {
    const d = new Driver(svc);
    d.feed(cycle(init('pid')));
    assert.deepEqual(d.eventKeys(), []);
    d.feed(cycle(fail('pid', 'internal', 'pid changed from 41 to 42')));
    assert.deepEqual(d.eventKeys(), ['pid:changed:exec']);
    assert.deepEqual(d.kinds(), ['exec']);
    assert.equal(d.events[0]?.message, 'pid changed from 41 to 42');
    d.feed(cycle(ok('pid')));
    assert.deepEqual(d.eventKeys(), []);
    d.feed(cycle(fail('pid')));
    assert.deepEqual(d.eventKeys(), ['pid:changed:exec']);
    assert.equal(d.state.status, 'ok');
  });

  void test('event types follow the condition', () => {
    for (const what of ['ppid', 'checksum', 'timestamp', 'size'] as const) {
      const d = new Driver(service({ type: 'file', rules: [rule('c', { kind: 'changed', what })] }));
      d.feed(cycle(fail('c', 'file')));
      assert.deepEqual(d.eventKeys(), [`${what}:changed:alert`]);
    }
  });
});

void describe('event types', () => {
  const cases: Array<[Parameters<typeof rule>[1], string]> = [
    [{ kind: 'resource', resource: 'cpu', op: '>', value: 90, unit: '%' }, 'resource'],
    [{ kind: 'uptime', op: '<', ms: 60_000 }, 'uptime'],
    [{ kind: 'status', op: '!=', value: 0 }, 'status'],
    [{ kind: 'permission', mode: 0o600 }, 'permission'],
    [{ kind: 'uid', user: 'mosquitto' }, 'uid'],
    [{ kind: 'gid', group: 'mosquitto' }, 'gid'],
    [{ kind: 'exist' }, 'exist'],
    [{ kind: 'sys', test: { kind: 'threshold', topic: '$SYS/broker/heap/current', op: '>', value: 1e9 } }, 'resource'],
    [{ kind: 'sys', test: { kind: 'uptime-reset' } }, 'uptime'],
    [{ kind: 'sys', test: { kind: 'uptime-stalled' } }, 'uptime'],
  ];
  for (const [condition, type] of cases) {
    void test(`${condition.kind} → ${type}`, () => {
      const d = new Driver(service({ rules: [rule('r', condition)] }));
      d.feed(cycle(fail('r', 'resource')));
      assert.deepEqual(d.eventKeys(), [`${type}:failed:alert`]);
    });
  }
});

void describe('status summary', () => {
  void test('unknown, then ok, then the first failed rule, then ok again', () => {
    const svc = service({
      type: 'host',
      rules: [
        portRule({ action: { kind: 'alert' } }),
        rule('cpu', { kind: 'resource', resource: 'cpu', op: '>', value: 90, unit: '%' }),
      ],
    });
    const d = new Driver(svc);
    assert.equal(d.state.status, 'unknown');
    assert.equal(d.state.monitor, 'initializing');
    d.feed(cycle(init('port'), init('cpu')));
    assert.equal(d.state.status, 'unknown');
    assert.equal(d.state.monitor, 'monitored');
    d.feed(cycle(ok('port'), ok('cpu')));
    assert.equal(d.state.status, 'ok');
    d.feed(cycle(fail('port', 'port-closed', 'connection refused'), fail('cpu', 'resource', 'cpu 95%')));
    assert.equal(d.state.status, 'failed');
    assert.deepEqual(d.state.failure, {
      ruleId: 'port',
      type: 'connection',
      class: 'port-closed',
      message: 'connection refused',
      since: d.now,
    });
    d.feed(cycle(ok('port'), fail('cpu', 'resource', 'cpu 96%')));
    assert.equal(d.state.failure?.ruleId, 'cpu');
    assert.equal(d.state.failure?.message, 'cpu 96%');
    d.feed(cycle(ok('port'), ok('cpu')));
    assert.equal(d.state.status, 'ok');
    assert.equal(d.state.failure, undefined);
  });

  void test('waiting is set for cycles that are not due and left on the next cycle', () => {
    const d = new Driver(service());
    d.healthy();
    d.feed({ kind: 'waiting' });
    assert.equal(d.state.monitor, 'waiting');
    assert.deepEqual(d.kinds(), []);
    d.feed(cycle(ok('exist')));
    assert.equal(d.state.monitor, 'monitored');
  });
});

void describe('reboot and monitor as the action of a rule', () => {
  void test('reboot plans the reboot program, for the rule, with its reason', () => {
    const d = new Driver(service({ type: 'host', rules: [portRule({ action: { kind: 'reboot' } })] }));
    d.feed(cycle(fail('port', 'port-closed', 'connection refused')));
    assert.deepEqual(d.kinds(), ['reboot']);
    const a = d.actions[0];
    assert.equal(a?.origin, 'rule');
    assert.equal(a?.ruleId, 'port');
    assert.equal(a?.eventType, 'connection');
    assert.match(a?.reason ?? '', /connection refused/);
    assert.deepEqual(d.eventKeys(), ['connection:failed:reboot']);
  });

  void test('monitor is shown and plans nothing', () => {
    const d = new Driver(service({ type: 'host', rules: [portRule({ action: { kind: 'monitor' } })] }));
    d.feed(cycle(fail('port')));
    assert.deepEqual(d.kinds(), []);
    assert.deepEqual(d.eventKeys(), ['connection:failed:monitor']);
  });
});

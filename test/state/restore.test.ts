import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState } from '../../src/state/machine.js';
import { restoreState } from '../../src/state/restore.js';
import { Driver, cycle, fail, lost, nonexistRule, ok, portRule, service } from './fixtures.js';

void describe('restoreState', () => {
  const svc = service({ rules: [nonexistRule(), portRule({ rate: { count: 3, cycles: 3 } })] });

  void test('a saved state comes back as it was', () => {
    const d = new Driver(svc).healthy();
    d.feed(cycle(ok('exist'), fail('port', 'port-closed')), 1000);
    const saved: unknown = JSON.parse(JSON.stringify(d.state));
    assert.deepEqual(restoreState(svc, saved, d.now + 5000), d.state);
  });

  void test('a restart that was in flight died with the daemon: the next cycle decides again', () => {
    const d = new Driver(svc).healthy();
    d.feed(lost, 100);
    assert.equal(d.state.inFlight?.action, 'restart');
    const s = restoreState(svc, JSON.parse(JSON.stringify(d.state)), d.now + 2000);
    assert.equal(s.inFlight, undefined);
    assert.equal(s.rules[0]?.phase, 'rearmed');
    assert.equal(s.status, 'failed');
    const d2 = new Driver(svc, d.now + 2000);
    d2.state = s;
    d2.feed(cycle(fail('exist'), fail('port')), 1000);
    assert.deepEqual(d2.eventKeys(), ['nonexist:failed:restart']);
    // A broker that came back meanwhile is adopted without a restart.
    const d3 = new Driver(svc, d.now + 2000);
    d3.state = s;
    d3.feed(cycle(ok('exist'), ok('port')), 1000);
    assert.deepEqual(d3.eventKeys(), ['nonexist:succeeded:alert']);
    assert.deepEqual(d3.kinds(), []);
  });

  void test('on reload an in-flight action is kept', () => {
    const d = new Driver(svc).healthy().feed(lost, 100);
    const s = restoreState(svc, d.state, d.now, { daemonRestarted: false });
    assert.equal(s.inFlight?.action, 'restart');
  });

  void test('rules are reconciled with the new rules file', () => {
    const d = new Driver(svc).healthy();
    d.feed(cycle(ok('exist'), fail('port')), 1000);
    const svc2 = service({
      rules: [portRule({ rate: { count: 3, cycles: 3 } }), nonexistRule(), { ...portRule(), id: 'port2' }],
    });
    const s = restoreState(svc2, d.state, d.now, { daemonRestarted: false });
    assert.deepEqual(
      s.rules.map((r) => [r.id, r.history]),
      [
        ['port', '01'],
        ['exist', '00'],
        ['port2', ''],
      ],
    );
  });

  void test('garbage, another version or another service gives the initial state', () => {
    const init = initialState(svc, 5);
    for (const bad of [
      null,
      42,
      'x',
      [],
      {},
      { version: 2, service: 'mosquitto' },
      { ...initialState(svc, 1), service: 'other' },
    ]) {
      assert.deepEqual(restoreState(svc, bad, 5), init);
    }
  });

  void test('bad fields are replaced, not trusted', () => {
    const saved = {
      ...initialState(svc, 1),
      monitor: 'exploded',
      cycle: 'many',
      rules: [{ id: 'exist', history: '12x', phase: 'weird', class: 'nope' }, 7],
      backoff: { attempts: -3, retryAt: 'later' },
      pending: { action: 'stop', dueAt: 9 },
      restarts: [1, 'two', 3],
    };
    const s = restoreState(svc, saved, 10);
    assert.equal(s.monitor, 'initializing');
    assert.equal(s.cycle, 0);
    assert.deepEqual(s.rules[0], { id: 'exist', history: '', phase: 'ok' });
    assert.deepEqual(s.backoff, { attempts: 0 });
    assert.equal(s.pending, undefined);
    assert.deepEqual(s.restarts, [1, 3]);
  });
});

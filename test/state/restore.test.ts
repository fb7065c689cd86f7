import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState } from '../../src/state/machine.js';
import { restoreState } from '../../src/state/restore.js';
import type { InFlightProgram, MachineInput } from '../../src/state/types.js';
import { Driver, cycle, done, fail, lost, nonexistRule, ok, portRule, service } from './fixtures.js';

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

  /** The start program of a restart, as the daemon records it the moment it is spawned. */
  const program = (at: number): InFlightProgram => ({ command: 'start', pid: 4242, startTime: 987_654, at });
  const spawned = (p: InFlightProgram): MachineInput => ({ kind: 'program-started', action: 'restart', program: p });
  const reborn = (saved: unknown, now: number): Driver => {
    const d = new Driver(svc, now);
    d.state = restoreState(svc, JSON.parse(JSON.stringify(saved)), now);
    return d;
  };

  void test('a restart whose program was recorded outlives the daemon: nothing is decided until it ends', () => {
    const d = new Driver(svc).healthy();
    d.feed(lost, 100);
    d.feed(spawned(program(d.now + 3)), 3);
    assert.deepEqual(d.kinds(), [], 'recording the program plans nothing');
    assert.deepEqual(d.state.inFlight?.program, program(d.now));
    const since = d.state.inFlight?.since;
    // SIGKILLed 2 s into the start program; the daemon is back 1 s later.
    const d2 = reborn(d.state, d.now + 3000);
    assert.deepEqual(d2.state.inFlight, {
      action: 'restart',
      origin: 'rule',
      ruleId: 'exist',
      since,
      program: program(d.now),
    });
    // Its cycles see no broker yet (the program still runs): no second start, no event.
    for (let i = 0; i < 3; i++) {
      d2.feed(cycle(fail('exist'), fail('port', 'port-closed')), 1000);
      d2.feed(lost, 10);
      assert.deepEqual([d2.kinds(), d2.eventKeys()], [[], []]);
    }
    assert.equal(d2.state.restartCount, 0);
    // The program ended and the broker it started was found: the restart completes as it would have.
    d2.feed(done('restart'), 500);
    assert.equal(d2.state.inFlight, undefined);
    assert.equal(d2.state.restartCount, 1);
    assert.equal(d2.state.rules[1]?.graceUntil, d2.now + 5_000, 'the start grace runs from the adoption');
    d2.feed(cycle(ok('exist'), fail('port', 'port-closed')), 1000);
    assert.deepEqual(d2.eventKeys(), ['nonexist:succeeded:alert'], 'its broker is there');
    assert.deepEqual(d2.kinds(), [], 'and still starting up: in its grace');
    d2.feed(cycle(ok('exist'), ok('port')), 1000);
    assert.deepEqual([d2.kinds(), d2.eventKeys()], [[], []]);
  });

  void test('the recorded program timed out: the usual failed start, and the rules act again', () => {
    const d = new Driver(svc).healthy().feed(lost, 100);
    d.feed(spawned(program(d.now)), 2);
    const d2 = reborn(d.state, d.now + 1000);
    d2.feed({ kind: 'action-done', action: 'restart', ok: false, class: 'action-timeout', message: 'timed out' }, 4000);
    assert.deepEqual(d2.eventKeys(), ['exec:failed:alert']);
    assert.equal(d2.events[0]?.class, 'action-timeout');
    assert.equal(d2.state.backoff.lastStartClass, 'action-timeout');
    d2.feed(lost, 10);
    // The second attempt of the streak waits out the backoff (1 s), then runs.
    assert.deepEqual(d2.kinds(), []);
    d2.feed({ kind: 'timer' }, 1000);
    assert.deepEqual(d2.kinds(), ['restart']);
  });

  void test('the recorded program is gone (or its PID is another process): the next cycle decides', () => {
    const d = new Driver(svc).healthy().feed(lost, 100);
    d.feed(spawned(program(d.now)), 2);
    const gone = reborn(d.state, d.now + 2000).feed({ kind: 'in-flight-gone' });
    assert.equal(gone.state.inFlight, undefined);
    assert.equal(gone.state.rules[0]?.phase, 'rearmed');
    assert.deepEqual([gone.kinds(), gone.eventKeys()], [[], []]);
    const missing = reborn(gone.state, gone.now).feed(cycle(fail('exist'), fail('port')), 1000);
    assert.deepEqual(missing.eventKeys(), ['nonexist:failed:restart']);
    assert.equal(missing.state.pending?.action, 'restart', 'the second attempt of the streak, after its backoff');
    // The broker that program started is there: adopted, no restart.
    const adopted = reborn(gone.state, gone.now).feed(cycle(ok('exist'), ok('port')), 1000);
    assert.deepEqual([adopted.kinds(), adopted.eventKeys()], [[], ['nonexist:succeeded:alert']]);
  });

  void test('a program record is kept only for the action in flight, and only when it is plausible', () => {
    const d = new Driver(svc).healthy().feed(lost, 100);
    d.feed({ kind: 'program-started', action: 'stop', program: program(d.now) });
    assert.equal(d.state.inFlight?.program, undefined, 'not the action in flight');
    const saved = JSON.parse(JSON.stringify(d.state)) as { inFlight: Record<string, unknown> };
    for (const bad of [
      { ...program(1), pid: 1 },
      { ...program(1), pid: -5 },
      { ...program(1), pid: 12.5 },
      { ...program(1), startTime: 'soon' },
      { ...program(1), command: 'exec' },
      { pid: 4242, startTime: 1 },
      'pid 4242',
    ]) {
      saved.inFlight.program = bad;
      const s = restoreState(svc, saved, d.now);
      assert.equal(s.inFlight, undefined, JSON.stringify(bad));
    }
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

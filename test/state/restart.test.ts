import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BACKOFF,
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

void describe('liveness lost', () => {
  void test('restarts at once, without waiting for a cycle', () => {
    const d = new Driver(service()).healthy();
    d.feed(lost, 50);
    assert.deepEqual(d.kinds(), ['restart']);
    assert.deepEqual(d.eventKeys(), ['nonexist:failed:restart']);
    assert.equal(d.events[0]?.class, 'process-missing');
    assert.equal(d.events[0]?.message, 'pid 42 exited');
    assert.equal(d.actions[0]?.ruleId, 'exist');
    assert.equal(d.state.inFlight?.action, 'restart');
    assert.equal(d.state.status, 'failed');
  });

  void test('one death is one sample: the next cycle does not count it again', () => {
    const d = new Driver(service({ rules: [nonexistRule({ rate: { count: 2, cycles: 2 } })] })).healthy();
    d.feed(lost, 50);
    assert.deepEqual(d.kinds(), []);
    d.feed(cycle(fail('exist')), 500);
    assert.deepEqual(d.kinds(), []);
    d.feed(cycle(fail('exist')), 1000);
    assert.deepEqual(d.kinds(), ['restart']);
  });

  void test('after the restart the broker is back: recovery event, status ok', () => {
    const d = new Driver(service()).healthy();
    d.feed(lost, 50).feed(done('restart'), 40);
    assert.deepEqual(d.eventKeys(), []);
    assert.equal(d.state.inFlight, undefined);
    d.feed(cycle(ok('exist', 'pid 43 running')), 1000);
    assert.deepEqual(d.eventKeys(), ['nonexist:succeeded:alert']);
    assert.equal(d.state.status, 'ok');
  });
});

void describe('one action in flight', () => {
  void test('no second start/stop/restart until action-done', () => {
    const d = new Driver(service({ rules: [nonexistRule(), portRule()] })).healthy();
    d.feed(lost, 10);
    assert.deepEqual(d.kinds(), ['restart']);
    d.feed(lost, 10);
    assert.deepEqual(d.kinds(), []);
    d.feed(cycle(fail('exist'), fail('port')), 1000);
    assert.deepEqual(d.kinds(), []);
    assert.deepEqual(d.eventKeys(), []);
    d.feed(control('restart'), 10);
    assert.deepEqual(d.kinds(), []);
    assert.deepEqual(d.eventKeys(), ['action:changed:none']);
    assert.match(d.events[0]?.message ?? '', /ignored: restart in progress/);
    d.feed(done('restart', false, 'action-timeout'), 10);
    assert.deepEqual(d.eventKeys(), ['exec:failed:alert']);
    assert.equal(d.events[0]?.class, 'action-timeout');
    // Decisions resume: the broker is still missing, so the rule fires again (after a backoff delay).
    d.feed(cycle(fail('exist'), fail('port')), 1000);
    assert.deepEqual(d.eventKeys(), ['nonexist:failed:restart', 'connection:failed:restart']);
    assert.ok(d.state.pending);
    assert.match(d.events[1]?.message ?? '', /restart already scheduled/);
  });
});

/** Crash, wait out whatever the backoff says, complete the restart; returns the delay seen. */
function crashAndRestart(d: Driver, startOk = true): number | 'gave-up' {
  d.feed(lost, 100);
  if (d.events.some((e) => e.type === 'timeout')) return 'gave-up';
  const crashedAt = d.now;
  let delay = 0;
  if (d.actions.length === 0) {
    const wake = d.state.wakeAt;
    assert.ok(wake !== undefined, 'a deferred restart sets wakeAt');
    delay = wake - crashedAt;
    d.at(wake - 1, timer);
    assert.deepEqual(d.kinds(), [], 'not before wakeAt');
    d.at(wake, timer);
    assert.deepEqual(d.eventKeys(), [], 'the deferred restart itself makes no noise');
  }
  assert.deepEqual(d.kinds(), ['restart']);
  d.feed(done('restart', startOk), 50);
  return delay;
}

void describe('restart backoff', () => {
  void test('delays grow, give up after giveUpAfter attempts, cool down, start again', () => {
    const d = new Driver(service()).healthy();
    const delays: Array<number | 'gave-up'> = [];
    for (let i = 0; i < 5; i++) delays.push(crashAndRestart(d));
    assert.deepEqual(delays, [0, 1000, 2000, 3000, 'gave-up']);
    assert.deepEqual(d.eventKeys(), ['nonexist:failed:restart', 'timeout:failed:alert']);
    const gaveUp = d.events[1];
    assert.equal(gaveUp?.class, 'process-missing');
    assert.match(gaveUp?.message ?? '', /gave up after 4 restart attempts/);
    assert.match(gaveUp?.message ?? '', /next try at .*\(in 1 min\)/);
    assert.equal(d.state.wakeAt, d.now + BACKOFF.cooldownMs);
    assert.equal(d.state.status, 'failed');
    // During the cool-down: no attempts, no further give-up events.
    for (let i = 0; i < 5; i++) {
      d.feed(cycle(fail('exist')), 1000);
      assert.deepEqual(d.kinds(), []);
      assert.deepEqual(d.eventKeys(), []);
    }
    d.feed(lost, 10);
    assert.deepEqual(d.kinds(), []);
    d.at(d.state.wakeAt ?? 0, timer);
    assert.deepEqual(d.kinds(), ['restart']);
    assert.equal(d.state.backoff.attempts, 1);
    assert.equal(d.state.backoff.retryAt, undefined);
    d.feed(done('restart'), 50);
    // The counter was reset by the cool-down: the next crash waits initialMs, no give-up.
    assert.equal(crashAndRestart(d), 1000);
  });

  void test('a start program that keeps failing gives up with class start-failed', () => {
    const d = new Driver(service()).healthy();
    d.feed(lost, 10);
    let restarts = 0;
    let gaveUp = false;
    for (let i = 0; i < 40 && !gaveUp; i++) {
      if (d.kinds().includes('restart')) {
        restarts++;
        d.feed(done('restart', false), 100);
        assert.deepEqual(d.eventKeys(), ['exec:failed:alert']);
        assert.equal(d.events[0]?.class, 'start-failed');
      }
      d.feed(
        d.state.wakeAt !== undefined ? timer : cycle(fail('exist')),
        d.state.wakeAt !== undefined ? d.state.wakeAt - d.now : 1000,
      );
      const t = d.events.find((e) => e.type === 'timeout');
      if (t) {
        gaveUp = true;
        assert.equal(t.class, 'start-failed');
      }
    }
    assert.ok(gaveUp);
    assert.equal(restarts, BACKOFF.giveUpAfter);
  });

  void test('healthy for resetAfterMs: the next restart is immediate again', () => {
    const d = new Driver(service()).healthy();
    d.feed(lost, 100).feed(done('restart'), 50);
    for (let t = 0; t < 11; t++) d.feed(cycle(ok('exist')), 1000);
    d.feed(lost, 100);
    assert.deepEqual(d.kinds(), ['restart']);
    assert.equal(d.state.backoff.attempts, 1);
  });

  void test('healthy for less than resetAfterMs: the next restart waits', () => {
    const d = new Driver(service()).healthy();
    d.feed(lost, 100).feed(done('restart'), 50);
    for (let t = 0; t < 5; t++) d.feed(cycle(ok('exist')), 1000);
    d.feed(lost, 100);
    assert.deepEqual(d.kinds(), []);
    assert.equal(d.state.wakeAt, d.now + BACKOFF.initialMs);
    assert.match(d.events[0]?.message ?? '', /restart in 1 s \(attempt 2 of 4\)/);
  });

  void test('the broker comes back by itself during the wait: the restart is dropped', () => {
    const d = new Driver(service()).healthy();
    d.feed(lost, 100)
      .feed(done('restart'), 50)
      .feed(cycle(ok('exist')), 500);
    d.feed(lost, 100);
    assert.ok(d.state.wakeAt !== undefined);
    d.feed(cycle(ok('exist')), 500);
    assert.deepEqual(d.eventKeys(), ['nonexist:succeeded:alert']);
    assert.equal(d.state.wakeAt, undefined);
    assert.equal(d.state.pending, undefined);
    d.feed(timer, 5_000);
    assert.deepEqual(d.kinds(), []);
  });

  void test('an operator start during the cool-down ends the give-up', () => {
    const d = new Driver(service({ backoff: { ...BACKOFF, giveUpAfter: 1 } })).healthy();
    d.feed(lost, 100).feed(done('restart'), 50);
    d.feed(lost, 100);
    assert.deepEqual(d.eventKeys(), ['nonexist:failed:restart', 'timeout:failed:alert']);
    d.feed(control('start'), 1000);
    assert.deepEqual(d.kinds(), ['start']);
    assert.equal(d.state.wakeAt, undefined);
    assert.equal(d.state.backoff.retryAt, undefined);
  });
});

void describe('start grace', () => {
  const svc = service({ rules: [nonexistRule(), portRule()] });

  function afterRestart(): Driver {
    const d = new Driver(svc).healthy();
    d.feed(cycle(ok('exist'), fail('port', 'connect-timeout')), 1000);
    assert.deepEqual(d.kinds(), ['restart']);
    return d.feed(done('restart'), 500);
  }

  void test('port failures are not counted until the first ok', () => {
    const d = afterRestart();
    d.feed(cycle(ok('exist'), fail('port', 'port-closed')), 200);
    d.feed(cycle(ok('exist'), fail('port', 'port-closed')), 200);
    assert.deepEqual(d.eventKeys(), []);
    d.feed(cycle(ok('exist'), ok('port')), 200);
    assert.deepEqual(d.eventKeys(), ['connection:succeeded:alert']);
    d.feed(cycle(ok('exist'), fail('port', 'connect-timeout')), 200);
    assert.deepEqual(d.eventKeys(), ['connection:failed:restart']);
  });

  void test('nor until the start timeout passes', () => {
    const d = afterRestart();
    const deadline = d.now + 5_000;
    for (let t = 1000; t < 5000; t += 1000) {
      d.feed(cycle(ok('exist'), fail('port', 'port-closed')), 1000);
      assert.deepEqual(d.eventKeys(), []);
    }
    d.at(deadline, cycle(ok('exist'), fail('port', 'port-closed')));
    assert.deepEqual(d.eventKeys(), ['connection:failed:restart']);
  });

  void test('nonexist is never paused', () => {
    const d = afterRestart();
    d.feed(cycle(fail('exist'), fail('port')), 200);
    assert.deepEqual(d.eventKeys(), ['nonexist:failed:restart']);
  });

  void test('there is no grace after a failed start', () => {
    const d = new Driver(svc).healthy();
    d.feed(cycle(ok('exist'), fail('port')), 1000).feed(done('restart', false), 500);
    d.feed(cycle(ok('exist'), fail('port')), 200);
    assert.deepEqual(d.eventKeys(), ['connection:failed:restart']);
  });
});

void describe('restarts within cycles', () => {
  void test('N restarts within M cycles runs its action (here: unmonitor)', () => {
    const svc = service({
      rules: [
        nonexistRule(),
        rule('limit', { kind: 'restarts', count: 2, cycles: 3 }, { action: { kind: 'unmonitor' } }),
      ],
    });
    const d = new Driver(svc).healthy();
    d.feed(lost, 100).feed(done('restart'), 50);
    assert.deepEqual(d.eventKeys(), []);
    d.feed(cycle(ok('exist')), 1000);
    d.feed(lost, 100);
    d.at(d.state.wakeAt ?? 0, timer).feed(done('restart'), 50);
    assert.deepEqual(d.eventKeys(), ['timeout:failed:unmonitor']);
    assert.match(d.events[0]?.message ?? '', /2 restarts within 3 cycles/);
    assert.deepEqual(d.kinds(), ['unmonitor']);
    assert.equal(d.state.monitor, 'not-monitored');
  });

  void test('restarts outside the window do not count', () => {
    const svc = service({
      rules: [
        nonexistRule(),
        rule('limit', { kind: 'restarts', count: 2, cycles: 2 }, { action: { kind: 'unmonitor' } }),
      ],
    });
    const d = new Driver(svc).healthy();
    d.feed(lost, 100).feed(done('restart'), 50);
    for (let i = 0; i < 3; i++) d.feed(cycle(ok('exist')), 1000);
    d.feed(lost, 100);
    d.at(d.state.wakeAt ?? d.now, timer).feed(done('restart'), 50);
    assert.deepEqual(d.eventKeys(), []);
    assert.equal(d.state.monitor, 'monitored');
  });

  void test('1 restart within 1 cycle then exec: fires on each restart, recovers on the next cycle', () => {
    const svc = service({
      rules: [
        nonexistRule(),
        rule('note', { kind: 'restarts', count: 1, cycles: 1 }, { action: exec('/usr/local/bin/slack-webhook.sh') }),
      ],
    });
    const d = new Driver(svc).healthy();
    d.feed(lost, 100).feed(done('restart'), 50);
    assert.deepEqual(d.eventKeys(), ['timeout:failed:exec']);
    assert.deepEqual(d.kinds(), ['exec']);
    assert.equal(d.actions[0]?.eventType, 'timeout');
    d.feed(cycle(ok('exist')), 1000);
    assert.deepEqual(d.eventKeys(), ['nonexist:succeeded:alert', 'timeout:succeeded:alert']);
  });

  void test('operator restarts are not counted', () => {
    const svc = service({
      rules: [nonexistRule(), rule('note', { kind: 'restarts', count: 1, cycles: 1 }, { action: exec('/bin/x') })],
    });
    const d = new Driver(svc).healthy();
    d.feed(control('restart'), 100).feed(done('restart'), 50);
    // Only the restart's own outcome: the `restarts` rule saw nothing.
    assert.deepEqual(d.eventKeys(), ['action:succeeded:restart']);
    assert.deepEqual(d.kinds(), []);
  });
});

void describe('the restart counter (restartCount)', () => {
  void test("counts completed rule-driven restarts, failed ones too, never an operator's; survives unmonitor and restore", async () => {
    const { restoreState } = await import('../../src/state/restore.js');
    const d = new Driver(service()).healthy();
    assert.equal(d.state.restartCount, 0);
    d.feed(lost, 50);
    assert.deepEqual(d.kinds(), ['restart']);
    d.feed(done('restart'), 40);
    assert.equal(d.state.restartCount, 1);
    // Healthy for a while, then a second crash whose restart fails: still one made.
    for (let i = 0; i < 5; i++) d.feed(cycle(ok('exist')), 1000);
    d.feed(lost, 50);
    // The backoff may defer it (a crash soon after a restart): then its timer brings it.
    if (d.state.pending) d.feed(timer, d.state.pending.dueAt - d.now);
    assert.deepEqual(d.kinds(), ['restart']);
    d.feed(done('restart', false, 'action-timeout'), 40);
    assert.equal(d.state.restartCount, 2);

    const op = new Driver(service()).healthy();
    op.feed(control('restart'), 10);
    assert.deepEqual(op.kinds(), ['restart']);
    op.feed(done('restart'), 10);
    assert.equal(op.state.restartCount, 0, "an operator's restart is not counted");

    d.feed(control('unmonitor'), 10);
    assert.equal(d.state.restartCount, 2, 'unmonitor keeps the counter');
    const restored = restoreState(d.svc, JSON.parse(JSON.stringify(d.state)) as unknown, d.now + 10);
    assert.equal(restored.restartCount, 2, 'kept in the state file');
    const old: Record<string, unknown> = { ...d.state };
    delete old.restartCount;
    assert.equal(restoreState(d.svc, old, d.now).restartCount, 0, 'a state file from before the counter starts at 0');
  });
});

void describe('what the restart backoff says', () => {
  const t0 = Date.UTC(2026, 0, 1);
  const said = (d: Driver) => ({
    events: d.events.map((e) => `${e.type}:${e.state}: ${e.message}`),
    actions: d.actions.map((a) => `${a.kind} (${a.origin}): ${a.reason}`),
  });

  void test('a streak: each rule event names its delay and attempt; the retries say why they run', () => {
    const d = new Driver(service(), t0).healthy();
    const streak: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      d.feed(lost, 100);
      streak.push(said(d));
      if (d.actions.length === 0) {
        d.at(d.state.wakeAt ?? 0, timer);
        streak.push(said(d));
      }
      d.feed(done('restart'), 50);
    }
    assert.deepEqual(streak, [
      { events: ['nonexist:failed: pid 42 exited'], actions: ['restart (rule): nonexist: pid 42 exited'] },
      { events: ['nonexist:failed: pid 42 exited; restart in 1 s (attempt 2 of 4)'], actions: [] },
      { events: [], actions: ['restart (retry): nonexist: pid 42 exited (attempt 2 after backoff)'] },
      { events: ['nonexist:failed: pid 42 exited; restart in 2 s (attempt 3 of 4)'], actions: [] },
      { events: [], actions: ['restart (retry): nonexist: pid 42 exited (attempt 3 after backoff)'] },
      { events: ['nonexist:failed: pid 42 exited; restart in 3 s (attempt 4 of 4)'], actions: [] },
      { events: [], actions: ['restart (retry): nonexist: pid 42 exited (attempt 4 after backoff)'] },
      {
        events: [
          'nonexist:failed: pid 42 exited; gave up after 4 attempts, next try at 2026-01-01T00:01:07.700Z',
          'timeout:failed: gave up after 4 restart attempts without a healthy period; ' +
            'next try at 2026-01-01T00:01:07.700Z (in 1 min)',
        ],
        actions: [],
      },
      { events: [], actions: ['restart (retry): nonexist: pid 42 exited (retry after the cool-down)'] },
    ]);
  });

  void test('another rule failing while a restart waits says when it comes; during a give-up, when the retry is', () => {
    const svc = service({ rules: [nonexistRule(), portRule()] });
    const d = new Driver(svc, t0).healthy();
    d.feed(cycle(ok('exist'), fail('port', 'port-closed')), 1000).feed(done('restart'), 50);
    d.feed(cycle(ok('exist'), ok('port')), 1000);
    d.feed(cycle(ok('exist'), fail('port', 'port-closed')), 1000);
    assert.deepEqual(said(d).events, ['connection:failed: port failed; restart in 1 s (attempt 2 of 4)']);
    d.feed(cycle(fail('exist'), fail('port', 'port-closed')), 300);
    assert.deepEqual(said(d).events, ['nonexist:failed: exist failed; restart already scheduled in 700 ms']);

    const once = new Driver(
      service({ rules: [nonexistRule(), portRule()], backoff: { ...BACKOFF, giveUpAfter: 1 } }),
      t0,
    );
    once.healthy().feed(lost, 100).feed(done('restart'), 50);
    once.feed(cycle(ok('exist'), ok('port')), 1000);
    once.feed(lost, 100);
    assert.deepEqual(said(once).events, [
      'nonexist:failed: pid 42 exited; gave up after 1 attempts, next try at 2026-01-01T00:01:02.250Z',
      'timeout:failed: gave up after 1 restart attempts without a healthy period; ' +
        'next try at 2026-01-01T00:01:02.250Z (in 1 min)',
    ]);
    once.feed(cycle(fail('exist'), fail('port', 'port-closed')), 1000);
    assert.deepEqual(said(once).events, [
      'connection:failed: port failed; gave up restarting, next try at 2026-01-01T00:01:02.250Z',
    ]);
  });

  void test('giveUpAfter 0 never gives up and counts no "of N"; without a delay the attempt is still named', () => {
    const never = new Driver(service({ backoff: { ...BACKOFF, giveUpAfter: 0 } }), t0).healthy();
    never.feed(lost, 100).feed(done('restart'), 50).feed(lost, 100);
    assert.deepEqual(said(never).events, ['nonexist:failed: pid 42 exited; restart in 1 s (attempt 2)']);
    const eager = new Driver(service({ backoff: { ...BACKOFF, initialMs: 0 } }), t0).healthy();
    const notes: string[] = [];
    for (let i = 0; i < 3; i++) {
      eager.feed(lost, 100);
      notes.push(...said(eager).events);
      eager.feed(done('restart'), 50);
    }
    assert.deepEqual(notes, [
      'nonexist:failed: pid 42 exited',
      'nonexist:failed: pid 42 exited; attempt 2 of 4',
      'nonexist:failed: pid 42 exited; attempt 3 of 4',
    ]);
  });

  void test("an operator's restart or stop is no attempt: the next crash is restarted at once", () => {
    for (const action of ['restart', 'stop'] as const) {
      const d = new Driver(service(), t0).healthy();
      d.feed(control(action), 100).feed(done(action), 50);
      if (action === 'stop') d.feed(control('start'), 100).feed(done('start'), 50);
      d.feed(cycle(ok('exist')), 1000);
      d.feed(lost, 100);
      assert.deepEqual(said(d), {
        events: ['nonexist:failed: pid 42 exited'],
        actions: ['restart (rule): nonexist: pid 42 exited'],
      });
    }
  });

  void test('healthy for exactly resetAfterMs starts a new streak; a millisecond less does not', () => {
    for (const healthyFor of [BACKOFF.resetAfterMs, BACKOFF.resetAfterMs - 1]) {
      const d = new Driver(service(), t0).healthy();
      d.feed(lost, 100).feed(done('restart'), 50);
      d.feed(cycle(ok('exist')), 1000);
      d.feed(cycle(ok('exist')), healthyFor);
      d.feed(lost, 0);
      assert.deepEqual(
        said(d).actions.length,
        healthyFor === BACKOFF.resetAfterMs ? 1 : 0,
        `healthy for ${healthyFor} ms`,
      );
    }
  });

  void test('unmonitoring drops a waiting restart', () => {
    const d = new Driver(service(), t0).healthy();
    d.feed(lost, 100).feed(done('restart'), 50).feed(lost, 100);
    assert.ok(d.state.wakeAt !== undefined);
    const due = d.state.wakeAt;
    d.feed(control('unmonitor'), 10);
    assert.equal(d.state.wakeAt, undefined);
    d.at(due, timer);
    assert.deepEqual(d.kinds(), []);
  });
});

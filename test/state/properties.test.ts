// Property tests: random input sequences against the invariants the daemon relies on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CheckResult } from '../../src/checks/result.js';
import type { Service } from '../../src/config/model.js';
import { initialState, step } from '../../src/state/machine.js';
import { restoreState } from '../../src/state/restore.js';
import type { MachineInput, MachineState, ProcessAction, Step } from '../../src/state/types.js';
import { BACKOFF, exec, nonexistRule, portRule, rule, service } from './fixtures.js';

const RULES = [
  nonexistRule(),
  portRule({ rate: { count: 2, cycles: 3 }, elseAction: exec('/bin/up') }),
  rule('pid', { kind: 'changed', what: 'pid' }, { action: exec('/bin/pid') }),
  rule(
    'cpu',
    { kind: 'resource', resource: 'cpu', op: '>', value: 90, unit: '%' },
    { action: { kind: 'exec', command: { argv: ['/bin/cpu'] }, repeatEvery: 2 } },
  ),
  rule('limit', { kind: 'restarts', count: 3, cycles: 5 }, { action: { kind: 'alert' } }),
];

const SERVICES: Service[] = [
  service({ rules: RULES }),
  service({ rules: RULES, mode: 'passive' }),
  service({ rules: RULES, mode: 'manual' }),
  service({
    rules: [
      ...RULES.slice(0, 4),
      rule('limit', { kind: 'restarts', count: 2, cycles: 3 }, { action: { kind: 'unmonitor' } }),
    ],
  }),
  service({
    rules: [
      nonexistRule({ action: { kind: 'start' } }),
      rule(
        'mem',
        { kind: 'resource', resource: 'memory', op: '>', value: 1, unit: 'bytes' },
        { action: { kind: 'stop' } },
      ),
    ],
  }),
  service({ rules: RULES, backoff: { ...BACKOFF, giveUpAfter: 1, initialMs: 0 } }),
];

const status = fc.constantFrom('ok', 'failed', 'init', 'absent');
const processAction = fc.constantFrom<ProcessAction>('start', 'stop', 'restart');
const dt = fc.oneof(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 120_000 }));

type Cmd =
  | { t: 'cycle'; st: string[]; dt: number }
  | { t: 'lost'; dt: number }
  | { t: 'done'; ok: boolean; dt: number }
  | { t: 'stray'; action: ProcessAction | 'exec'; ok: boolean; dt: number }
  | { t: 'control'; action: 'start' | 'stop' | 'restart' | 'monitor' | 'unmonitor'; dt: number }
  | { t: 'timer'; dt: number }
  | { t: 'wake' }
  | { t: 'waiting'; dt: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('cycle' as const),
      st: fc.array(status, { minLength: 5, maxLength: 5 }),
      dt,
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('lost' as const), dt }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('done' as const), ok: fc.boolean(), dt }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('stray' as const),
      action: fc.oneof(processAction, fc.constant('exec' as const)),
      ok: fc.boolean(),
      dt,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('control' as const),
      action: fc.constantFrom('start', 'stop', 'restart', 'monitor', 'unmonitor'),
      dt,
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('timer' as const), dt }) },
  { weight: 2, arbitrary: fc.constant({ t: 'wake' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('waiting' as const), dt }) },
);

const CLASSES = {
  exist: 'process-missing',
  port: 'port-closed',
  pid: 'internal',
  cpu: 'resource',
  mem: 'resource',
  limit: 'internal',
} as const;

/** The input a command stands for, given the state (a `done` completes whatever is in flight). */
function toInput(svc: Service, s: MachineState, c: Cmd): MachineInput {
  switch (c.t) {
    case 'cycle': {
      const results: CheckResult[] = [];
      svc.rules.forEach((r, i) => {
        const st = c.st[i % c.st.length];
        if (st === 'ok' || st === 'failed' || st === 'init') {
          results.push({
            ruleId: r.id,
            status: st,
            class: CLASSES[r.id as keyof typeof CLASSES] ?? 'internal',
            message: `${r.id} ${st}`,
          });
        }
      });
      return { kind: 'cycle', results };
    }
    case 'lost':
      return { kind: 'liveness-lost', class: 'process-missing', message: 'pid exited' };
    case 'done':
      return { kind: 'action-done', action: s.inFlight?.action ?? 'exec', ok: c.ok, message: 'done' };
    case 'stray':
      return { kind: 'action-done', action: c.action, ok: c.ok, message: 'stray' };
    case 'control':
      return { kind: 'control', action: c.action };
    case 'timer':
    case 'wake':
      return { kind: 'timer' };
    case 'waiting':
      return { kind: 'waiting' };
  }
}

const isProcessAction = (k: string): boolean => k === 'start' || k === 'stop' || k === 'restart';

/** Run commands, checking the per-step invariants; returns every step for further checks. */
function drive(svc: Service, cmds: Cmd[], check: (prev: MachineState, input: MachineInput, r: Step) => void): Step[] {
  let now = 1_700_000_000_000;
  let s = initialState(svc, now);
  const steps: Step[] = [];
  for (const c of cmds) {
    now = c.t === 'wake' ? Math.max(now, s.wakeAt ?? now) : now + c.dt;
    const input = toInput(svc, s, c);
    const r = step(svc, s, input, now);
    check(s, input, r);
    steps.push(r);
    s = r.state;
  }
  return steps;
}

const RUNS = { numRuns: 300 };

void describe('properties', () => {
  void test('random inputs: never throws, state is JSON, at most one start/stop/restart in flight, not-monitored plans nothing', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.constantFrom(...SERVICES), fc.array(cmd, { maxLength: 150, size: 'max' }), (svc, cmds) => {
        drive(svc, cmds, (prev, input, r) => {
          for (const a of r.actions) seen.add(`${a.kind}:${a.origin}`);
          for (const e of r.events) seen.add(`${e.type}:${e.state}`);
          assert.deepEqual(JSON.parse(JSON.stringify(r)), r, 'state, actions and events survive JSON');
          assert.deepEqual(
            restoreState(svc, JSON.parse(JSON.stringify(r.state)), 0, { daemonRestarted: false }),
            r.state,
            'restore is the identity on our own states',
          );
          const proc = r.actions.filter((a) => isProcessAction(a.kind));
          assert.ok(proc.length <= 1, 'one start/stop/restart per step at most');
          if (prev.inFlight) assert.equal(proc.length, 0, 'nothing new while one is in flight');
          if (proc[0]) assert.equal(r.state.inFlight?.action, proc[0].kind, 'what is planned is in flight');
          if (r.state.inFlight && !prev.inFlight) assert.equal(proc.length, 1);
          if (prev.monitor === 'not-monitored' && input.kind !== 'control')
            assert.deepEqual(r.actions, [], 'not monitored: nothing but on control');
          if (svc.mode === 'passive' && input.kind !== 'control')
            assert.equal(proc.length, 0, 'passive never acts on its own');
          if (svc.backoff.giveUpAfter > 0) assert.ok(r.state.backoff.attempts <= svc.backoff.giveUpAfter);
          assert.equal(r.state.wakeAt, r.state.pending?.dueAt, 'wakeAt is the deferred action, if any');
          if (r.state.backoff.retryAt !== undefined)
            assert.equal(r.state.pending?.dueAt, r.state.backoff.retryAt, 'a give-up always has its retry');
          assert.ok(!(r.state.pending && r.state.inFlight), 'deferred and in flight never together');
          if (r.state.monitor === 'not-monitored') assert.equal(r.state.status, 'unknown');
          for (const e of r.events) assert.equal(e.service, svc.name);
        });
      }),
      RUNS,
    );
    // The random walk must reach the interesting places, or the invariants above prove little.
    for (const k of [
      'restart:rule',
      'restart:retry',
      'start:rule',
      'stop:rule',
      'stop:control',
      'exec:rule',
      'unmonitor:rule',
      'monitor:control',
      'timeout:failed',
      'timeout:succeeded',
      'nonexist:succeeded',
      'connection:failed',
      'pid:changed',
      'exec:failed',
    ]) {
      assert.ok(seen.has(k), `never saw ${k}: ${[...seen].sort().join(' ')}`);
    }
  });

  void test('a broker that never recovers: never more attempts than giveUpAfter between give-up events', () => {
    const failing = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({ t: fc.constant('cycle' as const), st: fc.constant(['failed'] as string[]), dt }),
      },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('lost' as const), dt }) },
      { weight: 3, arbitrary: fc.record({ t: fc.constant('done' as const), ok: fc.boolean(), dt }) },
      { weight: 2, arbitrary: fc.constant({ t: 'wake' as const }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('timer' as const), dt }) },
    );
    let totalGiveUps = 0;
    const svcs = [
      service({ rules: [nonexistRule(), portRule()] }),
      service({ rules: [nonexistRule({ rate: { count: 2, cycles: 3 } })], backoff: { ...BACKOFF, giveUpAfter: 2 } }),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...svcs), fc.array(failing, { maxLength: 200, size: 'max' }), (svc, cmds) => {
        let attempts = 0;
        let giveUps = 0;
        drive(svc, cmds, (prev, _input, r) => {
          const gaveUp = r.events.filter((e) => e.type === 'timeout' && e.state === 'failed');
          assert.ok(gaveUp.length <= 1);
          if (gaveUp.length > 0) {
            assert.equal(attempts, svc.backoff.giveUpAfter, 'gives up exactly at the configured attempt count');
            assert.ok(prev.backoff.retryAt === undefined, 'one give-up event per give-up');
            attempts = 0;
            giveUps++;
          }
          attempts += r.actions.filter((a) => a.kind === 'restart').length;
          assert.ok(attempts <= svc.backoff.giveUpAfter, `${attempts} attempts without a give-up`);
        });
        totalGiveUps += giveUps;
      }),
      RUNS,
    );
    assert.ok(totalGiveUps > 0, 'the random walk reached the give-up point');
  });

  void test('the same inputs give the same outputs', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SERVICES), fc.array(cmd, { maxLength: 60, size: 'max' }), (svc, cmds) => {
        const a = drive(svc, cmds, () => undefined);
        const b = drive(svc, cmds, () => undefined);
        assert.deepEqual(a, b);
      }),
      { numRuns: 100 },
    );
  });
});

// Services, rules and results for state machine tests, written as literals (no parser), and a small
// driver that feeds inputs with a fake clock.
import type { CheckResult, FailureClass } from '../../src/checks/result.js';
import type { Action, Backoff, Condition, Rate, Rule, Service } from '../../src/config/model.js';
import { initialState, step } from '../../src/state/machine.js';
import type { EventDraft, MachineInput, MachineState, PlannedAction } from '../../src/state/types.js';

const pos = { file: 'test.rc', line: 1, col: 1 };

export const BACKOFF: Backoff = {
  initialMs: 1_000,
  maxMs: 3_000,
  factor: 2,
  giveUpAfter: 4,
  cooldownMs: 60_000,
  resetAfterMs: 10_000,
};

export function rule(
  id: string,
  condition: Condition,
  opts: { rate?: Rate; action?: Action; elseAction?: Action } = {},
): Rule {
  return {
    id,
    condition,
    rate: opts.rate ?? { count: 1, cycles: 1 },
    action: opts.action ?? { kind: 'alert' },
    ...(opts.elseAction ? { elseAction: opts.elseAction } : {}),
    pos,
  };
}

export const exec = (...argv: string[]): Action => ({ kind: 'exec', command: { argv } });
export const restart: Action = { kind: 'restart' };

export const nonexistRule = (opts: Parameters<typeof rule>[2] = {}): Rule =>
  rule('exist', { kind: 'nonexist' }, { action: restart, ...opts });

export const portRule = (opts: Parameters<typeof rule>[2] = {}): Rule =>
  rule(
    'port',
    { kind: 'port', host: 'localhost', port: 1883, transport: 'tcp', timeoutMs: 1000, retry: 0 },
    { action: restart, ...opts },
  );

export function service(over: Partial<Service> = {}): Service {
  return {
    name: 'mosquitto',
    type: 'process',
    pos,
    pidfile: '/run/mosquitto.pid',
    start: { argv: ['/etc/init.d/mosquitto', 'start'], timeoutMs: 5_000 },
    stop: { argv: ['/etc/init.d/mosquitto', 'stop'] },
    rules: [nonexistRule()],
    dependsOn: [],
    groups: [],
    mode: 'active',
    onReboot: 'start',
    schedule: { kind: 'always' },
    alerts: [],
    noAlerts: [],
    backoff: BACKOFF,
    ...over,
  };
}

export const ok = (ruleId: string, message = `${ruleId} ok`): CheckResult => ({ ruleId, status: 'ok', message });
export const init = (ruleId: string): CheckResult => ({ ruleId, status: 'init', message: 'not measurable yet' });
export const fail = (
  ruleId: string,
  cls: FailureClass = 'process-missing',
  message = `${ruleId} failed`,
): CheckResult => ({
  ruleId,
  status: 'failed',
  class: cls,
  message,
});

export const cycle = (...results: CheckResult[]): MachineInput => ({ kind: 'cycle', results });
export const lost: MachineInput = { kind: 'liveness-lost', class: 'process-missing', message: 'pid 42 exited' };
export const timer: MachineInput = { kind: 'timer' };
export const done = (action: 'start' | 'stop' | 'restart' | 'exec', ok = true, cls?: FailureClass): MachineInput => ({
  kind: 'action-done',
  action,
  ok,
  message: ok ? `${action} ok` : `${action} failed`,
  ...(cls ? { class: cls } : {}),
});
export const control = (action: 'start' | 'stop' | 'restart' | 'monitor' | 'unmonitor'): MachineInput => ({
  kind: 'control',
  action,
});

/** Feeds inputs at a fake time and keeps the last step's outputs. */
export class Driver {
  state: MachineState;
  now: number;
  actions: PlannedAction[] = [];
  events: EventDraft[] = [];

  constructor(
    readonly svc: Service,
    now = 1_000_000,
  ) {
    this.now = now;
    this.state = initialState(svc, now);
  }

  /** Apply an input, `dt` ms after the previous one. */
  feed(input: MachineInput, dt = 0): this {
    this.now += dt;
    const r = step(this.svc, this.state, input, this.now);
    this.state = r.state;
    this.actions = r.actions;
    this.events = r.events;
    return this;
  }

  /** Apply an input at an absolute time. */
  at(now: number, input: MachineInput): this {
    return this.feed(input, now - this.now);
  }

  kinds(): string[] {
    return this.actions.map((a) => a.kind);
  }

  eventKeys(): string[] {
    return this.events.map((e) => `${e.type}:${e.state}:${e.action}`);
  }

  /** Run the first monitored cycle with everything ok, so the service starts healthy. */
  healthy(dt = 1_000): this {
    return this.feed(cycle(...this.svc.rules.map((r) => ok(r.id))), dt);
  }
}

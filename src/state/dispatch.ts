// What a rule's action turns into: a planned action for the daemon, a change of monitoring state, or
// just the word that the event carries. One path for rules; operator requests join it in machine.ts.
import type { Action, ActionKind, EventType } from '../config/model.js';
import type { FailureClass } from '../checks/result.js';
import type { Ctx } from './step.js';
import { freshRule, plan } from './step.js';
import { launch, requestRestart } from './restart-backoff.js';
import type { MonitorState, Origin } from './types.js';

export interface Trigger {
  readonly ruleId?: string;
  readonly type: EventType;
  readonly reason: string;
  /** The failure behind it, when the result named one. */
  readonly class?: FailureClass | undefined;
}

export interface Outcome {
  /** The action the event reports (a passive service reports `alert` instead of start/stop/restart). */
  readonly shown: ActionKind | 'none';
  /** Extra words for the event message: backoff delay, give-up, action already in progress. */
  readonly note?: string;
}

/** Carry out a rule's action (or its `else if succeeded` action). */
export function perform(ctx: Ctx, action: Action, t: Trigger): Outcome {
  const passive = ctx.service.mode === 'passive';
  switch (action.kind) {
    case 'alert':
      return { shown: 'alert' };
    case 'exec':
      plan(ctx, {
        kind: 'exec',
        ruleId: t.ruleId,
        command: action.command,
        eventType: t.type,
        origin: 'rule',
        reason: t.reason,
      });
      return { shown: 'exec' };
    case 'start':
    case 'restart': {
      if (passive) return { shown: 'alert', note: `passive mode: no ${action.kind}` };
      if (t.class !== undefined) ctx.s.backoff.lastClass = t.class;
      const note = requestRestart(ctx, action.kind, t.reason, t.ruleId);
      return note === undefined ? { shown: action.kind } : { shown: action.kind, note };
    }
    case 'stop':
      if (passive) return { shown: 'alert', note: 'passive mode: no stop' };
      if (ctx.s.inFlight) return { shown: 'stop', note: `${ctx.s.inFlight.action} in progress, stop not run` };
      launch(ctx, 'stop', 'rule', t.reason, t.ruleId);
      return { shown: 'stop' };
    case 'unmonitor':
      setNotMonitored(ctx, 'rule', t.reason, t.ruleId);
      return { shown: 'unmonitor' };
    case 'monitor':
      return { shown: 'monitor' };
    case 'reboot':
      // The daemon runs the reboot program (`set reboot program`), like an exec.
      plan(ctx, { kind: 'reboot', ruleId: t.ruleId, eventType: t.type, origin: 'rule', reason: t.reason });
      return { shown: 'reboot' };
  }
}

/** Change the monitoring state, noting since when. */
export function setMonitor(ctx: Ctx, m: MonitorState): void {
  if (ctx.s.monitor === m) return;
  ctx.s.monitor = m;
  ctx.s.monitorSince = ctx.now;
}

/** Forget failures, counters and deferred restarts: a service coming in or out of monitoring starts clean. */
function forget(ctx: Ctx): void {
  const s = ctx.s;
  s.rules = ctx.service.rules.map((r) => freshRule(r.id));
  s.backoff = { attempts: 0 };
  s.restarts = [];
  delete s.pending;
  delete s.wakeAt;
}

/** monit's unmonitor: checks are ignored and nothing is planned until a control start or monitor. */
export function setNotMonitored(ctx: Ctx, origin: Origin, reason: string, ruleId?: string): void {
  if (ctx.s.inFlight) delete ctx.s.inFlight.thenUnmonitor;
  if (ctx.s.monitor === 'not-monitored') return;
  setMonitor(ctx, 'not-monitored');
  forget(ctx);
  plan(ctx, { kind: 'unmonitor', ruleId, origin, reason });
}

/** Back into monitoring, `initializing` until the next cycle. */
export function setMonitored(ctx: Ctx, origin: Origin, reason: string): void {
  if (ctx.s.monitor !== 'not-monitored') return;
  setMonitor(ctx, 'initializing');
  forget(ctx);
  plan(ctx, { kind: 'monitor', origin, reason });
}

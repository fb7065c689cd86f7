// The working set of one step: the service, a private copy of the state that the step mutates, the
// clock reading it was given, and what it decided so far.
import type { Service } from '../config/model.js';
import type { EventDraft, MachineState, PlannedAction, RuleState } from './types.js';

export interface Ctx {
  readonly service: Service;
  readonly s: MachineState;
  readonly now: number;
  readonly actions: PlannedAction[];
  readonly events: EventDraft[];
}

/** Record an event of this service at this step's time; `at` inserts it before later ones. */
export function emit(ctx: Ctx, e: Loose<Omit<EventDraft, 'service' | 'time'>>, at = ctx.events.length): void {
  ctx.events.splice(at, 0, { service: ctx.service.name, time: ctx.now, ...withoutUndefined(e) });
}

/** Plan an action for the daemon. */
export function plan(ctx: Ctx, a: Loose<PlannedAction>): void {
  ctx.actions.push(withoutUndefined<PlannedAction>(a));
}

/** The state of a rule, created if the state predates the rule. */
export function ruleState(s: MachineState, id: string): RuleState {
  let rs = s.rules.find((r) => r.id === id);
  if (!rs) {
    rs = freshRule(id);
    s.rules.push(rs);
  }
  return rs;
}

/** A rule with no history and no failure. */
export function freshRule(id: string): RuleState {
  return { id, history: '', phase: 'ok' };
}

/** `T` as a literal may spell it: an optional key may hold `undefined`, which withoutUndefined drops. */
export type Loose<T> = { [K in keyof T]: Partial<Pick<T, K>> extends Pick<T, K> ? T[K] | undefined : T[K] };

/** `{a: undefined}` does not survive JSON; drop such keys so state and outputs round-trip exactly. */
export function withoutUndefined<T extends object>(o: Loose<T>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** `1.5 s`, `2 min`: for messages. */
export function fmtMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  if (ms < 3_600_000) return `${Number((ms / 60_000).toFixed(1))} min`;
  return `${Number((ms / 3_600_000).toFixed(1))} h`;
}

/** An ISO time for messages; pure, since the epoch value comes from the caller. */
export function isoTime(t: number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

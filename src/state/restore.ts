// Bring a persisted state back (daemon start) or carry a live one over to new rules (reload). The state
// file is input from disk: every field is checked, and what does not fit is replaced by its initial value
// rather than trusted.
import { FAILURE_CLASSES } from '../checks/result.js';
import type { FailureClass } from '../checks/result.js';
import type { Service } from '../config/model.js';
import { withoutUndefined } from './step.js';
import { abandonInFlight, initialState } from './machine.js';
import { HISTORY_BITS } from './rates.js';
import { summarise } from './summary.js';
import type {
  BackoffState,
  InFlight,
  InFlightProgram,
  MachineState,
  MonitorState,
  Pending,
  PidfileTrouble,
  RuleState,
} from './types.js';
import { MACHINE_STATE_VERSION } from './types.js';

export interface RestoreOptions {
  /**
   * True when the daemon itself restarted (the default). A start/stop/restart that was in flight
   * before its program was spawned died with the daemon: its outcome is unknown and the next cycle
   * decides again. One whose program was recorded is kept: the program runs in its own process group
   * and may outlive the daemon, and a second start beside it would make two brokers. The daemon
   * looks (a pure state cannot): it waits for that program if it still runs, by PID and start time,
   * and otherwise sends `in-flight-gone`. False on reload: nothing is lost then.
   */
  readonly daemonRestarted?: boolean;
}

const MONITOR_STATES: readonly MonitorState[] = ['initializing', 'monitored', 'not-monitored', 'waiting'];

/** A valid state for `service` built from `saved` (parsed JSON, or the live state on reload). */
export function restoreState(service: Service, saved: unknown, now: number, opts: RestoreOptions = {}): MachineState {
  const init = initialState(service, now);
  if (!isObj(saved) || saved.version !== MACHINE_STATE_VERSION || saved.service !== service.name) return init;
  const savedRules = Array.isArray(saved.rules) ? saved.rules.filter(isObj) : [];
  const s = withoutUndefined<MachineState>({
    ...init,
    monitor: oneOf(saved.monitor, MONITOR_STATES) ?? init.monitor,
    monitorSince: num(saved.monitorSince) ?? now,
    cycle: Math.max(0, Math.floor(num(saved.cycle) ?? 0)),
    lastCycleAt: num(saved.lastCycleAt),
    rules: service.rules.map((r) =>
      restoreRule(
        r.id,
        savedRules.find((x) => x.id === r.id),
      ),
    ),
    backoff: restoreBackoff(saved.backoff),
    restarts: Array.isArray(saved.restarts)
      ? saved.restarts.filter((c): c is number => num(c) !== undefined).slice(-256)
      : [],
    restartCount: Math.max(0, Math.floor(num(saved.restartCount) ?? 0)),
    pending: restorePending(saved.pending),
    inFlight: restoreInFlight(saved.inFlight),
    pidfileTrouble: restorePidfileTrouble(saved.pidfileTrouble),
  });
  if (s.inFlight?.program === undefined && (opts.daemonRestarted ?? true)) abandonInFlight(s);
  if (s.monitor === 'not-monitored') {
    delete s.pending;
    s.backoff = { attempts: 0 };
  }
  if (s.pending) s.wakeAt = s.pending.dueAt;
  summarise({ s, service });
  return s;
}

function restoreRule(id: string, r: Record<string, unknown> | undefined): RuleState {
  if (!r) return { id, history: '', phase: 'ok' };
  const history = typeof r.history === 'string' && /^[01]*$/.test(r.history) ? r.history.slice(-HISTORY_BITS) : '';
  return withoutUndefined<RuleState>({
    id,
    history,
    phase: oneOf(r.phase, ['ok', 'failed', 'rearmed'] as const) ?? 'ok',
    last: oneOf(r.last, ['ok', 'failed', 'init'] as const),
    class: failureClass(r.class),
    message: typeof r.message === 'string' ? r.message : undefined,
    since: num(r.since),
    graceUntil: num(r.graceUntil),
    sampledEarly: r.sampledEarly === true ? true : undefined,
    repeatCount: num(r.repeatCount),
  });
}

function restoreBackoff(b: unknown): BackoffState {
  if (!isObj(b)) return { attempts: 0 };
  const out = withoutUndefined<BackoffState>({
    attempts: Math.max(0, Math.floor(num(b.attempts) ?? 0)),
    healthySince: num(b.healthySince),
    lastClass: failureClass(b.lastClass),
    lastStartClass: failureClass(b.lastStartClass),
    gaveUpAt: num(b.gaveUpAt),
    retryAt: num(b.retryAt),
  });
  if (out.retryAt === undefined) delete out.gaveUpAt;
  return out;
}

function restorePending(p: unknown): Pending | undefined {
  if (!isObj(p)) return undefined;
  const action = oneOf(p.action, ['start', 'restart'] as const);
  const dueAt = num(p.dueAt);
  if (!action || dueAt === undefined) return undefined;
  return withoutUndefined<Pending>({
    action,
    dueAt,
    reason: typeof p.reason === 'string' ? p.reason : action,
    ruleId: str(p.ruleId),
  });
}

function restoreInFlight(f: unknown): InFlight | undefined {
  if (!isObj(f)) return undefined;
  const action = oneOf(f.action, ['start', 'stop', 'restart'] as const);
  const origin = oneOf(f.origin, ['rule', 'retry', 'control'] as const);
  const since = num(f.since);
  if (!action || !origin || since === undefined) return undefined;
  return withoutUndefined<InFlight>({
    action,
    origin,
    since,
    ruleId: str(f.ruleId),
    thenUnmonitor: f.thenUnmonitor === true ? true : undefined,
    program: restoreProgram(f.program),
  });
}

/** A program is waited for, and maybe signalled, by its PID: only a plausible one is kept (never PID 1). */
function restoreProgram(p: unknown): InFlightProgram | undefined {
  if (!isObj(p)) return undefined;
  const command = oneOf(p.command, ['start', 'stop', 'restart'] as const);
  const pid = num(p.pid);
  const startTime = num(p.startTime);
  const at = num(p.at);
  if (!command || at === undefined || pid === undefined || startTime === undefined) return undefined;
  if (!Number.isSafeInteger(pid) || pid <= 1 || !Number.isSafeInteger(startTime) || startTime < 0) return undefined;
  return { command, pid, startTime, at };
}

/** Kept so that a pidfile alerted before a reload or restart is not alerted again, only recovered. */
function restorePidfileTrouble(t: unknown): PidfileTrouble | undefined {
  if (!isObj(t)) return undefined;
  const since = num(t.since);
  if (since === undefined || typeof t.message !== 'string') return undefined;
  return withoutUndefined<PidfileTrouble>({
    since,
    message: t.message,
    reported: t.reported === true ? true : undefined,
  });
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

function oneOf<T extends string>(x: unknown, values: readonly T[]): T | undefined {
  return values.find((v) => v === x);
}

function failureClass(x: unknown): FailureClass | undefined {
  return oneOf(x, FAILURE_CLASSES);
}

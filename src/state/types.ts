// The state machine's vocabulary: its persisted state, its inputs and what it decides.
// State is plain JSON data (no Dates, Maps or class instances): it goes into the state file as it is
// and must come back from it after a daemon restart.
import type { CheckResult, CheckStatus, FailureClass } from '../checks/result.js';
import type { Command, EventType } from '../config/model.js';
import type { ServiceEvent } from './events.js';

export const MACHINE_STATE_VERSION = 1;

/**
 * monit's monitoring states. `waiting` is set by the `waiting` input on cycles where the service's
 * schedule (`every N cycles`, cron) says it is not due; the next `cycle` input makes it `monitored`.
 */
export type MonitorState = 'initializing' | 'monitored' | 'not-monitored' | 'waiting';

/** The one-word summary for the status API. */
export type ServiceStatus = 'ok' | 'failed' | 'unknown';

/**
 * `failed`: the rule matched and its action ran; it is not repeated while the rule stays failed.
 * `rearmed`: it was failed when a start/restart completed (monit resets failure states then); it fires
 * again if it matches again, and a recovery still reports `succeeded`.
 */
export type RulePhase = 'ok' | 'failed' | 'rearmed';

export interface RuleState {
  readonly id: string;
  /** monit's bit history: one char per sample, '1' = failed, newest last, at most 64. */
  history: string;
  phase: RulePhase;
  /** The last result seen, `init` included. */
  last?: CheckStatus;
  /** The last failure seen, for the status API and events. */
  class?: FailureClass;
  message?: string;
  /** When the rule last became failed. */
  since?: number;
  /** Start grace: failures of this connection-type rule are not counted before its first ok or this time. */
  graceUntil?: number;
  /** The liveness watcher already counted this cycle's failure of a nonexist rule. */
  sampledEarly?: boolean;
  /** Failed cycles since the last run of an `exec … repeat every N cycles` action. */
  repeatCount?: number;
}

export type ControlAction = 'start' | 'stop' | 'restart' | 'monitor' | 'unmonitor';
export type ProcessAction = 'start' | 'stop' | 'restart';

/** Who asked for a start/stop/restart: a rule, the backoff retrying one, or an operator. */
export type Origin = 'rule' | 'retry' | 'control';

export interface InFlight {
  readonly action: ProcessAction;
  readonly origin: Origin;
  readonly ruleId?: string;
  readonly since: number;
  /** A stop unmonitors the service once it completes (monit's meaning of stop). */
  thenUnmonitor?: boolean;
  /** The program it runs now, once spawned: a daemon restarted meanwhile waits for it (restore.ts). */
  program?: InFlightProgram;
}

/**
 * A start/stop/restart program as it was spawned. The state file holds it so that brokerwatch killed
 * while it runs, and started again, waits for that program instead of running a second one.
 */
export interface InFlightProgram {
  /** Which of the service's programs: a restart without a restart program runs stop, then start. */
  readonly command: ProcessAction;
  readonly pid: number;
  /** Its /proc/PID/stat start time (ticks after boot): by then the PID may be another process's. */
  readonly startTime: number;
  /** Epoch ms when it was spawned: its timeout runs from here. */
  readonly at: number;
}

/** A start/restart deferred by the backoff (or by a give-up's cool-down) until `dueAt`. */
export interface Pending {
  readonly action: 'start' | 'restart';
  readonly ruleId?: string;
  readonly reason: string;
  readonly dueAt: number;
}

export interface BackoffState {
  /** Consecutive rule-driven attempts that have not been followed by a healthy period. */
  attempts: number;
  /** Since when no restart-triggering rule has been failing and nothing has been in flight or pending. */
  healthySince?: number;
  /** Class of the failure behind the latest attempt. */
  lastClass?: FailureClass;
  /** Class of the latest attempt's own failure (start program failed or timed out). */
  lastStartClass?: FailureClass;
  /** Set while given up: when it gave up and when it tries again. */
  gaveUpAt?: number;
  retryAt?: number;
}

export interface FailureSummary {
  readonly ruleId: string;
  readonly type: EventType;
  readonly class?: FailureClass;
  readonly message: string;
  readonly since?: number;
}

export interface MachineState {
  readonly version: typeof MACHINE_STATE_VERSION;
  readonly service: string;
  monitor: MonitorState;
  /** When `monitor` last changed. */
  monitorSince: number;
  status: ServiceStatus;
  /** The first failed rule, in rules-file order. */
  failure?: FailureSummary;
  /** Cycles evaluated while monitored; `N restarts within M cycles` counts in these. */
  cycle: number;
  lastCycleAt?: number;
  /** One entry per rule of the service, in rules-file order. */
  rules: RuleState[];
  /** At most one start/stop/restart at a time; the next decision comes with its `action-done`. */
  inFlight?: InFlight;
  pending?: Pending;
  backoff: BackoffState;
  /** Cycle numbers of completed rule-driven starts/restarts, for `N restarts within M cycles`. */
  restarts: number[];
  /** Every completed rule-driven start/restart, ever (never reset: a counter to graph). */
  restartCount: number;
  /** The daemon sends a `timer` input once this time has passed. */
  wakeAt?: number;
  /** The pidfile has been unusable since `since` while the broker ran; `reported` once alerted. */
  pidfileTrouble?: PidfileTrouble;
}

/** A pidfile that cannot be read as a PID while the broker is known to run (see the `pidfile` input). */
export interface PidfileTrouble {
  readonly since: number;
  message: string;
  reported?: boolean;
}

export type MachineInput =
  | { readonly kind: 'cycle'; readonly results: readonly CheckResult[] }
  | { readonly kind: 'waiting' }
  | { readonly kind: 'liveness-lost'; readonly class: FailureClass; readonly message: string }
  /** A check's between-cycles watch saw its rule fail (a hung broker): one sample, decided now. */
  | { readonly kind: 'early-failure'; readonly result: CheckResult }
  | {
      readonly kind: 'action-done';
      readonly action: ProcessAction | 'exec';
      readonly ok: boolean;
      readonly class?: FailureClass;
      readonly message: string;
      readonly ruleId?: string;
      /** The process before the action and after it, for the outcome's "pid 100 → 200". */
      readonly oldPid?: number;
      readonly newPid?: number;
    }
  /**
   * What a cycle's pidfile read found while the broker was known to run (its identity, or a probe
   * connection): readable, or not. Unreadable for `graceMs` is reported, as an alert, never a restart.
   */
  | { readonly kind: 'pidfile'; readonly ok: boolean; readonly message: string; readonly graceMs: number }
  | { readonly kind: 'control'; readonly action: ControlAction; readonly by?: string }
  /** The in-flight action's program was spawned (the daemon writes the state file at once). */
  | { readonly kind: 'program-started'; readonly action: ProcessAction; readonly program: InFlightProgram }
  /**
   * After a daemon restart, the program of the action in flight is gone (or its PID is another
   * process's): its outcome is unknown and the next cycle decides again.
   */
  | { readonly kind: 'in-flight-gone' }
  | { readonly kind: 'timer' };

/**
 * What the daemon must do. `monitor`/`unmonitor` are notices: `state.monitor` already says it, the
 * daemon only starts or stops its loops and liveness watch.
 */
export interface PlannedAction {
  readonly kind: ProcessAction | 'exec' | 'reboot' | 'monitor' | 'unmonitor';
  readonly ruleId?: string;
  /** For exec. */
  readonly command?: Command;
  /** The event behind it, for the program's environment (monit's MONIT_EVENT). */
  readonly eventType?: EventType;
  readonly origin: Origin;
  readonly reason: string;
}

/** A ServiceEvent before the daemon numbers it. */
export type EventDraft = Omit<ServiceEvent, 'id'>;

export interface Step {
  readonly state: MachineState;
  readonly actions: PlannedAction[];
  readonly events: EventDraft[];
}

// The one contract every check kind shares: given a rule and what the cycle knows, return a result.
import type { Limits, Rule, Service } from '../config/model.js';
import type { FindResult } from '../process/identity.js';
import type { Facts } from '../observers/kind.js';
import type { Clock } from '../util/clock.js';
import type { CheckResult } from './result.js';

/** What a check may read: the service, its rule, the process found this cycle, and its own memory. */
export interface CheckContext {
  readonly service: Service;
  readonly rule: Rule;
  /** PID of the identified process this cycle (process services), if running. */
  readonly pid?: number;
  /** Process services: what this cycle's lookup found; absent when none was made (a start or stop
   *  is in progress), and then existence is not judged. */
  readonly process?: FindResult;
  readonly signal: AbortSignal;
  /** Epoch ms at the start of the cycle. */
  readonly now: number;
  /** Program services: the exit status of this cycle's run of the program. */
  readonly programStatus?: number;
  /** Program services: this cycle's output (stdout and stderr), at most `set limits` programOutput. */
  readonly programOutput?: string;
  /** `set limits { … }`, when the rules set it. */
  readonly limits?: Limits;
  /** Per-rule memory kept in the state file across daemon restarts (JSON values); absent in tests
   *  that run a check alone. */
  readonly durable?: DurableMemo;
  /** Services whose type observes (system, filesystem, network): this cycle's readings, or why
   *  there are none (`observed.ok` false: the mount or interface is missing). */
  readonly observed?: { readonly ok: true; readonly facts: Facts } | { readonly ok: false; readonly message: string };
  /** Per-rule memory kept across cycles (previous pid, checksum, …). */
  readonly memo: Map<string, unknown>;
  /** Time and timers; the system clock when absent. */
  readonly clock?: Clock;
}

/** One rule's memory in the state file: a JSON value, read back after a daemon restart. */
export interface DurableMemo {
  get(): unknown;
  set(value: unknown): void;
}

/** What a check's between-cycles watch may read. */
export interface WatchContext {
  readonly service: Service;
  readonly rule: Rule;
  /** Time and timers; the system clock when absent. */
  readonly clock?: Clock;
}

export interface Check {
  /**
   * Never throws to mean "down": a failure is a result; a throw is a bug. Undefined means nothing was
   * observed this cycle, so there is no sample at all (existence while a start or stop runs).
   */
  run(ctx: CheckContext): Promise<CheckResult | undefined>;
  /**
   * Optional: watches between cycles (e.g. a persistent MQTT connection pinged several times a
   * second) and calls `report` with a failed result the moment the rule fails, once per failure
   * episode, so a hung broker is seen one probe timeout after it froze, not at the next cycle.
   * `connection(up)` says when its connection to the broker comes up or drops: a drop is how the
   * kernel tells at once that the broker process died, so the daemon looks at the process then.
   */
  watch?(ctx: WatchContext, report: (r: CheckResult) => void, connection?: (up: boolean) => void): void;
  /** Releases sockets or timers the check keeps between cycles. */
  close?(): void;
}

/** A check that gives a result every cycle it runs: every check but existence. */
export interface SampledCheck extends Check {
  run(ctx: CheckContext): Promise<CheckResult>;
}

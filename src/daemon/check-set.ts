// A service's rule checks: made once from the registry, run together each cycle with what the cycle
// observed, and their between-cycles watches. Each rule keeps its own memory across cycles. A check
// that throws is a bug, reported as `init` with class `internal`, never as a verdict on the broker.
import { createCheck } from '../checks/registry.js';
import type { CheckResult } from '../checks/result.js';
import type { Check } from '../checks/types.js';
import type { Limits, Service } from '../config/model.js';
import type { FindResult } from '../process/identity.js';
import type { CheckContext } from '../checks/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** What one cycle hands its checks. */
export interface CycleFacts {
  readonly pid?: number;
  /** What this cycle's process lookup found; absent while a start or stop runs. */
  readonly process?: FindResult;
  readonly programStatus?: number;
  /** This cycle's program output (program services). */
  readonly programOutput?: string;
  /** What the service type observed (system, filesystem, network). */
  readonly observed?: CheckContext['observed'];
  /** Epoch ms at the start of the cycle. */
  readonly now: number;
  readonly signal: AbortSignal;
}

/** How watches report between cycles. */
export interface WatchHandlers {
  /** A watch saw its rule fail. */
  readonly failed: (ruleId: string, result: CheckResult) => void;
  /** A probe connection to the broker came up or dropped. */
  readonly connection: (up: boolean) => void;
}

/** The checks of one service's rules. */
export class CheckSet {
  readonly #checks = new Map<string, Check>();
  readonly #memos = new Map<string, Map<string, unknown>>();
  /** Each rule's memory for the state file (a content test's offset), by rule id. */
  readonly #durable = new Map<string, unknown>();

  constructor(
    readonly service: Service,
    private readonly clock: Clock,
    private readonly log: Logger,
    saved?: Readonly<Record<string, unknown>>,
    private readonly limits?: Limits,
  ) {
    for (const rule of service.rules) {
      const check = createCheck(service, rule);
      if (check) this.#checks.set(rule.id, check);
      this.#memos.set(rule.id, new Map());
      const kept = saved?.[rule.id];
      if (kept !== undefined) this.#durable.set(rule.id, kept);
    }
  }

  /** What the rules keep in the state file; undefined when none keeps anything. */
  durable(): Readonly<Record<string, unknown>> | undefined {
    return this.#durable.size > 0 ? Object.fromEntries(this.#durable) : undefined;
  }

  /** Runs every check at once; results in rule order, a check's throw turned into an `internal` result. */
  async run(facts: CycleFacts): Promise<CheckResult[]> {
    const s = this.service;
    const { pid, process, programStatus, programOutput, observed } = facts;
    const pending = [...this.#checks.entries()].map(async ([ruleId, check]) => {
      const rule = s.rules.find((r) => r.id === ruleId);
      if (!rule) return undefined;
      try {
        return await check.run({
          service: s,
          rule,
          ...(pid !== undefined ? { pid } : {}),
          ...(process !== undefined ? { process } : {}),
          ...(programStatus !== undefined ? { programStatus } : {}),
          ...(programOutput !== undefined ? { programOutput } : {}),
          ...(this.limits ? { limits: this.limits } : {}),
          durable: {
            get: () => this.#durable.get(ruleId),
            set: (v: unknown) => void this.#durable.set(ruleId, v),
          },
          ...(observed !== undefined ? { observed } : {}),
          signal: facts.signal,
          now: facts.now,
          memo: this.#memos.get(ruleId) ?? new Map(),
          clock: this.clock,
        });
      } catch (e) {
        // A throw is a bug in the check, not a verdict on the broker.
        this.log.error({ service: s.name, rule: ruleId, err: e }, 'check threw (bug)');
        return {
          ruleId,
          status: 'init',
          class: 'internal',
          message: `internal error: ${(e as Error).message}`,
        } satisfies CheckResult;
      }
    });
    const results: CheckResult[] = [];
    for (const r of await Promise.all(pending)) if (r) results.push(noVerdictIfInternal(r));
    return results;
  }

  /** Starts (or restarts: a fresh connection to a new broker) every check's between-cycles watch. */
  startWatches(on: WatchHandlers): void {
    for (const [ruleId, check] of this.#checks) {
      const rule = this.service.rules.find((r) => r.id === ruleId);
      if (!rule || !check.watch) continue;
      check.watch(
        { service: this.service, rule, clock: this.clock },
        (result) => on.failed(ruleId, result),
        on.connection,
      );
    }
  }

  /** Releases what the checks keep between cycles. */
  close(): void {
    for (const c of this.#checks.values()) c.close?.();
  }
}

/**
 * A result of class `internal` (brokerwatch out of descriptors or memory, a bug) is no verdict on the
 * broker, whatever status the check gave it: it never counts toward a rule nor triggers an action.
 */
export function noVerdictIfInternal(r: CheckResult): CheckResult {
  return r.class === 'internal' && r.status !== 'init' ? { ...r, status: 'init' } : r;
}

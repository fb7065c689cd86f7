// Services parsed from rules text, and one cycle of a rule's check run through the registry, so the
// behaviour tests exercise the rules language and `createCheck` exactly as the daemon does.
import assert from 'node:assert/strict';
import { parseRules } from '../../src/config/loader.js';
import type { Limits, Rule, Service } from '../../src/config/model.js';
import { createCheck, loadChecks } from '../../src/checks/registry.js';
import type { CheckResult } from '../../src/checks/result.js';
import type { Check } from '../../src/checks/types.js';
import type { FindResult } from '../../src/process/identity.js';
import { createObserver } from '../../src/config/service-types.js';
import type { Observed } from '../../src/observers/kind.js';

/** The only service of TEXT; fails the test on a warning (a rule that would be ignored). */
export async function parseService(text: string): Promise<Service> {
  const { config, warnings } = await parseRules(text, 'checks.rc');
  assert.deepEqual(
    warnings.map((w) => w.message),
    [],
    'rules text must parse without warnings',
  );
  assert.equal(config.services.length, 1);
  await loadChecks(config);
  return config.services[0] as Service;
}

/** What a cycle of a rule knows besides its memory. */
export interface CycleInput {
  readonly now?: number;
  readonly pid?: number;
  readonly programStatus?: number;
  readonly programOutput?: string;
  readonly process?: FindResult;
  /** `set limits { … }`. */
  readonly limits?: Limits;
}

/** A rule's check with its memory, run one cycle at a time as the daemon runs it. */
export interface RuleUnderTest {
  readonly rule: Rule;
  readonly check: Check;
  cycle(input?: CycleInput): Promise<CheckResult>;
  /** What the rule would keep in the state file; set it to play a daemon restart. */
  durable: unknown;
}

/** The check of rule INDEX of SERVICE (explicit rules only, in file order), with fresh memory. */
export function ruleOf(service: Service, index = 0): RuleUnderTest {
  const rules = service.rules.filter((r) => !r.implicit);
  const rule = rules[index];
  assert.ok(rule, `no rule ${index} in ${service.name}`);
  const check = createCheck(service, rule);
  assert.ok(check, `no check for a '${rule.condition.kind}' rule`);
  const memo = new Map<string, unknown>();
  const under: RuleUnderTest = {
    rule,
    check,
    durable: undefined,
    async cycle(input = {}) {
      const signal = new AbortController().signal;
      const durable = { get: () => under.durable, set: (v: unknown) => void (under.durable = v) };
      const now = input.now ?? Date.now();
      const r = await check.run({ service, rule, signal, memo, durable, now, ...optional(input) });
      assert.ok(r, 'the check observed nothing this cycle');
      assert.equal(r.ruleId, rule.id);
      return r;
    },
  };
  return under;
}

function optional(input: CycleInput): Omit<CycleInput, 'now'> {
  return {
    ...(input.programOutput === undefined ? {} : { programOutput: input.programOutput }),
    ...(input.limits === undefined ? {} : { limits: input.limits }),
    ...(input.process === undefined ? {} : { process: input.process }),
    ...(input.pid === undefined ? {} : { pid: input.pid }),
    ...(input.programStatus === undefined ? {} : { programStatus: input.programStatus }),
  };
}

/** The one check of a service parsed from TEXT with a single explicit rule. */
export async function checkOf(text: string): Promise<RuleUnderTest> {
  return ruleOf(await parseService(text));
}

/** One cycle of an observing service (system, filesystem, network): the readings and each result. */
export interface ObservedCycle {
  readonly observed: Observed;
  /** The rules written, in order. */
  readonly results: CheckResult[];
  /** The rule monit adds when none says what a missing subject means, when the service has one. */
  readonly implicit?: CheckResult;
}

/** The only service of TEXT with its type's observer, run cycle after cycle at the times given. */
export async function observedService(
  text: string,
): Promise<{ service: Service; cycle(now: number): Promise<ObservedCycle> }> {
  const service = await parseService(text);
  const observer = createObserver(service);
  assert.ok(observer, `a ${service.type} service has an observer`);
  const explicit = service.rules.filter((r) => !r.implicit);
  const implicitRule = service.rules.find((r) => r.implicit);
  const memos = service.rules.map(() => new Map<string, unknown>());
  const run = async (rule: Rule, i: number, now: number, observed: Observed, signal: AbortSignal) => {
    const r = await createCheck(service, rule)?.run({
      service,
      rule,
      signal,
      memo: memos[i] ?? new Map(),
      now,
      observed,
    });
    assert.ok(r);
    return r;
  };
  return {
    service,
    async cycle(now) {
      const signal = new AbortController().signal;
      const observed = await observer.observe(now, signal);
      const results: CheckResult[] = [];
      for (const [i, rule] of explicit.entries()) results.push(await run(rule, i, now, observed, signal));
      if (!implicitRule) return { results, observed };
      return { results, observed, implicit: await run(implicitRule, explicit.length, now, observed, signal) };
    },
  };
}

// The status API's data, built field by field from a runner's snapshot: a Service or Command object
// is never serialized (they hold start programs, probe passwords, alert targets), and every free-text
// message passes the scrubber. The shapes are the API's contract (api/contract.ts), which clients
// read without loading any of this.
import { hostname } from 'node:os';
import type { CheckDto, DaemonDto, EventDto, ServiceDto } from '../api/contract.js';
import type { CheckResult } from '../checks/result.js';
import type { Service } from '../config/model.js';
import type { RunnerStatus } from '../daemon/service-runner.js';
import type { ServiceEvent } from '../state/events.js';
import { eventTypeOf } from '../state/conditions.js';
import { processUptimeSeconds } from './proc-uptime.js';
import type { Scrubber } from './secrets.js';
import { VERSION } from '../util/version.js';

export type { CheckDto, DaemonDto, EventDto, ServiceDto, StatusDto } from '../api/contract.js';

/** What building a DTO needs besides the runner. */
export interface DtoContext {
  readonly scrubber: Scrubber;
  /** What /proc says process PID of a service uses, for the cpu and memory no rule measures. */
  readonly usage?: (
    service: string,
    pid: number,
  ) => { readonly cpuPercent: number | null; readonly memoryBytes: number; readonly memoryPercent: number } | undefined;
}

/** The probe metrics shown as step timings. */
export const PROBE_STEPS = [
  'connectMs',
  'tlsMs',
  'subscribeMs',
  'publishAckMs',
  'deliveryMs',
  'requestMs',
  'firstByteMs',
  'bodyMs',
  'responseMs',
  'totalMs',
] as const;

/** The daemon part of the status. */
export function daemonDto(
  d: { startedAt: number; config: { daemon: { cycleMs: number } } },
  rulesFile: string,
  now = Date.now(),
): DaemonDto {
  return {
    name: 'brokerwatch',
    version: VERSION,
    pid: process.pid,
    host: hostname(),
    startedAt: d.startedAt,
    uptimeSeconds: Math.max(0, Math.floor((now - d.startedAt) / 1000)),
    rulesFile,
    cycleSeconds: d.config.daemon.cycleMs / 1000,
  };
}

function checkDto(
  s: Service,
  st: RunnerStatus,
  ctx: DtoContext,
  ruleId: string,
  result: CheckResult | undefined,
): CheckDto | undefined {
  const rule = s.rules.find((r) => r.id === ruleId);
  const rs = st.state.rules.find((r) => r.id === ruleId);
  if (!rule || !rs) return undefined;
  const c = rule.condition;
  const cls = result?.class ?? rs.class;
  return {
    rule: rule.id,
    test: c.kind,
    event: eventTypeOf(c),
    status: result?.status ?? rs.last ?? 'init',
    phase: rs.phase,
    class: cls ?? null,
    message: ctx.scrubber.scrub(result?.message ?? rs.message ?? ''),
    target: c.kind === 'port' ? (c.unixSocket ?? `${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`) : null,
    protocol: c.kind === 'port' ? (c.protocol ?? (c.mqtt ? 'mqtt' : null)) : null,
    metrics: { ...result?.metrics },
  };
}

/** Reads cpu and memory from the results of `if cpu|memory …` tests, in the unit the rule used. */
function resources(
  s: Service,
  results: readonly CheckResult[],
): { cpuPercent: number | null; memoryBytes: number | null; memoryPercent: number | null } {
  const out = {
    cpuPercent: null as number | null,
    memoryBytes: null as number | null,
    memoryPercent: null as number | null,
  };
  for (const r of results) {
    const c = s.rules.find((x) => x.id === r.ruleId)?.condition;
    if (c?.kind !== 'resource' || !r.metrics) continue;
    const v = r.metrics[c.resource];
    if (v === undefined) continue;
    if ((c.resource === 'cpu' || c.resource === 'totalcpu') && out.cpuPercent === null) out.cpuPercent = v;
    if (c.resource === 'memory' || c.resource === 'totalmemory') {
      if (c.unit === '%' && out.memoryPercent === null) out.memoryPercent = v;
      if (c.unit === 'bytes' && out.memoryBytes === null) out.memoryBytes = v;
    }
  }
  return out;
}

/** Fills what no rule measured from /proc (a rule's reading stays: it is what the rule compared). */
function withUsage(
  r: ReturnType<typeof resources>,
  u: ReturnType<NonNullable<DtoContext['usage']>>,
): ReturnType<typeof resources> {
  if (!u) return r;
  const ruled = r.memoryBytes !== null || r.memoryPercent !== null;
  return {
    cpuPercent: r.cpuPercent ?? u.cpuPercent,
    memoryBytes: ruled ? r.memoryBytes : u.memoryBytes,
    memoryPercent: ruled ? r.memoryPercent : u.memoryPercent,
  };
}

/** One service's DTO. */
export function serviceDto(st: RunnerStatus, ctx: DtoContext): ServiceDto {
  const s = st.service;
  const state = st.state;
  const byRule = new Map(st.lastResults.map((r) => [r.ruleId, r]));
  const checks = s.rules.flatMap((r) => checkDto(s, st, ctx, r.id, byRule.get(r.id)) ?? []);
  const probe: Record<string, number> = {};
  for (const r of st.lastResults) {
    for (const k of PROBE_STEPS) {
      const v = r.metrics?.[k];
      if (v !== undefined && probe[k] === undefined) probe[k] = v;
    }
  }
  const uptimeMetric = st.lastResults.find((r) => r.metrics?.uptimeSeconds !== undefined)?.metrics?.uptimeSeconds;
  // The identified process, unless an existence rule has seen it gone since (a crash with an
  // alert-only rule leaves the dead identity in place until a new process is found).
  const gone = s.rules.some(
    (r) => r.condition.kind === 'nonexist' && st.state.rules.find((x) => x.id === r.id)?.phase === 'failed',
  );
  const pid = s.type === 'process' && st.identity && !gone ? st.identity.pid : null;
  const f = state.failure;
  const running = (st.actionRunning ?? state.inFlight?.action) as ServiceDto['action'] | undefined;
  return {
    name: s.name,
    type: s.type,
    status: state.status,
    failure: f
      ? {
          rule: f.ruleId,
          type: f.type,
          class: f.class ?? null,
          message: ctx.scrubber.scrub(f.message),
          since: f.since ?? null,
        }
      : null,
    monitor: state.monitor,
    monitorSince: state.monitorSince,
    mode: s.mode,
    pid,
    uptimeSeconds:
      st.identity && pid !== null ? (processUptimeSeconds(st.identity.startTime) ?? uptimeMetric ?? null) : null,
    ...withUsage(resources(s, st.lastResults), pid === null ? undefined : ctx.usage?.(s.name, pid)),
    restarts: state.restartCount,
    action: running ?? null,
    pending: state.pending ? { action: state.pending.action, dueAt: state.pending.dueAt } : null,
    backoff: {
      attempts: state.backoff.attempts,
      gaveUp: state.backoff.gaveUpAt !== undefined,
      retryAt: state.backoff.retryAt ?? null,
    },
    lastCheckAt: st.lastCheckAt ?? null,
    ownProblem: st.ownFault !== undefined ? ctx.scrubber.scrub(st.ownFault) : null,
    probe,
    checks,
    ...(st.facts ? { facts: st.facts } : {}),
  };
}

/**
 * A service of the rules before the daemon has made its runner (the status server listens first,
 * while the state file and the check kinds load): initializing, nothing known yet.
 */
export function initialServiceDto(s: Service, since: number): ServiceDto {
  return {
    name: s.name,
    type: s.type,
    status: 'unknown',
    failure: null,
    monitor: 'initializing',
    monitorSince: since,
    mode: s.mode,
    pid: null,
    uptimeSeconds: null,
    cpuPercent: null,
    memoryBytes: null,
    memoryPercent: null,
    restarts: 0,
    action: null,
    pending: null,
    backoff: { attempts: 0, gaveUp: false, retryAt: null },
    lastCheckAt: null,
    ownProblem: null,
    probe: {},
    checks: [],
  };
}

/** One event, its message scrubbed. */
export function eventDto(e: ServiceEvent, scrubber: Scrubber): EventDto {
  return {
    id: e.id,
    service: e.service,
    type: e.type,
    state: e.state,
    action: e.action,
    class: e.class ?? null,
    message: scrubber.scrub(e.message),
    time: e.time,
  };
}

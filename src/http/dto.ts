// The status API's data, built field by field from a runner's snapshot: a Service or Command object
// is never serialized (they hold start programs, probe passwords, alert targets), and every free-text
// message passes the scrubber.
import { hostname } from 'node:os';
import type { CheckResult, CheckStatus, FailureClass } from '../checks/result.js';
import type { Condition, EventType, Service, ServiceType } from '../config/model.js';
import type { RunnerStatus } from '../daemon/service-runner.js';
import type { ServiceEvent } from '../state/events.js';
import { eventTypeOf } from '../state/conditions.js';
import type { MonitorState, RulePhase, ServiceStatus } from '../state/types.js';
import { processUptimeSeconds } from './proc-uptime.js';
import type { Scrubber } from './secrets.js';
import { VERSION } from './version.js';

/** The daemon itself. */
export interface DaemonDto {
  readonly name: 'brokerwatch';
  readonly version: string;
  readonly pid: number;
  readonly host: string;
  readonly startedAt: number;
  readonly uptimeSeconds: number;
  readonly rulesFile: string;
  readonly cycleSeconds: number;
}

/** One rule's latest sample. */
export interface CheckDto {
  readonly rule: string;
  readonly test: Condition['kind'];
  /** The event type the rule reports (monit's), e.g. connection for a port test. */
  readonly event: EventType;
  readonly status: CheckStatus;
  readonly phase: RulePhase;
  readonly class: FailureClass | null;
  readonly message: string;
  readonly target: string | null;
  /** The protocol of a port test (`mqtt`, …); null for plain TCP and other tests. */
  readonly protocol: string | null;
  readonly metrics: Readonly<Record<string, number>>;
}

/** One service: built field by field, see the file comment. */
export interface ServiceDto {
  readonly name: string;
  readonly type: ServiceType;
  readonly status: ServiceStatus;
  readonly failure: { readonly rule: string; readonly type: EventType; readonly class: FailureClass | null; readonly message: string; readonly since: number | null } | null;
  readonly monitor: MonitorState;
  readonly monitorSince: number;
  readonly mode: Service['mode'];
  readonly pid: number | null;
  readonly uptimeSeconds: number | null;
  readonly cpuPercent: number | null;
  readonly memoryBytes: number | null;
  readonly memoryPercent: number | null;
  readonly restarts: number;
  readonly action: 'start' | 'stop' | 'restart' | null;
  readonly pending: { readonly action: 'start' | 'restart'; readonly dueAt: number } | null;
  readonly backoff: { readonly attempts: number; readonly gaveUp: boolean; readonly retryAt: number | null };
  readonly lastCheckAt: number | null;
  readonly probe: Readonly<Record<string, number>>;
  readonly checks: readonly CheckDto[];
}

/** GET /api/v1/status. */
export interface StatusDto {
  readonly daemon: DaemonDto;
  readonly services: readonly ServiceDto[];
}

/** One event, its message scrubbed. */
export type EventDto = Omit<ServiceEvent, 'class'> & { readonly class: FailureClass | null };

/** What building a DTO needs besides the runner. */
export interface DtoContext {
  readonly scrubber: Scrubber;
  /** What /proc says process PID of a service uses, for the cpu and memory no rule measures. */
  readonly usage?: (service: string, pid: number) => { readonly cpuPercent: number | null; readonly memoryBytes: number; readonly memoryPercent: number } | undefined;
}

/** The probe metrics shown as step timings. */
export const PROBE_STEPS = ['connectMs', 'subscribeMs', 'publishAckMs', 'deliveryMs', 'responseMs', 'totalMs'] as const;

/** The daemon part of the status. */
export function daemonDto(d: { startedAt: number; config: { daemon: { cycleMs: number } } }, rulesFile: string, now = Date.now()): DaemonDto {
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

function checkDto(s: Service, st: RunnerStatus, ctx: DtoContext, ruleId: string, result: CheckResult | undefined): CheckDto | undefined {
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
    target: c.kind === 'port' ? `${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}` : null,
    protocol: c.kind === 'port' ? (c.protocol ?? (c.mqtt ? 'mqtt' : null)) : null,
    metrics: { ...result?.metrics },
  };
}

/** Reads cpu and memory from the results of `if cpu|memory …` tests, in the unit the rule used. */
function resources(s: Service, results: readonly CheckResult[]): { cpuPercent: number | null; memoryBytes: number | null; memoryPercent: number | null } {
  const out = { cpuPercent: null as number | null, memoryBytes: null as number | null, memoryPercent: null as number | null };
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
function withUsage(r: ReturnType<typeof resources>, u: ReturnType<NonNullable<DtoContext['usage']>>): ReturnType<typeof resources> {
  if (!u) return r;
  const ruled = r.memoryBytes !== null || r.memoryPercent !== null;
  return { cpuPercent: r.cpuPercent ?? u.cpuPercent, memoryBytes: ruled ? r.memoryBytes : u.memoryBytes, memoryPercent: ruled ? r.memoryPercent : u.memoryPercent };
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
  const gone = s.rules.some((r) => r.condition.kind === 'nonexist' && st.state.rules.find((x) => x.id === r.id)?.phase === 'failed');
  const pid = s.type === 'process' && st.identity && !gone ? st.identity.pid : null;
  const f = state.failure;
  const running = (st.actionRunning ?? state.inFlight?.action) as ServiceDto['action'] | undefined;
  return {
    name: s.name,
    type: s.type,
    status: state.status,
    failure: f ? { rule: f.ruleId, type: f.type, class: f.class ?? null, message: ctx.scrubber.scrub(f.message), since: f.since ?? null } : null,
    monitor: state.monitor,
    monitorSince: state.monitorSince,
    mode: s.mode,
    pid,
    uptimeSeconds: st.identity && pid !== null ? (processUptimeSeconds(st.identity.startTime) ?? uptimeMetric ?? null) : null,
    ...withUsage(resources(s, st.lastResults), pid === null ? undefined : ctx.usage?.(s.name, pid)),
    restarts: state.restartCount,
    action: running ?? null,
    pending: state.pending ? { action: state.pending.action, dueAt: state.pending.dueAt } : null,
    backoff: { attempts: state.backoff.attempts, gaveUp: state.backoff.gaveUpAt !== undefined, retryAt: state.backoff.retryAt ?? null },
    lastCheckAt: st.lastCheckAt ?? null,
    probe,
    checks,
  };
}

/** One event, its message scrubbed. */
export function eventDto(e: ServiceEvent, scrubber: Scrubber): EventDto {
  return { id: e.id, service: e.service, type: e.type, state: e.state, action: e.action, class: e.class ?? null, message: scrubber.scrub(e.message), time: e.time };
}

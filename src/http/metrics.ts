// GET /metrics: Prometheus metrics in brokerwatch's own registry (never prom-client's global one, so
// two servers in one process, as in tests, never mix). Gauges and counters are read from the runners
// at scrape time; timing histograms are fed by the daemon's cycle hook, once per completed cycle,
// from the first scrape on (server.ts builds the metrics then).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Daemon } from '../daemon/daemon.js';
import type { RunnerStatus } from '../daemon/service-runner.js';
import type { CheckResult } from '../checks/result.js';
import { FAILURE_CLASSES } from '../checks/result.js';
import type { Service } from '../config/model.js';
import type { PROBE_STEPS } from './dto.js';
import { registerFactGauges } from './metrics-facts.js';
import type { DaemonObserver } from './observer.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Each probe step (a metric in ms, dto.ts's PROBE_STEPS but the total) and its `step` label. */
const STEP_LABELS: Record<Exclude<(typeof PROBE_STEPS)[number], 'totalMs'>, string> = {
  connectMs: 'connect',
  tlsMs: 'tls_handshake',
  subscribeMs: 'subscribe',
  publishAckMs: 'publish_ack',
  deliveryMs: 'delivery',
  requestMs: 'request',
  firstByteMs: 'first_byte',
  bodyMs: 'body',
  responseMs: 'response',
};
const STEPS = Object.entries(STEP_LABELS);

/** The metrics of one daemon. */
export class Metrics {
  readonly registry = new Registry();
  readonly #unsubscribe: () => void;

  constructor(daemon: Daemon, observer: DaemonObserver) {
    const registers = [this.registry];
    // The loop-delay histogram samples with a timer of its own: at prom-client's default 10 ms that
    // timer woke an idle daemon a hundred times a second and doubled its CPU. Once a second still
    // shows a stalled loop; the cycle lag histogram below times every service's cycle.
    collectDefaultMetrics({ register: this.registry, prefix: 'brokerwatch_', eventLoopMonitoringPrecision: 1000 });
    replaceTotalGauges(this.registry);
    const runners = (): RunnerStatus[] => daemon.runners().map((r) => r.status());
    registerServiceMetrics(registers, runners, observer);
    registerFactGauges(registers, runners);
    const { checkDuration, stepDuration, lag } = registerCycleHistograms(registers);
    this.#unsubscribe = daemon.onCycle((c) => {
      lag.observe(Math.max(0, c.startedAt - c.dueAt) / 1000);
      for (const r of c.results) observeResult(c.service, r, checkDuration, stepDuration);
    });
  }

  /** Stops taking cycles. */
  close(): void {
    this.#unsubscribe();
  }

  /**
   * The exposition text, as the registry writes it, one family at a time with the event loop let
   * run between two: hundreds of services make a scrape tens of milliseconds of work, which in one
   * piece would start every cycle due meanwhile that much late.
   */
  async text(): Promise<string> {
    const families: string[] = [];
    for (const m of this.registry.getMetricsAsArray()) {
      families.push(await this.registry.getSingleMetricAsString(m.name));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return `${families.join('\n\n')}\n`;
  }

  /** The exposition format's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/** The gauges and counters read from the runners at scrape time. */
function registerServiceMetrics(registers: Registry[], runners: () => RunnerStatus[], observer: DaemonObserver): void {
  new Gauge({
    name: 'brokerwatch_service_up',
    help: 'Whether the service is healthy: 1 ok, 0 failed or not known yet (see brokerwatch_service_monitored)',
    labelNames: ['service', 'type'],
    registers,
    collect() {
      this.reset();
      for (const s of runners())
        this.set({ service: s.service.name, type: s.service.type }, s.state.status === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'brokerwatch_service_monitored',
    help: 'Whether brokerwatch monitors the service: 1 monitored (or initializing/waiting), 0 not monitored',
    labelNames: ['service'],
    registers,
    collect() {
      this.reset();
      for (const s of runners()) this.set({ service: s.service.name }, s.state.monitor === 'not-monitored' ? 0 : 1);
    },
  });
  new Counter({
    name: 'brokerwatch_service_restarts_total',
    help: 'Starts and restarts brokerwatch made on its own (rules and backoff retries); kept across daemon restarts in the state file',
    labelNames: ['service'],
    registers,
    collect() {
      this.reset();
      for (const s of runners()) this.inc({ service: s.service.name }, s.state.restartCount);
    },
  });
  new Counter({
    name: 'brokerwatch_failures_total',
    help: 'Failed events per service and failure class, since the daemon started (every pair from 0, so increase() sees the first)',
    labelNames: ['service', 'class'],
    registers,
    collect() {
      this.reset();
      for (const s of runners()) for (const c of FAILURE_CLASSES) this.inc({ service: s.service.name, class: c }, 0);
      for (const f of observer.failures()) this.inc({ service: f.service, class: f.class }, f.count);
    },
  });
  const resource = (name: string, help: string, pick: (s: RunnerStatus) => number | undefined): void => {
    new Gauge({
      name,
      help,
      labelNames: ['service'],
      registers,
      collect() {
        this.reset();
        for (const s of runners()) {
          const v = pick(s);
          if (v !== undefined) this.set({ service: s.service.name }, v);
        }
      },
    });
  };
  resource('brokerwatch_service_cpu_percent', 'CPU use from the last `if cpu` test', (s) =>
    resourceValue(s, ['cpu', 'totalcpu'], '%'),
  );
  resource('brokerwatch_service_memory_bytes', 'Memory from the last `if memory … MB` test', (s) =>
    resourceValue(s, ['memory', 'totalmemory'], 'bytes'),
  );
}

/** The timing histograms, fed once per completed cycle. */
function registerCycleHistograms(registers: Registry[]): {
  checkDuration: Histogram;
  stepDuration: Histogram;
  lag: Histogram;
} {
  const checkDuration = new Histogram({
    name: 'brokerwatch_check_duration_seconds',
    help: 'Duration of port and MQTT probes, one sample per completed cycle',
    labelNames: ['service', 'rule', 'test'],
    buckets: BUCKETS,
    registers,
  });
  const stepDuration = new Histogram({
    name: 'brokerwatch_probe_step_seconds',
    help: 'Duration of probe steps, one sample per completed cycle: connect, tls_handshake (port tests), subscribe, publish_ack, delivery (MQTT), request, first_byte, body (HTTP, DNS, WebSocket, greetings), response (ping echo, WebSocket ping to pong)',
    labelNames: ['service', 'rule', 'step'],
    buckets: BUCKETS,
    registers,
  });
  const lag = new Histogram({
    name: 'brokerwatch_schedule_lag_seconds',
    help: 'How late each cycle started after it was due (event-loop load; a cycle skipped while the previous one runs is not counted)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  return { checkDuration, stepDuration, lag };
}

/** Node's handle, request and resource counts, read the way prom-client reads them. */
const ACTIVE: ReadonlyArray<readonly [string, string, () => number]> = [
  [
    'resources',
    'resources (handles, requests, timers…) keeping the event loop alive',
    () => process.getActiveResourcesInfo().length,
  ],
  [
    'handles',
    'libuv handles',
    () => (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.().length ?? 0,
  ],
  [
    'requests',
    'libuv requests',
    () => (process as unknown as { _getActiveRequests?: () => unknown[] })._getActiveRequests?.().length ?? 0,
  ],
];

/**
 * prom-client names three gauges `…_total`, a suffix Prometheus keeps for counters (`promtool check
 * metrics` refuses them): they are dropped and served as `brokerwatch_nodejs_active_KIND_all_types`.
 */
function replaceTotalGauges(registry: Registry): void {
  for (const [kind, what, count] of ACTIVE) {
    registry.removeSingleMetric(`brokerwatch_nodejs_active_${kind}_total`);
    new Gauge({
      name: `brokerwatch_nodejs_active_${kind}_all_types`,
      help: `Active ${what}, all types together (brokerwatch_nodejs_active_${kind} has them by type)`,
      registers: [registry],
      collect() {
        this.set(count());
      },
    });
  }
}

function observeResult(service: Service, r: CheckResult, check: Histogram<string>, step: Histogram<string>): void {
  if (r.status === 'init' || !r.metrics) return;
  const rule = service.rules.find((x) => x.id === r.ruleId);
  if (!rule) return;
  const labels = { service: service.name, rule: rule.id };
  const total = r.metrics.totalMs ?? r.metrics.responseMs;
  if (total !== undefined) check.observe({ ...labels, test: rule.condition.kind }, total / 1000);
  for (const [key, name] of STEPS) {
    const v = r.metrics[key];
    if (v !== undefined) step.observe({ ...labels, step: name }, v / 1000);
  }
}

function resourceValue(s: RunnerStatus, kinds: readonly string[], unit: '%' | 'bytes'): number | undefined {
  for (const r of s.lastResults) {
    const c = s.service.rules.find((x) => x.id === r.ruleId)?.condition;
    if (c?.kind !== 'resource' || c.unit !== unit || !kinds.includes(c.resource)) continue;
    const v = r.metrics?.[c.resource];
    if (v !== undefined) return v;
  }
  return undefined;
}

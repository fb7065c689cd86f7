// Probe latency over the last hour, per service, for the web page's chart: the first port or MQTT
// test's time of every cycle, folded into 30 s slots (count, sum, max, failures). A fixed ring of
// typed arrays, so a service costs 6 kB however long the daemon runs and however short its cycle.
import type { CheckResult } from '../checks/result.js';
import type { CycleRecord } from '../daemon/service-runner.js';

/** One slot of the chart. `avgMs`/`maxMs` are null when no probe in it answered. */
export interface LatencyPoint {
  /** Start of the slot (ms since the epoch). */
  readonly t: number;
  /** Probes that answered (their times make avgMs and maxMs). */
  readonly count: number;
  /** All probes, answered or not. */
  readonly probes: number;
  readonly avgMs: number | null;
  readonly maxMs: number | null;
  readonly failures: number;
}

/** What the chart draws. */
export interface LatencySeries {
  readonly from: number;
  readonly to: number;
  readonly slotMs: number;
  /** The test the samples come from, e.g. `port 1883 protocol mqtt`; null if the service has none. */
  readonly test: string | null;
  /** Only slots with samples, oldest first. */
  readonly points: readonly LatencyPoint[];
  /** Slots further apart than this are a gap in the line (1.5 × the larger of a slot and the service's cycle). */
  readonly gapMs: number;
}

const FIELDS = 6; // slot number, answered probes, sum, max, failed probes, all probes
const [SLOT, COUNT, SUM, MAX, FAILS, PROBES] = [0, 1, 2, 3, 4, 5] as const;

class Ring {
  readonly data: Float64Array;
  test: string;
  /** When the last sample came and the time between the last two: the service's own cadence. */
  lastAt = 0;
  intervalMs = 0;
  constructor(
    readonly slots: number,
    test: string,
  ) {
    this.data = new Float64Array(slots * FIELDS);
    for (let i = 0; i < slots; i++) this.data[i * FIELDS + SLOT] = -1;
    this.test = test;
  }
}

/** The probe result a chart follows: the first port test (plain TCP or MQTT) of the service. */
function probeResult(c: CycleRecord): { result: CheckResult; test: string } | undefined {
  for (const rule of c.service.rules) {
    const cond = rule.condition;
    if (cond.kind !== 'port') continue;
    const result = c.results.find((r) => r.ruleId === rule.id);
    if (!result || result.status === 'init') return undefined;
    const proto = cond.protocol ?? (cond.mqtt ? 'mqtt' : undefined);
    return {
      result,
      test: `${cond.unixSocket !== undefined ? `unixsocket ${cond.unixSocket}` : `port ${cond.port}`}${proto ? ` protocol ${proto}` : ''}${cond.mqtt?.roundTrip ? ' round trip' : ''}`,
    };
  }
  return undefined;
}

/** The rings as saved beside the state file, so a restart of brokerwatch keeps the hour's chart. */
export interface LatencyFile {
  readonly version: 1;
  readonly slotMs: number;
  readonly windowMs: number;
  readonly services: Record<
    string,
    { readonly test: string; readonly lastAt: number; readonly intervalMs: number; readonly data: string }
  >;
}

/** Per-service rings of 30 s slots over `windowMs` (an hour). */
export class LatencyHistory {
  readonly #rings = new Map<string, Ring>();
  readonly slotMs: number;
  readonly windowMs: number;

  constructor(opts: { slotMs?: number; windowMs?: number } = {}) {
    this.slotMs = opts.slotMs ?? 30_000;
    this.windowMs = opts.windowMs ?? 3_600_000;
  }

  /** Takes one cycle's probe time (or failure). */
  record(c: CycleRecord): void {
    const p = probeResult(c);
    if (!p) return;
    const latency = p.result.metrics?.totalMs ?? p.result.metrics?.responseMs;
    const failed = p.result.status === 'failed';
    // A probe that answered too slowly failed its rule, and its time is exactly what the chart is for.
    this.add(
      c.service.name,
      p.test,
      c.finishedAt,
      !failed || p.result.class === 'latency' ? latency : undefined,
      failed,
    );
  }

  /** Adds one sample: a latency in ms, a failure, or both (a probe that answered too slowly). */
  add(service: string, test: string, at: number, latencyMs: number | undefined, failed: boolean): void {
    let ring = this.#rings.get(service);
    if (!ring) {
      ring = new Ring(Math.ceil(this.windowMs / this.slotMs), test);
      this.#rings.set(service, ring);
    }
    ring.test = test;
    if (ring.lastAt > 0 && at > ring.lastAt) ring.intervalMs = at - ring.lastAt;
    ring.lastAt = at;
    const slot = Math.floor(at / this.slotMs);
    const i = (slot % ring.slots) * FIELDS;
    const d = ring.data;
    if (d[i + SLOT] !== slot) {
      d[i + SLOT] = slot;
      d[i + COUNT] = 0;
      d[i + SUM] = 0;
      d[i + MAX] = 0;
      d[i + FAILS] = 0;
      d[i + PROBES] = 0;
    }
    d[i + PROBES] = (d[i + PROBES] ?? 0) + 1;
    if (failed) d[i + FAILS] = (d[i + FAILS] ?? 0) + 1;
    if (latencyMs !== undefined && Number.isFinite(latencyMs)) {
      d[i + COUNT] = (d[i + COUNT] ?? 0) + 1;
      d[i + SUM] = (d[i + SUM] ?? 0) + latencyMs;
      d[i + MAX] = Math.max(d[i + MAX] ?? 0, latencyMs);
    }
  }

  /** The last `windowMs` of one service, up to `now`. */
  series(service: string, now = Date.now()): LatencySeries {
    const from = now - this.windowMs;
    const ring = this.#rings.get(service);
    const points: LatencyPoint[] = [];
    if (ring) {
      const first = Math.floor(from / this.slotMs) + 1;
      const last = Math.floor(now / this.slotMs);
      const d = ring.data;
      for (let slot = first; slot <= last; slot++) {
        const i = (slot % ring.slots) * FIELDS;
        if (d[i + SLOT] !== slot) continue;
        const count = d[i + COUNT] ?? 0;
        const failures = d[i + FAILS] ?? 0;
        if (count === 0 && failures === 0) continue;
        points.push({
          t: slot * this.slotMs,
          count,
          probes: d[i + PROBES] ?? 0,
          avgMs: count > 0 ? (d[i + SUM] ?? 0) / count : null,
          maxMs: count > 0 ? (d[i + MAX] ?? 0) : null,
          failures,
        });
      }
    }
    return {
      from,
      to: now,
      slotMs: this.slotMs,
      test: ring?.test ?? null,
      points,
      gapMs: 1.5 * Math.max(this.slotMs, ring?.intervalMs ?? 0),
    };
  }

  /** The rings, for a file. */
  toFile(): LatencyFile {
    const services: LatencyFile['services'] = {};
    for (const [name, r] of this.#rings) {
      services[name] = {
        test: r.test,
        lastAt: r.lastAt,
        intervalMs: r.intervalMs,
        data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
      };
    }
    return { version: 1, slotMs: this.slotMs, windowMs: this.windowMs, services };
  }

  /** Takes back rings from a file of the same slot size and window (input from disk: anything odd is skipped). */
  restore(saved: unknown): void {
    if (typeof saved !== 'object' || saved === null) return;
    const f = saved as Partial<LatencyFile>;
    if (
      f.version !== 1 ||
      f.slotMs !== this.slotMs ||
      f.windowMs !== this.windowMs ||
      typeof f.services !== 'object' ||
      f.services === null
    )
      return;
    const slots = Math.ceil(this.windowMs / this.slotMs);
    for (const [name, v] of Object.entries(f.services)) {
      if (
        typeof v?.test !== 'string' ||
        typeof v.data !== 'string' ||
        !Number.isFinite(v.lastAt) ||
        !Number.isFinite(v.intervalMs)
      )
        continue;
      const bytes = Buffer.from(v.data, 'base64');
      if (bytes.length !== slots * FIELDS * 8) continue;
      const ring = new Ring(slots, v.test);
      ring.data.set(new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
      ring.lastAt = v.lastAt;
      ring.intervalMs = v.intervalMs;
      this.#rings.set(name, ring);
    }
  }

  /** Forgets services that are gone (after a reload). */
  retain(names: ReadonlySet<string>): void {
    for (const n of this.#rings.keys()) if (!names.has(n)) this.#rings.delete(n);
  }
}

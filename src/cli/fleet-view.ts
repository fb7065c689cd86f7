// What `brokerwatch fleet` knows: the daemons seen under the prefix, each with its last retained
// status and services, built message by message, and shown as a table (offline daemons and failing
// services first) or as JSON. Pure: fleet-command.ts feeds it and prints.
import type { ServiceDto } from '../api/contract.js';
import { parseFleetTopic } from '../fleet/topics.js';

export type DaemonStatus = 'online' | 'offline' | 'unknown';

interface DaemonState {
  status: DaemonStatus;
  readonly services: Map<string, ServiceDto>;
}

/** One daemon as printed. */
export interface FleetDaemon {
  readonly name: string;
  /** `unknown`: services were seen but no status message (not a brokerwatch of this version?). */
  readonly status: DaemonStatus;
  readonly services: readonly ServiceDto[];
}

/** The whole fleet, in the order it is printed. */
export interface FleetReport {
  readonly prefix: string;
  readonly ok: boolean;
  readonly daemons: readonly FleetDaemon[];
}

/** The fleet as the retained messages describe it. */
export class FleetView {
  readonly #daemons = new Map<string, DaemonState>();

  constructor(readonly prefix: string) {}

  #daemon(name: string): DaemonState {
    let d = this.#daemons.get(name);
    if (!d) {
      d = { status: 'unknown', services: new Map() };
      this.#daemons.set(name, d);
    }
    return d;
  }

  /** Takes one message; true when it changed what is shown. An empty payload deletes (MQTT's way). */
  apply(topic: string, payload: Buffer): boolean {
    const t = parseFleetTopic(this.prefix, topic);
    if (!t || t.kind === 'events') return false;
    const text = payload.toString('utf8');
    if (t.kind === 'status') {
      const status: DaemonStatus = text === 'online' || text === 'offline' ? text : 'unknown';
      if (text === '') return this.#forget(t.daemon, undefined);
      const d = this.#daemon(t.daemon);
      if (d.status === status) return false;
      d.status = status;
      return true;
    }
    if (text === '') return this.#forget(t.daemon, t.service);
    let dto: ServiceDto;
    try {
      dto = JSON.parse(text) as ServiceDto;
    } catch {
      return false;
    }
    if (typeof dto !== 'object' || dto === null || typeof dto.status !== 'string') return false;
    const d = this.#daemon(t.daemon);
    const before = d.services.get(t.service);
    d.services.set(t.service, dto);
    return JSON.stringify(before) !== text;
  }

  #forget(daemon: string, service: string | undefined): boolean {
    const d = this.#daemons.get(daemon);
    if (!d) return false;
    if (service === undefined) this.#daemons.delete(daemon);
    else d.services.delete(service);
    return true;
  }

  /** The fleet, offline daemons and daemons with failing services first, failing services first. */
  report(): FleetReport {
    const daemons = [...this.#daemons.entries()].map(([name, d]) => ({
      name,
      status: d.status,
      services: [...d.services.values()].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)),
    }));
    daemons.sort((a, b) => daemonRank(a) - daemonRank(b) || a.name.localeCompare(b.name));
    const ok = daemons.length > 0 && daemons.every((d) => daemonRank(d) === 2);
    return { prefix: this.prefix, ok, daemons };
  }
}

function rank(s: ServiceDto): number {
  return s.status === 'failed' ? 0 : s.status === 'unknown' ? 1 : 2;
}

function daemonRank(d: FleetDaemon): number {
  if (d.status !== 'online') return 0;
  return d.services.some((s) => s.status === 'failed') ? 1 : 2;
}

/** The fleet as a table, with a summary line. */
export function renderTable(r: FleetReport): string {
  if (r.daemons.length === 0) return `no brokerwatch daemon publishes under ${r.prefix}/\n`;
  const rows: string[][] = [['DAEMON', 'STATUS', 'SERVICE', 'STATUS', 'MONITOR', 'FAILURE']];
  for (const d of r.daemons) {
    if (d.services.length === 0) rows.push([d.name, d.status, '-', '', '', '']);
    for (const s of d.services) {
      const f = s.failure;
      const why = f ? `${f.type}${f.class ? ` (${f.class})` : ''}: ${f.message}` : '';
      rows.push([d.name, d.status, s.name, s.status, s.monitor, why.replace(/\s+/g, ' ')]);
    }
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n${summary(r)}\n`;
}

function summary(r: FleetReport): string {
  const offline = r.daemons.filter((d) => d.status !== 'online').length;
  const services = r.daemons.flatMap((d) => d.services);
  const failed = services.filter((s) => s.status === 'failed').length;
  const daemons = `${r.daemons.length} daemon${r.daemons.length === 1 ? '' : 's'}`;
  return `${daemons} (${offline} not online), ${services.length} service${services.length === 1 ? '' : 's'} (${failed} failed)`;
}

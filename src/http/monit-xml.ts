// monit's XML status (GET /_status?format=xml, format version 1; /_status2 is version 2), so tools
// written for monit (collectd, telegraf's monit input, netdata, M/Monit-style scrapers) read
// brokerwatch. Element names, order and numeric codes follow monit's xml.c and what monit 5.33
// serves (a test compares the element paths with a real monit's): `<platform>`, each process's
// owners, threads, children, cpu, memory, descriptors and I/O (from /proc, resource-sampler.ts,
// whether or not a rule measures them), each ping, port and unix-socket test's `<icmp>`, `<port>` and
// `<unix>`, and the host as monit's System service (type 5).
import { createHash } from 'node:crypto';
import { totalmem } from 'node:os';
import type { EventType, Httpd, ServiceType } from '../config/model.js';
import type { MonitorState } from '../state/types.js';
import type { CheckDto, ServiceDto, StatusDto } from './dto.js';
import { observedXml } from './monit-xml-observed.js';
import { NO_SHARES } from './resource-sampler.js';
import type { ProcessSample, ResourceSampler, SystemSample } from './resource-sampler.js';

/** What the `<server>` element says besides the daemon DTO. */
export interface XmlServerInfo {
  readonly startDelaySeconds: number;
  /** The host's stable id (`set idfile`); without one, a hash of the host and the rules file. */
  readonly id?: string;
  readonly httpd?: XmlHttpd | undefined;
  /** The /proc readings; without them only what the rules measure is shown, and no System service. */
  readonly resources?: Pick<ResourceSampler, 'process' | 'system' | 'platform'>;
}

/** `<httpd>`: the TCP listener, or, when there is none, the unix socket (as monit writes it). */
export type XmlHttpd =
  { readonly address: string; readonly port: number; readonly ssl: boolean } | { readonly unixSocket: string };

/** What `<httpd>` says of `set httpd` (`ssl`: whether its TCP listener speaks TLS). */
export function xmlHttpdOf(httpd: Httpd | undefined, ssl: boolean): XmlHttpd | undefined {
  if (!httpd) return undefined;
  if (httpd.tcp !== false) return { address: httpd.address, port: httpd.port, ssl };
  return httpd.unixSocket ? { unixSocket: httpd.unixSocket.path } : undefined;
}

function httpdXml(h: XmlHttpd | undefined): string {
  if (!h) return '';
  if ('unixSocket' in h) return `<httpd>${el('unixsocket', h.unixSocket)}</httpd>`;
  return `<httpd>${el('address', h.address)}${el('port', h.port)}${el('ssl', h.ssl ? 1 : 0)}</httpd>`;
}

/** monit's Service_Type codes. */
export const SERVICE_TYPE: Record<ServiceType, number> = {
  filesystem: 0,
  directory: 1,
  file: 2,
  process: 3,
  host: 4,
  system: 5,
  fifo: 6,
  program: 7,
  network: 8,
};

/** monit's Monitor_State codes. */
const MONITOR: Record<MonitorState, number> = { 'not-monitored': 0, monitored: 1, initializing: 2, waiting: 4 };

/** monit's Event_Type bits; `status` is the OR of the failing ones. */
export const EVENT_BIT: Record<EventType, number> = {
  checksum: 0x1,
  resource: 0x2,
  timeout: 0x4,
  timestamp: 0x8,
  size: 0x10,
  connection: 0x20,
  permission: 0x40,
  uid: 0x80,
  gid: 0x100,
  nonexist: 0x200,
  invalid: 0x400,
  data: 0x800,
  exec: 0x1000,
  fsflags: 0x2000,
  icmp: 0x4000,
  content: 0x8000,
  instance: 0x10000,
  action: 0x20000,
  pid: 0x40000,
  ppid: 0x80000,
  heartbeat: 0x100000,
  status: 0x200000,
  uptime: 0x400000,
  link: 0x800000,
  speed: 0x1000000,
  saturation: 0x2000000,
  bytein: 0x4000000,
  byteout: 0x8000000,
  packetin: 0x10000000,
  packetout: 0x20000000,
  exist: 0x40000000,
};

/** monit's Action_Type codes for `pendingaction`. */
const ACTION: Record<string, number> = { restart: 2, stop: 3, start: 6 };
const MODE: Record<ServiceDto['mode'], number> = { active: 0, passive: 1, manual: 2 };

/** Escapes text for an XML element or attribute; drops characters XML 1.0 cannot carry. */
export function xmlEscape(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const el = (name: string, value: string | number): string =>
  `<${name}>${typeof value === 'number' ? String(value) : xmlEscape(value)}</${name}>`;

/** The status bits of a service: one per failing rule's event type. */
export function statusBits(s: ServiceDto): number {
  let bits = 0;
  for (const c of s.checks) if (c.phase !== 'ok') bits |= EVENT_BIT[c.event];
  if (s.failure) bits |= EVENT_BIT[s.failure.type];
  return bits;
}

/** The elements every service starts with, in monit's order. */
function serviceHead(
  version: 1 | 2,
  type: number,
  name: string,
  collected: number,
  fields: { status: number; monitor: number; mode: number; pending: number },
): string[] {
  const head =
    version === 2
      ? `<service name="${xmlEscape(name)}">${el('type', type)}`
      : `<service type="${type}">${el('name', name)}`;
  return [
    head,
    el('collected_sec', Math.floor(collected / 1000)),
    el('collected_usec', (collected % 1000) * 1000),
    el('status', fields.status),
    el('status_hint', 0),
    el('monitor', fields.monitor),
    el('monitormode', fields.mode),
    // monit's onreboot: 0 start (the only behaviour brokerwatch has).
    el('onreboot', 0),
    el('pendingaction', fields.pending),
  ];
}

const count = (rate: number | undefined, total: number): string =>
  `${el('count', Math.round(rate ?? 0))}${el('total', total)}`;

/** A process's owners, threads, children, descriptors and I/O, from /proc. */
function procXml(p: ProcessSample | undefined, part: 'ids' | 'tree' | 'files'): string {
  if (!p) return '';
  if (part === 'ids') return `${el('ppid', p.ppid)}${el('uid', p.uid)}${el('euid', p.euid)}${el('gid', p.gid)}`;
  if (part === 'tree') return `${el('threads', p.threads)}${el('children', p.children)}`;
  const out: string[] = [];
  if (p.fds)
    out.push(
      `<filedescriptors>${el('open', p.fds.open)}${el('opentotal', p.fds.open)}<limit>${el('soft', p.fds.soft)}${el('hard', p.fds.hard)}</limit></filedescriptors>`,
    );
  if (p.io) {
    const io = p.io;
    const r = p.ioRate ?? undefined;
    out.push(
      `<read><bytesgeneric>${count(r?.rchar, io.rchar)}</bytesgeneric><bytes>${count(r?.readBytes, io.readBytes)}</bytes><operations>${count(r?.syscr, io.syscr)}</operations></read>`,
    );
    out.push(
      `<write><bytesgeneric>${count(r?.wchar, io.wchar)}</bytesgeneric><bytes>${count(r?.writeBytes, io.writeBytes)}</bytes><operations>${count(r?.syscw, io.syscw)}</operations></write>`,
    );
  }
  return out.join('');
}

/** A probe's response time as monit sends it: seconds with microseconds, -1 unless it succeeded. */
const responseTime = (c: CheckDto, ms: number | undefined): string =>
  el('responsetime', c.status === 'ok' && ms !== undefined ? (ms / 1000).toFixed(6) : '-1.000000');

/**
 * The ping, port and unix-socket tests, as monit 5.33 prints them: every `<icmp>`, then every
 * `<port>`, then every `<unix>`, each list last rule first (monit's parser prepends to its lists). An
 * `<icmp>`'s type is monit's name of the ICMP message, "Ping", for ping, ping4 and ping6 alike.
 */
function probesXml(checks: readonly CheckDto[]): string {
  const icmp: string[] = [];
  const ports: string[] = [];
  const sockets: string[] = [];
  for (const c of checks) {
    if (c.test === 'ping') icmp.push(`<icmp>${el('type', 'Ping')}${responseTime(c, c.metrics.responseMs)}</icmp>`);
    if (c.test !== 'port' || c.target === null) continue;
    const protocol = el('protocol', (c.protocol ?? 'default').toUpperCase());
    // A unix socket's target is its path (monit's <unix> element, which has no <type>).
    if (c.target.startsWith('/')) {
      sockets.push(`<unix>${el('path', c.target)}${protocol}${responseTime(c, c.metrics.totalMs)}</unix>`);
      continue;
    }
    const colon = c.target.lastIndexOf(':');
    const host = c.target.slice(0, colon).replace(/^\[|\]$/g, '');
    ports.push(
      `<port>${el('hostname', host)}${el('portnumber', Number(c.target.slice(colon + 1)))}${el('request', '')}${protocol}${el('type', 'TCP')}${responseTime(c, c.metrics.totalMs)}</port>`,
    );
  }
  return [icmp, ports, sockets].map((list) => list.reverse().join('')).join('');
}

function serviceXml(s: ServiceDto, version: 1 | 2, sample: ProcessSample | undefined): string {
  const collected = s.lastCheckAt ?? Date.now();
  const parts = serviceHead(version, SERVICE_TYPE[s.type], s.name, collected, {
    status: statusBits(s),
    monitor: MONITOR[s.monitor],
    mode: MODE[s.mode],
    pending: ACTION[s.action ?? s.pending?.action ?? ''] ?? 0,
  });
  if (s.failure) parts.push(el('status_message', s.failure.message));
  parts.push(observedXml(s));
  if (s.type === 'process' && s.pid !== null) {
    parts.push(el('pid', s.pid), procXml(sample, 'ids'));
    if (s.uptimeSeconds !== null) parts.push(el('uptime', s.uptimeSeconds));
    parts.push(procXml(sample, 'tree'));
    // A rule's own reading first (it is what the rule compared), else /proc's; monit has both units.
    const bytes =
      s.memoryBytes ?? (s.memoryPercent !== null ? (s.memoryPercent / 100) * totalmem() : sample?.memoryBytes);
    if (bytes !== undefined) {
      const kb = Math.round(bytes / 1024);
      const pct = (s.memoryPercent ?? (bytes / totalmem()) * 100).toFixed(1);
      parts.push(
        `<memory>${el('percent', pct)}${el('percenttotal', pct)}${el('kilobyte', kb)}${el('kilobytetotal', kb)}</memory>`,
      );
    }
    const cpu = s.cpuPercent ?? sample?.cpuPercent;
    // -1 until a second reading gives a rate, as monit says it.
    if (cpu !== undefined || sample) {
      const pct = (cpu ?? -1).toFixed(1);
      parts.push(`<cpu>${el('percent', pct)}${el('percenttotal', pct)}</cpu>`);
    }
    parts.push(procXml(sample, 'files'));
  }
  parts.push(probesXml(s.checks));
  parts.push('</service>');
  return parts.join('');
}

/** The host as monit's System service (type 5), named by the host name like monit's default. */
function systemXml(host: string, version: 1 | 2, sys: SystemSample): string {
  const parts = serviceHead(version, 5, host, sys.at, {
    status: 0,
    monitor: MONITOR.monitored,
    mode: MODE.active,
    pending: 0,
  });
  const f = sys.files;
  parts.push(
    `<filedescriptors>${el('allocated', f.allocated)}${el('unused', f.unused)}${el('maximum', f.maximum)}</filedescriptors>`,
  );
  const [l1, l5, l15] = sys.load;
  const cpu = sys.cpu ?? NO_SHARES;
  parts.push(
    `<system><load>${el('avg01', l1.toFixed(2))}${el('avg05', l5.toFixed(2))}${el('avg15', l15.toFixed(2))}</load>`,
    `<cpu>${Object.entries(cpu)
      .map(([k, v]) => el(k, v.toFixed(1)))
      .join('')}</cpu>`,
    `<memory>${el('percent', sys.memory.percent.toFixed(1))}${el('kilobyte', sys.memory.kilobyte)}</memory>`,
    `<swap>${el('percent', sys.swap.percent.toFixed(1))}${el('kilobyte', sys.swap.kilobyte)}</swap></system>`,
    '</service>',
  );
  return parts.join('');
}

/** The whole document. */
export function statusXml(status: StatusDto, server: XmlServerInfo, version: 1 | 2 = 1): string {
  const d = status.daemon;
  const id = server.id ?? createHash('md5').update(`${d.host}:${d.rulesFile}`).digest('hex');
  const incarnation = Math.floor(d.startedAt / 1000);
  const head =
    version === 2
      ? `<monit id="${id}" incarnation="${incarnation}" version="${xmlEscape(d.version)}"><server>`
      : `<monit><server>${el('id', id)}${el('incarnation', incarnation)}${el('version', d.version)}`;
  const httpd = httpdXml(server.httpd);
  const res = server.resources;
  const p = res?.platform();
  const platform = p
    ? `<platform>${el('name', p.name)}${el('release', p.release)}${el('version', p.version)}${el('machine', p.machine)}${el('cpu', p.cpu)}${el('memory', p.memoryKb)}${el('swap', p.swapKb)}</platform>`
    : '';
  const serverXml =
    `${head}${el('uptime', d.uptimeSeconds)}${el('poll', Math.max(1, Math.round(d.cycleSeconds)))}${el('startdelay', server.startDelaySeconds)}` +
    `${el('localhostname', d.host)}${el('controlfile', d.rulesFile)}${httpd}</server>${platform}`;
  const sys = res?.system();
  const services =
    status.services.map((s) => serviceXml(s, version, res?.process(s.name, s.pid))).join('') +
    // A `check system` service of the rules is the System service; else one is made from /proc.
    (sys && !status.services.some((s) => s.type === 'system') ? systemXml(d.host, version, sys) : '');
  const body = version === 2 ? `<services>${services}</services><servicegroups></servicegroups>` : services;
  return `<?xml version="1.0" encoding="UTF-8"?>${serverXml}${body}</monit>`;
}

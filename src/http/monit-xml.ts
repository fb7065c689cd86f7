// monit's XML status (GET /_status?format=xml, format version 1; /_status2 is version 2), so tools
// written for monit (collectd, telegraf's monit input, netdata, M/Monit-style scrapers) read
// brokerwatch. Element names, order and numeric codes follow monit's xml.c; values monit has and
// brokerwatch does not measure (uid, ppid, threads…) are left out rather than invented.
import { createHash } from 'node:crypto';
import { totalmem } from 'node:os';
import type { EventType, ServiceType } from '../config/model.js';
import type { MonitorState } from '../state/types.js';
import type { ServiceDto, StatusDto } from './dto.js';

/** What the `<server>` element says besides the daemon DTO. */
export interface XmlServerInfo {
  readonly startDelaySeconds: number;
  readonly httpd?: { readonly address: string; readonly port: number; readonly ssl: boolean };
}

/** monit's Service_Type codes. */
const SERVICE_TYPE: Record<ServiceType, number> = { file: 2, process: 3, host: 4, program: 7 };

/** monit's Monitor_State codes. */
const MONITOR: Record<MonitorState, number> = { 'not-monitored': 0, monitored: 1, initializing: 2, waiting: 4 };

/** monit's Event_Type bits; `status` is the OR of the failing ones. */
const EVENT_BIT: Record<EventType, number> = {
  checksum: 0x1, resource: 0x2, timeout: 0x4, timestamp: 0x8, size: 0x10, connection: 0x20, permission: 0x40,
  uid: 0x80, gid: 0x100, nonexist: 0x200, invalid: 0x400, data: 0x800, exec: 0x1000, fsflags: 0x2000,
  icmp: 0x4000, content: 0x8000, instance: 0x10000, action: 0x20000, pid: 0x40000, ppid: 0x80000,
  heartbeat: 0x100000, status: 0x200000, uptime: 0x400000, link: 0x800000, speed: 0x1000000,
  saturation: 0x2000000, bytein: 0x4000000, byteout: 0x8000000, packetin: 0x10000000, packetout: 0x20000000,
  exist: 0x40000000,
};

/** monit's Action_Type codes for `pendingaction`. */
const ACTION: Record<string, number> = { restart: 2, stop: 3, start: 6 };
const MODE: Record<ServiceDto['mode'], number> = { active: 0, passive: 1, manual: 2 };

/** Escapes text for an XML element or attribute; drops characters XML 1.0 cannot carry. */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const el = (name: string, value: string | number): string => `<${name}>${typeof value === 'number' ? String(value) : xmlEscape(value)}</${name}>`;

/** The status bits of a service: one per failing rule's event type. */
export function statusBits(s: ServiceDto): number {
  let bits = 0;
  for (const c of s.checks) if (c.phase !== 'ok') bits |= EVENT_BIT[c.event];
  if (s.failure) bits |= EVENT_BIT[s.failure.type];
  return bits;
}

function serviceXml(s: ServiceDto, version: 1 | 2): string {
  const collected = s.lastCheckAt ?? Date.now();
  const head = version === 2 ? `<service name="${xmlEscape(s.name)}">${el('type', SERVICE_TYPE[s.type])}` : `<service type="${SERVICE_TYPE[s.type]}">${el('name', s.name)}`;
  const parts = [
    head,
    el('collected_sec', Math.floor(collected / 1000)),
    el('collected_usec', (collected % 1000) * 1000),
    el('status', statusBits(s)),
    el('status_hint', 0),
    el('monitor', MONITOR[s.monitor]),
    el('monitormode', MODE[s.mode]),
    el('pendingaction', ACTION[s.action ?? s.pending?.action ?? ''] ?? 0),
  ];
  if (s.failure) parts.push(el('status_message', s.failure.message));
  if (s.type === 'process' && s.pid !== null) {
    parts.push(el('pid', s.pid));
    if (s.uptimeSeconds !== null) parts.push(el('uptime', s.uptimeSeconds));
    if (s.memoryBytes !== null || s.memoryPercent !== null) {
      // monit has both; a rule gives one, the machine's memory size the other.
      const bytes = s.memoryBytes ?? ((s.memoryPercent ?? 0) / 100) * totalmem();
      const kb = Math.round(bytes / 1024);
      const pct = (s.memoryPercent ?? (bytes / totalmem()) * 100).toFixed(1);
      parts.push(`<memory>${el('percent', pct)}${el('percenttotal', pct)}${el('kilobyte', kb)}${el('kilobytetotal', kb)}</memory>`);
    }
    if (s.cpuPercent !== null) {
      const pct = s.cpuPercent.toFixed(1);
      parts.push(`<cpu>${el('percent', pct)}${el('percenttotal', pct)}</cpu>`);
    }
  }
  for (const c of s.checks) {
    if (c.test !== 'port' || c.target === null) continue;
    const colon = c.target.lastIndexOf(':');
    const host = c.target.slice(0, colon).replace(/^\[|\]$/g, '');
    const seconds = c.status === 'ok' && c.metrics.totalMs !== undefined ? (c.metrics.totalMs / 1000).toFixed(6) : '-1.000000';
    parts.push(`<port>${el('hostname', host)}${el('portnumber', Number(c.target.slice(colon + 1)))}${el('request', '')}${el('protocol', (c.protocol ?? 'default').toUpperCase())}${el('type', 'TCP')}${el('responsetime', seconds)}</port>`);
  }
  parts.push('</service>');
  return parts.join('');
}

/** The whole document. */
export function statusXml(status: StatusDto, server: XmlServerInfo, version: 1 | 2 = 1): string {
  const d = status.daemon;
  const id = createHash('md5').update(`${d.host}:${d.rulesFile}`).digest('hex');
  const incarnation = Math.floor(d.startedAt / 1000);
  const head =
    version === 2
      ? `<monit id="${id}" incarnation="${incarnation}" version="${xmlEscape(d.version)}"><server>`
      : `<monit><server>${el('id', id)}${el('incarnation', incarnation)}${el('version', d.version)}`;
  const httpd = server.httpd ? `<httpd>${el('address', server.httpd.address)}${el('port', server.httpd.port)}${el('ssl', server.httpd.ssl ? 1 : 0)}</httpd>` : '';
  const serverXml =
    `${head}${el('uptime', d.uptimeSeconds)}${el('poll', Math.max(1, Math.round(d.cycleSeconds)))}${el('startdelay', server.startDelaySeconds)}` +
    `${el('localhostname', d.host)}${el('controlfile', d.rulesFile)}${httpd}</server>`;
  const services = status.services.map((s) => serviceXml(s, version)).join('');
  const body = version === 2 ? `<services>${services}</services><servicegroups></servicegroups>` : services;
  return `<?xml version="1.0" encoding="UTF-8"?>${serverXml}${body}</monit>`;
}

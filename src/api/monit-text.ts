// Plain-text status in `monit status|summary|report` style, from the API's DTOs: served at /_status,
// /_summary and /_report by the server, and printed by the CLI, so both always say the same.
import type { EventType, ServiceType } from '../config/model.js';
import type { DaemonDto, ServiceDto, StatusDto } from './contract.js';
import { observedRows } from './monit-text-observed.js';

const TYPE_NAME: Record<ServiceType, string> = {
  process: 'Process',
  host: 'Remote Host',
  file: 'File',
  program: 'Program',
  directory: 'Directory',
  fifo: 'Fifo',
  system: 'System',
  filesystem: 'Filesystem',
  network: 'Network',
};

/** monit's wording of a failed event type. */
const FAILED_TEXT: Partial<Record<EventType, string>> = {
  nonexist: 'Does not exist',
  exist: 'Exists',
  connection: 'Connection failed',
  resource: 'Resource limit matched',
  timeout: 'Timeout',
  status: 'Status failed',
  exec: 'Execution failed',
  checksum: 'Checksum failed',
  timestamp: 'Timestamp failed',
  size: 'Size failed',
  permission: 'Permission failed',
  uid: 'UID failed',
  gid: 'GID failed',
  pid: 'PID changed',
  ppid: 'PPID changed',
  uptime: 'Uptime failed',
  data: 'Data access error',
};

/** `2d 3h 4m`, as monit prints uptimes. */
export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${d > 0 ? `${d}d ` : ''}${d > 0 || h > 0 ? `${h}h ` : ''}${m}m`;
}

/** `5.2 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i] ?? 'B'}`;
}

/** The one-phrase status of a service: OK, Does not exist (process-missing), Not monitored, … */
export function statusText(s: ServiceDto): string {
  if (s.monitor === 'not-monitored') return s.action ? `Not monitored - ${s.action} pending` : 'Not monitored';
  if (s.action) return `${s.action[0]?.toUpperCase() ?? ''}${s.action.slice(1)} pending`;
  if (s.status === 'failed' && s.failure) {
    const text = FAILED_TEXT[s.failure.type] ?? 'Failed';
    return s.failure.class ? `${text} (${s.failure.class})` : text;
  }
  if (s.status === 'ok') return s.monitor === 'waiting' ? 'Waiting' : 'OK';
  return s.monitor === 'waiting' ? 'Waiting' : 'Initializing';
}

/** The human name of a service type. */
export function typeText(t: ServiceType): string {
  return TYPE_NAME[t];
}

function monitorText(s: ServiceDto): string {
  return { initializing: 'Initializing', monitored: 'Monitored', 'not-monitored': 'Not monitored', waiting: 'Waiting' }[
    s.monitor
  ];
}

/** The first line of every text answer. */
export function headerLine(d: DaemonDto): string {
  return `brokerwatch ${d.version} uptime: ${formatUptime(d.uptimeSeconds)}`;
}

const row = (name: string, value: string): string => `  ${name.padEnd(28)} ${value}`;

/** One service as `monit status` prints it. */
export function serviceText(s: ServiceDto): string {
  const lines = [`${typeText(s.type)} '${s.name}'`, row('status', statusText(s))];
  if (s.failure) lines.push(row('failure', s.failure.message));
  lines.push(row('monitoring status', monitorText(s)), row('monitoring mode', s.mode));
  if (s.type === 'process') {
    lines.push(row('pid', s.pid === null ? '-' : String(s.pid)));
    lines.push(row('uptime', s.uptimeSeconds === null ? '-' : formatUptime(s.uptimeSeconds)));
    if (s.cpuPercent !== null) lines.push(row('cpu', `${s.cpuPercent.toFixed(1)}%`));
    if (s.memoryBytes !== null || s.memoryPercent !== null) {
      lines.push(
        row(
          'memory',
          [
            s.memoryBytes !== null ? formatBytes(s.memoryBytes) : '',
            s.memoryPercent !== null ? `[${s.memoryPercent.toFixed(1)}%]` : '',
          ]
            .filter(Boolean)
            .join(' '),
        ),
      );
    }
    lines.push(row('restarts', String(s.restarts)));
  }
  lines.push(...observedRows(s, row));
  if (s.backoff.gaveUp)
    lines.push(
      row(
        'backoff',
        `gave up after ${s.backoff.attempts} attempts${s.backoff.retryAt ? `; next try ${new Date(s.backoff.retryAt).toUTCString()}` : ''}`,
      ),
    );
  else if (s.pending) lines.push(row('pending', `${s.pending.action} at ${new Date(s.pending.dueAt).toUTCString()}`));
  for (const c of s.checks) {
    if (c.test !== 'port' || c.target === null) continue;
    const proto = c.protocol ? ` protocol ${c.protocol.toUpperCase()}` : '';
    const t = c.metrics.totalMs;
    const value =
      c.status === 'failed'
        ? `failed: ${c.message} (type TCP${proto})`
        : t !== undefined
          ? `${t.toFixed(3)} ms to ${c.target} type TCP${proto}`
          : `- to ${c.target}${proto}`;
    lines.push(row('port response time', value));
    const steps = (
      ['connectMs', 'tlsMs', 'subscribeMs', 'publishAckMs', 'deliveryMs', 'requestMs', 'firstByteMs', 'bodyMs'] as const
    ).filter((k) => c.metrics[k] !== undefined);
    if (steps.length > 1 && c.status !== 'failed')
      lines.push(
        row('probe steps', steps.map((k) => `${k.replace(/Ms$/, '')} ${(c.metrics[k] ?? 0).toFixed(1)} ms`).join(', ')),
      );
  }
  lines.push(row('data collected', s.lastCheckAt === null ? '-' : new Date(s.lastCheckAt).toUTCString()));
  return lines.join('\n');
}

/** The whole `status` answer. */
export function statusTextAll(status: StatusDto): string {
  return [headerLine(status.daemon), '', ...status.services.map((s) => `${serviceText(s)}\n`)].join('\n');
}

/** `monit summary`'s table: Service Name / Status / Type. */
export function summaryText(status: StatusDto): string {
  const rows = status.services.map((s) => [s.name, statusText(s), typeText(s.type)] as const);
  const head = ['Service Name', 'Status', 'Type'] as const;
  const widths = [31, 26, 13].map((min, i) =>
    Math.max(min, ...rows.map((r) => r[i]?.length ?? 0), head[i]?.length ?? 0),
  );
  const line = (l: string, m: string, r: string): string => `${l}${widths.map((w) => '─'.repeat(w + 2)).join(m)}${r}`;
  const cells = (r: readonly string[]): string => `│${r.map((c, i) => ` ${c.padEnd(widths[i] ?? 0)} `).join('│')}│`;
  const out = [
    headerLine(status.daemon),
    line('┌', '┬', '┐'),
    cells(head),
    line('├', '┼', '┤'),
    ...rows.map(cells),
    line('└', '┴', '┘'),
  ];
  return `${out.join('\n')}\n`;
}

/** Counts for `report`: up, down, initializing, unmonitored, total. */
export function reportCounts(services: readonly ServiceDto[]): {
  up: number;
  down: number;
  initializing: number;
  unmonitored: number;
  total: number;
} {
  const c = { up: 0, down: 0, initializing: 0, unmonitored: 0, total: services.length };
  for (const s of services) {
    if (s.monitor === 'not-monitored') c.unmonitored++;
    else if (s.status === 'failed') c.down++;
    else if (s.status === 'ok') c.up++;
    else c.initializing++;
  }
  return c;
}

/** `monit report`'s text. */
export function reportText(services: readonly ServiceDto[]): string {
  const c = reportCounts(services);
  const pct = (n: number): string => `(${c.total === 0 ? '0.0' : ((n / c.total) * 100).toFixed(1)}%)`;
  const w = String(c.total).length;
  const line = (label: string, n: number): string => `${label.padEnd(14)} ${String(n).padStart(w)} ${pct(n)}`;
  return [
    line('up:', c.up),
    line('down:', c.down),
    line('initializing:', c.initializing),
    line('unmonitored:', c.unmonitored),
    `${'total:'.padEnd(14)} ${c.total} services`,
    '',
  ].join('\n');
}

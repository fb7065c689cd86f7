// The `monit status` rows of services whose type observes (system, filesystem, network), from the
// facts of their last cycle, worded as monit 5.33 prints them.
import type { ServiceDto } from './contract.js';

type Facts = NonNullable<ServiceDto['facts']>;
type Row = (name: string, value: string) => string;

const num = (f: Facts, k: string): number | undefined => {
  const v = f[k];
  return typeof v === 'number' ? v : undefined;
};
const pct = (v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(1)}%`);

/** `5.2 MB` (1024-based, like monit). */
function bytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i] ?? 'B'}`;
}

function uptime(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${d > 0 ? `${d}d ` : ''}${d > 0 || h > 0 ? `${h}h ` : ''}${m}m`;
}

function systemRows(f: Facts, row: Row): string[] {
  const load = ['load1', 'load5', 'load15'].map((k) => `[${(num(f, k) ?? 0).toFixed(2)}]`).join(' ');
  const cpuParts: ReadonlyArray<[string, string]> = [
    ['usr', 'cpuUser'],
    ['sys', 'cpuSystem'],
    ['nice', 'cpuNice'],
    ['iowait', 'cpuWait'],
    ['hardirq', 'cpuHardirq'],
    ['softirq', 'cpuSoftirq'],
    ['steal', 'cpuSteal'],
    ['guest', 'cpuGuest'],
    ['guestnice', 'cpuGuestnice'],
  ];
  const cpu =
    num(f, 'cpuUser') === undefined ? '-' : cpuParts.map(([w, k]) => `${(num(f, k) ?? 0).toFixed(1)}%${w}`).join(' ');
  const up = num(f, 'uptimeSeconds');
  return [
    row('load average', load),
    row('cpu', cpu),
    row('memory usage', `${bytes(num(f, 'memoryBytes'))} [${pct(num(f, 'memoryPercent'))}]`),
    row('swap usage', `${bytes(num(f, 'swapBytes'))} [${pct(num(f, 'swapPercent'))}]`),
    row('uptime', up === undefined ? '-' : uptime(up)),
    row('filedescriptors', `${num(f, 'filesAllocated') ?? '-'} [of ${num(f, 'filesMaximum') ?? '-'} limit]`),
  ];
}

function filesystemRows(f: Facts, row: Row): string[] {
  const total = num(f, 'spaceTotalBytes') ?? 0;
  // monit's "reserved for root": what root may write beyond a user, as a share of the total.
  const free = num(f, 'spaceFreeBytes') ?? 0;
  const reserved = total > 0 ? (((free - (num(f, 'spaceAvailableBytes') ?? 0)) / total) * 100).toFixed(1) : '0.0';
  const out = [
    row('filesystem type', typeof f['fsType'] === 'string' ? f['fsType'] : '-'),
    row('filesystem flags', typeof f['flags'] === 'string' ? f['flags'] : '-'),
    row('permission', ((num(f, 'mode') ?? 0) & 0o7777).toString(8)),
    row('uid', String(num(f, 'uid') ?? '-')),
    row('gid', String(num(f, 'gid') ?? '-')),
    row('block size', `${(num(f, 'blockSize') ?? 0) / 1024} kB`),
    row('space total', `${bytes(total)} (of which ${reserved}% is reserved for root user)`),
    row(
      'space free for non superuser',
      `${bytes(num(f, 'spaceAvailableBytes'))} [${pct(num(f, 'spaceAvailablePercent'))}]`,
    ),
    row('space free total', `${bytes(num(f, 'spaceFreeBytes'))} [${pct(num(f, 'spaceFreePercent'))}]`),
  ];
  if ((num(f, 'inodesTotal') ?? 0) > 0)
    out.push(
      row('inodes total', String(num(f, 'inodesTotal'))),
      row('inodes free', `${num(f, 'inodesFree') ?? '-'} [${pct(num(f, 'inodesFreePercent'))}]`),
    );
  for (const d of ['read', 'write'] as const) {
    const rate = num(f, `${d}BytesPerSecond`);
    if (num(f, `${d}Bytes`) === undefined) continue;
    out.push(
      row(`${d} bytes`, `${rate === undefined ? '-' : `${bytes(rate)}/s`} [${bytes(num(f, `${d}Bytes`))} total]`),
      row(
        `disk ${d} operations`,
        `${(num(f, `${d}OpsPerSecond`) ?? 0).toFixed(1)} ${d}s/s [${num(f, `${d}Ops`) ?? 0} ${d}s total]`,
      ),
    );
  }
  const r = num(f, 'readServiceTimeMs');
  const w = num(f, 'writeServiceTimeMs');
  if (r !== undefined && w !== undefined)
    out.push(
      row(
        'service time',
        `${Math.max(r, w).toFixed(3)} ms/operation (of which read ${r.toFixed(3)} ms, write ${w.toFixed(3)} ms)`,
      ),
    );
  return out;
}

function networkRows(f: Facts, row: Row): string[] {
  const up = num(f, 'linkUp') === 1;
  const speed = num(f, 'speedBitsPerSecond');
  const duplex = typeof f['duplex'] === 'string' ? ` ${f['duplex']} duplex` : '';
  const out = [row('link', up ? `UP${speed !== undefined ? `, ${speed / 1e6} Mb/s` : ''}${duplex}` : 'DOWN')];
  for (const d of ['download', 'upload'] as const) {
    const rate = (k: string): string => {
      const v = num(f, `${d}${k}PerSecond`);
      return v === undefined ? '-' : k === 'Bytes' ? `${bytes(v)}/s` : `${Math.round(v)} per second`;
    };
    out.push(
      row(`${d} packets`, `${rate('Packets')} [${num(f, `${d}Packets`) ?? 0} total]`),
      row(`${d} bytes`, `${rate('Bytes')} [${bytes(num(f, `${d}Bytes`))} total]`),
      row(`${d} errors`, `${rate('Errors')} [${num(f, `${d}Errors`) ?? 0} total]`),
    );
  }
  return out;
}

/** The rows of the observed readings, or none for a type that observes nothing of its own. */
export function observedRows(s: ServiceDto, row: Row): string[] {
  if (!s.facts) return [];
  if (s.type === 'system') return systemRows(s.facts, row);
  if (s.type === 'filesystem') return filesystemRows(s.facts, row);
  if (s.type === 'network') return networkRows(s.facts, row);
  return [];
}

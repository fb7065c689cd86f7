// The monit XML of services whose type observes (system, filesystem, network): their elements after
// the common head, from the facts of their last cycle, named and ordered as monit 5.33's xml.c
// writes them.
import type { ServiceDto } from './dto.js';

type Facts = NonNullable<ServiceDto['facts']>;

const el = (name: string, value: string | number): string => `<${name}>${value}</${name}>`;
const num = (f: Facts, k: string): number => {
  const v = f[k];
  return typeof v === 'number' ? v : 0;
};
const fixed = (f: Facts, k: string, digits = 1): string => num(f, k).toFixed(digits);

const CPU_XML: ReadonlyArray<[string, string]> = [
  ['user', 'cpuUser'],
  ['system', 'cpuSystem'],
  ['nice', 'cpuNice'],
  ['wait', 'cpuWait'],
  ['hardirq', 'cpuHardirq'],
  ['softirq', 'cpuSoftirq'],
  ['steal', 'cpuSteal'],
  ['guest', 'cpuGuest'],
  ['guestnice', 'cpuGuestnice'],
];

/** A system service: file handles, load, cpu, memory and swap (kB). */
export function systemFactsXml(f: Facts): string {
  return (
    `<filedescriptors>${el('allocated', num(f, 'filesAllocated'))}${el('unused', num(f, 'filesUnused'))}${el('maximum', num(f, 'filesMaximum'))}</filedescriptors>` +
    `<system><load>${el('avg01', fixed(f, 'load1', 2))}${el('avg05', fixed(f, 'load5', 2))}${el('avg15', fixed(f, 'load15', 2))}</load>` +
    `<cpu>${CPU_XML.map(([x, k]) => el(x, fixed(f, k))).join('')}</cpu>` +
    `<memory>${el('percent', fixed(f, 'memoryPercent'))}${el('kilobyte', Math.round(num(f, 'memoryBytes') / 1024))}</memory>` +
    `<swap>${el('percent', fixed(f, 'swapPercent'))}${el('kilobyte', Math.round(num(f, 'swapBytes') / 1024))}</swap></system>`
  );
}

const MB = 1024 * 1024;

/** A filesystem service: owner and mode of the mount point, flags, space and inodes, I/O. */
export function filesystemFactsXml(f: Facts): string {
  const flags = typeof f['flags'] === 'string' ? f['flags'] : '';
  const io = (dir: 'read' | 'write'): string =>
    `<${dir}><bytes>${el('count', Math.round(num(f, `${dir}BytesPerSecond`)))}${el('total', num(f, `${dir}Bytes`))}</bytes>` +
    `<operations>${el('count', Math.round(num(f, `${dir}OpsPerSecond`)))}${el('total', num(f, `${dir}Ops`))}</operations></${dir}>`;
  const inodes =
    num(f, 'inodesTotal') > 0
      ? `<inode>${el('percent', fixed(f, 'inodesUsedPercent'))}${el('usage', num(f, 'inodesUsed'))}${el('total', num(f, 'inodesTotal'))}</inode>`
      : '';
  return (
    `${el('fstype', typeof f['fsType'] === 'string' ? f['fsType'] : '')}${el('fsflags', flags)}` +
    `${el('mode', (num(f, 'mode') & 0o7777).toString(8))}${el('uid', num(f, 'uid'))}${el('gid', num(f, 'gid'))}` +
    `<block>${el('percent', fixed(f, 'spaceUsedPercent'))}${el('usage', (num(f, 'spaceUsedBytes') / MB).toFixed(1))}${el('total', (num(f, 'spaceTotalBytes') / MB).toFixed(1))}</block>` +
    inodes +
    io('read') +
    io('write') +
    `<servicetime>${el('read', fixed(f, 'readServiceTimeMs', 3))}${el('write', fixed(f, 'writeServiceTimeMs', 3))}</servicetime>`
  );
}

/** A network service: link state, speed, duplex, and traffic now (per second) and in total. */
export function networkFactsXml(f: Facts): string {
  const dir = (d: 'download' | 'upload'): string => {
    const pair = (name: string, k: string): string =>
      `<${name}>${el('now', Math.round(num(f, `${d}${k}PerSecond`)))}${el('total', num(f, `${d}${k}`))}</${name}>`;
    return `<${d}>${pair('packets', 'Packets')}${pair('bytes', 'Bytes')}${pair('errors', 'Errors')}</${d}>`;
  };
  const duplex = f['duplex'] === 'full' ? 1 : f['duplex'] === 'half' ? 0 : -1;
  return `<link>${el('state', num(f, 'linkUp'))}${el('speed', f['speedBitsPerSecond'] === null ? -1 : num(f, 'speedBitsPerSecond'))}${el('duplex', duplex)}${dir('download')}${dir('upload')}</link>`;
}

/** The observed part of a service's XML, or '' for types that observe nothing of their own. */
export function observedXml(s: ServiceDto): string {
  if (!s.facts) return '';
  if (s.type === 'system') return systemFactsXml(s.facts);
  if (s.type === 'filesystem') return filesystemFactsXml(s.facts);
  if (s.type === 'network') return networkFactsXml(s.facts);
  return '';
}

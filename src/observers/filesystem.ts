// `check filesystem NAME with path P`: the file system holding P (a mount point, a path inside one,
// or its device), read once per cycle: statfs for space and inodes, /proc/self/mountinfo for the
// mount and its flags, the mount point's owner and mode, and the I/O counters of the block device
// behind it (/sys/dev/block/MAJ:MIN/stat; none for tmpfs, overlay, network file systems), whose
// rates need two cycles (null on the first). A local file system (ext4, xfs, tmpfs…) is read in
// place: its statfs and stat answer from memory, and a trip through libuv's thread pool costs the
// idle daemon more than the calls. Any other (NFS, CIFS, FUSE…) is read on the thread pool, where a
// server that stopped answering holds a worker thread, never the daemon's loop.
import { rethrowOwnFault } from '../util/own-fault.js';
import { statfsSync, statSync } from 'node:fs';
import type { StatsFs, Stats } from 'node:fs';
import { realpath, stat, statfs } from '../util/fs-async.js';
import { readKernelFile } from '../util/kernel-file.js';
import type { Service } from '../config/model.js';
import type { Facts, Observed, Observer, ObserverModule } from './kind.js';

/** One line of /proc/self/mountinfo. */
export interface Mount {
  readonly device: string;
  readonly mountPoint: string;
  /** The flags as monit shows them: the mount's options, then the super block's not already said
   *  (`rw,relatime,discard,…`). */
  readonly options: string;
  readonly fsType: string;
  readonly source: string;
}

/** `\040` and friends in mountinfo's paths. */
const unescape = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The mounts of /proc/self/mountinfo, in its order (a later mount over the same point hides an earlier one). */
export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const [fsType = '', source = '', superOptions = ''] = right.split(' ');
    if (f.length < 6) continue;
    const own = (f[5] ?? '').split(',');
    const options = [...own, ...superOptions.split(',').filter((o) => o !== '' && !own.includes(o))].join(',');
    out.push({
      device: f[2] ?? '',
      mountPoint: unescape(f[4] ?? ''),
      options,
      fsType,
      source: unescape(source),
    });
  }
  return out;
}

/** The mount holding PATH (the deepest, last-mounted one), or the one whose source is the device PATH. */
export function mountOf(mounts: readonly Mount[], path: string): Mount | undefined {
  if (path.startsWith('/dev/')) {
    const bySource = mounts.filter((m) => m.source === path);
    if (bySource.length > 0) return bySource[bySource.length - 1];
  }
  let best: Mount | undefined;
  for (const m of mounts) {
    const mp = m.mountPoint;
    const inside = mp === '/' || path === mp || path.startsWith(`${mp}/`);
    if (inside && (!best || mp.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/** The counters of /sys/dev/block/MAJ:MIN/stat: I/Os, sectors (512 bytes) and ms, per direction. */
interface DiskCounters {
  readonly readOps: number;
  readonly readBytes: number;
  readonly readMs: number;
  readonly writeOps: number;
  readonly writeBytes: number;
  readonly writeMs: number;
}

async function readDiskCounters(device: string): Promise<DiskCounters | undefined> {
  try {
    const n = readKernelFile(`/sys/dev/block/${device}/stat`).trim().split(/\s+/).map(Number);
    const [readOps = 0, , readSectors = 0, readMs = 0, writeOps = 0, , writeSectors = 0, writeMs = 0] = n;
    return { readOps, readBytes: readSectors * 512, readMs, writeOps, writeBytes: writeSectors * 512, writeMs };
  } catch (e) {
    rethrowOwnFault(e);
    return undefined;
  }
}

const pct = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);

/** The I/O facts: totals, and rates since the previous reading (null on the first). */
function ioFacts(now: DiskCounters | undefined, prev: { at: number; c: DiskCounters } | undefined, at: number): Facts {
  if (!now) return {};
  const secs = prev ? (at - prev.at) / 1000 : 0;
  const rate = (k: keyof DiskCounters): number | null =>
    prev && secs > 0 ? Math.max(0, (now[k] - prev.c[k]) / secs) : null;
  // monit's service time: the time the device spent per operation since the last cycle.
  const perOp = (ms: 'readMs' | 'writeMs', ops: 'readOps' | 'writeOps'): number | null => {
    if (!prev) return null;
    const n = now[ops] - prev.c[ops];
    return n > 0 ? Math.max(0, now[ms] - prev.c[ms]) / n : 0;
  };
  return {
    readBytes: now.readBytes,
    readOps: now.readOps,
    writeBytes: now.writeBytes,
    writeOps: now.writeOps,
    readBytesPerSecond: rate('readBytes'),
    readOpsPerSecond: rate('readOps'),
    writeBytesPerSecond: rate('writeBytes'),
    writeOpsPerSecond: rate('writeOps'),
    readServiceTimeMs: perOp('readMs', 'readOps'),
    writeServiceTimeMs: perOp('writeMs', 'writeOps'),
  };
}

/** File systems whose statfs and stat of a mount point never wait for a device or a server. */
const LOCAL_FS_TYPES = new Set([
  'ext2',
  'ext3',
  'ext4',
  'xfs',
  'btrfs',
  'f2fs',
  'jfs',
  'reiserfs',
  'vfat',
  'exfat',
  'ntfs3',
  'zfs',
  'tmpfs',
  'ramfs',
  'devtmpfs',
  'overlay',
  'squashfs',
  'iso9660',
]);

/** statfs and stat of a mount point: in place on a local file system, on the thread pool otherwise. */
async function readMountPoint(m: Mount): Promise<[StatsFs, Stats]> {
  if (LOCAL_FS_TYPES.has(m.fsType)) return [statfsSync(m.mountPoint), statSync(m.mountPoint)];
  return Promise.all([statfs(m.mountPoint), stat(m.mountPoint)]);
}

/** Space and inodes from statfs of the mount point, in monit's terms: `usage` counts blocks not free
 *  (root's reserve included), `available` what a non-root user may still write. */
function spaceFacts(s: StatsFs): Facts {
  const total = s.blocks * s.bsize;
  const free = s.bfree * s.bsize;
  const avail = s.bavail * s.bsize;
  const used = total - free;
  const inodesUsed = s.files - s.ffree;
  return {
    blockSize: s.bsize,
    spaceTotalBytes: total,
    spaceUsedBytes: used,
    spaceUsedPercent: pct(used, total),
    spaceFreeBytes: free,
    spaceFreePercent: pct(free, total),
    spaceAvailableBytes: avail,
    spaceAvailablePercent: pct(avail, total),
    inodesTotal: s.files,
    inodesUsed,
    inodesUsedPercent: pct(inodesUsed, s.files),
    inodesFree: s.ffree,
    inodesFreePercent: pct(s.ffree, s.files),
  };
}

class FilesystemObserver implements Observer {
  #prev: { at: number; device: string; c: DiskCounters } | undefined;
  /** The mount table last read and its parse: re-parsed only when the kernel's text changes. */
  #mounts: { text: string; mounts: Mount[] } | undefined;

  constructor(private readonly path: string) {}

  async observe(now: number): Promise<Observed> {
    let mounts: Mount[];
    try {
      const text = readKernelFile('/proc/self/mountinfo');
      if (this.#mounts?.text !== text) this.#mounts = { text, mounts: parseMountinfo(text) };
      mounts = this.#mounts.mounts;
    } catch (e) {
      rethrowOwnFault(e);
      return { ok: false, message: 'no /proc/self/mountinfo: not Linux?' };
    }
    // A device, or a mount point as mountinfo writes it, needs no resolving: a trip to the thread pool less.
    const resolved =
      this.path.startsWith('/dev/') || mounts.some((x) => x.mountPoint === this.path)
        ? this.path
        : await realpath(this.path).catch((e: unknown) => {
            rethrowOwnFault(e);
            return undefined;
          });
    const m = resolved === undefined ? undefined : mountOf(mounts, resolved);
    if (!m) return { ok: false, message: `filesystem ${this.path} is not mounted or does not exist` };
    try {
      const [[fs, st], counters] = await Promise.all([readMountPoint(m), readDiskCounters(m.device)]);
      const prev = this.#prev?.device === m.device ? this.#prev : undefined;
      if (counters) this.#prev = { at: now, device: m.device, c: counters };
      const facts: Facts = {
        mountPoint: m.mountPoint,
        device: m.source,
        fsType: m.fsType,
        flags: m.options,
        mode: st.mode,
        uid: st.uid,
        gid: st.gid,
        ...spaceFacts(fs),
        ...ioFacts(counters, prev, now),
      };
      return { ok: true, facts };
    } catch (e) {
      rethrowOwnFault(e);
      return { ok: false, message: `cannot read filesystem ${this.path}: ${(e as Error).message}` };
    }
  }
}

export const create: ObserverModule['create'] = (service: Service) => new FilesystemObserver(service.path ?? '/');

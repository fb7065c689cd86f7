// The soak's eyes, every 50 ms from /proc: how many brokers run the config (never two), whether every
// process the soak started and did not end is still alive and not stopped (brokerwatch signals no
// one but the broker), and, once a second, brokerwatch's RSS and open descriptors.
import { readdirSync, readFileSync } from 'node:fs';
import { procPidsChildrenFirst, procUsage, wallMs } from '../lib.js';
import type { Owned } from './world.js';

/** One reading of brokerwatch's footprint. */
export interface Footprint {
  readonly at: number;
  readonly pid: number;
  readonly rssMb: number;
  readonly fds: number;
}

/** Violations the sampler saw, and what it measured. */
export interface WatchResult {
  readonly samples: number;
  /** The most brokers seen at once (launcher and its daemonized child count as one). */
  readonly maxBrokers: number;
  readonly twoBrokers: string[];
  readonly signalled: string[];
  readonly footprints: Footprint[];
  /** The longest gap between two samples (ms): how continuous "continuously" was. */
  readonly maxGapMs: number;
}

function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** Samples until `stop()`; `daemonPid()` names the brokerwatch running now (0: none). */
export class Watch {
  readonly #twoBrokers: string[] = [];
  readonly #signalled: string[] = [];
  readonly #footprints: Footprint[] = [];
  /** /proc entries known not to be a broker of ours (their argv does not name our folder). */
  readonly #strangers = new Set<string>();
  readonly #timer: NodeJS.Timeout;
  #samples = 0;
  #maxBrokers = 0;
  #last = wallMs();
  #maxGap = 0;

  constructor(
    private readonly conf: string,
    private readonly folder: string,
    private readonly owned: Owned,
    private readonly daemonPid: () => number,
  ) {
    this.#timer = setInterval(() => this.sample(), 50);
  }

  sample(): void {
    const now = wallMs();
    this.#maxGap = Math.max(this.#maxGap, now - this.#last);
    this.#last = now;
    this.#samples++;
    this.#brokers(now);
    for (const [pid, what] of this.owned.live()) {
      const state = stateOf(pid);
      // A reading racing our own end() of it is no violation: ended PIDs are left out.
      if (this.owned.ended.has(pid)) continue;
      if (state === undefined || state === 'Z' || state === 'X')
        this.#note(this.#signalled, `${what} ${pid} died at ${iso(now)}`);
      else if (state === 'T' || state === 't') this.#note(this.#signalled, `${what} ${pid} stopped at ${iso(now)}`);
    }
    const pid = this.daemonPid();
    if (pid > 0 && this.#samples % 20 === 0) {
      const u = procUsage(pid);
      if (u) this.#footprints.push({ at: now, pid, rssMb: u.rss / 1048576, fds: fdCount(pid) });
    }
  }

  #brokers(now: number): void {
    const procs: Array<{ pid: number; ppid: number }> = [];
    const seen = new Set<string>();
    for (const entry of procPidsChildrenFirst()) {
      seen.add(entry);
      if (this.#strangers.has(entry)) continue;
      try {
        const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        // Our start script and mosquitto name our folder; nothing else does, and nothing else execs into them.
        if (argv !== '' && !argv.includes(this.folder)) {
          this.#strangers.add(entry);
          continue;
        }
        const words = argv.split('\0');
        if (!words.includes(this.conf) || !words[0]?.endsWith('mosquitto')) continue;
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (state !== 'Z' && state !== 'X') procs.push({ pid: Number(entry), ppid: Number(ppid) });
      } catch {
        // exited while we looked
      }
    }
    for (const s of this.#strangers) if (!seen.has(s)) this.#strangers.delete(s);
    // `mosquitto -d` forks: for a moment the launcher and its child both run the config (one start).
    const roots = procs.filter((p) => !procs.some((q) => q.pid === p.ppid));
    this.#maxBrokers = Math.max(this.#maxBrokers, roots.length);
    if (roots.length > 1) this.#note(this.#twoBrokers, `${roots.map((r) => r.pid).join(' and ')} at ${iso(now)}`);
  }

  #note(list: string[], what: string): void {
    // The same process is reported once, however many samples see it.
    const head = what.split(' at ')[0] ?? what;
    if (!list.some((x) => x.startsWith(head))) list.push(what);
  }

  stop(): WatchResult {
    clearInterval(this.#timer);
    return {
      samples: this.#samples,
      maxBrokers: this.#maxBrokers,
      twoBrokers: this.#twoBrokers,
      signalled: this.#signalled,
      footprints: this.#footprints,
      maxGapMs: this.#maxGap,
    };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

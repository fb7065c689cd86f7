// The durable queue: one JSON file per alert per recipient, DIR/LANE/ORDER-ID.json, written
// atomically (temporary file, fsync, rename, fsync of the folder) before any attempt to send, and
// removed only once the far end accepted it. A SIGKILL at any point leaves each alert either queued
// or delivered (or, if killed between acceptance and removal, queued again: sent twice, with the same
// Message-ID). Over the quota (slots), the oldest alerts of the longest lane are folded into one.
import { EventEmitter } from 'node:events';
import { mkdir, open, readFile, readdir, rm } from '../util/fs-async.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { foldAlerts } from './fold.js';
import { parseAlert } from './stored-alert.js';
import type { Alert } from './types.js';

/** monit queues without limit unless told; we cap at this many files unless `slots N` says otherwise. */
export const DEFAULT_SLOTS = 1_000;

interface Entry {
  readonly alert: Alert;
  /** Undefined when the alert could not be written (disk full): kept in memory and still sent. */
  readonly path: string | undefined;
}

const LANE_RE = /^[0-9a-f]{16}$/;
const FILE_RE = /^(\d{16})-([0-9a-z-]+)\.json$/;

/** The queue on disk and its in-memory mirror, lane by lane in delivery order. */
export class AlertQueue extends EventEmitter<{ removed: []; added: [lane: string] }> {
  readonly #lanes = new Map<string, Entry[]>();
  readonly #sending = new Map<string, string>();
  #lastOrder = 0;
  #size = 0;
  #lock: Promise<unknown> = Promise.resolve();
  #warnedQuota = false;

  constructor(
    readonly dir: string,
    public slots: number,
    private readonly log: Logger,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {
    super();
    // Every flush() waiting on a stuck queue listens for 'removed'.
    this.setMaxListeners(0);
  }

  /** Reads every queued alert; removes temporary files of an interrupted write and alerts a summary
   *  already replaced. Returns the alerts loaded, oldest first within each lane. */
  async load(): Promise<Alert[]> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const found: Entry[] = [];
    for (const lane of await readdir(this.dir)) {
      if (!LANE_RE.test(lane)) continue;
      const laneDir = join(this.dir, lane);
      for (const name of await readdir(laneDir).catch(() => [])) {
        const path = join(laneDir, name);
        if (name.endsWith('.tmp')) {
          await rm(path, { force: true });
          continue;
        }
        if (!FILE_RE.test(name)) continue;
        const alert = parseAlert(await readFile(path, 'utf8').catch(() => ''), lane);
        if (!alert) {
          this.log.error({ file: path }, 'alert queue: unreadable file left in place');
          continue;
        }
        found.push({ alert, path });
      }
    }
    const replaced = new Set(found.flatMap((e) => e.alert.folds ?? []));
    for (const e of found) {
      if (replaced.has(e.alert.id)) {
        if (e.path) await rm(e.path, { force: true });
        continue;
      }
      this.#insert(e);
    }
    return [...this.#lanes.values()].flat().map((e) => e.alert);
  }

  /** A new order number, larger than any queued and than any given before (time-based, so
   *  ordering survives an empty queue and a restart). */
  nextOrder(): number {
    this.#lastOrder = Math.max(this.#lastOrder + 1, this.clock.now() * 1000);
    return this.#lastOrder;
  }

  get size(): number {
    return this.#size;
  }

  lanes(): string[] {
    return [...this.#lanes.keys()];
  }

  /** Alerts queued for a lane, oldest first. */
  pending(lane: string): Alert[] {
    return (this.#lanes.get(lane) ?? []).map((e) => e.alert);
  }

  head(lane: string): Alert | undefined {
    return this.#lanes.get(lane)?.[0]?.alert;
  }

  /** Marks the head of a lane as being sent (it is then never folded), or clears the mark. */
  setSending(lane: string, id: string | undefined): void {
    if (id === undefined) this.#sending.delete(lane);
    else this.#sending.set(lane, id);
  }

  /** Writes the alert to disk (durably), then queues it; folds the oldest if over the slots. */
  add(alert: Alert): Promise<void> {
    return this.#locked(async () => {
      const path = await this.#write(alert);
      this.#insert({ alert, path });
      this.emit('added', alert.lane);
      await this.#enforceQuota();
    });
  }

  /** Removes a delivered (or dropped) alert from disk and from the queue. */
  remove(alert: Alert): Promise<void> {
    return this.#locked(async () => {
      const list = this.#lanes.get(alert.lane);
      const i = list?.findIndex((e) => e.alert.id === alert.id) ?? -1;
      if (!list || i < 0) return;
      const [entry] = list.splice(i, 1);
      this.#size--;
      if (list.length === 0) this.#lanes.delete(alert.lane);
      if (entry?.path) await this.#unlink(entry.path);
      this.emit('removed');
    });
  }

  /** Deletes the file of an alert that is done with. A file that cannot go (a read-only or failing disk)
   *  is reported, not thrown: thrown, it ended the delivery loop with an unhandled rejection, which
   *  ended brokerwatch. Left on disk, the alert is sent again at the next start, with its Message-ID. */
  async #unlink(path: string): Promise<void> {
    try {
      await rm(path, { force: true });
    } catch (err) {
      this.log.error(
        { err, file: path },
        'alert queue: cannot delete the file of an alert done with; it will be sent again at the next start',
      );
    }
  }

  #insert(e: Entry): void {
    const list = this.#lanes.get(e.alert.lane) ?? [];
    list.push(e);
    // Loaded files come in folder order; new ones always go last. Sort by order, then id.
    list.sort((a, b) => a.alert.order - b.alert.order || (a.alert.id < b.alert.id ? -1 : 1));
    this.#lanes.set(e.alert.lane, list);
    this.#size++;
    this.#lastOrder = Math.max(this.#lastOrder, e.alert.order);
  }

  async #write(alert: Alert): Promise<string | undefined> {
    const laneDir = join(this.dir, alert.lane);
    const path = join(laneDir, `${String(alert.order).padStart(16, '0')}-${alert.id}.json`);
    try {
      await writeFileAtomic(path, `${JSON.stringify(alert)}\n`);
      // The rename is durable only once the folder itself is synced.
      const d = await open(laneDir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
      return path;
    } catch (err) {
      this.log.error(
        { err, recipient: alert.label },
        'alert queue: cannot write the alert to disk; it is kept in memory only',
      );
      return undefined;
    }
  }

  /** Over the slots: fold the oldest alerts of the longest lane (never the one being sent) into one. */
  async #enforceQuota(): Promise<void> {
    const over = this.#size - this.slots;
    if (over <= 0) return;
    let longest: Entry[] = [];
    for (const list of this.#lanes.values()) if (list.length > longest.length) longest = list;
    // The alert being sent (always its lane's head) is not folded: it may be delivered already.
    const foldable = longest.filter((e) => this.#sending.get(e.alert.lane) !== e.alert.id);
    const victims = foldable.slice(0, over + 1);
    if (victims.length < 2) {
      if (!this.#warnedQuota)
        this.log.warn(
          { queued: this.#size, slots: this.slots },
          'alert queue over its slots with nothing left to fold',
        );
      this.#warnedQuota = true;
      return;
    }
    this.#warnedQuota = false;
    const summary = foldAlerts(
      victims.map((e) => e.alert),
      'folded',
      this.clock.now(),
    );
    const path = await this.#write(summary);
    const ids = new Set(summary.folds);
    const lane = summary.lane;
    const kept = longest.filter((e) => !ids.has(e.alert.id));
    this.#lanes.set(lane, kept);
    this.#size -= victims.length;
    this.#insert({ alert: summary, path });
    for (const v of victims) if (v.path) await this.#unlink(v.path);
    this.emit('removed');
    this.log.warn(
      { recipient: summary.label, folded: victims.length, slots: this.slots },
      `alert queue over its slots: ${victims.length} oldest alerts folded into one`,
    );
  }

  /** Runs mutations one at a time: a write, a fold and a removal never interleave. */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }
}

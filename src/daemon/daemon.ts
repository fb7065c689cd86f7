// The daemon: one runner per service, one liveness watcher for all, the event stream, the state
// file, and `depends on` ordering. A reload swaps the rules only when the new file is valid.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadChecks } from '../checks/registry.js';
import type { Config, Service } from '../config/model.js';
import type { FleetPublisher } from '../fleet/publisher.js';
import { LivenessWatcher } from '../process/liveness.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { EventBus } from './event-bus.js';
import type { Logger } from '../util/logger.js';
import type { CycleRecord } from './service-runner.js';
import { ServiceRunner } from './service-runner.js';
import { spreadOffsets } from './schedule.js';
import { loadHostId } from './host-id.js';
import { StateStore, readStateFile } from './state-store.js';

export interface DaemonOptions {
  readonly logger: Logger;
  /** Folder that relative paths resolve against and programs run in (default: the current one). */
  readonly cwd?: string;
  /** Liveness poll period (default 25 ms). */
  readonly livenessMs?: number;
  /** Time of every cycle, timer and wait of the daemon (default: the system clock; tests: a fake one). */
  readonly clock?: Clock;
}

/** Where state lives when the rules file does not say: /var/lib/brokerwatch for root, else ~/.brokerwatch. */
export function defaultStateDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/brokerwatch' : join(homedir(), '.brokerwatch');
}

export class Daemon {
  readonly events: EventBus;
  readonly liveness: LivenessWatcher;
  readonly livenessSlow: LivenessWatcher;
  readonly clock: Clock;
  readonly startedAt: number;
  /** The host's stable id (`set idfile`), once start() has read it; undefined: none is kept. */
  hostId: string | undefined;
  #runners = new Map<string, ServiceRunner>();
  readonly #cycleListeners = new Set<(c: CycleRecord) => void>();
  #config: Config;
  #store!: StateStore;
  #started = false;
  #fleet: FleetPublisher | undefined;
  /** `set mmonit`: the status pushes (loaded only when the rules ask for them). */
  #mmonit: { stop(): Promise<void> } | undefined;
  readonly #log: Logger;
  readonly #cwd: string;

  constructor(config: Config, opts: DaemonOptions) {
    this.#config = config;
    this.clock = opts.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.#log = opts.logger;
    this.#cwd = opts.cwd ?? process.cwd();
    this.events = new EventBus(1000, 1, (err) => this.#log.error({ err }, 'event subscriber failed (bug)'));
    const clock = this.clock;
    this.liveness = new LivenessWatcher({
      intervalMs: opts.livenessMs ?? (Number(process.env.BROKERWATCH_LIVENESS_MS) || 25),
      clock,
    });
    // The backstop for brokers whose death a probe connection reports at once (see process-watch.ts).
    this.livenessSlow = new LivenessWatcher({
      intervalMs: Number(process.env.BROKERWATCH_LIVENESS_SLOW_MS) || 1000,
      clock,
    });
    for (const w of [this.liveness, this.livenessSlow])
      w.on('change', (ev) => this.#runners.get(ev.key)?.onLiveness(ev));
  }

  get config(): Config {
    return this.#config;
  }

  get statePath(): string {
    return resolve(this.#cwd, this.#config.statefile ?? join(defaultStateDir(), 'state.json'));
  }

  get stateDir(): string {
    return dirname(this.statePath);
  }

  runners(): ServiceRunner[] {
    return [...this.#runners.values()];
  }

  runner(name: string): ServiceRunner | undefined {
    return this.#runners.get(name);
  }

  /** True once start() has made the runners (the status server may listen before). */
  get started(): boolean {
    return this.#started;
  }

  /** Calls `listener` after every completed cycle of every service; returns the unsubscribe. */
  onCycle(listener: (c: CycleRecord) => void): () => void {
    this.#cycleListeners.add(listener);
    return () => this.#cycleListeners.delete(listener);
  }

  #cycleDone(c: CycleRecord): void {
    for (const l of this.#cycleListeners) {
      try {
        l(c);
      } catch (err) {
        this.#log.error({ err, service: c.service.name }, 'cycle listener failed (bug)');
      }
    }
  }

  /** Loads the state file, adopts running processes, and starts every service's loop. */
  async start(): Promise<void> {
    await Promise.all([loadChecks(this.#config), this.#loadHostId()]);
    const { state, problem } = await readStateFile(this.statePath);
    if (problem) this.#log.warn({ statefile: this.statePath }, problem);
    const onError = (err: unknown): void =>
      this.#log.error({ err, statefile: this.statePath }, 'cannot write state file');
    this.#store = new StateStore(this.statePath, onError, 100, state, undefined, this.clock);
    // Event ids continue where the last run stopped, so consumers can ask for "since N"; the latest
    // events come back too, so the page and the API still show what happened before the restart.
    this.events.restore(state?.events);
    this.events.resume(this.#store.initialNextEventId);
    this.#store.attachEvents(this.events);
    for (const s of this.#config.services) this.#addRunner(s);
    this.#started = true;
    const delay = this.#config.daemon.startDelayMs;
    this.#startRunners(delay);
    await this.#syncFleet();
    this.#log.info(
      { services: this.#config.services.length, cycleMs: this.#config.daemon.cycleMs, statefile: this.statePath },
      'brokerwatch started',
    );
    await this.#startMMonit();
  }

  /** (Re)starts the M/Monit pushes of the rules in force, if they ask for them. */
  async #startMMonit(): Promise<void> {
    await this.#mmonit?.stop();
    this.#mmonit = undefined;
    if (!this.#config.mmonit) return;
    const { startMMonit } = await import('../mmonit/pusher.js');
    this.#mmonit = startMMonit(this, this.#log);
  }

  async #loadHostId(): Promise<void> {
    const r = await loadHostId(this.#config.idfile, this.#cwd);
    this.hostId = r.id;
    if (r.problem) this.#log.warn({ idfile: r.path }, r.problem);
    else if (r.created) this.#log.info({ idfile: r.path, id: r.id }, 'new host id stored');
  }

  #addRunner(s: Service): ServiceRunner {
    const prev = this.#store.get(s.name);
    const r = new ServiceRunner(
      s,
      {
        config: this.#config,
        logger: this.#log,
        events: this.events,
        liveness: this.liveness,
        livenessSlow: this.livenessSlow,
        store: this.#store,
        cwd: this.#cwd,
        beforeStart: (svc) => this.#startDependencies(svc),
        beforeStop: (svc) => this.#stopDependants(svc),
        afterStart: (_svc, restarted) => this.#startAll(restarted),
        onCycle: (c) => this.#cycleDone(c),
        clock: this.clock,
      },
      prev,
    );
    this.#runners.set(s.name, r);
    return r;
  }

  /** Starts every runner's loop, their first cycles spread over one cycle (see `spreadOffsets`). */
  #startRunners(delayMs: number): void {
    const runners = [...this.#runners.values()];
    const offsets = spreadOffsets(runners.length, this.#config.daemon.cycleMs);
    const base = this.clock.now() + delayMs;
    runners.forEach((r, i) => r.start(base + (offsets[i] ?? 0)));
  }

  /** `set fleet`: its publisher (and mqtt.js) is loaded only when the rules have the statement. */
  async #syncFleet(): Promise<void> {
    if (!this.#config.fleet && !this.#fleet) return;
    const { syncFleet } = await import('../fleet/publisher.js');
    this.#fleet = await syncFleet(this.#fleet, this, this.#config, this.#log);
  }

  /** Runs every service's cycle now (monit's "wake up"); a service whose cycle is running skips it. */
  checkNow(): void {
    for (const r of this.#runners.values()) r.checkNow();
  }

  /** `depends on`: what a service needs is started first. */
  async #startDependencies(s: Service): Promise<void> {
    for (const dep of s.dependsOn) {
      const r = this.#runners.get(dep);
      if (!r || r.service.type !== 'process' || r.isRunning()) continue;
      this.#log.info({ service: dep, for: s.name }, `starting ${dep}, which ${s.name} depends on`);
      r.control('start', `dependency of ${s.name}`);
      await r.whenIdle();
    }
  }

  /** `depends on`: services that depend on this one are stopped first; returns their names. */
  async #stopDependants(s: Service): Promise<string[]> {
    const stopped: string[] = [];
    for (const r of this.#runners.values()) {
      if (!r.service.dependsOn.includes(s.name) || r.service.type !== 'process' || !r.isRunning()) continue;
      this.#log.info(
        { service: r.service.name, for: s.name },
        `stopping ${r.service.name}, which depends on ${s.name}`,
      );
      r.control('stop', `dependant of ${s.name}`);
      await r.whenIdle();
      stopped.push(r.service.name);
    }
    return stopped;
  }

  async #startAll(names: string[]): Promise<void> {
    for (const n of names) {
      const r = this.#runners.get(n);
      if (!r) continue;
      r.control('start', 'restart of a dependency');
      await r.whenIdle();
    }
  }

  /** Replaces the rules; unchanged and changed services keep their state, removed ones stop. */
  async reload(config: Config): Promise<void> {
    await loadChecks(config);
    const old = this.#runners;
    // No new cycles; let every start/stop in progress finish (each has a deadline) so the new
    // runners never start a broker the old ones are still starting.
    for (const r of old.values()) r.pause();
    await Promise.all([...old.values()].map((r) => r.whenIdle()));
    this.#runners = new Map();
    this.#config = config;
    for (const r of old.values()) r.close();
    await this.#store.flush();
    for (const s of config.services) {
      const prevRunner = old.get(s.name);
      if (prevRunner) this.#store.set(s.name, prevRunner.record());
      this.#addRunner(s);
    }
    this.#store.retain(new Set(config.services.map((s) => s.name)));
    this.#startRunners(0);
    await this.#syncFleet();
    await this.#startMMonit();
    this.#log.info({ services: config.services.length }, 'rules reloaded');
  }

  /** Stops all loops (the brokers keep running) and writes the state file. */
  async stop(): Promise<void> {
    await this.#fleet?.stop();
    this.#fleet = undefined;
    await this.#mmonit?.stop();
    this.#mmonit = undefined;
    for (const r of this.#runners.values()) r.close();
    this.liveness.close();
    this.livenessSlow.close();
    await this.#store.flush();
  }
}

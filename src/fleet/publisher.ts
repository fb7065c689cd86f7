// `set fleet`: the daemon's status on an MQTT broker, for `brokerwatch fleet` (topics.ts). Loaded by
// the daemon only when the rules have the statement (it brings mqtt.js). Each service is published,
// retained, as the JSON API shows it, when its state changes, at most once per cycle (a change within
// a cycle of the last publication goes out when that cycle is over, so the latest state always does);
// events go out as they happen. On every (re)connect the whole state is published again: a restarted
// fleet broker without persistence loses nothing.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/model.js';
import type { Daemon } from '../daemon/daemon.js';
import type { ServiceDto } from '../http/dto.js';
import { eventDto, serviceDto } from '../http/dto.js';
import { collectSecrets, Scrubber } from '../http/secrets.js';
import type { ServiceEvent } from '../state/events.js';
import type { Logger } from '../util/logger.js';
import type { Timer } from '../util/clock.js';
import { FleetConnection } from './connection.js';
import type { Message } from './connection.js';
import type { FleetSettings } from './syntax.js';
import { eventsTopic, parseFleetTopic, serviceTopic, statusTopic, topicLevel } from './topics.js';

/** Events kept while the fleet broker is unreachable, sent when it is back (the oldest are dropped). */
const MAX_PENDING_EVENTS = 100;
/** After a connect, how long retained statuses of services this daemon no longer has are looked for. */
const STALE_SWEEP_MS = 3_000;

/** What a change is: the state of the service and of its rules, not the readings (timings, cpu, uptime). */
function changeKey(d: ServiceDto): string {
  return JSON.stringify([
    d.status,
    d.failure,
    d.monitor,
    d.mode,
    d.pid,
    d.restarts,
    d.action,
    d.pending,
    d.backoff,
    d.checks.map((c) => [c.rule, c.status, c.phase, c.class]),
  ]);
}

/** The name this daemon publishes under: `set fleet … name N`, else the host name. */
export function fleetName(settings: FleetSettings): string {
  return settings.name ?? hostname().replace(/[/+#\0]/g, '_');
}

export class FleetPublisher {
  readonly name: string;
  readonly #conn: FleetConnection;
  readonly #log: Logger;
  #scrubber: Scrubber;
  /** Per service: the change key and time of its last publication. */
  readonly #published = new Map<string, { key: string; at: number }>();
  readonly #deferred = new Map<string, Timer>();
  /** Services whose retained status is to be cleared at the next connect (removed by a reload). */
  readonly #removed = new Set<string>();
  #pendingEvents: Message[] = [];
  readonly #unsubscribe: Array<() => void> = [];
  /** The services of the rules in force, to tell which ones a reload removed. */
  #names: Set<string>;
  #sweep: Timer | undefined;

  constructor(
    private readonly daemon: Daemon,
    readonly settings: FleetSettings,
    log: Logger,
  ) {
    this.name = fleetName(settings);
    this.#log = log.child({ fleetTopics: `${settings.prefix}/${this.name}/#` });
    this.#scrubber = new Scrubber(collectSecrets(daemon.config));
    this.#names = new Set(daemon.config.services.map((s) => s.name));
    const will = { topic: statusTopic(settings.prefix, this.name), payload: 'offline', retain: true };
    const clientId = `brokerwatch-fleet-${process.pid}-${randomBytes(4).toString('hex')}`;
    const on = { up: () => this.#up(), message: (t: string, p: Buffer, r: boolean) => this.#stale(t, p, r) };
    this.#conn = new FleetConnection(settings, will, clientId, on, this.#log, daemon.clock);
  }

  /** Subscribes to the daemon's cycles and events and starts connecting; never waits for the broker. */
  start(): void {
    this.#unsubscribe.push(
      this.daemon.onCycle((c) => this.#consider(c.service.name)),
      this.daemon.events.subscribe((e) => this.#event(e)),
    );
    this.#conn.open();
  }

  /** The rules were reloaded with the same `set fleet`: new secrets, services added or removed. */
  rulesChanged(config: Config): void {
    this.#scrubber = new Scrubber(collectSecrets(config));
    const names = new Set(config.services.map((s) => s.name));
    for (const name of this.#names) {
      if (names.has(name)) continue;
      this.#published.delete(name);
      this.#deferred.get(name)?.cancel();
      this.#deferred.delete(name);
      this.#removed.add(name);
    }
    this.#names = names;
    if (this.#conn.connected) this.#publishAll();
  }

  /** Publishes `offline` (a clean shutdown is no crash, but the daemon is gone all the same) and disconnects. */
  async stop(): Promise<void> {
    for (const u of this.#unsubscribe.splice(0)) u();
    for (const t of this.#deferred.values()) t.cancel();
    this.#deferred.clear();
    this.#sweep?.cancel();
    await this.#conn.close({ topic: statusTopic(this.settings.prefix, this.name), payload: 'offline', retain: true });
  }

  #up(): void {
    this.#conn.publish({ topic: statusTopic(this.settings.prefix, this.name), payload: 'online', retain: true });
    this.#publishAll();
    for (const m of this.#pendingEvents.splice(0)) this.#conn.publish(m);
    // Statuses left by an earlier run of services the rules no longer have (removed while the daemon
    // was down) would show in the fleet for ever: the broker hands them over on a subscription.
    const mine = `${this.settings.prefix}/${topicLevel(this.name)}/service/+`;
    this.#conn.subscribe(mine);
    this.#sweep?.cancel();
    this.#sweep = this.daemon.clock.setTimeout(() => this.#conn.unsubscribe(mine), STALE_SWEEP_MS);
  }

  /** Clears the retained status of a service this daemon does not have. */
  #stale(topic: string, payload: Buffer, retained: boolean): void {
    const t = parseFleetTopic(this.settings.prefix, topic);
    if (!retained || payload.length === 0 || t?.kind !== 'service' || t.daemon !== this.name) return;
    if (this.daemon.runner(t.service)) return;
    this.#log.info({ service: t.service }, 'fleet: clearing the status of a service no longer in the rules');
    this.#conn.publish({ topic, payload: '', retain: true });
  }

  /** Everything again: after a connect (the broker may have lost its retained messages) or a reload. */
  #publishAll(): void {
    for (const name of this.#removed) {
      if (this.daemon.runner(name)) this.#removed.delete(name);
      else if (
        this.#conn.publish({ topic: serviceTopic(this.settings.prefix, this.name, name), payload: '', retain: true })
      )
        this.#removed.delete(name);
    }
    for (const r of this.daemon.runners()) this.#consider(r.service.name, true);
  }

  #event(e: ServiceEvent): void {
    const m = {
      topic: eventsTopic(this.settings.prefix, this.name),
      payload: JSON.stringify(eventDto(e, this.#scrubber)),
      retain: false,
    };
    if (!this.#conn.publish(m)) {
      this.#pendingEvents.push(m);
      if (this.#pendingEvents.length > MAX_PENDING_EVENTS) this.#pendingEvents.shift();
    }
    // The runner records the state that goes with the event right after publishing it.
    queueMicrotask(() => this.#consider(e.service));
  }

  /** Publishes the service if its state changed, or (FORCE) anyway; a second change within a cycle waits. */
  #consider(name: string, force = false): void {
    const runner = this.daemon.runner(name);
    if (!runner || !this.#conn.connected) return;
    const dto = serviceDto(runner.status(), { scrubber: this.#scrubber });
    const key = changeKey(dto);
    const last = this.#published.get(name);
    if (!force && last?.key === key) return;
    const now = this.daemon.clock.now();
    const cycleMs = this.daemon.config.daemon.cycleMs;
    if (!force && last !== undefined && now - last.at < cycleMs) {
      if (!this.#deferred.has(name))
        this.#deferred.set(
          name,
          this.daemon.clock.setTimeout(
            () => {
              this.#deferred.delete(name);
              this.#consider(name);
            },
            last.at + cycleMs - now,
          ),
        );
      return;
    }
    this.#deferred.get(name)?.cancel();
    this.#deferred.delete(name);
    const topic = serviceTopic(this.settings.prefix, this.name, name);
    if (this.#conn.publish({ topic, payload: JSON.stringify(dto), retain: true }))
      this.#published.set(name, { key, at: now });
  }
}

/** Brings the publisher in line with CONFIG: started, kept (told of the new rules), replaced or stopped. */
export async function syncFleet(
  current: FleetPublisher | undefined,
  daemon: Daemon,
  config: Config,
  log: Logger,
): Promise<FleetPublisher | undefined> {
  const want = config.fleet;
  if (current && want && JSON.stringify(current.settings) === JSON.stringify(want)) {
    current.rulesChanged(config);
    return current;
  }
  await current?.stop();
  if (!want) return undefined;
  const p = new FleetPublisher(daemon, want, log);
  p.start();
  return p;
}

// What every route needs: the daemon, the access policy and the scrubber of the rules now in force
// (both follow a reload: new users and passwords count at once), the observer's counters, and the
// DTO builders.
import type { Config } from '../config/model.js';
import type { Daemon } from '../daemon/daemon.js';
import type { Logger } from '../util/logger.js';
import { AccessPolicy } from './access.js';
import type { DtoContext, ServiceDto, StatusDto } from './dto.js';
import { daemonDto, initialServiceDto } from './dto.js';
import type { DaemonObserver } from './observer.js';
import type { ResourceSampler } from './resource-sampler.js';
import type { ConnectionLimits } from './connection-guard.js';
import { Scrubber, collectSecrets } from './secrets.js';
import { StatusMemo } from './status-memo.js';

/** What startHttpServer is given. */
export interface HttpServerOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Reloads the rules file; `errors` are `FILE:LINE:COL: message` lines (only their positions are sent). */
  readonly reload: () => Promise<{ ok: boolean; errors?: string[] }>;
  /** Stops brokerwatch (the brokers keep running); called after the answer is sent. */
  readonly quit: () => void;
  readonly rulesFile: string;
  /** Listen here instead of `set httpd port/address` (tests use port 0). */
  readonly port?: number;
  readonly address?: string;
  /** Rate limits (tests lower or raise them). */
  readonly limits?: {
    readonly failedLogins?: number;
    readonly loginWindowMs?: number;
    readonly actionsPerMinute?: number;
    /** Connections and their deadlines (connection-guard.ts). */
    readonly connections?: Partial<ConnectionLimits>;
  };
}

interface Security {
  readonly policy: AccessPolicy;
  readonly scrubber: Scrubber;
}

/** Shared state of one HTTP server. */
export class HttpContext {
  readonly log: Logger;
  #actionId = 0;
  /** The reload in progress (reloads run one at a time). */
  reloading: Promise<unknown> = Promise.resolve();
  #config: Config | undefined;
  #security: Promise<Security> | undefined;
  #scrubber: Scrubber;
  /** /proc readings of the processes: cpu and memory for services no rule measures. */
  resources: ResourceSampler | undefined;
  /** Logged once per rules: problems of the allow list. */
  #warned = new WeakSet<Config>();
  readonly #memo = new StatusMemo();

  constructor(
    readonly daemon: Daemon,
    readonly opts: HttpServerOptions,
    readonly observer: DaemonObserver,
  ) {
    this.log = opts.logger.child({ component: 'http' });
    this.#scrubber = new Scrubber(collectSecrets(opts.config));
  }

  /** The access policy and scrubber of the rules in force (rebuilt after a reload). */
  security(): Promise<Security> {
    const config = this.daemon.config;
    if (config !== this.#config || !this.#security) {
      this.#config = config;
      // Secrets of the rules the server started with stay masked too: old messages may quote them.
      this.#scrubber = new Scrubber(
        [...new Set([...collectSecrets(config), ...collectSecrets(this.opts.config)])].sort(
          (a, b) => b.length - a.length,
        ),
      );
      const scrubber = this.#scrubber;
      this.#security = AccessPolicy.create(config.httpd ?? this.opts.config.httpd).then((policy) => {
        if (!this.#warned.has(config)) {
          this.#warned.add(config);
          for (const p of policy.problems) this.log.warn({ rulesFile: this.opts.rulesFile }, `set httpd: ${p}`);
          const [was, now] = [this.opts.config.httpd, config.httpd];
          if (was && listenersChanged(was, now)) {
            this.log.warn(
              { rulesFile: this.opts.rulesFile },
              'set httpd: a new port, address, unix socket or TLS setting takes effect when brokerwatch restarts; users and passwords already have',
            );
          }
        }
        return { policy, scrubber };
      });
    }
    return this.#security;
  }

  /** The scrubber of the rules in force (synchronous; refreshed by security()). */
  get scrubber(): Scrubber {
    if (this.daemon.config !== this.#config) void this.security();
    return this.#scrubber;
  }

  /** The next action id: monotonic for the life of this server. */
  nextActionId(): number {
    return ++this.#actionId;
  }

  /** The whole status. */
  status(): StatusDto {
    const daemon = daemonDto(this.daemon, this.opts.rulesFile, this.daemon.clock.now());
    if (!this.daemon.started)
      return { daemon, services: this.daemon.config.services.map((s) => initialServiceDto(s, this.daemon.startedAt)) };
    const ctx = this.#dtoContext();
    const runners = this.daemon.runners();
    this.#memo.keepOnly(runners);
    return { daemon, services: runners.map((r) => this.#memo.service(r.status(), ctx)) };
  }

  /** The whole status as JSON, by `serialize` (the route's serializer); the same text while nothing changed. */
  statusJson(serialize: (s: StatusDto) => string): string {
    return this.#memo.json(this.status(), serialize);
  }

  /** One service, or undefined if there is none by that name. */
  service(name: string): ServiceDto | undefined {
    if (!this.daemon.started) {
      const s = this.daemon.config.services.find((x) => x.name === name);
      return s && initialServiceDto(s, this.daemon.startedAt);
    }
    const r = this.daemon.runner(name);
    if (!r) return undefined;
    return this.#memo.service(r.status(), this.#dtoContext());
  }

  #dtoContext(): DtoContext {
    const res = this.resources;
    return {
      scrubber: this.scrubber,
      ...(res ? { usage: (name: string, pid: number) => res.process(name, pid) } : {}),
    };
  }
}

/** True if the reloaded `set httpd` listens elsewhere or otherwise than the one the server started with. */
function listenersChanged(was: NonNullable<Config['httpd']>, now: Config['httpd']): boolean {
  const listeners = (h: Config['httpd']): string =>
    JSON.stringify([h?.port, h?.address, h?.tls === undefined, h?.tcp, h?.tcpReadOnly, h?.unixSocket]);
  return listeners(was) !== listeners(now);
}

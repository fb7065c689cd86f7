// What `brokerwatch init` takes from a mosquitto.conf: the listeners as mosquitto 2 opens them, with
// each one's effective security, and the global settings a rules file needs (pidfile, persistence,
// log file). Built by mosquitto-conf.ts, which follows mosquitto 2.0's src/conf.c.

/** A line of a mosquitto configuration file. */
export interface ConfPos {
  readonly file: string;
  readonly line: number;
}

/** A problem found while reading: an error (mosquitto refuses the line) or a note worth printing. */
export interface ConfProblem {
  readonly severity: 'error' | 'warning';
  readonly pos: ConfPos;
  readonly message: string;
}

/** `FILE:LINE: message` (`FILE:LINE: warning: message`), as brokerwatch's other diagnostics. */
export function formatProblem(p: ConfProblem): string {
  return `${p.pos.file}:${p.pos.line}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}

/** Authentication settings: global, or per listener with `per_listener_settings true`. */
export interface Security {
  allowAnonymous?: boolean;
  passwordFile?: string;
  aclFile?: string;
  pskFile?: string;
  /** `plugin` / `auth_plugin` lines (e.g. the dynamic security plugin): it decides who may connect. */
  plugins: number;
}

/** One listener as written: `listener PORT [BIND]` and the lines after it, or the default listener. */
export interface ListenerDraft {
  /** 0 with a unix socket path. */
  port: number;
  bind?: string;
  unixSocket?: string;
  protocol: 'mqtt' | 'websockets';
  cafile?: string;
  capath?: string;
  certfile?: string;
  keyfile?: string;
  requireCertificate: boolean;
  pskHint?: string;
  mountPoint?: string;
  socketDomain?: 'ipv4' | 'ipv6';
  security: Security;
  /** Where `listener` stands; for the default listener, its first line. */
  pos?: ConfPos;
}

/** A listener mosquitto opens, with the security that applies to it. */
export interface Listener {
  readonly port: number;
  /** The bind address or host; none means every interface. */
  readonly bind?: string;
  readonly unixSocket?: string;
  readonly protocol: 'mqtt' | 'websockets';
  readonly cafile?: string;
  readonly capath?: string;
  readonly certfile?: string;
  readonly keyfile?: string;
  readonly requireCertificate: boolean;
  readonly pskHint?: string;
  readonly mountPoint?: string;
  readonly socketDomain?: 'ipv4' | 'ipv6';
  /** How it came to be: a `listener` line, the default listener (`port`, `bind_address`…), or local-only mode. */
  readonly origin: 'listener' | 'default' | 'local-only';
  readonly pos?: ConfPos;
  /** Clients without a user name may connect. */
  readonly anonymous: boolean;
  readonly passwordFile?: string;
  readonly aclFile?: string;
  readonly plugins: number;
}

/** The parts of a mosquitto configuration that `brokerwatch init` uses. */
export interface MosquittoConf {
  /** The main file, as given. */
  readonly file: string;
  /** Every file read, the main one first, then include_dir's in mosquitto's order. */
  readonly files: readonly string[];
  readonly perListenerSettings: boolean;
  readonly listeners: readonly Listener[];
  readonly pidFile?: string;
  readonly persistence: boolean;
  readonly persistenceLocation?: string;
  /** `log_dest file PATH`. */
  readonly logFile?: string;
  /** `user`: whom mosquitto runs as when started as root (mosquitto's default: mosquitto). */
  readonly user?: string;
}

/** A fresh listener with mosquitto's defaults. */
export function newListener(port: number, pos?: ConfPos): ListenerDraft {
  return { port, protocol: 'mqtt', requireCertificate: false, security: { plugins: 0 }, ...(pos ? { pos } : {}) };
}

// The typed, readonly model of a rules file. Everything downstream (scheduler, checks, state
// machine, HTTP, alerts) reads this and nothing else. All durations are milliseconds, all sizes
// bytes, so no consumer ever converts units.
import type { MMonit } from '../mmonit/syntax.js';
import type { Condition } from '../checks/registry.js';
import type { ServiceType } from './service-types.js';
import type { AlertTarget } from '../alerts/channels/registry.js';
import type { ContentPatterns } from '../checks/content/syntax.js';
import type { FleetSettings } from '../fleet/syntax.js';

/** Where a construct came from, for messages that name `file:line:col`. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** A program to run: argv split like monit (no shell), with optional identity and deadline. */
export interface Command {
  readonly argv: readonly string[];
  readonly uid?: string | number;
  readonly gid?: string | number;
  /** Deadline for the program (and, for start/stop, the wait for the pid). */
  readonly timeoutMs?: number;
}

export type Operator = '>' | '<' | '>=' | '<=' | '=' | '!=';

/** `[for] N cycles` or `N [times] within M cycles`; the default is 1 of 1. */
export interface Rate {
  readonly count: number;
  readonly cycles: number;
}

/** `reboot` (check system only) runs the reboot program: `set reboot program`, else /sbin/reboot. */
export type ActionKind = 'alert' | 'restart' | 'start' | 'stop' | 'unmonitor' | 'monitor' | 'exec' | 'reboot';

export type Action =
  | { readonly kind: Exclude<ActionKind, 'exec'> }
  | {
      readonly kind: 'exec';
      readonly command: Command;
      /** `repeat every N cycles`: run again while the failure lasts. */
      readonly repeatEvery?: number;
    };

/** monit's event names, used by alert filters and in every event brokerwatch emits. */
export const EVENT_TYPES = [
  'action',
  'checksum',
  'connection',
  'content',
  'data',
  'exec',
  'gid',
  'icmp',
  'instance',
  'invalid',
  'link',
  'nonexist',
  'exist',
  'permission',
  'pid',
  'ppid',
  'resource',
  'size',
  'status',
  'timeout',
  'timestamp',
  'uid',
  'uptime',
  'fsflags',
  'heartbeat',
  'saturation',
  'speed',
  'bytein',
  'byteout',
  'packetin',
  'packetout',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** TLS settings for a probe or an alert channel. Verification is on unless turned off. */
export interface TlsOptions {
  readonly enabled: boolean;
  readonly verify: boolean;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly serverName?: string;
}

/** The condition of an `if`: the union of every check kind's own type (checks/registry.ts). */
export type { Condition, ConditionKind } from '../checks/registry.js';
export type { MqttOptions, RoundTrip } from '../checks/port/syntax.js';
export type { ResourceKind } from '../checks/resource/syntax.js';
export type { ContentPatterns } from '../checks/content/syntax.js';

/** One `if … then …` statement. */
export interface Rule {
  readonly id: string;
  readonly condition: Condition;
  readonly rate: Rate;
  readonly action: Action;
  readonly elseAction?: Action;
  /** True for the `if does not exist then restart` that monit adds when none is written. */
  readonly implicit?: boolean;
  readonly pos: SourcePos;
}

export interface Backoff {
  /** Delay before the second attempt; the first restart after a failure is immediate. */
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** Consecutive failed attempts before giving up (and alerting). */
  readonly giveUpAfter: number;
  /** After giving up, wait this long and try again, instead of staying down for good. */
  readonly cooldownMs: number;
  /**
   * A broker healthy this long has its attempt counter reset; 0 (the default) means as soon as every
   * restart-triggering rule has passed once after the start: a broker that proved it serves and
   * fails later is a new incident, restarted at once; one that dies before is in a crash loop.
   */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = {
  initialMs: 1_000,
  maxMs: 60_000,
  factor: 2,
  giveUpAfter: 5,
  cooldownMs: 600_000,
  resetAfterMs: 0,
};

export type Schedule =
  | { readonly kind: 'always' }
  | { readonly kind: 'cycles'; readonly every: number }
  | { readonly kind: 'cron'; readonly expression: string; readonly negate: boolean };

/** The word after `check`: one per service type of the registry (service-types.ts). */
export type { ServiceType } from './service-types.js';

export interface AlertFilter {
  /** `on { … }`: only these; `not on { … }`: all but these. */
  readonly mode: 'all' | 'only' | 'except';
  readonly events: readonly EventType[];
}

export interface MailFormat {
  readonly from?: string;
  readonly replyTo?: string;
  readonly subject?: string;
  readonly message?: string;
}

/** An alert recipient's target: mail, webhook, mqtt, exec, … Each channel defines its own in
 *  src/alerts/channels/<kind>/syntax.ts; the registry there makes the union. */
export type { AlertTarget };

export interface AlertRecipient {
  readonly target: AlertTarget;
  readonly filter: AlertFilter;
  /** Send a reminder every N cycles while a failure lasts; 0 = never. */
  readonly reminderCycles: number;
  readonly pos: SourcePos;
}

export interface Service {
  readonly name: string;
  readonly type: ServiceType;
  readonly pos: SourcePos;
  /** process: how the PID is found. */
  readonly pidfile?: string;
  readonly matching?: string;
  /** host: the machine's address. */
  readonly address?: string;
  /** file: the file; program: the command to run. */
  readonly path?: string;
  readonly program?: Command;
  /** network: the interface (or `address` names one of its addresses). */
  readonly interface?: string;
  readonly start?: Command;
  readonly stop?: Command;
  readonly restart?: Command;
  readonly rules: readonly Rule[];
  readonly dependsOn: readonly string[];
  readonly groups: readonly string[];
  readonly mode: 'active' | 'passive' | 'manual';
  readonly onReboot: 'start' | 'nostart' | 'laststate';
  readonly schedule: Schedule;
  readonly alerts: readonly AlertRecipient[];
  readonly noAlerts: readonly string[];
  readonly backoff: Backoff;
  /** file, program: `ignore content|match …`, lines every content rule of the service skips. */
  readonly ignoreContent?: readonly ContentPatterns[];
}

/** monit's SSL options for a mail server (`using ssl { … }` over `set ssl { … }`), as written. */
export interface MailServerTls {
  /** `verify: disable` turns certificate checks off; verification is on unless so. */
  readonly verify?: boolean;
  /** `selfsigned: allow`: any certificate is accepted (anyone can make a self-signed one). */
  readonly allowSelfSigned?: boolean;
  /** Extra trusted CAs: a PEM file, or a folder of them, beside the system's. */
  readonly caFile?: string;
  readonly caPath?: string;
}

export interface MailServer {
  readonly host: string;
  readonly port?: number;
  readonly username?: string;
  readonly password?: string;
  /**
   * `tls`: implicit TLS (`using ssl|tls` on port 465, or `using implicit tls`); `starttls`: STARTTLS
   * required (`using ssl|tls` on any other port, or `using starttls`); undefined: STARTTLS when the
   * server offers it, without certificate checks, else plain SMTP.
   */
  readonly security?: 'tls' | 'starttls';
  /** Only with `security`. */
  readonly tls?: MailServerTls;
  readonly timeoutMs?: number;
  /** `using hostname NAME`: the name brokerwatch gives in EHLO/HELO (default: this machine's name). */
  readonly heloName?: string;
}

export type HttpAllow =
  | { readonly kind: 'user'; readonly user: string; readonly password: string; readonly readOnly: boolean }
  | { readonly kind: 'net'; readonly cidr: string; readonly readOnly: boolean }
  | HtpasswdAllow;

/** `allow md5|crypt|cleartext FILE [USER …]`: the users of an htpasswd file, read when the rules load. */
export interface HtpasswdAllow {
  readonly kind: 'htpasswd';
  readonly digest: 'md5' | 'crypt' | 'cleartext';
  /** An absolute path. */
  readonly file: string;
  /** Only these users of the file may log in; empty: every user of the file. */
  readonly users: readonly string[];
  readonly readOnly: boolean;
  /** The file's users and their hashes (cleartext: passwords), in file order; filled by the loader. */
  readonly entries: readonly { readonly user: string; readonly hash: string }[];
  readonly pos: SourcePos;
}

/** `set httpd unixsocket PATH [uid U] [gid G] [permission MODE] [read-only]`. */
export interface HttpdUnixSocket {
  /** An absolute path. */
  readonly path: string;
  /** A user or group name, or a number, as written. */
  readonly uid?: string;
  readonly gid?: string;
  /** The socket file's mode (0600 when not written). */
  readonly permission?: number;
  /** Every client of the socket may only read. */
  readonly readOnly: boolean;
}

export interface Httpd {
  readonly port: number;
  readonly address: string;
  readonly allow: readonly HttpAllow[];
  readonly tls?: { readonly pemFile?: string; readonly certFile?: string; readonly keyFile?: string };
  readonly unixSocket?: HttpdUnixSocket;
  /** false: no TCP listener (`unixsocket` without `port`, as monit). */
  readonly tcp?: false;
  /** `port N read-only` beside a unix socket: TCP clients may only read (without a socket, every allow
   *  is read-only instead). */
  readonly tcpReadOnly?: true;
}

export interface Config {
  /** The main rules file and every file it included, in reading order. */
  readonly files: readonly string[];
  readonly daemon: { readonly cycleMs: number; readonly startDelayMs: number };
  readonly log?:
    { readonly kind: 'file'; readonly path: string } | { readonly kind: 'syslog'; readonly facility?: string };
  readonly pidfile?: string;
  /** `set pidfile grace N s`: how long a service's pidfile may be unreadable while its broker runs. */
  readonly pidfileGraceMs?: number;
  readonly statefile?: string;
  readonly eventQueue?: { readonly basedir?: string; readonly slots?: number };
  readonly mailServers: readonly MailServer[];
  readonly mailFormat?: MailFormat;
  readonly alerts: readonly AlertRecipient[];
  readonly httpd?: Httpd;
  /** `set reboot program = "CMD"`: what a `reboot` action runs (no shell); DEFAULT_REBOOT_PROGRAM without. */
  readonly rebootProgram?: Command;
  readonly services: readonly Service[];
  /** `set limits { … }`: the limits brokerwatch applies, as written. */
  readonly limits?: Limits;
  /** `set idfile PATH`: where the host's stable id is kept (monit's default: ~/.monit.id). */
  readonly idfile?: string;
  /** `set fleet URL …`: where the daemon publishes its status for `brokerwatch fleet`. */
  readonly fleet?: FleetSettings;
  /** `set mmonit URL …`: M/Monit collectors that status and events are pushed to. */
  readonly mmonit?: MMonit;
}

/** `set limits { … }` as brokerwatch applies it: only the keys written are set. */
export interface Limits {
  /** programOutput: the most of a check program's output kept (event messages, content tests). */
  readonly programOutputBytes?: number;
  /** fileContentBuffer: a content test matches a line on its first N - 1 bytes and lists N in an event. */
  readonly fileContentBytes?: number;
  /** programTimeout: a check program's deadline when its header gives none. */
  readonly programTimeoutMs?: number;
  /** start/stop/restartTimeout: a start, stop or restart program's deadline when it gives none. */
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly restartTimeoutMs?: number;
}

/** What a `reboot` action runs when `set reboot program` is absent: the system's own reboot, which
 *  stops services in order (systemd's `reboot`, sysvinit's). monit has no such action. */
export const DEFAULT_REBOOT_PROGRAM: Command = { argv: ['/sbin/reboot'] };
/** monit's default cycle when `set daemon` is absent. */
export const DEFAULT_CYCLE_MS = 30_000;
/** How long a pidfile may be empty, garbled or unreadable while its broker runs before it is alerted
 *  (monit ignores a pidfile emptied for 5 s). */
export const DEFAULT_PIDFILE_GRACE_MS = 5_000;
/** Deadline of start/stop/restart programs and exec actions when none is written (monit's). */
export const DEFAULT_PROGRAM_TIMEOUT_MS = 30_000;
/** monit's default fileContentBuffer and programOutput limits (`set limits`). */
export const DEFAULT_FILE_CONTENT_BYTES = 512;
export const DEFAULT_PROGRAM_OUTPUT_BYTES = 512;
/** Port test timeout when none is written (monit's). */
export const DEFAULT_PORT_TIMEOUT_MS = 5_000;

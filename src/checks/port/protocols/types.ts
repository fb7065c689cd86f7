// The contract of a port-test protocol: what the rules front end knows of one protocol (its names,
// the option words it reads, how `-t -v` writes them back, its secrets and its README row) and what
// its runtime half, loaded only by the daemon, exports: the probe. Each protocol is one folder here
// (`<name>/syntax.ts`, `<name>/check.ts`) and one line in registry.ts.
import type { Cursor } from '../../../config/cursor.js';
import type { Token } from '../../../config/lexer.js';
import type { Operator, TlsOptions } from '../../../config/model.js';
import type { Clock } from '../../../util/clock.js';
import type { Spelling } from '../../kind.js';
import type { FailureClass } from '../../result.js';
import type { CertificateTest, PortCondition, RoundTrip } from '../syntax.js';
import type { HttpDraft } from './http/syntax.js';
import type { WebSocketDraft } from './websocket/syntax.js';
import type { ExchangeStep } from './generic/syntax.js';

/** A port test as read so far: the target, TLS, timing, and each protocol's own options. */
export interface Draft {
  host?: string;
  port?: number;
  /** `unixsocket PATH` instead of host and port, and where it was written. */
  unixSocket?: { readonly path: string; readonly tok: Token };
  transport: 'tcp' | 'udp';
  ipVersion?: 4 | 6;
  tls?: TlsOptions;
  protocol?: string;
  /** Where `protocol` was written, for errors about it. */
  protocolTok?: Token;
  timeoutMs: number;
  retry: number;
  responseTime?: { op: Operator; ms: number };
  /** `username`/`password`: MQTT's CONNECT, HTTP's basic auth. */
  creds: { username?: string; password?: string };
  mqtt: { version?: 3 | 4 | 5; clientIdPrefix?: string; roundTrip?: RoundTrip; overWebSocket?: boolean };
  http: HttpDraft;
  websocket: WebSocketDraft;
  exchange: ExchangeStep[];
  starttls?: boolean;
  certificate: { -readonly [K in keyof CertificateTest]: CertificateTest[K] };
  tlsOpts: { verify?: boolean; caFile?: string; certFile?: string; keyFile?: string; serverName?: string };
  /** Protocol-owned option words met, with the protocol that owns each. */
  owned: Array<{ readonly tok: Token; readonly owner: string }>;
}

/** Reads one option; the cursor stands on its word `t`. */
export type OptionReader = (c: Cursor, d: Draft, t: Token) => void;

/** One row of README.md's table of protocols: `| names | options | meaning | example |`. */
export interface ProtocolDocs {
  readonly names: string;
  readonly options: string;
  readonly meaning: string;
  readonly example: string;
}

/** The README row of a protocol, exactly as the table holds it. */
export function protocolDocsRow(d: ProtocolDocs): string {
  return `| ${d.names} | ${d.options} | ${d.meaning} | ${d.example} |`;
}

/** Everything about one protocol except its probe. */
export interface ProtocolSyntax {
  /** The registry key. */
  readonly name: string;
  /** Every name a rules file may give it (lower-case); each maps to whether it means TLS from the start. */
  readonly names: Readonly<Record<string, { readonly tls: boolean }>>;
  /** Option words only this protocol reads (shared ones, `username`/`password`, are the grammar's). */
  readonly options?: Readonly<Record<string, OptionReader>>;
  /** Words that mean something else elsewhere (the target's `host`, HTTP's `request`, MQTT's
   *  `version`) which this protocol reads its own way when they follow `protocol NAME`, as in monit's
   *  grammar (`protocol websocket host "h" request "/ws" version 13`); the draft so far decides
   *  (MQTT reads `request` only after `over websocket`). */
  alsoReads?(d: Draft): Readonly<Record<string, OptionReader>> | undefined;
  /** Whether `username`/`password` mean something to it; 'ignored': monit's grammar has them here, and
   *  brokerwatch reads them with a warning. */
  readonly credentials?: boolean | 'ignored';
  /** Checks the protocol's options as a whole and returns its fields of the model. */
  build?(c: Cursor, d: Draft, start: Token): Partial<PortCondition>;
  /** Its options as `brokerwatch -t -v` writes them, after `protocol NAME`. */
  print?(cond: PortCondition, s: Spelling): string[];
  /** Passwords inside its options, masked in every HTTP output. */
  secrets?(cond: PortCondition): readonly (string | undefined)[];
  readonly docs: ProtocolDocs;
}

/** Where and how a probe connects (the rule's host filled in from the service). */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  /** A unix socket to connect to instead of host and port. */
  readonly path?: string;
  readonly family?: 4 | 6;
  readonly tls?: TlsOptions;
}

/** One probe attempt: ok, or the class and message of the step that failed, with step timings
 *  (connectMs, tlsMs, requestMs, firstByteMs, bodyMs, totalMs: whatever steps were reached). */
export interface ProbeOutcome {
  readonly ok: boolean;
  readonly class?: FailureClass;
  readonly message: string;
  readonly metrics: Record<string, number>;
}

/** What a probe gets: the rule, its target, one deadline, a way to be cancelled, and the clock. */
export interface ProbeInput {
  readonly cond: PortCondition;
  readonly target: ProbeTarget;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly clock: Clock;
}

/** What a protocol's `check.ts` exports. Never throws: a failure is an outcome. */
export interface ProtocolProbeModule {
  probe(input: ProbeInput): Promise<ProbeOutcome>;
}

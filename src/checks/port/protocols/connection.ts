// One probe connection: TCP connect, TLS handshake (from the start or upgraded, as STARTTLS does),
// the certificate tests, and reads with one deadline for the whole attempt. Each step is timed
// (connectMs, tlsMs) and each failure classified (mqtt/classify.ts reads socket and TLS errors), so
// that every protocol's probe only speaks its protocol.
import { createHash } from 'node:crypto';
import { isIP, connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { monotonicMs, type Timer } from '../../../util/clock.js';
import { asFailure, ProbeFailure, socketFailure } from '../../mqtt/classify.js';
import type { Phase } from '../../mqtt/classify.js';
import { readTlsMaterial } from '../../mqtt/endpoint.js';
import type { CertificateTest } from '../syntax.js';
import type { ProbeInput, ProbeOutcome } from './types.js';
import { tlsModule } from '../../../util/lazy-builtins.js';

const DAY_MS = 86_400_000;

/** A connection and its deadline. Reads wait for a predicate over what arrived; every wait ends at
 *  the deadline, an abort or an error, with the failure of the step that was running. */
export class ProbeConnection {
  readonly metrics: Record<string, number> = {};
  socket: Socket | undefined;
  /** What the peer sent and no read has consumed yet. */
  #buf: Buffer = Buffer.alloc(0);
  #failure: ProbeFailure | undefined;
  #wake: (() => void) | undefined;
  readonly #failed: Array<(f: ProbeFailure) => void> = [];
  #phase: Phase = 'tcp';
  /** What is awaited after the connection is up, for the timeout's message. */
  #awaiting = 'an answer';
  readonly #t0 = monotonicMs();
  readonly #timer: Timer;
  readonly #onAbort = (): void => this.fail(new ProbeFailure('internal', 'check aborted'));
  readonly #onData = (b: Buffer): void => {
    this.#buf = this.#buf.length === 0 ? b : Buffer.concat([this.#buf, b]);
    this.#wake?.();
  };

  constructor(readonly input: ProbeInput) {
    this.#timer = input.clock.setTimeout(() => this.fail(this.#timeoutFailure()), input.timeoutMs);
    if (input.signal.aborted) this.#onAbort();
    else input.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** The first failure wins; it ends the connection and every wait. */
  fail(f: ProbeFailure): void {
    if (this.#failure) return;
    this.#failure = f;
    this.socket?.destroy();
    this.#wake?.();
    for (const l of this.#failed.splice(0)) l(f);
  }

  /** P, or the attempt's failure if that comes first (the deadline, an abort, a socket error). */
  race<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#failure) return reject(this.#failure);
      this.#failed.push(reject);
      p.then(resolve, reject);
    });
  }

  /** Hands the socket to another reader (Node's HTTP client): our own buffering stops. */
  handOver(): Socket {
    const sock = this.socket;
    if (!sock) throw new ProbeFailure('internal', 'no connection to hand over');
    sock.off('data', this.#onData);
    return sock;
  }

  /** Throws the failure, if any, so that a step stops at once. */
  check(): void {
    if (this.#failure) throw this.#failure;
  }

  /** Names what is awaited now, for a timeout's message ("no answer to EHLO within 5000 ms"). */
  awaiting(what: string): void {
    this.#awaiting = what;
  }

  /** TCP connect, then TLS when the test is TLS from the start. */
  async open(): Promise<void> {
    const t = this.input.target;
    const started = monotonicMs();
    const sock = netConnect(
      t.path !== undefined
        ? { path: t.path }
        : { host: t.host, port: t.port, ...(t.family ? { family: t.family } : {}) },
    );
    this.#attach(sock);
    await this.#until(sock, 'connect');
    this.metrics.connectMs = since(started);
    // STARTTLS: the TLS options are for the upgrade the protocol asks for later.
    if (t.tls && !this.input.cond.starttls) await this.startTls();
    else this.#phase = 'open';
  }

  /** The TLS handshake over the connection (at once, or after STARTTLS), then the certificate tests. */
  async startTls(): Promise<void> {
    const t = this.input.target;
    const tls = t.tls ?? { enabled: true, verify: true };
    const plain = this.socket;
    if (!plain) throw new ProbeFailure('internal', 'TLS before the connection');
    const material = await readTlsMaterial(tls);
    this.check();
    this.#phase = 'tls';
    const started = monotonicMs();
    plain.off('data', this.#onData);
    const sni = tls.serverName ?? (isIP(t.host) ? undefined : t.host);
    let sock: TLSSocket;
    try {
      sock = tlsModule().connect({
        socket: plain,
        // The name the certificate must carry: the host, or the rule's server name.
        host: t.host,
        rejectUnauthorized: tls.verify,
        ...material,
        // SNI names the host unless the rule names another; RFC 6066 has no SNI for an IP address.
        ...(sni !== undefined ? { servername: sni } : {}),
      });
    } catch (e) {
      throw new ProbeFailure('tls', `cannot use the TLS files: ${(e as Error).message}`);
    }
    this.#attach(sock);
    await this.#until(sock, 'secureConnect');
    this.metrics.tlsMs = since(started);
    this.#phase = 'open';
    certificateFailure(sock, this.input.cond.certificate, this.input.clock.now());
  }

  /** Sends bytes. */
  write(data: string | Buffer): void {
    this.check();
    this.socket?.write(data);
  }

  /**
   * Waits until TAKE finds what it wants in the bytes received so far: it returns how many bytes to
   * consume, or -1 to wait for more. More than CAP bytes unanswered, or the peer closing, hands what
   * arrived to TAKE once more with `final` set; -1 then is a failure the caller names.
   */
  async read(take: (buf: Buffer, final: boolean) => number, cap: number): Promise<Buffer> {
    const sock = this.socket;
    if (!sock) throw new ProbeFailure('internal', 'read before the connection');
    for (;;) {
      this.check();
      const n = take(this.#buf, false);
      if (n >= 0) return this.#consume(n);
      const closed = sock.readableEnded || sock.destroyed;
      if (closed && this.#buf.length === 0)
        throw new ProbeFailure('protocol-error', `connection closed by the peer before ${this.#awaiting}`);
      if (this.#buf.length >= cap || closed) {
        const m = take(this.#buf.subarray(0, cap), true);
        if (m >= 0) return this.#consume(m);
        throw new ProbeFailure('protocol-error', `unexpected answer: ${printable(this.#buf.subarray(0, 80))}`);
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  /** A line ending in \n (without its line break), at most CAP bytes. */
  async readLine(cap = 4096): Promise<string> {
    const line = await this.read((b) => {
      const i = b.indexOf(0x0a);
      return i < 0 ? -1 : i + 1;
    }, cap);
    return line.toString('latin1').replace(/\r?\n$/, '');
  }

  /** The outcome with the total time; releases the socket, the timer and the abort listener. */
  finish(ok: boolean, message: string, error?: unknown): ProbeOutcome {
    this.close();
    this.metrics.totalMs = since(this.#t0);
    if (ok && !this.#failure) return { ok: true, message, metrics: this.metrics };
    const f = this.#failure ?? asFailure(error);
    return { ok: false, class: f.class_, message: f.message, metrics: this.metrics };
  }

  close(): void {
    this.#timer.cancel();
    this.input.signal.removeEventListener('abort', this.#onAbort);
    this.socket?.destroy();
  }

  /** Takes over SOCK's errors and data; the stream is ours from here. */
  #attach(sock: Socket): void {
    this.socket = sock;
    const path = this.input.target.path;
    sock.on('error', (e: NodeJS.ErrnoException) =>
      this.fail(
        (path !== undefined && this.#phase === 'tcp' ? unixFailure(e) : undefined) ??
          socketFailure(e, this.#phase, this.input.timeoutMs),
      ),
    );
    sock.on('close', () => {
      if (this.#phase !== 'open')
        this.fail(new ProbeFailure(this.#phase === 'tls' ? 'tls' : 'port-closed', 'connection closed'));
      this.#wake?.();
    });
    sock.on('end', () => this.#wake?.());
    sock.on('data', this.#onData);
  }

  /** Waits for EVENT on SOCK, or the attempt's failure. */
  async #until(sock: Socket, event: string): Promise<void> {
    this.check();
    await new Promise<void>((resolve) => {
      sock.once(event, resolve);
      this.#wake = resolve;
    });
    this.#wake = undefined;
    this.check();
  }

  #consume(n: number): Buffer {
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  #timeoutFailure(): ProbeFailure {
    const n = this.input.timeoutMs;
    if (this.#phase === 'tcp')
      return new ProbeFailure(
        'connect-timeout',
        `no ${this.input.target.path !== undefined ? 'connection' : 'TCP connection'} within ${n} ms`,
      );
    if (this.#phase === 'tls') return new ProbeFailure('connect-timeout', `TLS handshake not finished within ${n} ms`);
    return new ProbeFailure('response-timeout', `no ${this.#awaiting} within ${n} ms`);
  }
}

/** Runs STEPS over a fresh connection: the skeleton of every protocol's probe. */
export async function withConnection(
  input: ProbeInput,
  steps: (conn: ProbeConnection) => Promise<string>,
): Promise<ProbeOutcome> {
  const conn = new ProbeConnection(input);
  try {
    await conn.open();
    const message = await steps(conn);
    return conn.finish(true, message);
  } catch (e) {
    return conn.finish(false, '', e);
  }
}

/** `certificate valid > N days` and `certificate checksum`: throws the failure they find. */
function certificateFailure(sock: TLSSocket, test: CertificateTest | undefined, now: number): void {
  if (!test) return;
  const cert = sock.getPeerCertificate();
  if (!cert || !cert.raw) throw new ProbeFailure('tls', 'TLS: the server sent no certificate');
  if (test.validDays !== undefined) {
    const end = Date.parse(cert.valid_to);
    const days = Math.floor((end - now) / DAY_MS);
    if (end <= now) throw new ProbeFailure('tls-expired', `TLS: certificate expired on ${cert.valid_to}`);
    if (days <= test.validDays)
      throw new ProbeFailure(
        'certificate-expiring',
        `TLS: certificate expires in ${days} days (${cert.valid_to}), not more than ${test.validDays}`,
      );
  }
  if (test.checksum) {
    const got = createHash(test.checksum.algo).update(cert.raw).digest('hex');
    const want = test.checksum.hash.replace(/:/g, '').toLowerCase();
    if (got !== want)
      throw new ProbeFailure(
        'certificate-mismatch',
        `TLS: certificate ${test.checksum.algo} checksum is ${got}, not ${want}`,
      );
  }
}

/** Why connecting to a unix socket failed, in its words; undefined for other errors. */
function unixFailure(e: NodeJS.ErrnoException): ProbeFailure | undefined {
  const why: Readonly<Record<string, string>> = {
    ENOENT: 'no such socket',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ECONNREFUSED: 'connection refused (nothing listens on the socket)',
    ENOTSOCK: 'not a socket',
    ENOTDIR: 'a part of the path is not a directory',
  };
  const words = why[e.code ?? ''];
  return words === undefined ? undefined : new ProbeFailure('port-closed', `${words} (${e.code})`);
}

/** Bytes as a quoted line, non-printable ones escaped: what a message may show of an answer. */
export function printable(b: Buffer): string {
  const s = b.toString('latin1').replace(/[^\x20-\x7e]/g, (ch) => {
    if (ch === '\r') return '\\r';
    if (ch === '\n') return '\\n';
    return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return `"${s}"`;
}

function since(t: number): number {
  return Math.round(monotonicMs() - t);
}

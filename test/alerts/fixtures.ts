// Peers and plumbing for alert tests: a real in-process SMTP server (smtp-server, mails parsed by
// mailparser), a real HTTP receiver for webhooks, rules parsed by the real parser, and an event
// source with the daemon's EventBus. Everything listens on 127.0.0.1 port 0 and is closed by
// `cleanup`.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import type { Alert } from '../../src/alerts/types.js';
import type { Config } from '../../src/config/model.js';
import { parseRules } from '../../src/config/loader.js';
import { EventBus } from '../../src/daemon/event-bus.js';
import type { Logger } from '../../src/util/logger.js';
import type { EventDraft } from '../../src/state/types.js';
import { Cleanup } from '../daemon/harness.js';
import { tempDir } from '../helpers/tmp.js';

export { Cleanup };

/** Rules text → Config, through the real parser. */
export async function rules(text: string): Promise<Config> {
  return (await parseRules(text, 'alerts-test.rc')).config;
}

/** One mail alert of a crash, as the queue hands it to a channel. */
export function mailAlert(id: string, lane: string): Alert {
  return {
    v: 1,
    id,
    lane,
    label: 'ops@example.com',
    kind: 'event',
    host: 'broker-host',
    created: 1_700_000_000_000,
    order: 1,
    event: {
      id: 1,
      service: 'mosquitto',
      type: 'nonexist',
      state: 'failed',
      action: 'restart',
      message: 'gone',
      time: 1_700_000_000_000,
    },
  };
}

/** A stand-in for the Daemon: the same `events` bus, nothing else running. */
export class FakeDaemon {
  readonly events = new EventBus();

  publish(draft: Partial<EventDraft> & Pick<EventDraft, 'service'>): void {
    this.events.publish({
      type: 'nonexist',
      state: 'failed',
      action: 'restart',
      message: 'test event',
      time: Date.now(),
      ...draft,
    });
  }
}

/** A broker crash as the state machine reports it. */
export function crash(service = 'mosquitto', message = 'process 4242 (mosquitto) is gone'): EventDraft {
  return {
    service,
    type: 'nonexist',
    state: 'failed',
    action: 'restart',
    class: 'process-missing',
    message,
    time: Date.now(),
  };
}

/** The recovery that follows. */
export function recovery(service = 'mosquitto', message = 'process 4343 is running'): EventDraft {
  return { service, type: 'nonexist', state: 'succeeded', action: 'alert', message, time: Date.now() };
}

/** A logger that keeps its lines (BW_TEST_LOGS=1 prints them too). */
export function testLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (s: string) => {
        lines.push(JSON.parse(s) as Record<string, unknown>);
        if (process.env.BW_TEST_LOGS) process.stderr.write(s);
      },
    },
  );
  return { logger, lines };
}

/** A private state folder removed by `cleanup`. */
export async function stateDir(cleanup: Cleanup): Promise<string> {
  const d = await tempDir('brokerwatch-alerts-');
  cleanup.add(d.cleanup);
  return d.path;
}

/** A mail as the SMTP server accepted it. */
export interface ReceivedMail {
  readonly mail: ParsedMail;
  readonly to: string[];
  /** The session was TLS (implicit or STARTTLS). */
  readonly secure: boolean;
  readonly user: string | undefined;
  /** performance.now() when DATA was accepted. */
  readonly at: number;
  /** The name the client gave in EHLO/HELO. */
  readonly helo: string;
}

/** Options of the SMTP peer. */
export interface SmtpOptions {
  readonly tls?: { readonly key: string; readonly cert: string; readonly implicit?: boolean };
  readonly auth?: { readonly user: string; readonly pass: string };
  readonly port?: number;
}

/** A real SMTP server (smtp-server) that keeps what it accepts; it can be stopped and started again on its port. */
export class SmtpPeer {
  readonly mails: ReceivedMail[] = [];
  /** Message-IDs of mails refused with a temporary error (see rejectNext). */
  readonly refused: string[] = [];
  /** Refuse this many more DATA commands with "451" after reading the whole mail. */
  rejectNext = 0;
  /** Refuse this many more RCPT TO commands for good: "550 5.1.1 no such user". */
  refuseRcptNext = 0;
  authFailures = 0;
  #server: SMTPServer | undefined;
  port = 0;

  private constructor(private readonly opts: SmtpOptions) {}

  static async start(opts: SmtpOptions, cleanup: Cleanup): Promise<SmtpPeer> {
    const peer = new SmtpPeer(opts);
    await peer.listen(opts.port ?? 0);
    cleanup.add(() => peer.stop());
    return peer;
  }

  /** Listens on PORT (0: any free one). */
  async listen(port = this.port): Promise<void> {
    const { tls, auth } = this.opts;
    const server = new SMTPServer({
      secure: tls?.implicit === true,
      ...(tls ? { key: tls.key, cert: tls.cert } : {}),
      // Without TLS nothing is offered, or nodemailer would try its opportunistic STARTTLS.
      disabledCommands: tls ? [] : ['STARTTLS', 'AUTH'],
      authOptional: auth === undefined,
      logger: false,
      closeTimeout: 100,
      onAuth: (a, _session, cb) => {
        if (auth && a.username === auth.user && a.password === auth.pass) {
          cb(null, { user: a.username });
          return;
        }
        this.authFailures++;
        cb(new Error('Invalid username or password'));
      },
      onRcptTo: (address, _session, cb) => {
        if (this.refuseRcptNext > 0) {
          this.refuseRcptNext--;
          cb(Object.assign(new Error(`5.1.1 <${address.address}>: no such user`), { responseCode: 550 }));
          return;
        }
        cb();
      },
      onData: (stream, session, cb) => {
        simpleParser(stream)
          .then((mail) => {
            if (this.rejectNext > 0) {
              this.rejectNext--;
              this.refused.push(mail.messageId ?? '');
              cb(Object.assign(new Error('Try again later'), { responseCode: 451 }));
              return;
            }
            const to = session.envelope.rcptTo.map((r) => r.address);
            this.mails.push({
              mail,
              to,
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : undefined,
              at: performance.now(),
              helo: session.hostNameAppearsAs,
            });
            cb();
          })
          .catch((err: unknown) => cb(err as Error));
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.server.address();
    if (address === null || typeof address === 'string') throw new Error('SMTP server has no port');
    this.port = address.port;
    this.#server = server;
  }

  /** Stops listening (an SMTP outage); the port is kept for listen(). */
  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Subjects of the mails so far, in arrival order. */
  subjects(): string[] {
    return this.mails.map((m) => m.mail.subject ?? '');
  }
}

/** A self-signed certificate for 127.0.0.1/localhost made by openssl, and its key (PEM). */
export async function selfSigned(cleanup: Cleanup): Promise<{ key: string; cert: string }> {
  const dir = await tempDir('brokerwatch-alerts-tls-');
  cleanup.add(dir.cleanup);
  const key = join(dir.path, 'key.pem');
  const cert = join(dir.path, 'cert.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
}

/** One POST as the receiver saw it. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

/** A real HTTP server that records JSON POSTs and answers `status` (changeable). */
export class HttpReceiver {
  readonly posts: Received[] = [];
  status = 200;
  port = 0;

  static async start(cleanup: Cleanup): Promise<HttpReceiver> {
    const r = new HttpReceiver();
    const server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8').on('data', (c: string) => (text += c));
      req.on('end', () => {
        if (r.status >= 200 && r.status < 300)
          r.posts.push({ headers: req.headers, body: JSON.parse(text) as Record<string, unknown> });
        res.writeHead(r.status, { 'content-type': 'text/plain' }).end(r.status < 300 ? 'ok' : 'not now');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const a = server.address();
    if (a === null || typeof a === 'string') throw new Error('HTTP receiver has no port');
    r.port = a.port;
    cleanup.add(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    return r;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }
}

// The CLI's way to the daemon, monit's: read the address, port and credentials from the rules file
// (`set httpd port N [address A] allow USER:PASS`), then talk HTTP to the status API. Reads use the
// first user of the allow list (or none, for an `allow HOST` entry), actions the first user who is not
// read-only; a cleartext htpasswd file's users count too (monit's CLI logs in with cleartext
// credentials only). With `unixsocket PATH` the CLI talks over the socket when there is no TCP port,
// or when the port is read-only and the socket is not (monit's client.c); TCP otherwise. Every failure
// becomes a BwError whose code gives the exit status (docs/errors.md).
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { ConfigError } from '../config/diagnostics.js';
import { loadRules } from '../config/loader.js';
import type { Httpd } from '../config/model.js';
import { BwError, isErrorCode } from '../errors.js';

/** Where the daemon listens and who to be. */
export interface Endpoint {
  /** `http://127.0.0.1:2812`; `http://localhost` over a unix socket. */
  readonly base: string;
  /** The unix socket to connect to instead of the base's host and port. */
  readonly socketPath?: string;
  readonly tls: boolean;
  readonly reader?: { readonly user: string; readonly password: string };
  readonly admin?: { readonly user: string; readonly password: string };
  /** The rules file, for messages. */
  readonly rulesFile: string;
}

/** An answer of the daemon. */
export interface Answer {
  readonly status: number;
  readonly body: string;
}

const TIMEOUT_MS = 10_000;

/** The endpoint described by `set httpd`: a wildcard address is reached on loopback. */
export function endpointOf(httpd: Httpd, rulesFile: string): Endpoint {
  let host = httpd.address;
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1';
  if (host === '::') host = '::1';
  const users = httpd.allow.flatMap((a) => {
    if (a.kind === 'user') return [a];
    if (a.kind !== 'htpasswd' || a.digest !== 'cleartext') return [];
    return a.entries.map((e) => ({ user: e.user, password: e.hash, readOnly: a.readOnly }));
  });
  const reader = users[0];
  const admin = users.find((u) => !u.readOnly);
  const credentials = {
    ...(reader ? { reader: { user: reader.user, password: reader.password } } : {}),
    ...(admin ? { admin: { user: admin.user, password: admin.password } } : {}),
    rulesFile,
  };
  const u = httpd.unixSocket;
  if (u && (httpd.tcp === false || (httpd.tcpReadOnly && !u.readOnly)))
    return { base: 'http://localhost', socketPath: u.path, tls: false, ...credentials };
  const tls = httpd.tls !== undefined;
  return {
    base: `${tls ? 'https' : 'http'}://${isIP(host) === 6 ? `[${host}]` : host}:${httpd.port}`,
    tls,
    ...credentials,
  };
}

/** Where the daemon is reached, for messages. */
function whereOf(e: Endpoint): string {
  return e.socketPath !== undefined ? `unix socket ${e.socketPath}` : e.base;
}

/** Reads the rules file and returns the daemon's endpoint. */
export async function endpointFromRules(file: string): Promise<Endpoint> {
  let httpd: Httpd | undefined;
  try {
    httpd = (await loadRules(file)).config.httpd;
  } catch (e) {
    if (e instanceof ConfigError) {
      const n = e.diagnostics.filter((d) => d.severity === 'error').length;
      throw new BwError('BW_RULES_FILE', `${file}: ${n} error(s); run brokerwatch -t -c ${file} to see them`);
    }
    throw new BwError('BW_RULES_FILE', `${file}: ${(e as Error).message}`);
  }
  if (!httpd)
    throw new BwError(
      'BW_NO_HTTPD',
      `${file} has no 'set httpd port N' or 'unixsocket PATH': the daemon serves no API to talk to`,
    );
  return endpointOf(httpd, file);
}

function describeNetError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
      return `no answer within ${TIMEOUT_MS / 1000} s`;
    case 'ENOENT':
      return 'no such socket';
    case 'EACCES':
      return "permission denied: the socket's mode lets this user not connect";
    default:
      return e.code ?? e.message;
  }
}

/** Talks to one daemon. */
export class DaemonClient {
  constructor(readonly endpoint: Endpoint) {}

  /** GET PATH as a reader. */
  get(path: string): Promise<Answer> {
    return this.#send('GET', path, this.endpoint.reader);
  }

  /** POST PATH (JSON, empty object) as an admin. */
  post(path: string): Promise<Answer> {
    return this.#send('POST', path, this.endpoint.admin ?? this.endpoint.reader);
  }

  /** GET PATH and parse JSON; an error answer becomes its BwError. */
  async json<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    const a = method === 'GET' ? await this.get(path) : await this.post(path);
    if (a.status >= 400) throw this.#errorOf(a);
    try {
      return JSON.parse(a.body) as T;
    } catch {
      throw new BwError(
        'BW_BAD_RESPONSE',
        `${this.endpoint.base}${path} answered ${a.status} with something that is not JSON`,
      );
    }
  }

  #errorOf(a: Answer): BwError {
    let code: unknown;
    let message = '';
    let details: string[] = [];
    try {
      const body = JSON.parse(a.body) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
      code = body.error?.code;
      message = typeof body.error?.message === 'string' ? body.error.message : '';
      if (Array.isArray(body.error?.details))
        details = body.error.details.filter((d): d is string => typeof d === 'string');
    } catch {
      // Not ours: handled below.
    }
    if (!isErrorCode(code))
      return new BwError('BW_BAD_RESPONSE', `${this.endpoint.base} answered HTTP ${a.status}, not a brokerwatch error`);
    if (code === 'BW_UNAUTHORIZED') {
      const who = this.endpoint.admin?.user ?? this.endpoint.reader?.user;
      message = who
        ? `the daemon refused user '${who}' of ${this.endpoint.rulesFile}: ${message}`
        : `${message}: add 'allow USER:PASSWORD' to set httpd in ${this.endpoint.rulesFile}`;
    }
    return new BwError(code, details.length > 0 ? `${message} (${details.join(', ')})` : message);
  }

  #send(method: 'GET' | 'POST', path: string, creds: { user: string; password: string } | undefined): Promise<Answer> {
    const url = new URL(path, this.endpoint.base);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (creds) headers.authorization = `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`;
    const body = method === 'POST' ? '{}' : undefined;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    // monit's certificates are mostly self-signed; to a loopback address the CLI does not verify.
    const loopback = /^(127\.|\[::1\]|localhost)/.test(url.host);
    const request = this.endpoint.tls ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          headers,
          agent: false,
          timeout: TIMEOUT_MS,
          ...(this.endpoint.socketPath !== undefined ? { socketPath: this.endpoint.socketPath } : {}),
          ...(this.endpoint.tls && loopback ? { rejectUnauthorized: false } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(
          new BwError(
            'BW_NOT_RUNNING',
            `brokerwatch is not running at ${whereOf(this.endpoint)} (${describeNetError(e)})`,
          ),
        ),
      );
      req.end(body);
    });
  }
}

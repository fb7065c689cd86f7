// Where and how a probe connects: host, port, TLS material and MQTT identity, read from a rule.
// Client ids are unique per connection so a probe never takes over a real client's session (or
// another probe's: two daemons on one broker, a watch beside a cycle probe).
import { randomBytes } from 'node:crypto';
import { readFile } from '../../util/fs-async.js';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import type { Service, TlsOptions } from '../../config/model.js';
import type { PortCondition } from '../port/syntax.js';
import { ProbeFailure } from './classify.js';
import type { MqttVersion } from './reasons.js';
import { tlsModule } from '../../util/lazy-builtins.js';

/** One broker endpoint and the identity a probe presents to it. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly family?: 4 | 6;
  readonly tls?: TlsOptions;
  /** MQTT over WebSockets (websocket.ts) at this HTTP path, instead of MQTT on the TCP/TLS socket. */
  readonly websocket?: { readonly path: string };
  readonly version: MqttVersion;
  readonly clientIdPrefix: string;
  readonly username?: string;
  readonly password?: string;
}

/** The endpoint of a port rule; an empty host (a `check host` test) means the service's address. */
export function endpointOf(cond: PortCondition, service?: Service): Endpoint {
  const m = cond.mqtt;
  return {
    host: cond.host || service?.address || '127.0.0.1',
    port: cond.port,
    ...(cond.ipVersion ? { family: cond.ipVersion } : {}),
    ...(cond.tls?.enabled ? { tls: cond.tls } : {}),
    version: m?.version ?? 4,
    clientIdPrefix: m?.clientIdPrefix ?? 'brokerwatch',
    ...(m?.username !== undefined ? { username: m.username } : {}),
    ...(m?.password !== undefined ? { password: m.password } : {}),
  };
}

/** `host:port`, the way messages name an endpoint. */
export function where(ep: Endpoint): string {
  return ep.host.includes(':') ? `[${ep.host}]:${ep.port}` : `${ep.host}:${ep.port}`;
}

/** A short random token: unique topics, payloads and client ids. */
export function token(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}

/** A unique client id: the prefix, our pid and random bytes. MQTT 3.1 allows only 23 characters. */
export function probeClientId(prefix: string, version: MqttVersion = 4): string {
  const suffix = `-${process.pid}-${token()}`;
  return version === 3
    ? `${prefix.slice(0, Math.max(0, 23 - suffix.length))}${suffix}`.slice(-23)
    : `${prefix}${suffix}`;
}

/** TLS material read from disk, for `tls.connect`. */
export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** Reads the CA/cert/key files of a rule; read per connection so that renewed certificates are
 *  picked up without a reload. A missing file is a 'tls' failure, named. */
export async function readTlsMaterial(tls: TlsOptions): Promise<TlsMaterial> {
  const load = async (what: string, path: string | undefined): Promise<Buffer | undefined> => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path);
    } catch (e) {
      throw new ProbeFailure(
        'tls',
        `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  };
  const [ca, cert, key] = await Promise.all([
    load('CA file', tls.caFile),
    load('certificate file', tls.certFile),
    load('key file', tls.keyFile),
  ]);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** Opens the TCP or TLS socket of EP; TLS material Node cannot use (a key that is not PEM) throws
 *  here, synchronously, and becomes a 'tls' failure. */
export function openSocket(ep: Endpoint, material: TlsMaterial | undefined): Socket {
  const base = { host: ep.host, port: ep.port, ...(ep.family ? { family: ep.family } : {}) };
  if (!ep.tls) return netConnect(base);
  try {
    return tlsModule().connect({
      ...base,
      rejectUnauthorized: ep.tls.verify,
      ...material,
      // Without servername Node sends the host as SNI (unless it is an IP) and checks the certificate against it.
      ...(ep.tls.serverName ? { servername: ep.tls.serverName } : {}),
    });
  } catch (e) {
    throw new ProbeFailure('tls', `cannot use the TLS files: ${(e as Error).message}`);
  }
}

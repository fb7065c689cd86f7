// monit's MQTT test: CONNECT with a unique client id and a clean session (never taking over a real
// client's session), CONNACK 0 within the deadline, then a clean DISCONNECT.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { Condition } from '../config/model.js';
import type { FailureClass } from './result.js';
import { classifySocketError } from './compare.js';

type PortCondition = Extract<Condition, { kind: 'port' }>;

/** MQTT 3.1.1 CONNACK return codes and MQTT 5 reason codes, for messages a user can act on. */
const CONNACK_REASONS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
  128: 'unspecified error',
  129: 'malformed packet',
  130: 'protocol error',
  132: 'unsupported protocol version',
  133: 'client identifier not valid',
  134: 'bad user name or password',
  135: 'not authorized',
  136: 'server unavailable',
  137: 'server busy',
  138: 'banned',
  140: 'bad authentication method',
  149: 'packet too large',
  151: 'quota exceeded',
  159: 'connection rate exceeded',
};

export interface ConnectAttempt {
  readonly ok: boolean;
  readonly class?: FailureClass;
  readonly message: string;
  readonly ms: number;
  readonly metrics?: Record<string, number>;
}

/** A unique client id: the prefix, the host's pid and random bytes. */
export function probeClientId(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** One CONNECT → CONNACK round, classified. */
export function mqttConnectProbe(cond: PortCondition, signal: AbortSignal): Promise<ConnectAttempt> {
  const o = cond.mqtt;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const client = mqtt.connect({
      host: cond.host,
      port: cond.port,
      protocol: cond.tls ? 'mqtts' : 'mqtt',
      protocolVersion: o?.version ?? 4,
      clientId: probeClientId(o?.clientIdPrefix ?? 'brokerwatch'),
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: cond.timeoutMs,
      keepalive: 0,
      ...(o?.username !== undefined ? { username: o.username } : {}),
      ...(o?.password !== undefined ? { password: o.password } : {}),
      ...(cond.tls
        ? {
            rejectUnauthorized: cond.tls.verify,
            ...(cond.tls.caFile ? { ca: readFileSync(cond.tls.caFile) } : {}),
            ...(cond.tls.serverName ? { servername: cond.tls.serverName } : {}),
          }
        : {}),
    });
    let settled = false;
    const done = (a: Omit<ConnectAttempt, 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      const ms = Math.round(performance.now() - t0);
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(!a.ok);
      resolve({ ...a, ms, metrics: a.ok ? { connectMs: ms } : {} });
    };
    const onAbort = (): void => done({ ok: false, class: 'internal', message: 'check aborted' });
    const timer = setTimeout(() => done({ ok: false, class: 'connect-timeout', message: `no CONNACK within ${cond.timeoutMs} ms` }), cond.timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    client.once('connect', () => done({ ok: true, message: 'CONNACK 0' }));
    client.once('error', (e: Error & { code?: string | number }) => {
      if (typeof e.code === 'number') {
        done({ ok: false, class: 'connack-refused', message: `CONNACK refused: code ${e.code} (${CONNACK_REASONS[e.code] ?? 'unknown'})` });
      } else {
        done(classifySocketError(e as NodeJS.ErrnoException));
      }
    });
    client.once('close', () => done({ ok: false, class: 'protocol-error', message: 'connection closed before CONNACK' }));
  });
}

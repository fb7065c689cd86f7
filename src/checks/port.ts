// `if failed [host H] port N …`: a TCP (or TLS) connect, or with `protocol mqtt` a CONNECT answered
// by CONNACK 0 — monit's meaning. `retry N` tries again before reporting a failure.
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { Condition } from '../config/model.js';
import type { FailureClass, CheckResult } from './result.js';
import type { Check, CheckContext } from './types.js';
import { mqttConnectProbe } from './mqtt-connect.js';
import { classifySocketError, compare } from './compare.js';

type PortCondition = Extract<Condition, { kind: 'port' }>;

interface Attempt {
  readonly ok: boolean;
  readonly class?: FailureClass;
  readonly message: string;
  readonly ms: number;
  readonly metrics?: Record<string, number>;
}

/** A port test; the protocol decides what "answers" means. */
export function portCheck(cond: PortCondition): Check {
  return {
    async run(ctx: CheckContext): Promise<CheckResult> {
      let last: Attempt | undefined;
      for (let i = 0; i <= cond.retry; i++) {
        if (ctx.signal.aborted) break;
        last = cond.protocol === 'mqtt' ? await mqttConnectProbe(cond, ctx.signal) : await tcpProbe(cond, ctx.signal);
        if (last.ok) break;
      }
      const a = last ?? { ok: false, class: 'internal' as const, message: 'check aborted', ms: 0 };
      const where = `${cond.host}:${cond.port}`;
      if (a.ok && cond.responseTime && !compare(a.ms, cond.responseTime.op, cond.responseTime.ms)) {
        return { ruleId: ctx.rule.id, status: 'failed', class: 'latency', message: `${where} answered in ${a.ms} ms, not ${cond.responseTime.op} ${cond.responseTime.ms} ms`, metrics: { responseMs: a.ms, ...a.metrics } };
      }
      return {
        ruleId: ctx.rule.id,
        status: a.ok ? 'ok' : 'failed',
        ...(a.class ? { class: a.class } : {}),
        message: a.ok ? `${where} answered in ${a.ms} ms` : `${where}: ${a.message}`,
        metrics: { responseMs: a.ms, ...a.metrics },
      };
    },
  };
}

/** A plain (or TLS) connect with a deadline. */
function tcpProbe(cond: PortCondition, signal: AbortSignal): Promise<Attempt> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const opts = { host: cond.host, port: cond.port, ...(cond.ipVersion ? { family: cond.ipVersion } : {}) };
    const sock = cond.tls
      ? tlsConnect({
          ...opts,
          rejectUnauthorized: cond.tls.verify,
          ...(cond.tls.caFile ? { ca: readFileSync(cond.tls.caFile) } : {}),
          ...(cond.tls.serverName ? { servername: cond.tls.serverName } : {}),
        })
      : netConnect(opts);
    const done = (a: Omit<Attempt, 'ms'>): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve({ ...a, ms: Math.round(performance.now() - t0) });
    };
    const onAbort = (): void => done({ ok: false, class: 'internal', message: 'check aborted' });
    const timer = setTimeout(() => done({ ok: false, class: 'connect-timeout', message: `no connection within ${cond.timeoutMs} ms` }), cond.timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    sock.once(cond.tls ? 'secureConnect' : 'connect', () => done({ ok: true, message: 'connected' }));
    sock.once('error', (e: NodeJS.ErrnoException) => done(classifySocketError(e)));
  });
}


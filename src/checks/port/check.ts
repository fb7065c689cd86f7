// `if failed [host H] port N …`: a TCP (or TLS) connect, or with `protocol mqtt` a CONNECT answered
// by CONNACK 0 — monit's meaning — or with `roundtrip` a publish/subscribe round trip. `retry N`
// tries again before reporting a failure; `responsetime OP N ms` judges the total time. MQTT rules
// also watch between cycles (mqtt/watch.ts), so a hung broker is seen one timeout after it froze.
import type { Service } from '../../config/model.js';
import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import { compare } from '../compare.js';
import type { CheckFactory } from '../kind.js';
import { asFailure, ProbeFailure, socketFailure } from '../mqtt/classify.js';
import type { Phase } from '../mqtt/classify.js';
import { endpointOf, openSocket, readTlsMaterial, where } from '../mqtt/endpoint.js';
import type { Endpoint } from '../mqtt/endpoint.js';
import { mqttProbe } from '../mqtt/probe.js';
import type { ProbeOutcome } from '../mqtt/probe.js';
import { MqttWatch } from '../mqtt/watch.js';
import type { CheckResult } from '../result.js';
import type { CheckContext, SampledCheck } from '../types.js';
import type { PortCondition } from './syntax.js';

export const check: CheckFactory<PortCondition> = (cond, service) => portCheck(cond, service);

/** A port test; the protocol decides what "answers" means. */
export function portCheck(cond: PortCondition, service?: Service): SampledCheck {
  const ep = endpointOf(cond, service);
  const isMqtt = cond.protocol === 'mqtt';
  let watch: MqttWatch | undefined;
  return {
    async run(ctx: CheckContext): Promise<CheckResult> {
      let last: ProbeOutcome | undefined;
      for (let i = 0; i <= cond.retry && !ctx.signal.aborted; i++) {
        last = isMqtt
          ? await mqttProbe(ep, cond.mqtt?.roundTrip, cond.timeoutMs, ctx.signal, ctx.clock ?? systemClock)
          : await tcpProbe(ep, cond.timeoutMs, ctx.signal, ctx.clock ?? systemClock);
        if (last.ok) break;
      }
      const a = last ?? { ok: false, class: 'internal' as const, message: 'check aborted', metrics: {} };
      const w = where(ep);
      const total = a.metrics.totalMs ?? 0;
      if (a.ok && cond.responseTime && !compare(total, cond.responseTime.op, cond.responseTime.ms)) {
        return {
          ruleId: ctx.rule.id,
          status: 'failed',
          class: 'latency',
          message: `${w}: ${a.message} in ${total} ms, not ${cond.responseTime.op} ${cond.responseTime.ms} ms`,
          metrics: a.metrics,
        };
      }
      return {
        ruleId: ctx.rule.id,
        status: a.ok ? 'ok' : 'failed',
        ...(a.class ? { class: a.class } : {}),
        message: a.ok ? `${w}: ${a.message} in ${total} ms` : `${w}: ${a.message}`,
        metrics: a.metrics,
      };
    },
    ...(isMqtt
      ? {
          watch(ctx, report, connection) {
            watch?.close();
            watch = new MqttWatch(
              ep,
              cond.timeoutMs,
              (f) =>
                report({
                  ruleId: ctx.rule.id,
                  status: 'failed',
                  class: f.class_,
                  message: `${where(ep)}: ${f.message}`,
                }),
              cond.mqtt?.roundTrip,
              connection,
              ctx.clock ?? systemClock,
            );
            watch.start();
          },
          close() {
            watch?.close();
            watch = undefined;
          },
        }
      : {}),
  } satisfies SampledCheck;
}

/** A plain (or TLS) connect within the timeout, classified like the MQTT probe's first step. */
async function tcpProbe(ep: Endpoint, timeoutMs: number, signal: AbortSignal, clock: Clock): Promise<ProbeOutcome> {
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  try {
    const material = ep.tls ? await readTlsMaterial(ep.tls) : undefined;
    await new Promise<void>((resolve, reject) => {
      const sock = openSocket(ep, material);
      let phase: Phase = 'tcp';
      let settled = false;
      const done = (f?: ProbeFailure): void => {
        // destroy() below emits 'close': without this, every test would build a failure to drop.
        if (settled) return;
        settled = true;
        timer.cancel();
        signal.removeEventListener('abort', onAbort);
        sock.destroy();
        if (f) reject(f);
        else resolve();
      };
      const onAbort = (): void => done(new ProbeFailure('internal', 'check aborted'));
      const timer = clock.setTimeout(
        () =>
          done(
            new ProbeFailure(
              'connect-timeout',
              `${phase === 'tcp' ? 'no TCP connection' : 'TLS handshake not finished'} within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      signal.addEventListener('abort', onAbort, { once: true });
      sock.once('connect', () => {
        phase = 'tls';
        if (!ep.tls) done();
      });
      sock.once('secureConnect', () => done());
      sock.on('error', (e: NodeJS.ErrnoException) => {
        if (!settled) done(socketFailure(e, phase, timeoutMs));
      });
      sock.once('close', () => {
        if (!settled) done(new ProbeFailure(phase === 'tls' ? 'tls' : 'port-closed', 'connection closed'));
      });
    });
    return { ok: true, message: ep.tls ? 'TLS connection' : 'connection', metrics: { connectMs: ms(), totalMs: ms() } };
  } catch (e) {
    const f = asFailure(e);
    return { ok: false, class: f.class_, message: f.message, metrics: { totalMs: ms() } };
  }
}

// `if failed [host H] port N …`: the probe of the test's protocol (protocols/registry.ts, loaded at
// the first run), a TCP (or TLS) connect when it names none. `retry N` tries again before reporting a
// failure; `responsetime OP N ms` judges the total time. MQTT rules also watch between cycles
// (mqtt/watch.ts), so a hung broker is seen within one timeout after it froze.
import type { Service } from '../../config/model.js';
import { systemClock } from '../../util/clock.js';
import { compare } from '../compare.js';
import type { CheckFactory } from '../kind.js';
import { endpointOf, where } from '../mqtt/endpoint.js';
import { MqttWatch } from '../mqtt/watch.js';
import { protocolOf } from './protocols/registry.js';
import type { ProbeOutcome, ProbeTarget } from './protocols/types.js';
import type { CheckResult } from '../result.js';
import type { CheckContext, SampledCheck } from '../types.js';
import type { PortCondition } from './syntax.js';

export const check: CheckFactory<PortCondition> = (cond, service) => portCheck(cond, service);

/** A port test; the protocol decides what "answers" means. */
export function portCheck(cond: PortCondition, service?: Service): SampledCheck {
  const ep = endpointOf(cond, service);
  // The watch speaks MQTT over TCP: not to a WebSocket listener.
  const isMqtt = cond.protocol === 'mqtt' && !cond.websocket;
  const target: ProbeTarget = {
    host: ep.host,
    port: ep.port,
    ...(cond.unixSocket !== undefined ? { path: cond.unixSocket } : {}),
    ...(ep.family ? { family: ep.family } : {}),
    ...(ep.tls ? { tls: ep.tls } : {}),
  };
  const protocol = protocolOf(cond);
  let watch: MqttWatch | undefined;
  return {
    async run(ctx: CheckContext): Promise<CheckResult> {
      const { probe } = await protocol.load();
      // The watch's ask between cycles rides on this cycle's wakeup (mqtt/watch.ts).
      watch?.askNow();
      let last: ProbeOutcome | undefined;
      for (let i = 0; i <= cond.retry && !ctx.signal.aborted; i++) {
        const clock = ctx.clock ?? systemClock;
        last = await probe({ cond, target, timeoutMs: cond.timeoutMs, signal: ctx.signal, clock });
        if (last.ok) break;
      }
      const a = last ?? { ok: false, class: 'internal' as const, message: 'check aborted', metrics: {} };
      const w = cond.unixSocket ?? where(ep);
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

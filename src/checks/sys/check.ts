// `$SYS` rules: `sys "$SYS/…" OP N` thresholds on broker statistics, `sys uptime reset` (someone
// else restarted the broker) and `sys uptime stalled` (its main loop stopped). They read a kept-open
// subscription shared per broker endpoint (mqtt/sys-feed.ts); each cycle judges the latest values.
import type { Service } from '../../config/model.js';
import type { Clock } from '../../util/clock.js';
import { DEFAULT_PORT_TIMEOUT_MS } from '../../config/model.js';
import { compare } from '../compare.js';
import type { CheckFactory } from '../kind.js';
import { endpointOf } from '../mqtt/endpoint.js';
import type { Endpoint } from '../mqtt/endpoint.js';
import { acquireSysFeed, UPTIME_TOPIC } from '../mqtt/sys-feed.js';
import type { SysFeed } from '../mqtt/sys-feed.js';
import type { CheckResult } from '../result.js';
import type { CheckContext, SampledCheck } from '../types.js';
import type { PortCondition } from '../port/syntax.js';
import type { SysCondition } from './syntax.js';

export const check: CheckFactory<SysCondition> = (cond, service) => sysCheck(cond, service);

/** Where a `$SYS` rule reads: its own host/port, else the service's first `protocol mqtt` test over TCP
 *  (with its credentials, and its TLS when the port is the same), else 127.0.0.1:1883. */
export function sysEndpoint(cond: SysCondition, service: Service): { ep: Endpoint; timeoutMs: number } {
  const mqtt = service.rules
    .map((r) => r.condition)
    .find((c): c is PortCondition => c.kind === 'port' && c.protocol === 'mqtt' && !c.websocket);
  const base: Endpoint = mqtt
    ? endpointOf(mqtt, service)
    : { host: service.address || '127.0.0.1', port: 1883, version: 4, clientIdPrefix: 'brokerwatch' };
  const host = cond.host ?? base.host;
  const port = cond.port ?? base.port;
  const { tls, ...rest } = base;
  const sameListener = host === base.host && port === base.port;
  return {
    ep: { ...rest, ...(tls && sameListener ? { tls } : {}), host, port },
    timeoutMs: mqtt?.timeoutMs ?? DEFAULT_PORT_TIMEOUT_MS,
  };
}

/** The check of one `$SYS` rule. */
export function sysCheck(cond: SysCondition, service: Service): SampledCheck {
  let feed: SysFeed | undefined;
  const open = (clock: Clock | undefined): SysFeed => {
    if (!feed) {
      const { ep, timeoutMs } = sysEndpoint(cond, service);
      feed = acquireSysFeed(ep, timeoutMs, cond.test.kind === 'threshold' ? cond.test.topic : undefined, clock);
    }
    return feed;
  };
  return {
    run(ctx) {
      return Promise.resolve(judge(cond, open(ctx.clock), ctx));
    },
    // Subscribes as soon as the service's loop starts, so the first cycle has values to judge.
    watch(ctx) {
      open(ctx.clock);
    },
    close() {
      feed?.release();
      feed = undefined;
    },
  };
}

function judge(cond: SysCondition, feed: SysFeed, ctx: CheckContext): CheckResult {
  const id = ctx.rule.id;
  const init = (message: string): CheckResult => ({ ruleId: id, status: 'init', message: `${feed.where}: ${message}` });
  const down = feed.down === undefined ? '' : ` (no connection: ${feed.down})`;
  const test = cond.test;
  if (test.kind === 'threshold') {
    const refused = feed.refused.get(test.topic);
    if (refused) return init(`the broker refused the subscription to ${test.topic}: ${refused} (denied by ACL?)`);
    const v = feed.value(test.topic);
    if (!v) return init(`no value yet for ${test.topic}${down}`);
    if (Number.isNaN(v.value)) return init(`${test.topic} is not a number: "${v.raw}"`);
    const matched = compare(v.value, test.op, test.value);
    return {
      ruleId: id,
      status: matched ? 'failed' : 'ok',
      ...(matched ? { class: 'sys-threshold' as const } : {}),
      message: `${test.topic} = ${v.raw}${matched ? ` (${test.op} ${test.value})` : ''}`,
      metrics: { value: v.value },
    };
  }
  if (feed.refused.has(UPTIME_TOPIC))
    return init(`the broker refused the subscription to ${UPTIME_TOPIC} (denied by ACL?)`);
  if (feed.uptime === undefined || feed.advancedAt === undefined) return init(`no ${UPTIME_TOPIC} yet${down}`);
  const metrics = { uptimeSeconds: feed.uptime };
  if (test.kind === 'uptime-reset') {
    // Counted by the feed, so a restart between two cycles is seen even if the new uptime has
    // already grown past the old one by the next cycle.
    const seen = ctx.memo.get('resets') as { feed: SysFeed; resets: number } | undefined;
    ctx.memo.set('resets', { feed, resets: feed.resets });
    if (seen && seen.feed === feed && feed.resets > seen.resets) {
      return {
        ruleId: id,
        status: 'failed',
        class: 'sys-uptime-reset',
        message: `${feed.where}: broker uptime went backwards (now ${feed.uptime} s): restarted by someone else`,
        metrics,
      };
    }
    return { ruleId: id, status: 'ok', message: `${feed.where}: uptime ${feed.uptime} s`, metrics };
  }
  const interval = feed.intervalMs;
  if (interval === undefined) return init(`learning the $SYS update interval (uptime ${feed.uptime} s)${down}`);
  const still = ctx.now - feed.advancedAt;
  if (still > 2 * interval) {
    const s = (ms: number): string => (ms / 1000).toFixed(1);
    return {
      ruleId: id,
      status: 'failed',
      class: 'sys-stale',
      message: `${feed.where}: ${UPTIME_TOPIC} has not advanced for ${s(still)} s (updates every ${s(interval)} s)${down}`,
      metrics: { ...metrics, staleMs: still },
    };
  }
  return { ruleId: id, status: 'ok', message: `${feed.where}: uptime ${feed.uptime} s, advancing`, metrics };
}

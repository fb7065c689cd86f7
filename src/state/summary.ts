// The one-word status of a service and its first failure, recomputed after every input for the status API.
import type { Ctx } from './step.js';
import { eventTypeOf, isSampled } from './conditions.js';

/** The status API's summary: the first failed rule in rules-file order, else ok once anything was seen. */
export function summarise(ctx: Pick<Ctx, 's' | 'service'>): void {
  const s = ctx.s;
  if (s.monitor === 'not-monitored') {
    s.status = 'unknown';
    delete s.failure;
    return;
  }
  for (const rule of ctx.service.rules) {
    const rs = s.rules.find((r) => r.id === rule.id);
    if (!rs || rs.phase === 'ok') continue;
    s.status = 'failed';
    s.failure = {
      ruleId: rule.id,
      type: eventTypeOf(rule.condition),
      ...(rs.class !== undefined ? { class: rs.class } : {}),
      message: rs.message ?? '',
      ...(rs.since !== undefined ? { since: rs.since } : {}),
    };
    return;
  }
  delete s.failure;
  const sampled = ctx.service.rules.filter(isSampled);
  const seen =
    sampled.length === 0
      ? s.cycle > 0
      : s.rules.some((r) => (r.last === 'ok' || r.last === 'failed') && sampled.some((x) => x.id === r.id));
  s.status = seen ? 'ok' : 'unknown';
}

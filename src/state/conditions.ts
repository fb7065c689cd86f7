// How each condition behaves in the state machine: the monit event it reports and whether start
// grace applies (both said by its check kind), and which rules are sampled or drive restarts.
import { syntaxOf } from '../checks/registry.js';
import type { Condition, EventType, Rule } from '../config/model.js';

/** monit's event name of a condition, as its kind says. */
export function eventTypeOf(c: Condition): EventType {
  return syntaxOf(c).eventType(c);
}

/** Rules whose failures are not counted right after a start, until their first ok (start grace). */
export function hasStartGrace(c: Condition): boolean {
  return syntaxOf(c).startGrace;
}

/** Rules that are evaluated from check results (not from the machine's own restart record). */
export function isSampled(rule: Rule): boolean {
  return rule.condition.kind !== 'restarts';
}

/** Rules whose failure drives restarts; only these decide whether the broker is "healthy" for the backoff. */
export function triggersRestart(rule: Rule): boolean {
  const k = rule.action.kind;
  return rule.condition.kind !== 'changed' && (k === 'restart' || k === 'start');
}

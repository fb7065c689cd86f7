// How each condition behaves in the state machine, as its check kind says: the monit event it
// reports, whether start grace applies, whether it is sampled or a one-shot, whether it drives restarts.
import { hasCheck, syntaxOf } from '../checks/registry.js';
import type { Condition, EventType, Rule } from '../config/model.js';

/** monit's event name of a condition, as its kind says. */
export function eventTypeOf(c: Condition): EventType {
  return syntaxOf(c).eventType(c);
}

/** Rules whose failures are not counted right after a start, until their first ok (start grace). */
export function hasStartGrace(c: Condition): boolean {
  return syntaxOf(c).startGrace;
}

/** Rules that are evaluated from check results; a kind without a check is the machine's own
 *  (`N restarts within M cycles`, from its restart record). */
export function isSampled(rule: Rule): boolean {
  return hasCheck(rule.condition);
}

/** Rules whose failure drives restarts; only these decide whether the broker is "healthy" for the
 *  backoff. A one-shot (`changed`) has no failed state to recover from, so it never counts. */
export function triggersRestart(rule: Rule): boolean {
  const k = rule.action.kind;
  return !syntaxOf(rule.condition).oneShot && (k === 'restart' || k === 'start');
}

/** Rules whose each failure is an event of its own ("changed", "content match"), with no failed state. */
export function isOneShot(rule: Rule): boolean {
  return syntaxOf(rule.condition).oneShot === true;
}

// How each kind of condition behaves in the state machine: the monit event it reports, whether it is a
// failed/succeeded state or a one-shot "changed", and whether start grace applies to it.
import type { Condition, EventType, Rule } from '../config/model.js';

/**
 * monit's event names. `$SYS` rules have no monit counterpart: thresholds on broker statistics are
 * `resource` (like cpu/memory), the two uptime watches (went backwards, stopped advancing) are `uptime`.
 */
export function eventTypeOf(c: Condition): EventType {
  switch (c.kind) {
    case 'nonexist':
      return 'nonexist';
    case 'exist':
      return 'exist';
    case 'port':
      return 'connection';
    case 'resource':
      return 'resource';
    case 'uptime':
      return 'uptime';
    case 'changed':
      return c.what;
    case 'restarts':
      return 'timeout';
    case 'status':
      return 'status';
    case 'timestamp':
      return 'timestamp';
    case 'size':
      return 'size';
    case 'checksum':
      return 'checksum';
    case 'permission':
      return 'permission';
    case 'uid':
      return 'uid';
    case 'gid':
      return 'gid';
    case 'sys':
      return c.test.kind === 'threshold' ? 'resource' : 'uptime';
  }
}

/** Rules whose failures are not counted right after a start, until their first ok (start grace). */
export function hasStartGrace(c: Condition): boolean {
  return c.kind === 'port' || c.kind === 'sys';
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

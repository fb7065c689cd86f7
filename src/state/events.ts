// One typed stream of events: the HTTP API, metrics, logs and alerts all consume it.
import { FAILURE_CLASSES } from '../checks/result.js';
import type { FailureClass } from '../checks/result.js';
import type { ActionKind, EventType } from '../config/model.js';
import { EVENT_TYPES } from '../config/model.js';

export type EventState = 'failed' | 'succeeded' | 'changed';

export interface ServiceEvent {
  /** Monotonic per daemon run; with `time` it orders events. */
  readonly id: number;
  readonly service: string;
  readonly type: EventType;
  readonly state: EventState;
  /** What brokerwatch did (or will do) about it, monit's wording: restart, alert, exec, … */
  readonly action: ActionKind | 'none';
  readonly class?: FailureClass;
  readonly message: string;
  /** Epoch milliseconds. */
  readonly time: number;
}

const STATES: readonly EventState[] = ['failed', 'succeeded', 'changed'];
const ACTIONS: readonly (ActionKind | 'none')[] = [
  'alert',
  'restart',
  'start',
  'stop',
  'unmonitor',
  'monitor',
  'exec',
  'reboot',
  'none',
];
/** The largest time a Date can hold: a saved event beyond it would break every page that shows it. */
const MAX_TIME = 8.64e15;

function oneOf<T extends string>(v: unknown, list: readonly T[]): T | undefined {
  return typeof v === 'string' && (list as readonly string[]).includes(v) ? (v as T) : undefined;
}

/** A ServiceEvent from parsed JSON (a state, queue or ledger file: input from disk), or undefined
 *  when a field is missing or wrong. An unknown failure class is dropped, not the event. */
export function parseEvent(v: unknown): ServiceEvent | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const type = oneOf<EventType>(o.type, EVENT_TYPES);
  const state = oneOf(o.state, STATES);
  const action = oneOf(o.action, ACTIONS);
  const cls = oneOf<FailureClass>(o.class, FAILURE_CLASSES);
  const { id, service, message, time } = o;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || typeof service !== 'string' || typeof message !== 'string')
    return undefined;
  if (typeof time !== 'number' || !(Math.abs(time) <= MAX_TIME) || !type || !state || !action) return undefined;
  return { id, service, type, state, action, ...(cls ? { class: cls } : {}), message, time };
}

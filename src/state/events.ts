// One typed stream of events: the HTTP API, metrics, logs and alerts all consume it.
import type { FailureClass } from '../checks/result.js';
import type { ActionKind, EventType } from '../config/model.js';

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

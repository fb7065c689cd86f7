// The status API's JSON, as the daemon sends it and every client reads it: the shapes of the status,
// service, events and action replies. Types only: the server builds these values (http/dto.ts) and
// the CLI reads them, so a client never loads the server's code. The word lists (statuses, failure
// classes, event types) are the model's own, imported as types, which compile to nothing.
import type { CheckStatus, FailureClass } from '../checks/result.js';
import type { ActionKind, Condition, EventType, Service, ServiceType } from '../config/model.js';
import type { EventState } from '../state/events.js';
import type { ControlAction, MonitorState, RulePhase, ServiceStatus } from '../state/types.js';

/** The daemon itself. */
export interface DaemonDto {
  readonly name: 'brokerwatch';
  readonly version: string;
  readonly pid: number;
  readonly host: string;
  readonly startedAt: number;
  readonly uptimeSeconds: number;
  readonly rulesFile: string;
  readonly cycleSeconds: number;
}

/** One rule's latest sample. */
export interface CheckDto {
  readonly rule: string;
  readonly test: Condition['kind'];
  /** The event type the rule reports (monit's), e.g. connection for a port test. */
  readonly event: EventType;
  readonly status: CheckStatus;
  readonly phase: RulePhase;
  readonly class: FailureClass | null;
  readonly message: string;
  readonly target: string | null;
  /** The protocol of a port test (`mqtt`, …); null for plain TCP and other tests. */
  readonly protocol: string | null;
  readonly metrics: Readonly<Record<string, number>>;
}

/** One service; no start program, probe password or alert target is ever part of it. */
export interface ServiceDto {
  readonly name: string;
  readonly type: ServiceType;
  readonly status: ServiceStatus;
  readonly failure: {
    readonly rule: string;
    readonly type: EventType;
    readonly class: FailureClass | null;
    readonly message: string;
    readonly since: number | null;
  } | null;
  readonly monitor: MonitorState;
  readonly monitorSince: number;
  readonly mode: Service['mode'];
  readonly pid: number | null;
  readonly uptimeSeconds: number | null;
  readonly cpuPercent: number | null;
  readonly memoryBytes: number | null;
  readonly memoryPercent: number | null;
  readonly restarts: number;
  readonly action: 'start' | 'stop' | 'restart' | null;
  readonly pending: { readonly action: 'start' | 'restart'; readonly dueAt: number } | null;
  readonly backoff: { readonly attempts: number; readonly gaveUp: boolean; readonly retryAt: number | null };
  readonly lastCheckAt: number | null;
  /** brokerwatch's own trouble looking at the service (out of descriptors…): the broker is not judged meanwhile. */
  readonly ownProblem: string | null;
  readonly probe: Readonly<Record<string, number>>;
  readonly checks: readonly CheckDto[];
  /** What a system, filesystem or network service read in its last cycle, by name (`load1`,
   *  `spaceUsedPercent`, `downloadBytesPerSecond`, …); null: not measurable yet. Absent for other types. */
  readonly facts?: Readonly<Record<string, number | string | null>>;
}

/** GET /api/v1/status. */
export interface StatusDto {
  readonly daemon: DaemonDto;
  readonly services: readonly ServiceDto[];
}

/** GET /api/v1/services/NAME. */
export interface ServiceReply {
  readonly service: ServiceDto;
}

/** One event, its message scrubbed. */
export interface EventDto {
  /** Monotonic per daemon run; with `time` it orders events. */
  readonly id: number;
  readonly service: string;
  readonly type: EventType;
  readonly state: EventState;
  /** What brokerwatch did (or will do) about it, monit's wording: restart, alert, exec, … */
  readonly action: ActionKind | 'none';
  readonly class: FailureClass | null;
  readonly message: string;
  /** Epoch milliseconds. */
  readonly time: number;
}

/** GET /api/v1/events. */
export interface EventsReply {
  readonly events: readonly EventDto[];
  /** Ask again with `since=lastId` for what follows. */
  readonly lastId: number;
  readonly more: boolean;
}

/** POST /api/v1/services/NAME/ACTION (202): the outcome shows in the events. */
export interface ActionReply {
  readonly actionId: number;
  readonly service: string;
  readonly action: ControlAction;
  /** The services it applies to (every one for `all`). */
  readonly services: readonly string[];
}

/** POST /api/v1/reload, accepted. */
export interface ReloadReply {
  readonly ok: true;
  readonly services: number;
}

/** POST /api/v1/quit (202). */
export interface QuitReply {
  readonly ok: true;
  readonly message: string;
}

// The state machine's public surface: what the daemon, the status API and the state file use.
export { initialState, step } from './machine.js';
export { restoreState } from './restore.js';
export type { RestoreOptions } from './restore.js';
export { backoffDelay } from './restart-backoff.js';
export { eventTypeOf } from './conditions.js';
export { MACHINE_STATE_VERSION } from './types.js';
export type {
  BackoffState,
  ControlAction,
  EventDraft,
  FailureSummary,
  InFlight,
  InFlightProgram,
  MachineInput,
  MachineState,
  MonitorState,
  Origin,
  Pending,
  PlannedAction,
  ProcessAction,
  RulePhase,
  RuleState,
  ServiceStatus,
  Step,
} from './types.js';

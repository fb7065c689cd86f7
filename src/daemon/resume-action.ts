// A start/stop/restart whose program outlived the daemon that ran it (SIGKILL, a crash): the daemon
// started again waits for that program, found by PID and start time, instead of deciding again and
// running a second start beside it (two brokers, one of them unknown). The action's budget runs from
// when the program was spawned; past it, the program's group is ended as any timed-out program's.
// Then the action ends as it would have: the new broker is looked for within the same budget, or the
// stopped one is made to exit. The program's own exit status is lost (it is not our child).
import type { Command, Service } from '../config/model.js';
import { DEFAULT_PROGRAM_TIMEOUT_MS } from '../config/model.js';
import { DEFAULT_KILL_GRACE_MS } from '../actions/run.js';
import { terminateGroupOf } from '../process/group.js';
import type { ProcessIdentity } from '../process/identity.js';
import { isSameProcess } from '../process/identity.js';
import type { InFlightProgram, ProcessAction } from '../state/types.js';
import { systemClock } from '../util/clock.js';
import type { ControlOptions, ControlOutcome } from './process-control.js';
import { afterStopProgram, startService, until, waitForNewProcess } from './process-control.js';

/** How often the program is looked at: this wait is on the way to a serving broker. */
const POLL_MS = 25;

/** The program as a process identity (cmdline is not needed to tell it apart). */
export function programIdentity(p: InFlightProgram): ProcessIdentity {
  return { pid: p.pid, startTime: p.startTime, cmdline: [] };
}

/** True while the recorded program still runs: same PID and same start time, not a zombie. */
export function programRunning(p: InFlightProgram): boolean {
  return isSameProcess(programIdentity(p));
}

/**
 * Waits for the recorded program of action `action` to end, then finishes the action; `identity` is
 * the service's process as known before it. `opts.signal` ends the wait (daemon closing) without
 * touching the program: undefined then, and the state file still names it for the next daemon.
 */
export async function resumeAction(
  service: Service,
  action: ProcessAction,
  program: InFlightProgram,
  identity: ProcessIdentity | undefined,
  opts: ControlOptions,
): Promise<ControlOutcome | undefined> {
  const clock = opts.clock ?? systemClock;
  const command = programOf(service, program.command);
  const budget = command?.timeoutMs ?? DEFAULT_PROGRAM_TIMEOUT_MS;
  const deadline = program.at + budget;
  const what = `${program.command} program (pid ${program.pid}, left running by the previous brokerwatch)`;
  const ended = await until(clock, () => (programRunning(program) ? undefined : true), deadline, POLL_MS, opts.signal);
  if (opts.signal?.aborted) return undefined;
  if (!ended) {
    const t = await terminateGroupOf(programIdentity(program), DEFAULT_KILL_GRACE_MS);
    const how = t.forced ? 'SIGTERM, then SIGKILL' : 'SIGTERM';
    return {
      ok: false,
      class: 'action-timeout',
      message: `${what} timed out after ${budget} ms; process group ${program.pid} ended with ${how}`,
    };
  }
  if (program.command !== 'stop') {
    // Its broker started after it did: the program's own start time is the mark a fresh start uses.
    return waitForNewProcess(service, deadline, budget, opts, identity, '', program.command, program.startTime);
  }
  const stopped = await afterStopProgram(service, identity, opts, { deadline, output: '' });
  if (action !== 'restart' || !stopped.ok) return stopped;
  // A restart without a restart program was stopping: its start follows, as it would have.
  const started = await startService(service, opts, identity);
  return { ...started, message: `${stopped.message}; ${started.message}` };
}

function programOf(service: Service, command: ProcessAction): Command | undefined {
  return command === 'start' ? service.start : command === 'stop' ? service.stop : service.restart;
}

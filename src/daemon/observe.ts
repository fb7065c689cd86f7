// What a service's type observes each cycle before its rules' checks run: a process service looks
// its process up (the `exist`/`not exist` checks judge that lookup), a program service runs
// its program (the `status` rules read its exit code). Both are the service's own "checks" that
// every other check builds on: the PID for resource checks, the exit status for status rules.
import { programEnv } from '../actions/env.js';
import { runCommand } from '../actions/run.js';
import type { Limits, Service } from '../config/model.js';
import { DEFAULT_PROGRAM_OUTPUT_BYTES, DEFAULT_PROGRAM_TIMEOUT_MS } from '../config/model.js';
import type { Observed, Observer } from '../observers/kind.js';
import type { FindResult, ProcessIdentity } from '../process/identity.js';
import { OwnFault, isOwnFault } from '../util/own-fault.js';
import { findProcess } from './process-control.js';

/** What one cycle's look at the service found. */
export interface Observation {
  /** What the process lookup found; absent when none was made (a start or stop is running). */
  readonly lookup?: FindResult;
  /** The identified process's PID, for the checks (process services). */
  readonly pid?: number;
  /** The process found this cycle, when the lookup ran and found one. */
  readonly found?: ProcessIdentity;
  /** The program's exit status (program services). */
  readonly programStatus?: number;
  /** The program's output, stdout and stderr as they came, its last `programOutput` bytes. */
  readonly programOutput?: string;
  /**
   * The pidfile's health, when the lookup read one: `ok`, or what is wrong with it while the broker
   * is known to run (its identity, or a probe connection), which is not a failure until it lasts.
   */
  readonly pidfile?: { readonly ok: true } | { readonly ok: false; readonly message: string };
  /** What the service type's observer read (system, filesystem, network). */
  readonly observed?: Observed;
  /**
   * Why the look could not be made (brokerwatch out of descriptors or memory): no verdict on the
   * broker this cycle, and brokerwatch's own problem to report.
   */
  readonly ownFault?: string;
}

/** How to observe. */
export interface ObserveOptions {
  /** The process identified so far. */
  readonly identity: ProcessIdentity | undefined;
  /** A start/stop is running: the process is in flux, so existence is judged when it is done. */
  readonly actionRunning: boolean;
  /** A probe holds a connection to the broker right now: a broker serves, whatever its pidfile says. */
  readonly connected?: boolean;
  readonly cwd: string;
  readonly signal: AbortSignal;
  /** Epoch ms of the cycle: the program's $MONIT_DATE. */
  readonly now: number;
  /** `set limits`: the output kept (programOutput). */
  readonly limits?: Limits;
  /** The service type's observer, when it has one (config/service-types.ts). */
  readonly observer?: Observer;
}

/** Looks at the service as its type says: the process lookup, or the program run. */
export async function observe(s: Service, o: ObserveOptions): Promise<Observation> {
  if (s.type === 'process') return observeProcess(s, o);
  if (o.observer) {
    try {
      return { observed: await o.observer.observe(o.now, o.signal) };
    } catch (e) {
      // Out of descriptors or memory: nothing was seen, which says nothing of the host or its mounts.
      if (!isOwnFault(e)) throw e;
      return { ownFault: new OwnFault('read what the service observes', e).message };
    }
  }
  if (s.type === 'program' && s.program) {
    const env = programEnv({ service: s.name, event: 'Status', description: 'Status', date: new Date(o.now) });
    const r = await runCommand(s.program, {
      env,
      cwd: o.cwd,
      defaultTimeoutMs: DEFAULT_PROGRAM_TIMEOUT_MS,
      signal: o.signal,
      maxOutputBytes: o.limits?.programOutputBytes ?? DEFAULT_PROGRAM_OUTPUT_BYTES,
    });
    return { programStatus: r.exitCode ?? (r.timedOut ? 255 : 127), programOutput: r.output };
  }
  return {};
}

async function observeProcess(s: Service, o: ObserveOptions): Promise<Observation> {
  if (o.actionRunning) return o.identity ? { pid: o.identity.pid } : {};
  let lookup: FindResult;
  try {
    lookup = await findProcess(s, o.identity);
  } catch (e) {
    if (!isOwnFault(e) && !(e instanceof OwnFault)) throw e;
    const message = e instanceof OwnFault ? e.message : new OwnFault('look the process up', e).message;
    // The process known so far keeps its PID for the other checks; existence is not judged.
    return { ownFault: message, ...(o.identity ? { pid: o.identity.pid } : {}) };
  }
  if (lookup.running) {
    const pidfile = s.pidfile === undefined ? {} : { pidfile: pidfileHealth(lookup.pidfile) };
    return { lookup, pid: lookup.identity.pid, found: lookup.identity, ...pidfile };
  }
  // No process known, but a probe is connected to the broker right now: it runs. Its existence is not
  // judged this cycle (no restart), and the pidfile's state is what is reported.
  if ((lookup.class === 'pidfile-invalid' || lookup.class === 'pidfile-foreign') && o.connected === true) {
    return { pidfile: { ok: false, message: `${lookup.message}; a probe is connected to the broker` } };
  }
  return { lookup };
}

function pidfileHealth(problem: string | undefined): NonNullable<Observation['pidfile']> {
  return problem === undefined ? { ok: true } : { ok: false, message: problem };
}

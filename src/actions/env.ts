// The environment of start/stop/restart programs and `exec` actions. monit passes the event to
// the program in MONIT_* variables (manual, "ENVIRONMENT"; spawn.c in monit 5.33), and existing
// scripts such as slack webhooks read them, so they are kept with monit's names and formats;
// each has a BROKERWATCH_* twin for new scripts. Nothing of brokerwatch's own environment is
// passed on: it may hold secrets, and programs run by a supervisor must not depend on how it was
// started.
import { hostname } from 'node:os';

/** A minimal PATH in which init scripts find their tools; programs get no other inherited variable. */
export const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What a program is told about the event that made brokerwatch run it. */
export interface ProgramContext {
  readonly service: string;
  /** monit's event description ("Does not exist", "Connection failed"), or for a start/stop
   *  program run without an event: "Started", "Stopped", "Restarted". */
  readonly event: string;
  /** The event's message, or the same word as `event` when there is none. */
  readonly description: string;
  readonly date?: Date;
  /** The host name; defaults to os.hostname(). */
  readonly host?: string;
  /** For process services (monit sets these for them only). */
  readonly process?: {
    readonly pid?: number;
    readonly memoryBytes?: number;
    readonly children?: number;
    readonly cpuPercent?: number;
  };
  /** For program services: the last exit status of the checked program. */
  readonly programStatus?: number;
}

/** The base environment of every program: a safe PATH and nothing else. */
export function baseEnv(): Record<string, string> {
  return { PATH: SAFE_PATH };
}

/** The environment for a program run because of `ctx`: PATH, MONIT_* and BROKERWATCH_* variables. */
export function programEnv(ctx: ProgramContext): Record<string, string> {
  const vars: Record<string, string> = {
    SERVICE: ctx.service,
    EVENT: ctx.event,
    DESCRIPTION: ctx.description,
    DATE: formatMonitDate(ctx.date ?? new Date()),
    HOST: ctx.host ?? hostname(),
  };
  if (ctx.process !== undefined) {
    // monit's formats: PID 0 when not running, memory in kB, CPU with one decimal.
    const p = ctx.process;
    vars.PROCESS_PID = String(p.pid ?? 0);
    vars.PROCESS_MEMORY = String(Math.floor((p.memoryBytes ?? 0) / 1024));
    vars.PROCESS_CHILDREN = String(p.children ?? 0);
    vars.PROCESS_CPU_PERCENT = (p.cpuPercent ?? 0).toFixed(1);
  }
  if (ctx.programStatus !== undefined) vars.PROGRAM_STATUS = String(ctx.programStatus);

  const env = baseEnv();
  for (const [name, value] of Object.entries(vars)) {
    // A NUL cannot be passed in an environment (spawn would throw); messages can carry program output.
    const clean = value.replaceAll('\0', '');
    env[`MONIT_${name}`] = clean;
    env[`BROKERWATCH_${name}`] = clean;
  }
  return env;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** monit's MONIT_DATE: local time, RFC 822 style without the zone, e.g. "Sun, 07 Feb 2021 17:22:49". */
export function formatMonitDate(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const day = DAYS[date.getDay()] ?? '';
  const month = MONTHS[date.getMonth()] ?? '';
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  return `${day}, ${two(date.getDate())} ${month} ${date.getFullYear()} ${time}`;
}

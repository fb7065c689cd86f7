// `if failed ping …`: Node cannot open ICMP sockets, so each echo request is one run of the system's
// ping (iputils, `-c 1`, without a shell, in the C locale), as monit sends them: one after the other,
// each waited for the timeout, and the first reply ends the test. A run that outlives its wait by
// KILL_AFTER_MS is killed. Metrics: responseMs (the reply's round trip), totalMs.
import { spawn } from 'node:child_process';
import type { Service } from '../../config/model.js';
import { monotonicMs, systemClock } from '../../util/clock.js';
import type { CheckFactory } from '../kind.js';
import type { CheckResult } from '../result.js';
import type { CheckContext, SampledCheck } from '../types.js';
import { PING_NEEDS, readPing } from './output.js';
import type { PingReading } from './output.js';
import type { PingCondition } from './syntax.js';

/** iputils' ping, where Debian puts it. */
export const PING_BIN = '/usr/bin/ping';
/** How long a run may outlive its own wait (start-up, name lookup) before it is killed. */
const KILL_AFTER_MS = 2000;

export const check: CheckFactory<PingCondition> = (cond, service) => pingCheck(cond, service);

function args(cond: PingCondition, host: string): string[] {
  return [
    '-n',
    '-c',
    '1',
    '-W',
    (cond.timeoutMs / 1000).toString(),
    '-s',
    String(cond.size),
    ...(cond.ipVersion ? [`-${cond.ipVersion}`] : []),
    ...(cond.address !== undefined ? ['-I', cond.address] : []),
    host,
  ];
}

/** One echo request: one run of ping, within its wait and KILL_AFTER_MS. */
function once(cond: PingCondition, host: string, ctx: CheckContext): Promise<PingReading> {
  const clock = ctx.clock ?? systemClock;
  return new Promise((resolve) => {
    const child = spawn(PING_BIN, args(cond, host), {
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: ctx.signal,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('latin1')));
    const timer = clock.setTimeout(() => child.kill('SIGKILL'), cond.timeoutMs + KILL_AFTER_MS);
    child.once('error', (e: NodeJS.ErrnoException) => {
      timer.cancel();
      const message =
        e.code === 'ENOENT' ? `${PING_BIN} not found; ${PING_NEEDS}` : `cannot run ${PING_BIN}: ${e.message}`;
      resolve({ ok: false, class: 'internal', message, final: true });
    });
    child.once('close', (status) => {
      timer.cancel();
      resolve(readPing(out, err, status));
    });
  });
}

/** The ping test of one rule; the host is the service's address. */
export function pingCheck(cond: PingCondition, service?: Service): SampledCheck {
  const host = service?.address ?? '127.0.0.1';
  return {
    async run(ctx: CheckContext): Promise<CheckResult> {
      const t0 = monotonicMs();
      let last: PingReading | undefined;
      for (let i = 0; i < cond.count && !ctx.signal.aborted; i++) {
        last = await once(cond, host, ctx);
        if (last.ok || last.final) break;
      }
      const totalMs = Math.round(monotonicMs() - t0);
      const base = { ruleId: ctx.rule.id };
      if (last?.ok)
        return {
          ...base,
          status: 'ok',
          message: `${host}: echo reply in ${last.rttMs} ms`,
          metrics: { responseMs: last.rttMs, totalMs },
        };
      const why = !last
        ? { class: 'internal' as const, message: 'check aborted' }
        : last.class === 'response-timeout'
          ? {
              class: last.class,
              message: `no echo reply to ${cond.count} requests of ${cond.size} bytes (${cond.timeoutMs} ms each)`,
            }
          : last;
      return { ...base, status: 'failed', class: why.class, message: `${host}: ${why.message}`, metrics: { totalMs } };
    },
  };
}

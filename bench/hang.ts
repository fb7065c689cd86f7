// Hang benchmark: SIGSTOP the broker (the kernel still accepts TCP, nothing answers) at a random
// phase of the cycle and measure stop → CONNACK from a new broker, under the very rules a monit user
// writes (`set daemon 1`, `protocol mqtt with timeout 1 seconds then restart`), and the same 1–2 s
// after a restart, when monit still pauses port tests for the start timeout. brokerwatch also runs
// the round-trip rule.
import type { BrokerSetup } from './lib.js';
import { alive, brokerSetup, cleanupBroker, launchSupervisor, readPid, sleep, waitServing, wallMs } from './lib.js';

export type HangRule = 'connect' | 'roundtrip';

/** A run not serving again after this long counts as "not recovered". */
export const GIVE_UP_MS = 20_000;

async function serving(b: BrokerSetup, deadlineMs: number): Promise<number> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    const pid = readPid(b.pidfile);
    if (pid && alive(pid) && (await waitServing(b.port, 300))) return pid;
    await sleep(20);
  }
  throw new Error(`broker not serving within ${deadlineMs} ms (see ${b.dir})`);
}

/** Ends a stopped broker the supervisor left behind (monit may), so the next run starts clean. */
function reap(pid: number): void {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

/**
 * SIGSTOPs the broker `runs` times; `early` puts each hang 1–2 s after a restart (caused by a
 * SIGKILL), otherwise 1.5–2.5 s after the broker was last seen serving. Returns stop → serving (ms),
 * Infinity for a run that did not recover within GIVE_UP_MS.
 */
export async function hangBench(
  kind: 'brokerwatch' | 'monit',
  rule: HangRule,
  runs: number,
  early: boolean,
): Promise<number[]> {
  const b = await brokerSetup(`${kind}-hang`);
  const sup = await launchSupervisor(kind, b, rule === 'roundtrip' ? 'protocol mqtt roundtrip qos 1' : 'protocol mqtt');
  const out: number[] = [];
  try {
    await serving(b, 20_000);
    for (let i = 0; i < runs; i++) {
      let pid = await serving(b, 30_000);
      if (early) {
        process.kill(pid, 'SIGKILL');
        const back = await waitServing(b.port, 30_000, 1);
        if (back === undefined) throw new Error(`${kind}: no restart after SIGKILL`);
        pid = await serving(b, 30_000);
        await sleep(Math.max(0, back + 1000 + Math.random() * 1000 - wallMs()));
      } else {
        await sleep(1500 + Math.random() * 1000);
      }
      const t0 = wallMs();
      process.kill(pid, 'SIGSTOP');
      const up = await waitServing(b.port, GIVE_UP_MS, 2);
      // Not back in time (monit cannot stop a stopped broker without a stop program that kills it):
      // counted, and the broker is ended here so the next run starts from a serving one.
      out.push(up === undefined ? Infinity : up - t0);
      reap(pid);
    }
  } finally {
    await sup.stop();
    const pid = readPid(b.pidfile);
    if (pid) reap(pid);
    await cleanupBroker(b);
  }
  return out;
}

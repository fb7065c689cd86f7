// Faults on the broker and its supervision, one at a time: each waits for a steady broker (serving,
// and brokerwatch's API reporting it ok under its PID), injects, holds, ends, and measures how long
// the broker took to serve again after the end.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { StatusDto } from '../../src/api/contract.js';
import { connack, readPid, sleep, wallMs } from '../lib.js';
import type { Rng } from './rng.js';
import { Deck } from './rng.js';
import type { Owned, World } from './world.js';
import { HTTP_USER, brokersOf, gone, killBrokers, startDecoy, startSquatter } from './world.js';

export const BROKER_FAULTS = [
  'broker SIGKILL',
  'broker SIGSTOP',
  'broker SIGTERM',
  'pidfile deleted',
  'pidfile emptied',
  'pidfile garbled',
  'pidfile names a decoy',
  'port taken while down',
  'start program fails',
  'brokerwatch SIGKILL',
] as const;
export type BrokerFault = (typeof BROKER_FAULTS)[number];

/** How many of each kind a round of the deck holds: kills are the commonest crash. */
const PER_ROUND: Readonly<Record<BrokerFault, number>> = {
  'broker SIGKILL': 2,
  'broker SIGSTOP': 1,
  'broker SIGTERM': 1,
  'pidfile deleted': 1,
  'pidfile emptied': 1,
  'pidfile garbled': 1,
  'pidfile names a decoy': 1,
  'port taken while down': 1,
  'start program fails': 1,
  'brokerwatch SIGKILL': 1,
};

/** The broker faults in seeded random order, each kind as often as PER_ROUND says. */
export function faultDeck(rng: Rng): Deck<BrokerFault> {
  return new Deck(
    BROKER_FAULTS.flatMap((k) => Array.from({ length: PER_ROUND[k] }, () => k)),
    rng,
  );
}

/** An outage fault: brokerwatch must notice it (a failed event) and bring the broker back. */
export const OUTAGES: ReadonlySet<BrokerFault> = new Set([
  'broker SIGKILL',
  'broker SIGSTOP',
  'broker SIGTERM',
  'port taken while down',
  'start program fails',
]);

/** How soon after a fault ends the broker must serve again. */
export const RECOVERY_BOUND_MS = 20_000;

/** What happened to one fault. */
export interface FaultRun {
  readonly kind: BrokerFault;
  readonly injectedAt: number;
  endedAt: number;
  /** First CONNACK after the end; undefined: not serving within the bound. */
  servingAt?: number;
  /** The broker's PID before, and after recovery: kept through faults that must not restart it. */
  readonly pidBefore: number;
  pidAfter?: number;
}

/** What the faults share with the rest of the soak. */
export interface FaultDeps {
  readonly w: World;
  readonly owned: Owned;
  readonly rng: Rng;
  /** The brokerwatch running now. */
  daemonPid(): number;
  restartDaemon(): Promise<void>;
  /** False while brokerwatch must not be killed (its state folder is or was just read-only). */
  mayKillDaemon(): boolean;
  readonly recoveryBoundMs: number;
}

/** GET /api/v1/status, or undefined if brokerwatch does not answer. */
export async function status(w: World): Promise<StatusDto | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${w.httpPort}/api/v1/status`, {
      headers: { authorization: `Basic ${Buffer.from(HTTP_USER).toString('base64')}` },
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok ? ((await res.json()) as StatusDto) : undefined;
  } catch {
    return undefined;
  }
}

/** The broker's PID once it serves and brokerwatch reports it ok under that PID; undefined after `ms`. */
export async function steadyBroker(w: World, ms: number): Promise<number | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const roots = brokersOf(w.broker.conf);
    const svc = (await status(w))?.services.find((s) => s.name === 'mosquitto');
    const pid = roots.length === 1 ? roots[0]?.pid : undefined;
    if (pid !== undefined && svc?.status === 'ok' && svc.pid === pid && (await connack(w.broker.port, 1_000)))
      return pid;
    await sleep(100);
  }
  return undefined;
}

/** Polls CONNACK until the broker serves; the wall time of the first success, or undefined after `ms`. */
export async function servingWithin(port: number, ms: number): Promise<number | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await connack(port, 500)) return wallMs();
    await sleep(20);
  }
  return undefined;
}

/** Runs one fault against the broker PID (steady); returns what happened. */
export async function runFault(kind: BrokerFault, pid: number, d: FaultDeps): Promise<FaultRun> {
  const run: FaultRun = { kind, injectedAt: wallMs(), endedAt: 0, pidBefore: pid };
  await inject(kind, pid, d);
  run.endedAt = wallMs();
  const serving = await servingWithin(d.w.broker.port, d.recoveryBoundMs);
  if (serving !== undefined) run.servingAt = serving;
  const roots = brokersOf(d.w.broker.conf);
  if (roots.length === 1 && roots[0]) run.pidAfter = roots[0].pid;
  return run;
}

async function inject(kind: BrokerFault, pid: number, d: FaultDeps): Promise<void> {
  const { w, rng } = d;
  switch (kind) {
    case 'broker SIGKILL':
      return signal(pid, 'SIGKILL');
    case 'broker SIGSTOP':
      // Hung, not dead: the kernel still accepts TCP. Recovery is brokerwatch's to bring.
      return signal(pid, 'SIGSTOP');
    case 'broker SIGTERM':
      return signal(pid, 'SIGTERM');
    case 'pidfile deleted':
    case 'pidfile emptied':
    case 'pidfile garbled':
    case 'pidfile names a decoy':
      return pidfileFault(kind, pid, d);
    case 'port taken while down':
      return portTaken(pid, d);
    case 'start program fails':
      writeFileSync(w.failFlag, '');
      signal(pid, 'SIGKILL');
      await sleep(rng.between(2_000, 8_000));
      rmSync(w.failFlag, { force: true });
      return;
    case 'brokerwatch SIGKILL': {
      const bw = d.daemonPid();
      d.owned.end(bw);
      await gone(bw, 5_000);
      await sleep(rng.between(100, 3_000));
      return d.restartDaemon();
    }
  }
}

/** The pidfile is broken for 2–8 s while the broker runs, then rewritten as it was (if still broken). */
async function pidfileFault(kind: BrokerFault, pid: number, d: FaultDeps): Promise<void> {
  const file = d.w.broker.pidfile;
  const before = readFileSync(file, 'utf8');
  let broken: string | undefined;
  if (kind === 'pidfile deleted') rmSync(file, { force: true });
  else if (kind === 'pidfile emptied') broken = '';
  else if (kind === 'pidfile garbled') broken = `${pid}x\u0000garbage\n`;
  else broken = `${startDecoy(d.owned)}\n`;
  if (broken !== undefined) writeFileSync(file, broken);
  await sleep(d.rng.between(2_000, 8_000));
  let now: string | undefined;
  try {
    now = readFileSync(file, 'utf8');
  } catch {
    now = undefined;
  }
  // A broker started meanwhile wrote its own pidfile: that one stays.
  if (now === broken) writeFileSync(file, before);
}

/** The broker dies and, before it can be started again, another process takes its port for 3–8 s. */
async function portTaken(pid: number, d: FaultDeps): Promise<void> {
  const { w, owned, rng } = d;
  writeFileSync(w.failFlag, '');
  signal(pid, 'SIGKILL');
  await gone(pid, 5_000);
  // Another broker may have been started in the instant before the flag: it goes too.
  if (brokersOf(w.broker.conf).length > 0) killBrokers(w.broker.conf);
  const squatter = await startSquatter(w.broker.port, owned);
  rmSync(w.failFlag, { force: true });
  await sleep(rng.between(3_000, 8_000));
  owned.end(squatter);
  await gone(squatter, 5_000);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** The PID the pidfile names now (for reports). */
export function pidfilePid(w: World): number | undefined {
  return readPid(w.broker.pidfile);
}

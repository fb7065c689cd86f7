// Faults beside the broker's, each on its own track at seeded random times: the mail server down,
// slow or refusing; HTTP floods and idle-connection floods against the status port; the state folder
// read-only. The broker faults (faults.ts) go on meanwhile.
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { wallMs } from '../lib.js';
import { status } from './faults.js';
import type { Rng } from './rng.js';
import { Deck } from './rng.js';
import type { ChaosSmtp, SmtpMode } from './smtp.js';
import type { World } from './world.js';
import { HTTP_USER, mountReadOnly, unmount } from './world.js';

/** One fault of a side track. */
export interface SideFault {
  readonly kind: string;
  readonly at: number;
  readonly ms: number;
  /** For floods: the status API answered again within 10 s after it. */
  apiBack?: boolean;
  note?: string;
}

/** Waits `ms`, or less if the soak is ending. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => undefined);
}

/** The mail server down, slow (past brokerwatch's 2 s timeout), or refusing with 451 or 550. */
export async function smtpTrack(smtp: ChaosSmtp, rng: Rng, signal: AbortSignal, out: SideFault[]): Promise<void> {
  const modes = new Deck<SmtpMode>(['down', 'down', 'slow', 'refuse451', 'refuse550'], rng);
  for (;;) {
    await pause(rng.between(4_000, 15_000), signal);
    if (signal.aborted) return;
    const mode = modes.draw();
    const ms = rng.between(3_000, 12_000);
    smtp.slowMs = rng.between(2_500, 4_000);
    const at = wallMs();
    await smtp.set(mode);
    // Not cut short by the end of the soak: the alert drain that follows starts from a normal server.
    await delay(ms);
    await smtp.set('up');
    out.push({
      kind: `SMTP ${mode === 'refuse550' ? 'refusing 550' : mode === 'refuse451' ? 'refusing 451' : mode}`,
      at,
      ms,
    });
  }
}

interface AutocannonResult {
  readonly requests: { readonly total: number };
  readonly non2xx: number;
  readonly errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

/** HTTP floods (many keep-alive requests) and idle-connection floods (sockets that send nothing). */
export async function floodTrack(w: World, rng: Rng, signal: AbortSignal, out: SideFault[]): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const auth = `Basic ${Buffer.from(HTTP_USER).toString('base64')}`;
  const kinds = new Deck(['http', 'idle'] as const, rng);
  for (;;) {
    await pause(rng.between(8_000, 25_000), signal);
    if (signal.aborted) return;
    const at = wallMs();
    let fault: SideFault;
    if (kinds.draw() === 'http') {
      const seconds = rng.between(2, 5);
      const r = await autocannon({
        url: `http://127.0.0.1:${w.httpPort}/api/v1/status`,
        connections: 8,
        duration: seconds,
        headers: { authorization: auth },
      });
      fault = {
        kind: 'HTTP flood',
        at,
        ms: seconds * 1000,
        note: `${r.requests.total} requests, ${r.non2xx} not 2xx`,
      };
    } else {
      const ms = rng.between(5_000, 15_000);
      const n = await idleFlood(w.httpPort, 300, ms);
      fault = { kind: 'idle-connection flood', at, ms, note: `${n} connections held` };
    }
    fault.apiBack = await apiAnswers(w, 10_000);
    out.push(fault);
  }
}

/** Opens N connections that never send a byte, holds them `ms`, closes them; returns how many connected. */
async function idleFlood(port: number, n: number, ms: number): Promise<number> {
  const sockets: Socket[] = [];
  let connected = 0;
  for (let i = 0; i < n; i++) {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    s.once('connect', () => connected++);
    sockets.push(s);
  }
  await delay(ms);
  for (const s of sockets) s.destroy();
  return connected;
}

async function apiAnswers(w: World, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await status(w)) return true;
    await delay(200);
  }
  return false;
}

/** Shared with the broker faults: brokerwatch is not killed while alerts may live only in its memory. */
export interface ReadOnlyState {
  active: boolean;
  /** brokerwatch may be killed again from this time on (wall ms). */
  killableFrom: number;
  /** A brokerwatch restart is under way: the folder is not made read-only meanwhile. */
  restarting: boolean;
}

/** How long after the folder is writable again brokerwatch is spared: flapping summaries and the
 *  ledger, not written while read-only, are written again by then. */
const SPARE_MS = 75_000;

/** The state folder read-only (a read-only bind mount: root ignores file modes) for 4–10 s at a time. */
export async function readOnlyTrack(
  w: World,
  rng: Rng,
  signal: AbortSignal,
  ro: ReadOnlyState,
  mounted: Set<string>,
  out: SideFault[],
): Promise<void> {
  for (;;) {
    // The next one only after brokerwatch may be killed again, and not at once: both kinds get their turn.
    const spared = Math.max(0, ro.killableFrom - wallMs());
    await pause(spared + rng.between(20_000, 60_000), signal);
    if (signal.aborted) return;
    if (ro.restarting) continue;
    const ms = rng.between(4_000, 10_000);
    const at = wallMs();
    ro.active = true;
    ro.killableFrom = Infinity;
    if (!mountReadOnly(w.stateDir)) {
      ro.active = false;
      ro.killableFrom = 0;
      out.push({ kind: 'state folder read-only', at, ms: 0, note: 'mount refused' });
      return;
    }
    mounted.add(w.stateDir);
    await delay(ms);
    unmount(w.stateDir);
    mounted.delete(w.stateDir);
    ro.active = false;
    ro.killableFrom = wallMs() + SPARE_MS;
    out.push({ kind: 'state folder read-only', at, ms });
  }
}

// QUEUEDIR/flapping.json: the events held for flapping services, so that a crash while a service
// flaps loses none of them (they go out as a summary at the next start).
import { readFile } from '../util/fs-async.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { Logger } from '../util/logger.js';
import type { Held } from './flapping.js';
import { parseEvent } from '../state/events.js';
import type { AlertEvent } from './types.js';

/** Reads the held events; a missing or unreadable file holds none. */
export async function readHeld(file: string, log: Logger): Promise<Record<string, Held>> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  try {
    const data = JSON.parse(text) as Record<string, { events?: unknown }>;
    const out: Record<string, Held> = {};
    for (const [service, h] of Object.entries(data)) {
      const events = Array.isArray(h.events)
        ? h.events.map(parseEvent).filter((e): e is AlertEvent => e !== undefined)
        : [];
      if (events.length > 0) out[service] = { events, since: 0, lastAt: 0 };
    }
    return out;
  } catch (err) {
    log.error({ err, file }, 'flapping file unreadable; its held events are lost');
    return {};
  }
}

/** Writes the held events (atomically). */
export async function writeHeld(file: string, held: Record<string, Held>): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(held)}\n`);
}

// Alert recipients (`set alert …` and a service's `alert …`): a target, whose grammar belongs to
// its channel (src/alerts/channels/<kind>/syntax.ts), then the filter, reminder and clauses common
// to all. Mail addresses are monit's; `webhook`, `mqtt` and `exec` channels are brokerwatch's.
import type { TargetClause } from '../alerts/channels/contract.js';
import { CHANNELS } from '../alerts/channels/registry.js';
import type { AlertTarget } from '../alerts/channels/registry.js';
import type { Cursor } from './cursor.js';
import { describe } from './cursor.js';
import type { AlertFilter, AlertRecipient, EventType } from './model.js';
import { EVENT_TYPES } from './model.js';

export { parseMailFormat } from '../alerts/channels/mail/format-syntax.js';
export { acceptBracketedAddress } from '../alerts/channels/mail/syntax.js';

const EVENTS: ReadonlySet<string> = new Set(EVENT_TYPES);

interface Clause {
  readonly kind: string;
  readonly clause: TargetClause<AlertTarget>;
}

/** The channels' own clauses (`mail-format`) by their word. */
const CLAUSES = new Map<string, Clause>(
  CHANNELS.flatMap(({ syntax: { kind, clause } }) => (clause ? [[clause.word, { kind, clause }]] : [])),
);

/**
 * Parses after `alert`: a target, then `[not] { events }`, `reminder N cycles`, a channel's clause
 * (`mail-format {…}`).
 */
export function parseAlertRecipient(c: Cursor): AlertRecipient {
  const first = c.peek();
  let target = parseTarget(c);
  let filter: AlertFilter = { mode: 'all', events: [] };
  let reminderCycles = 0;
  for (;;) {
    // `not` opens an event filter unless it starts `not every "CRON"` on the service's next line.
    if ((c.isWord('not') && !(c.peek(1).type === 'word' && c.peek(1).lower === 'every')) || c.peek().type === '{') {
      const negate = !!c.acceptWord('not');
      filter = { mode: negate ? 'except' : 'only', events: parseEventSet(c) };
    } else if (c.acceptWord('reminder')) {
      reminderCycles = c.expectInteger('a number of cycles after reminder', 0, 1_000_000);
      c.acceptWord('cycle', 'cycles');
    } else if (c.isWord(...CLAUSES.keys())) {
      const kw = c.next();
      const owner = CLAUSES.get(kw.lower) as Clause;
      // Under another channel's target, the clause reports that itself, once it read what it needs.
      target = owner.clause.parse(c, kw, owner.kind === target.kind ? target : undefined);
    } else {
      break;
    }
  }
  return { target, filter, reminderCycles, pos: first.pos };
}

function parseTarget(c: Cursor): AlertTarget {
  const entry = CHANNELS.find((e) => e.syntax.starts(c));
  if (entry) return entry.syntax.parse(c);
  c.fail(c.peek(), `expected ${EXPECTED_TARGET}, found ${describe(c.peek())}`);
}

/** `a mail address, or webhook "URL", mqtt "…" or exec "CMD"`: every channel's form, in registry order. */
const EXPECTED_TARGET = listForms(CHANNELS.map((e) => e.syntax.expected));

function listForms([first, ...rest]: string[]): string {
  const last = rest.pop();
  return `${first ?? ''}, or ${rest.length > 0 ? `${rest.join(', ')} or ` : ''}${last ?? ''}`;
}

/** `{ nonexist, timeout, … }` with monit's event names. */
export function parseEventSet(c: Cursor): EventType[] {
  const open = c.peek();
  if (open.type !== '{') c.fail(open, `expected '{' and a list of events, found ${describe(open)}`);
  c.next();
  const events: EventType[] = [];
  while (c.peek().type !== '}') {
    const t = c.peek();
    if (t.type === 'eof') c.fail(t, "expected '}' to close the event list, found end of file");
    if (t.type !== 'word' || !EVENTS.has(t.lower)) {
      c.fail(t, `unknown event ${describe(t)}: expected one of ${EVENT_TYPES.join(', ')}`);
    }
    c.next();
    events.push(t.lower as EventType);
  }
  c.next();
  return events;
}

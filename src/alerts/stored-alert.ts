// Queue and ledger files are input from disk: every field is checked before it is trusted, so a
// truncated or hand-edited file is reported instead of crashing the daemon.
import { parseEvent } from '../state/events.js';
import type { Alert, AlertEvent, AlertKind, AlertSummary } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const KINDS: readonly AlertKind[] = ['event', 'reminder', 'flapping', 'folded'];

function oneOf<T extends string>(v: unknown, list: readonly T[]): T | undefined {
  return typeof v === 'string' && (list as readonly string[]).includes(v) ? (v as T) : undefined;
}

function parseSummary(v: unknown): AlertSummary | undefined {
  if (!isObj(v) || !Array.isArray(v.events)) return undefined;
  const count = num(v.count);
  const from = num(v.from);
  const to = num(v.to);
  const events = v.events.map(parseEvent);
  if (count === undefined || from === undefined || to === undefined || events.some((e) => !e)) return undefined;
  return { count, from, to, events: events as AlertEvent[] };
}

/** An Alert from a queue file's text, or undefined when it is not one (or names another lane). */
export function parseAlert(text: string, lane: string): Alert | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(v) || v.v !== 1 || v.lane !== lane) return undefined;
  const id = str(v.id);
  const label = str(v.label);
  const kind = oneOf(v.kind, KINDS);
  const host = str(v.host);
  const created = num(v.created);
  const order = num(v.order);
  const event = parseEvent(v.event);
  const summary = v.summary === undefined ? undefined : parseSummary(v.summary);
  const reminder = num(v.reminder);
  const folds =
    Array.isArray(v.folds) && v.folds.every((x) => typeof x === 'string') ? (v.folds as string[]) : undefined;
  if (
    !id ||
    label === undefined ||
    !kind ||
    host === undefined ||
    created === undefined ||
    order === undefined ||
    !event
  )
    return undefined;
  if (v.summary !== undefined && !summary) return undefined;
  return {
    v: 1,
    id,
    lane,
    label,
    kind,
    host,
    created,
    order,
    event,
    ...(reminder !== undefined ? { reminder } : {}),
    ...(summary ? { summary } : {}),
    ...(folds ? { folds } : {}),
  };
}

// Every alert delivered exactly once and in order, judged from both ends: the events brokerwatch logged
// (its standard output is written synchronously, so a SIGKILL loses no line) and the mails the SMTP
// server read. Each mail names its event (X-Brokerwatch-Event and the Description line) or, for a
// flapping summary, lists its events one a line; each is matched to the earliest logged event it
// describes. The ledger's rule (a failure already alerted is not alerted again) decides which events
// may go without a mail of their own.
import { readFileSync } from 'node:fs';
import type { EventType } from '../../src/config/model.js';
import { eventLine } from '../../src/alerts/alert-text.js';
import type { ServiceEvent } from '../../src/state/events.js';
import type { SeenMail } from './smtp.js';

/** An event as brokerwatch logged it, with its place in the log. */
export interface LoggedEvent extends ServiceEvent {
  readonly index: number;
}

/** What the audit found. */
export interface AlertAudit {
  /** Events that are alerted (not an operator's request, a refusal, or brokerwatch's own start/stop). */
  readonly events: number;
  /** Events a mail stood for. */
  readonly covered: number;
  readonly mailsAccepted: number;
  /** Mails refused for good (550): brokerwatch drops them from its queue by design (kept in its outbox). */
  readonly refused550: number;
  /** Refused with 451 and sent again later (not counted as mails). */
  readonly refused451: number;
  /** Mails received again with the same Message-ID (an uncertain send retried): allowed. */
  readonly sameIdRepeats: number;
  readonly summaries: number;
  /** Events that needed no mail: a repeat of the state last alerted (the ledger's dedupe). */
  readonly deduped: number;
  readonly violations: string[];
}

/** Events from brokerwatch's log (pino JSON lines; several runs appended to one file). */
export function loggedEvents(logFile: string): LoggedEvent[] {
  const out: LoggedEvent[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let l: Record<string, unknown>;
    try {
      l = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof l.eventId !== 'number' || typeof l.service !== 'string' || typeof l.event !== 'string') continue;
    out.push({
      index: out.length,
      id: l.eventId,
      service: l.service,
      type: l.event as EventType,
      state: l.state as ServiceEvent['state'],
      action: l.action as ServiceEvent['action'],
      ...(typeof l.class === 'string' ? { class: l.class as NonNullable<ServiceEvent['class']> } : {}),
      message: String(l.msg),
      time: Number(l.time),
    });
  }
  return out;
}

/** Lines brokerwatch logged as its own bug, or fatal, and anything else it wrote (a crash's stack). */
export function bugLines(logFile: string): string[] {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  const bugs = lines.filter((l) => l.startsWith('{') && (/\(bug\)/.test(l) || /"level":60/.test(l)));
  const other = lines.filter((l) => l.trim() !== '' && !l.startsWith('{'));
  return other.length > 0
    ? [...bugs, `brokerwatch wrote: ${other.join(' ').replace(/\s+/g, ' ').slice(0, 400)}`]
    : bugs;
}

/** Alerted by the rules `set alert ADDR not on { instance }`. */
function alerted(e: LoggedEvent): boolean {
  return !(e.type === 'action' && e.state === 'changed') && e.class !== 'alert-rejected' && e.type !== 'instance';
}

/** Opens or closes a failure: the ledger keeps one state per service and type. */
function tracked(e: LoggedEvent): boolean {
  return (e.state === 'failed' || e.state === 'succeeded') && e.type !== 'action';
}

const keyOf = (e: { service: string; type: string }): string => `${e.service}\u0000${e.type}`;

/** A mail's events, as lines "SERVICE WORDS (DETAIL): MESSAGE" with the second of day they happened. */
interface Claim {
  readonly text: string;
  readonly second?: number;
}

function claimsOf(m: SeenMail): { kind: string; claims: Claim[] } {
  const [kind = '', service = '', type = '', state = ''] = m.event.split(' ');
  if (kind === 'event') {
    const description = /^\s*Description:\s?(.*)$/m.exec(m.text)?.[1] ?? '';
    return { kind, claims: [{ text: `${service}\u0000${type}\u0000${state}\u0000${description}` }] };
  }
  const claims: Claim[] = [];
  for (const l of m.text.split('\n')) {
    const x = /^ {2}(\d\d):(\d\d):(\d\d) (.+)$/.exec(l);
    if (x) claims.push({ text: x[4] ?? '', second: Number(x[1]) * 3600 + Number(x[2]) * 60 + Number(x[3]) });
  }
  return { kind, claims };
}

/** The text a claim of KIND is compared with. */
function eventText(e: LoggedEvent, kind: string): string {
  if (kind === 'event') return `${e.service}\u0000${e.type}\u0000${e.state}\u0000${e.message}`;
  return eventLine(e).slice(9);
}

function secondsApart(a: number, b: number): number {
  const d = Math.abs(a - b);
  return Math.min(d, 86_400 - d);
}

function secondOfDay(ms: number): number {
  const d = new Date(ms);
  return d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds();
}

/** Compares what was logged with what was mailed. */
export function auditAlerts(events: readonly LoggedEvent[], mails: readonly SeenMail[]): AlertAudit {
  const wanted = events.filter(alerted);
  const violations: string[] = [];
  /** Event index → the Message-IDs that stood for it, and whether one was a mail of its own. */
  const coveredBy = new Map<number, { ids: Set<string>; own: boolean }>();
  const seenIds = new Set<string>();
  let sameIdRepeats = 0;
  let summaries = 0;
  let lastIndex = -1;
  const final = mails.filter((m) => m.outcome !== 451);
  for (const m of final) {
    if (seenIds.has(m.messageId)) {
      sameIdRepeats++;
      continue;
    }
    seenIds.add(m.messageId);
    const { kind, claims } = claimsOf(m);
    if (kind !== 'event') summaries++;
    for (const c of claims) {
      const e = wanted.find(
        (x) =>
          !coveredBy.get(x.index)?.ids.size &&
          eventText(x, kind) === c.text &&
          (c.second === undefined || secondsApart(secondOfDay(x.time), c.second) <= 2),
      );
      if (!e) {
        violations.push(`a mail stands for no logged event: ${m.messageId} ${m.event} "${c.text.replace(/\0/g, ' ')}"`);
        continue;
      }
      coveredBy.set(e.index, { ids: new Set([m.messageId]), own: kind === 'event' });
      if (e.index < lastIndex)
        violations.push(`out of order: ${m.messageId} (event ${e.index}) arrived after a mail for event ${lastIndex}`);
      lastIndex = Math.max(lastIndex, e.index);
    }
  }
  const deduped = judgeCoverage(wanted, coveredBy, violations);
  return {
    events: wanted.length,
    covered: coveredBy.size,
    mailsAccepted: mails.filter((m) => m.outcome === 'accepted').length,
    refused550: mails.filter((m) => m.outcome === 550).length,
    refused451: mails.filter((m) => m.outcome === 451).length,
    sameIdRepeats,
    summaries,
    deduped,
    violations,
  };
}

/**
 * Walks the events in order with the ledger's rule: a tracked event without a mail is fine when its
 * state is the one last alerted for its service and type (a repeat), or when a later event of the
 * same state is alerted before any other state (sent late, after a restart re-armed it); any other
 * event without a mail is missing. A mail of its own for a repeat of the state last alerted is a
 * duplicate alert.
 */
function judgeCoverage(
  wanted: readonly LoggedEvent[],
  coveredBy: ReadonlyMap<number, { ids: Set<string>; own: boolean }>,
  violations: string[],
): number {
  const lastAlerted = new Map<string, string>();
  const pending = new Map<string, LoggedEvent>();
  let deduped = 0;
  const miss = (e: LoggedEvent, why: string): void => {
    violations.push(`no mail for event ${e.index} (${describe(e)}): ${why}`);
  };
  for (const e of wanted) {
    const cover = coveredBy.get(e.index);
    if (!tracked(e)) {
      if (!cover) miss(e, 'never alerted');
      continue;
    }
    const key = keyOf(e);
    const p = pending.get(key);
    if (p && p.state !== e.state) {
      miss(p, `followed by ${e.state} first`);
      pending.delete(key);
    }
    if (cover) {
      pending.delete(key);
      if (cover.own && lastAlerted.get(key) === e.state)
        violations.push(`alerted twice: event ${e.index} (${describe(e)}) repeats the state already alerted`);
      lastAlerted.set(key, e.state);
    } else if (lastAlerted.get(key) === e.state || p?.state === e.state) {
      deduped++;
    } else {
      pending.set(key, e);
    }
  }
  for (const p of pending.values()) miss(p, 'still not alerted at the end');
  return deduped;
}

function describe(e: LoggedEvent): string {
  return `${new Date(e.time).toISOString().slice(11, 23)} ${e.service} ${e.type} ${e.state}: ${e.message}`;
}

// Alert recipients (`set alert …` and a service's `alert …`) and `mail-format { … }` blocks.
// Mail addresses are monit's; `webhook`, `mqtt` and `exec` channels are brokerwatch's extensions.
import type { Token } from './lexer.js';
import type { Cursor } from './cursor.js';
import { describe } from './cursor.js';
import type { AlertFilter, AlertRecipient, AlertTarget, EventType, MailFormat } from './model.js';
import { EVENT_TYPES } from './model.js';
import { parseCommand } from './parse-rule.js';
import { parseDuration } from './units.js';

const EVENTS: ReadonlySet<string> = new Set(EVENT_TYPES);

/** Parses after `alert`: a target, then `[not] { events }`, `reminder N cycles`, `mail-format {…}`. */
export function parseAlertRecipient(c: Cursor): AlertRecipient {
  const first = c.peek();
  const target = parseTarget(c);
  let filter: AlertFilter = { mode: 'all', events: [] };
  let reminderCycles = 0;
  let format: MailFormat | undefined;
  for (;;) {
    // `not` opens an event filter unless it starts `not every "CRON"` on the service's next line.
    if ((c.isWord('not') && !(c.peek(1).type === 'word' && c.peek(1).lower === 'every')) || c.peek().type === '{') {
      const negate = !!c.acceptWord('not');
      filter = { mode: negate ? 'except' : 'only', events: parseEventSet(c) };
    } else if (c.acceptWord('reminder')) {
      reminderCycles = c.expectInteger('a number of cycles after reminder', 0, 1_000_000);
      c.acceptWord('cycle', 'cycles');
    } else if (c.isWord('mail-format')) {
      const kw = c.next();
      const block = c.peek();
      if (block.type !== 'block') c.fail(block, `expected '{' after mail-format, found ${describe(block)}`);
      c.next();
      if (target.kind !== 'mail') c.fail(kw, 'mail-format applies to mail recipients only');
      format = parseMailFormat(block, c);
    } else {
      break;
    }
  }
  const t: AlertTarget = format && target.kind === 'mail' ? { ...target, format } : target;
  return { target: t, filter, reminderCycles, pos: first.pos };
}

function parseTarget(c: Cursor): AlertTarget {
  const t = c.peek();
  if (t.type === 'word' && t.lower === 'webhook') {
    c.next();
    const url = c.expectString('a URL after webhook');
    checkUrl(c, url, ['http:', 'https:']);
    let slack = false;
    let timeoutMs = 5_000;
    for (;;) {
      if (c.acceptWord('slack')) slack = true;
      else if (c.acceptWord('timeout')) timeoutMs = parseDuration(c, 'timeout', 'seconds');
      else break;
    }
    return { kind: 'webhook', url: url.text, slack, timeoutMs };
  }
  if (t.type === 'word' && t.lower === 'mqtt') {
    c.next();
    const urlTok = c.expectString('an mqtt://HOST:PORT/TOPIC address after mqtt');
    const url = checkUrl(c, urlTok, ['mqtt:', 'mqtts:']);
    const topic = decode(c, urlTok, url.pathname.replace(/^\//, ''));
    if (!topic || /[#+]/.test(topic) || urlTok.text.includes('#')) c.fail(urlTok, `expected a topic without wildcards in "${urlTok.text}", e.g. mqtt://127.0.0.1:1883/brokerwatch/events`);
    let qos: 0 | 1 | 2 = 1;
    let retain = false;
    let username = url.username ? decode(c, urlTok, url.username) : undefined;
    let password = url.password ? decode(c, urlTok, url.password) : undefined;
    let caFile: string | undefined;
    for (;;) {
      if (c.acceptWord('qos')) qos = c.expectInteger('a QoS', 0, 2) as 0 | 1 | 2;
      else if (c.acceptWord('retain', 'retained')) retain = true;
      else if (c.acceptWord('username', 'user')) username = c.expectValue('a user name').text;
      else if (c.acceptWord('password')) password = c.expectValue('a password').text;
      else if (c.acceptWord('cafile')) caFile = c.expectValue('a CA file').text;
      else break;
    }
    const tls = url.protocol === 'mqtts:' ? { enabled: true, verify: true, ...(caFile ? { caFile } : {}) } : undefined;
    return {
      kind: 'mqtt',
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : url.protocol === 'mqtts:' ? 8883 : 1883,
      topic,
      qos,
      retain,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(tls ? { tls } : {}),
    };
  }
  if (t.type === 'word' && t.lower === 'exec') {
    c.next();
    return { kind: 'exec', command: parseCommand(c, 'a command after exec') };
  }
  const bracketed = acceptBracketedAddress(c);
  if (bracketed) return { kind: 'mail', address: bracketed };
  if ((t.type === 'word' || t.type === 'string') && MAIL_ADDRESS.test(t.text)) {
    c.next();
    return { kind: 'mail', address: t.text };
  }
  c.fail(t, `expected a mail address, or webhook "URL", mqtt "mqtt://HOST:PORT/TOPIC" or exec "CMD", found ${describe(t)}`);
}

const MAIL_ADDRESS = /^[^@\s]+@[^@\s]+$/;

/**
 * `<ops@example.com>`, as some monitrc files write a recipient: monit's lexer keeps the brackets in
 * the address; they are only the mail syntax around it, so brokerwatch drops them.
 */
export function acceptBracketedAddress(c: Cursor): string | undefined {
  const [open, addr, close] = [c.peek(), c.peek(1), c.peek(2)];
  if (!(open.type === 'op' && open.text === '<' && (addr.type === 'word' || addr.type === 'string') && MAIL_ADDRESS.test(addr.text))) return undefined;
  if (!(close.type === 'op' && close.text === '>' && close.glued && addr.glued)) return undefined;
  c.next();
  c.next();
  c.next();
  return addr.text;
}

/** decodeURIComponent, with a malformed escape (`%zz`, which URL lets through) as an error, not a throw. */
function decode(c: Cursor, tok: Token, s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    c.fail(tok, `malformed %-escape in "${tok.text}"`);
  }
}

function checkUrl(c: Cursor, tok: Token, protocols: string[]): URL {
  let url: URL;
  try {
    url = new URL(tok.text);
  } catch {
    c.fail(tok, `"${tok.text}" is not a valid URL`);
  }
  if (!protocols.includes(url.protocol)) c.fail(tok, `expected a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL, found "${tok.text}"`);
  return url;
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

const FORMAT_KEY = /^[ \t]*(from|reply-to|subject|message):/gim;

/** A `mail-format { from: … subject: … message: … }` block: each key to its line's end, message to the end. */
export function parseMailFormat(block: Token, c: Cursor): MailFormat {
  const text = block.text;
  const keys = [...text.matchAll(FORMAT_KEY)];
  const inline = /^\s*(from|reply-to|subject|message):/i.exec(text);
  if (keys.length === 0 && !inline && text.trim() !== '') {
    c.fail(block, "expected 'from:', 'reply-to:', 'subject:' or 'message:' in mail-format");
  }
  const out: { from?: string; replyTo?: string; subject?: string; message?: string } = {};
  keys.forEach((m, i) => {
    const key = (m[1] as string).toLowerCase();
    const from = (m.index ?? 0) + m[0].length;
    const next = keys[i + 1];
    const end = key === 'message' ? (next?.index ?? text.length) : Math.min(next?.index ?? text.length, lineEnd(text, from));
    // trimEnd, not .replace(/\s+$/, ''): that regex is quadratic on a long run of blanks.
    const value = key === 'message' ? text.slice(from, end).replace(/^[ \t]*\n?/, '').trimEnd() : text.slice(from, end).trim();
    if (key === 'from') out.from = value;
    else if (key === 'reply-to') out.replyTo = value;
    else if (key === 'subject') out.subject = value;
    else out.message = value;
  });
  return out;
}

function lineEnd(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  return i < 0 ? text.length : i;
}

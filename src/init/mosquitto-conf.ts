// Reads a mosquitto.conf as mosquitto 2.0 does (src/conf.c): a line whose first character is `#` is
// a comment, a directive and its value are separated by spaces, `include_dir` (main file only) reads
// the folder's `*.conf` files in mosquitto's order, and listener settings go to the last `listener`
// (or, before any, to the default listener, again at the top of each included file). Directives
// brokerwatch does not need are skipped silently; a line mosquitto would refuse is an error at its
// FILE:LINE saying what was expected. The parser never throws for what a file says.
import { readFileSync } from 'node:fs';
import type { ConfPos, ConfProblem, Listener, ListenerDraft, MosquittoConf, Security } from './mosquitto-model.js';
import { newListener } from './mosquitto-model.js';
import { DIRECTIVES } from './mosquitto-directives.js';

/** Everything read so far; a directive's handler updates it. */
export interface ReadState {
  readonly problems: ConfProblem[];
  readonly files: string[];
  perListener: boolean;
  /** A security setting was seen: `per_listener_settings true` may no longer follow (mosquitto refuses it). */
  securitySeen: boolean;
  readonly global: Security;
  readonly defaultListener: ListenerDraft;
  /** A setting made mosquitto open the default listener (`port`, `bind_address`, TLS files before any `listener`…). */
  defaultUsed: boolean;
  /** No `listener`, `port` or `bind_address`: mosquitto 2 listens on the loopback interface only. */
  localOnly: boolean;
  readonly listeners: ListenerDraft[];
  pidFile?: string;
  persistence: boolean;
  persistenceLocation?: string;
  logFile?: string;
  user?: string;
}

/** One line being read: its directive's arguments and where it is. */
export interface Line {
  readonly st: ReadState;
  readonly pos: ConfPos;
  readonly name: string;
  /** The words after the directive. */
  readonly args: readonly string[];
  /** The rest of the line after the directive, trimmed (mosquitto's string values). */
  readonly rest: string;
  /** 0 in the main file. */
  readonly level: number;
  /** The listener settings go to, in this file. */
  cur: ListenerDraft;
  /** Reads another file (include_dir). */
  include(file: string): void;
}

/** The main file could not be read at all. */
export class ConfUnreadable extends Error {}

/** The directive and the rest of a line, or nothing for blank and comment lines. */
function splitLine(raw: string): { name: string; args: string[]; rest: string } | undefined {
  const text = raw.replace(/\r+$/, '');
  const trimmed = text.trim();
  // mosquitto takes `#` as a comment only as a line's first character; one after blanks is read the
  // same way here rather than refused.
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  const m = /^(\S+)\s*(.*)$/.exec(trimmed);
  if (!m) return undefined;
  const rest = (m[2] ?? '').trim();
  return { name: m[1] ?? '', args: rest === '' ? [] : rest.split(/[ \t]+/), rest };
}

function readFile(st: ReadState, file: string, level: number): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfUnreadable(`cannot read ${file}: ${(e as Error).message}`);
  }
  st.files.push(file);
  // As in mosquitto, each file starts with the default listener as the current one.
  let cur = st.defaultListener;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const parts = splitLine(lines[i] ?? '');
    if (!parts) continue;
    const handler = DIRECTIVES.get(parts.name);
    if (!handler) continue;
    const line: Line = {
      st,
      pos: { file, line: i + 1 },
      ...parts,
      level,
      cur,
      include: (f) => includeFile(st, f, { file, line: i + 1 }),
    };
    handler(line);
    cur = line.cur;
  }
}

function includeFile(st: ReadState, file: string, at: ConfPos): void {
  try {
    readFile(st, file, 1);
  } catch (e) {
    if (!(e instanceof ConfUnreadable)) throw e;
    st.problems.push({ severity: 'error', pos: at, message: e.message });
  }
}

function resolveListener(st: ReadState, d: ListenerDraft, origin: Listener['origin']): Listener {
  const sec = st.perListener ? d.security : st.global;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the draft's scope is replaced by the effective one
  const { security, ...rest } = d;
  return {
    ...rest,
    origin,
    anonymous: st.localOnly || (sec.allowAnonymous ?? false),
    plugins: sec.plugins,
    ...(sec.passwordFile !== undefined ? { passwordFile: sec.passwordFile } : {}),
    ...(sec.aclFile !== undefined ? { aclFile: sec.aclFile } : {}),
  };
}

/** The listeners mosquitto opens: those written, then the default listener; with none, local-only mode. */
function listenersOf(st: ReadState): Listener[] {
  const out = st.listeners.map((d) => resolveListener(st, d, 'listener'));
  if (st.defaultUsed) {
    const d = st.defaultListener;
    out.push(resolveListener(st, { ...d, port: d.port === 0 ? 1883 : d.port }, 'default'));
  }
  if (out.length === 0) {
    // mosquitto 2 without a listener: 127.0.0.1 and ::1, port 1883, anonymous clients allowed.
    out.push(resolveListener(st, { ...newListener(1883), bind: '127.0.0.1', security: st.global }, 'local-only'));
  }
  return out;
}

/** Reads FILE and its include_dir files; throws ConfUnreadable only when FILE itself cannot be read. */
export function readMosquittoConf(file: string): { conf: MosquittoConf; problems: ConfProblem[] } {
  const st: ReadState = {
    problems: [],
    files: [],
    perListener: false,
    securitySeen: false,
    global: { plugins: 0 },
    defaultListener: newListener(0),
    defaultUsed: false,
    localOnly: true,
    listeners: [],
    persistence: false,
  };
  readFile(st, file, 0);
  const { pidFile, logFile, persistenceLocation } = st;
  const conf: MosquittoConf = {
    file,
    files: st.files,
    perListenerSettings: st.perListener,
    listeners: listenersOf(st),
    persistence: st.persistence,
    ...(pidFile !== undefined ? { pidFile } : {}),
    ...(persistenceLocation !== undefined ? { persistenceLocation } : {}),
    ...(logFile !== undefined ? { logFile } : {}),
    ...(st.user !== undefined ? { user: st.user } : {}),
  };
  return { conf, problems: st.problems };
}

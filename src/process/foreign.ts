// Whether a process a pidfile names may be taken for the broker. brokerwatch usually runs as root,
// and whoever can write the broker's pidfile (the broker's own user, which owns its run folder)
// could otherwise point it at any process — PID 1, sshd — and have brokerwatch signal it at the next
// restart. A process is adopted only when it plausibly is the broker: its program is named by the
// rules (the service's name, its start/stop/restart programs, `matching`) or is the one identified
// before; and a pidfile written by an ordinary user vouches only for that user's own processes.
// PID 1 and brokerwatch itself never are the broker.
import { basename } from 'node:path';
import type { ProcessIdentity } from './identity.js';

/** What the rules and the past say the broker is. */
export interface BrokerHints {
  /** Words of the rules that name the broker's program: the service name and the programs' argv. */
  readonly words: readonly string[];
  /** The service's `matching` pattern. */
  readonly matching?: RegExp | string;
  /** The executable of the broker identified before (the state file keeps it across restarts). */
  readonly knownExe?: string;
}

/** Who wrote the pidfile and who runs the process, when known. */
export interface Owners {
  /** The pidfile's owner (of the link itself when it is a symbolic link). */
  readonly pidfile?: number;
  /** The process's real user. */
  readonly process?: number;
}

/** Programs that run the broker's code as their argument: the script names the program. */
const INTERPRETERS = /^(node|nodejs|python[0-9.]*|perl|ruby|php[0-9.]*|java|sh|bash|dash|busybox)$/;

/** The names a process goes by: its executable's, its argv[0]'s, and an interpreter's script's. */
export function programNames(identity: ProcessIdentity): string[] {
  const names = new Set<string>();
  const add = (path: string | undefined): void => {
    const name = basename(path ?? '')
      .replace(/ \(deleted\)$/, '')
      .toLowerCase();
    if (name.length >= 2) names.add(name);
  };
  add(identity.exe);
  // A process may rewrite its title (`sshd: /usr/sbin/sshd -D [listener]`): its first word then.
  add(identity.cmdline[0]?.split(/\s/)[0]?.replace(/:$/, ''));
  if ([...names].some((n) => INTERPRETERS.test(n))) {
    const script = identity.cmdline.slice(1).find((a) => !a.startsWith('-'));
    if (script !== undefined) add(script.replace(/\.[a-z]+$/i, ''));
  }
  return [...names];
}

/** Every word of at least two letters in the rules' names and commands, lower-case. */
export function ruleWords(texts: readonly string[]): Set<string> {
  const words = new Set<string>();
  for (const t of texts) for (const w of t.toLowerCase().split(/[^a-z0-9_+-]+/)) if (w.length >= 2) words.add(w);
  return words;
}

/** Why the process cannot be the broker, or undefined when it may be adopted. */
export function foreignReason(identity: ProcessIdentity, hints: BrokerHints, owners: Owners = {}): string | undefined {
  const what = `pid ${identity.pid} (${identity.exe ?? identity.cmdline[0] ?? 'unknown program'})`;
  if (identity.pid === 1) return `${what} is the init process`;
  if (identity.pid === process.pid) return `${what} is brokerwatch itself`;
  if (owners.pidfile !== undefined && owners.pidfile !== 0 && owners.process !== owners.pidfile)
    return `${what} runs as uid ${owners.process ?? '?'}, but the pidfile belongs to uid ${owners.pidfile}`;
  if (identity.exe !== undefined && identity.exe === hints.knownExe) return undefined;
  if (hints.matching !== undefined) {
    const m = hints.matching;
    // A global or sticky RegExp remembers lastIndex between test() calls; match with a fresh one.
    const regex = typeof m === 'string' ? new RegExp(m) : new RegExp(m.source, m.flags.replace(/[gy]/g, ''));
    if (regex.test(identity.cmdline.join(' '))) return undefined;
  }
  const words = ruleWords(hints.words);
  const names = programNames(identity);
  if (names.some((n) => words.has(n) || words.has(n.replace(/\.[a-z]+$/, '')))) return undefined;
  return `${what} is not a program the rules name (${names.join(', ') || 'no name'})`;
}

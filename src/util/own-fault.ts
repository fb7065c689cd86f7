// Errors that are brokerwatch's own trouble, not the broker's: out of descriptors (EMFILE, ENFILE)
// or memory (ENOMEM, ENOBUFS). Under them reading /proc, a pidfile or opening a probe's socket fails
// whatever the broker does, so they must never count as the broker failing nor trigger an action:
// a healthy broker would be stopped because brokerwatch ran out of descriptors.

/** The error codes of resources brokerwatch itself has run out of. */
const OWN_FAULT_CODES: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'ENOBUFS']);

const WORDS: Readonly<Record<string, string>> = {
  EMFILE: 'brokerwatch has too many open files',
  ENFILE: 'the system has too many open files',
  ENOMEM: 'out of memory',
  ENOBUFS: 'out of buffer space',
};

/** True when `err` says brokerwatch (or the machine) ran out of a resource, not that a broker is wrong. */
export function isOwnFault(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && OWN_FAULT_CODES.has(code);
}

/** Thrown where an own fault stops a look at a broker: the look has no verdict. */
export class OwnFault extends Error {
  readonly code: string;
  constructor(what: string, cause: unknown) {
    const code = String((cause as { code?: unknown }).code);
    super(`brokerwatch cannot ${what}: ${WORDS[code] ?? code} (${code})`, { cause });
    this.name = 'OwnFault';
    this.code = code;
  }
}

/** Rethrows an own fault; other errors are left to the caller's catch (a missing file, a gone process). */
export function rethrowOwnFault(err: unknown): void {
  if (isOwnFault(err)) throw err;
}

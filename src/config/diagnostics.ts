// Diagnostics read like a compiler's: `FILE:LINE:COL: message`, every one of a file at once.
import { escapeControls, messageSafe } from '../util/text.js';
import type { SourcePos } from './model.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  readonly pos: SourcePos;
  readonly message: string;
  /** The service whose statement it is about, when it stands inside a `check` (for `-t -v`). */
  readonly service?: string;
}

/** Formats one diagnostic as `file:line:col: [warning: ]message`, on one line of sane length. */
export function formatDiagnostic(d: Diagnostic): string {
  // The position is never cut: a long path must keep its line and column.
  const where = escapeControls(`${d.pos.file}:${d.pos.line}:${d.pos.col}`);
  const message = messageSafe(d.message);
  return d.severity === 'warning' ? `${where}: warning: ${message}` : `${where}: ${message}`;
}

/**
 * The diagnostic with a message fit for a terminal and a log: a rules file's words are quoted in
 * messages, and one of them may hold a line break, an escape character or a megabyte.
 */
export function safeDiagnostic(d: Diagnostic): Diagnostic {
  const message = messageSafe(d.message);
  return message === d.message ? d : { ...d, message };
}

/** Sorts by file order of appearance, then line and column, keeping the order of equal positions. */
export function sortDiagnostics(list: readonly Diagnostic[], fileOrder: readonly string[]): Diagnostic[] {
  const rank = (f: string): number => {
    const i = fileOrder.indexOf(f);
    return i < 0 ? fileOrder.length : i;
  };
  return list
    .map((d, i) => ({ d, i }))
    .sort(
      (a, b) =>
        rank(a.d.pos.file) - rank(b.d.pos.file) ||
        a.d.pos.line - b.d.pos.line ||
        a.d.pos.col - b.d.pos.col ||
        a.i - b.i,
    )
    .map((x) => x.d);
}

/** Thrown by the loader when a rules file cannot be used; carries every diagnostic. */
export class ConfigError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(
      diagnostics
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic)
        .join('\n'),
    );
    this.name = 'ConfigError';
    this.diagnostics = diagnostics.map(safeDiagnostic);
  }
}

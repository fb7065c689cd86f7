// `brokerwatch -t`: check a rules file and its includes, like `monit -t`.
import { credentialValuesOf } from '../config/credentials.js';
import { ConfigError, formatDiagnostic } from '../config/diagnostics.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { loadRules } from '../config/loader.js';
import type { Config } from '../config/model.js';
import { printConfig } from '../config/printer.js';
import { Scrubber } from '../util/scrubber.js';

export interface CheckOutcome {
  readonly ok: boolean;
  readonly config?: Config;
  readonly lines: string[];
}

/** Each service's warnings, as `-t -v` writes them under it: `LINE:COL message` (its file when included). */
function notesOf(warnings: readonly Diagnostic[]): Map<string, string[]> {
  const notes = new Map<string, string[]>();
  for (const w of warnings) {
    if (w.service === undefined) continue;
    notes.set(w.service, [...(notes.get(w.service) ?? []), formatDiagnostic(w).replace(': warning: ', ': ')]);
  }
  return notes;
}

/**
 * Loads the file and returns what `-t` prints: every warning and error, then one summary line;
 * with `verbose`, the rules as brokerwatch understood them (passwords masked) before that line, each
 * service with the rules monit implies and, in comments, what of it is read but not watched and why.
 */
export async function checkRules(file: string, verbose = false): Promise<CheckOutcome> {
  try {
    const { config, warnings } = await loadRules(file, { checkEnvironment: true });
    const lines = warnings.map(formatDiagnostic);
    // Every value after a word like `password` is masked too, spelt right or not.
    const scrubber = new Scrubber(credentialValuesOf(config));
    if (verbose) {
      const printed = printConfig(config, { maskSecrets: true, explain: { notes: notesOf(warnings) } });
      lines.push(scrubber.scrub(printed).trimEnd(), '');
    }
    const n = config.services.length;
    const inc = config.files.length - 1;
    lines.push(
      `Control file syntax OK: ${file} (${n} service${n === 1 ? '' : 's'}${inc ? `, ${inc} included file${inc === 1 ? '' : 's'}` : ''}${warnings.length ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''})`,
    );
    return { ok: true, config, lines };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const lines = e.diagnostics.map(formatDiagnostic);
    const errors = e.diagnostics.filter((d) => d.severity === 'error').length;
    lines.push(`${file}: ${errors} error${errors === 1 ? '' : 's'}; nothing was started`);
    return { ok: false, lines };
  }
}

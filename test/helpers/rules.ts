// What tests of the rules front end share: the errors of a rules file that must fail to load.
import assert from 'node:assert/strict';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { loadRules, parseRules } from '../../src/config/loader.js';

/** The errors (not the warnings) of FILE, formatted as `FILE:LINE:COL: message`; fails if it loads. */
export async function loadErrors(file: string): Promise<string[]> {
  try {
    await loadRules(file);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  }
  return assert.fail(`${file} loaded, but errors were expected`);
}

/** Every diagnostic (errors and warnings) of rules TEXT that must fail to parse, formatted. */
export async function parseFailure(text: string, file: string): Promise<string[]> {
  try {
    await parseRules(text, file);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.diagnostics.map(formatDiagnostic);
  }
  return assert.fail(`${file} parsed, but errors were expected`);
}

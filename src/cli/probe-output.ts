// The probe's one line in the monitoring-plugin convention
// (https://www.monitoring-plugins.org/doc/guidelines.html): `MQTT STATE - text | perfdata`, with
// perfdata `label=value[unit];warn;crit;min;max`, and the exit code that says the state.
import { PROBE_EXIT } from './probe.js';

export type ProbeState = keyof typeof PROBE_EXIT;

/** The line and the exit code of a check. */
export interface ProbeReport {
  readonly line: string;
  readonly exit: number;
}

/** What a probe attempt reported (the MQTT probe's outcome, as far as the line needs it). */
export interface ProbeResult {
  readonly ok: boolean;
  readonly class?: string;
  readonly message: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** How the check was asked for, as the line names it. */
export interface ProbeAsked {
  /** The URL without credentials. */
  readonly where: string;
  readonly roundTrip: boolean;
  readonly warningMs?: number;
}

/** A report of STATE with TEXT and perfdata. */
export function report(state: ProbeState, text: string, perfdata: readonly string[] = []): ProbeReport {
  // A `|` in the text would start the perfdata, a newline a second line of output.
  const clean = text.replace(/\s*[|\r\n]+\s*/g, ' ');
  return {
    line: `MQTT ${state} - ${clean}${perfdata.length > 0 ? ` | ${perfdata.join(' ')}` : ''}`,
    exit: PROBE_EXIT[state],
  };
}

/** The report of a probe attempt R. */
export function reportResult(r: ProbeResult, asked: ProbeAsked): ProbeReport {
  const total = r.metrics.totalMs;
  const connect = r.metrics.connectMs;
  const perf: string[] = [];
  if (connect !== undefined) perf.push(`connect=${connect}ms;;;0`);
  if (!r.ok) {
    // An internal error is brokerwatch's failing, not the broker's: UNKNOWN, as the convention says.
    return report(r.class === 'internal' ? 'UNKNOWN' : 'CRITICAL', `${commandLineHint(r)} (${asked.where})`, perf);
  }
  const warn = asked.warningMs;
  const ms = total ?? 0;
  const label = asked.roundTrip ? 'roundtrip' : 'time';
  perf.push(`${label}=${ms}ms;${warn ?? ''};;0`);
  // The headline in whole milliseconds, but never "0 ms" for a check that took time.
  const shown = ms < 1 ? '<1' : String(Math.round(ms));
  const what = asked.roundTrip ? `round trip ${shown} ms` : `connected in ${shown} ms`;
  if (warn !== undefined && ms > warn)
    return report('WARNING', `${what}, slower than the warning threshold of ${warn} ms (${asked.where})`, perf);
  return report('OK', what, perf);
}

/** A certificate failure's message names the rules file's options; here the command line's. */
function commandLineHint(r: ProbeResult): string {
  if (r.class !== 'tls-untrusted' && r.class !== 'tls-expired') return r.message;
  const cut = r.message.indexOf('; name its CA with');
  const what = cut < 0 ? r.message : r.message.slice(0, cut);
  return `${what}; trust its CA with --cafile FILE, or skip verification with --insecure`;
}

// Small shared pieces of the checks: rule operators and socket error classes.
import type { Operator } from '../config/model.js';
import type { FailureClass } from './result.js';

/** Applies a rules-file operator: `compare(v, '>', limit)` is `v > limit`. */
export function compare(v: number, op: Operator, limit: number): boolean {
  switch (op) {
    case '>':
      return v > limit;
    case '<':
      return v < limit;
    case '>=':
      return v >= limit;
    case '<=':
      return v <= limit;
    case '=':
      return v === limit;
    default:
      return v !== limit;
  }
}

/** Maps a socket error to a failure class and a readable message. */
export function classifySocketError(e: NodeJS.ErrnoException): { ok: false; class: FailureClass; message: string } {
  if (e.code === 'ECONNREFUSED') return { ok: false, class: 'port-closed', message: 'connection refused' };
  if (e.code === 'ETIMEDOUT') return { ok: false, class: 'connect-timeout', message: 'connection timed out' };
  if (e.code && (e.code.startsWith('ERR_TLS') || e.code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO/.test(e.code))) {
    return { ok: false, class: 'tls', message: `TLS: ${e.message}` };
  }
  return { ok: false, class: 'port-closed', message: e.message };
}

// Rule operators, shared by every check that compares a number with a limit.
import type { Operator } from '../config/model.js';

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

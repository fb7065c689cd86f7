// `if N restarts within M cycles`: decided by the state machine from its own record of restarts
// (monit's `timeout` event), so this kind has no check.
import type { KindSyntax } from '../kind.js';

export interface RestartsCondition {
  readonly kind: 'restarts';
  readonly count: number;
  readonly cycles: number;
}

const cycles = (n: number): string => `${n} ${n === 1 ? 'cycle' : 'cycles'}`;

export const restartsSyntax: KindSyntax<RestartsCondition> = {
  kind: 'restarts',
  claims: {
    at: (c) =>
      c.peek().type === 'number' && c.peek(1).type === 'word' && ['restart', 'restarts'].includes(c.peek(1).lower),
  },
  parse(c) {
    const count = c.expectInteger('a restart count', 1, 1_000_000);
    c.next(); // restart(s)
    const n = c.expectInteger("a number of cycles after 'restarts within'", 1, 64);
    c.expectWord("'cycles'", 'cycle', 'cycles');
    if (count > n)
      c.warn(c.peek().pos, `${count} restarts within ${n} cycles can never happen; at most one restart runs per cycle`);
    return { kind: 'restarts', count, cycles: n };
  },
  print: (c) => `${c.count} ${c.count === 1 ? 'restart' : 'restarts'} within ${cycles(c.cycles)}`,
  eventType: () => 'timeout',
  startGrace: false,
  docs: {
    syntax: '`N restarts within M cycles`',
    services: 'process',
    meaning: 'brokerwatch restarted the service N times in the last M cycles',
    example: '`if 5 restarts within 10 cycles then unmonitor`',
  },
};

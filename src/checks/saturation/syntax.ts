// `if saturation OP N%` in `check network`: traffic as a share of the link speed.
import type { Operator } from '../../config/model.js';
import { operatorOrEqual } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';
import { networkOnly } from '../misplaced.js';

export interface SaturationCondition {
  readonly kind: 'saturation';
  readonly op: Operator;
  readonly value: number;
}

export const saturationSyntax: KindSyntax<SaturationCondition> = {
  kind: 'saturation',
  claims: { if: ['saturation'], types: ['network'] },
  parse(c) {
    c.next();
    const op = operatorOrEqual(c);
    const numTok = c.peek();
    const value = c.expectNumber(`a percentage after 'saturation ${op}'`);
    if (!c.acceptWord('%', 'percent'))
      c.warn(numTok.pos, `bare number ${numTok.text} for saturation is taken as a percentage; write '${numTok.text}%'`);
    if (value < 0 || value > 100) c.fail(numTok, `saturation ${value}% is out of range (0–100%)`);
    return { kind: 'saturation', op, value };
  },
  print: (c, s) => `saturation ${c.op} ${s.number(c.value)}%`,
  eventType: () => 'saturation',
  startGrace: false,
  misplaced: networkOnly('saturation'),
  docs: {
    syntax: '`saturation OP N%`',
    services: 'network',
    meaning:
      'traffic since the last cycle as a share of the link speed (the larger direction on full duplex); not measurable without a speed (loopback, virtual links)',
    example: '`if saturation > 90% for 3 cycles then alert`',
  },
};

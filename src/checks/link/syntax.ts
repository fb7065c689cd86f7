// `if link down` / `if link up` in `check network`: the interface's link state.
import type { KindSyntax } from '../kind.js';
import { networkOnly } from '../misplaced.js';

export interface LinkCondition {
  readonly kind: 'link';
  /** The state that fails the rule. */
  readonly state: 'down' | 'up';
}

export const linkSyntax: KindSyntax<LinkCondition> = {
  kind: 'link',
  claims: { if: ['link'], types: ['network'] },
  parse(c) {
    c.next();
    const w = c.expectWord("'down' or 'up' after 'link'", 'down', 'up');
    return { kind: 'link', state: w.lower === 'up' ? 'up' : 'down' };
  },
  print: (c) => `link ${c.state}`,
  eventType: () => 'link',
  startGrace: false,
  misplaced: networkOnly('link'),
  docs: {
    syntax: '`link down` · `link up`',
    services: 'network',
    meaning: 'the link of the interface is down (or up)',
    example: '`if link down for 2 cycles then alert`',
  },
};

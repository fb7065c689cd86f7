// `if changed link [capacity]` in `check network`: the link's speed or duplex differ from the last
// cycle's (a 1 Gb/s link renegotiated at 100 Mb/s). An event each time.
import type { KindSyntax } from '../kind.js';
import { networkOnly } from '../misplaced.js';

export interface LinkChangeCondition {
  readonly kind: 'link-change';
}

export const linkChangeSyntax: KindSyntax<LinkChangeCondition> = {
  kind: 'link-change',
  claims: {
    at: (c) => c.isWord('changed') && c.peek(1).type === 'word' && c.peek(1).lower === 'link',
    types: ['network'],
  },
  parse(c) {
    c.next();
    c.next();
    // `capacity` is a noise word.
    return { kind: 'link-change' };
  },
  print: () => 'changed link',
  eventType: () => 'speed',
  startGrace: false,
  oneShot: true,
  misplaced: networkOnly('changed link'),
  docs: {
    syntax: '`changed link [capacity]`',
    services: 'network',
    meaning: "the link's speed or duplex differ from the last cycle's; an event each time",
    example: '`if changed link then alert`',
  },
};

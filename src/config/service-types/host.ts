// `check host NAME with address HOST`: a broker on another machine; probes and alerts only.
import type { ServiceTypeSyntax } from './kind.js';

export const hostType: ServiceTypeSyntax<'host'> = {
  type: 'host',
  parseHeader(c, h, nameTok) {
    c.expectWord(`'address HOST' after 'check host ${nameTok.text}'`, 'address');
    h.address = c.expectValue('a host name or address').text;
  },
  printHeader: (h, s) => `with address ${s.word(h.address ?? '')}`,
  docs: [
    '| `check host NAME with address HOST` | a broker on another machine: probes and alerts only, nothing is started. A port test without `host` uses this address. |',
  ],
};

// `check network NAME with interface IF | address A`: a network interface, named or found by one of
// its addresses.
import type { ServiceTypeSyntax } from './kind.js';

export const networkType: ServiceTypeSyntax<'network'> = {
  type: 'network',
  parseHeader(c, h, nameTok) {
    const w = c.expectWord(
      `'interface IF' or 'address A' after 'check network ${nameTok.text}'`,
      'interface',
      'address',
    );
    const v = c.expectValue(w.lower === 'interface' ? 'an interface name' : 'an address').text;
    if (w.lower === 'interface') h.interface = v;
    else h.address = v;
  },
  printHeader: (h, s) =>
    h.interface !== undefined ? `with interface ${s.word(h.interface)}` : `with address ${s.word(h.address ?? '')}`,
  docs: [
    '| `check network NAME with interface IF` (or `with address A`) | a network interface from /sys/class/net: link, speed, saturation, traffic. |',
  ],
  observer: () => import('../../observers/network.js'),
};

// `check fifo NAME with path PATH`: a named pipe; its existence, mode, owner and modification time.
import type { ServiceTypeSyntax } from './kind.js';

export const fifoType: ServiceTypeSyntax<'fifo'> = {
  type: 'fifo',
  parseHeader(c, h, nameTok) {
    c.expectWord(`'path PATH' after 'check fifo ${nameTok.text}'`, 'path');
    h.path = c.expectValue('a fifo path').text;
  },
  printHeader: (h, s) => `with path ${s.word(h.path ?? '')}`,
  docs: [
    '| `check fifo NAME with path PATH` | a named pipe (fifo): `[does] not exist` (also when the path is not a fifo), `timestamp`, `changed timestamp`, `failed permission`, `failed uid`, `failed gid`. |',
  ],
};

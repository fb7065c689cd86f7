// `check directory NAME with path PATH`: a folder, e.g. mosquitto's persistence or log folder; its
// existence, mode, owner and modification time (monit's timestamp of a directory is its mtime).
import type { ServiceTypeSyntax } from './kind.js';

export const directoryType: ServiceTypeSyntax<'directory'> = {
  type: 'directory',
  parseHeader(c, h, nameTok) {
    c.expectWord(`'path PATH' after 'check directory ${nameTok.text}'`, 'path');
    h.path = c.expectValue('a directory path').text;
  },
  printHeader: (h, s) => `with path ${s.word(h.path ?? '')}`,
  docs: [
    '| `check directory NAME with path PATH` | a directory, e.g. `/var/lib/mosquitto`: `[does] not exist` (also when the path is not a directory), `timestamp`, `changed timestamp`, `failed permission`, `failed uid`, `failed gid`. |',
  ],
};

// `check filesystem NAME with path P` (monit's older `check device`): the file system holding P, a
// mount point, a path inside one, or its device (/dev/sda1).
import type { ServiceTypeSyntax } from './kind.js';

export const filesystemType: ServiceTypeSyntax<'filesystem'> = {
  type: 'filesystem',
  aliases: ['device'],
  parseHeader(c, h, nameTok) {
    c.expectWord(`'path PATH' after 'check filesystem ${nameTok.text}'`, 'path');
    h.path = c.expectValue('a mount point, a path or a device').text;
  },
  printHeader: (h, s) => `with path ${s.word(h.path ?? '')}`,
  docs: [
    "| `check filesystem NAME with path PATH` (or `check device`) | the file system holding PATH (a mount point, a path inside one, or its device): space, inodes, I/O, mount flags, e.g. the broker's persistence folder. |",
  ],
  observer: () => import('../../observers/filesystem.js'),
};

// `check file NAME with path PATH`: a file, e.g. mosquitto.conf or the persistence database.
import type { ServiceTypeSyntax } from './kind.js';

export const fileType: ServiceTypeSyntax<'file'> = {
  type: 'file',
  parseHeader(c, h, nameTok) {
    c.expectWord(`'path PATH' after 'check file ${nameTok.text}'`, 'path');
    h.path = c.expectValue('a file path').text;
  },
  printHeader: (h, s) => `with path ${s.word(h.path ?? '')}`,
  docs: [
    '| `check file NAME with path PATH` | a file, e.g. `mosquitto.conf`, the persistence database, or the broker\'s log read line by line as it grows (`if content = "Error" then alert`). |',
  ],
};

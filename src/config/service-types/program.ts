// `check program NAME with path "COMMAND"`: a program run every cycle, its exit status tested.
import { parseCommand } from '../parse-rule.js';
import type { ServiceTypeSyntax } from './kind.js';

export const programType: ServiceTypeSyntax<'program'> = {
  type: 'program',
  parseHeader(c, h, nameTok) {
    c.expectWord(`'path "COMMAND"' after 'check program ${nameTok.text}'`, 'path');
    h.program = parseCommand(c, 'a command');
  },
  printHeader: (h, s) => `with path ${s.command(h.program ?? { argv: [] })}`,
  docs: [
    '| `check program NAME with path "COMMAND" [with timeout N seconds]` | a program run every cycle; its exit status is tested with `if status …` and `if changed status`, its output (stdout and stderr, the last `programOutput` bytes) with `if content …`; status events carry the output, as monit\'s (`exit status 1 -- OUTPUT`). |',
  ],
};

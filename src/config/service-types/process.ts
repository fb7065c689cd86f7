// `check process NAME with pidfile PATH | matching "REGEX"`: a process, found by its pidfile or its
// command line (monit's `path` is read as a match of the command's start).
import type { ServiceTypeSyntax } from './kind.js';

export const processType: ServiceTypeSyntax<'process'> = {
  type: 'process',
  parseHeader(c, h, nameTok) {
    const how = c.expectWord(
      `'pidfile PATH' or 'matching "REGEX"' after 'check process ${nameTok.text}'`,
      'pidfile',
      'matching',
      'match',
      'path',
    );
    const v = c.expectValue(how.lower === 'pidfile' ? 'a pidfile path' : 'a pattern');
    if (how.lower === 'pidfile') {
      // monit rejects a relative pidfile: it would name another file whenever the daemon's folder changes.
      if (!v.text.startsWith('/')) c.error(v.pos, `the pidfile path '${v.text}' is relative: write it from '/'`);
      h.pidfile = v.text;
    } else if (how.lower === 'path') {
      c.warn(
        how.pos,
        `'check process … path' is not supported; the process is found by 'matching "^${v.text}"' instead`,
      );
      h.matching = `^${escapeRegex(v.text)}`;
    } else {
      try {
        new RegExp(v.text);
      } catch (err) {
        c.fail(v, `invalid regular expression "${v.text}": ${(err as Error).message}`);
      }
      h.matching = v.text;
    }
  },
  printHeader: (h, s) =>
    h.pidfile !== undefined ? `with pidfile ${s.word(h.pidfile)}` : `matching ${s.quote(h.matching ?? '')}`,
  docs: [
    '| `check process NAME with pidfile PATH` | a process found through its pidfile (identity-checked: a reused PID is never taken for the broker). |',
    '| `check process NAME matching "REGEX"` | a process whose command line matches; the oldest match wins. |',
  ],
};

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Exec: `exec "CMD" [as uid U] [with timeout N s]`, the same command syntax as an action's.
import type { Command } from '../../../config/model.js';
import { parseCommand } from '../../../config/parse-rule.js';
import type { ChannelSyntax } from '../contract.js';

/** `set alert exec "/usr/local/bin/notify"`. */
export interface ExecTarget {
  readonly kind: 'exec';
  readonly command: Command;
}

/** The exec channel's syntax. */
export const execSyntax: ChannelSyntax<ExecTarget> = {
  kind: 'exec',
  expected: 'exec "CMD"',
  docs: '`exec "CMD" [as uid U] [with timeout N s]`: a program run with monit\'s environment (MONIT_SERVICE, MONIT_EVENT, …); exit status 0 is delivery',
  example: 'exec "/usr/local/bin/notify --all" as uid nobody with timeout 20 seconds',
  starts: (c) => c.isWord('exec'),
  parse(c) {
    c.next();
    return { kind: 'exec', command: parseCommand(c, 'a command after exec') };
  },
  print: (t, p) => `exec ${p.command(t.command)}`,
  identity: (t) => `exec\0${t.command.argv.join('\0')}`,
  label: (t) => `exec ${t.command.argv[0] ?? ''}`,
  noalertName: (t) => t.command.argv.join(' '),
  secrets: () => [],
};

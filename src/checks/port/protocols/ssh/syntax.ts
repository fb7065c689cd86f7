// `protocol ssh`: the server's version banner, `SSH-2.0-…` (or `SSH-1.99-`, which speaks 2.0 too),
// answered with ours, as monit's ssh test does (src/protocols/ssh.c).
import type { ProtocolSyntax } from '../types.js';

export const sshProtocol: ProtocolSyntax = {
  name: 'ssh',
  names: { ssh: { tls: false } },
  docs: {
    names: '`ssh`',
    options: '–',
    meaning: 'the server greets with an SSH 2 version banner (`SSH-2.0-…`)',
    example: '`if failed port 22 protocol ssh then restart`',
  },
};

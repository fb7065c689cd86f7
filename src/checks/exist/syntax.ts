// `if exist`: the process is running (process), the file is there (file); monit's inverse test.
import type { KindSyntax } from '../kind.js';

export interface ExistCondition {
  readonly kind: 'exist';
}

export const existSyntax: KindSyntax<ExistCondition> = {
  kind: 'exist',
  claims: { if: ['exist', 'exists'] },
  parse(c) {
    c.next();
    return { kind: 'exist' };
  },
  print: () => 'exist',
  eventType: () => 'exist',
  startGrace: false,
  docs: {
    syntax: '`exist`',
    services: 'process, file, directory, fifo, filesystem',
    meaning: 'the process is running, the file (directory, fifo) is there, the file system is mounted',
    example: '`if exist then alert`',
  },
};

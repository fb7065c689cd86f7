// `check system NAME`: the host itself (load, cpu, memory, swap, uptime). NAME is usually `$HOST`.
import type { ServiceTypeSyntax } from './kind.js';

export const systemType: ServiceTypeSyntax<'system'> = {
  type: 'system',
  parseHeader() {
    // No header: the subject is the machine brokerwatch runs on.
  },
  printHeader: () => '',
  docs: [
    '| `check system NAME` | the host: load average, cpu, memory, swap and uptime, read once per cycle from /proc. |',
  ],
  observer: () => import('../../observers/system.js'),
};

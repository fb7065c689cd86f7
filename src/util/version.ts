// brokerwatch's version, from package.json (two folders above dist/src/util/ and src/util/).
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'brokerwatch' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Try the next place.
    }
  }
  return '0.0.0';
}

/** The running brokerwatch's version. */
export const VERSION = readVersion();

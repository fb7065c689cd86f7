// brokerwatch's version, from package.json: three folders above dist/src/util/, two above src/util/
// and the bundle dist/bin/brokerwatch.cjs, one above it where a package installs it (lib/brokerwatch/bin/).
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json', '../package.json']) {
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

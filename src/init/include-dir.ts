// mosquitto's include_dir: the folder's files ending in `.conf`, in the order mosquitto 2.0 reads them
// (src/conf_includedir.c: case-insensitive, then upper case before lower case of the same letter).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** C's toupper() in the C locale: ASCII letters only. */
const upper = (c: number): number => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c);

/** mosquitto's order of include_dir files: letters compared case-insensitively, then upper case first. */
export function compareConfNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    const ux = upper(x);
    const uy = upper(y);
    if (ux !== uy) return ux - uy;
    if (x !== y) return x - y;
  }
  return a.length - b.length;
}

/** The `*.conf` files of DIR in the order mosquitto reads them (a name must be longer than `.conf`). */
export function includeDirFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.length > 5 && name.endsWith('.conf'))
    .sort(compareConfNames)
    .map((name) => join(dir, name));
}

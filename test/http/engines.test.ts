// `npm ci` on the oldest Node that package.json accepts warns nothing: every package in the lock
// file accepts that Node too (fastify 5.12's light-my-request 6.8 pulled cookie 2, which wants
// Node 22; package.json's `overrides` pins light-my-request 6.6, which uses cookie 1).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// semver is what npm itself checks engines with (here through fastify's and autocannon's trees).
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(v: string, range: string): boolean;
};

void test('every locked package accepts the oldest Node of package.json engines (npm ci: no EBADENGINE)', async () => {
  const pkg = JSON.parse(await readFile(`${ROOT}package.json`, 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(await readFile(`${ROOT}package-lock.json`, 'utf8')) as {
    packages: Record<string, { engines?: { node?: string } | string[]; version?: string }>;
  };
  const oldest = semver.minVersion(pkg.engines.node)?.version;
  assert.ok(oldest, pkg.engines.node);
  const refused = Object.entries(lock.packages).flatMap(([path, p]) => {
    const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
    return path !== '' && range !== undefined && !semver.satisfies(oldest, range)
      ? [`${path}@${p.version ?? '?'} wants node ${range}`]
      : [];
  });
  assert.deepEqual(refused, [], `node ${oldest}`);
});

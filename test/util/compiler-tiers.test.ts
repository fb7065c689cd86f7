// util/compiler-tiers.ts: the flags that hold V8's compilers back, kept process-wide, and a cache
// written under them (code-cache.ts) whatever the daemon is doing then, so that the next start takes it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { HELD_TIERS, RELEASED_TIERS, holdTiers, releaseTiers, underHeldTiers } from '../../src/util/compiler-tiers.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let dir: TempDir;
before(async () => (dir = await tempDir('bw-tiers-')));
after(() => dir.cleanup());

void test('under the held flags: nothing set in a command (never held) or while held; set and put back once released', () => {
  const set: string[] = [];
  const flags = (f: string): void => void set.push(f);
  assert.equal(
    underHeldTiers(() => 7),
    7,
  );
  assert.deepEqual(set.splice(0), [], 'a command compiles and writes its caches as it is');
  holdTiers(flags);
  assert.deepEqual(set.splice(0), [HELD_TIERS]);
  underHeldTiers(() => undefined);
  assert.deepEqual(set.splice(0), [], 'held: left as it is');
  releaseTiers(flags);
  assert.throws(() =>
    underHeldTiers(() => {
      throw new Error('save failed');
    }),
  );
  assert.deepEqual(set.splice(0), [RELEASED_TIERS, HELD_TIERS, RELEASED_TIERS], 'put back after a throw too');
});

void test('on a real V8: a cache written after the compilers were let go is still taken by the next held start', () => {
  const tiers = new URL('../../src/util/compiler-tiers.js', import.meta.url).href;
  const cache = new URL('../../src/util/code-cache.js', import.meta.url).href;
  const run = (step: 'first' | 'next'): string =>
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        import { setFlagsFromString } from 'node:v8';
        const { holdTiers, releaseTiers } = await import(${JSON.stringify(tiers)});
        const { compileCached } = await import(${JSON.stringify(cache)});
        holdTiers(setFlagsFromString);
        const body = Buffer.from(Array.from({ length: 200 }, (_, i) => 'function f' + i + '(x) { return x * ' + i + '; }').join('\\n') + '\\nmodule.exports = f7(6);\\n');
        const host = { env: { BROKERWATCH_CODE_CACHE: ${JSON.stringify(join(dir.path, 'cache'))} }, euid: process.geteuid(), home: '/nonexistent' };
        const c = compileCached(body, 'prog.cjs', 'daemon', host, 'daemon.test');
        c.script.runInThisContext();
        if (${JSON.stringify(step)} === 'first') {
          releaseTiers(setFlagsFromString); // busy before the cache is written
          c.save();
        }
        console.log(c.cache);
        `,
      ],
      { encoding: 'utf8' },
    ).trim();
  assert.equal(run('first'), 'none');
  assert.equal(run('next'), 'accepted');
});

// Every file of Debian's monit package loads as deployed: each /etc/monit/conf-available file is
// included from a private control file (the way /etc/monit/monitrc includes /etc/monit/conf-enabled/*),
// so it and the templates it includes keep their real owner (root) and mode (0644). The same files
// copied with their modes into a temporary /etc-like tree (owned by whoever runs the test, include
// paths pointed there) load too, as does every sample in config/. Warnings are allowed for what
// brokerwatch loads but ignores (check system, filesystem, network, directory…) and for included
// files that others can read but that hold no secret. Skipped when monit is not installed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, realpath, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { loadRules } from '../../src/config/loader.js';
import type { LoadResult } from '../../src/config/loader.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';

const MONIT = '/etc/monit';
const CONF = join(MONIT, 'conf-available');
const skip = !existsSync(CONF) && `${CONF} is absent (Debian's monit package is not installed): nothing to load`;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What a warning on these files may say: a service type or test loaded but ignored, a world-readable include. */
const ALLOWED =
  /is not (used|evaluated|supported|spoken) by brokerwatch|are not evaluated by brokerwatch|a check brokerwatch ignores|is readable by group or others; it holds no password, so it is loaded$/;

let tmp: TempDir | undefined;
let root = '';

before(async () => {
  tmp = await tempDir('bw-debian-');
  root = await realpath(tmp.path);
});

after(async () => {
  await tmp?.cleanup();
});

/** Loads with every check the daemon makes; fails the test with every diagnostic when it does not load. */
async function load(file: string): Promise<LoadResult> {
  try {
    return await loadRules(file);
  } catch (e) {
    if (e instanceof ConfigError)
      assert.fail(`${file} did not load:\n${e.diagnostics.map(formatDiagnostic).join('\n')}`);
    throw e;
  }
}

function assertAllowed(warnings: readonly Diagnostic[]): void {
  for (const w of warnings) assert.match(w.message, ALLOWED, formatDiagnostic(w));
}

/** A private control file (mode 600) with TEXT. */
async function controlFile(name: string, text: string): Promise<string> {
  const file = join(root, name);
  await writeFile(file, text, { mode: 0o600 });
  return file;
}

void describe("Debian's monit files as deployed", { skip }, () => {
  void test('each conf-available file, included from a control file, loads with its templates', async () => {
    const names = (await readdir(CONF)).sort();
    assert.ok(names.length > 0, `${CONF} is empty`);
    for (const name of names) {
      const main = await controlFile(`${name}.rc`, `include ${join(CONF, name)}\n`);
      const r = await load(main);
      assertAllowed(r.warnings);
      assert.ok(r.config.files.includes(join(CONF, name)), name);
      const text = await readFile(join(CONF, name), 'utf8');
      // Every template the file names is read (they are absolute paths into /etc/monit/templates).
      for (const [, tpl] of text.matchAll(/^\s*include\s+(\S+)/gm)) assert.ok(r.config.files.includes(tpl ?? ''), tpl);
      assert.ok(r.config.services.length > 0 || r.warnings.length > 0, `${name} gave neither a service nor a warning`);
    }
  });

  void test('all of them at once, through a glob, as /etc/monit/monitrc includes conf-enabled/*', async () => {
    const main = await controlFile('all.rc', `set daemon 120\ninclude ${CONF}/*\n`);
    const r = await load(main);
    assertAllowed(r.warnings);
    // A template included by many services is warned about once, where it is first included.
    const messages = r.warnings.map((w) => w.message);
    for (const tpl of await readdir(join(MONIT, 'templates'))) {
      const about = messages.filter((m) => m.startsWith(`${join(MONIT, 'templates', tpl)} (mode`));
      assert.ok(about.length <= 1, `${tpl} is warned about ${about.length} times`);
    }
  });

  void test('copied with their modes into a temporary /etc tree, owned by the user running the test', async () => {
    const etc = join(root, 'etc', 'monit');
    for (const sub of ['conf-available', 'templates']) {
      await mkdir(join(etc, sub), { recursive: true, mode: 0o755 });
      for (const f of await readdir(join(MONIT, sub))) {
        const from = join(MONIT, sub, f);
        const text = (await readFile(from, 'utf8')).replaceAll(`${MONIT}/`, `${etc}/`);
        await writeFile(join(etc, sub, f), text);
        await chmod(join(etc, sub, f), (await stat(from)).mode & 0o777);
      }
    }
    for (const name of (await readdir(join(etc, 'conf-available'))).sort()) {
      const main = await controlFile(`copy-${name}.rc`, `include ${join(etc, 'conf-available', name)}\n`);
      const r = await load(main);
      assertAllowed(r.warnings);
      assert.ok(!r.config.files.some((f) => f.startsWith(`${MONIT}/`)), `${name} read a file outside the copy`);
    }
  });
});

void describe('the samples in config/', () => {
  void test('each loads, checked like the real control file it stands for', async () => {
    const names = (await readdir(join(ROOT, 'config'))).filter((f) => f.endsWith('.rc'));
    assert.ok(names.length >= 2, `expected the samples in ${join(ROOT, 'config')}`);
    for (const name of names) {
      // A private copy: the checkout's own mode is the umask's, which the main-file rule would refuse.
      const r = await load(await controlFile(`sample-${name}`, await readFile(join(ROOT, 'config', name), 'utf8')));
      assertAllowed(r.warnings);
      assert.ok(r.config.services.length > 0, name);
    }
  });
});

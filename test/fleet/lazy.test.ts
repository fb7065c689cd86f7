// `set fleet` costs nothing to the daemons that do not use it: the publisher and mqtt.js load only
// when the rules have the statement. Read with the module trace of bench/trace-register.ts, on
// `brokerwatch -I` run until it has started, then stopped with SIGTERM.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_MAIN } from '../../bench/cli-modules.js';
import { Cleanup, testDir, writeRules } from '../daemon/harness.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const REGISTER = resolve(fileURLToPath(new URL('../../bench/trace-register.js', import.meta.url)));

/** The modules `brokerwatch -I -c RULES` loaded until it logged that it started: project files and packages. */
async function loadedByDaemon(dir: string, rules: string): Promise<{ project: string[]; packages: string[] }> {
  const trace = join(dir, `trace-${Math.random().toString(16).slice(2)}`);
  const child = spawn(process.execPath, ['--import', REGISTER, CLI_MAIN, '-I', '-c', rules], {
    env: { ...process.env, BW_TRACE_FILE: trace },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = once(child, 'exit');
  try {
    await waitFor(() => out.includes('"brokerwatch started"'), { timeoutMs: 20_000, message: `no start: ${out}` });
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    await exited;
  }
  const urls = readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('file://'))
    .map((u) => fileURLToPath(u));
  const packages = new Set<string>();
  for (const p of urls) {
    const at = p.lastIndexOf('/node_modules/');
    if (at >= 0) packages.add(p.slice(at + '/node_modules/'.length).split('/')[0] ?? '');
  }
  const project = urls
    .filter((p) => !p.includes('/node_modules/') && p.includes('/src/'))
    .map((p) => p.slice(p.indexOf('/src/') + 1));
  return { project, packages: [...packages] };
}

void describe('set fleet loads lazily', { timeout: 60_000 }, () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());

  const rulesFile = async (dir: string, name: string, fleet: string[]): Promise<string> => {
    const file = join(dir, `${name}.rc`);
    await writeRules(
      file,
      [
        'set daemon 1 second',
        `set statefile ${join(dir, `${name}.state.json`)}`,
        ...fleet,
        'check program tick with path "/bin/true"',
        '  if status != 0 then alert',
        '',
      ].join('\n'),
    );
    return file;
  };

  void test('without the statement the daemon loads neither the publisher nor mqtt.js; with it, both', async () => {
    const dir = await testDir(cleanup, 'brokerwatch-fleet-lazy-');
    const without = await loadedByDaemon(dir, await rulesFile(dir, 'plain', []));
    assert.ok(without.project.includes('src/daemon/daemon.js'), 'the trace saw the daemon');
    assert.deepEqual(
      without.project.filter((p) => p.startsWith('src/fleet/') && p !== 'src/fleet/syntax.js'),
      [],
    );
    assert.ok(!without.packages.includes('mqtt'), without.packages.join(' '));

    // Nothing listens there: the daemon starts all the same and keeps trying in the background.
    const port = await freePort();
    const withFleet = await loadedByDaemon(dir, await rulesFile(dir, 'fleet', [`set fleet mqtt://127.0.0.1:${port}`]));
    assert.ok(withFleet.project.includes('src/fleet/publisher.js'));
    assert.ok(withFleet.packages.includes('mqtt'), withFleet.packages.join(' '));
  });
});

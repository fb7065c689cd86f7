// `npm start` (scripts/demo-start.mjs) on ports and a folder chosen by environment variables or
// flags, without editing config/demo.rc: the rules it writes load, and the demo really serves its
// status page and its broker there.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRules } from '../../src/config/loader.js';
import { freePort } from '../helpers/ports.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'demo-start.mjs');

function run(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

void describe('npm start: the demo on other ports', () => {
  let dir: TempDir;
  let demo: ChildProcess | undefined;
  before(async () => {
    dir = await tempDir('brokerwatch-demo-');
  });
  after(async () => {
    if (demo?.pid !== undefined && demo.exitCode === null && demo.signalCode === null) {
      const exited = new Promise((resolve) => demo?.once('exit', resolve));
      demo.kill('SIGTERM');
      await exited;
    }
    // brokerwatch leaves its broker running when it stops (as monit does): stopped the demo's way.
    await new Promise((resolve) =>
      execFile(
        process.execPath,
        [join(ROOT, 'dist', 'demo', 'broker.js'), '--stop', '--pidfile', join(dir.path, 'broker.pid')],
        { cwd: ROOT },
        resolve,
      ),
    );
    await dir.cleanup();
  });

  void test('environment variables and flags choose the ports; the rules written load', async () => {
    const envRun = await run(['--write-only'], {
      BROKERWATCH_DEMO_HTTP_PORT: '28123',
      BROKERWATCH_DEMO_MQTT_PORT: '28124',
      BROKERWATCH_DEMO_DIR: join(dir.path, 'a'),
    });
    assert.equal(envRun.code, 0, envRun.stderr);
    const file = envRun.stdout.trim();
    assert.equal(file, join(dir.path, 'a', 'demo.rc'));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const text = await readFile(file, 'utf8');
    assert.match(text, /^set httpd port 28123 address 127\.0\.0\.1/m);
    assert.doesNotMatch(text, /2812\b|18830/);
    const { config } = await loadRules(file);
    assert.equal(config.httpd?.port, 28123);
    const svc = config.services[0];
    assert.equal(svc?.matching, 'demo/broker.js --foreground .*--port 28124');
    assert.match(svc?.start?.argv.join(' ') ?? '', new RegExp(` --pidfile ${join(dir.path, 'a', 'broker.pid')} `));
    assert.ok(svc?.rules.some((r) => r.condition.kind === 'port' && r.condition.port === 28124));
    assert.match(svc?.start?.argv.join(' ') ?? '', /--port 28124 /);

    // A flag wins over the environment.
    const flagRun = await run(['--write-only', '--http-port', '28125', `--dir=${join(dir.path, 'b')}`], {
      BROKERWATCH_DEMO_HTTP_PORT: '28123',
    });
    assert.equal(flagRun.code, 0, flagRun.stderr);
    assert.match(await readFile(join(dir.path, 'b', 'demo.rc'), 'utf8'), /^set httpd port 28125 /m);

    for (const [args, env, message] of [
      [['--write-only'], { BROKERWATCH_DEMO_HTTP_PORT: '70000' }, /the HTTP port must be a port number/],
      [['--write-only', '--mqtt-port', 'x'], {}, /the MQTT port must be a port number/],
      [['--write-only', '--htp-port', '1'], {}, /unknown option --htp-port/],
    ] as const) {
      const r = await run(args, { BROKERWATCH_DEMO_DIR: join(dir.path, 'c'), ...env });
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
  });

  void test('the demo serves its page and its broker on the chosen ports', async () => {
    const [http, mqtt] = [await freePort(), await freePort()];
    demo = spawn(process.execPath, [SCRIPT], {
      cwd: ROOT,
      env: {
        ...process.env,
        BROKERWATCH_DEMO_HTTP_PORT: String(http),
        BROKERWATCH_DEMO_MQTT_PORT: String(mqtt),
        BROKERWATCH_DEMO_DIR: dir.path,
      },
      stdio: 'ignore',
    });
    const auth = `Basic ${Buffer.from('admin:watchdog').toString('base64')}`;
    const status = await waitFor(
      async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${http}/api/v1/status`, { headers: { authorization: auth } });
          const body = (await res.json()) as {
            services: Array<{ name: string; status: string; checks: Array<{ target: string | null; status: string }> }>;
          };
          return body.services[0]?.status === 'ok' ? body : undefined;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 60_000, intervalMs: 200, message: 'the demo never served a healthy broker' },
    );
    // Healthy means the MQTT round trip to the chosen port succeeded.
    assert.ok(status.services[0]?.checks.some((c) => c.target === `127.0.0.1:${mqtt}` && c.status === 'ok'));
  });
});

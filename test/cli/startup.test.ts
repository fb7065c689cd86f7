// What each `brokerwatch` command loads (its start-up time is mostly that): the help and the flags
// only commander and the command's own few files; `-t` and the verbs the rules front end and the HTTP
// client, never the daemon, the HTTP server, the alert runtime or the heavy packages (pino, fastify,
// mqtt, nodemailer, execa). A static import that drags one of those in fails here by name.
// Also monit's -V and -B flags.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_MAIN, modulesLoaded } from '../../bench/cli-modules.js';
import type { LoadedModules } from '../../bench/cli-modules.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

/** Packages only the daemon may load. */
const DAEMON_PACKAGES = [
  'aedes',
  'execa',
  'fastify',
  'mqtt',
  'mqtt-packet',
  'nodemailer',
  'pidusage',
  'pino',
  'prom-client',
];
/** Project files only the daemon may load: the runtime folders, the check and channel runtime halves. */
const DAEMON_FILES = [
  /^src\/(daemon|http|actions|process|state)\//,
  /^src\/cli\/run-daemon\.js$/,
  /^src\/checks\/mqtt\//,
  /^src\/checks\/.*\/check\.js$/,
  /^src\/checks\/port\/protocols\/connection\.js$/,
  /^src\/alerts\/.*\/send\.js$/,
  /^src\/alerts\/[^/]+\.js$/,
];
/** All that `--help` and `-V` need. */
const FRONT_DOOR = [
  'src/cli/main.js',
  'src/cli/verbs.js',
  'src/cli/probe.js',
  'src/cli/init.js',
  'src/cli/fleet.js',
  'src/cli/wake.js',
  'src/errors.js',
  'src/util/version.js',
];

const VERSION = (
  JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as {
    version: string;
  }
).version;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_MAIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function daemonParts(m: LoadedModules): string[] {
  return [
    ...m.packages.filter((p) => DAEMON_PACKAGES.includes(p) || p.startsWith('@fastify/')),
    ...m.project.filter((f) => DAEMON_FILES.some((re) => re.test(f))),
  ];
}

void describe('brokerwatch start-up', () => {
  let dir: TempDir;
  let rules: string;
  before(async () => {
    dir = await tempDir('bw-startup-');
    rules = join(dir.path, 'brokerwatch.rc');
    // Nothing listens on the port: a verb loads all it needs, then finds no daemon (exit 3).
    const port = await freePort();
    await writeFile(
      rules,
      [
        `set httpd port ${port} address 127.0.0.1`,
        '  allow admin:pw',
        'check program tick with path "/bin/true"',
        '  if status != 0 then alert',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  });
  after(() => dir.cleanup());

  for (const args of [['--help'], ['-V']]) {
    void test(`${args.join(' ')} loads commander and the command's own files, nothing else`, (t) => {
      const m = modulesLoaded(args);
      t.diagnostic(`${m.total} modules: ${m.project.join(' ')} + ${m.packages.join(' ')}`);
      assert.equal(m.exitCode, 0);
      assert.deepEqual(m.packages, ['commander']);
      assert.deepEqual(
        m.project.filter((f) => !FRONT_DOOR.includes(f)),
        [],
      );
    });
  }

  const modes: [string, () => string[], number][] = [
    ['-t', () => ['-c', rules, '-t'], 0],
    ['status', () => ['-c', rules, 'status'], 3],
    ['restart NAME', () => ['-c', rules, 'restart', 'tick'], 3],
  ];
  for (const [what, args, exit] of modes) {
    void test(`${what} loads no part of the daemon`, (t) => {
      const m = modulesLoaded(args());
      t.diagnostic(`${m.total} modules (${m.project.length} own): ${m.packages.join(' ')}`);
      assert.equal(m.exitCode, exit);
      assert.ok(m.project.includes('src/config/loader.js'), 'the trace saw the rules front end load');
      assert.deepEqual(daemonParts(m), []);
    });
  }

  void test('the daemon itself is what loads the rest (the trace does see it)', () => {
    // A rules file with an error: -I loads the daemon's code, then refuses the file and exits 1.
    const m = modulesLoaded(['-I', '-c', '/nonexistent/brokerwatch.rc']);
    assert.equal(m.exitCode, 1);
    assert.ok(m.project.includes('src/cli/run-daemon.js'));
    assert.ok(m.packages.includes('pino'), m.packages.join(' '));
  });

  void test('-V prints the version and exits, as monit -V does', async () => {
    for (const flag of ['-V', '--version']) {
      const r = await cli(flag);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `This is brokerwatch version ${VERSION}\n`);
    }
  });

  void test('-B (monit batch mode) is accepted before or after a verb; the output stays plain', async () => {
    const t = await cli('-B', '-c', rules, '-t');
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^Control file syntax OK: /);
    const s = await cli('-c', rules, 'status', '-B');
    assert.equal(s.code, 3, s.stderr);
    assert.match(s.stderr, /not running/);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(t.stdout + s.stderr, /\x1b\[/);
    const help = await cli('--help');
    assert.match(help.stdout, /-B, --batch/);
    assert.match(help.stdout, /-V, --version/);
    assert.match(help.stdout, /^ {2}probe \[options\] <url> /m);
    assert.match(help.stdout, /^ {2}fleet \[options\] /m);
  });
});

// `npm run package`: the Debian package and the tarball it builds, as an operator gets them. The
// package passes lintian (errors fail, warnings are printed), holds the paths and modes it should
// with the rules file as its only conffile, and its maintainer scripts are debhelper's systemd ones.
// Unpacked with `dpkg-deb -x` into a temporary root, with NODE_PATH unset and no node_modules in
// any folder above, its /usr/bin/brokerwatch prints the version, checks the sample rules and runs the
// daemon: status page with its files, the CLI, and an MQTT round trip to a real mosquitto. The
// tarball holds the same program and runs where it is unpacked. All this with Node.js from the
// system (arch all) and with Node.js embedded (`--embed-node`; the wrapper is then told a node that
// does not exist, so only the embedded one can run it). And dpkg installs the arch-all package into
// a scratch root: an upgrade keeps the rules an operator edited, purge removes them and the state.
//
// The packages are made from the dist/ this run built (`-- --no-build`): rebuilding would replace
// dist/bin under the test files running beside this one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { startMosquitto } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

/** dist/test/package/ → the source tree. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
};
const VERSION = PKG.version;
const MINUTES = 60_000;

const onPath = (cmd: string): boolean =>
  (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, cmd)));
const noDpkg = !onPath('dpkg-deb') && 'dpkg-deb is not installed: the packages are built for Debian';
const noLintian = !onPath('lintian') && 'lintian is not installed: run scripts/install-prereqs.sh';
const noShlibdeps = !onPath('dpkg-shlibdeps') && 'dpkg-shlibdeps is not installed: apt-get install dpkg-dev';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of an operator's shell: no NODE_PATH to find modules by, not under systemd. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['NODE_PATH', 'NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID']) delete env[name];
  return env;
}

/** Runs a command to its end; never rejects (the code says how it went). */
function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd ?? ROOT, env: opts.env ?? cleanEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 5 * MINUTES },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs a command that must succeed, and returns its output. */
async function ok(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = await run(cmd, args, opts);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `dpkg-deb --contents`/`tar -tv` lines: mode string, owner, path (without ./ and trailing /). */
function listing(text: string): Map<string, { mode: string; owner: string }> {
  const entries = new Map<string, { mode: string; owner: string }>();
  for (const line of text.split('\n').filter(Boolean)) {
    const [mode = '', owner = '', , , , ...rest] = line.split(/\s+/);
    const path = rest.join(' ').replace(/^\.\//, '').replace(/\/$/, '');
    if (path !== '' && path !== '.') entries.set(path, { mode, owner });
  }
  return entries;
}

/** Every file below dir with its sha256, by relative path. */
function digests(dir: string, rel = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(join(dir, rel))) {
    const p = rel ? `${rel}/${name}` : name;
    if (statSync(join(dir, p)).isDirectory()) for (const [k, v] of digests(dir, p)) out.set(k, v);
    else
      out.set(
        p,
        createHash('sha256')
          .update(readFileSync(join(dir, p)))
          .digest('hex'),
      );
  }
  return out;
}

/** Asserts that no folder from dir up to / has a node_modules the program could load from. */
function assertNoNodeModulesAbove(dir: string): void {
  for (let d = dir; ; d = dirname(d)) {
    assert.equal(existsSync(join(d, 'node_modules')), false, `${d}/node_modules would make the proof void`);
    if (dirname(d) === d) return;
  }
}

interface Variant {
  readonly name: string;
  readonly args: readonly string[];
  readonly deb: string;
  readonly tarball: string;
  readonly depends: RegExp;
  /** Extra environment for the command: the embedded variant is given a node that does not exist. */
  readonly env: NodeJS.ProcessEnv;
  readonly lintianArgs: readonly string[];
  readonly skip: string | false;
  /** Also install, upgrade and purge it with dpkg (what differs between the variants is the files). */
  readonly dpkg: boolean;
}

const ARCH_ALL: Variant = {
  name: 'Node.js from the nodejs package (Architecture: all)',
  args: [],
  deb: `brokerwatch_${VERSION}_all.deb`,
  tarball: `brokerwatch-${VERSION}-linux.tar.gz`,
  depends: new RegExp(`^nodejs \\(>= ${PKG.engines.node.replace(/^>=\s*/, '').replaceAll('.', '\\.')}\\)$`),
  env: {},
  lintianArgs: [],
  skip: noDpkg,
  dpkg: true,
};

const DEB_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
const EMBEDDED: Variant = {
  name: 'Node.js embedded (--embed-node)',
  args: ['--embed-node'],
  deb: `brokerwatch_${VERSION}_${DEB_ARCH[process.arch] ?? process.arch}.deb`,
  tarball: `brokerwatch-${VERSION}-linux-${process.arch}.tar.gz`,
  depends: /^libc6 \(>= [\d.]+\)(, \S+ \(>= [^)]+\))*$/,
  env: { BROKERWATCH_NODE: '/nonexistent/node' },
  // The spelling of strings inside Node.js's executable is not ours to fix, and costs half a minute.
  lintianArgs: ['-X', 'binaries/spelling'],
  skip: noDpkg || noShlibdeps,
  dpkg: false,
};

for (const variant of [ARCH_ALL, EMBEDDED])
  void describe(`package: ${variant.name}`, { skip: variant.skip, timeout: 10 * MINUTES }, () => {
    let tmp: TempDir | undefined;
    let out = '';
    let deb = '';
    let root = '';

    before(async () => {
      tmp = await tempDir('bw-package-');
      out = join(tmp.path, 'out');
      const r = await run('npm', ['run', '--silent', 'package', '--', '--no-build', '--out', out, ...variant.args]);
      assert.equal(r.code, 0, `npm run package failed:\n${r.stderr}${r.stdout}`);
      deb = join(out, variant.deb);
      root = join(tmp.path, 'root');
      await ok('dpkg-deb', ['-x', deb, root]);
    });

    after(async () => {
      await tmp?.cleanup();
    });

    void test('dist/package holds the .deb and the tarball', () => {
      assert.deepEqual(readdirSync(out).sort(), [variant.tarball, variant.deb].sort());
    });

    void test('lintian finds no error', { skip: noLintian }, async (t) => {
      const r = await run('lintian', ['--fail-on', 'error', '--info', ...variant.lintianArgs, deb]);
      const tags = r.stdout.split('\n').filter((l) => /^[EWIP]: /.test(l));
      for (const line of tags) t.diagnostic(line);
      assert.deepEqual(
        tags.filter((l) => l.startsWith('E: ')),
        [],
      );
      assert.equal(r.code, 0, `lintian failed:\n${r.stderr}${r.stdout}`);
    });

    void test('control: name, version, dependencies, the rules file as the only conffile', async () => {
      const control = join(tmp?.path ?? '', 'control');
      await ok('dpkg-deb', ['-e', deb, control]);
      const field = async (name: string) => (await ok('dpkg-deb', ['-f', deb, name])).trim();
      assert.equal(await field('Package'), 'brokerwatch');
      assert.equal(await field('Version'), VERSION);
      assert.match(await field('Depends'), variant.depends);
      assert.equal(await readFile(join(control, 'conffiles'), 'utf8'), '/etc/brokerwatch/brokerwatch.rc\n');
      const md5sums = await readFile(join(control, 'md5sums'), 'utf8');
      assert.match(md5sums, / {2}usr\/bin\/brokerwatch\n/);
      assert.doesNotMatch(md5sums, /etc\/brokerwatch/, 'conffiles have no md5sums line');
      for (const script of ['postinst', 'prerm', 'postrm']) {
        assert.equal(statSync(join(control, script)).mode & 0o777, 0o755, script);
        await ok('sh', ['-n', join(control, script)]);
      }
      const postinst = await readFile(join(control, 'postinst'), 'utf8');
      // Started through deb-systemd-invoke only, which asks policy-rc.d; enabled by deb-systemd-helper.
      assert.match(postinst, /deb-systemd-helper enable 'brokerwatch\.service'/);
      assert.match(postinst, /deb-systemd-invoke \$_dh_action 'brokerwatch\.service'/);
      assert.doesNotMatch(postinst, /systemctl (start|restart|enable)/);
      assert.match(await readFile(join(control, 'prerm'), 'utf8'), /"\$1" = remove.*\n.*deb-systemd-invoke stop/);
      assert.match(await readFile(join(control, 'postrm'), 'utf8'), /deb-systemd-helper purge 'brokerwatch\.service'/);
    });

    void test('contents: paths, owners and modes', async () => {
      const files = listing(await ok('dpkg-deb', ['--contents', deb]));
      const expected: Record<string, string> = {
        'usr/bin/brokerwatch': '-rwxr-xr-x',
        'usr/lib/brokerwatch/package.json': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/brokerwatch.js': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/brokerwatch.cjs': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/package.json': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/vendor/http.cjs': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/vendor/schemas.cjs': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/vendor/metrics.cjs': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/vendor/mail.cjs': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/vendor/mqtt.cjs': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/vendor/ws.cjs': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/vendor/programs.cjs': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/browser/page.css': '-rw-r--r--',
        'usr/lib/brokerwatch/bin/browser/page.js': '-rw-r--r--',
        'lib/systemd/system/brokerwatch.service': '-rw-r--r--',
        'etc/brokerwatch': 'drwxr-xr-x',
        'etc/brokerwatch/brokerwatch.rc': '-rw-------',
        'var/lib/brokerwatch': 'drwxr-xr-x',
        'usr/share/doc/brokerwatch/copyright': '-rw-r--r--',
        'usr/share/doc/brokerwatch/changelog.gz': '-rw-r--r--',
        'usr/share/man/man1/brokerwatch.1.gz': '-rw-r--r--',
        ...(variant.args.includes('--embed-node') ? { 'usr/lib/brokerwatch/node': '-rwxr-xr-x' } : {}),
      };
      for (const [path, mode] of Object.entries(expected)) assert.equal(files.get(path)?.mode, mode, path);
      const executables = new Set(Object.keys(expected).filter((p) => expected[p] === '-rwxr-xr-x'));
      for (const [path, { mode, owner }] of files) {
        assert.equal(owner, 'root/root', path);
        assert.doesNotMatch(path, /node_modules|\.map$|^dist\//, path);
        if (mode.startsWith('d')) assert.equal(mode, 'drwxr-xr-x', path);
        else if (executables.has(path)) assert.equal(mode, '-rwxr-xr-x', path);
        else if (path !== 'etc/brokerwatch/brokerwatch.rc') assert.equal(mode, '-rw-r--r--', path);
      }
    });

    void test('the copyright file names the npm packages bundled in the program', async () => {
      const text = await readFile(join(root, 'usr/share/doc/brokerwatch/copyright'), 'utf8');
      for (const name of ['fastify', 'mqtt', 'mqtt-packet', 'nodemailer', 'pino', 'execa', 'commander'])
        assert.match(text, new RegExp(`^ ${name} \\d`, 'm'), `${name}: a line of its own, with its version`);
    });

    void test('the unit runs /usr/bin/brokerwatch on /etc/brokerwatch/brokerwatch.rc', async () => {
      const unit = await readFile(join(root, 'lib/systemd/system/brokerwatch.service'), 'utf8');
      assert.match(unit, /^ExecStart=\/usr\/bin\/brokerwatch -I -c \/etc\/brokerwatch\/brokerwatch\.rc$/m);
      assert.match(unit, /^StateDirectory=brokerwatch$/m);
      assert.match(unit, /^CacheDirectory=brokerwatch$/m);
      assert.doesNotMatch(unit, /^#\s+install /m, 'no instructions to install by hand');
      const rc = await readFile(join(root, 'etc/brokerwatch/brokerwatch.rc'), 'utf8');
      assert.equal(rc, await readFile(join(ROOT, 'config/mosquitto-debian.rc'), 'utf8'));
      const man = gunzipSync(await readFile(join(root, 'usr/share/man/man1/brokerwatch.1.gz'))).toString();
      assert.match(man, /^\.TH BROKERWATCH 1 /);
      assert.match(man, /\\-\\-control <file>/);
    });

    void test('unpacked: --version and -t on the sample rules, from the temporary root', async () => {
      assertNoNodeModulesAbove(root);
      const env = cleanEnv(variant.env);
      const version = await ok(join(root, 'usr/bin/brokerwatch'), ['--version'], { cwd: tmp?.path ?? '', env });
      assert.equal(version.trim(), `This is brokerwatch version ${VERSION}`);
      const rc = join(root, 'etc/brokerwatch/brokerwatch.rc');
      const check = await run(join(root, 'usr/bin/brokerwatch'), ['-t', '-c', rc], { cwd: tmp?.path ?? '', env });
      assert.equal(check.code, 0, check.stderr);
      assert.match(check.stdout, /Control file syntax OK/);
      assert.doesNotMatch(check.stderr, /error/i);
    });

    void test('unpacked: the daemon serves its page and probes a real mosquitto', async () => {
      await daemonRuns(join(root, 'usr/bin/brokerwatch'), join(tmp?.path ?? '', 'daemon'), cleanEnv(variant.env));
    });

    if (variant.dpkg)
      void test(
        'dpkg: install, an upgrade keeps the edited rules, remove keeps them, purge removes the state',
        {
          skip: process.getuid?.() !== 0 && 'needs root (dpkg --root runs the maintainer scripts in a chroot)',
        },
        async () => {
          await installUpgradePurge(deb, join(tmp?.path ?? '', 'dpkg'));
        },
      );

    void test('the tarball holds the same program and runs where it is unpacked', async () => {
      const tarball = join(out, variant.tarball);
      const top = `brokerwatch-${VERSION}`;
      const files = listing(await ok('tar', ['-tvzf', tarball]));
      assert.equal(files.get(`${top}/bin/brokerwatch`)?.mode, '-rwxr-xr-x');
      assert.equal(files.get(`${top}/config/mosquitto-debian.rc`)?.mode, '-rw-------');
      assert.ok(files.has(`${top}/systemd/brokerwatch.service`));
      for (const path of files.keys()) assert.doesNotMatch(path, /node_modules|\.map$/, path);
      const dir = join(tmp?.path ?? '', 'tar');
      await mkdir(dir);
      await ok('tar', ['-xzf', tarball, '-C', dir]);
      assert.deepEqual(digests(join(dir, top, 'lib/brokerwatch')), digests(join(root, 'usr/lib/brokerwatch')));
      const env = cleanEnv(variant.env);
      const bin = join(dir, top, 'bin/brokerwatch');
      assert.equal((await ok(bin, ['-V'], { cwd: dir, env })).trim(), `This is brokerwatch version ${VERSION}`);
      const check = await run(bin, ['-t', '-c', join(dir, top, 'config/mosquitto-debian.rc')], { cwd: dir, env });
      assert.equal(check.code, 0, check.stderr);
      assert.match(check.stdout, /Control file syntax OK/);
    });
  });

/**
 * Runs `brokerwatch -I` from an unpacked package on rules that watch a real mosquitto with an MQTT
 * round trip and resource tests, and serve the status page: the page and its stylesheet answer,
 * the CLI reads the status, the round trip succeeds. Then SIGTERM; the broker is stopped after.
 */
async function daemonRuns(bin: string, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  await mkdir(dir, { mode: 0o700 });
  let broker: RunningMosquitto | undefined;
  let daemon: ChildProcess | undefined;
  try {
    broker = await startMosquitto();
    const port = await freePort();
    const rc = join(dir, 'brokerwatch.rc');
    const rules = [
      'set daemon 1',
      `set statefile ${join(dir, 'state.json')}`,
      `set httpd port ${port} address 127.0.0.1`,
      '    allow admin:secret',
      `check process mosquitto with pidfile ${broker.pidfile}`,
      `  if failed host 127.0.0.1 port ${broker.port} protocol mqtt roundtrip qos 1 topic "bw/package"`,
      '      with timeout 10 seconds then alert',
      '  if cpu > 99% for 5 cycles then alert',
      '  if memory > 4 GB then alert',
      '',
    ];
    await writeFile(rc, rules.join('\n'), { mode: 0o600 });
    let log = '';
    daemon = spawn(bin, ['-I', '-c', rc], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout?.on('data', (b: Buffer) => (log += b.toString()));
    daemon.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    const exited = once(daemon, 'exit');
    const auth = { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
    const url = `http://127.0.0.1:${port}`;
    type Status = { services: { name: string; status: string; pid: number | null; probe?: { deliveryMs?: number } }[] };
    const service = await waitFor(
      async () => {
        if (daemon?.exitCode !== null) throw new Error(`brokerwatch exited (${daemon?.exitCode}):\n${log}`);
        const res = await fetch(`${url}/api/v1/status`, { headers: auth }).catch(() => undefined);
        if (res?.status !== 200) return undefined;
        const s = ((await res.json()) as Status).services.find((x) => x.name === 'mosquitto');
        return s?.status === 'ok' && s.probe?.deliveryMs !== undefined ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'the packaged daemon never reported mosquitto ok' },
    );
    assert.equal(service.pid, broker.pid);
    const page = await fetch(`${url}/`, { headers: auth });
    assert.equal(page.status, 200);
    const css = /href="(\/static\/[^"]+\.css)"/.exec(await page.text())?.[1];
    assert.ok(css !== undefined, 'the page links its stylesheet');
    assert.equal((await fetch(`${url}${css}`, { headers: auth })).status, 200);
    const summary = await run(bin, ['-c', rc, 'summary'], { cwd: dir, env });
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, /mosquitto/);
    daemon.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, log);
  } finally {
    if (daemon?.exitCode === null && daemon.pid !== undefined) daemon.kill('SIGKILL');
    await broker?.stop();
  }
}

/**
 * A root for `dpkg --root`: an empty dpkg database, and the sh and rm the maintainer scripts need in
 * the chroot dpkg runs them in (deb-systemd-helper is missing there, as it may be anywhere: the
 * scripts must cope, and no unit of this machine is touched).
 */
async function dpkgRoot(dir: string): Promise<void> {
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'bin', 'dev'])
    await mkdir(join(dir, d), { recursive: true });
  await writeFile(join(dir, 'var/lib/dpkg/status'), '');
  const libs = new Set<string>();
  for (const [from, to] of [
    ['/bin/dash', 'bin/sh'],
    ['/bin/rm', 'bin/rm'],
  ] as const) {
    await ok('cp', [from, join(dir, to)]);
    for (const m of (await ok('ldd', [from])).matchAll(/(\/\S+\.so[.\d]*) \(0x/g)) libs.add(m[1] ?? '');
  }
  for (const lib of libs) await ok('cp', ['--parents', '-L', lib, dir]);
  // A character device where the kernel allows one; a plain file does for `>/dev/null` otherwise.
  if ((await run('mknod', ['-m', '666', join(dir, 'dev/null'), 'c', '1', '3'])).code !== 0)
    await writeFile(join(dir, 'dev/null'), '');
}

/** The same package as VERSION+1 with a changed sample rules file, built from deb's contents. */
async function nextVersion(deb: string, dir: string): Promise<{ file: string; version: string }> {
  const tree = join(dir, 'tree');
  await ok('dpkg-deb', ['-R', deb, tree]);
  const version = `${VERSION}+1`;
  const control = join(tree, 'DEBIAN/control');
  await writeFile(control, (await readFile(control, 'utf8')).replace(/^Version: .*$/m, `Version: ${version}`));
  const rc = join(tree, 'etc/brokerwatch/brokerwatch.rc');
  await writeFile(rc, `${await readFile(rc, 'utf8')}# a line the next version adds\n`);
  const file = join(dir, 'next.deb');
  await ok('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, file]);
  return { file, version };
}

/** dpkg --root: install, edit the rules, upgrade (the package's rules changed too), remove, purge. */
async function installUpgradePurge(deb: string, dir: string): Promise<void> {
  const root = join(dir, 'root');
  await dpkgRoot(root);
  const dpkg = (...args: string[]) => ok('dpkg', [`--root=${root}`, '--force-depends', ...args]);
  const status = async () =>
    (
      await ok('dpkg-query', [
        `--admindir=${root}/var/lib/dpkg`,
        '-W',
        '-f',
        '${db:Status-Abbrev}${Version}',
        'brokerwatch',
      ])
    ).trim();
  const rc = join(root, 'etc/brokerwatch/brokerwatch.rc');
  const state = join(root, 'var/lib/brokerwatch/state.json');

  await dpkg('-i', deb);
  assert.equal(await status(), `ii ${VERSION}`);
  assert.equal(statSync(rc).mode & 0o777, 0o600);
  const edited = `${await readFile(rc, 'utf8')}# edited here\n`;
  await writeFile(rc, edited);
  await writeFile(state, '{}');

  const next = await nextVersion(deb, dir);
  // As `apt-get upgrade` with its usual non-interactive choice: keep the file the operator edited.
  await dpkg('--force-confdef', '--force-confold', '-i', next.file);
  assert.equal(await status(), `ii ${next.version}`);
  assert.equal(await readFile(rc, 'utf8'), edited, 'an upgrade never overwrites the rules');
  assert.match(await readFile(`${rc}.dpkg-dist`, 'utf8'), /# a line the next version adds/);
  assert.equal(existsSync(state), true);

  await dpkg('--remove', 'brokerwatch');
  assert.equal(await readFile(rc, 'utf8'), edited, 'remove keeps the rules');
  assert.equal(existsSync(state), true, 'remove keeps the state');
  assert.equal(existsSync(join(root, 'usr/bin/brokerwatch')), false);

  await dpkg('--purge', 'brokerwatch');
  assert.equal(existsSync(rc), false, 'purge removes the rules');
  assert.equal(existsSync(join(root, 'var/lib/brokerwatch')), false, 'purge removes the state');
}

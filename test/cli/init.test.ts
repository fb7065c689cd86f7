// `brokerwatch init --from-mosquitto CONF`: rules made from real mosquitto configurations (Debian's
// own, TLS, WebSockets, several listeners, include_dir), each run through the shipped command and
// checked with `-t`'s checkRules; malformed lines reported at FILE:LINE; files never overwritten
// without --force; and end to end: a real mosquitto, rules made from its mosquitto.conf, and the
// daemon running on them until the broker's service is ok.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { modulesLoaded } from '../../bench/cli-modules.js';
import { checkRules } from '../../src/cli/check-rules.js';
import { compareConfNames } from '../../src/init/include-dir.js';
import { findInitSystem } from '../../src/init/host.js';
import { selfSignedCert } from '../helpers/certs.js';
import { BROKERWATCH } from '../helpers/cli.js';
import { startMosquitto, writePasswordFile } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, startInProcess } from '../daemon/harness.js';
import type { InProcess } from '../daemon/harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function brokerwatch(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BROKERWATCH, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function dir(prefix = 'bw-init-'): Promise<string> {
  const d = await tempDir(prefix);
  cleanup.add(d.cleanup);
  return d.path;
}

/** Runs `init` into DIR/brokerwatch.rc and returns the rules; asserts it succeeded and -t's check passed. */
async function init(conf: string, outDir: string, ...extra: string[]): Promise<{ rules: string; file: string }> {
  const file = join(outDir, 'brokerwatch.rc');
  const r = await brokerwatch('init', '--from-mosquitto', conf, '--output', file, ...extra);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^Control file syntax OK: /m);
  assert.equal((await stat(file)).mode & 0o777, 0o600, 'the rules hold a password: mode 600');
  const outcome = await checkRules(file);
  assert.ok(outcome.ok, outcome.lines.join('\n'));
  assert.deepEqual(
    outcome.lines.filter((l) => !/^Control file syntax OK/.test(l) && !/warning: start program/.test(l)),
    [],
    'no error and no warning but a start program missing on this machine',
  );
  return { rules: await readFile(file, 'utf8'), file };
}

/** The lines of RULES that are not comments, trimmed. */
function statements(rules: string): string[] {
  return rules
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

void describe("Debian's mosquitto.conf", { skip: !existsSync('/etc/mosquitto/mosquitto.conf') }, () => {
  void test('its default configuration: pidfile, the local-only listener, persistence and the log', async () => {
    const d = await dir();
    const conf = join(d, 'mosquitto.conf');
    const text = readFileSync('/etc/mosquitto/mosquitto.conf', 'utf8');
    assert.match(text, /^include_dir \/etc\/mosquitto\/conf\.d$/m);
    cpSync('/etc/mosquitto/conf.d', join(d, 'conf.d'), { recursive: true });
    await writeFile(conf, text.replace(/^include_dir .*$/m, `include_dir ${join(d, 'conf.d')}`));

    const { rules } = await init(conf, d);
    const s = statements(rules);
    assert.ok(s.includes('set daemon 10'), rules);
    assert.ok(s.includes('set httpd port 2812 address 127.0.0.1'));
    assert.match(rules, /^ {4}allow admin:[A-Za-z0-9_-]{24}$/m);
    assert.ok(s.includes('check process mosquitto with pidfile /run/mosquitto/mosquitto.pid'));
    // Not the system's configuration: brokerwatch starts this one itself.
    assert.ok(s.includes(`start program = "/usr/sbin/mosquitto -d -c ${conf}" with timeout 30 seconds`), rules);
    assert.match(rules, /# no listener configured: mosquitto 2 listens on 127\.0\.0\.1 and ::1, port 1883/);
    assert.deepEqual(
      s.filter((l) => /^if failed host /.test(l)),
      [
        'if failed host 127.0.0.1 port 1883 protocol mqtt roundtrip qos 1 with timeout 5 seconds for 2 cycles then restart',
      ],
    );
    assert.ok(s.includes('if 5 restarts within 5 cycles then unmonitor'));
    const fs = rules.slice(rules.indexOf('check filesystem'));
    assert.deepEqual(statements(fs).slice(0, 3), [
      'check filesystem mosquitto_persistence with path /var/lib/mosquitto/',
      'if space usage > 90% then alert',
      'if inode usage > 90% then alert',
    ]);
    const log = rules.slice(rules.indexOf('check file mosquitto_log'));
    assert.deepEqual(statements(log), [
      'check file mosquitto_log with path /var/log/mosquitto/mosquitto.log',
      'if content = "Error|error:|Socket error" then alert',
    ]);
    // Each run makes its own password.
    const again = await brokerwatch('init', '--from-mosquitto', conf);
    assert.equal(again.code, 0, again.stderr);
    const pw = (t: string): string | undefined => /allow admin:(\S+)/.exec(t)?.[1];
    assert.notEqual(pw(again.stdout), pw(rules));
  });

  void test('the system configuration is started by the init system that runs it', () => {
    const unit = ['/etc/systemd/system', '/lib/systemd/system'].some((d) => existsSync(`${d}/mosquitto.service`));
    const found = findInitSystem('/etc/mosquitto/mosquitto.conf');
    if (unit) {
      assert.equal(found.kind, 'systemd');
      assert.equal(found.start, '/usr/bin/systemctl start mosquitto');
      assert.equal(found.stop, '/usr/bin/systemctl stop mosquitto');
    } else if (existsSync('/etc/init.d/mosquitto')) {
      assert.equal(found.start, '/etc/init.d/mosquitto start');
    }
  });
});

void describe('how mosquitto is started', () => {
  async function root(files: Record<string, string>): Promise<string> {
    const r = await dir('bw-init-root-');
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(r, path, '..'), { recursive: true });
      await writeFile(join(r, path), text);
      if (path.includes('init.d')) chmodSync(join(r, path), 0o755);
    }
    return r;
  }
  const conf = '/etc/mosquitto/mosquitto.conf';
  const unit = (c: string): string => `[Service]\nType=notify\nExecStart=/usr/sbin/mosquitto -c ${c}\n`;
  const script = (c: string): string => `#!/bin/sh\nstart-stop-daemon --start --exec /usr/sbin/mosquitto -- -c ${c}\n`;

  void test('systemd when mosquitto.service runs this configuration (/etc first, then /lib)', async () => {
    for (const where of ['lib/systemd/system', 'etc/systemd/system']) {
      const r = await root({ [`${where}/mosquitto.service`]: unit(conf), 'etc/init.d/mosquitto': script(conf) });
      const found = findInitSystem(conf, r);
      assert.equal(found.kind, 'systemd', where);
      assert.equal(found.start, '/usr/bin/systemctl start mosquitto');
    }
  });

  void test('the init script when there is no unit', async () => {
    const r = await root({ 'etc/init.d/mosquitto': script(conf) });
    assert.deepEqual(
      [findInitSystem(conf, r).start, findInitSystem(conf, r).stop],
      [`${r}/etc/init.d/mosquitto start`, `${r}/etc/init.d/mosquitto stop`],
    );
  });

  void test('mosquitto itself when the service runs another configuration, or there is none', async () => {
    const r = await root({ 'lib/systemd/system/mosquitto.service': unit('/etc/mosquitto/other.conf') });
    const other = findInitSystem(conf, r);
    assert.equal(other.kind, 'direct');
    assert.equal(other.start, `/usr/sbin/mosquitto -d -c ${conf}`);
    assert.equal(other.stop, undefined);
    assert.match(other.why.join(' '), /runs \/etc\/mosquitto\/other\.conf, not \/etc\/mosquitto\/mosquitto\.conf/);
    const none = findInitSystem('/srv/my broker/mosquitto.conf', await root({}));
    assert.equal(none.start, "/usr/sbin/mosquitto -d -c '/srv/my broker/mosquitto.conf'");
  });
});

void describe('listeners', () => {
  void test('TLS, WebSockets and several listeners with per_listener_settings, a probe user', async () => {
    const d = await dir();
    const cert = await selfSignedCert(d, 'broker', 90);
    await mkdir(join(d, 'conf.d'));
    await writeFile(
      join(d, 'conf.d', 'ws.conf'),
      ['# a WebSocket listener for browsers', 'listener 9001 127.0.0.1', 'protocol websockets', ''].join('\n'),
    );
    const conf = join(d, 'mosquitto.conf');
    await writeFile(
      conf,
      [
        '# several listeners, each with its own security',
        'per_listener_settings true',
        `pid_file ${join(d, 'mosquitto.pid')}`,
        'max_inflight_messages 40',
        'a_directive_of_some_future_mosquitto on',
        'listener 1883 127.0.0.1',
        'allow_anonymous true',
        'listener 8883',
        `certfile ${cert.file}`,
        `keyfile ${cert.keyFile}`,
        `cafile ${cert.file}`,
        'allow_anonymous true',
        'listener 8884 10.1.2.3',
        `certfile ${cert.file}`,
        `keyfile ${cert.keyFile}`,
        'require_certificate true',
        'listener 1884',
        `password_file ${join(d, 'passwd')}`,
        `listener 0 ${join(d, 'mosquitto.sock')}`,
        'listener 1885 127.0.0.1',
        'allow_anonymous true',
        `acl_file ${join(d, 'acl')}`,
        'mount_point tenant1/',
        `include_dir ${join(d, 'conf.d')}`,
        '',
      ].join('\n'),
    );
    const { rules } = await init(conf, d);
    const ports = statements(rules).filter((l) => /^if failed host /.test(l));
    const T = 'with timeout 5 seconds';
    assert.deepEqual(ports, [
      `if failed host 127.0.0.1 port 1883 protocol mqtt roundtrip qos 1 ${T} for 2 cycles then restart`,
      `if failed host 127.0.0.1 port 8883 type tcpssl cafile ${cert.file} protocol mqtt roundtrip qos 1 ${T} for 2 cycles then restart`,
      `if failed host 127.0.0.1 port 8883 type tcpssl cafile ${cert.file} certificate valid > 30 days ${T} then alert`,
      // A client certificate is required: the port is tested bare; its certificate names 127.0.0.1, not 10.1.2.3.
      `if failed host 10.1.2.3 port 8884 ${T} for 2 cycles then restart`,
      `if failed host 127.0.0.1 port 1884 ${T} for 2 cycles then restart`,
      `if failed host 127.0.0.1 port 1885 protocol mqtt ${T} for 2 cycles then restart`,
      `if failed host 127.0.0.1 port 9001 ${T} for 2 cycles then restart`,
    ]);
    assert.match(rules, /# listener 1884 on every interface \(.*mosquitto\.conf:17\): MQTT, no anonymous clients/);
    assert.match(rules, /# anonymous clients are refused: tested as a TCP connect\n/);
    assert.match(rules, /# require_certificate: the probe has no client certificate; tested as a TCP connect/);
    assert.match(rules, /# acl_file .*acl may deny a round trip/);
    assert.match(
      rules,
      /# listener on the unix socket .*mosquitto\.sock \(.*mosquitto\.conf:19\)\n {2}# port tests need TCP: not tested\n/,
    );
    assert.match(rules, /mount_point tenant1\//);
    assert.match(rules, /# listener 9001 on 127\.0\.0\.1 \(.*ws\.conf:2\): MQTT over WebSockets/);
    // No anonymous clients there and no probe user yet: a connect only.
    assert.match(rules, /\n {2}if failed host 127\.0\.0\.1 port 9001 with timeout 5 seconds /);

    // With a probe user every MQTT listener is tested with a round trip; the password comes from a file.
    const pwFile = join(d, 'probe-password');
    await writeFile(pwFile, 'pr"obe-s3cret\n', { mode: 0o600 });
    const withUser = await init(conf, await dir(), '--probe-user', 'probe', '--probe-password-file', pwFile);
    const mqtt = statements(withUser.rules).filter((l) => l.includes('protocol mqtt'));
    assert.equal(mqtt.length, 5, mqtt.join('\n'));
    for (const l of mqtt)
      assert.match(l, / protocol mqtt (over websocket )?username "probe" password "pr\\"obe-s3cret" roundtrip qos 1 /);
    // MQTT itself on the websockets listener, inside a WebSocket.
    assert.ok(mqtt.some((l) => l.includes(' port 9001 protocol mqtt over websocket username ')));
    assert.match(withUser.rules, /# acl_file .*acl: give probe `topic readwrite brokerwatch\/probe\/#`\n/);
    const noPassword = await brokerwatch('init', '--from-mosquitto', conf, '--probe-password', 'x');
    assert.equal(noPassword.code, 2, 'a password on the command line is refused');
  });

  void test('no pid_file, and the default listener of `port`: found by command line, no anonymous clients', async () => {
    const d = await dir();
    const conf = join(d, 'mosquitto.conf');
    await writeFile(conf, 'port 1999\n');
    const { rules } = await init(conf, d);
    assert.match(rules, /^check process mosquitto matching "\^\/usr\/sbin\/mosquitto"$/m);
    assert.match(rules, /# mosquitto\.conf has no pid_file/);
    assert.match(rules, /# the default listener, port 1999 on every interface/);
    assert.match(
      rules,
      /^ {2}if failed host 127\.0\.0\.1 port 1999 with timeout 5 seconds for 2 cycles then restart$/m,
    );
    assert.doesNotMatch(rules, /check filesystem|check file /);
  });
});

void describe('include_dir', () => {
  void test("mosquitto's order: case-insensitive, upper case first (man mosquitto.conf's example)", () => {
    const names = ['b.conf', 'A.conf', '01.conf', 'a.conf', 'B.conf', '00.conf'];
    assert.deepEqual(names.sort(compareConfNames), ['00.conf', '01.conf', 'A.conf', 'a.conf', 'B.conf', 'b.conf']);
  });

  void test('the folder\'s ".conf" files in that order, each listener from its file; include_dir only in the main file', async () => {
    const d = await dir();
    const inc = join(d, 'conf.d');
    await mkdir(inc);
    const files = ['b.conf', 'A.conf', '01.conf', 'a.conf', 'B.conf', '00.conf', 'z.conf.dpkg-old', '.conf', 'README'];
    const port = (name: string): number => 2000 + files.indexOf(name);
    for (const f of files) await writeFile(join(inc, f), `listener ${port(f)} 127.0.0.1\nallow_anonymous true\n`);
    await writeFile(join(inc, 'a.conf'), `listener ${port('a.conf')} 127.0.0.1\ninclude_dir /nonexistent\n`);
    const conf = join(d, 'mosquitto.conf');
    await writeFile(conf, `pid_file ${join(d, 'm.pid')}\ninclude_dir ${inc}\n`);

    const r = await brokerwatch('init', '--from-mosquitto', conf);
    assert.equal(r.code, 0, r.stderr);
    const order = ['00.conf', '01.conf', 'A.conf', 'a.conf', 'B.conf', 'b.conf'];
    assert.deepEqual(
      [...r.stdout.matchAll(/ host \S+ port (\d+) /g)].map((m) => Number(m[1])),
      order.map(port),
    );
    assert.deepEqual(
      [...r.stdout.matchAll(/^# {3}(\S+)$/gm)].map((m) => m[1]),
      [conf, ...order.map((f) => join(inc, f))],
    );
    assert.match(r.stderr, new RegExp(`${join(inc, 'a.conf')}:2: warning: include_dir is read in the main file only`));
    assert.match(r.stderr, /^Control file syntax OK: \(standard output\) /m);
  });
});

void describe('malformed lines', () => {
  void test('each is reported at FILE:LINE with what was expected; nothing is written', async () => {
    const d = await dir();
    await mkdir(join(d, 'conf.d'));
    const extra = join(d, 'conf.d', 'extra.conf');
    await writeFile(extra, '\n\nlog_dest file\nsocket_domain ipv5\n');
    const conf = join(d, 'mosquitto.conf');
    await writeFile(
      conf,
      [
        'allow_anonymous true',
        'per_listener_settings true',
        'listener abc',
        'listener 70000 127.0.0.1',
        'allow_anonymous maybe',
        'protocol mqtts',
        'persistence',
        'pid_file',
        'pid_file /run/a.pid',
        'pid_file /run/b.pid',
        'port 0',
        'some_unknown_directive with values',
        '  # an indented comment',
        '\t',
        `include_dir ${join(d, 'conf.d')}`,
        `include_dir ${join(d, 'missing.d')}`,
        '',
      ].join('\r\n'),
    );
    const out = join(d, 'brokerwatch.rc');
    const r = await brokerwatch('init', '--from-mosquitto', conf, '--output', out);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.deepEqual(r.stderr.trimEnd().split('\n'), [
      `${conf}:2: per_listener_settings must come before any other security setting (mosquitto refuses it here)`,
      `${conf}:3: expected a port number (0–65535) after 'listener', found 'abc'`,
      `${conf}:4: expected a port number (0–65535) after 'listener', found '70000'`,
      `${conf}:5: expected true or false after 'allow_anonymous', found 'maybe'`,
      `${conf}:6: expected mqtt or websockets after 'protocol', found 'mqtts'`,
      `${conf}:7: expected true or false after 'persistence'`,
      `${conf}:8: expected a file path after 'pid_file'`,
      `${conf}:10: a second 'pid_file' value (mosquitto refuses a duplicate)`,
      `${conf}:11: expected a port number (1–65535) after 'port', found '0'`,
      `${extra}:3: expected a file path after 'log_dest file'`,
      `${extra}:4: expected ipv4 or ipv6 after 'socket_domain', found 'ipv5'`,
      `${conf}:16: cannot read the include_dir folder ${join(d, 'missing.d')}: ENOENT: no such file or directory, scandir '${join(d, 'missing.d')}'`,
      `brokerwatch: ${conf}: 12 errors; no rules written`,
    ]);
    assert.equal(existsSync(out), false);
  });

  void test('init loads the rules front end, no part of the daemon', async () => {
    const d = await dir();
    const conf = join(d, 'mosquitto.conf');
    await writeFile(conf, 'listener 1883\nallow_anonymous true\n');
    const m = modulesLoaded(['init', '--from-mosquitto', conf]);
    assert.equal(m.exitCode, 0);
    assert.ok(m.project.includes('src/init/mosquitto-conf.js') && m.project.includes('src/config/loader.js'));
    // The daemon's own files (as test/cli/startup.test.ts lists them); syntax halves are the front end's.
    const daemon =
      /^src\/(daemon|http|actions|process|state)\/|^src\/cli\/run-daemon\.js$|^src\/checks\/(mqtt\/|.*\/check\.js$|port\/protocols\/connection\.js$)|^src\/alerts\/(.*\/send|[^/]+)\.js$/;
    assert.deepEqual(
      m.project.filter((f) => daemon.test(f)),
      [],
    );
    assert.deepEqual(
      m.packages.filter((p) =>
        /^(pino|fastify|@fastify\/.*|mqtt|mqtt-packet|execa|nodemailer|aedes|prom-client|pidusage)$/.test(p),
      ),
      [],
    );
  });

  void test('a folder in the way of --output is one line too', async () => {
    const d = await dir();
    const conf = join(d, 'mosquitto.conf');
    await writeFile(conf, 'listener 1883\n');
    await mkdir(join(d, 'out.rc'));
    const r = await brokerwatch('init', '--from-mosquitto', conf, '--output', join(d, 'out.rc'), '--force');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^brokerwatch: cannot write ${join(d, 'out.rc')}: `));
    assert.doesNotMatch(r.stderr, /\n {4}at /, 'no stack trace');
  });

  void test('a missing configuration and a missing option are one line each', async () => {
    const r = await brokerwatch('init', '--from-mosquitto', '/nonexistent/mosquitto.conf');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^brokerwatch: cannot read \/nonexistent\/mosquitto\.conf: ENOENT/);
    const help = await brokerwatch('--help');
    assert.match(help.stdout, /^ {2}init \[options\] +write a rules file for the mosquitto of a/m);
    const usage = await brokerwatch('init');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--from-mosquitto/);
  });
});

void describe('--output and --force', () => {
  void test('an existing file is kept unless --force, which replaces it with mode 600', async () => {
    const d = await dir();
    const conf = join(d, 'mosquitto.conf');
    await writeFile(conf, `pid_file ${join(d, 'm.pid')}\n`);
    const out = join(d, 'brokerwatch.rc');
    await writeFile(out, 'check program mine with path "/bin/true"\n', { mode: 0o644 });
    chmodSync(out, 0o644);

    const refused = await brokerwatch('init', '--from-mosquitto', conf, '--output', out);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `brokerwatch: ${out} exists; use --force to replace it\n`);
    assert.equal(readFileSync(out, 'utf8'), 'check program mine with path "/bin/true"\n');

    const forced = await brokerwatch('init', '--from-mosquitto', conf, '--output', out, '--force');
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(out, 'utf8'), /^check process mosquitto with pidfile /m);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.deepEqual(
      readdirSync(d).sort(),
      ['brokerwatch.rc', 'mosquitto.conf'],
      'no temporary file is left beside it',
    );

    // A folder that does not exist yet (a first /etc/brokerwatch) is made, private.
    const nested = join(d, 'etc', 'brokerwatch', 'brokerwatch.rc');
    const made = await brokerwatch('init', '--from-mosquitto', conf, '--output', nested);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(statSync(join(d, 'etc', 'brokerwatch')).mode & 0o777, 0o700);
    assert.equal(statSync(nested).mode & 0o777, 0o600);
  });
});

/** Waits until the daemon's `mosquitto` has identified PID and passed all its PORTS port tests. */
async function serviceOk(d: InProcess, pid: number, ports: number): Promise<void> {
  const runner = d.daemon.runner('mosquitto');
  assert.ok(runner);
  const portRules = runner.service.rules.filter((r) => r.condition.kind === 'port').map((r) => r.id);
  assert.equal(portRules.length, ports);
  await waitFor(
    () =>
      runner.state.status === 'ok' &&
      runner.identity?.pid === pid &&
      portRules.every((id) => runner.state.rules.find((r) => r.id === id)?.last === 'ok'),
    { timeoutMs: 30_000, intervalMs: 20, message: `mosquitto never ok: ${JSON.stringify(runner.state.rules)}` },
  );
}

/** The generated rules, with the daemon's state kept in the test's folder. */
function runnable(rules: string, dir: string): string {
  return `set statefile ${join(dir, 'state.json')}\n${rules}`;
}

void describe('end to end', () => {
  void test(
    'rules made from a running mosquitto.conf bring its service to ok in the daemon',
    { timeout: 60_000 },
    async () => {
      const d = await dir();
      const cert = await selfSignedCert(d, 'broker', 365);
      const broker = await startMosquitto({ tls: { certFile: cert.file, keyFile: cert.keyFile, caFile: cert.file } });
      cleanup.add(() => broker.stop());

      const { rules } = await init(broker.configFile, d);
      assert.match(rules, new RegExp(` port ${broker.port} protocol mqtt roundtrip qos 1 `));
      const tls = ` port ${broker.tlsPort ?? 0} type tcpssl cafile ${cert.file}`;
      assert.match(rules, new RegExp(`${tls} protocol mqtt roundtrip qos 1 `));
      assert.match(rules, new RegExp(`${tls} certificate valid > 30 days `));
      const d2 = await startInProcess(join(d, 'running.rc'), runnable(rules, d), cleanup);
      // MQTT and MQTT over TLS with round trips, and the certificate's validity.
      await serviceOk(d2, broker.pid, 3);
      const log = d2.daemon.runner('mosquitto_log');
      await waitFor(() => log?.state.status === 'ok', { timeoutMs: 30_000, message: 'the log check never ok' });
    },
  );

  void test(
    'a self-signed certificate for another name, no cafile: trusted as itself, checked against its name',
    { timeout: 60_000 },
    async () => {
      const d = await dir();
      const crt = join(d, 'named.crt');
      const key = join(d, 'named.key');
      await execa('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        crt,
        '-days',
        '60',
        '-subj',
        '/CN=mqtt.example.com',
        '-addext',
        'subjectAltName=DNS:mqtt.example.com',
      ]);
      const broker = await startMosquitto({ tls: { certFile: crt, keyFile: key } });
      cleanup.add(() => broker.stop());

      const { rules } = await init(broker.configFile, d);
      const tls = ` port ${broker.tlsPort ?? 0} type tcpssl cafile ${crt} servername mqtt.example.com`;
      assert.ok(rules.includes(`${tls} protocol mqtt roundtrip qos 1 `), rules);
      assert.ok(rules.includes(`${tls} certificate valid > 30 days `), rules);
      assert.match(rules, /# a self-signed certificate and no cafile: the probe trusts the certificate itself/);
      assert.match(rules, /# its certificate does not name 127\.0\.0\.1: it is checked against mqtt\.example\.com/);
      const d2 = await startInProcess(join(d, 'running.rc'), runnable(rules, d), cleanup);
      await serviceOk(d2, broker.pid, 3);
    },
  );

  void test(
    'a probe user on a broker without anonymous access, beside a WebSocket listener',
    { timeout: 60_000 },
    async () => {
      const d = await dir();
      const passwd = join(d, 'passwd');
      await writePasswordFile(passwd, { probe: 'pr0be secret' });
      const pwFile = join(d, 'probe-password');
      await writeFile(pwFile, 'pr0be secret\n', { mode: 0o600 });
      const wsPort = await freePort();
      const broker = await startMosquitto({
        passwordFile: passwd,
        extraConfig: [`listener ${wsPort} 127.0.0.1`, 'protocol websockets'],
      });
      cleanup.add(() => broker.stop());

      const { rules } = await init(
        broker.configFile,
        await dir(),
        '--probe-user',
        'probe',
        '--probe-password-file',
        pwFile,
      );
      assert.match(
        rules,
        new RegExp(` port ${broker.port} protocol mqtt username "probe" password "pr0be secret" roundtrip `),
      );
      assert.match(
        rules,
        new RegExp(` port ${wsPort} protocol mqtt over websocket username "probe" password "pr0be secret" roundtrip `),
      );
      const d2 = await startInProcess(join(d, 'running.rc'), runnable(rules, d), cleanup);
      await serviceOk(d2, broker.pid, 2);
    },
  );
});

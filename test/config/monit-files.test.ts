// Debian's monit 5.33 package, installed on this machine: /etc/monit/monitrc and every file of
// /etc/monit/conf-available load with warnings only, into the services and rules they mean. The
// templates ship mode 644, which brokerwatch refuses for included files, so the files are copied
// into a private folder as mode 600 with their include paths rewritten.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, realpath, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { loadRules } from '../../src/config/loader.js';
import type { LoadResult } from '../../src/config/loader.js';
import type { Config, Service } from '../../src/config/model.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';

const MONIT = '/etc/monit';
const skip = !existsSync(join(MONIT, 'conf-available')) && 'monit is not installed';
const ONE = { count: 1, cycles: 1 } as const;

let tmp: TempDir | undefined;
let root = '';

before(async () => {
  if (skip) return;
  tmp = await tempDir('bw-monit-');
  root = await realpath(tmp.path);
  await mkdir(join(root, 'templates'), { mode: 0o700 });
  await mkdir(join(root, 'conf'), { mode: 0o700 });
  for (const f of await readdir(join(MONIT, 'templates'))) {
    await writeFile(join(root, 'templates', f), await readFile(join(MONIT, 'templates', f)), { mode: 0o600 });
  }
  for (const f of await readdir(join(MONIT, 'conf-available'))) {
    const text = await readFile(join(MONIT, 'conf-available', f), 'utf8');
    await writeFile(join(root, 'conf', f), text.replaceAll('/etc/monit/templates/', `${root}/templates/`), {
      mode: 0o600,
    });
  }
});

after(async () => {
  await tmp?.cleanup();
});

/** Loads a file and fails the test with every diagnostic when it does not load. */
async function load(file: string): Promise<LoadResult> {
  try {
    return await loadRules(file);
  } catch (e) {
    if (e instanceof ConfigError)
      assert.fail(`${file} did not load:\n${e.diagnostics.map(formatDiagnostic).join('\n')}`);
    throw e;
  }
}

/** Warnings without the temporary folder, e.g. `conf/apache2:7:14: warning: …`. */
function warnings(r: LoadResult): string[] {
  return r.warnings.map((d) => formatDiagnostic(d).replace(`${root}/`, ''));
}

function service(config: Config, name: string): Service {
  const s = config.services.find((x) => x.name === name);
  assert.ok(s, `service '${name}' is missing`);
  return s;
}

/** `kind action rate` of each rule, e.g. `restarts unmonitor 1/1`. */
function summary(s: Service): string[] {
  return s.rules.map(
    (r) => `${r.condition.kind} ${r.action.kind} ${r.rate.count}/${r.rate.cycles}${r.implicit ? ' implicit' : ''}`,
  );
}

const ROOTBIN = ['checksum unmonitor 1/1', 'permission unmonitor 1/1', 'uid unmonitor 1/1', 'gid unmonitor 1/1'];
const ROOTRC = ['changed alert 1/1', 'permission unmonitor 1/1', 'uid unmonitor 1/1', 'gid unmonitor 1/1'];

/** Every conf-available file: its services in order, and its warnings. */
const FILES: Record<string, { services: string[]; warnings: string[] }> = {
  acpid: { services: ['acpid', 'acpid_bin', 'acpid_rc'], warnings: [] },
  apache2: {
    services: ['apache', 'apache_bin', 'apache_rc'],
    warnings: [],
  },
  at: { services: ['atd', 'atd_bin', 'atd_rc'], warnings: [] },
  cron: {
    services: ['crond', 'cron_bin', 'cron_rc', 'cron_spool'],
    warnings: [],
  },
  mdadm: { services: ['mdadm', 'mdadm_bin', 'mdadm_conf', 'mdadm_rc'], warnings: [] },
  memcached: {
    services: ['memcache', 'memcache_bin', 'memcache_rc'],
    warnings: [
      "conf/memcached:6:53: warning: protocol 'memcache' is not spoken by brokerwatch; the test only checks that the port accepts a connection",
    ],
  },
  mysql: {
    services: ['mysqld', 'mysql_bin', 'mysql_rc'],
    warnings: [],
  },
  nginx: { services: ['nginx', 'nginx_bin', 'nginx_rc'], warnings: [] },
  openntpd: { services: ['ntpd', 'ntpd_bin', 'ntpd_rc'], warnings: [] },
  'openssh-server': {
    services: [
      'sshd',
      'sshd_bin',
      'sftp_bin',
      'sshd_rsa_key',
      'sshd_dsa_key',
      'sshd_ecdsa_key',
      'sshd_ed25519_key',
      'sshd_rc',
    ],
    warnings: [],
  },
  'pdns-recursor': {
    services: ['pdns-recursor', 'pdns-recursor_bin', 'pdns-recursor_rc'],
    warnings: [],
  },
  postfix: {
    services: ['postfix', 'master_bin', 'postdrop_bin', 'postqueue_bin', 'master_cf', 'main_cf', 'postfix_rc'],
    warnings: [],
  },
  rsyslog: { services: ['rsyslogd', 'rsyslogd_bin', 'rsyslogd_rc', 'rsyslog_file'], warnings: [] },
  smartmontools: { services: ['smartd', 'smartd_bin', 'smartd_rc'], warnings: [] },
  snmpd: { services: ['snmpd'], warnings: [] },
};

void describe('/etc/monit/monitrc', { skip }, () => {
  void test('loads as it is, without a warning', async () => {
    const r = await load(join(MONIT, 'monitrc'));
    assert.deepEqual(r.warnings.map(formatDiagnostic), []);
    assert.equal(r.config.idfile, '/var/lib/monit/id');
    const c = r.config;
    assert.deepEqual(c.daemon, { cycleMs: 120_000, startDelayMs: 0 });
    assert.deepEqual(c.log, { kind: 'file', path: '/var/log/monit.log' });
    assert.equal(c.statefile, '/var/lib/monit/state');
    assert.deepEqual(c.eventQueue, { basedir: '/var/lib/monit/events', slots: 100 });
    assert.deepEqual(c.services, []);
    assert.deepEqual(c.mailServers, []);
    assert.equal(c.httpd, undefined);
  });

  void test('with its commented-out examples enabled, it loads too (but for one event monit itself rejects)', async () => {
    // Uncomment every `#example` line (not the `##` prose): monit's whole documented grammar.
    const text = (await readFile(join(MONIT, 'monitrc'), 'utf8'))
      .split('\n')
      .map((l) => (l === '#' ? '' : l.replace(/^#(?!#)/, '')))
      .join('\n');
    const raw = join(root, 'monitrc-examples-raw');
    await writeFile(raw, text, { mode: 0o600 });
    // monit's grammar has no 'unmonitor' event: monit refuses this example as well.
    await assert.rejects(loadRules(raw), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const errors = e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0] ?? '', /^.*monitrc-examples-raw:\d+:\d+: unknown event 'unmonitor': /);
      return true;
    });

    const file = join(root, 'monitrc-examples');
    await writeFile(file, text.replace('checksum, permission, uid, gid, unmonitor', 'checksum, permission, uid, gid'), {
      mode: 0o600,
    });
    const { config: c } = await load(file);
    assert.deepEqual(c.daemon, { cycleMs: 120_000, startDelayMs: 240_000 });
    assert.equal(c.pidfile, '/var/run/monit.pid');
    // One server per line, as monit's own example writes them.
    assert.deepEqual(c.mailServers, [
      { host: 'mail.bar.baz' },
      { host: 'backup.bar.baz', port: 10025 },
      { host: 'localhost' },
    ]);
    assert.deepEqual(c.mailFormat, { from: 'monit@foo.bar' });
    assert.deepEqual(
      c.alerts.map((a) => [a.target.kind === 'mail' && a.target.address, a.filter]),
      [
        ['sysadm@foo.bar', { mode: 'all', events: [] }],
        ['your-name@your.domain', { mode: 'except', events: ['instance', 'action'] }],
      ],
    );
    assert.deepEqual(c.httpd, {
      port: 2812,
      address: '127.0.0.1',
      allow: [
        { kind: 'net', cidr: 'localhost', readOnly: false },
        { kind: 'user', user: 'admin', password: 'monit', readOnly: false },
      ],
    });
    assert.deepEqual(
      c.services.map((s) => `${s.type} ${s.name}`),
      [
        'system $HOST',
        'file apache_bin',
        'process apache',
        'filesystem datafs',
        'file database',
        'directory bin',
        'host myserver',
        'network public',
        'program myscript',
      ],
    );
    const bin = service(c, 'apache_bin');
    // 32 hex digits: monit takes the expected sum for MD5 (p.y addchecksum), and so does brokerwatch.
    assert.deepEqual(bin.rules[0]?.condition, {
      kind: 'checksum',
      algorithm: 'md5',
      expect: '8f7f419955cefa0b33a2ba316cba3659',
    });
    assert.deepEqual(
      bin.alerts.map((a) => [a.target, a.filter]),
      [
        [
          { kind: 'mail', address: 'security@foo.bar', format: { subject: 'Alarm!' } },
          { mode: 'only', events: ['checksum', 'permission', 'uid', 'gid'] },
        ],
      ],
    );
    const apache = service(c, 'apache');
    assert.deepEqual(apache.start, { argv: ['/etc/init.d/httpd', 'start'], timeoutMs: 60_000 });
    assert.deepEqual(summary(apache), [
      'nonexist restart 1/1 implicit',
      'resource alert 2/2',
      'resource restart 5/5',
      'resource restart 5/5',
      'resource restart 1/1',
      'port restart 1/1',
      'port restart 1/1',
      'restarts unmonitor 1/1',
    ]);
    assert.deepEqual(apache.rules[3]?.condition, {
      kind: 'resource',
      resource: 'totalmemory',
      op: '>',
      value: 200 * 1024 * 1024,
      unit: 'bytes',
    });
    assert.deepEqual(service(c, 'database').rules[4]?.action, {
      kind: 'exec',
      command: { argv: ['/my/cleanup/script'], uid: 'dba', gid: 'dba' },
    });
    // `check program … with path /usr/local/bin/myscript.sh`: an unquoted path, as monit allows; its
    // deadline is the example's `set limits { programTimeout: 300 seconds }`.
    assert.deepEqual(service(c, 'myscript').program, { argv: ['/usr/local/bin/myscript.sh'], timeoutMs: 300_000 });
    assert.deepEqual(c.limits, {
      programOutputBytes: 512,
      fileContentBytes: 512,
      programTimeoutMs: 300_000,
      stopTimeoutMs: 30_000,
      startTimeoutMs: 30_000,
      restartTimeoutMs: 30_000,
    });
    assert.deepEqual(service(c, 'myscript').rules[0]?.condition, { kind: 'status', op: '!=', value: 0 });
  });
});

void describe('/etc/monit/conf-available', { skip }, () => {
  void test('the table below covers every file of the package', async () => {
    assert.deepEqual((await readdir(join(MONIT, 'conf-available'))).sort(), Object.keys(FILES).sort());
  });

  for (const [name, want] of Object.entries(FILES)) {
    void test(`${name} loads with warnings only`, async () => {
      const r = await load(join(root, 'conf', name));
      assert.deepEqual(
        r.config.services.map((s) => s.name),
        want.services,
      );
      assert.deepEqual(warnings(r), want.warnings);
      assert.equal(r.config.files.length > 1, name !== 'snmpd', 'the templates were included (snmpd has none)');
    });
  }

  void test('all of them together (as conf-enabled/* would), dependencies across the files resolved', async () => {
    const main = join(root, 'all.rc');
    await writeFile(main, `set daemon 120\ninclude ${root}/conf/*\n`, { mode: 0o600 });
    const r = await load(main);
    assert.deepEqual(
      r.config.services.map((s) => s.name),
      Object.values(FILES).flatMap((f) => f.services),
    );
  });

  void test('apache2: for 4 times within 5 cycles, depend (singular), 4 restarts within 20 cycles then timeout', async () => {
    const { config: c } = await load(join(root, 'conf', 'apache2'));
    const a = service(c, 'apache');
    assert.equal(a.pidfile, '/var/run/apache2/apache2.pid');
    assert.deepEqual(a.groups, ['www', 'apache']);
    assert.deepEqual(a.start, { argv: ['/etc/init.d/apache2', 'start'] });
    assert.deepEqual(a.stop, { argv: ['/etc/init.d/apache2', 'stop'] });
    assert.deepEqual(a.dependsOn, ['apache_bin', 'apache_rc']);
    assert.deepEqual(
      a.rules.map(({ pos: _pos, ...r }) => r),
      [
        { id: 'nonexist', condition: { kind: 'nonexist' }, rate: ONE, action: { kind: 'restart' }, implicit: true },
        { id: 'r1', condition: { kind: 'restarts', count: 4, cycles: 20 }, rate: ONE, action: { kind: 'unmonitor' } },
        {
          id: 'r2',
          condition: {
            kind: 'port',
            host: 'localhost',
            port: 80,
            transport: 'tcp',
            protocol: 'http',
            http: { method: 'GET', request: '/server-status', headers: [] },
            timeoutMs: 25_000,
            retry: 0,
          },
          rate: { count: 4, cycles: 5 },
          action: { kind: 'restart' },
        },
      ],
    );
    const bin = service(c, 'apache_bin');
    assert.equal(bin.path, '/usr/sbin/apache2');
    assert.deepEqual(summary(bin), ROOTBIN);
    assert.deepEqual(
      bin.rules.map((r) => r.condition),
      [
        { kind: 'checksum' },
        { kind: 'permission', mode: 0o755 },
        { kind: 'uid', user: 'root' },
        { kind: 'gid', group: 'root' },
      ],
    );
    assert.equal(bin.rules[0]?.pos.file, join(root, 'templates', 'rootbin'));
  });

  void test('cron: if 5 restarts with 5 cycles then timeout; its directory check and the dependency on it', async () => {
    const { config: c } = await load(join(root, 'conf', 'cron'));
    const cron = service(c, 'crond');
    assert.deepEqual(summary(cron), ['nonexist restart 1/1 implicit', 'restarts unmonitor 1/1']);
    assert.deepEqual(cron.rules[1]?.condition, { kind: 'restarts', count: 5, cycles: 5 });
    assert.deepEqual(cron.dependsOn, ['cron_bin', 'cron_rc', 'cron_spool']);
    const spool = service(c, 'cron_spool');
    assert.deepEqual([spool.type, spool.path], ['directory', '/var/spool/cron/crontabs']);
    assert.deepEqual(summary(spool), ['permission unmonitor 1/1', 'uid unmonitor 1/1', 'gid unmonitor 1/1']);
    assert.deepEqual(cron.start, { argv: ['/etc/init.d/cron', 'start'] });
    assert.equal(service(c, 'cron_rc').path, '/etc/init.d/cron');
  });

  void test('acpid: depends on, twice; quoted pidfile', async () => {
    const { config: c } = await load(join(root, 'conf', 'acpid'));
    const a = service(c, 'acpid');
    assert.equal(a.pidfile, '/var/run/acpid.pid');
    assert.deepEqual(a.dependsOn, ['acpid_bin', 'acpid_rc']);
    assert.deepEqual(a.groups, ['system', 'acpid']);
    assert.deepEqual(summary(a), ['nonexist restart 1/1 implicit', 'restarts unmonitor 1/1']);
    assert.deepEqual(summary(service(c, 'acpid_rc')), ROOTBIN);
  });

  void test('memcached: cpu rules with rates', async () => {
    const { config: c } = await load(join(root, 'conf', 'memcached'));
    const m = service(c, 'memcache');
    assert.deepEqual(
      m.rules.slice(1).map((r) => [r.condition, r.rate, r.action.kind]),
      [
        [
          {
            kind: 'port',
            host: '127.0.0.1',
            port: 11211,
            transport: 'tcp',
            protocol: 'memcache',
            timeoutMs: 5000,
            retry: 0,
          },
          ONE,
          'restart',
        ],
        [{ kind: 'resource', resource: 'cpu', op: '>', value: 60, unit: '%' }, { count: 2, cycles: 2 }, 'alert'],
        [{ kind: 'resource', resource: 'cpu', op: '>', value: 98, unit: '%' }, { count: 5, cycles: 5 }, 'restart'],
        [{ kind: 'restarts', count: 5, cycles: 20 }, ONE, 'unmonitor'],
      ],
    );
  });

  void test('mysql: 3 times within 4 cycles, over TCP and over the unix socket', async () => {
    const { config: c } = await load(join(root, 'conf', 'mysql'));
    const m = service(c, 'mysqld');
    assert.deepEqual(summary(m), [
      'nonexist restart 1/1 implicit',
      'port restart 3/4',
      'port restart 3/4',
      'restarts unmonitor 1/1',
    ]);
    assert.deepEqual(m.rules[2]?.condition, {
      kind: 'port',
      host: 'localhost',
      port: 0,
      unixSocket: '/var/run/mysqld/mysqld.sock',
      transport: 'tcp',
      protocol: 'mysql',
      timeoutMs: 5000,
      retry: 0,
    });
    assert.deepEqual(m.rules[1]?.condition, {
      kind: 'port',
      host: 'localhost',
      port: 3306,
      transport: 'tcp',
      protocol: 'mysql',
      timeoutMs: 15_000,
      retry: 0,
    });
  });

  void test('pdns-recursor and snmpd: udp and tcp port tests', async () => {
    const pdns = service((await load(join(root, 'conf', 'pdns-recursor'))).config, 'pdns-recursor');
    assert.deepEqual(pdns.rules[1]?.condition, {
      kind: 'port',
      host: '127.0.0.1',
      port: 53,
      transport: 'udp',
      protocol: 'dns',
      timeoutMs: 5000,
      retry: 0,
    });
    assert.deepEqual(pdns.rules[1]?.rate, { count: 3, cycles: 4 });
    const snmpd = service((await load(join(root, 'conf', 'snmpd'))).config, 'snmpd');
    assert.deepEqual(
      snmpd.rules.map((r) =>
        r.condition.kind === 'port' ? `${r.condition.transport}/${r.condition.port}` : r.condition.kind,
      ),
      ['nonexist', 'udp/161', 'tcp/199', 'restarts'],
    );
  });

  void test('openssh-server: proto ssh, five dependencies, rootstrict and rootrc templates', async () => {
    const { config: c } = await load(join(root, 'conf', 'openssh-server'));
    const s = service(c, 'sshd');
    assert.deepEqual(s.dependsOn, ['sshd_bin', 'sftp_bin', 'sshd_rc', 'sshd_rsa_key', 'sshd_dsa_key']);
    assert.deepEqual(s.rules[1]?.condition, {
      kind: 'port',
      host: 'localhost',
      port: 22,
      transport: 'tcp',
      protocol: 'ssh',
      timeoutMs: 5000,
      retry: 0,
    });
    assert.deepEqual(service(c, 'sshd_rsa_key').rules[1]?.condition, { kind: 'permission', mode: 0o600 });
    assert.deepEqual(summary(service(c, 'sshd_rc')), ROOTRC);
    assert.deepEqual(service(c, 'sshd_rc').rules[1]?.condition, { kind: 'permission', mode: 0o644 });
  });

  void test('postfix and rsyslog: file checks written in place, timestamp in minutes', async () => {
    const postfix = (await load(join(root, 'conf', 'postfix'))).config;
    assert.deepEqual(
      service(postfix, 'postdrop_bin').rules.map((r) => r.condition),
      [
        { kind: 'checksum' },
        { kind: 'permission', mode: 0o2555 },
        { kind: 'uid', user: 'root' },
        { kind: 'gid', group: 'postdrop' },
      ],
    );
    assert.deepEqual(service(postfix, 'postfix').rules[1]?.rate, { count: 2, cycles: 3 });
    const rsyslog = (await load(join(root, 'conf', 'rsyslog'))).config;
    assert.deepEqual(
      service(rsyslog, 'rsyslog_file').rules.map((r) => [r.condition, r.action.kind]),
      [
        [{ kind: 'timestamp', op: '>', ms: 65 * 60_000 }, 'alert'],
        [{ kind: 'permission', mode: 0o640 }, 'unmonitor'],
        [{ kind: 'uid', user: 'root' }, 'unmonitor'],
        [{ kind: 'gid', group: 'adm' }, 'unmonitor'],
      ],
    );
  });

  void test('the templates as shipped (mode 644, no secret) load with a warning where they are first included', async () => {
    const file = join(root, 'as-shipped.rc');
    await writeFile(
      file,
      'check file x with path /x\n  include /etc/monit/templates/rootbin\ncheck file y with path /y\n  include /etc/monit/templates/rootbin\n',
      { mode: 0o600 },
    );
    const r = await load(file);
    const st = await stat('/etc/monit/templates/rootbin');
    assert.deepEqual(r.warnings.map(formatDiagnostic), [
      `${file}:2:11: warning: /etc/monit/templates/rootbin (mode 0644, owner uid ${st.uid}) is readable by group or others; it holds no password, so it is loaded`,
    ]);
    assert.deepEqual(summary(service(r.config, 'y')), ROOTBIN);
  });
});

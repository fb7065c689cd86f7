// The loader: `include` globs (sorted, relative to the including file, expanded where they stand,
// so an include inside a check continues that check), include loops, and the refusal of rules files
// that others could read or that another user owns, for included files too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { glob, loadRules, parseRules } from '../../src/config/loader.js';
import type { Service } from '../../src/config/model.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { loadErrors } from '../helpers/rules.js';

let tmp: TempDir;
let root: string;
let seq = 0;

before(async () => {
  tmp = await tempDir('bw-loader-');
  root = await realpath(tmp.path);
});

after(async () => {
  await tmp.cleanup();
});

/** Writes files (mode 600 unless given) under a fresh folder and returns that folder. */
async function tree(entries: Record<string, string | { text: string; mode: number }>): Promise<string> {
  const dir = join(root, `t${++seq}`);
  for (const [name, v] of Object.entries(entries)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const { text, mode } = typeof v === 'string' ? { text: v, mode: 0o600 } : v;
    await writeFile(path, text, { mode });
    await chmod(path, mode); // the umask must not decide the mode under test
  }
  return dir;
}

function names(services: readonly Service[]): string[] {
  return services.map((s) => s.name);
}

void describe('include', () => {
  void test('a glob includes regular files in sorted order, without dot files', async () => {
    const dir = await tree({
      'main.rc': 'set daemon 5\ninclude conf.d/*.rc\ncheck file last with path /last\n',
      'conf.d/20-b.rc': 'check file b with path /b\n',
      'conf.d/10-a.rc': 'check file a with path /a\n',
      'conf.d/30-c.rc': 'check file c with path /c\n',
      'conf.d/.hidden.rc': 'check file hidden with path /h\n',
      'conf.d/notes.txt': 'not rules at all\n',
      'conf.d/sub.rc/inner': 'check file inner with path /i\n',
    });
    const { config, warnings } = await loadRules(join(dir, 'main.rc'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(names(config.services), ['a', 'b', 'c', 'last']);
    assert.deepEqual(
      config.files,
      ['main.rc', 'conf.d/10-a.rc', 'conf.d/20-b.rc', 'conf.d/30-c.rc'].map((f) => join(dir, f)),
    );
    assert.deepEqual(await glob(join(dir, 'conf.d', '[12]0-?.rc')), [
      join(dir, 'conf.d/10-a.rc'),
      join(dir, 'conf.d/20-b.rc'),
    ]);
  });

  void test('a relative include is resolved against the folder of the file that includes it', async () => {
    const dir = await tree({
      'etc/main.rc': 'include sub/one.rc\n',
      'etc/sub/one.rc': 'check file one with path /one\ninclude two.rc\ninclude ../three.rc\n',
      'etc/sub/two.rc': 'check file two with path /two\n',
      'etc/two.rc': 'check file wrong-two with path /wrong\n',
      'etc/three.rc': 'check file three with path /three\n',
    });
    assert.notEqual(process.cwd(), join(dir, 'etc'));
    const { config } = await loadRules(join(dir, 'etc/main.rc'));
    assert.deepEqual(names(config.services), ['one', 'two', 'three']);
    assert.deepEqual(
      config.files,
      ['etc/main.rc', 'etc/sub/one.rc', 'etc/sub/two.rc', 'etc/three.rc'].map((f) => join(dir, f)),
    );
    const two = config.services.find((s) => s.name === 'two');
    assert.deepEqual(two?.pos, { file: join(dir, 'etc/sub/two.rc'), line: 1, col: 1 });
  });

  void test('an absolute include and a quoted include', async () => {
    const dir = await tree({ 'inc/x.rc': 'check file x with path /x\n', 'inc/y z.rc': 'check file y with path /y\n' });
    const main = join(dir, 'main.rc');
    await writeFile(main, `include ${join(dir, 'inc/x.rc')}\ninclude "inc/y z.rc"\n`, { mode: 0o600 });
    assert.deepEqual(names((await loadRules(main)).config.services), ['x', 'y']);
  });

  void test('parseRules resolves includes against the folder of the name it is given', async () => {
    const dir = await tree({ 'part.rc': 'check file p with path /p\n' });
    const { config } = await parseRules('include part.rc\n', join(dir, 'virtual.rc'));
    assert.deepEqual(names(config.services), ['p']);
    assert.deepEqual(config.files, [join(dir, 'virtual.rc'), join(dir, 'part.rc')]);
  });

  void test('an include inside a check block continues that check (monit semantics)', async () => {
    const dir = await tree({
      'templates/rootstrict':
        ' if failed checksum       then unmonitor\n if failed permission 600 then unmonitor\n if failed uid root       then unmonitor\n',
      'main.rc': [
        'check file key with path /etc/ssh/ssh_host_rsa_key',
        '  group sshd',
        '  include templates/rootstrict',
        '  if changed timestamp then alert',
        'check file other with path /other',
        '  include templates/rootstrict',
      ].join('\n'),
    });
    const tpl = join(dir, 'templates/rootstrict');
    const { config } = await loadRules(join(dir, 'main.rc'));
    const key = config.services[0];
    assert.equal(key?.name, 'key');
    assert.deepEqual(key.groups, ['sshd']);
    assert.deepEqual(
      key.rules.map((r) => [r.condition.kind, r.action.kind, `${r.pos.file}:${r.pos.line}`]),
      [
        ['checksum', 'unmonitor', `${tpl}:1`],
        ['permission', 'unmonitor', `${tpl}:2`],
        ['uid', 'unmonitor', `${tpl}:3`],
        ['changed', 'alert', `${join(dir, 'main.rc')}:4`],
      ],
    );
    assert.equal(config.services[1]?.rules.length, 3, 'the same template serves the next check');
  });

  void test('a file included twice (not a loop) is read each time', async () => {
    const dir = await tree({
      tpl: 'if failed uid root then alert\n',
      'main.rc': 'check file a with path /a\n include tpl\ncheck file b with path /b\n include tpl\n',
    });
    const { config } = await loadRules(join(dir, 'main.rc'));
    assert.deepEqual(
      config.services.map((s) => s.rules.length),
      [1, 1],
    );
  });

  void test('an include loop is detected, across three files and through a symlink', async () => {
    const dir = await tree({ 'a.rc': 'include b.rc\n', 'b.rc': 'include c.rc\n', 'c.rc': '\n   include a.rc\n' });
    const [a, b, c] = ['a.rc', 'b.rc', 'c.rc'].map((f) => join(dir, f)) as [string, string, string];
    assert.deepEqual(await loadErrors(a), [`${c}:2:12: include loop: ${a} -> ${b} -> ${c} -> ${a}`]);

    const dir2 = await tree({ 'main.rc': 'include link.rc\n' });
    await symlink(join(dir2, 'main.rc'), join(dir2, 'link.rc'));
    const main = join(dir2, 'main.rc');
    assert.deepEqual(await loadErrors(main), [`${main}:1:9: include loop: ${main} -> ${main}`]);
  });

  void test('a missing file', async () => {
    const missing = join(root, 'no-such-dir', 'brokerwatch.rc');
    assert.deepEqual(await loadErrors(missing), [`${missing}:1:1: cannot read rules file ${missing}: no such file`]);
  });
});

void describe('glob', () => {
  void test('*, ? and classes, per segment; dot files only for a pattern that starts with a dot; files only', async () => {
    const dir = await tree({
      'a.rc': '',
      'b.rc': '',
      'c.txt': '',
      '.hidden.rc': '',
      '[a.rc': '',
      'sub/x.rc': '',
      'sub2/x.rc': '',
      'sub2/y.rc': '',
      'd.rc/inner': '',
    });
    const matches = async (pattern: string): Promise<string[]> =>
      (await glob(`${dir}/${pattern}`)).map((f) => f.slice(dir.length + 1));
    assert.deepEqual(await matches('*.rc'), ['[a.rc', 'a.rc', 'b.rc']);
    assert.deepEqual(await matches('.*.rc'), ['.hidden.rc']);
    assert.deepEqual(await matches('[ab].rc'), ['a.rc', 'b.rc']);
    assert.deepEqual(await matches('[!a].rc'), ['b.rc']);
    // An unclosed class is a literal `[`.
    assert.deepEqual(await matches('[a.rc'), ['[a.rc']);
    assert.deepEqual(await matches('*/x.rc'), ['sub/x.rc', 'sub2/x.rc']);
    assert.deepEqual(await matches('/./sub2/?.rc'), ['sub2/x.rc', 'sub2/y.rc']);
  });

  void test('a malformed class is an error at the include; a missing folder or file is a warning', async () => {
    const dir = await tree({ 'sub/x.rc': '' });
    await mkdir(join(dir, 'empty'));
    const main = join(dir, 'main.rc');
    const load = async (pattern: string): Promise<string[]> => {
      await writeFile(main, `set daemon 5\ninclude ${dir}/${pattern}\n`, { mode: 0o600 });
      return (await loadRules(main)).warnings.map(formatDiagnostic);
    };
    await writeFile(main, `set daemon 5\ninclude ${dir}/[z-a].rc\n`, { mode: 0o600 });
    assert.deepEqual(await loadErrors(main), [`${main}:2:9: include ${dir}/[z-a].rc: invalid pattern '[z-a].rc'`]);
    assert.deepEqual(await load('nosuch/x*.rc'), [
      `${main}:2:9: warning: include ${dir}/nosuch/x*.rc: no such folder; skipped`,
    ]);
    assert.deepEqual(await load('nosuch.rc'), [
      `${main}:2:9: warning: include ${dir}/nosuch.rc: no such file; skipped`,
    ]);
    // A glob whose folder is there but matches nothing is silent, as in monit.
    assert.deepEqual(await load('empty/*.rc'), []);
    assert.deepEqual(await load('no*/sub/x.rc'), []);
  });
});

void describe('permissions (the file may hold passwords)', () => {
  const asRoot = process.getuid?.() === 0;

  void test('mode 600 and 400 are accepted', async () => {
    const dir = await tree({
      'a.rc': { text: 'set daemon 5\n', mode: 0o600 },
      'b.rc': { text: 'set daemon 5\n', mode: 0o400 },
    });
    await loadRules(join(dir, 'a.rc'));
    await loadRules(join(dir, 'b.rc'));
  });

  for (const mode of [0o640, 0o604, 0o644, 0o660, 0o700 | 0o001]) {
    const m = mode.toString(8).padStart(4, '0');
    void test(`mode ${m} is refused with 'chmod 600 FILE'`, async () => {
      const dir = await tree({ 'open.rc': { text: 'set daemon 5\n', mode } });
      const file = join(dir, 'open.rc');
      assert.deepEqual(await loadErrors(file), [
        `${file}:1:1: ${file} must not be accessible by group or others (mode ${m}): it may hold passwords; run 'chmod 600 ${file}'`,
      ]);
    });
  }

  void test('a file owned by another user is refused', { skip: !asRoot && 'needs root to chown' }, async () => {
    const dir = await tree({ 'theirs.rc': 'set daemon 5\n' });
    const file = join(dir, 'theirs.rc');
    await chown(file, 65534, 65534);
    const errors = await loadErrors(file);
    assert.equal(errors.length, 1);
    assert.ok(
      errors[0]?.startsWith(
        `${file}:1:1: ${file} is owned by uid 65534, not by the user running brokerwatch (uid ${process.getuid?.()})`,
      ),
      errors[0],
    );
    assert.ok(errors[0]?.includes(`chmod 600 ${file}`), errors[0]);
  });

  void test('an included file readable by others loads with a warning, once, when it holds no secret', async () => {
    const dir = await tree({
      'main.rc':
        'set daemon 5\ncheck file f with path /f\n  include parts/*.rc\ncheck file g with path /g\n  include parts/b.rc\n',
      'parts/a.rc': { text: 'if failed uid root then alert\n', mode: 0o600 },
      'parts/b.rc': { text: 'if failed gid root then alert\n', mode: 0o644 },
    });
    const [main, b] = [join(dir, 'main.rc'), join(dir, 'parts/b.rc')];
    const r = await loadRules(main);
    assert.deepEqual(r.warnings.map(formatDiagnostic), [
      `${main}:3:11: warning: ${b} (mode 0644, owner uid ${process.getuid?.()}) is readable by group or others; it holds no password, so it is loaded`,
    ]);
    assert.deepEqual(
      r.config.services.map((s) => s.rules.map((x) => x.condition.kind)),
      [['uid', 'gid'], ['gid']],
    );
  });

  for (const [what, text, secret] of [
    [
      'a password',
      'check host h address x\n if failed port 1883 protocol mqtt username u password dGVzdA== then alert\n',
      "'password' at line 2",
    ],
    ['an allow USER:PASSWORD', 'set httpd port 2812\n  allow admin:"pw"\n', "'allow USER:PASSWORD' at line 2"],
    ['a credentials URL', 'set alert mqtt "mqtt://u:p@broker:1883/alerts"\n', 'a URL with a password at line 1'],
    ['a bare credentials URL', 'set alert mqtt mqtt://u:p@broker:1883/alerts\n', 'a URL with a password at line 1'],
  ] as const) {
    void test(`an included file readable by others that holds ${what} is refused at the include`, async () => {
      const dir = await tree({ 'main.rc': 'set daemon 5\ninclude secret.rc\n', 'secret.rc': { text, mode: 0o640 } });
      const f = join(dir, 'secret.rc');
      assert.deepEqual(await loadErrors(join(dir, 'main.rc')), [
        `${join(dir, 'main.rc')}:2:9: ${f} (mode 0640, owner uid ${process.getuid?.()}) holds a secret (${secret}) and is readable by group or others; run 'chmod 600 ${f}'`,
      ]);
    });
  }

  void test('an allow of hosts and networks is no secret', async () => {
    const dir = await tree({
      'main.rc': 'include httpd.rc\n',
      'httpd.rc': {
        text: 'set httpd port 2812 address 0.0.0.0\n  allow ::1\n  allow 10.0.0.0/8\n  allow localhost\n  allow 2001:db8::/32\n',
        mode: 0o644,
      },
    });
    const r = await loadRules(join(dir, 'main.rc'));
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]?.message ?? '', /it holds no password, so it is loaded$/);
  });

  for (const mode of [0o664, 0o646, 0o602]) {
    const m = mode.toString(8).padStart(4, '0');
    void test(`an included file writable by group or others (mode ${m}) is refused`, async () => {
      const dir = await tree({
        'main.rc': 'set daemon 5\n  include part.rc\n',
        'part.rc': { text: 'set daemon 9\n', mode },
      });
      const f = join(dir, 'part.rc');
      assert.deepEqual(await loadErrors(join(dir, 'main.rc')), [
        `${join(dir, 'main.rc')}:2:11: ${f} (mode ${m}, owner uid ${process.getuid?.()}) is writable by group or others, who could change the rules; run 'chmod go-w ${f}'`,
      ]);
    });
  }

  void test(
    'an included file owned by root and readable by all loads, as Debian installs its templates',
    {
      skip: process.getuid?.() !== 0 && 'needs root to chown',
    },
    async () => {
      const dir = await tree({
        'main.rc': 'check file f with path /f\n  include part.rc\n',
        'part.rc': { text: 'if failed uid root then alert\n', mode: 0o644 },
      });
      await chown(join(dir, 'part.rc'), 0, 0);
      const r = await loadRules(join(dir, 'main.rc'));
      assert.deepEqual(
        r.config.services[0]?.rules.map((x) => x.condition.kind),
        ['uid'],
      );
    },
  );

  void test(
    'an included file owned by another user is refused',
    { skip: !asRoot && 'needs root to chown' },
    async () => {
      const dir = await tree({ 'main.rc': 'include other.rc\n', 'other.rc': 'set daemon 5\n' });
      const other = join(dir, 'other.rc');
      await chown(other, 65534, 65534);
      const errors = await loadErrors(join(dir, 'main.rc'));
      assert.equal(errors.length, 1);
      assert.deepEqual(errors, [
        `${join(dir, 'main.rc')}:1:9: ${other} (mode 0600, owner uid 65534) belongs to neither root nor the user running brokerwatch (uid 0), who could change the rules; run 'chown 0 ${other} && chmod go-w ${other}'`,
      ]);
    },
  );

  void test('checkPermissions: false skips the check (tests, parseRules)', async () => {
    const dir = await tree({ 'open.rc': { text: 'check file f with path /f\n', mode: 0o644 } });
    const { config } = await loadRules(join(dir, 'open.rc'), { checkPermissions: false });
    assert.deepEqual(names(config.services), ['f']);
  });
});

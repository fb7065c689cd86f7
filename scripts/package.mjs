// `npm run package`: brokerwatch as a system daemon, in dist/package/:
//   brokerwatch_VERSION_all.deb        Debian package; Node.js from the nodejs package (>= engines.node)
//   brokerwatch-VERSION-linux.tar.gz   the same program to unpack anywhere (node on PATH)
// `npm run package -- --embed-node` ships the Node.js binary that runs this script with the program
// instead (/usr/lib/brokerwatch/node, about 90 MB): brokerwatch_VERSION_amd64.deb and
// brokerwatch-VERSION-linux-x64.tar.gz, which need nothing but the C libraries.
//
// The program is the esbuild bundle (dist/bin: the command brokerwatch.js, the program brokerwatch.cjs
// and its licences, the status page's files), which holds every npm package it uses: nothing of
// node_modules is shipped. Beside it goes a package.json with the version (read by `brokerwatch -V`)
// and "type": "module" (the command is an ES module). The unit's CacheDirectory= holds V8's compile
// cache (/var/cache/brokerwatch, see src/util/code-cache.ts).
// Options: --no-build (package what dist/bin holds now), --out DIR, --node PATH (the binary to embed).
/* global console, process */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGING = join(ROOT, 'packaging');
const RC = '/etc/brokerwatch/brokerwatch.rc';
const UNIT = '/lib/systemd/system/brokerwatch.service';

const { values: opts } = parseArgs({
  options: {
    'embed-node': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'dist', 'package') },
    node: { type: 'string', default: process.execPath },
  },
});

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Every file and folder below dir (relative paths, folders before their contents). */
function walk(dir, rel = '') {
  const out = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const isDir = statSync(join(dir, p)).isDirectory();
    out.push({ path: p, isDir }, ...(isDir ? walk(dir, p) : []));
  }
  return out;
}

function write(file, text, mode = 0o644) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, mode);
}

/** gzip -9n: no name, no time stamp, as Debian wants compressed documents. */
const gzip = (text) => gzipSync(text, { level: 9 });

function fill(template, values) {
  return template.replace(/@([A-Z_]+)@/g, (all, key) => {
    if (!(key in values)) fail(`no value for ${all}`);
    return values[key];
  });
}

// ---- what is packaged --------------------------------------------------------------------------

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const VERSION = pkg.version;
const changelog = readFileSync(join(PACKAGING, 'debian', 'changelog'), 'utf8');
const logVersion = /^brokerwatch \(([^)]+)\)/.exec(changelog)?.[1];
if (logVersion !== VERSION)
  fail(`packaging/debian/changelog's latest entry is ${logVersion}, package.json says ${VERSION}: add an entry`);
const logDate = /^ -- .+? {2}(.+)$/m.exec(changelog)?.[1];
// Every file is dated as the latest changelog entry (SOURCE_DATE_EPOCH overrides it), not as the build.
const EPOCH = Number(process.env.SOURCE_DATE_EPOCH ?? Math.floor(Date.parse(logDate ?? '') / 1000));
if (!Number.isFinite(EPOCH)) fail('packaging/debian/changelog: no date on the latest entry');
const maintainer = /^ -- (.+?) {2}/m.exec(changelog)?.[1];
const nodeRange = /^>=\s*(\d+(?:\.\d+)*)$/.exec(pkg.engines?.node ?? '')?.[1];
if (nodeRange === undefined) fail(`package.json engines.node must be ">=X.Y", not ${pkg.engines?.node}`);

const EMBED = opts['embed-node'];
const ARCH = EMBED ? debianArch(process.arch) : 'all';
const DEB = `brokerwatch_${VERSION}_${ARCH}.deb`;
const TARBALL = `brokerwatch-${VERSION}-linux${EMBED ? `-${process.arch}` : ''}.tar.gz`;

function debianArch(arch) {
  const map = { x64: 'amd64', arm64: 'arm64', arm: 'armhf', ppc64: 'ppc64el', s390x: 's390x' };
  return map[arch] ?? fail(`no Debian architecture for ${arch}`);
}

// ---- build -------------------------------------------------------------------------------------

if (!opts['no-build']) {
  console.log('package: npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) fail('the build failed');
}
const BUNDLE = join(ROOT, 'dist', 'bin');
if (!existsSync(join(BUNDLE, 'brokerwatch.js'))) fail('dist/bin/brokerwatch.js is missing: run `npm run build`');

// ---- the program: /usr/lib/brokerwatch ----------------------------------------------------------

/** The program's folder: the bundle without source maps, its package.json, and node if embedded. */
function stageProgram(dest) {
  cpSync(BUNDLE, join(dest, 'bin'), { recursive: true, filter: (f) => !f.endsWith('.map') });
  // Source maps are not shipped: drop the comments that point at them.
  for (const { path, isDir } of walk(join(dest, 'bin')))
    if (!isDir && /\.c?js$/.test(path)) {
      const file = join(dest, 'bin', path);
      writeFileSync(file, readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
    }
  // The entry's `#!/usr/bin/env node` would run whatever node PATH finds; the wrapper chooses.
  const entry = join(dest, 'bin', 'brokerwatch.js');
  const text = readFileSync(entry, 'utf8');
  if (!text.startsWith('#!')) fail('dist/bin/brokerwatch.js: no #! line where one was expected');
  writeFileSync(entry, text.replace(/^#!.*/, '// Run by the brokerwatch command (bin/brokerwatch), with its Node.js.'));
  const meta = { name: pkg.name, version: VERSION, description: pkg.description, license: pkg.license };
  write(join(dest, 'package.json'), `${JSON.stringify({ ...meta, type: 'module', private: true }, null, 2)}\n`);
  if (EMBED) {
    cpSync(opts.node, join(dest, 'node'));
    // As dh_strip does: the symbols Node exports to addons stay, debug information goes.
    run('strip', ['--remove-section=.comment', '--remove-section=.note', '--strip-unneeded', join(dest, 'node')]);
  }
}

/** The npm packages inside the bundle, from the sources its source maps name (paths relative to dist/bin). */
function bundledPackages() {
  const dirs = new Set();
  for (const { path, isDir } of walk(BUNDLE))
    if (!isDir && path.endsWith('.map'))
      for (const source of JSON.parse(readFileSync(join(BUNDLE, path), 'utf8')).sources ?? []) {
        const m = /^(?:\.\.\/)*(node_modules\/(?:@[^/]+\/)?[^/]+(?:\/node_modules\/(?:@[^/]+\/)?[^/]+)*)\//.exec(
          source,
        );
        if (m) dirs.add(m[1]);
      }
  if (dirs.size === 0) fail('dist/bin: no npm package found in the source maps; the copyright file would name none');
  return [...dirs].sort().map((dir) => {
    const json = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
    const license = typeof json.license === 'string' ? json.license : fail(`${dir}: no SPDX license`);
    return { name: json.name, version: json.version, license, holders: holders(join(ROOT, dir), json) };
  });
}

/** The copyright lines of a package's license file, else its author. */
function holders(dir, json) {
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  const lines = file
    ? readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^(copyright\s+(\(c\)|©|\d)|\(c\)\s+\d|©)/i.test(l))
    : [];
  const author = typeof json.author === 'string' ? json.author : json.author?.name;
  const found = [...new Set(lines)].slice(0, 5);
  return found.length > 0 ? found : [author?.trim() || `the ${json.name} authors`];
}

const DEP5_LICENSE = { MIT: 'Expat', ISC: 'ISC', 'MIT-0': 'MIT-0', '0BSD': '0BSD' };
const KNOWN_LICENSES = new Set(['Expat', 'ISC', 'MIT-0', '0BSD', 'BSD-3-Clause', 'Apache-2.0']);

/**
 * The copyright file: brokerwatch's, then one paragraph for the bundle naming every npm package in it
 * (DEP-5 lets only one paragraph match a file), then Node.js's when it is embedded.
 */
function copyright(nodeLicense) {
  const packages = bundledPackages();
  const licenses = [];
  for (const p of packages) {
    const license = DEP5_LICENSE[p.license] ?? p.license;
    if (!KNOWN_LICENSES.has(license))
      fail(`${p.name} is licensed ${p.license}: add its text to packaging/debian/copyright.in`);
    if (!licenses.includes(license)) licenses.push(license);
    p.license = license;
  }
  const owners = [...new Set(['the brokerwatch authors', ...packages.flatMap((p) => p.holders)])];
  const parts = [
    [
      'Files: usr/lib/brokerwatch/bin/*',
      `Copyright: ${owners.join('\n ')}`,
      `License: ${licenses.join(' and ')}`,
      'Comment: brokerwatch and the npm packages bundled with it:',
      ...packages.map((p) => ` ${p.name} ${p.version} (${p.license})`),
      '',
    ].join('\n'),
  ];
  if (nodeLicense !== undefined)
    parts.push(
      [
        'Files: usr/lib/brokerwatch/node',
        'Copyright: Node.js contributors and the authors of the libraries built into it',
        'License: Node.js',
        '',
        'License: Node.js',
        ' Node.js is licensed under the Expat license, as given in this file; the libraries built into its',
        ' executable (V8, libuv, OpenSSL, ICU, zlib, llhttp, ...) keep their own licenses. The',
        ' complete text, as Node.js ships it, is /usr/share/doc/brokerwatch/node/LICENSE.',
        '',
      ].join('\n'),
    );
  return fill(readFileSync(join(PACKAGING, 'debian', 'copyright.in'), 'utf8'), { COMPONENTS: parts.join('\n') });
}

function nodeLicenseText() {
  const bin = dirname(opts.node);
  const candidates = [join(bin, '..', 'share', 'doc', 'node', 'LICENSE'), '/usr/share/doc/nodejs/LICENSE'];
  const found = candidates.find((f) => existsSync(f));
  return found ? readFileSync(found, 'utf8') : fail(`Node.js's LICENSE not found (looked at ${candidates.join(', ')})`);
}

// ---- the man page, from --help -----------------------------------------------------------------

/** roff-escapes a line of text. */
const roff = (s) =>
  s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/, '\\&$1');

/** brokerwatch.1 from commander's help: the usage, the description, then one entry per option and command. */
function manPage(help) {
  const lines = help.split('\n');
  const usage = lines[0].replace(/^Usage: /, '');
  const description = lines.slice(1).find((l) => l.trim() !== '') ?? '';
  const date = new Date(EPOCH * 1000).toISOString().slice(0, 10);
  const out = [
    `.TH BROKERWATCH 1 "${date}" "brokerwatch ${VERSION}" "User Commands"`,
    '.SH NAME',
    `brokerwatch \\- ${roff(description.trim().replace(/\.$/, ''))}`,
    '.SH SYNOPSIS',
    `.B brokerwatch\n${roff(usage.replace(/^brokerwatch\s*/, ''))}`,
    '.SH DESCRIPTION',
    'brokerwatch supervises MQTT brokers such as mosquitto with monit\\-compatible rules: it starts',
    'and restarts them, probes them with MQTT round trips, serves a status page, a JSON API and',
    'Prometheus metrics, and sends alerts. Without a command it runs the daemon in the foreground.',
  ];
  let section;
  for (const line of lines.slice(2)) {
    const head = /^(\w+):$/.exec(line);
    if (head) {
      section = head[1];
      out.push(`.SH ${section.toUpperCase()}`);
      continue;
    }
    const entry = /^ {2}(\S.*?)(?: {2,}(\S.*))?$/.exec(line);
    if (section && entry) out.push('.TP', `.B ${roff(entry[1])}`, ...(entry[2] ? [roff(entry[2])] : []));
    else if (section && line.trim() !== '') out.push(roff(line.trim()));
  }
  out.push(
    '.PP',
    'Every command takes \\-h for its own options.',
    '.SH FILES',
    '.TP',
    `.I ${RC}`,
    'the rules (a monit control file); mode 600, it holds passwords',
    '.TP',
    '.I /var/lib/brokerwatch/state.json',
    "the state file (root's default): monitoring state, restart counters, the identified brokers",
    '.TP',
    `.I ${UNIT}`,
    'the systemd unit: brokerwatch \\-I in the foreground, Type=notify with a watchdog',
    '.SH SEE ALSO',
    '.BR monit (1),',
    '.BR mosquitto (8),',
    '.BR systemctl (1)',
    '',
  );
  return out.join('\n');
}

// ---- the Debian package ------------------------------------------------------------------------

/** The unit from systemd/, run from /usr/bin/brokerwatch rather than whatever PATH finds. */
function packagedUnit() {
  const unit = readFileSync(join(ROOT, 'systemd', 'brokerwatch.service'), 'utf8');
  const exec = /^ExecStart=\/usr\/bin\/env brokerwatch /m;
  if (!exec.test(unit))
    fail('systemd/brokerwatch.service: no `ExecStart=/usr/bin/env brokerwatch …` to point at /usr/bin');
  // Its header says how to install it by hand, which the package has done.
  const byHand = /^# Install:\n(?:# {3}.*\n)+/m;
  return unit
    .replace(exec, 'ExecStart=/usr/bin/brokerwatch ')
    .replace(byHand, '# Installed by the brokerwatch package; the rules are /etc/brokerwatch/brokerwatch.rc.\n');
}

const MODES = new Map([
  ['usr/bin/brokerwatch', 0o755],
  ['usr/lib/brokerwatch/node', 0o755],
  [RC.slice(1), 0o600],
  ['DEBIAN/postinst', 0o755],
  ['DEBIAN/prerm', 0o755],
  ['DEBIAN/postrm', 0o755],
]);

/** Folders 0755, files 0644 unless MODES says otherwise, all dated EPOCH. */
function normalize(root, modes) {
  for (const { path, isDir } of walk(root).reverse()) {
    chmodSync(join(root, path), isDir ? 0o755 : (modes.get(path) ?? 0o644));
    utimesSync(join(root, path), EPOCH, EPOCH);
  }
}

function buildDeb(stage, help, nodeLicense) {
  const lib = join(stage, 'usr', 'lib', 'brokerwatch');
  stageProgram(lib);
  const wrapper = readFileSync(join(PACKAGING, 'brokerwatch.sh.in'), 'utf8');
  write(join(stage, 'usr', 'bin', 'brokerwatch'), fill(wrapper, { NODE: '/usr/bin/node' }));
  write(join(stage, UNIT), packagedUnit());
  write(join(stage, RC), readFileSync(join(ROOT, 'config', 'mosquitto-debian.rc')));
  mkdirSync(join(stage, 'var', 'lib', 'brokerwatch'), { recursive: true });
  const doc = join(stage, 'usr', 'share', 'doc', 'brokerwatch');
  write(join(doc, 'copyright'), copyright(nodeLicense));
  write(join(doc, 'changelog.gz'), gzip(changelog));
  write(join(doc, 'README.md.gz'), gzip(readFileSync(join(ROOT, 'README.md'))));
  write(join(stage, 'usr', 'share', 'man', 'man1', 'brokerwatch.1.gz'), gzip(manPage(help)));
  const overrides = join(stage, 'usr', 'share', 'lintian', 'overrides', 'brokerwatch');
  const overrideFiles = ['lintian-overrides', ...(EMBED ? ['lintian-overrides.embed-node'] : [])];
  write(overrides, overrideFiles.map((f) => readFileSync(join(PACKAGING, 'debian', f), 'utf8')).join(''));
  if (nodeLicense !== undefined) write(join(doc, 'node', 'LICENSE'), nodeLicense);

  const control = join(stage, 'DEBIAN');
  for (const f of ['postinst', 'prerm', 'postrm', 'conffiles'])
    write(join(control, f), readFileSync(join(PACKAGING, 'debian', f)));
  const conffiles = readFileSync(join(control, 'conffiles'), 'utf8').split('\n').filter(Boolean);
  const files = walk(stage).filter((f) => !f.isDir && !f.path.startsWith('DEBIAN/'));
  const md5 = files
    .filter((f) => !conffiles.includes(`/${f.path}`))
    .map(
      (f) =>
        `${createHash('md5')
          .update(readFileSync(join(stage, f.path)))
          .digest('hex')}  ${f.path}\n`,
    );
  write(join(control, 'md5sums'), md5.join(''));
  const bytes = files.reduce((sum, f) => sum + Math.ceil(statSync(join(stage, f.path)).size / 1024), 0);
  const depends = EMBED ? libraryDepends(join(lib, 'node')) : `nodejs (>= ${nodeRange})`;
  const template = readFileSync(join(PACKAGING, 'debian', 'control.in'), 'utf8');
  const values = { VERSION, ARCH, MAINTAINER: maintainer, INSTALLED_SIZE: String(bytes), DEPENDS: depends };
  write(join(control, 'control'), fill(template, values));
  normalize(stage, MODES);

  // xz for the small arch-all package; gzip for the one with Node, which xz takes minutes to
  // compress (zstd would be faster still, but Debian 12's lintian calls a zstd package malformed).
  const compress = EMBED ? ['-Zgzip', '-z6'] : ['-Zxz'];
  const out = join(opts.out, DEB);
  run('dpkg-deb', ['--root-owner-group', ...compress, '--build', stage, out], {
    env: { ...process.env, SOURCE_DATE_EPOCH: String(EPOCH) },
  });
  return out;
}

/** The shared libraries the embedded node needs, as dpkg-shlibdeps names their packages. */
function libraryDepends(node) {
  const dir = mkdtempSync(join(tmpdir(), 'brokerwatch-shlibs-'));
  try {
    write(join(dir, 'debian', 'control'), 'Source: brokerwatch\n\nPackage: brokerwatch\nArchitecture: any\n');
    const out = run('dpkg-shlibdeps', ['-O', '-e', node], { cwd: dir });
    const deps = /^shlibs:Depends=(.*)$/m.exec(out)?.[1];
    return deps ?? fail(`dpkg-shlibdeps said nothing about ${node}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the tarball -------------------------------------------------------------------------------

/**
 * brokerwatch-VERSION/: bin/brokerwatch (node from PATH, or the embedded one), lib/brokerwatch/…,
 * the man page, and config/ and systemd/ as in the source tree, whose comments say how to install them.
 */
function buildTarball(stage, deb) {
  const top = `brokerwatch-${VERSION}`;
  const root = join(stage, top);
  cpSync(join(deb, 'usr', 'lib', 'brokerwatch'), join(root, 'lib', 'brokerwatch'), { recursive: true });
  const wrapper = readFileSync(join(PACKAGING, 'brokerwatch.sh.in'), 'utf8');
  write(join(root, 'bin', 'brokerwatch'), fill(wrapper, { NODE: 'node' }));
  cpSync(join(ROOT, 'config', 'mosquitto-debian.rc'), join(root, 'config', 'mosquitto-debian.rc'));
  cpSync(join(ROOT, 'systemd', 'brokerwatch.service'), join(root, 'systemd', 'brokerwatch.service'));
  cpSync(join(deb, 'usr', 'share', 'man'), join(root, 'share', 'man'), { recursive: true });
  cpSync(join(deb, 'usr', 'share', 'doc', 'brokerwatch', 'copyright'), join(root, 'COPYRIGHT'));
  cpSync(join(ROOT, 'README.md'), join(root, 'README.md'));
  const modes = new Map([
    ['bin/brokerwatch', 0o755],
    ['lib/brokerwatch/node', 0o755],
    ['config/mosquitto-debian.rc', 0o600],
  ]);
  normalize(root, modes);
  const out = join(opts.out, TARBALL);
  run('tar', [
    '--sort=name',
    `--mtime=@${EPOCH}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-C',
    stage,
    '-cf',
    `${out}.tmp`,
    top,
  ]);
  run('gzip', ['-n', '-6', '-f', `${out}.tmp`]);
  run('mv', [`${out}.tmp.gz`, out]);
  return out;
}

// ---- main --------------------------------------------------------------------------------------

mkdirSync(opts.out, { recursive: true });
const stage = mkdtempSync(join(tmpdir(), 'brokerwatch-package-'));
try {
  const help = execFileSync(process.execPath, [join(BUNDLE, 'brokerwatch.js'), '--help'], { encoding: 'utf8' });
  const deb = buildDeb(join(stage, 'deb'), help, EMBED ? nodeLicenseText() : undefined);
  rmSync(join(stage, 'deb', 'DEBIAN'), { recursive: true });
  const tarball = buildTarball(join(stage, 'tar'), join(stage, 'deb'));
  for (const f of [deb, tarball]) console.log(`package: ${relative(process.cwd(), f)} (${statSync(f).size} bytes)`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

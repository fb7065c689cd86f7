// `npm start`: runs brokerwatch on the demo rules (config/demo.rc) with the ports and folder chosen
// without editing a file: BROKERWATCH_DEMO_HTTP_PORT (2812), BROKERWATCH_DEMO_MQTT_PORT (18830) and
// BROKERWATCH_DEMO_DIR (var/demo), or the flags --http-port N, --mqtt-port N, --dir PATH
// (`npm start -- --http-port 8080`). The rules brokerwatch runs on are written to DIR/demo.rc (0600),
// which the CLI then takes too: `node dist/bin/brokerwatch.js -c var/demo/demo.rc summary`.
// With --write-only the file is written and its path printed, and nothing is started.
/* global process, console */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(2);
}

/** The value of --NAME N or --NAME=N. */
function flag(args, name) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) return args[i + 1] ?? fail(`--${name} needs a value`);
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3);
  }
  return undefined;
}

function port(value, what, fallback) {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535)
    fail(`${what} must be a port number (1-65535), not '${value}'`);
  return Number(value);
}

const args = process.argv.slice(2);
const known = new Set(['--http-port', '--mqtt-port', '--dir', '--write-only']);
for (const a of args)
  if (a.startsWith('--') && !known.has(a.split('=')[0]))
    fail(`unknown option ${a}; expected --http-port N, --mqtt-port N, --dir PATH or --write-only`);
const env = process.env;
const httpPort = port(flag(args, 'http-port') ?? env.BROKERWATCH_DEMO_HTTP_PORT, 'the HTTP port', 2812);
const mqttPort = port(flag(args, 'mqtt-port') ?? env.BROKERWATCH_DEMO_MQTT_PORT, 'the MQTT port', 18830);
if (httpPort === mqttPort) fail(`the HTTP and MQTT ports are both ${httpPort}`);
const dir = flag(args, 'dir') ?? env.BROKERWATCH_DEMO_DIR ?? 'var/demo';
if (/[\s"']/.test(dir)) fail(`the demo folder may not contain spaces or quotes: '${dir}'`);

const template = readFileSync(join(ROOT, 'config', 'demo.rc'), 'utf8');
const rules = template
  .replace(/^(set httpd port )2812\b/m, `$1${httpPort}`)
  .replace(/http:\/\/127\.0\.0\.1:2812\//g, `http://127.0.0.1:${httpPort}/`)
  .replace(/\b(port |--port )18830\b/g, `$1${mqttPort}`)
  .replace(/\bvar\/demo\//g, `${dir.replace(/\/+$/, '')}/`);
const out = join(dir, 'demo.rc');
mkdirSync(dir, { recursive: true });
writeFileSync(out, `# Written by npm start from config/demo.rc: edit that file, not this one.\n${rules}`, {
  mode: 0o600,
});
// An older copy may have been made with wider permissions, which brokerwatch refuses.
chmodSync(out, 0o600);
if (args.includes('--write-only')) {
  console.log(out);
  process.exit(0);
}
console.log(
  `brokerwatch demo: status page http://127.0.0.1:${httpPort}/ (admin/watchdog), broker mqtt://127.0.0.1:${mqttPort}, rules ${out}`,
);
// Ctrl-C stops brokerwatch, which leaves its brokers running, the demo's own included.
console.log(
  `Ctrl-C stops brokerwatch; the demo broker keeps running: node dist/demo/broker.js --stop --pidfile ${join(dir, 'broker.pid')} stops it`,
);
const child = spawn(process.execPath, [join(ROOT, 'dist', 'bin', 'brokerwatch.js'), '-I', '-c', out], {
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// The rules file `brokerwatch init` writes for one mosquitto: the daemon and status page settings,
// the broker's process with its start/stop programs and one port test per listener, its persistence
// file system and its log. Pure: what it needs from the machine comes in RulesInput.
import { resolve } from 'node:path';
import { quote } from '../config/printer.js';
import type { InitSystem } from './host.js';
import { MOSQUITTO_BIN } from './host.js';
import type { ListenerContext } from './listener-test.js';
import { listenerLines, word } from './listener-test.js';
import type { MosquittoConf } from './mosquitto-model.js';

/** Everything the rules are made from. */
export interface RulesInput extends ListenerContext {
  readonly conf: MosquittoConf;
  readonly init: InitSystem;
  /** The status page's admin password (random). */
  readonly adminPassword: string;
  readonly now: Date;
}

function header(input: RulesInput): string[] {
  const { conf } = input;
  const files = conf.files.map((f) => resolve(f));
  const day = input.now.toISOString().slice(0, 10);
  return [
    `# brokerwatch rules for the mosquitto of ${resolve(conf.file)},`,
    `# written by \`brokerwatch init\` on ${day} from ${files.length === 1 ? 'that file' : `${files.length} files:`}`,
    ...(files.length === 1 ? [] : files.map((f) => `#   ${f}`)),
    '# Check it with `brokerwatch -c FILE -t`. It holds the status page password: keep it mode 600',
    '# (brokerwatch refuses a rules file that others may read).',
    '',
    '# A cycle every 10 seconds; a crash is seen at once anyway.',
    'set daemon 10',
    '',
    '# Status page, JSON API and /metrics on the loopback interface only; the password is random.',
    'set httpd port 2812 address 127.0.0.1',
    `    allow admin:${input.adminPassword}`,
  ];
}

/** `check process …`: by pidfile, or by command line when mosquitto writes no pidfile. */
function processHead(conf: MosquittoConf): string[] {
  if (conf.pidFile !== undefined) return [`check process mosquitto with pidfile ${word(conf.pidFile)}`];
  return [
    '# mosquitto.conf has no pid_file, so mosquitto writes no pidfile: the broker is found by its command',
    '# line (the oldest match). Add `pid_file /run/mosquitto/mosquitto.pid` to mosquitto.conf and use',
    '# `with pidfile` here to know it by its pid.',
    `check process mosquitto matching ${quote(`^${MOSQUITTO_BIN}`)}`,
  ];
}

function programs(init: InitSystem): string[] {
  return [
    ...init.why.map((w) => `  # ${w}`),
    `  start program = ${quote(init.start)} with timeout 30 seconds`,
    ...(init.stop !== undefined ? [`  stop program = ${quote(init.stop)} with timeout 30 seconds`] : []),
  ];
}

function processService(input: RulesInput): string[] {
  const lines = [...processHead(input.conf), ...programs(input.init)];
  for (const l of input.conf.listeners) {
    const { comments, tests } = listenerLines(l, input);
    lines.push(...comments.map((c) => `  ${c}`), ...tests.map((t) => `  ${t}`));
  }
  lines.push('  # A broker that keeps failing is left alone (and alerted) rather than restarted forever.');
  lines.push('  if 5 restarts within 5 cycles then unmonitor');
  return lines;
}

function persistence(conf: MosquittoConf): string[] {
  if (!conf.persistence) return [];
  if (conf.persistenceLocation === undefined)
    return [
      '# persistence is on without persistence_location: mosquitto writes mosquitto.db in the folder it',
      '# runs in, which is not known here; add a `check filesystem` for it.',
    ];
  return [
    `# The persistence database (mosquitto.db), written by mosquitto as user ${conf.user ?? 'mosquitto'}:`,
    '# a full disk loses retained messages and sessions at the next save.',
    `check filesystem mosquitto_persistence with path ${word(conf.persistenceLocation)}`,
    '  if space usage > 90% then alert',
    '  if inode usage > 90% then alert',
  ];
}

function logFile(conf: MosquittoConf): string[] {
  if (conf.logFile === undefined) return [];
  return [
    "# mosquitto's log (log_dest file): the lines it appends are read each cycle, and errors alerted.",
    `check file mosquitto_log with path ${word(conf.logFile)}`,
    '  if content = "Error|error:|Socket error" then alert',
  ];
}

/** The whole rules file. */
export function rulesText(input: RulesInput): string {
  const sections = [header(input), processService(input), persistence(input.conf), logFile(input.conf)];
  return `${sections
    .filter((s) => s.length > 0)
    .map((s) => s.join('\n'))
    .join('\n\n')}\n`;
}

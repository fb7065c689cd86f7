// What `brokerwatch init` does: read mosquitto.conf (every problem at its FILE:LINE), learn how
// mosquitto is started here, write the rules (mode 600, never over an existing file without
// --force), and check them with `-t`'s own checkRules. Exit 0 when the rules pass the check, 1 when
// something failed, 2 on a usage error.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm, stat } from '../util/fs-async.js';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ERRORS } from '../errors.js';
import { certificateNames, findInitSystem } from '../init/host.js';
import type { ProbeUser } from '../init/listener-test.js';
import { ConfUnreadable, readMosquittoConf } from '../init/mosquitto-conf.js';
import { formatProblem } from '../init/mosquitto-model.js';
import { rulesText } from '../init/rules-text.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { checkRules } from './check-rules.js';
import type { InitFlags } from './init.js';

/** Where the command writes: the process's streams, or a test's. */
export interface InitOutput {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

const STD: InitOutput = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
};

/** A failure the command reports in one line and exits 1 (or EXIT) for. */
class InitFailure extends Error {
  constructor(
    message: string,
    readonly exit = 1,
  ) {
    super(message);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The probe user and its password (the first line of the password file). */
async function probeUser(flags: InitFlags): Promise<ProbeUser | undefined> {
  if (flags.probeUser === undefined) {
    if (flags.probePasswordFile !== undefined)
      throw new InitFailure('--probe-password-file needs --probe-user', ERRORS.BW_USAGE.exit);
    return undefined;
  }
  if (flags.probePasswordFile === undefined) return { username: flags.probeUser };
  const text = await readFile(flags.probePasswordFile, 'utf8').catch((e: Error) => {
    throw new InitFailure(`cannot read the password file ${flags.probePasswordFile ?? ''}: ${e.message}`);
  });
  const password = text.split('\n')[0]?.replace(/\r$/, '') ?? '';
  if (password === '') throw new InitFailure(`the password file ${flags.probePasswordFile} is empty`);
  return { username: flags.probeUser, password };
}

/** Reads the configuration and makes the rules; problems go to OUT.stderr, errors stop here. */
function makeRules(flags: InitFlags, probe: ProbeUser | undefined, out: InitOutput): string {
  let read: ReturnType<typeof readMosquittoConf>;
  try {
    read = readMosquittoConf(flags.fromMosquitto);
  } catch (e) {
    if (e instanceof ConfUnreadable) throw new InitFailure(e.message);
    throw e;
  }
  out.stderr(read.problems.map((p) => `${formatProblem(p)}\n`).join(''));
  const errors = read.problems.filter((p) => p.severity === 'error').length;
  if (errors > 0)
    throw new InitFailure(`${flags.fromMosquitto}: ${errors} error${errors === 1 ? '' : 's'}; no rules written`);
  return rulesText({
    conf: read.conf,
    init: findInitSystem(flags.fromMosquitto),
    adminPassword: randomBytes(18).toString('base64url'),
    now: new Date(),
    certificateNames,
    ...(probe !== undefined ? { probe } : {}),
  });
}

/** Writes FILE with mode 600: a new file only, unless FORCE replaces it (atomically, so the mode is ours). */
async function writeRules(file: string, text: string, force: boolean): Promise<void> {
  if (force) return writeFileAtomic(file, text, 0o600);
  // Like writeFileAtomic: a missing folder (a first /etc/brokerwatch) is made, private.
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const fh = await open(file, 'wx', 0o600).catch((e: NodeJS.ErrnoException) => {
    throw new InitFailure(
      e.code === 'EEXIST' ? `${file} exists; use --force to replace it` : `cannot write ${file}: ${e.message}`,
    );
  });
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
}

/** Checks FILE as `-t` does; SHOWN names it in the report. Returns whether it passed. */
async function check(file: string, shown: string, print: (s: string) => void, fail: (s: string) => void) {
  const outcome = await checkRules(file);
  const text = outcome.lines.map((l) => `${l.split(file).join(shown)}\n`).join('');
  (outcome.ok ? print : fail)(text);
  return outcome.ok;
}

/** Runs `brokerwatch init`; resolves with the exit code. */
export async function runInit(flags: InitFlags, out: InitOutput = STD): Promise<number> {
  try {
    // Refused before any work: a file in the way is the most likely mistake.
    if (flags.output !== undefined && flags.force !== true && (await exists(flags.output)))
      throw new InitFailure(`${flags.output} exists; use --force to replace it`);
    const text = makeRules(flags, await probeUser(flags), out);
    if (flags.output !== undefined) {
      const output = flags.output;
      await writeRules(output, text, flags.force === true).catch((e: Error) => {
        throw e instanceof InitFailure ? e : new InitFailure(`cannot write ${output}: ${e.message}`);
      });
      out.stderr(`brokerwatch: wrote ${flags.output}\n`);
      return (await check(flags.output, flags.output, out.stdout, out.stderr)) ? 0 : 1;
    }
    // To standard output: checked as a private temporary file first, the report on standard error.
    const dir = await mkdtemp(join(tmpdir(), 'brokerwatch-init-'));
    try {
      const file = join(dir, 'brokerwatch.rc');
      await writeRules(file, text, false);
      out.stdout(text);
      return (await check(file, '(standard output)', out.stderr, out.stderr)) ? 0 : 1;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } catch (e) {
    if (!(e instanceof InitFailure)) throw e;
    out.stderr(`brokerwatch: ${e.message}\n`);
    return e.exit;
  }
}

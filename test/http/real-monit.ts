// Real monit 5.33 beside brokerwatch, for tests that compare the XML: `/usr/bin/monit -I` on a
// control file of the given services, with its own id, state and pid files in a private folder and
// its httpd on a free loopback port (the same admin as the HTTP fixture). Ended by its PID.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { ADMIN, basic } from './fixture.js';
import type { XmlElement } from './xml.js';
import { parseXml } from './xml.js';

/** A running monit. */
export interface RealMonit {
  readonly port: number;
  /** monit's /_status?format=xml&level=full, parsed; undefined while it does not answer. */
  statusXml(): Promise<XmlElement | undefined>;
  stop(): Promise<void>;
}

/** Starts monit, `set daemon 1`, on SERVICES (lines of its control file). */
export async function startRealMonit(services: readonly string[]): Promise<RealMonit> {
  const dir: TempDir = await tempDir('brokerwatch-monit-');
  const port = await freePort();
  const d = dir.path;
  const rc = join(d, 'monitrc');
  const rules = [
    'set daemon 1',
    `set idfile ${join(d, 'monit.id')}`,
    `set statefile ${join(d, 'monit.state')}`,
    `set pidfile ${join(d, 'monit.pid')}`,
    `set httpd port ${port} address 127.0.0.1`,
    `  allow ${ADMIN.user}:${ADMIN.password}`,
    ...services,
    '',
  ].join('\n');
  await writeFile(rc, rules, { mode: 0o600 });
  const monit: ChildProcess = spawn('/usr/bin/monit', ['-I', '-c', rc], {
    cwd: d,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: d },
    stdio: 'ignore',
  });
  return {
    port,
    async statusXml() {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/_status?format=xml&level=full`, {
          headers: { authorization: basic(ADMIN.user, ADMIN.password) },
        });
        return res.ok ? parseXml(await res.text()) : undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (monit.pid !== undefined && monit.exitCode === null && monit.signalCode === null) {
        const exited = new Promise((resolve) => monit.once('exit', resolve));
        monit.kill('SIGTERM');
        await exited;
      }
      await dir.cleanup();
    },
  };
}

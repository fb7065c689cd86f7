// A real Alertmanager (Debian's prometheus-alertmanager, scripts/install-prereqs.sh) on a loopback
// port, alone (no cluster), its storage in a temporary folder, routing every alert to one webhook
// receiver at once (group_wait 0s) with resolved notifications on: the test sees what Alertmanager
// made of brokerwatch's alerts, and what it would notify. Ended by PID.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cleanup } from '../daemon/harness.js';
import { waitFor } from '../helpers/wait.js';

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** True when the Alertmanager binary is installed. */
export const haveAlertmanager = existsSync(ALERTMANAGER_BIN);

/** One alert as GET /api/v2/alerts shows it (the fields tests read). */
export interface GettableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly status: { readonly state: string };
}

/** A running Alertmanager. */
export interface AlertmanagerPeer {
  readonly url: string;
  /** GET /api/v2/alerts: the alerts not resolved. */
  alerts(): Promise<GettableAlert[]>;
  stop(): Promise<void>;
}

/** Starts Alertmanager on 127.0.0.1:PORT with its files in DIR, notifying WEBHOOK. */
export async function startAlertmanager(
  port: number,
  dir: string,
  webhook: string,
  cleanup: Cleanup,
): Promise<AlertmanagerPeer> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const config = join(dir, 'am.yml');
  await writeFile(
    config,
    [
      'route:',
      '  receiver: hook',
      "  group_by: ['alertname', 'service']",
      '  group_wait: 0s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: hook',
      '    webhook_configs:',
      `      - url: ${webhook}`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      `--storage.path=${dir}`,
      `--config.file=${config}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  cleanup.add(stop);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited: ${stderr}`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
    },
    { timeoutMs: 30_000, intervalMs: 50, message: 'Alertmanager never became ready' },
  );
  return {
    url,
    stop,
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: HTTP ${res.status}`);
      return (await res.json()) as GettableAlert[];
    },
  };
}

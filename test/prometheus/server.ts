// A real Prometheus for tests: Debian's /usr/bin/prometheus on a free loopback port, its TSDB in a
// temporary folder, run on config/prometheus.yml with only the targets and intervals of a test put
// in, and read through its HTTP API. Ended by PID (TERM, then KILL), even when the test process dies.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { Cleanup } from '../daemon/harness.js';
import { signal } from '../daemon/harness.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
/** The documented files: config/prometheus.yml and the rules files it names. */
export const CONFIG_DIR = fileURLToPath(new URL('../../../config/', import.meta.url));

/** One sample of an instant vector, as /api/v1/query answers it. */
export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

/** What the documented config becomes for a test. */
export interface TestConfig {
  /** host:port of each brokerwatch status server. */
  readonly targets: readonly string[];
  /** The password of the user the documented basic_auth names, written to its password_file. */
  readonly password: string;
  /** Scrape and rule evaluation interval, e.g. '1s'. */
  readonly interval: string;
  /** Every `for:` of the alerting rules becomes this (the documented ones are minutes long). */
  readonly alertFor: string;
}

interface ScrapeConfig {
  job_name: string;
  basic_auth?: { username: string; password_file?: string };
  static_configs: Array<{ targets: string[] }>;
}

interface PromConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  scrape_configs: ScrapeConfig[];
}

/**
 * Writes DIR/prometheus.yml from config/prometheus.yml (targets and intervals replaced), the password
 * file it names, and a copy of each rules file it names with every `for:` set to `alertFor`; relative
 * paths stay as documented, since they are read from the config file's folder. Returns the document.
 */
export async function writeTestConfig(dir: string, t: TestConfig): Promise<PromConfig> {
  const doc = parse(await readFile(join(CONFIG_DIR, 'prometheus.yml'), 'utf8')) as PromConfig;
  doc.global = { ...doc.global, scrape_interval: t.interval, evaluation_interval: t.interval };
  const job = doc.scrape_configs.find((s) => s.job_name === 'brokerwatch');
  const passwordFile = job?.basic_auth?.password_file;
  if (!job || passwordFile === undefined)
    throw new Error('config/prometheus.yml: no brokerwatch job with a password_file');
  job.static_configs = [{ targets: [...t.targets] }];
  await writeFile(join(dir, passwordFile), t.password, { mode: 0o600 });
  for (const name of doc.rule_files ?? []) {
    const rules = parse(await readFile(join(CONFIG_DIR, name), 'utf8')) as {
      groups: Array<{ rules: Array<Record<string, unknown>> }>;
    };
    for (const g of rules.groups) for (const r of g.rules) if ('for' in r) r.for = t.alertFor;
    await writeFile(join(dir, name), stringify(rules));
  }
  await writeFile(join(dir, 'prometheus.yml'), stringify(doc));
  return doc;
}

/** A running Prometheus and its HTTP API. */
export class Prometheus {
  output = '';
  readonly #child: ChildProcess;
  readonly #exited: Promise<unknown>;

  private constructor(
    child: ChildProcess,
    readonly url: string,
  ) {
    this.#child = child;
    this.#exited = once(child, 'exit');
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-8_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts prometheus on DIR/prometheus.yml, its TSDB in DIR/data; resolves once /-/ready says so. */
  static async start(dir: string, cleanup: Cleanup): Promise<Prometheus> {
    const port = await freePort();
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const p = new Prometheus(child, `http://127.0.0.1:${port}`);
    await once(child, 'spawn');
    const pid = child.pid ?? 0;
    const kill = (): void => {
      if (p.running) signal(pid, 'SIGKILL');
    };
    process.once('exit', kill);
    cleanup.add(async () => {
      if (!p.running) return;
      signal(pid, 'SIGTERM');
      await Promise.race([p.#exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
      kill();
      if (p.running) await p.#exited;
    });
    await waitFor(
      async () => {
        if (!p.running) throw new Error(`prometheus exited: ${p.output}`);
        return fetch(`${p.url}/-/ready`)
          .then((r) => r.ok)
          .catch(() => false);
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'prometheus never ready' },
    );
    return p;
  }

  /** GET PATH of the v1 API; its `data`. */
  async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}/api/v1/${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`GET /api/v1/${path}: ${body.error ?? res.status}`);
    return body.data;
  }

  /** An instant query; its samples. */
  async query(promql: string): Promise<PromSample[]> {
    const data = await this.api<{ resultType: string; result: PromSample[] }>(
      `query?query=${encodeURIComponent(promql)}`,
    );
    if (data.resultType !== 'vector') throw new Error(`${promql}: a ${data.resultType}, not a vector`);
    return data.result;
  }
}

// Status API throughput: GET /api/v1/status with 20 services while their probes run, brokerwatch in
// its own process, the load generator (autocannon) in this one, both on this machine.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { brokerSetup, cleanupBroker, freePort, MOSQUITTO, sleep, startBrokerwatch, waitServing } from './lib.js';

interface AutocannonResult {
  readonly requests: { readonly average: number };
  readonly latency: { readonly p99: number; readonly p50: number };
  readonly non2xx: number;
  readonly errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

export interface HttpResult {
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

/** `seconds` of load with `connections` keep-alive connections against the status route. */
export async function httpBench(seconds: number, connections = 20): Promise<HttpResult> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const b = await brokerSetup('http');
  await writeFile(b.startScript, `#!/bin/sh\nexec ${MOSQUITTO} -d -c ${b.conf}\n`);
  await new Promise((r) => spawn(b.startScript, { stdio: 'ignore' }).once('exit', r));
  const port = await freePort();
  const file = join(b.dir, 'brokerwatch.rc');
  const services = Array.from({ length: 20 }, (_, i) =>
    [
      `check host broker-${i} with address 127.0.0.1`,
      `  if failed port ${b.port} protocol mqtt with timeout 1 seconds then alert`,
    ].join('\n'),
  );
  await writeFile(
    file,
    [
      'set daemon 1',
      `set statefile ${join(b.dir, 'state.json')}`,
      `set httpd port ${port} address 127.0.0.1`,
      '  allow bench:bench-secret read-only',
      ...services,
      '',
    ].join('\n'),
  );
  const sup = await startBrokerwatch(file, join(b.dir, 'brokerwatch.log'));
  try {
    if ((await waitServing(b.port, 10_000)) === undefined) throw new Error('http bench: broker not serving');
    const url = `http://127.0.0.1:${port}/api/v1/status`;
    const auth = `Basic ${Buffer.from('bench:bench-secret').toString('base64')}`;
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(url, { headers: { authorization: auth } })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      await sleep(100);
    }
    await sleep(2000); // a couple of cycles: every service has results
    const r = await autocannon({ url, connections, duration: seconds, headers: { authorization: auth } });
    return { reqPerSec: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.errors + r.non2xx };
  } finally {
    await sup.stop();
    await cleanupBroker(b);
  }
}

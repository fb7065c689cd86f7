// Round-trip latency of brokerwatch's probe on loopback against a real mosquitto: connect,
// subscribe, publish at QoS 0/1/2, receive; the numbers a `roundtrip` rule reports every cycle.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { mqttProbe } from '../src/checks/mqtt/probe.js';
import { brokerSetup, cleanupBroker, MOSQUITTO, waitServing } from './lib.js';

export interface LatencyResult {
  readonly qos: 0 | 1 | 2;
  readonly totalMs: number[];
  readonly deliveryMs: number[];
}

/** `runs` probes per QoS, one after another. */
export async function latencyBench(runs: number): Promise<LatencyResult[]> {
  const b = await brokerSetup('latency');
  await writeFile(b.startScript, `#!/bin/sh\nexec ${MOSQUITTO} -d -c ${b.conf}\n`);
  const child = spawn(b.startScript, { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  const out: LatencyResult[] = [];
  try {
    if ((await waitServing(b.port, 10_000)) === undefined) throw new Error('latency: broker not serving');
    const ep = { host: '127.0.0.1', port: b.port, version: 4 as const, clientIdPrefix: 'bench' };
    for (const qos of [0, 1, 2] as const) {
      const totalMs: number[] = [];
      const deliveryMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await mqttProbe(
          ep,
          { qos, topic: 'brokerwatch/bench', separateConnections: false },
          2_000,
          new AbortController().signal,
        );
        if (!r.ok) throw new Error(`latency: probe failed: ${r.message}`);
        totalMs.push(r.metrics.totalMs ?? NaN);
        deliveryMs.push(r.metrics.deliveryMs ?? NaN);
      }
      out.push({ qos, totalMs, deliveryMs });
    }
  } finally {
    await cleanupBroker(b);
  }
  return out;
}

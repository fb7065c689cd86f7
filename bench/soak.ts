// Soak: brokerwatch runs a 1 s round trip against one broker for a long while; its open sockets
// and RSS must stay flat (a leaked socket or buffer per probe shows up within minutes).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brokerSetup, cleanupBroker, procUsage, sleep, socketCount, startBrokerwatch, waitServing } from './lib.js';

export interface SoakSample {
  readonly atS: number;
  readonly sockets: number;
  readonly rssMb: number;
}

/** Samples sockets and RSS every `everyS` seconds for `seconds`. */
export async function soakBench(seconds: number, everyS = 10): Promise<SoakSample[]> {
  const b = await brokerSetup('soak');
  const file = join(b.dir, 'brokerwatch.rc');
  await writeFile(
    file,
    [
      'set daemon 1',
      `set statefile ${join(b.dir, 'state.json')}`,
      `check process mosquitto with pidfile ${b.pidfile}`,
      `  start program = "${b.startScript}"`,
      `  if failed host 127.0.0.1 port ${b.port} protocol mqtt roundtrip qos 1 with timeout 1 seconds then restart`,
      '',
    ].join('\n'),
  );
  const sup = await startBrokerwatch(file, join(b.dir, 'brokerwatch.log'));
  const samples: SoakSample[] = [];
  try {
    if ((await waitServing(b.port, 20_000)) === undefined) throw new Error('soak: broker never served');
    await sleep(3000);
    const t0 = Date.now();
    for (;;) {
      const u = procUsage(sup.pid);
      if (!u) throw new Error('soak: brokerwatch exited');
      samples.push({
        atS: Math.round((Date.now() - t0) / 1000),
        sockets: socketCount(sup.pid),
        rssMb: u.rss / 1048576,
      });
      if (Date.now() - t0 >= seconds * 1000) break;
      await sleep(everyS * 1000);
    }
  } finally {
    await sup.stop();
    await cleanupBroker(b);
  }
  return samples;
}

// The embedded demo broker that `npm start` supervises: an aedes MQTT broker that behaves like an
// init-script broker (daemonizes, pidfile, --stop), so the demo exercises real supervision.
//   node dist/demo/broker.js --port 18830 --pidfile /run/demo.pid [--host H] [--foreground] [--log F]
//   node dist/demo/broker.js --stop --pidfile /run/demo.pid
import './sigusr1.js';
import { fileURLToPath } from 'node:url';
import { USAGE, parseBrokerArgs } from './args.js';
import type { BrokerArgs } from './args.js';
import { daemonize } from './daemonize.js';
import { runForeground } from './foreground.js';
import { stopDaemon } from './stop.js';

async function main(argv: readonly string[]): Promise<void> {
  let args: BrokerArgs;
  try {
    args = parseBrokerArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (args.mode === 'foreground') await runForeground(args);
  else if (args.mode === 'stop') process.exitCode = await stopDaemon(args.pidfile);
  else process.exitCode = await daemonize(args, fileURLToPath(import.meta.url));
}

await main(process.argv.slice(2));

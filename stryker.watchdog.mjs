// Loaded into every test process of a mutation run (`npm run mutate`): a mutant can turn a loop
// into an endless one, and when the mutation tool gives up on it, it kills its own worker but not
// this test process, which would then spin on a shared core for good. A watcher thread, alive while
// the main thread is stuck, kills the process once it is orphaned or has run for too long.
import process from 'node:process';
import { Worker } from 'node:worker_threads';

const LIMIT_MS = 180_000;
const watcher = `
  const { workerData } = require('node:worker_threads');
  const started = Date.now();
  setInterval(() => {
    if (process.ppid !== workerData.parent || Date.now() - started > workerData.limit) process.kill(workerData.pid, 'SIGKILL');
  }, 500);
`;
new Worker(watcher, { eval: true, workerData: { pid: process.pid, parent: process.ppid, limit: LIMIT_MS } }).unref();

// The worker thread that loads rules files for the rules fuzzer, exactly as `brokerwatch -t -v`
// does, so that a hang can be ended from outside (Worker.terminate) and a crash is seen as one.
import { parentPort } from 'node:worker_threads';
import { checkRules } from '../src/cli/check-rules.js';

/** A request: load FILE. */
export interface CheckRequest {
  readonly id: number;
  readonly file: string;
}

/** The answer: what `-t -v` prints, or the exception that escaped it. */
export type CheckAnswer =
  | { readonly id: number; readonly ok: boolean; readonly lines: readonly string[] }
  | { readonly id: number; readonly crash: string };

parentPort?.on('message', (req: CheckRequest) => {
  checkRules(req.file, true).then(
    (out) => parentPort?.postMessage({ id: req.id, ok: out.ok, lines: out.lines } satisfies CheckAnswer),
    (e: unknown) =>
      parentPort?.postMessage({
        id: req.id,
        crash: e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e),
      } satisfies CheckAnswer),
  );
});

// The walls between folders (eslint.config.js, DESIGN.md §3), proved on snippets linted as if they
// were files of each folder: every forbidden import is reported, and the imports that folder may make
// are not. ESLint's Node API with the project's own config, only the walls' rule and without type
// information (the snippets are in no TypeScript project).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

// dist/test/lint/ → the project folder, where eslint.config.js is.
const ROOT = resolve(import.meta.dirname, '..', '..', '..');

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false } } }],
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});

/** The wall messages for `code` linted as the file `path`. */
async function violations(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath: resolve(ROOT, path) });
  assert.ok(result, `no lint result for ${path}`);
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `${path} did not parse`);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

/** Each case: a file of the folder, and imports it may not make / may make. */
interface Wall {
  readonly file: string;
  readonly forbidden: readonly string[];
  readonly allowed: readonly string[];
}

const WALLS: Record<string, Wall> = {
  'the rules front end (config/)': {
    file: 'src/config/probe.ts',
    forbidden: [
      "import { Daemon } from '../daemon/daemon.js';",
      "import { runProgram } from '../actions/run.js';",
      "import { startAlerts } from '../alerts/index.js';",
      "import { AlertQueue } from '../alerts/queue.js';",
      "import { send } from '../alerts/channels/mail/send.js';",
      "import { startHttpServer } from '../http/server.js';",
      "import { checkRules } from '../cli/check.js';",
      "import { readProcStat } from '../process/proc-stat.js';",
      "import { step } from '../state/machine.js';",
      "import type { RunnerStatus } from '../daemon/service-runner.js';",
      "import { portCheck } from '../checks/port/check.js';",
      "import { probe } from '../checks/mqtt/probe.js';",
      "import { syntax } from '../checks/mqtt/syntax.js';",
      "import { portCheck } from '../checks/port.js';",
      "import pino from 'pino';",
      "import { execa } from 'execa';",
      "export { Daemon } from '../daemon/daemon.js';",
    ],
    allowed: [
      "import { systemClock } from '../util/clock.js';",
      "import { BwError } from '../errors.js';",
      "import { portSyntax } from '../checks/port/syntax.js';",
      "import { KINDS } from '../checks/registry.js';",
      "import type { KindSyntax } from '../checks/kind.js';",
      "import type { Check } from '../checks/types.js';",
      "import { FAILURE_CLASSES } from '../checks/result.js';",
      "import { mailSyntax } from '../alerts/channels/mail/syntax.js';",
      "import { checkUrl } from '../alerts/channels/url-syntax.js';",
      "import { CHANNELS } from '../alerts/channels/registry.js';",
      "import type { ChannelSyntax } from '../alerts/channels/contract.js';",
      "import { lex } from './lexer.js';",
      "import { validate } from 'node-cron';",
      "import { readFile } from '../util/fs-async.js';",
      // The registry's way to a runtime half.
      "export const load = () => import('../checks/port/check.js');",
    ],
  },
  'the state machine (state/)': {
    file: 'src/state/probe.ts',
    forbidden: [
      "import { readFileSync } from 'node:fs';",
      "import { setTimeout } from 'node:timers/promises';",
      "import pidusage from 'pidusage';",
      "import { runProgram } from '../actions/run.js';",
      "import { startAlerts } from '../alerts/index.js';",
      "import { startHttpServer } from '../http/server.js';",
      "import { Daemon } from '../daemon/daemon.js';",
      "import { readProcStat } from '../process/proc-stat.js';",
      "import { runDaemon } from '../cli/run-daemon.js';",
      "import { portCheck } from '../checks/port/check.js';",
      "import { portCheck } from '../checks/port.js';",
      "import type { ProbeResult } from '../checks/mqtt/probe.js';",
    ],
    allowed: [
      "import type { Readable } from 'node:stream';",
      "import type { Service } from '../config/model.js';",
      "import { DEFAULT_PROGRAM_TIMEOUT_MS } from '../config/model.js';",
      "import { FAILURE_CLASSES } from '../checks/result.js';",
      "import type { KindSyntax } from '../checks/kind.js';",
      "import type { Clock } from '../util/clock.js';",
      "import { decide } from './rules.js';",
    ],
  },
  'checks (checks/)': {
    file: 'src/checks/port/check.ts',
    forbidden: [
      "import { runProgram } from '../../actions/run.js';",
      "import { startAlerts } from '../../alerts/index.js';",
      "import type { ServiceDto } from '../../http/dto.js';",
      "import { Daemon } from '../../daemon/daemon.js';",
      "import { checkRules } from '../../cli/check.js';",
    ],
    allowed: [
      "import { connect } from 'mqtt';",
      "import { readProcStat } from '../../process/proc-stat.js';",
      "import type { Rule } from '../../config/model.js';",
      "import { probe } from '../mqtt/probe.js';",
      "import type { Check } from '../types.js';",
      "import { createConnection } from 'node:net';",
    ],
  },
  "a protocol's syntax (checks/port/protocols/*/syntax.ts)": {
    file: 'src/checks/port/protocols/http/syntax.ts',
    forbidden: [
      "import { probe } from './check.js';",
      "import { withConnection } from '../connection.js';",
      "import { mqttProbe } from '../../../mqtt/probe.js';",
      "import { request } from 'node:http';",
      "import { connect } from 'node:tls';",
      "import { connect } from 'mqtt';",
      "import { Daemon } from '../../../../daemon/daemon.js';",
    ],
    allowed: [
      "import type { ProtocolSyntax } from '../types.js';",
      "import type { PortCondition } from '../../syntax.js';",
      "import { operatorOrEqual } from '../../../../config/units.js';",
      "export const load = () => import('./check.js');",
    ],
  },
  'the HTTP server (http/)': {
    file: 'src/http/probe.ts',
    forbidden: [
      "import { runProgram } from '../actions/run.js';",
      "import type { ActionResult } from '../actions/run.js';",
      "import { ProcessControl } from '../daemon/process-control.js';",
    ],
    allowed: [
      "import type { Daemon } from '../daemon/daemon.js';",
      "import type { RunnerStatus } from '../daemon/service-runner.js';",
      "import type { ServiceDto } from '../api/contract.js';",
      "import fastify from 'fastify';",
    ],
  },
  'the CLI (cli/)': {
    file: 'src/cli/verbs.ts',
    forbidden: [
      "import { Daemon } from '../daemon/daemon.js';",
      "import { runDaemon } from './run-daemon.js';",
      "export { runDaemon } from './run-daemon.js';",
      "import type { ServiceDto } from '../http/dto.js';",
      "import { statusTextAll } from '../http/monit-text.js';",
      "import { startAlerts } from '../alerts/index.js';",
      "import type { ServiceStatus } from '../state/types.js';",
      "import { createLogger } from 'pino';",
      "import fastify from 'fastify';",
    ],
    allowed: [
      "import type { StatusDto } from '../api/contract.js';",
      "import { statusTextAll } from '../api/monit-text.js';",
      "import { loadRules } from '../config/loader.js';",
      "import { DaemonClient } from './client.js';",
      "import { BwError } from '../errors.js';",
      "import { VERSION } from '../util/version.js';",
      "import { Command } from 'commander';",
      "const { runDaemon } = await import('./run-daemon.js');",
    ],
  },
  'the daemon entry (cli/run-daemon.ts)': {
    file: 'src/cli/run-daemon.ts',
    forbidden: [
      "import { startHttpServer } from '../http/listeners.js';",
      "import { buildApp } from '../http/server.js';",
    ],
    allowed: [
      "import { Daemon } from '../daemon/daemon.js';",
      "import { startAlerts } from '../alerts/index.js';",
      "import type { HttpServer } from '../http/listeners.js';",
      "const { startHttpServer } = await import('../http/listeners.js');",
      "import { createLogger } from '../util/logger.js';",
    ],
  },
  'the API contract (api/)': {
    file: 'src/api/probe.ts',
    forbidden: [
      "import { eventTypeOf } from '../state/conditions.js';",
      "import { serviceDto } from '../http/dto.js';",
      "import { hostname } from 'node:os';",
      "import fastify from 'fastify';",
    ],
    allowed: [
      "import type { ServiceStatus } from '../state/types.js';",
      "import type { EventType } from '../config/model.js';",
      "import type { StatusDto } from './contract.js';",
    ],
  },
  'helpers (util/)': {
    file: 'src/util/probe.ts',
    forbidden: [
      "import { loadRules } from '../config/loader.js';",
      "import { BwError } from '../errors.js';",
      "import { Daemon } from '../daemon/daemon.js';",
    ],
    allowed: [
      "import type { Config } from '../config/model.js';",
      "import { systemClock } from './clock.js';",
      "import pino from 'pino';",
      "import { readFileSync } from 'node:fs';",
    ],
  },
};

void describe('the walls between folders', () => {
  for (const [name, wall] of Object.entries(WALLS)) {
    void test(`${name}: forbidden imports are reported`, async () => {
      for (const code of wall.forbidden) {
        const found = await violations(wall.file, code);
        assert.ok(found.length > 0, `${wall.file}: \`${code}\` was not reported`);
      }
    });
    void test(`${name}: its legal imports are not`, async () => {
      for (const code of wall.allowed) {
        assert.deepEqual(await violations(wall.file, code), [], `${wall.file}: \`${code}\` was reported`);
      }
    });
  }

  void test('node:fs/promises is reported in the program (util/fs-async.ts instead), a type from it and tests are not', async () => {
    const lint = new ESLint({
      cwd: ROOT,
      overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false } } }],
      ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-syntax',
    });
    const messages = async (path: string, code: string): Promise<string[]> => {
      const [result] = await lint.lintText(`${code}\n`, { filePath: resolve(ROOT, path) });
      return (result?.messages ?? []).map((m) => m.message);
    };
    for (const code of ["import { readFile } from 'node:fs/promises';", "import { stat } from 'fs/promises';"])
      assert.match((await messages('src/daemon/probe.ts', code)).join(), /util\/fs-async\.ts/, code);
    assert.deepEqual(await messages('src/daemon/probe.ts', "import type { FileHandle } from 'node:fs/promises';"), []);
    assert.deepEqual(await messages('test/daemon/probe.test.ts', "import { readFile } from 'node:fs/promises';"), []);
  });

  void test('the walls do not reach tests, benches and the demo', async () => {
    assert.deepEqual(
      await violations('test/cli/probe.test.ts', "import { Daemon } from '../../src/daemon/daemon.js';"),
      [],
    );
    assert.deepEqual(await violations('bench/probe.ts', "import { runDaemon } from '../src/cli/run-daemon.js';"), []);
  });
});

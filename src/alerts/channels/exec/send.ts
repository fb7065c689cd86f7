// Exec: a program run with monit's environment (MONIT_SERVICE, MONIT_EVENT, MONIT_DESCRIPTION,
// MONIT_DATE, MONIT_HOST and BROKERWATCH_* twins), so existing monit alert scripts work as they
// are, plus BROKERWATCH_STATE/ACTION/CLASS/ALERT_ID for new ones. Exit status 0 is delivery.
import { programEnv } from '../../../actions/env.js';
import { runCommand } from '../../../actions/run.js';
import { DEFAULT_PROGRAM_TIMEOUT_MS } from '../../../config/model.js';
import { alertVars } from '../../alert-text.js';
import type { Send } from '../contract.js';
import type { ExecTarget } from './syntax.js';

/** Runs the exec target's program for one alert. */
export const send: Send<ExecTarget> = async (target, alert, _env, signal) => {
  const v = alertVars(alert);
  const e = alert.event;
  const env = {
    ...programEnv({
      service: v.SERVICE,
      event: v.EVENT,
      description: v.DESCRIPTION,
      date: new Date(e.time),
      host: alert.host,
    }),
    BROKERWATCH_EVENT_TYPE: e.type,
    BROKERWATCH_STATE: e.state,
    BROKERWATCH_ACTION: e.action,
    BROKERWATCH_CLASS: e.class ?? '',
    BROKERWATCH_ALERT_ID: alert.id,
    BROKERWATCH_ALERT_KIND: alert.kind,
  };
  const r = await runCommand(target.command, { env, signal, defaultTimeoutMs: DEFAULT_PROGRAM_TIMEOUT_MS });
  if (r.failed)
    throw new Error(
      `${target.command.argv[0] ?? 'exec'}: ${r.error ?? 'failed'}${r.output ? `: ${r.output.trim().slice(-200)}` : ''}`,
    );
};

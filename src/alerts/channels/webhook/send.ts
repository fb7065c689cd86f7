// Webhook: the alert as JSON in a POST; `slack` sends a Slack-compatible body (text and an
// attachment) that Slack, Mattermost and Rocket.Chat incoming webhooks take. Any answer but 2xx is
// a failure and is retried. Errors never name the URL: a Slack webhook's path is its secret.
import { alertDocument, alertVars } from '../../alert-text.js';
import type { Alert } from '../../types.js';
import type { Send } from '../contract.js';
import type { WebhookTarget } from './syntax.js';

/** Slack's incoming-webhook body for an alert. */
export function slackBody(alert: Alert, httpUrl?: string): Record<string, unknown> {
  const e = alert.event;
  const v = alertVars(alert);
  const color = e.state === 'failed' ? 'danger' : e.state === 'succeeded' ? 'good' : 'warning';
  const field = (title: string, value: string): Record<string, unknown> => ({ title, value, short: true });
  return {
    text: `[${v.HOST}] ${v.SERVICE}: ${v.EVENT}${e.class ? ` (${e.class})` : ''}`,
    attachments: [
      {
        color,
        fallback: `${v.SERVICE}: ${v.EVENT}: ${v.DESCRIPTION}`,
        title: `${v.EVENT}: ${v.SERVICE}`,
        ...(httpUrl ? { title_link: httpUrl } : {}),
        text: v.DESCRIPTION,
        fields: [
          field('Host', v.HOST),
          field('State', e.state),
          field('Action', v.ACTION),
          ...(e.class ? [field('Class', e.class)] : []),
        ],
        footer: 'brokerwatch',
        ts: Math.floor(e.time / 1000),
      },
    ],
  };
}

/** POSTs one alert to the webhook target. */
export const send: Send<WebhookTarget> = async (target, alert, env, signal) => {
  const body = target.slack ? slackBody(alert, env.httpUrl) : alertDocument(alert, env.httpUrl);
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'brokerwatch', 'idempotency-key': alert.id },
      body: JSON.stringify(body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(target.timeoutMs)]),
      redirect: 'manual',
    });
  } catch (err) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const why =
      (err as Error).name === 'TimeoutError'
        ? `no answer within ${target.timeoutMs} ms`
        : cause instanceof Error
          ? cause.message
          : (err as Error).message;
    throw new Error(`webhook POST failed: ${why}`);
  }
  // Read the body so the connection is released, and keep a little of it for the log.
  const text = await res.text().catch(() => '');
  if (res.status < 200 || res.status > 299)
    throw new Error(`webhook answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
};

// Webhook: the alert as JSON in a POST; `slack` sends a Slack-compatible body (text and an
// attachment) that Slack, Mattermost and Rocket.Chat incoming webhooks take. Any answer but 2xx is
// a failure and is retried. Errors never name the URL: a Slack webhook's path is its secret.
import { postJson } from '../post-json.js';
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
  const res = await postJson('webhook', target.url, { 'idempotency-key': alert.id }, body, target.timeoutMs, signal);
  if (res.status < 200 || res.status > 299)
    throw new Error(`webhook answered HTTP ${res.status}${res.text ? `: ${res.text}` : ''}`);
};

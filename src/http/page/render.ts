// The web status page, rendered on the server from the same DTOs as the JSON API (so it shows only
// what the API may show: messages scrubbed of secrets, no Service object ever serialized). Plain HTML
// that reads without JavaScript and without the stylesheet; the script only refreshes it. Action
// buttons are POST forms with a CSRF token, rendered only for users who may act.
import type { EventDto, ServiceDto, StatusDto } from '../dto.js';
import type { LatencySeries } from '../latency-history.js';
import { formatMs, latencyChart, summarize } from './chart.js';
import { escapeHtml as h, formatClock, formatDuration, formatTime } from './html.js';

/** Who is looking: admins get buttons, read-only users and network clients do not. */
export interface Viewer {
  readonly user?: string;
  readonly readOnly: boolean;
}

/** Everything the page shows. */
export interface PageData {
  readonly status: StatusDto;
  /** Newest first. */
  readonly events: readonly EventDto[];
  readonly charts: ReadonlyMap<string, LatencySeries>;
  readonly viewer: Viewer;
  /** Set for viewers who may act. */
  readonly csrf?: string;
  /** A line at the top, e.g. after an action. */
  readonly notice?: { readonly kind: 'ok' | 'error'; readonly text: string };
  readonly now: number;
  readonly assets: { readonly css: string; readonly js: string; readonly icon: string };
}

/** The badge of a service: its word and its colour class. */
export function badge(s: ServiceDto, now: number): { text: string; cls: 'ok' | 'failed' | 'busy' | 'off' } {
  if (s.action) return { text: `${s.action === 'stop' ? 'stopping' : s.action === 'start' ? 'starting' : 'restarting'}…`, cls: 'busy' };
  if (s.monitor === 'not-monitored') return { text: 'not monitored', cls: 'off' };
  if (s.backoff.gaveUp) return { text: 'gave up', cls: 'failed' };
  if (s.pending) return { text: `${s.pending.action} in ${formatDuration(Math.max(0, (s.pending.dueAt - now) / 1000))}`, cls: 'busy' };
  if (s.status === 'failed') return { text: 'failed', cls: 'failed' };
  if (s.monitor === 'initializing') return { text: 'initializing', cls: 'off' };
  if (s.status === 'ok') return { text: s.monitor === 'waiting' ? 'ok (waiting)' : 'ok', cls: 'ok' };
  return { text: 'unknown', cls: 'off' };
}

const PROBE_LABELS: ReadonlyArray<readonly [string, string]> = [
  ['connectMs', 'connect'],
  ['subscribeMs', 'subscribe'],
  ['publishAckMs', 'publish'],
  ['deliveryMs', 'delivery'],
  ['responseMs', 'response'],
];

function bytes(v: number): string {
  if (v >= 1024 ** 3) return `${(v / 1024 ** 3).toFixed(1)} GB`;
  if (v >= 1024 ** 2) return `${(v / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.round(v / 1024)} kB`;
}

function ago(now: number, t: number | null): string {
  if (t === null) return '–';
  const s = Math.max(0, (now - t) / 1000);
  return s < 1 ? 'just now' : `${formatDuration(s)} ago`;
}

/** Action buttons of one service, as small POST forms. */
function actions(s: ServiceDto, csrf: string): string {
  const list: Array<[string, string, boolean]> = [];
  if (s.type === 'process') list.push(['restart', 'Restart', true], ['start', 'Start', false], ['stop', 'Stop', true]);
  list.push(s.monitor === 'not-monitored' ? ['monitor', 'Monitor', false] : ['unmonitor', 'Unmonitor', false]);
  const url = (a: string): string => `/actions/${encodeURIComponent(s.name)}/${a}`;
  return list
    .map(
      ([a, label, confirm]) =>
        `<form method="post" action="${h(url(a))}" class="act"><input type="hidden" name="csrf" value="${h(csrf)}"><button type="submit" name="action" value="${a}" data-service="${h(s.name)}"${confirm ? ` data-confirm="${h(`${label} ${s.name}?`)}"` : ''}>${label}</button></form>`,
    )
    .join('');
}

function serviceRow(s: ServiceDto, data: PageData): string {
  const b = badge(s, data.now);
  const f = s.failure;
  const failure = f ? `<span class="class">${h(f.class ?? f.type)}</span> ${h(f.message)}` : '';
  const probe = PROBE_LABELS.flatMap(([k, label]) => (s.probe[k] === undefined ? [] : [`${label} ${formatMs(s.probe[k] ?? 0)}`])).join(' · ');
  const cpu = s.cpuPercent === null ? '–' : `${s.cpuPercent.toFixed(1)} %`;
  const mem = s.memoryBytes !== null ? bytes(s.memoryBytes) : s.memoryPercent !== null ? `${s.memoryPercent.toFixed(1)} %` : '–';
  const cells = [
    `<th scope="row"><span class="name">${h(s.name)}</span> <span class="type">${h(s.type)}</span></th>`,
    `<td><span class="badge ${b.cls}">${h(b.text)}</span></td>`,
    `<td class="failure">${failure}</td>`,
    `<td class="num">${s.pid ?? '–'}</td>`,
    `<td class="num">${s.uptimeSeconds === null ? '–' : formatDuration(s.uptimeSeconds)}</td>`,
    `<td class="num">${s.restarts}</td>`,
    `<td class="num">${cpu}</td>`,
    `<td class="num">${mem}</td>`,
    `<td class="when">${h(ago(data.now, s.lastCheckAt))}</td>`,
    `<td class="probe">${h(probe) || '–'}</td>`,
  ];
  if (data.csrf !== undefined) cells.push(`<td class="actions">${actions(s, data.csrf)}</td>`);
  return `<tr id="svc-${h(s.name)}" data-status="${b.cls}">${cells.join('')}</tr>`;
}

function chartBlock(s: ServiceDto, series: LatencySeries | undefined): string {
  if (!series || series.test === null) return '';
  const sum = summarize(series);
  const words =
    sum.samples === 0
      ? 'no probe in the last hour'
      : `${sum.median === null ? 'no answer' : `median ${formatMs(sum.median)}`}${sum.max === null ? '' : `, max ${formatMs(sum.max)}`}, ${sum.failures} failed of ${sum.samples} probes`;
  return `<figure class="latency" data-service="${h(s.name)}"><figcaption><b>${h(s.name)}</b> <span class="test">${h(series.test)}</span> — ${h(words)}</figcaption>${latencyChart(series, `Probe latency of ${s.name} over the last hour`)}</figure>`;
}

function eventRow(e: EventDto): string {
  const cls = e.state === 'failed' ? 'failed' : e.state === 'succeeded' ? 'ok' : 'off';
  return `<tr><td><time datetime="${new Date(e.time).toISOString()}">${formatClock(e.time)}</time></td><td>${h(e.service)}</td><td>${h(e.type)}</td><td><span class="badge ${cls}">${h(e.state)}</span></td><td>${h(e.action)}</td><td>${e.class ? h(e.class) : ''}</td><td class="msg">${h(e.message)}</td></tr>`;
}

/** Services shown with a chart; beyond this many, only failing ones get one (the page stays small). */
const MAX_CHARTS = 50;

/** The whole page. */
export function renderPage(data: PageData): string {
  const { status, now } = data;
  const d = status.daemon;
  const svcs = status.services;
  const count = (cls: string): number => svcs.filter((s) => badge(s, now).cls === cls).length;
  const viewer = data.viewer.user ? `${data.viewer.user}${data.viewer.readOnly ? ' (read-only)' : ''}` : 'read-only (network)';
  const head = data.csrf !== undefined ? '<th>actions</th>' : '';
  const charted = svcs.filter((s, i) => i < MAX_CHARTS || badge(s, now).cls === 'failed');
  const charts = charted.map((s) => chartBlock(s, data.charts.get(s.name))).filter(Boolean);
  const reload =
    data.csrf !== undefined
      ? `<form method="post" action="/actions/reload" class="act"><input type="hidden" name="csrf" value="${h(data.csrf)}"><button type="submit" data-confirm="Reload the rules file?">Reload rules</button></form>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${count('failed') > 0 ? `(${count('failed')} failed) ` : ''}brokerwatch on ${h(d.host)}</title>
<link rel="icon" href="${h(data.assets.icon)}" type="image/svg+xml">
<link rel="stylesheet" href="${h(data.assets.css)}">
<script src="${h(data.assets.js)}" defer></script>
</head>
<body>
<main id="page" data-updated="${now}">
<header>
<h1>brokerwatch <span class="host">on ${h(d.host)}</span></h1>
<p class="meta">version ${h(d.version)} · up ${formatDuration(d.uptimeSeconds)} · cycle ${d.cycleSeconds} s · rules <code>${h(d.rulesFile)}</code> · signed in as ${h(viewer)} · updated <time datetime="${new Date(now).toISOString()}">${formatTime(now)}</time> <span id="refresh"></span></p>
${reload}
</header>
${data.notice ? `<p class="notice ${data.notice.kind}" role="status">${h(data.notice.text)}</p>` : ''}
<section aria-labelledby="services-h">
<h2 id="services-h">Services <span class="counts"><span class="badge ok">${count('ok')} ok</span> <span class="badge failed">${count('failed')} failed</span> <span class="badge busy">${count('busy')} busy</span> <span class="badge off">${count('off')} other</span></span></h2>
<div class="scroll"><table class="services">
<thead><tr><th>service</th><th>status</th><th>failure</th><th>pid</th><th>uptime</th><th>restarts</th><th>cpu</th><th>memory</th><th>last check</th><th>probe</th>${head}</tr></thead>
<tbody>
${svcs.map((s) => serviceRow(s, data)).join('\n') || `<tr><td colspan="${data.csrf !== undefined ? 11 : 10}">no services in the rules file</td></tr>`}
</tbody>
</table></div>
</section>
<section aria-labelledby="latency-h">
<h2 id="latency-h">Probe latency, last hour</h2>
<p class="legend"><span class="key avg"></span> average of 30 s <span class="key max"></span> slowest <span class="key fail"></span> failed probe</p>
${charts.length ? `<div class="charts">\n${charts.join('\n')}\n</div>` : '<p>No service has a port or MQTT test.</p>'}
${charted.length < svcs.length ? `<p>${svcs.length - charted.length} more services have charts in <a href="/metrics">/metrics</a> (brokerwatch_check_duration_seconds).</p>` : ''}
</section>
<section aria-labelledby="events-h">
<h2 id="events-h">Recent events</h2>
<div class="scroll"><table class="events">
<thead><tr><th>time</th><th>service</th><th>event</th><th>state</th><th>action</th><th>class</th><th>message</th></tr></thead>
<tbody>
${data.events.map(eventRow).join('\n') || '<tr><td colspan="7">no events yet</td></tr>'}
</tbody>
</table></div>
</section>
<footer><a href="/api/v1/status">/api/v1/status</a> · <a href="/api/v1/events">/api/v1/events</a> · <a href="/metrics">/metrics</a> · <a href="/api/v1/openapi.json">OpenAPI</a> · <a href="/_status">monit status</a></footer>
</main>
</body>
</html>
`;
}

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
  readonly assets: { readonly css: string; readonly js: string; readonly icon: string; readonly iconFailed: string };
}

/** The badge of a service: its word and its colour class. */
export function badge(s: ServiceDto, now: number): { text: string; cls: 'ok' | 'failed' | 'busy' | 'off' } {
  if (s.action)
    return {
      text: `${s.action === 'stop' ? 'stopping' : s.action === 'start' ? 'starting' : 'restarting'}…`,
      cls: 'busy',
    };
  if (s.monitor === 'not-monitored') return { text: 'not monitored', cls: 'off' };
  if (s.backoff.gaveUp)
    return {
      text:
        s.backoff.retryAt !== null && s.backoff.retryAt > now
          ? `gave up · retry in ${formatDuration((s.backoff.retryAt - now) / 1000)}`
          : 'gave up',
      cls: 'failed',
    };
  if (s.pending)
    return {
      text: `${s.pending.action} in ${formatDuration(Math.max(0, (s.pending.dueAt - now) / 1000))}`,
      cls: 'busy',
    };
  if (s.status === 'failed') return { text: 'failed', cls: 'failed' };
  if (s.monitor === 'initializing') return { text: 'initializing', cls: 'off' };
  if (s.status === 'ok') return { text: s.monitor === 'waiting' ? 'ok (waiting)' : 'ok', cls: 'ok' };
  return { text: 'unknown', cls: 'off' };
}

const PROBE_LABELS: ReadonlyArray<readonly [string, string]> = [
  ['connectMs', 'connect'],
  ['tlsMs', 'TLS'],
  ['subscribeMs', 'subscribe'],
  ['publishAckMs', 'publish'],
  ['deliveryMs', 'delivery'],
  ['requestMs', 'request'],
  ['firstByteMs', 'first byte'],
  ['bodyMs', 'body'],
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

/**
 * The process actions a service is offered: a running one Restart and Stop, a stopped one Start
 * (restarting it would only start it), one not looked at yet Restart, which does what is needed
 * either way. Running means brokerwatch identified its process (a pid).
 */
export function processActions(
  s: Pick<ServiceDto, 'type' | 'pid' | 'lastCheckAt'>,
): Array<'restart' | 'start' | 'stop'> {
  if (s.type !== 'process') return [];
  if (s.pid !== null) return ['restart', 'stop'];
  return s.lastCheckAt !== null ? ['start'] : ['restart'];
}

const LABELS = { restart: 'Restart', start: 'Start', stop: 'Stop' } as const;

/** Action buttons of one service: submit buttons of the page's one form (its CSRF token is there). */
function actions(s: ServiceDto): string {
  const list: Array<[string, string, boolean]> = processActions(s).map((a) => [a, LABELS[a], a !== 'start']);
  list.push(s.monitor === 'not-monitored' ? ['monitor', 'Monitor', false] : ['unmonitor', 'Unmonitor', false]);
  const url = (a: string): string => `/actions/${encodeURIComponent(s.name)}/${a}`;
  return list
    .map(
      ([a, label, confirm]) =>
        `<button type="submit" form="act" formaction="${h(url(a))}" value="${a}" data-service="${h(s.name)}"${confirm ? ` data-confirm="${h(`${label} ${s.name}?`)}"` : ''}>${label}</button>`,
    )
    .join(' ');
}

/** A service's rules and their last samples, folded (monit's per-test lines). */
function rules(s: ServiceDto): string {
  if (s.checks.length === 0) return '';
  const rows = s.checks
    .map(
      (c) =>
        `<tr><td>${h(c.rule)}</td><td>${h(c.test)}${c.target ? ` ${h(c.target)}` : ''}${c.protocol ? ` ${h(c.protocol)}` : ''}</td><td>${h(c.phase === 'failed' ? 'failed' : c.status)}</td><td>${h(c.message)}</td></tr>`,
    )
    .join('');
  return `<details class="rules"><summary>${s.checks.length} rule${s.checks.length === 1 ? '' : 's'}</summary><table><tbody>${rows}</tbody></table></details>`;
}

/** What a system, filesystem or network service read in its last cycle, folded like the rules. */
function readings(s: ServiceDto): string {
  const facts = Object.entries(s.facts ?? {});
  if (facts.length === 0) return '';
  const show = (v: number | string | null): string =>
    v === null ? '–' : typeof v === 'number' ? String(Math.round(v * 100) / 100) : v;
  const rows = facts.map(([k, v]) => `<tr><td>${h(k)}</td><td>${h(show(v))}</td></tr>`).join('');
  return `<details class="rules"><summary>readings</summary><table><tbody>${rows}</tbody></table></details>`;
}

/** The host's cpu, memory and uptime for the columns every service has (a system service). */
function hostColumns(s: ServiceDto): { cpu?: string; mem?: string; uptime?: string } {
  const f = s.facts;
  if (s.type !== 'system' || !f) return {};
  const n = (k: string): number | undefined => (typeof f[k] === 'number' ? f[k] : undefined);
  const cpu = n('cpuUsage');
  const mem = n('memoryPercent');
  const up = n('uptimeSeconds');
  return {
    ...(cpu !== undefined ? { cpu: `${cpu.toFixed(1)} %` } : {}),
    ...(mem !== undefined ? { mem: `${mem.toFixed(1)} %` } : {}),
    ...(up !== undefined ? { uptime: formatDuration(up) } : {}),
  };
}

function serviceRow(s: ServiceDto, data: PageData): string {
  const b = badge(s, data.now);
  const f = s.failure;
  const since = f?.since ? ` <span class="since">for ${formatDuration((data.now - f.since) / 1000)}</span>` : '';
  const failure = f ? `<span class="class">${h(f.class ?? f.type)}</span>${since} ${h(f.message)}` : '';
  // Step times are whole milliseconds.
  const probe = PROBE_LABELS.flatMap(([k, label]) =>
    s.probe[k] === undefined ? [] : [`${label} ${Math.round(s.probe[k] ?? 0)} ms`],
  ).join(' · ');
  const host = hostColumns(s);
  const cpu = host.cpu ?? (s.cpuPercent === null ? '–' : `${s.cpuPercent.toFixed(1)} %`);
  const mem =
    host.mem ??
    (s.memoryBytes !== null
      ? bytes(s.memoryBytes)
      : s.memoryPercent !== null
        ? `${s.memoryPercent.toFixed(1)} %`
        : '–');
  const uptime = host.uptime ?? (s.uptimeSeconds === null ? '–' : formatDuration(s.uptimeSeconds));
  // data-label: the column's name, which a narrow screen shows beside each value (the table becomes
  // one card per service there, see page.css).
  const cells = [
    `<th scope="row"><span class="name">${h(s.name)}</span> <span class="type">${h(s.type)}</span>${rules(s)}${readings(s)}</th>`,
    `<td class="status"><span class="badge ${b.cls}">${h(b.text)}</span></td>`,
    `<td class="failure${failure ? '' : ' none'}" data-label="failure">${failure}</td>`,
    `<td class="num pid" data-label="pid">${s.pid ?? '–'}</td>`,
    `<td class="num" data-label="uptime">${uptime}</td>`,
    `<td class="num" data-label="restarts">${s.restarts}</td>`,
    `<td class="num" data-label="cpu">${cpu}</td>`,
    `<td class="num" data-label="memory">${mem}</td>`,
    `<td class="when" data-label="last check">${h(ago(data.now, s.lastCheckAt))}</td>`,
    `<td class="probe" data-label="probe">${h(probe) || '–'}</td>`,
  ];
  if (data.csrf !== undefined) cells.splice(2, 0, `<td class="actions">${actions(s)}</td>`);
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

function eventRow(e: EventDto, now: number): string {
  const cls = e.state === 'failed' ? 'failed' : e.state === 'succeeded' ? 'ok' : 'off';
  // Today's events need no date; events kept from before a restart may be days old.
  const today = new Date(e.time).toDateString() === new Date(now).toDateString();
  return `<tr><td><time datetime="${new Date(e.time).toISOString()}" title="${formatTime(e.time)}">${today ? formatClock(e.time) : formatTime(e.time)}</time></td><td>${h(e.service)}</td><td>${h(e.type)}</td><td><span class="badge ${cls}">${h(e.state)}</span></td><td>${h(e.action)}</td><td>${e.class ? h(e.class) : ''}</td><td class="msg">${h(e.message)}</td></tr>`;
}

/** Services shown with a chart; beyond this many, only failing ones get one (the page stays small). */
const MAX_CHARTS = 50;

/** The services that get a chart: the first 50, and every failing one after them. */
export function chartedServices(svcs: readonly ServiceDto[], now: number): ServiceDto[] {
  return svcs.filter((s, i) => i < MAX_CHARTS || badge(s, now).cls === 'failed');
}

/** The whole page. */
export function renderPage(data: PageData): string {
  const { status, now } = data;
  const d = status.daemon;
  const svcs = status.services;
  const count = (cls: string): number => svcs.filter((s) => badge(s, now).cls === cls).length;
  // Down is down, whether brokerwatch is waiting for its backoff or restarting it.
  const down = svcs.filter((s) => s.status === 'failed' && s.monitor !== 'not-monitored').length;
  const countBadge = (cls: string, n: number, word: string): string =>
    `<span class="badge ${n > 0 ? cls : 'off'}">${n} ${word}</span>`;
  const viewer = data.viewer.user
    ? `${data.viewer.user}${data.viewer.readOnly ? ' (read-only)' : ''}`
    : 'read-only (network)';
  const head = data.csrf !== undefined ? '<th>actions</th>' : '';
  const signIn = data.viewer.user === undefined ? ' · <a href="/login">sign in to act</a>' : '';
  const charted = chartedServices(svcs, now);
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
<title>${down > 0 ? `(${down} failed) ` : ''}brokerwatch on ${h(d.host)}</title>
<link rel="icon" href="${h(down > 0 ? data.assets.iconFailed : data.assets.icon)}" type="image/svg+xml">
<link rel="stylesheet" href="${h(data.assets.css)}">
<script src="${h(data.assets.js)}" defer></script>
<noscript><meta http-equiv="refresh" content="30;url=/"></noscript>
</head>
<body>
<main id="page" data-updated="${now}">
<header>
<h1>brokerwatch <span class="host">on ${h(d.host)}</span></h1>
<p class="meta">version ${h(d.version)} · up ${formatDuration(d.uptimeSeconds)} · cycle ${d.cycleSeconds} s · rules <code>${h(d.rulesFile)}</code> · signed in as ${h(viewer)}${signIn} · updated <time datetime="${new Date(now).toISOString()}">${formatTime(now)}</time> <span id="refresh"></span></p>
${reload}
</header>
${data.notice ? `<p class="notice ${data.notice.kind}" role="status">${h(data.notice.text)}</p>` : ''}
<section aria-labelledby="services-h">
<h2 id="services-h">Services <span class="counts">${countBadge('ok', count('ok'), 'ok')} ${countBadge('failed', count('failed'), 'failed')} ${countBadge('busy', count('busy'), 'busy')} ${countBadge('off', count('off'), 'other')}</span></h2>
${data.csrf !== undefined ? `<form id="act" method="post" action="/"><input type="hidden" name="csrf" value="${h(data.csrf)}"></form>` : ''}
<div class="scroll"><table class="services">
<thead><tr><th>service</th><th>status</th>${head}<th>failure</th><th>pid</th><th>uptime</th><th>restarts</th><th>cpu</th><th>memory</th><th>last check</th><th>probe</th></tr></thead>
<tbody>
${svcs.map((s) => serviceRow(s, data)).join('\n') || `<tr><td colspan="${data.csrf !== undefined ? 11 : 10}">no services in the rules file</td></tr>`}
</tbody>
</table></div>
</section>
<section aria-labelledby="latency-h">
<h2 id="latency-h">Probe latency, last hour</h2>
<p class="legend"><span class="key avg"></span> average of 30 s <span class="key max"></span> slowest <span class="key fail"></span> failed probe</p>
${charts.length ? `<div class="charts">\n${charts.join('\n')}\n</div>` : '<p>No service has a port or MQTT test.</p>'}
${charted.length < svcs.length ? `<p>Charts for ${svcs.length - charted.length} more services are left out here (only failing ones beyond the first ${MAX_CHARTS}); their probe times are in <a href="/metrics">/metrics</a> as brokerwatch_check_duration_seconds.</p>` : ''}
</section>
<section aria-labelledby="events-h">
<h2 id="events-h">Recent events</h2>
<div class="scroll"><table class="events">
<thead><tr><th>time</th><th>service</th><th>event</th><th>state</th><th>action</th><th>class</th><th>message</th></tr></thead>
<tbody>
${data.events.map((e) => eventRow(e, now)).join('\n') || '<tr><td colspan="7">no events yet</td></tr>'}
</tbody>
</table></div>
</section>
<footer><a href="/api/v1/status">/api/v1/status</a> · <a href="/api/v1/events">/api/v1/events</a> · <a href="/metrics">/metrics</a> · <a href="/api/v1/openapi.json">OpenAPI</a> · <a href="/_status">monit status</a></footer>
</main>
</body>
</html>
`;
}

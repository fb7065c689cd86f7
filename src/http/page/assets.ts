// The page's stylesheet and script, served from /static/ under names that carry a hash of their
// content (cached for good by the browser; a new version gets a new name). Separate files, never
// inline: the page's Content-Security-Policy allows scripts and styles from 'self' only.
import { createHash } from 'node:crypto';

const CSS = `
:root { --ok: #1a7f37; --failed: #cf222e; --busy: #9a6700; --off: #6e7781; --bg: #fff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --row: #f6f8fa; --grid: #e6e9ec; --avg: #0969da; --max: #9ec5f8; color-scheme: light dark; }
@media (prefers-color-scheme: dark) { :root { --ok: #3fb950; --failed: #f85149; --busy: #d29922; --off: #8b949e; --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #30363d; --row: #161b22; --grid: #21262d; --avg: #4493f8; --max: #1f4f8a; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1400px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 22px; margin: 0 0 4px; } h1 .host { color: var(--muted); font-weight: normal; }
h2 { font-size: 17px; margin: 28px 0 10px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
header { display: flex; flex-wrap: wrap; align-items: flex-end; justify-content: space-between; gap: 8px; border-bottom: 1px solid var(--line); padding-bottom: 10px; }
.meta { color: var(--muted); margin: 0; } code { font-size: 13px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); font-weight: 600; }
tbody tr:nth-child(even) { background: var(--row); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.name { font-weight: 600; white-space: nowrap; } .type { color: var(--muted); font-size: 12px; }
.failure { max-width: 380px; } .failure .class { font-family: ui-monospace, monospace; font-size: 12px; color: var(--failed); }
.probe { font-size: 12px; color: var(--muted); min-width: 160px; } td.actions, td.when { white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.badge.ok { background: var(--ok); } .badge.failed { background: var(--failed); } .badge.busy { background: var(--busy); } .badge.off { background: var(--off); }
tr[data-status="failed"] th .name { color: var(--failed); }
.counts { font-weight: normal; display: inline-flex; gap: 4px; }
form.act { display: inline; margin: 0 2px 0 0; }
button { font: inherit; font-size: 12px; padding: 2px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--row); color: var(--fg); cursor: pointer; }
button:hover { border-color: var(--muted); }
button[value="stop"] { color: var(--failed); }
.notice { padding: 8px 12px; border-radius: 6px; border: 1px solid var(--line); margin: 12px 0 0; }
.notice.ok { border-color: var(--ok); } .notice.error { border-color: var(--failed); color: var(--failed); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 600px), 1fr)); gap: 6px 24px; }
figure.latency { margin: 0 0 14px; } figcaption { margin-bottom: 2px; } figcaption .test { color: var(--muted); font-size: 12px; }
svg.chart { max-width: 100%; height: auto; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; }
svg.chart .grid { stroke: var(--grid); stroke-width: 1; }
svg.chart .axis { fill: var(--muted); font-size: 10px; font-family: system-ui, sans-serif; }
svg.chart .avg { fill: none; stroke: var(--avg); stroke-width: 1.5; stroke-linejoin: round; }
svg.chart .avg-dot { fill: var(--avg); }
svg.chart .max { fill: var(--max); }
svg.chart .fail { fill: var(--failed); }
.legend { color: var(--muted); font-size: 12px; } .key { display: inline-block; width: 14px; height: 8px; margin: 0 4px 0 10px; vertical-align: middle; }
.key.avg { background: var(--avg); height: 2px; } .key.max { background: var(--max); } .key.fail { background: var(--failed); }
.events .msg { max-width: 640px; } .events time { font-variant-numeric: tabular-nums; white-space: nowrap; }
main.stale .badge, main.stale svg.chart { filter: grayscale(1); opacity: .55; }
main.stale #refresh { color: var(--failed); font-weight: 600; }
.events td:nth-child(2) { white-space: nowrap; }
.since { color: var(--muted); font-size: 12px; white-space: nowrap; }
details.rules summary { cursor: pointer; color: var(--muted); font-size: 12px; }
details.rules table { margin-top: 4px; font-size: 12px; } details.rules td, details.rules th { padding: 2px 6px; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; } a { color: var(--avg); }
`;

const JS = `'use strict';
// brokerwatch status page: refreshes itself every 5 s while visible (the page works without this).
// A page that could not be refreshed for 15 s says so and greys out: a watchdog's page must never
// look healthy because it stopped updating.
(() => {
  const PERIOD_MS = 5000;
  const STALE_MS = 3 * PERIOD_MS;
  let timer;
  let inFlight = false;
  const page = () => document.getElementById('page');
  const mark = (text) => {
    const el = document.getElementById('refresh');
    if (el) el.textContent = '· ' + text;
  };
  const pad = (n) => String(n).padStart(2, '0');
  // The server's own clock reading, as the page shows its times.
  const clock = (ms) => {
    const d = new Date(ms);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  };
  // Measured on this browser's clock (the server's may differ); the server's time is only shown.
  let lastFresh = Date.now();
  const checkStale = () => {
    const p = page();
    const stale = !!p && Date.now() - lastFresh > STALE_MS;
    if (p) p.classList.toggle('stale', stale);
    if (stale) mark('NOT UPDATED since ' + clock(Number(p.dataset.updated)) + ': brokerwatch does not answer');
    return stale;
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, PERIOD_MS);
  };
  // Someone reading or about to click: do not pull the page from under them.
  const busy = () => {
    const sel = window.getSelection && window.getSelection();
    if (sel && sel.toString() !== '') return true;
    const a = document.activeElement;
    return !!a && a !== document.body && !!page() && page().contains(a) && a.tagName === 'BUTTON';
  };
  async function refresh() {
    if (document.hidden || inFlight) return schedule();
    if (busy()) return schedule();
    inFlight = true;
    try {
      const res = await fetch(location.pathname, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'text/html' }, signal: AbortSignal.timeout(PERIOD_MS) });
      // A new password (a reload of the rules): let the browser ask for it.
      if (res.status === 401) return location.reload();
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      // A new brokerwatch version: load its script and stylesheet too.
      const script = doc.querySelector('script[src]');
      const mine = document.querySelector('script[src]');
      if (script && mine && script.getAttribute('src') !== mine.getAttribute('src')) return location.reload();
      const next = doc.getElementById('page');
      const cur = page();
      if (next && cur) {
        cur.replaceWith(document.adoptNode(next));
        document.title = doc.title;
        const icon = doc.querySelector('link[rel=icon]');
        const myIcon = document.querySelector('link[rel=icon]');
        if (icon && myIcon) myIcon.setAttribute('href', icon.getAttribute('href'));
        lastFresh = Date.now();
      }
      mark('refreshes every 5 s');
    } catch (e) {
      if (!checkStale()) mark('refresh failed (' + (e && e.name === 'TimeoutError' ? 'no answer' : e.message) + '); trying again');
    } finally {
      inFlight = false;
    }
    checkStale();
    schedule();
  }
  // After an action the address carries its notice; a manual reload should not repeat it.
  if (location.search) history.replaceState(null, '', location.pathname);
  document.addEventListener('submit', (ev) => {
    const b = ev.submitter;
    const q = b && b.dataset.confirm;
    if (q && !window.confirm(q)) return ev.preventDefault();
    // One click, one action.
    if (b) setTimeout(() => { b.disabled = true; }, 0);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refresh();
  });
  mark('refreshes every 5 s');
  schedule();
})();
`;

// A dot in a ring: green while every service is fine, red while one fails (the tab tells).
const icon = (colour: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="13" fill="none" stroke="${colour}" stroke-width="4"/><circle cx="16" cy="16" r="6" fill="${colour}"/></svg>`;
const ICON = icon('#1a7f37');
const ICON_FAILED = icon('#cf222e');

const hash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);

/** The files under /static/, by name. */
export const ASSETS: ReadonlyMap<string, { readonly type: string; readonly body: string }> = new Map([
  [`page.${hash(CSS)}.css`, { type: 'text/css; charset=utf-8', body: CSS }],
  [`page.${hash(JS)}.js`, { type: 'text/javascript; charset=utf-8', body: JS }],
  [`icon.${hash(ICON)}.svg`, { type: 'image/svg+xml', body: ICON }],
  [`icon.${hash(ICON_FAILED)}.svg`, { type: 'image/svg+xml', body: ICON_FAILED }],
]);

/** Their URLs, for the page's <link> and <script>. */
export const ASSET_URLS = {
  css: `/static/page.${hash(CSS)}.css`,
  js: `/static/page.${hash(JS)}.js`,
  icon: `/static/icon.${hash(ICON)}.svg`,
  iconFailed: `/static/icon.${hash(ICON_FAILED)}.svg`,
} as const;

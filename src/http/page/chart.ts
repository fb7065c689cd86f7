// The probe-latency chart: inline SVG drawn on the server, no script and no library. The average of
// each 30 s slot is a line (broken where there were no samples), its maximum a faint bar above it
// (a caret at the top when it goes beyond the scale), and a slot with failed probes a red mark along
// the top. Colours come from the page's stylesheet.
import type { LatencySeries } from '../latency-history.js';
import { escapeHtml } from './html.js';

const W = 600;
const H = 120;
const LEFT = 44;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 18;

/** 1, 2, 5 × 10^k at or above `v`. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** `12 ms`, `1.5 ms`, `2.3 s`. */
export function formatMs(v: number): string {
  if (v >= 999.5) return `${(v / 1000).toFixed(v >= 9_950 ? 0 : 1)} s`;
  if (v >= 9.95) return `${Math.round(v)} ms`;
  return `${v.toFixed(1)} ms`;
}

/** Median of the slot averages, the largest maximum and the failure count: the chart in words. */
export function summarize(s: LatencySeries): {
  median: number | null;
  max: number | null;
  failures: number;
  samples: number;
} {
  const avgs = s.points.flatMap((p) => (p.avgMs === null ? [] : [p.avgMs])).sort((a, b) => a - b);
  const maxes = s.points.flatMap((p) => (p.maxMs === null ? [] : [p.maxMs]));
  return {
    median: avgs.length ? (avgs[Math.floor((avgs.length - 1) / 2)] ?? null) : null,
    max: maxes.length ? Math.max(...maxes) : null,
    failures: s.points.reduce((n, p) => n + p.failures, 0),
    samples: s.points.reduce((n, p) => n + p.probes, 0),
  };
}

const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/**
 * The top of the scale: every average fits, and the slowest probes up to their 90th percentile; a
 * rarer spike (a broker's first answer, a start) is drawn up to the top, not allowed to flatten the
 * hour into a line along the bottom. The words above the chart give the real maximum.
 */
export function scaleTop(s: LatencySeries): number {
  const maxes = s.points.flatMap((p) => (p.maxMs === null ? [] : [p.maxMs])).sort((a, b) => a - b);
  const p90 = maxes[Math.floor(0.9 * (maxes.length - 1))] ?? 0;
  return niceCeil(Math.max(1, p90, ...s.points.map((p) => p.avgMs ?? 0)));
}

/** The chart of one service as an `<svg>` element. */
export function latencyChart(s: LatencySeries, title: string): string {
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const top = scaleTop(s);
  const span = Math.max(1, s.to - s.from);
  const x = (t: number): number => LEFT + ((t + s.slotMs / 2 - s.from) / span) * plotW;
  const y = (ms: number): number => TOP + plotH - (Math.min(ms, top) / top) * plotH;
  const slotW = Math.max(1, (s.slotMs / span) * plotW);
  const parts: string[] = [];
  const clipped: number[] = [];
  // Grid: 0, half, top; time ticks every 15 minutes back from now.
  for (const v of [0, top / 2, top]) {
    parts.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${r1(y(v))}" y2="${r1(y(v))}"/>`);
    parts.push(
      `<text class="axis" x="${LEFT - 4}" y="${r1(y(v) + 3)}" text-anchor="end">${escapeHtml(v === 0 ? '0' : formatMs(v))}</text>`,
    );
  }
  for (const minutes of [60, 45, 30, 15, 0]) {
    const tx = LEFT + ((span - minutes * 60_000) / span) * plotW;
    parts.push(
      `<text class="axis" x="${r1(tx)}" y="${H - 4}" text-anchor="${minutes === 60 ? 'start' : minutes === 0 ? 'end' : 'middle'}">${minutes === 0 ? 'now' : `−${minutes} min`}</text>`,
    );
  }
  for (const p of s.points) {
    if (p.avgMs !== null && p.maxMs !== null && p.maxMs > p.avgMs) {
      parts.push(
        `<rect class="max" x="${r1(x(p.t) - slotW / 2)}" y="${r1(y(p.maxMs))}" width="${r1(slotW)}" height="${r1(Math.max(0.5, y(p.avgMs) - y(p.maxMs)))}"/>`,
      );
    }
    // A slowest probe above the scale: its bar stops at the top, so a caret there says it goes on.
    if (p.maxMs !== null && p.maxMs > top) {
      clipped.push(p.maxMs);
      const cx = x(p.t);
      parts.push(
        `<path class="clipped" d="M${r1(cx - 3.5)},${TOP + 6}L${r1(cx)},${TOP}L${r1(cx + 3.5)},${TOP + 6}Z"><title>slowest ${escapeHtml(formatMs(p.maxMs))}, above the scale</title></path>`,
      );
    }
    if (p.failures > 0)
      parts.push(
        `<rect class="fail" x="${r1(x(p.t) - slotW / 2)}" y="${TOP - 6}" width="${r1(Math.max(2, slotW))}" height="5"><title>${p.failures} failed probe(s)</title></rect>`,
      );
  }
  // The average line, broken where a slot has no successful sample.
  let run: string[] = [];
  let lastT = -Infinity;
  const flush = (): void => {
    if (run.length === 1)
      parts.push(
        `<circle class="avg-dot" cx="${run[0]?.split(',')[0] ?? 0}" cy="${run[0]?.split(',')[1] ?? 0}" r="1.5"/>`,
      );
    else if (run.length > 1) parts.push(`<polyline class="avg" points="${run.join(' ')}"/>`);
    run = [];
  };
  for (const p of s.points) {
    if (p.avgMs === null) {
      flush();
      continue;
    }
    if (p.t - lastT > s.gapMs) flush();
    run.push(`${r1(x(p.t))},${r1(y(p.avgMs))}`);
    lastT = p.t;
  }
  flush();
  // Said in the chart's name too: a screen reader reads that, not the marks inside an image.
  const label = escapeHtml(
    clipped.length === 0
      ? title
      : `${title}; ${clipped.length} slot${clipped.length === 1 ? '' : 's'} above the scale of ${formatMs(top)}, the slowest ${formatMs(Math.max(...clipped))}`,
  );
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${label}"><title>${label}</title>${parts.join('')}</svg>`;
}

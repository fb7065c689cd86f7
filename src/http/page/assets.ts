// The page's stylesheet and script, served from /static/ under names that carry a hash of their
// content (cached for good by the browser; a new version gets a new name). Separate files, never
// inline: the page's Content-Security-Policy allows scripts and styles from 'self' only. Both are
// real files beside the page (browser/page.ts, type-checked with the DOM's types and linted as
// browser code; browser/page.css), built into dist/ by `npm run build:page` and read once, when
// this module loads.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A built file of the page, read once; a missing one names the command that builds it. */
function built(name: string): string {
  const url = new URL(`./browser/${name}`, import.meta.url);
  try {
    return readFileSync(url, 'utf8');
  } catch (e) {
    throw new Error(`the status page's ${name} is not built (${url.pathname}): run npm run build:page`, { cause: e });
  }
}

const CSS = built('page.css');
const JS = built('page.js');

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

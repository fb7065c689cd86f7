// The status page's script, run by the browser (a classic deferred script, served from /static/
// under a name that carries its hash). It refreshes the page every 5 s while it is visible; the page
// works without it. A page that could not be refreshed for 15 s says so and greys out: a watchdog's
// page must never look healthy because it stopped updating.
(() => {
  const PERIOD_MS = 5000;
  const STALE_MS = 3 * PERIOD_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  const page = (): HTMLElement | null => document.getElementById('page');
  const mark = (text: string): void => {
    const el = document.getElementById('refresh');
    if (el) el.textContent = `· ${text}`;
  };
  const pad = (n: number): string => String(n).padStart(2, '0');
  // The server's own clock reading, as the page shows its times.
  const clock = (ms: number): string => {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  };
  // Measured on this browser's clock (the server's may differ); the server's time is only shown.
  let lastFresh = Date.now();
  const checkStale = (): boolean => {
    const p = page();
    const stale = p !== null && Date.now() - lastFresh > STALE_MS;
    if (p) p.classList.toggle('stale', stale);
    if (p && stale) mark(`NOT UPDATED since ${clock(Number(p.dataset.updated))}: brokerwatch does not answer`);
    return stale;
  };
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), PERIOD_MS);
  };
  // Someone reading or about to click: do not pull the page from under them.
  const busy = (): boolean => {
    const sel = window.getSelection();
    if (sel && sel.toString() !== '') return true;
    const a = document.activeElement;
    const p = page();
    return a !== null && a !== document.body && p !== null && p.contains(a) && a.tagName === 'BUTTON';
  };
  const reason = (e: unknown): string => {
    if (e instanceof Error) return e.name === 'TimeoutError' ? 'no answer' : e.message;
    return String(e);
  };
  async function refresh(): Promise<void> {
    if (document.hidden || inFlight || busy()) return schedule();
    inFlight = true;
    try {
      const res = await fetch(location.pathname, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { accept: 'text/html' },
        signal: AbortSignal.timeout(PERIOD_MS),
      });
      // A new password (a reload of the rules): let the browser ask for it.
      if (res.status === 401) return location.reload();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
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
        const icon = doc.querySelector('link[rel=icon]')?.getAttribute('href');
        const myIcon = document.querySelector('link[rel=icon]');
        if (icon && myIcon) myIcon.setAttribute('href', icon);
        lastFresh = Date.now();
      }
      mark('refreshes every 5 s');
    } catch (e) {
      if (!checkStale()) mark(`refresh failed (${reason(e)}); trying again`);
    } finally {
      inFlight = false;
    }
    checkStale();
    schedule();
  }
  // After an action the address carries its notice; a manual reload should not repeat it.
  if (location.search) history.replaceState(null, '', location.pathname);
  document.addEventListener('submit', (ev: SubmitEvent) => {
    const b = ev.submitter instanceof HTMLButtonElement ? ev.submitter : null;
    const q = b?.dataset.confirm;
    if (q && !window.confirm(q)) return ev.preventDefault();
    // One click, one action.
    if (b) setTimeout(() => (b.disabled = true), 0);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refresh();
  });
  mark('refreshes every 5 s');
  schedule();
})();

// What monit pushes to M/Monit (monit 5.33, observed against a recording collector): the XML status
// of `/_status2` (format version 2: `<monit id incarnation version>`, `<services>`, `<servicegroups>`),
// with `<credentials>` in `<server>` after `<httpd>` (unless `register without credentials`), and,
// for an event, an `<event>` element after `<servicegroups>`: collected_sec, collected_usec, service,
// type (the service's), id (the event type's bit), state, action, message (CDATA).
import type { ActionKind, Config } from '../config/model.js';
import type { Daemon } from '../daemon/daemon.js';
import type { StatusDto } from '../http/dto.js';
import { daemonDto, serviceDto } from '../http/dto.js';
import type { XmlServerInfo } from '../http/monit-xml.js';
import { EVENT_BIT, SERVICE_TYPE, statusXml, xmlEscape, xmlHttpdOf } from '../http/monit-xml.js';
import type { ResourceSampler } from '../http/resource-sampler.js';
import type { Scrubber } from '../http/secrets.js';
import type { ServiceEvent } from '../state/events.js';

/** monit's Event State codes. */
const STATE: Record<ServiceEvent['state'], number> = { succeeded: 0, failed: 1, changed: 2 };

/** monit's Action_Type codes (0: ignored; brokerwatch's reboot has none in monit). */
const ACTION: Record<ActionKind | 'none', number> = {
  none: 0,
  alert: 1,
  restart: 2,
  stop: 3,
  exec: 4,
  unmonitor: 5,
  start: 6,
  monitor: 7,
  reboot: 0,
};

/** Where the document's facts come from. */
export interface DocumentSource {
  readonly daemon: Daemon;
  readonly resources: ResourceSampler;
  readonly scrubber: () => Scrubber;
}

/** The status as the HTTP API builds it (messages scrubbed of the rules' secrets). */
function status(src: DocumentSource): StatusDto {
  const { daemon } = src;
  const ctx = {
    scrubber: src.scrubber(),
    usage: (name: string, pid: number) => src.resources.process(name, pid),
  };
  return {
    daemon: daemonDto(daemon, daemon.config.files[0] ?? '', daemon.clock.now()),
    services: daemon.runners().map((r) => serviceDto(r.status(), ctx)),
  };
}

function serverInfo(src: DocumentSource): XmlServerInfo {
  const { config, hostId } = src.daemon;
  const httpd = config.httpd;
  return {
    startDelaySeconds: Math.round(config.daemon.startDelayMs / 1000),
    ...(hostId !== undefined ? { id: hostId } : {}),
    httpd: xmlHttpdOf(httpd, httpd?.tls !== undefined),
    resources: src.resources,
  };
}

/** `<credentials>`: monit's first `allow USER:PASSWORD` that may act, for M/Monit to act through. */
function credentialsXml(config: Config): string {
  if (!config.mmonit?.credentials) return '';
  const user = config.httpd?.allow.find((a) => a.kind === 'user' && !a.readOnly);
  if (user?.kind !== 'user') return '';
  return `<credentials><username>${xmlEscape(user.user)}</username><password>${xmlEscape(user.password)}</password></credentials>`;
}

/** Text in CDATA, as monit writes the event message: no entities, characters XML cannot carry
 *  dropped, and a `]]>` inside split across two sections. */
function cdata(s: string): string {
  // eslint-disable-next-line no-control-regex
  const text = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** The `<event>` element of E. */
export function eventXml(e: ServiceEvent, config: Config, scrubber: Scrubber): string {
  const svc = config.services.find((s) => s.name === e.service);
  // The daemon's own events (instance) are the System service's, as monit's are.
  const type = svc ? SERVICE_TYPE[svc.type] : SERVICE_TYPE.system;
  const el = (name: string, v: string | number): string =>
    `<${name}>${typeof v === 'number' ? String(v) : xmlEscape(v)}</${name}>`;
  return (
    '<event>' +
    el('collected_sec', Math.floor(e.time / 1000)) +
    el('collected_usec', (e.time % 1000) * 1000) +
    el('service', e.service) +
    el('type', type) +
    el('id', EVENT_BIT[e.type]) +
    el('state', STATE[e.state]) +
    el('action', ACTION[e.action]) +
    `<message>${cdata(scrubber.scrub(e.message))}</message>` +
    '</event>'
  );
}

/** The document of one push: the whole status, and the event it is about, if any. */
export function pushDocument(src: DocumentSource, event?: ServiceEvent): string {
  const config = src.daemon.config;
  const xml = statusXml(status(src), serverInfo(src), 2);
  const withCredentials = xml.replace('</server>', `${credentialsXml(config)}</server>`);
  if (!event) return withCredentials;
  const end = withCredentials.lastIndexOf('</monit>');
  return `${withCredentials.slice(0, end)}${eventXml(event, config, src.scrubber())}</monit>`;
}

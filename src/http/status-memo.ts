// The status is read far more often than it changes: a dashboard, Prometheus and the page poll it,
// a service's part changes once a cycle. Building 20 services' DTOs and serializing them for every
// GET held the status API under 3,000 requests a second. A service's DTO is therefore built again only
// when something it is built from is no longer the same value (the runner's state is replaced, never
// changed, at each step; results, facts and samples likewise), and the serialized status is kept
// until one of its parts is a new object.
import type { DaemonDto, DtoContext, ServiceDto, StatusDto } from './dto.js';
import { serviceDto } from './dto.js';
import type { RunnerStatus } from '../daemon/service-runner.js';
import { processUptimeSeconds } from './proc-uptime.js';

/** Everything serviceDto reads, in a fixed order; equal keys give equal DTOs. */
function inputsOf(st: RunnerStatus, ctx: DtoContext): readonly unknown[] {
  const pid = st.identity?.pid;
  return [
    st.service,
    st.state,
    st.identity,
    st.lastResults,
    st.lastCheckAt,
    st.actionRunning,
    st.facts,
    st.ownFault,
    ctx.scrubber,
    pid === undefined ? undefined : ctx.usage?.(st.service.name, pid),
    // The one input that moves by itself: the process's age in whole seconds.
    st.identity ? processUptimeSeconds(st.identity.startTime) : undefined,
  ];
}

const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const sameDaemon = (a: DaemonDto, b: DaemonDto): boolean =>
  (Object.keys(a) as Array<keyof DaemonDto>).every((k) => a[k] === b[k]);

/** serviceDto and the serialized status, built again only when their inputs change. */
export class StatusMemo {
  readonly #dtos = new Map<string, { inputs: readonly unknown[]; dto: ServiceDto }>();
  #json: { status: StatusDto; text: string } | undefined;

  /** The DTO of a runner's status: the previous object while nothing it shows has changed. */
  service(st: RunnerStatus, ctx: DtoContext): ServiceDto {
    const inputs = inputsOf(st, ctx);
    const kept = this.#dtos.get(st.service.name);
    if (kept && sameList(kept.inputs, inputs)) return kept.dto;
    const dto = serviceDto(st, ctx);
    this.#dtos.set(st.service.name, { inputs, dto });
    return dto;
  }

  /** Forgets services that are no longer in the rules (after a reload); `now` are the runners of
   *  now. Only counts while nothing was removed: no list is built on every request. */
  keepOnly(now: readonly { readonly service: { readonly name: string } }[]): void {
    if (this.#dtos.size <= now.length) return;
    const kept = new Set(now.map((r) => r.service.name));
    for (const name of this.#dtos.keys()) if (!kept.has(name)) this.#dtos.delete(name);
  }

  /** `status` serialized by `serialize`, or the previous text if every part of it is the same. */
  json(status: StatusDto, serialize: (s: StatusDto) => string): string {
    const was = this.#json;
    if (was && sameDaemon(was.status.daemon, status.daemon) && sameList(was.status.services, status.services))
      return was.text;
    const text = serialize(status);
    this.#json = { status, text };
    return text;
  }
}

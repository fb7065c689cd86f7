// Checks that need the whole file: unique names, known dependencies, no dependency loops, and
// rules that cannot do what they say (a restart with nothing to run).
import { syntaxOf } from '../checks/registry.js';
import type { Cursor } from './cursor.js';
import type { Service } from './model.js';
import type { ParsedService } from './parse-service.js';

/** Records every whole-file problem on the cursor's diagnostics and returns the services. */
export function validate(parsed: readonly ParsedService[], c: Cursor): Service[] {
  const byName = new Map<string, ParsedService>();
  for (const p of parsed) {
    const s = p.service;
    const prev = byName.get(s.name);
    if (prev)
      c.error(s.pos, `service '${s.name}' is already defined at ${prev.service.pos.file}:${prev.service.pos.line}`);
    else byName.set(s.name, p);
  }
  for (const p of parsed) {
    for (const dep of p.service.dependsOn) {
      const pos = p.dependsPos.get(dep) ?? p.service.pos;
      if (dep === p.service.name) c.error(pos, `service '${dep}' depends on itself`);
      else if (!byName.has(dep)) c.error(pos, `unknown service '${dep}' in depends of '${p.service.name}'`);
    }
    checkActions(p, c);
  }
  reportCycles(parsed, byName, c);
  return parsed.map((p) => p.service);
}

function checkActions(p: ParsedService, c: Cursor): void {
  const s = p.service;
  const canStart = s.start !== undefined || s.restart !== undefined;
  for (const r of s.rules) {
    const kinds = [r.action.kind, r.elseAction?.kind];
    if (!canStart && (kinds.includes('restart') || kinds.includes('start')) && !r.implicit && s.type !== 'process') {
      c.warn(r.pos, `'${s.name}' has no start program: this rule can alert but not ${r.action.kind}`);
    }
    const misplaced = syntaxOf(r.condition).misplaced?.(r.condition, s.type);
    if (misplaced) c.error(r.pos, misplaced);
  }
  if (s.type === 'process' && !canStart) {
    const needs = s.rules.find((r) => !r.implicit && (r.action.kind === 'restart' || r.action.kind === 'start'));
    if (needs) c.warn(needs.pos, `'${s.name}' has no start program: '${needs.action.kind}' cannot start it`);
  }
}

/** Depth-first search; each loop is reported once, at the service that closes it. */
function reportCycles(parsed: readonly ParsedService[], byName: Map<string, ParsedService>, c: Cursor): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    const p = byName.get(name);
    if (!p) return;
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of p.service.dependsOn) {
      const st = state.get(dep);
      if (dep === name) continue; // reported as 'depends on itself'
      if (st === 'visiting') {
        const loop = [...stack.slice(stack.indexOf(dep)), dep];
        c.error(p.dependsPos.get(dep) ?? p.service.pos, `dependency loop: ${loop.join(' -> ')}`);
      } else if (st === undefined) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const p of parsed) if (!state.has(p.service.name)) visit(p.service.name);
}

/**
 * The `/_control/*` endpoints (JSON) that tests, the demo and benchmarks use to drive the
 * emulator: time, faults, accounts and access, the organisation, the legacy durability rule,
 * a group's CloudWatch workload, the request log, and closing a recorded Step Functions execution.
 */
import type { AccessSettings } from './accounts.js';
import type { FaultSettings, ScriptedFault } from './faults.js';
import type { Parts } from './identity.js';
import type { OrganizationSettings } from './organizations.js';
import { applyWorkload, parseWorkloadShape } from './workload.js';

type ControlInput = Record<string, unknown>;

/** The `/_control/*` endpoints (JSON): time, faults, accounts, the organisation, the legacy rule, the log. */
const CONTROLS: Record<string, (parts: Parts, input: ControlInput) => unknown> = {
  '/_control/clock': ({ clock, accounts }, input) => {
    if (typeof input.advanceMs === 'number') clock.advance(input.advanceMs);
    if (input.freeze === true) clock.freeze();
    for (const { model } of accounts.pairs()) model.tick();
    return { now: new Date(clock.now()).toISOString() };
  },
  '/_control/faults': ({ faults }, input) => {
    faults.configure(input as FaultSettings);
    return faults.settings;
  },
  '/_control/fail-next': ({ faults }, input) => {
    faults.failNext(input as unknown as ScriptedFault);
    return { ok: true };
  },
  '/_control/accounts': ({ accounts }, input) => {
    accounts.configure(input as AccessSettings);
    return accounts.describe();
  },
  '/_control/organization': ({ organization }, input) => {
    organization.configure(input as OrganizationSettings);
    return organization.describe();
  },
  '/_control/legacy-durability-rule': ({ accounts }, input) => {
    for (const { model } of accounts.pairs()) model.legacyDurabilityRule = input.enabled === true;
    return { legacyDurabilityRule: input.enabled === true };
  },
  '/_control/workload': ({ accounts, clock, sinks }, input) => {
    const shape = parseWorkloadShape(input);
    const model = accounts.pairs().find(({ model }) => model.groups.has(shape.groupId))?.model;
    const group = model?.groups.get(shape.groupId);
    if (model === undefined || group === undefined) throw new Error(`no replication group ${shape.groupId}`);
    applyWorkload(sinks.metrics, group, model.memberIds(group), shape, clock.now());
    return { ...shape, nodes: model.memberIds(group).flat() };
  },
  '/_control/executions': ({ sinks }, input) =>
    typeof input.executionArn === 'string'
      ? sinks.closeExecution(input.executionArn, input.status)
      : [...sinks.executions.values()],
  '/_control/requests': ({ faults }) => faults.log,
  '/_control/reset': ({ faults }) => {
    faults.reset();
    return { ok: true };
  },
};

/**
 * The answer of one control endpoint: status and JSON body (bad input: 400 with `error`).
 *
 * @example
 * const { status, body } = controlAnswer(parts, '/_control/clock', '{"advanceMs": 60000}');
 */
export function controlAnswer(parts: Parts, path: string, body: string): { status: number; body: string } {
  try {
    const input = body === '' ? {} : (JSON.parse(body) as ControlInput);
    const control = Object.hasOwn(CONTROLS, path) ? CONTROLS[path] : undefined;
    if (control === undefined)
      return { status: 400, body: JSON.stringify({ error: `no control endpoint ${path}` }) };
    return { status: 200, body: JSON.stringify(control(parts, input)) };
  } catch (error) {
    return { status: 400, body: JSON.stringify({ error: (error as Error).message }) };
  }
}

/**
 * The fault scenarios' shared part: runs of the real durability job against the sandbox with
 * faults injected, follow-up runs until the fleet settles (bounded), and one check of what
 * every scenario must end with, counted at the sandbox: each change made exactly once, every
 * stored event delivered, one Succeeded per change, no false failure, no hold left behind.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { STATE_TABLE } from '../../../infra/local/dynamo.js';
import type { GroupState } from '../../../infra/local/emulator/model.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../../shared/aws/clients.js';
import { AwsCallError } from '../../../shared/aws/errors.js';
import { DETAIL_TYPES } from '../../../shared/aws/notify.js';
import { durabilityLeaseKey, OUTBOX_ATTRIBUTE_PREFIX } from '../../../shared/aws/state-keys.js';
import { StateStore } from '../../../shared/aws/state-store.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { type DurabilityReport, scanDurability } from '../../../shared/jobs/durability/pipeline.js';
import type { DurabilityJobDeps } from '../../../shared/jobs/durability/ports.js';
import { groupState, REGION, requestsReached, type Stack } from '../harness.js';

/** Ten minutes between runs: a change lands (60 s) and a sender has had its time well inside it. */
export const BETWEEN_RUNS_MS = 10 * 60_000;
/** The most follow-up runs a scenario may take to settle. */
export const MAX_FOLLOW_UPS = 5;

export const enforcePolicy = (snapshotBeforeChange = false) =>
  parsePolicy(
    `version: 1
# No cap: every change a run can make, it makes.
settings: { maxActionsPerRun: 1000 }
rules:
  - name: prod-durability
    mode: enforce
    match: { tags: { env: prod } }
    durability: { minimum: sync }
${snapshotBeforeChange ? '    snapshotBeforeChange: true\n' : ''}`,
    'policy.yaml',
  );

/** `count` groups that violate the policy, `f-0000`, `f-0001`, …, and `durable` that meet it. */
export function fleetOf(stack: Stack, count: number, durable = 0): string[] {
  const name = (prefix: string, index: number) => `${prefix}-${String(index).padStart(4, '0')}`;
  const ids = Array.from({ length: count }, (_, index) => name('f', index));
  for (const id of ids) stack.emulator.model.putGroup(groupState(id));
  for (let index = 0; index < durable; index += 1)
    stack.emulator.model.putGroup(
      groupState(name('d', index), { durability: 'sync', effectiveDurability: 'sync' }),
    );
  return ids;
}

/**
 * Every event id a finding write stored in the outbox, whichever run wrote it: what must reach
 * EventBridge at least once. Wraps `store` in place and returns it.
 */
export function recordingEvents<T extends StateStore>(store: T, stored: Set<string>): T {
  const record = store.findings.record.bind(store.findings);
  store.findings.record = async (...args) => {
    const outbox = await record(...args);
    for (const event of outbox.added) stored.add(event.id);
    return outbox;
  };
  return store;
}

/** What a scenario ran: every report, the runs it took to settle, and how many of them failed. */
export interface FaultRuns {
  reports: DurabilityReport[];
  followUps: number;
  /** Runs that ended with an AWS call failed past its retries (a scheduled run fails; the next goes on). */
  failedRuns: number;
}

const settled = (report: DurabilityReport | undefined) =>
  report !== undefined &&
  report.outbox.pending === 0 &&
  report.findings.every((finding) => finding.status === 'compliant');

/**
 * Follow-up scans, `BETWEEN_RUNS_MS` apart, until one finds every group compliant and nothing
 * pending in the outbox, at most `MAX_FOLLOW_UPS`.
 */
export async function settle(
  stack: Stack,
  deps: (holder: string) => DurabilityJobDeps,
  snapshotBeforeChange = false,
): Promise<FaultRuns> {
  const reports: DurabilityReport[] = [];
  const settings = { policy: enforcePolicy(snapshotBeforeChange), dryRun: false };
  let [followUps, failedRuns] = [0, 0];
  while (followUps < MAX_FOLLOW_UPS && !settled(reports.at(-1))) {
    followUps += 1;
    stack.emulator.clock.advance(BETWEEN_RUNS_MS);
    try {
      reports.push(await scanDurability(deps(`follow-up-${followUps}`), settings));
    } catch (error) {
      if (!(error instanceof AwsCallError)) throw error;
      failedRuns += 1;
    }
  }
  return { reports, followUps, failedRuns };
}

export interface Expected {
  /** The groups whose change must be made exactly once. */
  changed: readonly string[];
  /** Each change was preceded by its snapshot: one CreateSnapshot per group. */
  snapshots?: boolean;
  /** Every event id stored with a finding (see {@link recordingEvents}). */
  stored: ReadonlySet<string>;
  /** Every finding any run reported, the scenario's own runs' too. */
  findings: readonly Finding[];
  /** Where a group lives (the home fleet when absent). */
  groupOf?: (id: string) => GroupState | undefined;
}

/** What a scenario measured, for its report line. */
export interface Measured {
  modifyReached: number;
  modifySent: number;
  snapshotsReached: number;
  eventIds: number;
  deliveries: number;
}

/** The events still pending in the state table's outbox, as `<item> <attribute>`. */
export async function pendingInTable(stack: Stack): Promise<string[]> {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamo.endpoint, region: REGION }),
  );
  const pending: string[] = [];
  for await (const page of paginateScan({ client: documents }, { TableName: STATE_TABLE }))
    for (const item of page.Items ?? [])
      for (const name of Object.keys(item).filter((key) => key.startsWith(OUTBOX_ATTRIBUTE_PREFIX)))
        pending.push(`${String(item.pk)}/${String(item.sk)} ${name}`);
  return pending;
}

/** The end every scenario must reach, checked against the sandbox. */
export async function expectSettled(stack: Stack, expected: Expected): Promise<Measured> {
  const { emulator } = stack;
  const perGroup = (action: string) => {
    const counts = new Map<string, number>();
    for (const { params } of requestsReached(emulator, action)) {
      const id = String(params.ReplicationGroupId);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };
  const once = new Map(expected.changed.map((id) => [id, 1]));
  // Every change made exactly once: each request that reached the service, refused ones too.
  expect(perGroup('ModifyReplicationGroup')).toEqual(once);
  if (expected.snapshots === true) expect(perGroup('CreateSnapshot')).toEqual(once);
  const groupOf = expected.groupOf ?? ((id: string) => emulator.model.groups.get(id));
  for (const id of expected.changed) expect(groupOf(id)?.effectiveDurability, id).toBe('sync');

  // Every stored event id delivered at least once; one Succeeded per change.
  const events = emulator.sinks.events.map((event) => {
    const detail = event.detail as { eventId?: string; finding?: { resourceId?: string } };
    return { detailType: event.detailType, id: detail.eventId, resourceId: detail.finding?.resourceId };
  });
  const delivered = new Set(events.map((event) => event.id));
  expect([...expected.stored].filter((id) => !delivered.has(id))).toEqual([]);
  expect(await pendingInTable(stack)).toEqual([]);
  const succeeded = new Map<string, Set<string | undefined>>();
  for (const event of events.filter((item) => item.detailType === DETAIL_TYPES.remediationSucceeded)) {
    const id = String(event.resourceId);
    succeeded.set(id, (succeeded.get(id) ?? new Set()).add(event.id));
  }
  expect(new Map([...succeeded].map(([id, ids]) => [id, ids.size]))).toEqual(once);

  // No false failure, and no hold left for any group.
  expect(events.filter((event) => event.detailType === DETAIL_TYPES.remediationFailed)).toEqual([]);
  expect(expected.findings.filter((finding) => finding.action === 'failed')).toEqual([]);
  const arns = new Set(
    expected.findings.filter((item) => expected.changed.includes(item.resourceId)).map((item) => item.arn),
  );
  for (const arn of arns) expect(await stack.store.readLease(durabilityLeaseKey(arn)), arn).toBeUndefined();

  return {
    modifyReached: requestsReached(emulator, 'ModifyReplicationGroup').length,
    modifySent: emulator.faults.count('ModifyReplicationGroup'),
    snapshotsReached: requestsReached(emulator, 'CreateSnapshot').length,
    eventIds: delivered.size,
    deliveries: events.length,
  };
}

/** What a scenario's own runs get: the groups, and deps whose store records stored events. */
export interface Context {
  stack: Stack;
  ids: string[];
  deps: (holder: string, store?: StateStore) => DurabilityJobDeps;
  settings: { policy: ReturnType<typeof enforcePolicy>; dryRun: false };
}

export interface Scenario {
  name: string;
  /** Groups that violate the policy: each must be changed exactly once. */
  groups: number;
  /** Groups that meet it already. */
  durableGroups?: number;
  snapshotBeforeChange?: boolean;
  /** Faults in force from the first run on, the follow-ups included. */
  faults?: (stack: Stack) => void;
  /** The scenario's own runs before the follow-ups (one scan when absent); their reports. */
  act?: (context: Context) => Promise<DurabilityReport[]>;
}

const firstScan = (context: Context) => scanDurability(context.deps('run-1'), context.settings);

/**
 * Run one scenario on a fresh stack: its faults, its own runs (one scan by default), the
 * follow-ups until the fleet settles, then the end every scenario must reach.
 */
export async function runScenario(stack: Stack, scenario: Scenario): Promise<void> {
  // Prepare
  const stored = new Set<string>();
  const recording = recordingEvents(
    new StateStore(STATE_TABLE, { endpoint: stack.dynamo.endpoint, region: REGION }),
    stored,
  );
  const wrapped = new WeakSet<StateStore>([recording]);
  const context: Context = {
    stack,
    ids: fleetOf(stack, scenario.groups, scenario.durableGroups),
    deps: (holder, store = recording) => {
      if (!wrapped.has(store)) wrapped.add(recordingEvents(store, stored));
      return { ...stack.durabilityDeps(holder, DEFAULT_MAX_ATTEMPTS, 'standard'), store };
    },
    settings: { policy: enforcePolicy(scenario.snapshotBeforeChange), dryRun: false },
  };
  scenario.faults?.(stack);

  // Act
  const own = await (scenario.act ?? (async (ctx: Context) => [await firstScan(ctx)]))(context);
  const { reports, followUps, failedRuns } = await settle(
    stack,
    (holder) => context.deps(holder),
    scenario.snapshotBeforeChange,
  );

  // Assess
  const last = reports.at(-1);
  expect(last?.outbox.pending).toBe(0);
  expect(last?.findings).toHaveLength(scenario.groups + (scenario.durableGroups ?? 0));
  expect(last?.findings.filter((finding) => finding.status !== 'compliant')).toEqual([]);
  const measured = await expectSettled(stack, {
    changed: context.ids,
    snapshots: scenario.snapshotBeforeChange,
    stored,
    findings: [...own, ...reports].flatMap((report) => report.findings),
  });
  if (process.env.FAULT_SCENARIO_REPORT !== undefined)
    process.stdout.write(
      `${JSON.stringify({ scenario: scenario.name, followUps, failedRuns, ...measured })}\n`,
    );
}

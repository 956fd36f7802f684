/**
 * The organisation scan (infra/org-scan.asl.yaml, run by the local runner: ItemReader of the
 * targets in the sandbox's S3, one STANDARD child per account, ResultWriter) over accounts ×
 * regions of seeded fleets, run twice on one sandbox and state table (the second over an
 * unchanged fleet): calls per target and AssumeRole per account from the emulator's request
 * log, state-table writes and capacity units from dynalite's, every state's size, state
 * transitions and S3 requests; from those, the cost and wall-time models of bench/org-cost.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoCall, STATE_TABLE, startDynamo } from '../infra/local/dynamo.js';
import { CENTRAL_ACCOUNT, memberAccounts } from '../infra/local/emulator/accounts.js';
import type { LoggedRequest } from '../infra/local/emulator/faults.js';
import { seedFleet } from '../infra/local/emulator/fleet.js';
import { type Emulator, startEmulator } from '../infra/local/emulator/server.js';
import { runOrgScan } from '../infra/local/org-scan-workflow.js';
import type { LocalTask } from '../infra/local/step-functions.js';
import { parsePolicy } from '../shared/domain/policy/load.js';
import type { Policy } from '../shared/domain/policy/schema.js';
import { type Target, targetName } from '../shared/domain/targets.js';
import { ROOT, round, rows, rssRow, runChild, timed } from './common.js';
import { type CountedRun, costRows, type ItemCost, wallTimeRow } from './org-cost.js';
import { progressOf } from './progress.js';

const HOME: Target = { account: CENTRAL_ACCOUNT, region: 'us-east-1' };
/** 17 regions enabled by default in every account, named explicitly (no `all-enabled`). */
export const REGIONS_17 = [
  ...['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'],
  ...['eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2'],
  ...['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ca-central-1', 'sa-east-1'],
];
/**
 * The run's HTTP timeouts here: one process holds the emulator, dynalite and every child on one
 * thread, which at full size stalls for seconds at a time (its heap of several GB collected, the
 * machine shared; the progress lines print the longest stall): a TCP connect to 127.0.0.1 then
 * waits past the app's 3 s (at 1 000 accounts 4 of the first 50 accounts failed so). As deployed
 * each child is a Lambda process of its own, with the app's timeouts.
 */
const SANDBOX_TIMEOUTS = { connectMs: 60_000, requestMs: 120_000 };
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

export interface Fleet {
  accounts: string[];
  regions: string[];
  groups: number;
  serverless: number;
}

/** The default policy, told to scan `fleet`'s accounts and regions `concurrency` accounts at a time. */
export function policyFor(fleet: Fleet, concurrency: number): Policy {
  const policy = parsePolicy(readFileSync(join(ROOT, 'infra', 'policy.default.yaml'), 'utf8'), 'policy.yaml');
  policy.settings.targets = {
    accounts: fleet.accounts,
    exclude: [],
    regions: fleet.regions,
    roleName: 'elasticache-guardrails-member',
    concurrency,
  };
  return policy;
}

/** A sandbox serving `fleet`, each pair seeded with its own seed, every call `latencyMs` late. */
async function sandboxOf(fleet: Fleet, latencyMs: number): Promise<Emulator> {
  const regions = fleet.regions.includes(HOME.region) ? fleet.regions : [HOME.region, ...fleet.regions];
  const emulator = await startEmulator({
    targets: { accounts: [CENTRAL_ACCOUNT, ...fleet.accounts], regions },
  });
  let seed = 1;
  for (const account of fleet.accounts)
    for (const region of fleet.regions)
      seedFleet(emulator.fleetOf(account, region), emulator.clock, {
        groups: fleet.groups,
        serverless: fleet.serverless,
        seed: seed++,
      });
  emulator.faults.configure({ latencyMs: { '*': latencyMs } });
  return emulator;
}

/**
 * One organisation scan on `emulator` and `dynamo` (the logs cleared first): wall time, CPU
 * time of this process (items, emulator and dynalite share it), the longest child's task, the
 * largest state of the parent and of any child, and the logs and counts the models read.
 */
async function scanOnce(
  sandbox: { emulator: Emulator; dynamo: Awaited<ReturnType<typeof startDynamo>> },
  fleet: Fleet,
  concurrency: number,
  executionName: string,
): Promise<
  CountedRun & { ms: number; cpuMs: number; itemMs: number; log: LoggedRequest[]; dynamo: DynamoCall[] }
> {
  const { emulator, dynamo } = sandbox;
  emulator.faults.log.length = 0;
  dynamo.calls.length = 0;
  const items: number[] = [];
  const orgTasks: number[] = [];
  let childLargest = 0;
  const progress = progressOf(executionName, fleet.accounts.length);
  const timeItem =
    (task: LocalTask): LocalTask =>
    async (input) => {
      const item = await timed(() => progress.watch(() => task(input)));
      items.push(item.ms);
      // A child's states: ScanAccount's input (the item, the child's input too) and output.
      childLargest = Math.max(childLargest, bytes(input), bytes(item.value));
      return item.value;
    };
  const timeOrgTask =
    (task: LocalTask): LocalTask =>
    async (input) => {
      const run = await timed(() => task(input));
      orgTasks.push(run.ms);
      return run.value;
    };
  const cpu = process.cpuUsage();
  const run = await timed(() =>
    runOrgScan({
      endpoint: emulator.endpoint,
      dynamo: dynamo.endpoint,
      policy: policyFor(fleet, concurrency),
      home: HOME,
      now: () => new Date(emulator.clock.now()),
      executionName,
      timeouts: SANDBOX_TIMEOUTS,
      wrap: { 'target-scan': timeItem, 'org-scan': timeOrgTask },
    }),
  );
  const used = process.cpuUsage(cpu);
  const { summary, execution } = run.value;
  const targets = fleet.accounts.length * fleet.regions.length;
  if (summary.failed > 0 || summary.complete !== targets)
    throw new Error(`bench: ${summary.complete} of ${targets} targets complete: ${JSON.stringify(summary)}`);
  return {
    ms: run.ms,
    cpuMs: (used.user + used.system) / 1000,
    itemMs: Math.max(...items),
    log: [...emulator.faults.log],
    dynamo: [...dynamo.calls],
    complete: summary.complete,
    parentTransitions: execution.transitions,
    children: execution.children.counts.STANDARD.executions,
    childTransitions: execution.children.counts.STANDARD.transitions,
    parentLargest: execution.largestPayload,
    childLargest,
    orgTaskMs: orgTasks,
    writes: dynamo.calls.filter((call) => WRITES.has(call.operation)).length,
  };
}

/**
 * Requests each target sent in its own account and region (AssumeRole, sent by the central
 * account, apart), and the AssumeRole calls into each account.
 */
export function callsOf(log: readonly LoggedRequest[], targets: readonly Target[]) {
  const assumed = new Map<string, number>();
  const own = new Map<string, number>();
  for (const entry of log) {
    const roleArn = (entry.params as { RoleArn?: string } | undefined)?.RoleArn;
    if (entry.action === 'AssumeRole' && roleArn !== undefined) {
      const account = roleArn.split(':')[4] ?? '';
      assumed.set(account, (assumed.get(account) ?? 0) + 1);
    } else if (entry.account !== CENTRAL_ACCOUNT) {
      const key = `${entry.account}/${entry.region}`;
      own.set(key, (own.get(key) ?? 0) + 1);
    }
  }
  const accounts = [...new Set(targets.map((target) => target.account))];
  return {
    perTarget: targets.map((target) => own.get(targetName(target)) ?? 0),
    assumeRoles: accounts.map((account) => assumed.get(account) ?? 0),
  };
}

const fleetOf = (accounts: number, regions: readonly string[], groups: number): Fleet => ({
  accounts: memberAccounts(accounts),
  regions: [...regions],
  groups,
  serverless: Math.round(groups / 10),
});

/** The single-account floor: one account's child alone (no other item beside it), the best of three fresh runs. */
async function singleAccountFloor(fleet: Fleet, latencyMs: number): Promise<number> {
  const one = { ...fleet, accounts: fleet.accounts.slice(0, 1) };
  const floors: number[] = [];
  for (let run = 0; run < 3; run += 1) {
    const emulator = await sandboxOf(one, latencyMs);
    const dynamo = await startDynamo();
    try {
      floors.push((await scanOnce({ emulator, dynamo }, one, 1, `floor-${run}`)).itemMs);
    } finally {
      await Promise.all([emulator.close(), dynamo.close()]);
    }
  }
  return Math.min(...floors);
}

/**
 * `accounts` × the 17 regions × `groups` groups (and a tenth as many serverless caches) per
 * target, `latencyMs` per call, `concurrency` accounts at a time: scanned twice, the second
 * time unchanged; the cost and wall-time models for `modelAccounts` accounts from its counts.
 */
export async function orgScanBench(
  accounts: number,
  modelAccounts: number,
  groups: number,
  latencyMs: number,
  concurrency: number,
  item: ItemCost,
): Promise<void> {
  const fleet = fleetOf(accounts, REGIONS_17, groups);
  const floor = await singleAccountFloor(fleet, latencyMs);
  const emulator = await sandboxOf(fleet, latencyMs);
  const dynamo = await startDynamo();
  const sandbox = { emulator, dynamo };
  const targets = fleet.accounts.flatMap((account) => fleet.regions.map((region) => ({ account, region })));
  try {
    const first = await scanOnce(sandbox, fleet, concurrency, 'bench-first');
    const second = await scanOnce(sandbox, fleet, concurrency, 'bench-second');
    const label = `${accounts} accounts x ${fleet.regions.length} regions x ${groups} groups`;
    scaleRows(label, item.resources, targets, first, second);
    // The models: the measured run's counts per child, for `modelAccounts` accounts.
    const model = `${modelAccounts} accounts x ${fleet.regions.length} regions x ${groups} groups${modelAccounts === accounts ? '' : `, modelled from the run of ${accounts} accounts`}`;
    costRows(model, modelAccounts, first, second, item, callsOf(second.log, targets));
    wallTimeRow(model, modelAccounts, second, item, callsOf(second.log, targets));
    const waves = Math.ceil(accounts / concurrency);
    const cpuFloor = Math.max(waves * floor, first.cpuMs);
    rows.push({
      name: `Organisation scan wall time, ${label}, ${latencyMs} ms per call, ${concurrency} accounts at a time, against max(${waves} waves x one account alone ${round(floor, 0)} ms, the run's own CPU time ${round(first.cpuMs, 0)} ms: children, emulator and dynalite on one thread)`,
      value: round(first.ms, 0),
      unit: 'ms',
      baseline: round(cpuFloor, 0),
      goal: 'ratio to max(waves x single-account floor, CPU time of the run) <= 1.25',
      ratio: round(first.ms / cpuFloor),
      met: first.ms / cpuFloor <= 1.25,
    });
    rows.push({
      name: `Organisation scan CPU per target in the sandbox, ${label} (first run; the emulator's and dynalite's CPU included)`,
      value: round(first.cpuMs / targets.length, 1),
      unit: 'ms',
      baseline: null,
      goal: 'reported',
      ratio: null,
      met: true,
    });
    rows.push({
      name: `Organisation scan CPU per target in the sandbox, ${label} (unchanged second run; the emulator's and dynalite's CPU included); both runs of ${modelAccounts * fleet.regions.length} targets at these rates: ${round((modelAccounts * fleet.regions.length * (first.cpuMs + second.cpuMs)) / targets.length / 60_000, 0)} min of CPU on one thread`,
      value: round(second.cpuMs / targets.length, 1),
      unit: 'ms',
      baseline: null,
      goal: 'reported',
      ratio: null,
      met: true,
    });
  } finally {
    await Promise.all([emulator.close(), dynamo.close()]);
  }
}

/** Completion, calls per target, AssumeRole per account, writes of the unchanged run, the largest state. */
function scaleRows(
  label: string,
  resources: number,
  targets: readonly Target[],
  first: Awaited<ReturnType<typeof scanOnce>>,
  second: Awaited<ReturnType<typeof scanOnce>>,
): void {
  rows.push({
    name: `Organisation scan, ${label}: targets complete, first and unchanged second run (local runner of infra/org-scan.asl.yaml, ${first.children} child executions)`,
    value: Math.min(first.complete, second.complete),
    unit: 'targets',
    baseline: targets.length,
    goal: 'every target complete',
    ratio: round(Math.min(first.complete, second.complete) / targets.length),
    met: first.complete === targets.length && second.complete === targets.length,
  });
  const bound = 2 * Math.ceil(resources / 100) + 4;
  const calls = [first, second].flatMap((run) => callsOf(run.log, targets).perTarget);
  const most = Math.max(...calls);
  rows.push({
    name: `Organisation scan, API calls per target, ${label} (most of ${targets.length} targets x 2 runs; ${resources} resources each; AssumeRole apart)`,
    value: most,
    unit: 'calls',
    baseline: bound,
    goal: `<= 2*ceil(N/100)+4 = ${bound}`,
    ratio: round(most / bound),
    met: most <= bound,
  });
  const assumes = [first, second].flatMap((run) => callsOf(run.log, targets).assumeRoles);
  const mostAssumes = Math.max(...assumes);
  rows.push({
    name: `Organisation scan, AssumeRole calls per account and run, ${label} (most of ${assumes.length / 2} accounts x 2 runs)`,
    value: mostAssumes,
    unit: 'calls',
    baseline: 1,
    goal: '<= 1 per account',
    ratio: mostAssumes,
    met: mostAssumes <= 1,
  });
  rows.push({
    name: `Organisation scan, state table writes of the unchanged second run, ${label} (first run: ${first.writes})`,
    value: second.writes,
    unit: 'writes',
    baseline: targets.length,
    goal: `<= ${targets.length} (one per target)`,
    ratio: round(second.writes / targets.length),
    met: second.writes <= targets.length,
  });
  const largest = Math.max(
    first.parentLargest,
    second.parentLargest,
    first.childLargest,
    second.childLargest,
  );
  rows.push({
    name: `Organisation scan, largest state of any execution, ${label} (parent ${Math.max(first.parentLargest, second.parentLargest)} bytes, largest child ${Math.max(first.childLargest, second.childLargest)} bytes)`,
    value: largest,
    unit: 'bytes',
    baseline: 262_144,
    goal: '< 262 144 bytes (256 KiB)',
    ratio: round(largest / 262_144, 4),
    met: largest < 262_144,
  });
}

/**
 * One Map item, one child: the target-scan handler (bundled as deployed) given one account of
 * `regions` × `groups` groups, in a child process as Lambda runs it: its peak RSS, and its CPU
 * per target (the handler's code alone: the sandbox runs in the parent).
 */
export async function orgItemChild(regions: readonly string[], groups: number): Promise<ItemCost> {
  const fleet = fleetOf(1, regions, groups);
  const emulator = await sandboxOf(fleet, 0);
  const dynamo = await startDynamo();
  const folder = mkdtempSync(join(tmpdir(), 'bench-item-'));
  const policy = join(folder, 'policy.yaml');
  const account = fleet.accounts[0] ?? '';
  // The default policy, told to scan the member: the deployment's policy file.
  writeFileSync(
    policy,
    `${readFileSync(join(ROOT, 'infra', 'policy.default.yaml'), 'utf8')}\n`.replace(
      /^settings:\n/m,
      `settings:\n  targets: { accounts: ['${account}'], regions: [${regions.join(', ')}] }\n`,
    ),
  );
  try {
    const result = await runChild<{
      maxRssKb: number;
      cpuMs: number;
      result: { results: { status: string }[] };
    }>('org-item-child.ts', [account, regions.join(',')], {
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: 'us-east-1',
      STATE_TABLE,
      POLICY_FILE: policy,
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:guardrails-alerts',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const complete = result.result.results.filter((each) => each.status === 'complete').length;
    if (complete !== regions.length)
      throw new Error(
        `bench: the child completed ${complete} of ${regions.length} targets: ${JSON.stringify(result)}`,
      );
    rssRow(
      `Peak RSS, one organisation-scan child: target-scan for one account of ${regions.length} regions x ${groups} groups (child process)`,
      result.maxRssKb,
    );
    const cpuPerTarget = result.cpuMs / regions.length;
    rows.push({
      name: `Organisation scan CPU per target, the target-scan handler alone (one account of ${regions.length} regions x ${groups} groups, child process, first run)`,
      value: round(cpuPerTarget, 1),
      unit: 'ms',
      baseline: null,
      goal: 'reported',
      ratio: null,
      met: true,
    });
    return { cpuPerTargetMs: cpuPerTarget, resources: groups + fleet.serverless };
  } finally {
    await Promise.all([emulator.close(), dynamo.close()]);
  }
}

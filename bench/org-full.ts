/**
 * The organisation scan's parent at full size (`--only org-full`): infra/org-scan.asl.yaml run by
 * the local runner over 1 000 accounts x 17 regions (17 000 targets), every part of the parent
 * real (ClaimRun, ListTargets writing the JSONL to the sandbox's S3, the Distributed Map with
 * ItemReader and ResultWriter, one child execution per account, Summarize reading the manifest,
 * ReleaseRun), but only a sample of accounts' children run the real target-scan; the others
 * answer a copy of a real child's result (see bench/README.md). Run twice, the second unchanged.
 */
import { startDynamo } from '../infra/local/dynamo.js';
import { CENTRAL_ACCOUNT, memberAccounts } from '../infra/local/emulator/accounts.js';
import { seedFleet } from '../infra/local/emulator/fleet.js';
import { type Emulator, startEmulator } from '../infra/local/emulator/server.js';
import { LOCAL_SCAN_BUCKET, runOrgScan } from '../infra/local/org-scan-workflow.js';
import type { LocalTask } from '../infra/local/step-functions.js';
import type { Target } from '../shared/domain/targets.js';
import { round, rows, timed } from './common.js';
import { callsOf, type Fleet, policyFor, REGIONS_17 } from './org-scan.js';

const HOME: Target = { account: CENTRAL_ACCOUNT, region: 'us-east-1' };
const QUOTA_BYTES = 262_144;
const QUOTA_EVENTS = 25_000;
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** A child's answer: its account and one result per region. */
interface AccountResult {
  account: string;
  results: { target: Target }[];
}

/** Holds at most `limit` callers at a time (the real children, on this machine's one shared thread). */
function gate(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await run();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

/** The real children of one run: each one's wall time, and the result the copies answer. */
interface RealChildren {
  ms: number[];
  template?: AccountResult;
}

/**
 * The target-scan task of one run: a sampled account runs the real task (at most `realAtOnce` at
 * a time); any other account waits for `real.template` (given, or else the run's first real
 * result) and answers a copy of it, each region's result given that account's target.
 */
function sampledScan(sampled: ReadonlySet<string>, realAtOnce: number, real: RealChildren) {
  let first: (result: AccountResult) => void = () => undefined;
  const template = new Promise<AccountResult>((resolve) => {
    first = resolve;
  });
  if (real.template !== undefined) first(real.template);
  const inGate = gate(realAtOnce);
  return (scan: LocalTask): LocalTask =>
    async (event) => {
      const { account } = event as unknown as { account: string };
      if (sampled.has(account)) {
        const run = await inGate(() => timed(() => scan(event)));
        real.ms.push(run.ms);
        real.template ??= run.value as unknown as AccountResult;
        first(real.template);
        return run.value;
      }
      const copy = await template;
      return {
        account,
        results: copy.results.map((result) => ({ ...result, target: { ...result.target, account } })),
      } as never;
    };
}

/** One run: the parent's counts, each org-scan task's wall and CPU time, the S3 objects of the run. */
async function runOnce(
  sandbox: { emulator: Emulator; dynamo: Awaited<ReturnType<typeof startDynamo>> },
  fleet: Fleet,
  sampled: ReadonlySet<string>,
  options: { concurrency: number; realAtOnce: number; executionName: string; template?: AccountResult },
) {
  const { emulator, dynamo } = sandbox;
  emulator.faults.log.length = 0;
  dynamo.calls.length = 0;
  const real: RealChildren = {
    ms: [],
    ...(options.template === undefined ? {} : { template: options.template }),
  };
  const tasks: { action: string; ms: number; cpuMs: number }[] = [];
  const timeTask =
    (task: LocalTask): LocalTask =>
    async (input) => {
      const cpu = process.cpuUsage();
      const run = await timed(() => task(input));
      tasks.push({
        action: String((input as { action?: unknown }).action),
        ms: run.ms,
        cpuMs: cpuMs(process.cpuUsage(cpu)),
      });
      return run.value;
    };
  const cpu = process.cpuUsage();
  const run = await timed(() =>
    runOrgScan({
      endpoint: emulator.endpoint,
      dynamo: dynamo.endpoint,
      policy: policyFor(fleet, options.concurrency),
      home: HOME,
      now: () => new Date(emulator.clock.now()),
      executionName: options.executionName,
      wrap: { 'target-scan': sampledScan(sampled, options.realAtOnce, real), 'org-scan': timeTask },
    }),
  );
  const runCpuMs = cpuMs(process.cpuUsage(cpu));
  const { summary, execution } = run.value;
  const targets = fleet.accounts.length * fleet.regions.length;
  if (summary.failed > 0 || summary.complete !== targets)
    throw new Error(`bench: ${summary.complete} of ${targets} targets complete: ${JSON.stringify(summary)}`);
  const listing = emulator.s3.listObjects(CENTRAL_ACCOUNT, LOCAL_SCAN_BUCKET, {
    prefix: `runs/${options.executionName}/`,
    maxKeys: 1000,
  });
  const objects = listing.contents.map(({ key, object }) => ({ key, bytes: object.body.length }));
  return {
    complete: summary.complete,
    ms: run.ms,
    cpuMs: runCpuMs,
    realMs: real.ms,
    template: real.template,
    tasks,
    execution,
    objects,
    log: [...emulator.faults.log],
    writes: dynamo.calls.filter((call) => WRITES.has(call.operation)).length,
    dynamoRequests: dynamo.calls.length,
  };
}

/** The sandbox: the central account and the sampled accounts served, each sampled pair its own seeded fleet. */
async function sandboxOf(sampled: readonly string[], groups: number) {
  const emulator = await startEmulator({
    targets: { accounts: [CENTRAL_ACCOUNT, ...sampled], regions: REGIONS_17 },
  });
  let seed = 1;
  for (const account of sampled)
    for (const region of REGIONS_17)
      seedFleet(emulator.fleetOf(account, region), emulator.clock, {
        groups,
        serverless: Math.round(groups / 10),
        seed: seed++,
      });
  return { emulator, dynamo: await startDynamo() };
}

/**
 * `accounts` x 17 regions, `sampledCount` accounts spread evenly (the first one of them) running
 * the real child over `groups` groups per region, the Map `concurrency` accounts at a time,
 * run twice on one sandbox and state table.
 */
export async function orgFullBench(
  accounts: number,
  sampledCount: number,
  groups: number,
  concurrency: number,
  realAtOnce: number,
): Promise<void> {
  const fleet: Fleet = {
    accounts: memberAccounts(accounts),
    regions: [...REGIONS_17],
    groups,
    serverless: Math.round(groups / 10),
  };
  const every = Math.floor(accounts / sampledCount);
  const sampled = fleet.accounts.filter((_, index) => index % every === 0).slice(0, sampledCount);
  const sandbox = await sandboxOf(sampled, groups);
  try {
    const options = { concurrency, realAtOnce };
    const isSampled = new Set(sampled);
    const first = await runOnce(sandbox, fleet, isSampled, { ...options, executionName: 'bench-full-first' });
    const second = await runOnce(sandbox, fleet, isSampled, {
      ...options,
      executionName: 'bench-full-second',
    });
    // The parent-side work alone: every child a copy of the second run's real result.
    const parentOnly = await runOnce(sandbox, fleet, new Set(), {
      ...options,
      executionName: 'bench-full-parent-only',
      template: second.template,
    });
    const sampledTargets = sampled.flatMap((account) => REGIONS_17.map((region) => ({ account, region })));
    const size = { accounts, sampled: sampled.length, groups, concurrency, realAtOnce };
    parentRows(size, first, second);
    parentOnlyRow(size, parentOnly);
    sampledRows(size, sampledTargets, first, second);
  } finally {
    await Promise.all([sandbox.emulator.close(), sandbox.dynamo.close()]);
  }
}

type Run = Awaited<ReturnType<typeof runOnce>>;
interface Size {
  accounts: number;
  sampled: number;
  groups: number;
  concurrency: number;
  realAtOnce: number;
}

function push(
  name: string,
  value: number,
  unit: string,
  baseline: number | null,
  goal: string,
  met: boolean,
) {
  const ratio = baseline === null ? null : round(value / baseline, 4);
  rows.push({ name: `Organisation scan at full size, ${name}`, value, unit, baseline, goal, ratio, met });
}

/** Completion, the quotas (largest state, history events), the S3 objects, the parent's own tasks. */
function parentRows(size: Size, first: Run, second: Run): void {
  const targets = size.accounts * REGIONS_17.length;
  const label = `${size.accounts} x 17 regions`;
  const runs = [first, second];
  const children = first.execution.children.counts.STANDARD;
  push(
    `${label} = ${targets} targets, ${size.sampled} accounts' children real (${size.groups} groups per region), the others a copy of a real child's result: targets complete, first and unchanged second run (local runner of infra/org-scan.asl.yaml, ${children.executions} child executions, ${size.concurrency} at a time)`,
    Math.min(first.complete, second.complete),
    'targets',
    targets,
    'every target complete',
    runs.every((run) => run.complete === targets),
  );
  const parent = Math.max(...runs.map((run) => run.execution.largestPayload));
  const child = Math.max(...runs.map((run) => run.execution.children.largestPayload));
  push(
    `${label}, largest state of any execution (parent ${parent} bytes, largest child ${child} bytes)`,
    Math.max(parent, child),
    'bytes',
    QUOTA_BYTES,
    '< 262 144 bytes (256 KiB)',
    Math.max(parent, child) < QUOTA_BYTES,
  );
  const events = Math.max(...runs.map((run) => run.execution.historyEvents));
  push(
    `${label}, the parent's history events (its transitions ${runs.map((run) => run.execution.transitions).join(' / ')}; the children ${children.transitions} transitions in ${children.executions} executions, each its own history)`,
    events,
    'events',
    QUOTA_EVENTS,
    '< 25 000 per execution',
    events < QUOTA_EVENTS,
  );
  const part = (match: RegExp) => {
    const some = first.objects.filter(({ key }) => match.test(key));
    return `${some.length} / ${some.reduce((sum, { bytes }) => sum + bytes, 0)} B`;
  };
  const s3Requests = first.log.filter((entry) => entry.service === 's3').length;
  push(
    `${label}, S3 objects of one run (objects / bytes: targets.jsonl ${part(/targets\.jsonl$/)}, unscanned.json ${part(/unscanned\.json$/)}, summary.json ${part(/\/summary\.json$/)}, ResultWriter manifest ${part(/manifest\.json$/)}, result files ${part(/\/(SUCCEEDED|FAILED|PENDING)_\d+\.json$/)}; ${s3Requests} S3 requests)`,
    first.objects.reduce((sum, { bytes }) => sum + bytes, 0),
    'bytes',
    null,
    'reported',
    true,
  );
  const times = (run: Run) =>
    run.tasks.map((each) => `${each.action} ${round(each.ms, 0)} / ${round(each.cpuMs, 0)} ms`).join(', ');
  const realMs = first.realMs.reduce((sum, ms) => sum + ms, 0);
  push(
    `${label}, the parent's own tasks, first run (wall / CPU of this process, the sandbox's S3 and dynalite included: ${times(first)}; second run: ${times(second)}); the whole run ${round(first.ms / 1000, 1)} s wall and ${round(first.cpuMs / 1000, 1)} s CPU (second ${round(second.ms / 1000, 1)} s, ${round(second.cpuMs / 1000, 1)} s), the real children ${round(realMs / 1000, 1)} s wall summed, ${size.realAtOnce} at a time`,
    round(
      first.tasks.reduce((sum, each) => sum + each.ms, 0),
      0,
    ),
    'ms',
    null,
    'reported',
    true,
  );
}

/** The run with every child a copy: the wall and CPU time of the parent-side work alone. */
function parentOnlyRow(size: Size, run: Run): void {
  push(
    `${size.accounts} x 17 regions, the parent-side work alone: a third run, every child a copy of a real child's result (ClaimRun, ListTargets, the Map's ItemReader, ${run.execution.children.counts.STANDARD.executions} child executions ${size.concurrency} at a time and ResultWriter, Summarize, ReleaseRun; ${round(run.cpuMs / 1000, 1)} s CPU of this process, the sandbox's S3 and dynalite included)`,
    round(run.ms, 0),
    'ms',
    null,
    'reported',
    run.complete === size.accounts * REGIONS_17.length,
  );
}

/** The sampled accounts: API calls per target, AssumeRole per account, writes of the unchanged run. */
function sampledRows(size: Size, sampledTargets: readonly Target[], first: Run, second: Run): void {
  const label = `${size.accounts} x 17 regions, the ${size.sampled} real accounts`;
  const runs = [first, second];
  const bound = 2 * Math.ceil((size.groups + Math.round(size.groups / 10)) / 100) + 4;
  const calls = runs.map((run) => callsOf(run.log, sampledTargets));
  const most = Math.max(...calls.flatMap((each) => each.perTarget));
  push(
    `${label}, API calls per target (most of ${sampledTargets.length} targets x 2 runs; AssumeRole apart)`,
    most,
    'calls',
    bound,
    `<= 2*ceil(N/100)+4 = ${bound}`,
    most <= bound,
  );
  const assumes = Math.max(...calls.flatMap((each) => each.assumeRoles));
  const total = runs.map((run) => run.log.filter((entry) => entry.action === 'AssumeRole').length);
  push(
    `${label}, AssumeRole calls per account and run (most of ${size.sampled} accounts x 2 runs; ${total.join(' / ')} in all per run)`,
    assumes,
    'calls',
    1,
    '<= 1 per account',
    assumes <= 1,
  );
  push(
    `${label}, state table writes of the unchanged second run (every write of the run, the run's lease included; first run ${first.writes}; ${second.dynamoRequests} state-table requests)`,
    second.writes,
    'writes',
    sampledTargets.length,
    `<= ${sampledTargets.length} (one per sampled target)`,
    second.writes <= sampledTargets.length,
  );
}

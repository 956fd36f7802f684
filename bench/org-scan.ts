/**
 * The organisation scan (infra/org-scan.asl.yaml, run by the local runner) over many account ×
 * region targets against the multi-account sandbox: API calls per target against the bound
 * 2·⌈N/100⌉+5 (its AssumeRole included), and wall time against ⌈targets / concurrency⌉ times
 * the single-target floor (one target scanned alone through the same path, same latency).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATE_TABLE, startDynamo } from '../infra/local/dynamo.js';
import { CENTRAL_ACCOUNT, memberAccounts, SANDBOX_REGIONS } from '../infra/local/emulator/accounts.js';
import { seedFleet } from '../infra/local/emulator/fleet.js';
import { type Emulator, startEmulator } from '../infra/local/emulator/server.js';
import { runOrgScan } from '../infra/local/org-scan-workflow.js';
import type { LocalTask } from '../infra/local/step-functions.js';
import { parsePolicy } from '../shared/domain/policy/load.js';
import type { Policy } from '../shared/domain/policy/schema.js';
import { type Target, targetName } from '../shared/domain/targets.js';
import { ROOT, round, rows, rssRow, runChild, timed } from './common.js';

const HOME: Target = { account: CENTRAL_ACCOUNT, region: 'us-east-1' };

interface Fleet {
  accounts: string[];
  regions: string[];
  groups: number;
  serverless: number;
}

/** The default policy, told to scan `fleet`'s accounts and regions `concurrency` at a time. */
function policyFor(fleet: Fleet, concurrency: number): Policy {
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
  const emulator = await startEmulator({
    targets: { accounts: [CENTRAL_ACCOUNT, ...fleet.accounts], regions: fleet.regions },
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
 * One organisation scan of `fleet` on a fresh sandbox and state table: its wall time, the
 * longest Map item's time, the process's CPU time (the sandbox's included) and the request log.
 */
async function scanOnce(fleet: Fleet, latencyMs: number, concurrency: number) {
  const emulator = await sandboxOf(fleet, latencyMs);
  const dynamo = await startDynamo();
  const items: number[] = [];
  const timeItem =
    (task: LocalTask): LocalTask =>
    async (input) => {
      const item = await timed(() => task(input));
      items.push(item.ms);
      return item.value;
    };
  try {
    const cpu = process.cpuUsage();
    const run = await timed(() =>
      runOrgScan({
        endpoint: emulator.endpoint,
        dynamo: dynamo.endpoint,
        policy: policyFor(fleet, concurrency),
        home: HOME,
        now: () => new Date(emulator.clock.now()),
        wrap: { 'target-scan': timeItem },
      }),
    );
    const used = process.cpuUsage(cpu);
    if (run.value.summary.failed > 0)
      throw new Error(
        `bench: ${run.value.summary.failed} targets failed: ${JSON.stringify(run.value.summary)}`,
      );
    return {
      ms: run.ms,
      itemMs: Math.max(...items),
      cpuMs: (used.user + used.system) / 1000,
      log: [...emulator.faults.log],
    };
  } finally {
    await Promise.all([emulator.close(), dynamo.close()]);
  }
}

/**
 * Requests per target: those signed in its account and region, plus every AssumeRole of its
 * account (shared by the account's regions, counted in full against each of them).
 */
function callsPerTarget(log: Awaited<ReturnType<typeof scanOnce>>['log'], targets: readonly Target[]) {
  const assumed = new Map<string, number>();
  const own = new Map<string, number>();
  for (const entry of log) {
    const roleArn = (entry.params as { RoleArn?: string } | undefined)?.RoleArn;
    if (entry.action === 'AssumeRole' && roleArn !== undefined) {
      const account = roleArn.split(':')[4] ?? '';
      assumed.set(account, (assumed.get(account) ?? 0) + 1);
    } else if (entry.account !== undefined && entry.account !== CENTRAL_ACCOUNT) {
      const key = `${entry.account}/${entry.region}`;
      own.set(key, (own.get(key) ?? 0) + 1);
    }
  }
  return targets.map((target) => (own.get(targetName(target)) ?? 0) + (assumed.get(target.account) ?? 0));
}

/**
 * `accounts` × `regions` targets of `groups` groups (and a tenth as many serverless caches),
 * `latencyMs` per call, `concurrency` targets at a time.
 */
export async function orgScanBench(
  accounts: number,
  regions: number,
  groups: number,
  latencyMs: number,
  concurrency: number,
): Promise<void> {
  const fleet: Fleet = {
    accounts: memberAccounts(accounts),
    regions: SANDBOX_REGIONS.slice(0, regions),
    groups,
    serverless: Math.round(groups / 10),
  };
  const one: Fleet = { ...fleet, accounts: fleet.accounts.slice(0, 1), regions: fleet.regions.slice(0, 1) };
  // The floor: one target's Map item alone (no state machine around it), the best of three fresh runs.
  const floors: number[] = [];
  for (let run = 0; run < 3; run += 1) floors.push((await scanOnce(one, latencyMs, 1)).itemMs);
  const floor = Math.min(...floors);
  const all = await scanOnce(fleet, latencyMs, concurrency);
  const targets = fleet.accounts.flatMap((account) => fleet.regions.map((region) => ({ account, region })));
  const calls = callsPerTarget(all.log, targets);
  const most = Math.max(...calls);
  const resources = groups + fleet.serverless;
  const bound = 2 * Math.ceil(resources / 100) + 5;
  const within = calls.filter((count) => count <= bound).length;
  rows.push({
    name: `Organisation scan, API calls per target (most of ${targets.length}, ${within} within the bound; ${resources} resources each, AssumeRole included)`,
    value: most,
    unit: 'calls',
    baseline: bound,
    goal: `<= 2*ceil(N/100)+5 = ${bound}`,
    ratio: round(most / bound),
    met: most <= bound,
  });
  const waves = Math.ceil(targets.length / concurrency);
  const expected = waves * floor;
  const label = `${accounts} accounts x ${regions} regions x ${groups} groups, ${latencyMs} ms per call, ${concurrency} at a time`;
  rows.push({
    name: `Organisation scan wall time, ${label} (one target alone ${round(floor, 0)} ms)`,
    value: round(all.ms, 0),
    unit: 'ms',
    baseline: round(expected, 0),
    goal: `ratio to ceil(targets/concurrency) = ${waves} x the single-target floor <= 1.25`,
    ratio: round(all.ms / expected),
    met: all.ms / expected <= 1.25,
  });
  // Lambda gives each item its own CPU; here every item, the emulator and dynalite take turns on one JS thread.
  const cpuFloor = Math.max(expected, all.cpuMs);
  rows.push({
    name: `Organisation scan wall time, ${label}, against the run's own CPU time (${round(all.cpuMs, 0)} ms: items, emulator and dynalite on one thread)`,
    value: round(all.ms, 0),
    unit: 'ms',
    baseline: round(cpuFloor, 0),
    goal: 'ratio to max(waves x single-target floor, CPU time of the run) <= 1.25',
    ratio: round(all.ms / cpuFloor),
    met: all.ms / cpuFloor <= 1.25,
  });
}

/** Peak RSS of one Map item (one target of `groups` groups), in a child process as Lambda runs it. */
export async function orgItemRss(groups: number): Promise<void> {
  const fleet: Fleet = {
    accounts: memberAccounts(1),
    regions: ['us-east-1'],
    groups,
    serverless: groups / 10,
  };
  const emulator = await sandboxOf(fleet, 0);
  const dynamo = await startDynamo();
  const folder = mkdtempSync(join(tmpdir(), 'bench-item-'));
  const policy = join(folder, 'policy.yaml');
  // The default policy, told to scan the member: the deployment's policy file.
  writeFileSync(
    policy,
    `${readFileSync(join(ROOT, 'infra', 'policy.default.yaml'), 'utf8')}\n`.replace(
      /^settings:\n/m,
      `settings:\n  targets: { accounts: ['${fleet.accounts[0]}'], regions: [us-east-1] }\n`,
    ),
  );
  try {
    const result = await runChild<{ maxRssKb: number; result: { status: string } }>(
      'org-item-child.ts',
      [fleet.accounts[0] ?? '', 'us-east-1'],
      {
        AWS_ENDPOINT_URL: emulator.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_REGION: 'us-east-1',
        STATE_TABLE,
        POLICY_FILE: policy,
        ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:guardrails-alerts',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
    );
    if (result.result.status !== 'complete')
      throw new Error(`bench: the item did not complete: ${JSON.stringify(result)}`);
    rssRow(
      `Peak RSS, one organisation-scan Map item: target-scan for one target of ${groups} groups (child process)`,
      result.maxRssKb,
    );
  } finally {
    await Promise.all([emulator.close(), dynamo.close()]);
  }
}

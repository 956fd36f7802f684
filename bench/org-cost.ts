/**
 * The organisation scan's cost and wall-time models, from what one local run counted: state
 * transitions, child executions, Lambda invocations, state-table requests (capacity units from
 * their sizes) and S3 requests, at us-east-1 list prices (sources in bench/README.md).
 */
import type { DynamoCall } from '../infra/local/dynamo.js';
import type { LoggedRequest } from '../infra/local/emulator/faults.js';
import { REGION_CONCURRENCY } from '../shared/jobs/target-scan.js';
import { round, rows } from './common.js';

/** us-east-1 list prices, USD (bench/README.md names each page). */
export const PRICES = {
  standardTransition: 0.025 / 1000,
  expressRequest: 1 / 1_000_000,
  expressGbSecond: 0.00001667,
  lambdaRequest: 0.2 / 1_000_000,
  lambdaGbSecond: 0.0000166667,
  writeRequestUnit: 0.625 / 1_000_000,
  readRequestUnit: 0.125 / 1_000_000,
  s3Tier1: 0.005 / 1000,
  s3Tier2: 0.0004 / 1000,
};
/** The target-scan and org-scan functions' memory (serverless.yml), GB. */
const LAMBDA_GB = 0.5;
/** An EXPRESS child's memory: its payloads are small, so the 64 MB minimum. */
const EXPRESS_GB = 64 / 1024;
/** The modelled latency of one cross-region API call, and of one state-table request (home region). */
export const CALL_MS = 60;
const DYNAMO_MS = 10;
/** Lambda gives a function a full vCPU at 1 769 MB: at 512 MB a CPU millisecond here takes ~3.5. */
const CPU_SCALE = 1769 / 512;
const S3_TIER1 = new Set([
  'PutObject',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'ListObjectsV2',
]);
const S3_TIER2 = new Set(['GetObject', 'HeadObject']);
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** What one local run counted. */
export interface CountedRun {
  complete: number;
  parentTransitions: number;
  children: number;
  childTransitions: number;
  parentLargest: number;
  childLargest: number;
  /** Each org-scan task's time here (claim, list, summarize, release). */
  orgTaskMs: number[];
  writes: number;
  log: LoggedRequest[];
  dynamo: DynamoCall[];
}

/** One child's task measured alone: the handler's CPU per target, and the resources of each target. */
export interface ItemCost {
  cpuPerTargetMs: number;
  resources: number;
}

interface Calls {
  perTarget: number[];
  assumeRoles: number[];
}

/**
 * A child's modelled duration: its AssumeRole, then its regions REGION_CONCURRENCY at a time,
 * each target its calls one after another at CALL_MS, its state-table requests at DYNAMO_MS and
 * its CPU at 512 MB.
 */
function childModel(run: CountedRun, item: ItemCost, calls: Calls) {
  const targets = calls.perTarget.length;
  const regions = targets / run.children;
  const callsPerTarget = Math.max(...calls.perTarget);
  const dynamoPerTarget = run.dynamo.length / targets;
  const targetMs = callsPerTarget * CALL_MS + dynamoPerTarget * DYNAMO_MS + item.cpuPerTargetMs * CPU_SCALE;
  const ms = CALL_MS + Math.ceil(regions / REGION_CONCURRENCY) * targetMs;
  return { ms, targetMs, regions, callsPerTarget, dynamoPerTarget };
}

/** Capacity units: a write 1 per KB of its request, a read 1 per 4 KB of its answer (strongly consistent): upper bounds. */
function capacityUnits(calls: readonly DynamoCall[]) {
  let write = 0;
  let read = 0;
  for (const call of calls) {
    // A batch is billed item by item, each rounded up: bounded by a unit per item named plus its bytes.
    const items = call.batchItems ?? 0;
    if (WRITES.has(call.operation)) write += Math.max(1, items + Math.ceil((call.requestBytes ?? 0) / 1024));
    if (READS.has(call.operation)) read += Math.max(1, items + Math.ceil((call.responseBytes ?? 0) / 4096));
  }
  return { write, read };
}

/**
 * The parts of one run's cost, STANDARD children (as deployed) and EXPRESS children (the
 * alternative), for `accounts` accounts: everything but the parent's own transitions and the
 * S3 requests is taken as growing with the accounts (the measured run's counts x accounts / its
 * children; the listing and the summary grow slower, so this is an upper bound).
 */
function costOf(run: CountedRun, item: ItemCost, calls: Calls, accounts: number) {
  const scale = accounts / run.children;
  const child = childModel(run, item, calls);
  const units = capacityUnits(run.dynamo);
  const s3 = run.log.filter((entry) => entry.service === 's3');
  const counts = {
    childTransitions: Math.round(run.childTransitions * scale),
    invocations: accounts + run.orgTaskMs.length,
    writeUnits: Math.round(units.write * scale),
    readUnits: Math.round(units.read * scale),
    writes: Math.round(run.writes * scale),
    // One targets object, one results file (under 8 MiB at 1 000 accounts), one manifest: not scaled.
    tier1: s3.filter((entry) => S3_TIER1.has(entry.action)).length,
    tier2: s3.filter((entry) => S3_TIER2.has(entry.action)).length,
  };
  const orgTaskSeconds = (scale * run.orgTaskMs.reduce((sum, ms) => sum + ms, 0)) / 1000;
  const lambdaSeconds = (accounts * child.ms) / 1000 + orgTaskSeconds;
  const parts = {
    stepFunctions: (run.parentTransitions + counts.childTransitions) * PRICES.standardTransition,
    lambdaRequests: counts.invocations * PRICES.lambdaRequest,
    lambdaDuration: lambdaSeconds * LAMBDA_GB * PRICES.lambdaGbSecond,
    dynamoWrites: counts.writeUnits * PRICES.writeRequestUnit,
    dynamoReads: counts.readUnits * PRICES.readRequestUnit,
    s3: counts.tier1 * PRICES.s3Tier1 + counts.tier2 * PRICES.s3Tier2,
  };
  const total = Object.values(parts).reduce((sum, part) => sum + part, 0);
  const billedChildMs = Math.ceil(child.ms / 100) * 100;
  const expressChildren =
    accounts * PRICES.expressRequest +
    accounts * (billedChildMs / 1000) * EXPRESS_GB * PRICES.expressGbSecond;
  const expressTotal = total - counts.childTransitions * PRICES.standardTransition + expressChildren;
  return { parts, total, expressTotal, expressChildren, child, counts, lambdaSeconds, billedChildMs };
}

const usd = (value: number) => round(value, 4);

/**
 * The cost rows for `accounts` accounts: each part of the unchanged run's cost, its total
 * against $0.50, EXPRESS beside it, and the first run's total.
 */
export function costRows(
  label: string,
  accounts: number,
  first: CountedRun,
  second: CountedRun,
  item: ItemCost,
  calls: Calls,
): void {
  const cost = costOf(second, item, calls, accounts);
  const { parts, child, counts } = cost;
  const part = (name: string, value: number) =>
    rows.push({
      name: `Organisation scan cost per run, ${label}: ${name}`,
      value: usd(value),
      unit: 'USD',
      baseline: null,
      goal: 'reported',
      ratio: null,
      met: true,
    });
  part(
    `Step Functions, ${second.parentTransitions} + ${counts.childTransitions} STANDARD transitions`,
    parts.stepFunctions,
  );
  part(`Lambda requests, ${counts.invocations} invocations`, parts.lambdaRequests);
  part(
    `Lambda duration, ${round(cost.lambdaSeconds * LAMBDA_GB, 0)} GB-s at 512 MB (${accounts} children of ${round(child.ms, 0)} ms modelled)`,
    parts.lambdaDuration,
  );
  part(
    `DynamoDB, ${counts.writeUnits} write request units (${counts.writes} write requests)`,
    parts.dynamoWrites,
  );
  part(`DynamoDB, ${counts.readUnits} read request units`, parts.dynamoReads);
  part(`S3, ${counts.tier1} PUT/LIST + ${counts.tier2} GET requests`, parts.s3);
  rows.push({
    name: `Organisation scan cost per run, ${label}, unchanged fleet, STANDARD children (as deployed)`,
    value: usd(cost.total),
    unit: 'USD',
    baseline: 0.5,
    goal: '<= $0.50 per run',
    ratio: round(cost.total / 0.5),
    met: cost.total <= 0.5,
  });
  rows.push({
    name: `Organisation scan cost per run, ${label}, the same run with EXPRESS children (${accounts} requests, ${cost.billedChildMs} ms x 64 MB each: $${usd(cost.expressChildren)} instead of $${usd(counts.childTransitions * PRICES.standardTransition)} of child transitions)`,
    value: usd(cost.expressTotal),
    unit: 'USD',
    baseline: usd(cost.total),
    goal: 'reported (ratio: EXPRESS against STANDARD)',
    ratio: round(cost.expressTotal / cost.total),
    met: true,
  });
  const firstCost = costOf(first, item, calls, accounts);
  rows.push({
    name: `Organisation scan cost of the first run, ${label} (every finding written: ${firstCost.counts.writeUnits} write request units)`,
    value: usd(firstCost.total),
    unit: 'USD',
    baseline: 0.5,
    goal: 'reported (once, on an empty table)',
    ratio: round(firstCost.total / 0.5),
    met: true,
  });
}

/**
 * Modelled wall time of `accounts` accounts, 100 at a time: the org-scan tasks as measured here
 * (x accounts / the run's children, an upper bound), then the Map's waves of children.
 */
export function wallTimeRow(
  label: string,
  accounts: number,
  run: CountedRun,
  item: ItemCost,
  calls: Calls,
): void {
  const child = childModel(run, item, calls);
  const concurrency = 100;
  const waves = Math.ceil(accounts / concurrency);
  const tasks = (run.orgTaskMs.reduce((sum, ms) => sum + ms, 0) * accounts) / run.children;
  const ms = tasks + waves * child.ms;
  rows.push({
    name: `Organisation scan modelled wall time, ${label}, ${concurrency} accounts at a time, ${CALL_MS} ms per cross-region call (${waves} waves x ${round(child.ms / 1000, 1)} s per child: ${child.callsPerTarget} calls, ${round(child.dynamoPerTarget, 1)} state-table requests and ${round(item.cpuPerTargetMs * CPU_SCALE, 0)} ms of 512 MB CPU per target, ${REGION_CONCURRENCY} regions at a time; org-scan tasks ${round(tasks / 1000, 1)} s)`,
    value: round(ms / 60_000, 2),
    unit: 'min',
    baseline: 15,
    goal: '<= 15 minutes',
    ratio: round(ms / 60_000 / 15),
    met: ms <= 15 * 60_000,
  });
}

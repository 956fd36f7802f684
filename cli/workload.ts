/**
 * The write workload `guardrails plan` judges the durability fit on
 * (shared/domain/durability/workload-fit.ts), read through a port: the CloudWatch reader behind
 * it is injected (CommandContext.workload), called once per account and region and lookback with
 * that target's own client options. Without a reader, or for an offline `--input` fleet, every
 * fit is `unknown` and the plan says why.
 */
import type { AwsClientOptions } from '../shared/aws/clients.js';
import { createMetricsClient } from '../shared/aws/durability-metrics.js';
import { readWorkload } from '../shared/aws/workload-metrics.js';
import type { WorkloadLookup } from '../shared/domain/durability/fleet-plan.js';
import { type WorkloadSample, workloadGroupOf } from '../shared/domain/durability/workload.js';
import type { Resource } from '../shared/domain/resource.js';
import { arnLocation } from '../shared/domain/security-findings.js';
import { clip } from '../shared/runtime/echo.js';
import type { CliIo } from './io.js';
import type { RunTargets } from './target-run.js';

/** Reads the write workload of replication groups of one account and region over a window, by group id. */
export type WorkloadReader = (
  groups: readonly Resource[],
  window: { now: Date; lookbackDays: number },
  aws: AwsClientOptions,
) => Promise<ReadonlyMap<string, WorkloadSample>>;

/** The workload the plans read, and how it was measured, in an operator's words. */
export interface PlanWorkload {
  lookup: WorkloadLookup;
  method: string;
}

/** Where the fleet was read: live (one account and region), over targets, or offline. */
export interface WorkloadSource {
  live?: AwsClientOptions;
  targets?: RunTargets;
}

const NOTHING: WorkloadLookup = () => undefined;

/** Each place's client options and the groups in it (a group's account and region are in its ARN). */
function places(groups: readonly Resource[], source: WorkloadSource) {
  if (source.targets === undefined)
    return source.live === undefined ? [] : [{ name: 'the fleet', options: source.live, groups }];
  return source.targets.scanned.map(({ target, options }) => ({
    name: `${target.account}/${target.region}`,
    options,
    groups: groups.filter((group) => {
      const { account, region } = arnLocation(group.arn);
      return account === target.account && region === target.region;
    }),
  }));
}

/**
 * Read every group's workload over the lookbacks its rules ask for (`reads`, from
 * `workloadReads`). A place whose read fails is named on stderr; its groups' fits stay `unknown`.
 *
 * @example
 * const { lookup, method } = await readPlanWorkload(reader, workloadReads(plans, policy), { live }, now, io);
 */
export async function readPlanWorkload(
  reader: WorkloadReader | undefined,
  reads: ReadonlyMap<number, readonly Resource[]>,
  source: WorkloadSource,
  now: Date,
  io: CliIo,
): Promise<PlanWorkload> {
  if (reads.size === 0) return { lookup: NOTHING, method: '' };
  if (reader === undefined)
    return { lookup: NOTHING, method: 'fit: unknown, this build reads no write workload (CloudWatch)' };
  if (source.live === undefined && source.targets === undefined)
    return { lookup: NOTHING, method: 'fit: unknown, an --input fleet has no write workload to read' };
  const samples = new Map<string, WorkloadSample>();
  const methods = new Map<string, Set<number>>();
  for (const [lookbackDays, groups] of reads) {
    for (const place of places(groups, source)) {
      if (place.groups.length === 0) continue;
      try {
        const read = await reader(place.groups, { now, lookbackDays }, place.options);
        for (const group of place.groups) {
          const sample = read.get(group.id);
          if (sample === undefined) continue;
          samples.set(`${lookbackDays} ${group.arn}`, sample);
          methods.set(sample.method, (methods.get(sample.method) ?? new Set()).add(lookbackDays));
        }
      } catch (error) {
        const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        io.stderr(
          `guardrails: the write workload of ${place.name} was not read (its fits are unknown): ${clip(why, 300)}\n`,
        );
      }
    }
  }
  return {
    lookup: (arn, lookbackDays) => samples.get(`${lookbackDays} ${arn}`),
    method:
      methods.size === 0
        ? 'fit: unknown, CloudWatch gave no workload'
        : `fit: ${[...methods].map(([method, days]) => `${method}, over ${[...days].join(' or ')} days`).join('; ')}`,
  };
}

/**
 * The CloudWatch reader `guardrails plan` uses: each group's shard primaries and nodes from its
 * describe answer, their metrics read 500 queries per GetMetricData call.
 */
export const cloudWatchWorkload: WorkloadReader = (groups, { now, lookbackDays }, aws) =>
  readWorkload(
    createMetricsClient(aws),
    groups.flatMap((group) => workloadGroupOf(group) ?? []),
    now,
    lookbackDays,
  );

/** `guardrails plan`: for every group a durability rule covers, what it takes to get there. */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { loadPolicyFile } from '../../shared/aws/policy-file.js';
import { RECORD_KINDS } from '../../shared/aws/state-keys.js';
import {
  countVerdicts,
  describeFit,
  describeSteps,
  describeVerdict,
  type GroupPlan,
  planFleet,
  workloadReads,
} from '../../shared/domain/durability/fleet-plan.js';
import type { SoakRun } from '../../shared/domain/durability/soak-series.js';
import { evaluate } from '../../shared/domain/evaluate.js';
import type { Resource } from '../../shared/domain/resource.js';
import { arnLocation } from '../../shared/domain/security-findings.js';
import type { Format } from '../formats/registry.js';
import { type CliIo, EXIT, emitOutput, formatOf, type OutputFlags, widthOf, withOutput } from '../io.js';
import {
  type FilterFlags,
  type FleetFlags,
  liveOptions,
  stateStoreOf,
  tableOf,
  withFilters,
  withFleet,
  withTable,
} from '../options.js';
import { soakFigures } from '../soak-chart.js';
import { fleetOfRun, plannedRun } from '../target-run.js';
import { TARGETS_HELP, type TargetFlags, withTargets } from '../targets.js';
import { readPlanWorkload } from '../workload.js';
import { workloadFigures } from '../workload-chart.js';
import type { CommandContext } from './context.js';

const COLUMNS = ['resourceId', 'rule', 'current', 'target', 'fit', 'verdict', 'steps'];
/** The formats that show a group's last soak: html draws it, json gives it (lastSoak). */
const SOAK_FORMATS: readonly Format[] = ['html', 'json'];

/** The facts a plan reads, in a few words. */
function current(resource: Resource): string {
  return [
    `${resource.engine ?? '?'} ${resource.engineVersion ?? '?'}`,
    `cluster mode ${resource.clusterMode ?? '?'}`,
    `${resource.minReplicasPerShard ?? '?'} replica(s)`,
    resource.multiAZ === true ? 'Multi-AZ' : 'single-AZ',
    resource.transitEncryptionEnabled === true ? 'TLS' : 'no TLS',
    resource.cacheNodeType ?? '?',
    `durability ${resource.effectiveDurability ?? '?'}`,
  ].join(', ');
}

function shown(plans: GroupPlan[], flags: FilterFlags): GroupPlan[] {
  return plans.filter(
    ({ resource, rule, status }) =>
      (flags.status === undefined || flags.status.includes(status)) &&
      (flags.rule === undefined || flags.rule.includes(rule)) &&
      (flags.resource === undefined || flags.resource.test(resource.id)),
  );
}

/** A plan as a row; `located` puts its group's account and region first. */
function planRow({ resource, rule, plan: detail, fit }: GroupPlan, located: boolean): Record<string, string> {
  const { account, region } = arnLocation(resource.arn);
  return {
    ...(located ? { account, region } : {}),
    resourceId: resource.id,
    rule,
    current: current(resource),
    target: detail.target,
    fit: describeFit(fit),
    verdict: describeVerdict(detail),
    steps: describeSteps(detail),
  };
}

/**
 * The last soak of each group, by ARN, as the upgrade's outcome left it in the state table
 * (`--table` or STATE_TABLE; one Query): none without a table, nor for a format that shows none.
 */
async function lastSoaks(
  flags: FleetFlags & OutputFlags & { table?: string },
  io: CliIo,
): Promise<Map<string, SoakRun>> {
  const table = tableOf(flags);
  if (table === undefined || !SOAK_FORMATS.includes(formatOf(flags, io))) return new Map();
  const runs = await stateStoreOf(flags, table).listRecords(RECORD_KINDS.lastSoak);
  return new Map(runs.map((run) => [run.arn, run]));
}

/**
 * Exit `aws` when a target could not be read (its plans are missing), else `compliant`: a plan
 * is advice, never a verdict.
 */
async function plan(
  flags: FleetFlags & OutputFlags & FilterFlags & TargetFlags & { table?: string },
  context: CommandContext,
): Promise<number> {
  const { io } = context;
  const policy = await loadPolicyFile(flags.policy);
  const planned = plannedRun(flags, policy);
  const { fleet, targets } = await fleetOfRun(
    flags,
    policy,
    io,
    { engineVersions: true, parameterGroups: true },
    planned,
  );
  const findings = evaluate(fleet.resources, policy, new Date());
  // The fit reads the workload of the groups the plans cover, over their rules' lookbacks.
  const workload = await readPlanWorkload(
    context.workload,
    workloadReads(planFleet(fleet.resources, findings, policy), policy),
    { live: targets === undefined ? liveOptions(flags) : undefined, targets },
    await context.now(planned.base),
    io,
  );
  const plans = planFleet(fleet.resources, findings, policy, workload.lookup);
  const rows = shown(plans, flags);
  const soaks = await lastSoaks(flags, io);
  const counts = countVerdicts(plans);
  const summary = `${plans.length} group plan(s): ${Object.entries(counts)
    .map(([verdict, count]) => `${count} ${verdict}`)
    .join(
      ', ',
    )}${rows.length === plans.length ? '' : ` (${rows.length} shown)`}${workload.method === '' ? '' : `\n${workload.method}`}`;
  const located = targets !== undefined;
  // A script reads every fact of each plan, and the targets' failures.
  const data = {
    summary: counts,
    ...(targets === undefined
      ? {}
      : { targets: { total: targets.total, failed: targets.failed }, failures: targets.failures }),
    ...(workload.method === '' ? {} : { fitMethod: workload.method }),
    plans: rows.map(({ resource, rule, plan: detail, fit, workload: sample }) => ({
      resourceId: resource.id,
      arn: resource.arn,
      region: arnLocation(resource.arn).region,
      account: arnLocation(resource.arn).account,
      rule,
      current: current(resource),
      ...detail,
      fit,
      ...(sample === undefined ? {} : { workload: sample }),
      ...(soaks.has(resource.arn) ? { lastSoak: soaks.get(resource.arn) } : {}),
    })),
  };
  await emitOutput(
    {
      kind: 'rows',
      rows: rows.map((each) => planRow(each, located)),
      columns: [...(located ? ['account', 'region'] : []), ...COLUMNS],
      // The fit's verdict and peak read whole on a narrow terminal.
      keep: ['fit'],
      footer: targets === undefined ? summary : `${summary}\n${targets.line}`,
      title: 'guardrails plan',
      data,
      // Per group: its write load, then its last soak when one ran.
      figures: rows.flatMap((row) => [...workloadFigures([row]), ...soakFigures([row], soaks)]),
    },
    flags,
    io,
    { width: widthOf(flags, io) },
  );
  return targets !== undefined && targets.failed > 0 ? EXIT.aws : EXIT.compliant;
}

/** Adds `plan` to `parent`. */
export function addPlan(parent: CommandUnknownOpts, context: CommandContext): void {
  withTable(withTargets(withFilters(withOutput(withFleet(parent.command('plan')), 'rows'))))
    .description(
      'For every replication group a durability rule covers: its state, the target, and the online steps (or the rebuild) that get it there.',
    )
    .addHelpText(
      'after',
      `
Verdicts: in-place (one Durability change), staged (N online steps, M of them wait for an
approval: durability.stagedChanges.allow in the policy lets steps without client impact run
unattended), rebuild (every blocker named; snapshot, create a durable group, cut over; a
data-tiering group's copy starts empty, to be reloaded), not-applicable (already there, or
serverless), unknown (a fact the API did not give, or a node type of unknown memory).
Fit (durability.fit, durability.maxWriteLatencyMs): exceeds (a shard primary peaked above the
100 MiB/s of writes a durable primary takes: more shards first, an add-shards step in cluster mode
enabled), at-risk (a peak above the headroom, 70 % by default; a latency budget below the
single-digit ms of sync writes: async instead; TrafficManagementActive seen; search indexes),
fits, or unknown (no workload read). The JSON output carries each group's measured workload.
With the state table (--table or STATE_TABLE), each group's last soak after a durability upgrade:
its series in the JSON output (lastSoak), drawn in --format html after the group's write load.
--status (of the group's durability finding), --rule and --resource choose what is printed.
Exit codes: ${EXIT.compliant}, or ${EXIT.aws} when a target could not be read (its plans are missing; stderr names it).
${TARGETS_HELP}`,
    )
    .action(async (flags) => {
      context.exit.code = await plan(flags, context);
    });
}

/** `guardrails plan`: for every group a durability rule covers, what it takes to get there. */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { type AwsClientOptions, createElastiCacheClient } from '../../aws/clients.js';
import { readEngineVersionsInto } from '../../aws/elasticache.js';
import { loadPolicyFile } from '../../aws/policy-file.js';
import { evaluate } from '../../domain/evaluate.js';
import {
  countVerdicts,
  describeSteps,
  describeVerdict,
  type GroupPlan,
  planFleet,
} from '../../domain/fleet-plan.js';
import type { Resource } from '../../domain/resource.js';
import { arnLocation } from '../../domain/security-findings.js';
import { clip } from '../../runtime/echo.js';
import {
  type CliIo,
  EXIT,
  emit,
  formatOf,
  type OutputFlags,
  renderRows,
  widthOf,
  withOutput,
} from '../io.js';
import {
  awsOptions,
  describedFleetOf,
  type FilterFlags,
  type FleetFlags,
  withFilters,
  withFleet,
} from '../options.js';
import type { CommandContext } from './context.js';

const COLUMNS = ['resourceId', 'rule', 'current', 'target', 'verdict', 'steps'];

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

/**
 * Versions of the replication groups (DescribeReplicationGroups has none), written onto the
 * resources themselves (the unknown-share report knows them by identity), read with `options`
 * (undefined: offline input, which has none; plans then say the version is not known). `where`
 * names the target in the warning of a run over targets.
 */
export async function withEngineVersions(
  options: AwsClientOptions | undefined,
  fleet: Resource[],
  io: CliIo,
  where?: string,
): Promise<Resource[]> {
  const groups = fleet.filter((resource) => resource.type === 'replication-group');
  if (options === undefined) return fleet;
  const unread = await readEngineVersionsInto(createElastiCacheClient(options), groups);
  // The findings stand without them; only the plans of the groups left unread say so.
  const [error] = unread.values();
  const of = where === undefined ? '' : ` of ${where}`;
  if (error !== undefined)
    io.stderr(
      `guardrails: engine versions${of} not read (${clip(error.message, 200)}); their plans say so\n`,
    );
  return fleet;
}

/** The client options of a fleet read live, or undefined for offline `--input`. */
export const liveOptions = (flags: FleetFlags): AwsClientOptions | undefined =>
  flags.input === undefined ? awsOptions(flags) : undefined;

function shown(plans: GroupPlan[], flags: FilterFlags): GroupPlan[] {
  return plans.filter(
    ({ resource, rule, status }) =>
      (flags.status === undefined || flags.status.includes(status)) &&
      (flags.rule === undefined || flags.rule.includes(rule)) &&
      (flags.resource === undefined || flags.resource.test(resource.id)),
  );
}

async function plan(flags: FleetFlags & OutputFlags & FilterFlags, io: CliIo): Promise<number> {
  const policy = await loadPolicyFile(flags.policy);
  const fleet = await withEngineVersions(
    liveOptions(flags),
    (await describedFleetOf(flags, io)).resources,
    io,
  );
  const plans = planFleet(fleet, evaluate(fleet, policy, new Date()), policy);
  const rows = shown(plans, flags);
  const counts = countVerdicts(plans);
  const summary = `${plans.length} group plan(s): ${Object.entries(counts)
    .map(([verdict, count]) => `${count} ${verdict}`)
    .join(', ')}${rows.length === plans.length ? '' : ` (${rows.length} shown)`}`;
  const format = formatOf(flags, io);
  const text =
    format === 'json'
      ? `${JSON.stringify(
          {
            summary: counts,
            plans: rows.map(({ resource, rule, plan: detail }) => ({
              resourceId: resource.id,
              arn: resource.arn,
              region: arnLocation(resource.arn).region,
              account: arnLocation(resource.arn).account,
              rule,
              current: current(resource),
              ...detail,
            })),
          },
          null,
          2,
        )}\n`
      : renderRows(
          rows.map(({ resource, rule, plan: detail }) => ({
            resourceId: resource.id,
            rule,
            current: current(resource),
            target: detail.target,
            verdict: describeVerdict(detail),
            steps: describeSteps(detail),
          })),
          COLUMNS,
          format,
          { width: widthOf(flags, io), footer: summary, title: 'guardrails plan' },
        );
  await emit(text, flags, io);
  return EXIT.compliant;
}

/** Adds `plan` to `parent`. */
export function addPlan(parent: CommandUnknownOpts, context: CommandContext): void {
  withFilters(withOutput(withFleet(parent.command('plan'))))
    .description(
      'For every replication group a durability rule covers: its state, the target, and the online steps (or the rebuild) that get it there.',
    )
    .addHelpText(
      'after',
      `
Verdicts: in-place (one Durability change), staged (N online steps, M of them wait for an
approval: durability.stagedChanges.allow in the policy lets steps without client impact run
unattended), rebuild (every blocker named; snapshot, create a durable group, cut over),
not-applicable (already there, or serverless), unknown (a fact the API did not give).
--status (of the group's durability finding), --rule and --resource choose what is printed.`,
    )
    .action(async (flags) => {
      context.exit.code = await plan(flags, context.io);
    });
}

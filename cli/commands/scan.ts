/** `guardrails scan`: evaluate the fleet against the policy and report every finding. */
import { createHash } from 'node:crypto';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { loadPolicyFile } from '../../shared/aws/policy-file.js';
import { observedEncryption } from '../../shared/domain/drift.js';
import { planFleet, withPlanVerdicts } from '../../shared/domain/durability/fleet-plan.js';
import { evaluate, summarize } from '../../shared/domain/evaluate.js';
import type { Finding } from '../../shared/domain/finding.js';
import { POLICY_LIMITS } from '../../shared/domain/policy/load.js';
import type { Policy } from '../../shared/domain/policy/schema.js';
import { readBoundedFile } from '../../shared/runtime/bounded-read.js';
import { InputValidationError } from '../../shared/runtime/errors.js';
import { decimalFlag } from '../arguments.js';
import type { DescribedFleet } from '../fleet-source.js';
import { byUrgency, passes, STATUS_ORDER } from '../format.js';
import { type CliIo, EXIT, emitOutput, type OutputFlags, widthOf, withOutput } from '../io.js';
import {
  type FilterFlags,
  type FleetFlags,
  filterOf,
  liveOptions,
  stateStoreOf,
  tableName,
  withFilters,
  withFleet,
  withTable,
} from '../options.js';
import { exportScanned, ownTarget } from '../security-hub.js';
import { fleetOfRun, type RunTargets } from '../target-run.js';
import { TARGETS_HELP, type TargetFlags, withTargets } from '../targets.js';
import { describeUnknownShare, reachesLimit, unknownShare } from '../unknown-share.js';
import { CLI_VERSION } from '../version.js';
import type { CommandContext } from './context.js';

export const hasViolation = (findings: readonly Finding[]) =>
  findings.some((finding) => finding.status === 'violation');

/** `--max-unknown` as a percentage from 0 to 100. */
const parsePercent = decimalFlag('--max-unknown', { min: 0, max: 100, fraction: true, unit: 'percent' });

type ScanFlags = FleetFlags &
  OutputFlags &
  FilterFlags &
  TargetFlags & { maxUnknown: number; securityHub?: boolean; table?: string };

/** What a scan found, before it is rendered. */
interface Scanned {
  findings: Finding[];
  fleet: DescribedFleet;
  targets?: RunTargets;
}

/** The fleet's findings (each target's, and the error finding of each target that failed). */
async function scanned(flags: ScanFlags, io: CliIo, policy: Policy, scannedAt: Date): Promise<Scanned> {
  const { fleet, targets } = await fleetOfRun(flags, policy, io, { engineVersions: true });
  const evaluated = evaluate(fleet.resources, policy, scannedAt);
  // A violation nothing acts on says what it would take (its readiness plan's verdict).
  const findings = withPlanVerdicts(evaluated, planFleet(fleet.resources, evaluated, policy));
  return { findings: [...(targets?.failures ?? []), ...findings], fleet, targets };
}

/**
 * The scan's exit code: `violations` on any violation; else `aws` when a target failed; else
 * `nothingEvaluated` when the unknown share reaches `--max-unknown` (an all-unknown scan is not
 * compliance) or a run over targets found none; else `compliant`.
 */
function exitOf(scanned: Scanned, limitReached: boolean, exported: boolean): number {
  if (hasViolation(scanned.findings)) return EXIT.violations;
  if ((scanned.targets !== undefined && scanned.targets.failed > 0) || !exported) return EXIT.aws;
  return limitReached || scanned.targets?.total === 0 ? EXIT.nothingEvaluated : EXIT.compliant;
}

/** `--security-hub`: the state table its records go to, checked before any call; undefined without it. */
function securityHubStore(flags: ScanFlags) {
  if (flags.securityHub !== true) return undefined;
  if (flags.input !== undefined)
    throw new InputValidationError('--security-hub imports a live scan: it takes no --input');
  return stateStoreOf(flags, tableName(flags));
}

async function scan(flags: ScanFlags, io: CliIo): Promise<number> {
  const store = securityHubStore(flags);
  const policy = await loadPolicyFile(flags.policy);
  const scannedAt = new Date();
  const result = await scanned(flags, io, policy, scannedAt);
  const { findings, fleet, targets } = result;
  const { filter, text } = filterOf(flags);
  const shown = byUrgency(findings).filter((finding) => passes(finding, filter));
  // JSON keeps the raw encryption state too: a later `drift --baseline` compares with it.
  const resources = fleet.resources.map(observedEncryption);
  const report = {
    summary: summarize(findings),
    findings: shown,
    resources,
    filter: text,
    targets:
      targets === undefined
        ? undefined
        : { total: targets.total, failed: targets.failed, line: targets.line },
  };
  // The HTML header names the policy by its hash: the same path can hold another policy later.
  const page = {
    scannedAt,
    version: CLI_VERSION,
    policy: {
      path: flags.policy,
      sha256: createHash('sha256')
        .update(await readBoundedFile(flags.policy, POLICY_LIMITS.maxBytes))
        .digest('hex'),
    },
  };
  await emitOutput({ kind: 'report', report, page }, flags, io, { width: widthOf(flags, io) });
  const share = unknownShare(findings, fleet.resources, fleet.lacking);
  const limitReached = reachesLimit(share, flags.maxUnknown);
  if (share.unknown > 0)
    io.stderr(
      describeUnknownShare(share, {
        limitReached,
        offline: flags.input !== undefined,
        maxUnknownPercent: flags.maxUnknown,
      }),
    );
  const options = liveOptions(flags);
  const exported =
    store === undefined || options === undefined
      ? true
      : await exportScanned(targets?.scanned ?? [await ownTarget(options)], findings, store, io);
  return exitOf(result, limitReached, exported);
}

/** Adds `scan` to `parent`. */
export function addScan(parent: CommandUnknownOpts, context: CommandContext): void {
  withTable(withTargets(withFilters(withOutput(withFleet(parent.command('scan')), 'report'))))
    .description('Evaluate every replication group and serverless cache against the policy.')
    .option(
      '--security-hub',
      "import the findings into each target's own Security Hub, changes only (records in --table)",
    )
    .option(
      '--max-unknown <percent>',
      'warn and exit 4 when at least this share of the findings is unknown',
      parsePercent,
      100,
    )
    .addHelpText(
      'after',
      `
Exit codes: ${EXIT.compliant} compliant, ${EXIT.violations} violations, ${EXIT.usage} usage or input error, ${EXIT.aws} AWS/API error or a target
that could not be scanned, ${EXIT.nothingEvaluated} nothing evaluated (unknown findings reach --max-unknown, e.g. input
saved by an AWS CLI older than the 2026-06-02 ElastiCache model change; or no target found).
Precedence: ${EXIT.violations} over ${EXIT.aws} over ${EXIT.nothingEvaluated}. A failed target is no violation, but a scan that missed
a target never exits ${EXIT.compliant}; stderr says how many targets there were and which failed.
--status, --rule and --resource choose what is printed, in every format; the exit code is decided
on every finding, so a filter never hides a violation from it. Shown: ${STATUS_ORDER.join(', ')}
first to last, then by resource id and rule. A table ends with the whole fleet's counts.
${TARGETS_HELP}
A target that could not be scanned (its role denied, STS throttled, its region not enabled) is
one error finding naming the cause (left out of asff and ocsf: it is no resource's finding).
--security-hub imports each target's findings into Security Hub in that target's account and
region, as the deployment does: only changes of state, at most 100 a call, recorded in the state
table (--table or STATE_TABLE); a target whose import failed makes the exit ${EXIT.aws}.
--input (offline) reads one account's saved files: it takes no target flag and ignores
settings.targets.`,
    )
    .action(async (flags) => {
      context.exit.code = await scan(flags, context.io);
    });
}

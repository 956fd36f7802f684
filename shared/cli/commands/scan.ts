/** `guardrails scan`: evaluate the fleet against the policy and report every finding. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type CommandUnknownOpts, InvalidArgumentError } from '@commander-js/extra-typings';
import { loadPolicyFile } from '../../aws/policy-file.js';
import { observedEncryption } from '../../domain/drift.js';
import { evaluate, summarize } from '../../domain/evaluate.js';
import type { Finding } from '../../domain/finding.js';
import { planFleet, withPlanVerdicts } from '../../domain/fleet-plan.js';
import { byUrgency, passes, renderReport, STATUS_ORDER } from '../format.js';
import { renderHtmlReport } from '../html.js';
import { type CliIo, EXIT, emit, formatOf, type OutputFlags, widthOf, withOutput } from '../io.js';
import {
  describedFleetOf,
  type FilterFlags,
  type FleetFlags,
  filterOf,
  withFilters,
  withFleet,
} from '../options.js';
import { describeUnknownShare, reachesLimit, unknownShare } from '../unknown-share.js';
import { CLI_VERSION, type CommandContext } from './context.js';
import { withEngineVersions } from './plan.js';

export const hasViolation = (findings: readonly Finding[]) =>
  findings.some((finding) => finding.status === 'violation');

/** `--max-unknown` as a percentage from 0 to 100. */
function parsePercent(value: string): number {
  const percent = Number(value);
  if (value.trim() === '' || !Number.isFinite(percent) || percent < 0 || percent > 100)
    throw new InvalidArgumentError('expected a percentage between 0 and 100');
  return percent;
}

type ScanFlags = FleetFlags & OutputFlags & FilterFlags & { maxUnknown: number };

/**
 * Exit `violations` on any violation; else `nothingEvaluated` when the unknown share reaches
 * `--max-unknown` (an all-unknown scan is not compliance); else `compliant`.
 */
async function scan(flags: ScanFlags, io: CliIo): Promise<number> {
  const policy = await loadPolicyFile(flags.policy);
  const described = await describedFleetOf(flags, io);
  const fleet = { ...described, resources: await withEngineVersions(flags, described.resources, io) };
  const scannedAt = new Date();
  const evaluated = evaluate(fleet.resources, policy, scannedAt);
  // A violation nothing acts on says what it would take (its readiness plan's verdict).
  const findings = withPlanVerdicts(evaluated, planFleet(fleet.resources, evaluated, policy));
  const format = formatOf(flags, io);
  const { filter, text } = filterOf(flags);
  const shown = byUrgency(findings).filter((finding) => passes(finding, filter));
  // JSON keeps the raw encryption state too: a later `drift --baseline` compares with it.
  const resources = format === 'json' ? fleet.resources.map(observedEncryption) : undefined;
  const report = { summary: summarize(findings), findings: shown, resources, filter: text };
  // The HTML header names the policy by its hash: the same path can hold another policy later.
  const rendered =
    format === 'html'
      ? renderHtmlReport(report, {
          scannedAt,
          version: CLI_VERSION,
          policy: {
            path: flags.policy,
            sha256: createHash('sha256')
              .update(await readFile(flags.policy))
              .digest('hex'),
          },
        })
      : renderReport(report, format, { width: widthOf(flags, io) });
  await emit(rendered, flags, io);
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
  if (hasViolation(findings)) return EXIT.violations;
  return limitReached ? EXIT.nothingEvaluated : EXIT.compliant;
}

/** Adds `scan` to `parent`. */
export function addScan(parent: CommandUnknownOpts, context: CommandContext): void {
  withFilters(withOutput(withFleet(parent.command('scan'))))
    .description('Evaluate every replication group and serverless cache against the policy.')
    .option(
      '--max-unknown <percent>',
      'warn and exit 4 when at least this share of the findings is unknown',
      parsePercent,
      100,
    )
    .addHelpText(
      'after',
      `
Exit codes: ${EXIT.compliant} compliant, ${EXIT.violations} violations, ${EXIT.usage} usage or input error, ${EXIT.aws} AWS/API error,
${EXIT.nothingEvaluated} nothing evaluated (unknown findings reach --max-unknown, e.g. input saved by an AWS CLI
older than the 2026-06-02 ElastiCache model change). Violations win over ${EXIT.nothingEvaluated}.
--status, --rule and --resource choose what is printed, in every format; the exit code is decided
on every finding, so a filter never hides a violation from it. Shown: ${STATUS_ORDER.join(', ')}
first to last, then by resource id and rule. A table ends with the whole fleet's counts.`,
    )
    .action(async (flags) => {
      context.exit.code = await scan(flags, context.io);
    });
}

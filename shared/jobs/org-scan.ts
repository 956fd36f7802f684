/**
 * The organisation scan around the per-target runs (infra/org-scan.asl.yaml): which targets
 * there are (the policy's `settings.targets`, or the deployment's own account and region), and
 * the summary of the results of every target's run.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import type { AwsClientOptions } from '../aws/clients.js';
import { listAccounts, MemberCredentials } from '../aws/targets.js';
import { FINDING_STATUSES, type FindingStatus } from '../domain/finding.js';
import { selectsOnOus } from '../domain/match.js';
import type { Policy } from '../domain/policy/schema.js';
import {
  type AccountItem,
  ALL_ENABLED,
  accountItems,
  type SkippedAccount,
  type Target,
  targetErrorFinding,
} from '../domain/targets.js';
import { clip } from '../runtime/echo.js';
import { InputValidationError } from '../runtime/errors.js';
import { redactText } from '../runtime/redact.js';
import { type MemberEnv, perMemberAccess } from './member-env.js';
import { failedTarget, type TargetResult } from './target-scan.js';

/**
 * The member credentials a policy calls for, one {@link MemberCredentials} per role name and
 * external id kept for the container's life, so the regions of an account share one AssumeRole
 * across invocations until it nears expiry. None when the policy names no targets: the scan
 * then covers the deployment's own account and region alone.
 *
 * @example
 * const membersFor = memberCredentialsFor(base.config, base.aws);
 * const members = membersFor(await base.policy());
 */
export function memberCredentialsFor(
  config: MemberEnv,
  aws: AwsClientOptions,
  now: () => number = Date.now,
): (policy: Policy) => MemberCredentials | undefined {
  const kept = perMemberAccess(config, aws, (access) => new MemberCredentials(access, aws, now));
  return (policy) => (policy.settings.targets === undefined ? undefined : kept(policy));
}

/**
 * The deployment's own target: the account in its function's ARN
 * (`arn:aws:lambda:<region>:<account>:function:<name>`) and its region.
 */
export function homeTarget(invokedFunctionArn: string, region: string | undefined): Target {
  const account = invokedFunctionArn.split(':')[4];
  if (account === undefined || !/^\d{12}$/.test(account))
    throw new InputValidationError(`context.invokedFunctionArn: no account id in "${invokedFunctionArn}"`);
  if (region === undefined || region === '')
    throw new InputValidationError('AWS_REGION: is required but not set');
  return { account, region };
}

/** What the Map iterates over, the failures found while listing, and how many accounts run at once. */
export interface TargetList {
  /** One item per account: its regions, or `all-enabled` (its child reads them). */
  items: AccountItem[];
  /** OUs that could not be listed: already results, one error finding each. */
  failed: TargetResult[];
  /** Accounts of the organisation not scanned for their State. */
  skipped: SkippedAccount[];
  concurrency: number;
}

/**
 * The targets of a list as far as the listing knows them: an `all-enabled` account counts as one
 * (every account has regions enabled by default) until its child reads its regions.
 */
export const listedTargets = (list: Pick<TargetList, 'items'>) =>
  list.items.reduce((sum, item) => sum + (item.regions === ALL_ENABLED ? 1 : item.regions.length), 0);

export interface TargetListDeps {
  home: Target;
  /** Absent when the policy names no targets. */
  members?: MemberCredentials;
  /** The app's own options (Organizations is called with them). */
  aws: AwsClientOptions;
  /**
   * The most targets the deployment lets run at once (target-scan's reserved concurrency, the
   * `scanConcurrency` parameter): the policy's `concurrency` is clamped to it. Absent: the policy's.
   */
  maxConcurrency?: number;
}

/**
 * The items of `policy`: its `settings.targets` accounts (the organisation's, read with the
 * app's own credentials) with the regions listed or `all-enabled`, which each account's child
 * reads with the member role it assumes anyway (so the listing assumes no role: one AssumeRole
 * per account and run); or the deployment's own account and region alone. And how many the Map
 * runs at once, the policy's `concurrency` clamped to the deployment's `maxConcurrency` (more
 * items than target-scan's reserved concurrency would only be throttled and retried).
 *
 * @example
 * const { items, failed, concurrency } = await listTargets(deps, policy);
 */
export async function listTargets(deps: TargetListDeps, policy: Policy): Promise<TargetList> {
  const setting = policy.settings.targets;
  if (setting === undefined || deps.members === undefined)
    return { items: accountItems([deps.home]), failed: [], skipped: [], concurrency: 1 };
  const listed = await listAccounts({ ...setting, ouPaths: selectsOnOus(policy) }, { options: deps.aws });
  const items = listed.accounts.map((account): AccountItem => {
    const ouPath = listed.ouPaths.get(account);
    const regions = setting.regions === ALL_ENABLED ? ALL_ENABLED : [...new Set(setting.regions)].sort();
    return { account, regions, ...(ouPath === undefined ? {} : { ouPath }) };
  });
  return {
    items,
    failed: listed.failures.map(({ target, failure }) =>
      failedTarget(target, targetErrorFinding(target, failure)),
    ),
    skipped: listed.skipped,
    concurrency: Math.min(setting.concurrency, deps.maxConcurrency ?? setting.concurrency),
  };
}

/** The warning of a scan with nothing to scan: no alarm would otherwise say so. */
export const NO_TARGETS =
  "no targets: the policy's settings.targets resolve to none (every account excluded, its OUs empty or unlistable, or no region); nothing is scanned";

/**
 * Say how many targets were listed: a `Targets` metric (dimension `run: org-scan`; the alarm
 * NoTargetsAlarm fires on 0; an `all-enabled` account counted once, {@link listedTargets}), and a
 * warning when there are none, which is not a clean run.
 *
 * @example
 * reportTargets(list, scan.logger, metrics);
 */
export function reportTargets(
  list: TargetList,
  logger: Pick<Logger, 'info' | 'warn'>,
  metrics: Pick<Metrics, 'singleMetric'>,
): void {
  const targets = listedTargets(list);
  const counts = {
    accounts: list.items.length,
    targets,
    failed: list.failed.length,
    skipped: list.skipped.length,
    concurrency: list.concurrency,
  };
  const single = metrics.singleMetric();
  single.addDimensions({ run: 'org-scan' });
  single.addMetric('Targets', MetricUnit.Count, targets);
  if (targets === 0) logger.warn(NO_TARGETS, counts);
  else logger.info('targets listed', counts);
}

/** The organisation scan's output. */
export interface OrgScanSummary {
  targets: number;
  complete: number;
  failed: number;
  /** Findings of every target by status. */
  findings: Record<FindingStatus, number>;
  /** The targets that failed and why (`<account>/<region>: <cause>`). */
  failures: string[];
  /** Targets scanned whose Security Hub import failed or was refused in part (retried next run). */
  exportFailures: string[];
  /** Accounts of the organisation not scanned: their State is not ACTIVE. */
  skipped: number;
  /** The skipped accounts and their State (`<account>: <State>`). */
  skippedAccounts: string[];
  /** How many lines each list above leaves out ({@link shortSummary}); the whole lists are in `fullSummary`. */
  notListed: { failures: number; exportFailures: number; skippedAccounts: number };
  /** Where the whole summary is (`s3://<bucket>/runs/<execution>/summary.json`), when written. */
  fullSummary?: string;
}

/** The lines each list of a short summary holds at most, and the characters of each line. */
export const SUMMARY_LINES = 20;
const LINE_CHARS = 300;

/**
 * `summary` small enough for the execution state whatever the organisation's size (a state holds
 * at most 256 KiB; one line per failed target is 1.6 MB at 17 000 targets): each list cut to its
 * first {@link SUMMARY_LINES} lines of at most 300 characters, what it left out counted in
 * `notListed`, and `fullSummary` naming where the whole summary is.
 *
 * @example
 * return shortSummary(summary, `s3://${bucket}/${key}`);
 */
export function shortSummary(summary: OrgScanSummary, fullSummary: string): OrgScanSummary {
  const short = (lines: readonly string[]) =>
    lines.slice(0, SUMMARY_LINES).map((line) => clip(line, LINE_CHARS));
  const left = (lines: readonly string[]) => Math.max(0, lines.length - SUMMARY_LINES);
  return {
    ...summary,
    failures: short(summary.failures),
    exportFailures: short(summary.exportFailures),
    skippedAccounts: short(summary.skippedAccounts),
    notListed: {
      failures: left(summary.failures),
      exportFailures: left(summary.exportFailures),
      skippedAccounts: left(summary.skippedAccounts),
    },
    fullSummary,
  };
}

/**
 * One item of the Map's output: a target's result, or the failed result its item made of the
 * function's failure (`cause`: Step Functions' Cause, the function's error as JSON).
 */
const mapResultSchema = z.looseObject({
  target: z.object({ account: z.string(), region: z.string() }),
  status: z.enum(['complete', 'failed']),
  findings: z.partialRecord(z.enum(FINDING_STATUSES), z.number()),
  error: z.looseObject({ reason: z.string() }).optional(),
  cause: z.string().optional(),
  securityHub: z.looseObject({ error: z.string().optional(), refused: z.number().optional() }).optional(),
});

/** What a failed item says went wrong: its error finding's reason, or the function's error message. */
function causeOf(result: z.infer<typeof mapResultSchema>): string {
  if (result.error !== undefined) return result.error.reason;
  if (result.cause === undefined) return 'the run failed';
  try {
    const parsed = JSON.parse(result.cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : result.cause;
  } catch {
    return result.cause;
  }
}

/**
 * Add up the results of every target: the Map's and those that failed while listing, with the
 * accounts skipped for their State. An item whose output is not a result (a child execution
 * that failed outright) counts as failed. Every line listed: {@link shortSummary} bounds it.
 *
 * @example
 * const summary = summarizeScan([...mapResults, ...list.failed], list.skipped);
 */
export function summarizeScan(
  results: readonly unknown[],
  skipped: readonly SkippedAccount[] = [],
): OrgScanSummary {
  const findings = Object.fromEntries(FINDING_STATUSES.map((status) => [status, 0])) as Record<
    FindingStatus,
    number
  >;
  const failures: string[] = [];
  const exportFailures: string[] = [];
  let complete = 0;
  for (const item of results) {
    const parsed = mapResultSchema.safeParse(item);
    if (!parsed.success) {
      findings.error += 1;
      failures.push(`unknown target: the item ended without a result (${clip(JSON.stringify(item), 300)})`);
      continue;
    }
    const result = parsed.data;
    for (const status of FINDING_STATUSES) findings[status] += result.findings[status] ?? 0;
    const name = `${result.target.account}/${result.target.region}`;
    if (result.status === 'complete') complete += 1;
    else failures.push(`${name}: ${redactText(causeOf(result))}`);
    const exported = result.securityHub;
    if (exported?.error !== undefined) exportFailures.push(`${name}: ${redactText(exported.error)}`);
    else if ((exported?.refused ?? 0) > 0)
      exportFailures.push(`${name}: ${exported?.refused} findings refused`);
  }
  return {
    targets: results.length,
    complete,
    failed: results.length - complete,
    findings,
    failures,
    exportFailures,
    skipped: skipped.length,
    skippedAccounts: skipped.map(({ account, state }) => `${account}: ${state}`),
    notListed: { failures: 0, exportFailures: 0, skippedAccounts: 0 },
  };
}

/**
 * One target's scheduled run (one item of the organisation scan's Map): today's durability scan
 * and encryption-drift scan of one account × region, with that account's credentials (the
 * member role, assumed once per account and cached) or, when the policy names no targets, the
 * deployment's own. The fleet is read once for both jobs. A target that cannot be reached (its
 * role denied, STS throttled, its region not enabled, the first read refused) is one `error`
 * finding naming the cause, and the run returns instead of throwing: the other targets go on.
 * The organisation scan's Map hands one account with its regions to each child
 * ({@link scanAccount}): its role is assumed once, and its regions are scanned concurrently.
 */

import * as z from 'zod';
import { type AwsClientOptions, createFleetClients } from '../aws/clients.js';
import { createMetricsClient } from '../aws/durability-metrics.js';
import { readFleet } from '../aws/elasticache.js';
import { AwsCallError } from '../aws/errors.js';
import type { AlertPublisher } from '../aws/notify.js';
import { type FindingsImporter, SecurityHubNotEnabledError } from '../aws/security-hub.js';
import { enabledRegions, type MemberCredentials, targetFailure } from '../aws/targets.js';
import type { RemediationAction } from '../domain/durability/remediation.js';
import type { Finding, FindingStatus } from '../domain/finding.js';
import type { Resource } from '../domain/resource.js';
import {
  type AccountItem,
  ALL_ENABLED,
  accountIdSchema,
  accountItemSchema,
  DEFAULT_MEMBER_ROLE,
  itemTargets,
  type MemberAccess,
  ouIdSchema,
  regionSchema,
  sameTarget,
  type Target,
  targetErrorFinding,
  targetName,
} from '../domain/targets.js';
import { mapConcurrent } from '../runtime/concurrency.js';
import { InputValidationError } from '../runtime/errors.js';
import { type DurabilityJobSettings, scanDurability } from './durability/pipeline.js';
import type { GroupCheckDeps } from './durability/ports.js';
import { scanEncryptionDrift } from './encryption-drift.js';
import { exportFindings, type SecurityHubExportResult } from './security-hub-export.js';

/** A direct invocation: one target, or none (the deployment's own). */
const directEventSchema = z.looseObject({
  account: z.never().optional(),
  regions: z.never().optional(),
  target: z
    .object({ account: accountIdSchema, region: regionSchema, ouPath: z.array(ouIdSchema).min(1).optional() })
    .optional(),
});

/**
 * The target-scan function's event: one item of the organisation scan's Map, an account and its
 * regions (`{ account, regions, ouPath?, legacyLayout? }`, no other field); or a direct
 * invocation, `{ target }` or none. An event naming an account or regions is an item, parsed as
 * one alone so its error names the field (rather than read as a direct invocation of the
 * deployment's own target).
 */
export const targetScanEventSchema = z.unknown().transform((event, context) => {
  const item = typeof event === 'object' && event !== null && ('account' in event || 'regions' in event);
  const parsed = (item ? accountItemSchema : directEventSchema).safeParse(event);
  if (parsed.success) return parsed.data as AccountItem | z.infer<typeof directEventSchema>;
  for (const issue of parsed.error.issues) context.addIssue({ ...issue });
  return z.NEVER;
});

/** What a target's run needs beside the target's own clients, which it builds. */
export interface TargetScanDeps extends Omit<GroupCheckDeps, 'clients' | 'cloudwatch'> {
  /** The deployment's own account and region (its function's ARN and AWS_REGION). */
  home: Target;
  /** The member accounts' credentials; absent when the policy names no targets (own credentials). */
  members?: MemberCredentials;
  /** Options every target's clients share (endpoint, retries); region and credentials are the target's. */
  aws: AwsClientOptions;
  alerts: AlertPublisher;
  /**
   * Builds a Security Hub importer from the target's client options (its account and region);
   * absent: findings are not exported.
   */
  securityHub?: (options: AwsClientOptions) => FindingsImporter;
}

/**
 * What the Security Hub export of a target did (counts), or why it could not (`code`: the AWS
 * fault; `InvalidAccessException` when Security Hub is not enabled in the target).
 */
export type TargetExport =
  | (Omit<SecurityHubExportResult, 'failed'> & { refused: number })
  | { error: string; code: string };

/** What one target's run returns: small enough for a Map item (no findings, counts only). */
export interface TargetResult {
  target: Target;
  status: 'complete' | 'failed';
  /** Findings of every check by status (the error finding of an unreachable target counted). */
  findings: Partial<Record<FindingStatus, number>>;
  actions: Partial<Record<RemediationAction, number>>;
  /** Encryption alerts sent (retirements included). */
  alerts: number;
  /** The one finding of a target that could not be scanned. */
  error?: Finding;
  /** The Security Hub export, when the deployment exports. */
  securityHub?: TargetExport;
}

/** The result of a target that could not be scanned: its one error finding. */
export function failedTarget(target: Target, error: Finding): TargetResult {
  return { target, status: 'failed', findings: { error: 1 }, actions: {}, alerts: 0, error };
}

/** A target's run: its result, and its findings for the function's metrics (never in the result). */
export interface TargetScanOutcome {
  result: TargetResult;
  findings: Finding[];
}

/** Counts of the statuses that occur, in a stable order. */
function countByStatus(summary: Record<FindingStatus, number>): TargetResult['findings'] {
  return Object.fromEntries(Object.entries(summary).filter(([, count]) => count > 0));
}

/**
 * Read the target's fleet with its own credentials: the AssumeRole first (so its failure is
 * named as such, not as the read it would have signed), then the fleet. Only these calls
 * decide whether the target is reachable; a later failure is the run's own and is thrown.
 */
async function reach(options: AwsClientOptions, clients: ReturnType<typeof createFleetClients>) {
  await options.credentials?.();
  return readFleet(clients);
}

/**
 * Export a scanned target's findings to Security Hub, from the target's own account. A failed
 * import (Security Hub not enabled there, say) is reported on the target, not thrown: the scan
 * itself is complete, and the next run imports again (what was imported is recorded only once
 * Security Hub took it).
 */
async function exportTarget(
  deps: Pick<TargetScanDeps, 'store' | 'now' | 'logger'> & { securityHub: FindingsImporter },
  target: Target,
  findings: readonly Finding[],
): Promise<TargetExport> {
  try {
    const { failed, ...counts } = await exportFindings(deps, target, findings);
    return { ...counts, refused: failed.length };
  } catch (error) {
    if (!(error instanceof AwsCallError || error instanceof SecurityHubNotEnabledError)) throw error;
    const code = error instanceof AwsCallError ? error.fault : error.code;
    deps.logger.warn('findings not exported to Security Hub', {
      target: targetName(target),
      error: error.message,
    });
    return { error: error.message, code };
  }
}

/**
 * Scan one target: durability (evaluate every check, remediate under the guards, store, emit),
 * encryption drift (only this target's baselines compared and retired), and the export of its
 * findings to Security Hub when the deployment exports them.
 *
 * Staged upgrades run in the central account's durability-upgrade state machine, whose
 * function acts with its own credentials in its own account and region: only the deployment's
 * own target may start one; a member target's group that needs one is reported
 * `needs-staged-upgrade`.
 *
 * @example
 * const result = await scanTarget(deps, { policy, dryRun: true }, { account: '111111111111', region: 'eu-west-1' });
 */
export async function scanTarget(
  deps: TargetScanDeps,
  settings: DurabilityJobSettings,
  target: Target,
): Promise<TargetScanOutcome> {
  if (deps.members === undefined && target.account !== deps.home.account)
    throw new InputValidationError(
      `target: account ${target.account} is not this deployment's (${deps.home.account}) and the policy names no targets (settings.targets)`,
    );
  // The deployment's own account, in any region: its own role, whether or not a member role exists there.
  const options =
    deps.members === undefined || target.account === deps.home.account
      ? { ...deps.aws, region: target.region }
      : deps.members.clientOptions(target, deps.aws);
  const clients = createFleetClients(options);
  let fleet: Resource[];
  try {
    fleet = await reach(options, clients);
    // Rules select on OUs by the path the organisation scan read for this target's account.
    if (target.ouPath !== undefined) for (const resource of fleet) resource.ouPath = target.ouPath;
  } catch (error) {
    if (!(error instanceof AwsCallError)) throw error;
    const access = deps.members?.access ?? { roleName: DEFAULT_MEMBER_ROLE };
    const finding = targetErrorFinding(target, targetFailure(error, target, access));
    deps.logger.warn('target could not be scanned', { target: targetName(target), cause: finding.reason });
    return { result: failedTarget(target, finding), findings: [finding] };
  }
  const { home, members: _members, aws: _aws, alerts, upgrades, securityHub, ...shared } = deps;
  const durability = await scanDurability(
    {
      ...shared,
      clients,
      cloudwatch: createMetricsClient(options),
      upgrades: sameTarget(target, home) ? upgrades : undefined,
    },
    settings,
    fleet,
  );
  const drift = await scanEncryptionDrift({ ...shared, clients, alerts }, settings.policy, { target, fleet });
  const exported =
    securityHub === undefined
      ? undefined
      : await exportTarget({ ...shared, securityHub: securityHub(options) }, target, durability.findings);
  return {
    result: {
      target,
      status: 'complete',
      findings: countByStatus(durability.summary.byStatus),
      actions: durability.actions,
      alerts: drift.alerts.length,
      ...(exported === undefined ? {} : { securityHub: exported }),
    },
    findings: durability.findings,
  };
}

/**
 * Regions of one account scanned at once: a full account (17 regions) in three waves, so one
 * child's invocation holds at most six fleets in memory and its CPU time is spent while the other
 * regions' calls are in flight.
 */
export const REGION_CONCURRENCY = 6;

/** One failed result per target, all for the same cause (the account could not be reached). */
function accountFailed(
  deps: Pick<TargetScanDeps, 'logger'>,
  targets: readonly Target[],
  error: AwsCallError,
  access: MemberAccess,
): TargetScanOutcome[] {
  const outcomes = targets.map((target) => {
    const finding = targetErrorFinding(target, targetFailure(error, target, access));
    return { result: failedTarget(target, finding), findings: [finding] };
  });
  deps.logger.warn('account could not be scanned', {
    account: targets[0]?.account,
    cause: outcomes[0]?.result.error?.reason,
  });
  return outcomes;
}

/**
 * The targets of an item: its regions, or (`all-enabled`) the regions its account has enabled,
 * read with the credentials its scans use (no AssumeRole of its own).
 */
async function regionsOf(deps: TargetScanDeps, item: AccountItem): Promise<Target[]> {
  if (item.regions !== ALL_ENABLED) return itemTargets(item);
  const regions = await enabledRegions(item.account, {
    options: { ...deps.aws, region: deps.home.region },
    home: deps.home.account,
    ...(deps.members === undefined ? {} : { credentials: deps.members }),
  });
  return itemTargets({ ...item, regions });
}

/**
 * Scan every region of one account (one child execution of the Map): its member role assumed
 * once (the deployment's own account needs none), its enabled regions read with it when the item
 * says `all-enabled`, then its regions {@link REGION_CONCURRENCY} at a time, each as
 * {@link scanTarget} does alone. A role that cannot be assumed, or regions that cannot be read,
 * fail every region of the account with the same cause (an `all-enabled` account: its one target
 * `<account>/*`), without an AssumeRole per region. One outcome per region, in the item's order: a
 * region that failed is its own failed result. An item with `legacyLayout: false` (the listing
 * found the previous version's shared partitions empty) reads none of them.
 *
 * @example
 * const outcomes = await scanAccount(deps, settings, { account: '111111111111', regions: ['eu-west-1', 'us-east-1'] });
 */
export async function scanAccount(
  deps: TargetScanDeps,
  settings: DurabilityJobSettings,
  item: AccountItem,
): Promise<TargetScanOutcome[]> {
  if (deps.members === undefined && item.account !== deps.home.account)
    throw new InputValidationError(
      `account: ${item.account} is not this deployment's (${deps.home.account}) and the policy names no targets (settings.targets)`,
    );
  // The run's listing looked at the previous version's shared partitions once for every child.
  const scan = item.legacyLayout === false ? { ...deps, store: deps.store.withoutLegacyLayout() } : deps;
  let targets: Target[];
  try {
    if (deps.members !== undefined && item.account !== deps.home.account)
      await deps.members.of(item.account)();
    targets = await regionsOf(deps, item);
  } catch (error) {
    if (!(error instanceof AwsCallError)) throw error;
    return accountFailed(
      deps,
      itemTargets(item),
      error,
      deps.members?.access ?? { roleName: DEFAULT_MEMBER_ROLE },
    );
  }
  return mapConcurrent(targets, REGION_CONCURRENCY, (target) => scanTarget(scan, settings, target));
}

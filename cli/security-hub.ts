/**
 * `scan --security-hub`: each scanned target's findings into Security Hub in the target's own
 * account and region, as the deployment does (shared/jobs/security-hub-export.ts): only changes of
 * state, in calls of at most 100, recorded in the same state table.
 */
import type { AwsClientOptions } from '../shared/aws/clients.js';
import { AwsCallError } from '../shared/aws/errors.js';
import { callerIdentity } from '../shared/aws/identity.js';
import { SecurityHubImporter, SecurityHubNotEnabledError } from '../shared/aws/security-hub.js';
import type { StateStore } from '../shared/aws/state-store.js';
import type { Finding } from '../shared/domain/finding.js';
import { arnLocation } from '../shared/domain/security-findings.js';
import { TARGET_CHECK, type Target, targetName } from '../shared/domain/targets.js';
import { exportFindings } from '../shared/jobs/security-hub-export.js';
import { InputValidationError } from '../shared/runtime/errors.js';
import type { CliIo } from './io.js';

/** A target scanned, with its own client options; its Security Hub is reached with them. */
export interface ScannedTarget {
  target: Target;
  options: AwsClientOptions;
}

/**
 * The one target of a scan without target flags: the account of the CLI's credentials, in the
 * region of its options (`--region` or `AWS_REGION`).
 */
export async function ownTarget(options: AwsClientOptions): Promise<ScannedTarget> {
  if (options.region === undefined)
    throw new InputValidationError('--security-hub: no region; pass --region or set AWS_REGION');
  const { account } = await callerIdentity({ ...options, endpoint: undefined });
  return { target: { account, region: options.region }, options };
}

/**
 * Export each target's findings (a failed target's error finding is no resource's: left out) and
 * say on stderr what each export did. False when a target's export failed (Security Hub not
 * enabled there, a call refused): the others go on.
 *
 * @example
 * const complete = await exportScanned(targets, findings, stateStoreOf(flags, table), io);
 */
export async function exportScanned(
  scanned: readonly ScannedTarget[],
  findings: readonly Finding[],
  store: StateStore,
  io: CliIo,
): Promise<boolean> {
  let complete = true;
  for (const { target, options } of scanned) {
    const own = findings.filter((finding) => {
      const where = arnLocation(finding.arn);
      return (
        finding.check !== TARGET_CHECK && where.account === target.account && where.region === target.region
      );
    });
    // Security Hub's endpoint is not ElastiCache's `--endpoint-url`.
    const securityHub = new SecurityHubImporter({ ...options, endpoint: undefined });
    try {
      const { imported, archived, unchanged, failed, superseded } = await exportFindings(
        { securityHub, store },
        target,
        own,
      );
      io.stderr(
        `guardrails: Security Hub ${targetName(target)}: ${imported} imported, ${archived} archived, ${unchanged} unchanged, ${failed.length} refused, ${superseded} superseded\n`,
      );
      if (failed.length > 0) complete = false;
    } catch (error) {
      if (!(error instanceof AwsCallError || error instanceof SecurityHubNotEnabledError)) throw error;
      io.stderr(`guardrails: Security Hub ${targetName(target)}: not exported: ${error.message}\n`);
      complete = false;
    }
  }
  return complete;
}

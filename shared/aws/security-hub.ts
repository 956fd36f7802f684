import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { toAsff } from '../domain/security-findings.js';
import { GuardrailsError } from '../runtime/errors.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';

/** A finding in the AWS Security Finding Format, as `toAsff` builds it. */
export type AsffFinding = ReturnType<typeof toAsff>;

/** A finding Security Hub refused, by its `Id`, with the error it gave. */
export interface ImportRefusal {
  id: string;
  code: string;
  message: string;
}

/** The port the Security Hub export imports through (the adapter below, or a test's stand-in). */
export interface FindingsImporter {
  /** Import `findings`; resolves with the ones refused, throws when a whole call fails. */
  importFindings(findings: readonly AsffFinding[]): Promise<ImportRefusal[]>;
}

/**
 * Security Hub refused an import as a whole with `InvalidAccessException`: it is not enabled in
 * that account and region (AWS answers "Account … is not subscribed to AWS Security Hub").
 */
export class SecurityHubNotEnabledError extends GuardrailsError {
  readonly code = 'InvalidAccessException';

  constructor(account: string, region: string, cause: AwsCallError) {
    super(
      `Security Hub is not enabled in account ${account} in ${region}: enable it there, or leave that target out of the export (${cause.message})`,
      { cause },
    );
    this.name = 'SecurityHubNotEnabledError';
  }
}

/** BatchImportFindings takes at most 100 findings per call. */
export const IMPORT_BATCH_SIZE = 100;

/**
 * Imports findings into Security Hub with `BatchImportFindings`, from the account the client's
 * credentials belong to (the findings' own account, with the default product ARN).
 *
 * The SDK's normal retry is kept: an import is idempotent by `Id` (it replaces the finding with
 * the same `Id`), so a call retried after a lost answer imports the same findings again, no more.
 */
export class SecurityHubImporter implements FindingsImporter {
  readonly #client: SecurityHubClient;

  constructor(options: AwsClientOptions = {}) {
    this.#client = createClient(SecurityHubClient, options);
  }

  /**
   * Import in batches of {@link IMPORT_BATCH_SIZE}. Findings Security Hub refuses
   * (`FailedFindings`) are returned by `Id`, not thrown; a call that fails as a whole throws
   * an `AwsCallError` naming `Security Hub BatchImportFindings`, or a
   * {@link SecurityHubNotEnabledError} where Security Hub is not enabled.
   *
   * @example
   * const refused = await new SecurityHubImporter({ region: 'eu-west-1' }).importFindings(findings);
   */
  async importFindings(findings: readonly AsffFinding[]): Promise<ImportRefusal[]> {
    const refused: ImportRefusal[] = [];
    for (let start = 0; start < findings.length; start += IMPORT_BATCH_SIZE) {
      // toAsff's string fields hold the ASFF enum values (Partition, Severity.Label, …); Security
      // Hub validates each finding and names any it refuses in FailedFindings.
      const batch = findings.slice(start, start + IMPORT_BATCH_SIZE) as AwsSecurityFinding[];
      const answer = await awsCall('Security Hub BatchImportFindings', () =>
        this.#client.send(new BatchImportFindingsCommand({ Findings: batch })),
      ).catch(async (error: unknown) => {
        if (error instanceof AwsCallError && error.fault === 'InvalidAccessException')
          throw new SecurityHubNotEnabledError(
            batch[0]?.AwsAccountId ?? 'unknown',
            await this.#client.config.region(),
            error,
          );
        throw error;
      });
      for (const failure of answer.FailedFindings ?? []) {
        refused.push({
          id: failure.Id ?? '',
          code: failure.ErrorCode ?? 'Unknown',
          message: failure.ErrorMessage ?? '',
        });
      }
    }
    return refused;
  }
}

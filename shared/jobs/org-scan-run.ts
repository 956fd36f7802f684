/**
 * One organisation scan at a time (infra/org-scan.asl.yaml): the run's first state claims a
 * lease in the state table for its execution, until the execution's own timeout; a run that
 * finds the lease held by another execution ends at once (`AlreadyRunning`), named and counted.
 *
 * A lease rather than `states:ListExecutions`: the claim is one conditional write, so two runs
 * started together cannot both win (ListExecutions is eventually consistent, and two runs that
 * list at once each see the other missing or both see each other). The last state gives it
 * back, so does every failure path's Catch, and a stopped execution's lease expires with the
 * execution's timeout.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { runLockKey } from '../aws/state-keys.js';
import type { StateStore } from '../aws/state-store.js';
import { takeLease } from './workflow/lock.js';

/** The organisation scan's lease (one per deployment). */
const ORG_SCAN_LOCK = runLockKey('org-scan');

/** What the run's first state answers: whether this execution may scan, and who runs when it may not. */
export interface RunClaim {
  claimed: boolean;
  /** This execution's name. */
  execution: string;
  /** The execution holding the lease, when it is another one. */
  running?: string;
  /** When that execution's lease expires (its timeout), ISO 8601. */
  runningUntil?: string;
}

export interface RunLockDeps {
  store: Pick<StateStore, 'acquireLease' | 'readLease' | 'releaseLease'>;
  now: () => Date;
}

/**
 * Claim the organisation scan for `execution` until `timeoutSeconds` from now (the execution's
 * TimeoutSeconds: a stopped execution's lease lapses with it). A retried claim of the same
 * execution finds its own lease and is claimed again.
 *
 * @example
 * const claim = await claimRun({ store, now }, { execution: 'a1b2', timeoutSeconds: 10800 });
 */
export async function claimRun(
  deps: RunLockDeps,
  input: { execution: string; timeoutSeconds: number },
): Promise<RunClaim> {
  // Twice: a holder that gave the lease back between our write and our read leaves it free.
  for (let attempt = 1; ; attempt += 1) {
    const now = deps.now();
    const until = new Date(now.getTime() + input.timeoutSeconds * 1000);
    const taken = await takeLease(deps.store, {
      key: ORG_SCAN_LOCK,
      holder: input.execution,
      until,
      now,
      details: { execution: input.execution },
    });
    if (taken.held) return { claimed: true, execution: input.execution };
    if (taken.holder !== undefined || attempt === 2) {
      const lease = taken.holder === undefined ? undefined : await deps.store.readLease(ORG_SCAN_LOCK);
      return {
        claimed: false,
        execution: input.execution,
        ...(taken.holder === undefined ? {} : { running: taken.holder }),
        ...(lease === undefined ? {} : { runningUntil: new Date(lease.expiresAt * 1000).toISOString() }),
      };
    }
  }
}

/**
 * Give the organisation scan's lease back, if `execution` holds it (a retried release, or one
 * after the lease lapsed and another run took it, changes nothing).
 *
 * @example
 * await releaseRun(store, 'a1b2');
 */
export async function releaseRun(
  store: Pick<StateStore, 'releaseLease'>,
  execution: string,
): Promise<boolean> {
  return store.releaseLease(ORG_SCAN_LOCK, execution);
}

/** The warning of a run that found another still running: it scans nothing. */
export const ALREADY_RUNNING =
  'organisation scan not started: another execution is still running (AlreadyRunning); it scans nothing. Twice in a row fires OverlappingRunsAlarm: a scan lasts longer than the schedule period (raise scanRate or scanConcurrency)';

/**
 * Say whether the run overlapped another: an `OverlappingRuns` metric (dimension `run:
 * org-scan`, 1 when it did, 0 when it claimed the run, so every run leaves a data point; the
 * alarm OverlappingRunsAlarm fires on two schedule periods in a row), and a warning naming the
 * running execution.
 *
 * @example
 * reportClaim(claim, scan.logger, metrics);
 */
export function reportClaim(
  claim: RunClaim,
  logger: Pick<Logger, 'info' | 'warn'>,
  metrics: Pick<Metrics, 'singleMetric'>,
): void {
  const single = metrics.singleMetric();
  single.addDimensions({ run: 'org-scan' });
  single.addMetric('OverlappingRuns', MetricUnit.Count, claim.claimed ? 0 : 1);
  if (claim.claimed) logger.info('organisation scan claimed', { execution: claim.execution });
  else logger.warn(ALREADY_RUNNING, { ...claim });
}

/**
 * Targets the organisation scan no longer lists (an account excluded, a region or an OU taken out
 * of the policy, an account gone): their findings in Security Hub are archived once, from their
 * own account and region, and their import records deleted, so the next run archives nothing.
 * Runs in the listing step (infra/org-scan.asl.yaml ListTargets), after the targets are listed:
 * the state machine's contract is unchanged, and the list it compares with is the one the Map
 * is about to scan.
 *
 * An OU that could not be listed means its accounts are unknown, not gone: while the listing has
 * such a failure, no target is archived (a previous target is carried along as still targeted).
 * An account whose regions could not be read keeps its previous targets the same way.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AwsClientOptions } from '../aws/clients.js';
import { AwsCallError } from '../aws/errors.js';
import { type FindingsImporter, SecurityHubNotEnabledError } from '../aws/security-hub.js';
import {
  RECORD_KINDS,
  securityHubImportKind,
  TARGET_HISTORY_KEY,
  type TargetHistory,
} from '../aws/state-keys.js';
import type { StateStore } from '../aws/state-store.js';
import { type MemberCredentials, targetFailure } from '../aws/targets.js';
import { AWS_REGIONS } from '../domain/regions.js';
import {
  accountIdSchema,
  EVERY_REGION,
  itemTargets,
  partitionOf,
  type Target,
  targetName,
} from '../domain/targets.js';
import { mapConcurrent } from '../runtime/concurrency.js';
import type { TargetList } from './org-scan.js';
import { exportFindings } from './security-hub-export.js';

/**
 * Runs in a row a dropped target may fail to be archived (its account cannot be reached: the
 * role denied as the account left the organisation or its member stack was removed; Security
 * Hub off there) before the scan gives up on it. Hourly scans: a day. Its records are kept, so an
 * account that comes back continues its export from them.
 */
export const MAX_ARCHIVE_ATTEMPTS = 24;

/** Dropped targets archived at once (each: a Query, maybe an AssumeRole and imports). */
const ARCHIVE_CONCURRENCY = 4;

/**
 * Where the last target list is kept: one record of the state table today (about 30 bytes a
 * target, so some 10 000 targets fit DynamoDB's 400 KB item); a bigger home plugs in here.
 */
export interface TargetHistoryStore {
  read(): Promise<TargetHistory | undefined>;
  write(history: TargetHistory): Promise<void>;
}

/** The last target list as one record of the state table. */
export function stateTableHistory(store: StateStore): TargetHistoryStore {
  return {
    read: () => store.readRecord(RECORD_KINDS.targetHistory, TARGET_HISTORY_KEY),
    write: (history) => store.putRecord(RECORD_KINDS.targetHistory, TARGET_HISTORY_KEY, history),
  };
}

export interface DroppedTargetDeps {
  /** The deployment's own target: its account is reached with its own credentials. */
  home: Target;
  /** The member role's credentials, whether or not the policy names targets today. */
  members: MemberCredentials;
  aws: AwsClientOptions;
  store: StateStore;
  history: TargetHistoryStore;
  /** A Security Hub importer for one target's client options (its account and region). */
  securityHub: (options: AwsClientOptions) => FindingsImporter;
  logger: Pick<Logger, 'info' | 'warn'>;
  now?: () => Date;
}

/** What became of the dropped targets this run. */
export interface DroppedTargetsReport {
  /** Targets whose findings were archived this run (`<account>/<region>`), with how many. */
  archived: Array<{ target: string; findings: number }>;
  /** Targets not archived yet, why, and how many runs have failed to. */
  kept: Array<{ target: string; attempts: number; cause: string }>;
  /** Targets given up on after {@link MAX_ARCHIVE_ATTEMPTS} runs: their findings stay active. */
  abandoned: Array<{ target: string; cause: string }>;
  /** Previous targets not archived because this listing could not tell whether they are gone. */
  unknown: string[];
}

const parseName = (name: string): Target => {
  const [account = '', region = ''] = name.split('/');
  return { account, region };
};

/** The archive of one dropped target: how many findings, or why it could not be reached. */
type Outcome = { findings: number } | { cause: string };

/** Import every stored finding of `target` as ARCHIVED from its own account, and delete the records. */
async function archiveTarget(deps: DroppedTargetDeps, target: Target): Promise<Outcome> {
  const stored = await deps.store.listRecords(securityHubImportKind(target));
  if (stored.length === 0) return { findings: 0 };
  const options =
    target.account === deps.home.account
      ? { ...deps.aws, region: target.region }
      : deps.members.clientOptions(target, deps.aws);
  try {
    // Assumed first, so a denied role is named as the AssumeRole it is.
    await options.credentials?.();
    const result = await exportFindings(
      { securityHub: deps.securityHub(options), store: deps.store, now: deps.now },
      target,
      [],
    );
    if (result.failed.length > 0)
      return { cause: `Security Hub refused ${result.failed.length} archived findings` };
    return { findings: result.archived };
  } catch (error) {
    if (error instanceof SecurityHubNotEnabledError) return { cause: error.message };
    if (!(error instanceof AwsCallError)) throw error;
    return { cause: targetFailure(error, target, deps.members.access).cause };
  }
}

/**
 * The names of the targets of `list`: `<account>/<region>`, or `<account>/*` for an account whose
 * enabled regions only its child reads (`all-enabled`).
 */
const listedNames = (list: TargetList) => list.items.flatMap(itemTargets).map(targetName);

/**
 * A previous target that is gone, as the targets to archive: itself; or, for `<account>/*` (the
 * account was scanned in every region it enabled), every region of the account's partition that
 * is not a target now (a region with no import record costs one Query and archives nothing).
 */
function expandGone(name: string, current: ReadonlySet<string>): string[] {
  const { account, region } = parseName(name);
  if (region !== EVERY_REGION) return [name];
  return AWS_REGIONS.filter((each) => partitionOf(each) === 'aws')
    .map((each) => targetName({ account, region: each }))
    .filter((each) => !current.has(each));
}

/**
 * The previous targets this listing does not have, split into those to archive and those it
 * cannot tell about (an OU not listed: nothing is archived). A target of an account listed
 * `all-enabled` (`<account>/*`) is still a target whichever region it was.
 */
function droppedSince(previous: TargetHistory, list: TargetList) {
  const current = new Set(listedNames(list));
  const failedUnits = list.failed.filter(({ target }) => !accountIdSchema.safeParse(target.account).success);
  const attempts = new Map(previous.dropped.map((entry) => [entry.target, entry.attempts]));
  const covered = (name: string) =>
    current.has(name) || current.has(targetName({ account: parseName(name).account, region: EVERY_REGION }));
  const gone = [...new Set([...previous.targets, ...attempts.keys()])].filter((name) => !covered(name));
  const unknown = failedUnits.length > 0 ? gone : [];
  const toArchive = [
    ...new Set(gone.filter((name) => !unknown.includes(name)).flatMap((name) => expandGone(name, current))),
  ].map((name) => ({ name, attempts: attempts.get(name) ?? 0 }));
  return { current: [...current], unknown, toArchive };
}

/**
 * Archive the Security Hub findings of every target the last listing had and `list` has not,
 * once: each dropped target's stored findings are imported as ARCHIVED into its own account and
 * region (the member role; the deployment's own account with its own credentials) and their
 * records deleted. A target that cannot be reached keeps its records and is tried again on the
 * next runs, up to {@link MAX_ARCHIVE_ATTEMPTS}, with a warning naming it and why. Never throws
 * for a fault of AWS: the scan goes on, and the next run tries again.
 *
 * @example
 * const report = await archiveDroppedTargets(deps, await listTargets(listDeps, policy));
 */
export async function archiveDroppedTargets(
  deps: DroppedTargetDeps,
  list: TargetList,
): Promise<DroppedTargetsReport> {
  const report: DroppedTargetsReport = { archived: [], kept: [], abandoned: [], unknown: [] };
  try {
    const previous = (await deps.history.read()) ?? { listedAt: '', targets: [], dropped: [] };
    const { current, unknown, toArchive } = droppedSince(previous, list);
    report.unknown = unknown;
    const outcomes = await mapConcurrent(toArchive, ARCHIVE_CONCURRENCY, ({ name }) =>
      archiveTarget(deps, parseName(name)),
    );
    toArchive.forEach(({ name, attempts }, index) => {
      const outcome = outcomes[index] ?? { cause: 'not tried' };
      if ('findings' in outcome) {
        if (outcome.findings > 0) report.archived.push({ target: name, findings: outcome.findings });
      } else if (attempts + 1 >= MAX_ARCHIVE_ATTEMPTS)
        report.abandoned.push({ target: name, cause: outcome.cause });
      else report.kept.push({ target: name, attempts: attempts + 1, cause: outcome.cause });
    });
    await deps.history.write({
      listedAt: (deps.now?.() ?? new Date()).toISOString(),
      targets: [...current, ...unknown].sort(),
      dropped: report.kept,
    });
  } catch (error) {
    if (!(error instanceof AwsCallError)) throw error;
    deps.logger.warn('targets no longer listed not archived this run; the next run tries again', {
      error: error.message,
    });
    return report;
  }
  logReport(deps.logger, report);
  return report;
}

function logReport(logger: DroppedTargetDeps['logger'], report: DroppedTargetsReport): void {
  if (report.archived.length > 0)
    logger.info('Security Hub findings of targets no longer listed archived', { archived: report.archived });
  for (const { target, attempts, cause } of report.kept)
    logger.warn(
      `Security Hub findings of ${target}, no longer a target, not archived (run ${attempts} of ${MAX_ARCHIVE_ATTEMPTS}; the next run tries again): ${cause}`,
      { target, attempts, cause },
    );
  for (const { target, cause } of report.abandoned)
    logger.warn(
      `Security Hub findings of ${target}, no longer a target, not archived after ${MAX_ARCHIVE_ATTEMPTS} runs: given up, they stay active there (records kept): ${cause}`,
      { target, cause },
    );
  if (report.unknown.length > 0)
    logger.warn('targets not listed this run kept as targets: an OU or account could not be listed', {
      targets: report.unknown,
    });
}

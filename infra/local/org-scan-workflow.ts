/**
 * The organisation scan run locally: infra/org-scan.asl.yaml (the file the deployment uses),
 * its `org-scan` tasks bound to the same listing and summary the deployed function runs, each
 * Map item (an account and its regions) to the same run as the `target-scan` function, every
 * AWS call sent to the sandbox (one endpoint for every account and region: the emulator tells
 * them apart by the signing key and region), the state in dynalite, the scan bucket in the
 * sandbox's S3. Each Map item is a child execution of its own (see step-functions.ts): the
 * demo, the tests and the bench call {@link runOrgScan}.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { AwsClientOptions } from '../../shared/aws/clients.js';
import { AlertPublisher, EventPublisher } from '../../shared/aws/notify.js';
import { ScanObjects } from '../../shared/aws/scan-objects.js';
import { SecurityHubImporter } from '../../shared/aws/security-hub.js';
import { StateStore } from '../../shared/aws/state-store.js';
import { MemberCredentials } from '../../shared/aws/targets.js';
import type { Policy } from '../../shared/domain/policy/schema.js';
import {
  accountItemSchema,
  type MemberAccess,
  type Target,
  targetName,
} from '../../shared/domain/targets.js';
import type { UpgradeStarter } from '../../shared/domain/workflow/runner.js';
import {
  archiveDroppedTargets,
  type DroppedTargetsReport,
  stateTableHistory,
} from '../../shared/jobs/dropped-targets.js';
import { perMemberAccess } from '../../shared/jobs/member-env.js';
import { listTargets, type OrgScanSummary } from '../../shared/jobs/org-scan.js';
import { orgScanTaskSchema, summarizeMapRun, writeTargetList } from '../../shared/jobs/org-scan-map.js';
import { claimRun, type RunClaim, releaseRun, reportClaim } from '../../shared/jobs/org-scan-run.js';
import { scanAccount, type TargetScanDeps, type TargetScanOutcome } from '../../shared/jobs/target-scan.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { parseInput } from '../../shared/runtime/zod-issues.js';
import { STATE_TABLE } from './dynamo.js';
import { putExternalId } from './external-id.js';
import {
  type LocalRunResult,
  type LocalTask,
  loadDefinition,
  runLocalStateMachine,
} from './step-functions.js';

/** The one ASL file the deployment and the local runs share. */
export const ORG_SCAN_ASL = new URL('../org-scan.asl.yaml', import.meta.url);
/**
 * Attempts of the sandbox's own setup (putting the external id, as the operator did before the
 * deployment): the fault scenarios' random faults must not fail the run before it starts.
 */
const SETUP_ATTEMPTS = 12;
/** The alert topic local runs publish to (the sandbox captures every topic). */
const LOCAL_ALERT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:guardrails-alerts';
/** The deployment's scan bucket in the sandbox (ScanBucket), the central account's. */
export const LOCAL_SCAN_BUCKET = 'guardrails-scan-local';

export interface OrgScanOptions {
  /** The sandbox's endpoint: every AWS call of the run, central or member, goes there. */
  endpoint: string;
  /** The state table's endpoint (dynalite). */
  dynamo: string;
  policy: Policy;
  /** The deployment's own account and region (the central account; its credentials are the caller's). */
  home: Target;
  /**
   * The deployment's member role name (MEMBER_ROLE_NAME: replaces the policy's when given) and
   * external id, put into the sandbox's SSM as a SecureString and read from there by the run.
   */
  access?: Partial<MemberAccess>;
  dryRun?: boolean;
  /** The sandbox's clock. */
  now?: () => Date;
  /** Attempts per call (default 3); `standard` retries for the sandbox's random faults. */
  maxAttempts?: number;
  retryMode?: AwsClientOptions['retryMode'];
  /** The HTTP timeouts of every call of the run (the app's defaults when absent). */
  timeouts?: AwsClientOptions['timeouts'];
  /** Export each target's findings to the sandbox's Security Hub. */
  securityHub?: boolean;
  /** Starts staged upgrades of the home target (none when absent). */
  upgrades?: UpgradeStarter;
  /**
   * The execution's name (`$$.Execution.Name`, default `local-org-scan`): the run's folder in the
   * scan bucket; runs of one name share the run's lease.
   */
  executionName?: string;
  /** Replace a task (to inject a failure into an item, say). */
  wrap?: Partial<Record<'org-scan' | 'target-scan', (task: LocalTask) => LocalTask>>;
  /** Where the run's metrics go (OverlappingRuns); none when absent. */
  metrics?: Pick<Metrics, 'singleMetric'>;
}

export interface OrgScanRun {
  /** The execution's output: the summary, or the claim of a run that found another running (AlreadyRunning). */
  summary: OrgScanSummary;
  /** Every target's run that returned, by `<account>/<region>`, with its findings. */
  runs: Map<string, TargetScanOutcome>;
  execution: LocalRunResult;
  /** What the listing step did with the targets dropped since the last run. */
  dropped?: DroppedTargetsReport;
}

/**
 * The scan bucket in the sandbox's S3, made on first use by the central account: the listing's
 * and summary's objects, and the state machine role's client (ItemReader, ResultWriter).
 */
async function scanBucket(central: AwsClientOptions) {
  // This client is the sandbox's set-up and Step Functions' own ItemReader and ResultWriter, not
  // the app's calls the fault scenarios aim at (AWS documents no retry policy of its own for
  // them): it gets the set-up's attempts, so the scenarios' random faults cannot fail the run there.
  const s3 = new S3Client({
    endpoint: central.endpoint,
    region: central.region,
    forcePathStyle: true,
    maxAttempts: SETUP_ATTEMPTS,
  });
  await s3.send(new CreateBucketCommand({ Bucket: LOCAL_SCAN_BUCKET })).catch((error: unknown) => {
    if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
  });
  return { objects: new ScanObjects(LOCAL_SCAN_BUCKET, central), s3 };
}

/**
 * What the two functions build from their environment, built here from the run's options: the
 * target scan's deps, the listing's (members reached for any target, a dropped one too), and the
 * dropped targets' archiving.
 */
async function functionDepsOf(options: OrgScanOptions) {
  const aws: AwsClientOptions = {
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.retryMode === undefined ? {} : { retryMode: options.retryMode }),
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
  };
  const central = { ...aws, region: options.home.region };
  const logger = createLogger('org-scan');
  logger.setLogLevel('SILENT');
  // As deployed: the external id in the central account's SSM, the run given only the parameter's name.
  const externalId = options.access?.externalId;
  const memberEnv = {
    MEMBER_ROLE_NAME: options.access?.roleName,
    MEMBER_EXTERNAL_ID_PARAMETER:
      externalId === undefined
        ? undefined
        : await putExternalId({ ...central, maxAttempts: SETUP_ATTEMPTS }, externalId),
  };
  // Credentials expire by the sandbox's clock. As deployed, the org-scan and target-scan functions
  // run in containers of their own, each with its own cache of member credentials: an account the
  // listing assumed is assumed again by its child.
  const nowMs = () => options.now?.().getTime() ?? Date.now();
  const credentialsCache = () =>
    perMemberAccess(memberEnv, central, (access) => new MemberCredentials(access, central, nowMs));
  const [anyMembers, scanMembers] = [credentialsCache(), credentialsCache()];
  // As deployed: a policy without targets scans the home target alone, yet a dropped target is reached.
  const targeted = options.policy.settings.targets !== undefined;
  const store = new StateStore(STATE_TABLE, { ...central, endpoint: options.dynamo });
  const targetScan: TargetScanDeps = {
    home: options.home,
    members: targeted ? scanMembers(options.policy) : undefined,
    aws,
    store,
    events: new EventPublisher(undefined, central),
    alerts: new AlertPublisher(LOCAL_ALERT_TOPIC, central),
    logger,
    holder: 'org-scan/local',
    now: options.now,
    upgrades: options.upgrades,
    ...(options.securityHub === true
      ? { securityHub: (target: AwsClientOptions) => new SecurityHubImporter(target) }
      : {}),
  };
  const listing = {
    home: options.home,
    members: targeted ? anyMembers(options.policy) : undefined,
    aws: central,
  };
  const dropped = {
    home: options.home,
    members: anyMembers(options.policy),
    aws,
    store,
    history: stateTableHistory(store),
    securityHub: (target: AwsClientOptions) => new SecurityHubImporter(target),
    logger,
    now: options.now,
  };
  return { central, logger, store, targetScan, listing, dropped };
}

type FunctionDeps = Awaited<ReturnType<typeof functionDepsOf>>;

/**
 * The `org-scan` function's tasks (claim, list, summarize, release), as its handler runs them;
 * `dropped()` is what the listing did with the targets dropped since the last run.
 */
function orgScanTask(options: OrgScanOptions, fns: FunctionDeps, objects: ScanObjects) {
  const { logger, store } = fns;
  const now = () => options.now?.() ?? new Date();
  let droppedReport: DroppedTargetsReport | undefined;
  const task: LocalTask = async (event) => {
    // As the function does: the task's input parsed, any other field refused.
    const input = parseInput(orgScanTaskSchema, event, 'event');
    if (input.action === 'claim') {
      const claim = await claimRun({ store, now }, input);
      if (options.metrics !== undefined) reportClaim(claim, logger, options.metrics);
      return claim as never;
    }
    if (input.action === 'release') return { released: await releaseRun(store, input.execution) } as never;
    if (input.action === 'summarize') return (await summarizeMapRun(objects, input)) as never;
    const list = await listTargets(fns.listing, options.policy);
    droppedReport = await archiveDroppedTargets(fns.dropped, list);
    const legacyLayout = await store.legacyLayoutLeft(now());
    return (await writeTargetList(objects, input.execution, list, { legacyLayout })) as never;
  };
  return { task, dropped: () => droppedReport };
}

/**
 * Run one organisation scan against the sandbox; throws ExecutionFailedError when the execution
 * fails (the targets could not be listed).
 *
 * @example
 * const { summary } = await runOrgScan({ endpoint: emulator.endpoint, dynamo: dynamo.endpoint, policy, home, access: { externalId } });
 */
export async function runOrgScan(options: OrgScanOptions): Promise<OrgScanRun> {
  const fns = await functionDepsOf(options);
  const settings = { policy: options.policy, dryRun: options.dryRun ?? true };
  const runs = new Map<string, TargetScanOutcome>();
  const { objects, s3 } = await scanBucket(fns.central);
  const orgScan = orgScanTask(options, fns, objects);
  const scan: LocalTask = async (event) => {
    // As the function does: the item parsed, any other field refused.
    const item = parseInput(accountItemSchema, event, 'event');
    const outcomes = await scanAccount(fns.targetScan, settings, item);
    for (const outcome of outcomes) runs.set(targetName(outcome.result.target), outcome);
    return { account: item.account, results: outcomes.map((outcome) => outcome.result) } as never;
  };
  const execution = await runLocalStateMachine(
    loadDefinition(ORG_SCAN_ASL),
    {},
    {
      tasks: {
        'org-scan': options.wrap?.['org-scan']?.(orgScan.task) ?? orgScan.task,
        'target-scan': options.wrap?.['target-scan']?.(scan) ?? scan,
      },
      executionName: options.executionName ?? 'local-org-scan',
      s3,
    },
  );
  const dropped = orgScan.dropped();
  return {
    summary: execution.output as unknown as OrgScanSummary,
    runs,
    execution,
    ...(dropped === undefined ? {} : { dropped }),
  };
}

/** Whether a run's output is the claim of a run that found another running (it ended AlreadyRunning). */
export function alreadyRunning(run: OrgScanRun): RunClaim | undefined {
  const output = run.summary as unknown as Partial<RunClaim>;
  return output.claimed === false ? (output as RunClaim) : undefined;
}

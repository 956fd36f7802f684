/**
 * A command's work over many targets: the targets resolved (the caller's own account, listed
 * accounts, or the organisation's), then each one worked on with its own clients (its region,
 * its account's assumed credentials), a bounded number at once. A target that fails is one
 * `error` finding naming the cause, and the others go on.
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsClientOptions } from '../shared/aws/clients.js';
import { callerIdentity } from '../shared/aws/identity.js';
import { MemberCredentials, resolveTargets, targetFailure } from '../shared/aws/targets.js';
import type { Finding } from '../shared/domain/finding.js';
import type { Policy } from '../shared/domain/policy/schema.js';
import {
  type SkippedAccount,
  skippedLine,
  type Target,
  type TargetFailure,
  type TargetSpec,
  targetErrorFinding,
  targetName,
} from '../shared/domain/targets.js';
import { mapConcurrent } from '../shared/runtime/concurrency.js';
import { clip } from '../shared/runtime/echo.js';
import {
  type DescribedFleet,
  describeFleet,
  withEngineVersions,
  withParameterGroups,
} from './fleet-source.js';
import type { CliIo } from './io.js';
import {
  awsOptions,
  checkFleetFlags,
  cliEnv,
  describedFleetOf,
  type FleetFlags,
  liveOptions,
} from './options.js';
import { type TargetFlags, type TargetRun, targetRunOf } from './targets.js';

/** The caller's own account: its own credentials, no role assumed. */
class OwnCredentials extends MemberCredentials {
  constructor(readonly own: AwsCredentialIdentityProvider) {
    super({ roleName: '' });
  }

  override of(): AwsCredentialIdentityProvider {
    return this.own;
  }
}

/** What a run over targets gives: each target's result, or why it failed. */
export type TargetOutcome<Result> =
  | { target: Target; result: Result }
  | { target: Target; failure: TargetFailure };

/** Every target's outcome, in the targets' order (account, then region). */
export interface TargetsOutcome<Result> {
  outcomes: TargetOutcome<Result>[];
  failed: number;
  /** Accounts of the organisation not worked on for their State. */
  skipped: SkippedAccount[];
}

/** How the run reaches its accounts, and its spec with the caller's own account filled in. */
async function reach(
  run: TargetRun,
  control: AwsClientOptions,
): Promise<{ credentials: MemberCredentials; spec: TargetSpec }> {
  if (!run.own) return { credentials: new MemberCredentials(run.access, control), spec: run.spec };
  const caller = await callerIdentity(control);
  return {
    credentials: new OwnCredentials(caller.credentials),
    spec: { accounts: [caller.account], regions: run.spec.regions },
  };
}

/**
 * Run `work` on every target of `run`, at most `run.concurrency` at once, each with client
 * options of its own (`base` with the target's region and credentials). STS, Organizations and
 * Account are called with `base` minus its endpoint (`--endpoint-url` is ElastiCache's).
 * Progress counts targets on stderr when it is a terminal.
 */
export async function overTargets<Result>(
  run: TargetRun,
  base: AwsClientOptions,
  io: CliIo,
  work: (target: Target, options: AwsClientOptions) => Promise<Result>,
): Promise<TargetsOutcome<Result>> {
  const firstRegion = Array.isArray(run.spec.regions) ? run.spec.regions[0] : undefined;
  const control = { ...base, endpoint: undefined, region: base.region ?? firstRegion };
  const { credentials, spec } = await reach(run, control);
  const resolved = await resolveTargets(spec, { options: control, credentials });
  // targetFailure has taken the external id out of every cause (an AWS message may quote it).
  const failedEarly = resolved.failures;
  const total = resolved.targets.length + failedEarly.length;
  let done = failedEarly.length;
  let failed = failedEarly.length;
  const progress = () => {
    if (io.progress === true)
      io.stderr(`\rtargets ${done}/${total} scanned${failed > 0 ? `, ${failed} failed` : ''}`);
  };
  progress();
  // Each account's role is assumed once for all its regions: a refusal (after the SDK's retries)
  // fails them all, rather than being asked again, and throttled again, once per region.
  const assumed = new Map<string, Promise<unknown>>();
  const reached = (account: string) => {
    let assuming = assumed.get(account);
    if (assuming === undefined) {
      assuming = credentials.of(account)();
      assumed.set(account, assuming);
    }
    return assuming;
  };
  const outcomes = await mapConcurrent(
    resolved.targets,
    run.concurrency,
    async (target): Promise<TargetOutcome<Result>> => {
      const outcome = await reached(target.account)
        .then(() => work(target, credentials.clientOptions(target, base)))
        .then(
          (result) => ({ target, result }),
          (error: unknown) => {
            failed += 1;
            return { target, failure: targetFailure(error, target, run.access) };
          },
        );
      done += 1;
      progress();
      return outcome;
    },
  );
  if (io.progress === true) io.stderr('\r\x1b[K');
  return { outcomes: [...failedEarly, ...outcomes], failed, skipped: resolved.skipped };
}

/** The error finding of each failed target. */
export const failureFindings = <Result>(outcomes: readonly TargetOutcome<Result>[]): Finding[] =>
  outcomes.flatMap((outcome) =>
    'failure' in outcome ? [targetErrorFinding(outcome.target, outcome.failure)] : [],
  );

/**
 * The line that closes a run over targets: how many there were and which failed, with the
 * cause's code (the error findings hold the whole cause), and the accounts skipped for their State.
 *
 * @example
 * targetsLine(outcome); // '36 targets: 33 scanned, 3 failed (111111111111/eu-west-1: AccessDenied, …); 1 account skipped (1 SUSPENDED)'
 */
export function targetsLine<Result>({ outcomes, failed, skipped }: TargetsOutcome<Result>): string {
  const failures = outcomes.flatMap((outcome) =>
    'failure' in outcome ? [`${targetName(outcome.target)}: ${clip(outcome.failure.code, 40)}`] : [],
  );
  const shown = failures.slice(0, 5).join(', ');
  const more = failures.length > 5 ? `, and ${failures.length - 5} more` : '';
  const head = `${outcomes.length} targets: ${outcomes.length - failed} scanned`;
  const line = failed === 0 ? head : `${head}, ${failed} failed (${shown}${more})`;
  return skipped.length === 0 ? line : `${line}; ${skippedLine(skipped)}`;
}

/** What a run over targets adds to its fleet: how many targets, which failed and why. */
export interface RunTargets {
  total: number;
  failed: number;
  /** The line that closes the run ({@link targetsLine}). */
  line: string;
  /** The one error finding of each target that failed. */
  failures: Finding[];
  /** Each target scanned, with its own client options (its region and credentials). */
  scanned: { target: Target; options: AwsClientOptions }[];
}

/** The fleet a command reads: today's one account and region, or every target's, merged. */
export interface RunFleet {
  fleet: DescribedFleet;
  targets?: RunTargets;
}

/** The client options and the run over targets (undefined: one account and region) the flags ask for. */
export interface PlannedRun {
  base: AwsClientOptions;
  run?: TargetRun;
}

/**
 * The run the flags and the policy ask for, every flag and combination checked: a command that
 * reads something else first (drift's baselines) calls this before it, so a bad flag is refused
 * before any call.
 */
export function plannedRun(flags: FleetFlags & TargetFlags, policy: Policy): PlannedRun {
  checkFleetFlags(flags);
  const base = awsOptions(flags);
  const run = targetRunOf(flags, policy, {
    region: base.region,
    offline: flags.input !== undefined,
    externalId: cliEnv().GUARDRAILS_EXTERNAL_ID,
  });
  return { base, run };
}

/**
 * The fleet the flags ask for: without target flags or `settings.targets`, the one account and
 * region of the CLI's own credentials (or the offline files), as ever; else every target's
 * fleet merged (resources are known by ARN, so nothing of two targets collides), the run's
 * targets line on stderr. `engineVersions` reads the replication groups' versions too,
 * `parameterGroups` the parameter groups their plans need.
 */
export async function fleetOfRun(
  flags: FleetFlags & TargetFlags,
  policy: Policy,
  io: CliIo,
  read: { engineVersions: boolean; parameterGroups?: boolean },
  planned: PlannedRun = plannedRun(flags, policy),
): Promise<RunFleet> {
  const { base, run } = planned;
  if (run === undefined) {
    const fleet = await describedFleetOf(flags, io);
    if (read.engineVersions) await withEngineVersions(liveOptions(flags), fleet.resources, io);
    if (read.parameterGroups) await withParameterGroups(liveOptions(flags), fleet.resources, io);
    return { fleet };
  }
  const outcome = await overTargets(run, base, io, async (target, options) => {
    const fleet = await describeFleet(options);
    if (target.ouPath !== undefined) for (const resource of fleet.resources) resource.ouPath = target.ouPath;
    if (read.engineVersions) await withEngineVersions(options, fleet.resources, io, targetName(target));
    if (read.parameterGroups) await withParameterGroups(options, fleet.resources, io, targetName(target));
    return { fleet, options };
  });
  const reached = outcome.outcomes.flatMap((each) =>
    'result' in each ? [{ target: each.target, ...each.result }] : [],
  );
  const fleets = reached.map((each) => each.fleet);
  const line = targetsLine(outcome);
  io.stderr(`guardrails: ${line}\n`);
  return {
    fleet: {
      resources: fleets.flatMap((fleet) => fleet.resources),
      lacking: new Map(fleets.flatMap((fleet) => [...fleet.lacking])),
    },
    targets: {
      total: outcome.outcomes.length,
      failed: outcome.failed,
      line,
      failures: failureFindings(outcome.outcomes),
      scanned: reached.map(({ target, options }) => ({ target, options })),
    },
  };
}

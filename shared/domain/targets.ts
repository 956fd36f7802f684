/**
 * Where the app looks: one account and region (the deployment's own), or many — accounts
 * listed or the organisation's, each in the regions listed or every region it has enabled.
 * A target is one account × region; the app reaches a member account through a role the
 * member-access stack (infra/member-access.yaml) creates there.
 */
import * as z from 'zod';
import { echo } from '../runtime/echo.js';
import type { Finding } from './finding.js';
import { idSchema } from './ids.js';
import { regionProblem } from './regions.js';
import { strictObject } from './strict-object.js';

/** One account in one region. */
export interface Target {
  account: string;
  region: string;
  /**
   * The OUs above the account, the root first: given only by an organisation scan whose policy
   * selects on OUs (`match.ous`).
   */
  ouPath?: string[];
}

/** The role the member-access stack creates unless told otherwise. */
export const DEFAULT_MEMBER_ROLE = 'elasticache-guardrails-member';
/** The read-only role the member-access stack creates for operators (the CLI's default). */
export const DEFAULT_OPERATOR_ROLE = 'elasticache-guardrails-operator';
/** Targets scanned at once unless told otherwise. */
export const DEFAULT_TARGET_CONCURRENCY = 10;
/** The fewest and most targets scanned at once (the policy's `concurrency`, `--concurrency`). */
export const TARGET_CONCURRENCY = { min: 1, max: 1000 } as const;
/** Every region an account has enabled (read from the account itself). */
export const ALL_ENABLED = 'all-enabled';
/** The short word for {@link ALL_ENABLED}: the CLI's `--regions all` takes it, a policy is told the right word. */
export const ALL_REGIONS_ALIAS = 'all';

export const accountIdSchema = z
  .string()
  .regex(/^\d{12}$/, { error: (issue) => `expected a 12-digit account id, got ${echo(issue.input)}` });
/** A region of the SDK's partition data (regions.ts): a typo is refused with the nearest name. */
export const regionSchema = idSchema('region');
/**
 * Why `value` is neither `all-enabled` nor a list of regions, in the policy's words: `all` gets
 * the right word, a bare region the list it belongs in.
 */
function regionsProblem(value: unknown): string {
  const expected = `expected ${ALL_ENABLED} (each account's enabled regions) or a list of regions`;
  if (value === ALL_REGIONS_ALIAS) return `${expected}, got "all": write ${ALL_ENABLED}`;
  if (typeof value === 'string' && regionProblem(value) === undefined)
    return `${expected}, got ${echo(value)}: write [${value}]`;
  return `${expected}, got ${echo(value)}`;
}

/** `all-enabled`, or the regions listed. */
export const regionsSchema = z.union([z.literal(ALL_ENABLED), z.array(regionSchema).min(1)], {
  error: (issue) => regionsProblem(issue.input),
});

/** An OU id (`ou-…`) or the organisation's root id (`r-…`). */
export const ouIdSchema = z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/, {
  error: (issue) => `expected an OU id (ou-…) or root id (r-…), got ${echo(issue.input)}`,
});
export const roleNameSchema = z
  .string()
  .regex(/^[\w+=,.@-]{1,64}$/, { error: (issue) => `expected an IAM role name, got ${echo(issue.input)}` });

/**
 * `settings.targets` of the policy. Absent: the deployment's own account and region, with
 * its own credentials (no role is assumed).
 */
export const targetsSchema = strictObject({
  /** Accounts listed; or */
  accounts: z.array(accountIdSchema).min(1).optional(),
  /** every active account of the organisation (or of these OUs and the OUs under them). */
  organization: strictObject({ ous: z.array(ouIdSchema).min(1).optional() }).optional(),
  /** Accounts left out whichever way they were chosen. */
  exclude: z.array(accountIdSchema).default([]),
  regions: regionsSchema,
  roleName: roleNameSchema.default(DEFAULT_MEMBER_ROLE),
  /** Targets scanned at once. */
  concurrency: z
    .number()
    .int()
    .min(TARGET_CONCURRENCY.min)
    .max(TARGET_CONCURRENCY.max)
    .default(DEFAULT_TARGET_CONCURRENCY),
}).refine((targets) => (targets.accounts === undefined) !== (targets.organization === undefined), {
  error: 'give either accounts or organization',
});
export type TargetsSetting = z.infer<typeof targetsSchema>;

/** Which targets to scan, however they were given (policy, CLI flags, deployment). */
export interface TargetSpec {
  accounts?: readonly string[];
  /** The organisation; `ous` narrows it to these OUs and everything under them. */
  organization?: { ous?: readonly string[] };
  exclude?: readonly string[];
  regions: readonly string[] | typeof ALL_ENABLED;
  /** Read each organisation account's OU path (a rule of the policy selects on `match.ous`). */
  ouPaths?: boolean;
}

/**
 * An external id: the characters STS takes (AssumeRole `ExternalId`), at least 16 of them as the
 * member-access stack's `ExternalId` parameter requires (the same pattern), at most STS's 1224.
 */
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{16,1224}$/;
/** What {@link EXTERNAL_ID_PATTERN} asks, in words (the value itself is never repeated). */
export const EXTERNAL_ID_RULE = 'expected 16 to 1224 letters, digits or +=,.@:/- (value not shown)';
/** The external id, refused without repeating it: it is a secret. */
export const externalIdSchema = z.string().regex(EXTERNAL_ID_PATTERN, { error: EXTERNAL_ID_RULE });

/**
 * An SSM parameter name as PutParameter takes it: `a-zA-Z0-9_.-` segments, `/` between hierarchy
 * levels (at most 15), not beginning with `aws` or `ssm` (any case); the length leaves room for the
 * ARN SSM counts in its 1011 characters.
 */
export const SSM_PARAMETER_NAME_PATTERN = /^(?!\/?(?:aws|ssm))(?=.{1,900}$)\/?[\w.-]+(?:\/[\w.-]+){0,14}$/i;
export const ssmParameterNameSchema = z.string().regex(SSM_PARAMETER_NAME_PATTERN, {
  error: 'expected an SSM parameter name: a-zA-Z0-9_.- segments split by /, not beginning with aws or ssm',
});

/** How the app reaches a member account. The external id is a deployment secret: never logged. */
export interface MemberAccess {
  roleName: string;
  externalId?: string;
}

/** Whether `a` is `b` (`b` may lack a part: an own account not known, say). */
export const sameTarget = (a: Target, b: Partial<Target>) => a.account === b.account && a.region === b.region;

export const targetName = (target: Target) => `${target.account}/${target.region}`;

export const memberRoleArn = (account: string, roleName: string, partition = 'aws') =>
  `arn:${partition}:iam::${account}:role/${roleName}`;

/** The AWS partition of a region (`aws`, `aws-cn`, `aws-us-gov`). */
export const partitionOf = (region: string) =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

/**
 * How the ARNs of `service` resources of `target` begin (`arn:aws:elasticache:<region>:<account>:`):
 * records keyed by ARN are read for one target with a key prefix, not all of them.
 */
export const targetArnPrefix = (target: Target, service = 'elasticache') =>
  `arn:${partitionOf(target.region)}:${service}:${target.region}:${target.account}:`;

/** The pseudo check of a target that could not be scanned; it is never stored or imported. */
export const TARGET_CHECK = 'target';
export const TARGET_RESOURCE_TYPE = 'target';

/** Why a target could not be scanned: the AWS error code and what it means. */
export interface TargetFailure {
  code: string;
  cause: string;
}

/**
 * The one `error` finding of a target that could not be scanned, naming the cause: the target
 * is the resource (`<account>/<region>`, its ARN holding both), and no rule is concerned (the
 * rule is empty, never a `*` that reads as every rule).
 */
export function targetErrorFinding(target: Target, failure: TargetFailure): Finding {
  return {
    resourceType: TARGET_RESOURCE_TYPE,
    resourceId: targetName(target),
    arn: `arn:aws:elasticache:${target.region}:${target.account}:*`,
    rule: '',
    check: TARGET_CHECK,
    status: 'error',
    expected: 'reachable',
    observed: failure.code,
    reason: failure.cause,
    action: null,
  };
}

/**
 * An account of the organisation that is not scanned: its Organizations `State` is not
 * `ACTIVE` (`SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`, `PENDING_ACTIVATION`; `NONE` when the
 * answer carries no State).
 */
export interface SkippedAccount {
  account: string;
  state: string;
}

/**
 * The skipped accounts counted by State, most first (then by name).
 *
 * @example
 * skippedLine([{ account: '111111111111', state: 'SUSPENDED' }]); // '1 account skipped (1 SUSPENDED)'
 */
export function skippedLine(skipped: readonly SkippedAccount[]): string {
  const counts = new Map<string, number>();
  for (const { state } of skipped) counts.set(state, (counts.get(state) ?? 0) + 1);
  const byState = [...counts]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([state, count]) => `${count} ${state}`);
  return `${skipped.length} account${skipped.length === 1 ? '' : 's'} skipped (${byState.join(', ')})`;
}

/**
 * One item of the organisation scan's Map: an account and the regions to scan there (one child
 * execution, one AssumeRole), with the account's OU path when the policy selects on OUs. With
 * `all-enabled` the child reads the account's enabled regions itself, with the credentials it
 * assumed to scan them: the listing needs no member role.
 */
export interface AccountItem {
  account: string;
  regions: string[] | typeof ALL_ENABLED;
  ouPath?: string[];
  /**
   * `false`: the run's listing found nothing left in the previous version's shared partitions,
   * so the child reads none of them. Absent (or `true`): the child moves its own items as it reads.
   */
  legacyLayout?: boolean;
}

/** An {@link AccountItem} as the Map hands it to the target-scan function; any other field is refused. */
export const accountItemSchema = z.strictObject({
  account: accountIdSchema,
  regions: z.union([z.literal(ALL_ENABLED), z.array(regionSchema).min(1)]),
  ouPath: z.array(ouIdSchema).min(1).optional(),
  legacyLayout: z.boolean().optional(),
});

/**
 * The targets grouped by account, in their order (first appearance of each account).
 *
 * @example
 * accountItems(crossTargets(['111111111111'], ['eu-west-1', 'us-east-1'])); // [{ account: '111111111111', regions: ['eu-west-1', 'us-east-1'] }]
 */
export function accountItems(targets: readonly Target[]): AccountItem[] {
  const byAccount = new Map<string, AccountItem & { regions: string[] }>();
  for (const { account, region, ouPath } of targets) {
    const item = byAccount.get(account);
    if (item !== undefined) item.regions.push(region);
    else byAccount.set(account, { account, regions: [region], ...(ouPath === undefined ? {} : { ouPath }) });
  }
  return [...byAccount.values()];
}

/**
 * The region of a target that stands for every region of its account: the account's enabled
 * regions not read yet (an `all-enabled` item), or not readable (a failure of the whole account).
 */
export const EVERY_REGION = '*';

/**
 * The targets of an account item, one per region; an `all-enabled` item, whose regions only its
 * child reads, is the one target `<account>/*`.
 */
export const itemTargets = ({ account, regions, ouPath }: AccountItem): Target[] =>
  (regions === ALL_ENABLED ? [EVERY_REGION] : regions).map((region) => ({
    account,
    region,
    ...(ouPath === undefined ? {} : { ouPath }),
  }));

/** Every account × region, in a stable order (account, then region). */
export function crossTargets(accounts: readonly string[], regions: readonly string[]): Target[] {
  return [...new Set(accounts)]
    .sort()
    .flatMap((account) => [...new Set(regions)].sort().map((region) => ({ account, region })));
}

/**
 * Why an event of `target` is none of the deployment's business under the policy's
 * `settings.targets` (no targets: only its own account and region; an excluded account; an
 * account or region not listed), or undefined when it is. An organisation's OUs are checked
 * by {@link outsideUnits}, with the account's place in the organisation read from Organizations.
 */
export function notCovered(targets: TargetsSetting | undefined, target: Target): string | undefined {
  const name = targetName(target);
  if (targets === undefined)
    return `${name} is not this deployment's account and region, and the policy names no targets`;
  if (targets.exclude.includes(target.account))
    return `${name}: account ${target.account} is excluded by the policy`;
  if (targets.accounts !== undefined && !targets.accounts.includes(target.account))
    return `${name}: account ${target.account} is not among the policy's accounts`;
  if (targets.regions !== ALL_ENABLED && !targets.regions.includes(target.region))
    return `${name}: region ${target.region} is not among the policy's regions`;
  return undefined;
}

/**
 * Why `target` is outside the policy's `ous` given the OUs and root above its account (nearest
 * first, as Organizations ListParents answers), or undefined when one of them is listed.
 *
 * @example
 * outsideUnits(target, ['ou-ab12-cd34ef56'], ['ou-ab12-zz99yy88', 'r-ab12']); // '…/…: account … is in none of the policy's OUs …'
 */
export function outsideUnits(
  target: Target,
  ous: readonly string[],
  above: readonly string[],
): string | undefined {
  if (above.some((unit) => ous.includes(unit))) return undefined;
  const place = above.length === 0 ? 'no OU' : above.join(' < ');
  return `${targetName(target)}: account ${target.account} is in none of the policy's OUs (${ous.join(', ')}); Organizations ListParents places it under ${place}`;
}

/**
 * The target flags (`--regions`, `--accounts`, `--org`, `--ou`, `--exclude`, `--role-name`,
 * `--external-id`, `--concurrency`): where a command looks, merged with the policy's
 * `settings.targets` (a flag wins over the setting it stands for). Without any of them, and
 * without the setting, a command reads one account and region with its own credentials.
 */

import type { Command, OptionValues } from '@commander-js/extra-typings';
import { selectsOnOus } from '../shared/domain/match.js';
import type { Policy } from '../shared/domain/policy/schema.js';
import {
  ALL_ENABLED,
  ALL_REGIONS_ALIAS,
  DEFAULT_OPERATOR_ROLE,
  DEFAULT_TARGET_CONCURRENCY,
  EXTERNAL_ID_PATTERN,
  EXTERNAL_ID_RULE,
  type MemberAccess,
  TARGET_CONCURRENCY,
  type TargetSpec,
  targetsSchema,
} from '../shared/domain/targets.js';
import { listProblems } from '../shared/runtime/echo.js';
import { InputValidationError } from '../shared/runtime/errors.js';
import { decimalFlag } from './arguments.js';

export interface TargetFlags {
  regions?: string[];
  accounts?: string[];
  org?: true;
  ou?: string[];
  exclude?: string[];
  roleName?: string;
  externalId?: string;
  concurrency?: number;
}

/** A run over targets: which, how the member accounts are reached, and how many at once. */
export interface TargetRun {
  spec: TargetSpec;
  /** The caller's own account (`--regions` alone): its own credentials, no role assumed. */
  own: boolean;
  access: MemberAccess;
  concurrency: number;
}

/** A repeatable flag that also takes a comma list: `--ou a --ou b,c` is `[a, b, c]`. */
const commaList = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== ''),
];

const parseConcurrency = decimalFlag('--concurrency', { ...TARGET_CONCURRENCY, unit: 'targets' });

/** Where the external id can be given instead of the flag (a flag is visible in the process list). */
export const EXTERNAL_ID_ENV = 'GUARDRAILS_EXTERNAL_ID';

/** The AWS limits of an external id (IAM condition sts:ExternalId). */

export const TARGETS_HELP = `
Targets: --accounts or --org (optionally --ou) with --regions read every account x region,
reaching each member account through --role-name (assumed once per account and run; default
the member-access stack's read-only operator role, which trusts the principals its
OperatorPrincipalArns parameter names). --regions
alone reads your own account (the credentials' own, no role assumed) in those regions. --regions
all-enabled (or all) is each account's enabled regions; without --regions, the CLI's own region (--region). The
policy's settings.targets applies when no flag says otherwise: each flag given wins over the
setting it stands for. The external id is a secret: it is never printed (give it in
$${EXTERNAL_ID_ENV} to keep it out of the process list). A run over targets adds account and
region columns to table, markdown and html (json and csv carry them always) and counts the
targets it read.`;

/** Adds the target flags. */
export function withTargets<Args extends unknown[], Opts extends OptionValues, Global extends OptionValues>(
  command: Command<Args, Opts, Global>,
) {
  return command
    .option(
      '--regions <regions>',
      'regions to scan: a comma list, or all-enabled (each account\u2019s enabled ones; all for short)',
      commaList,
    )
    .option('--accounts <ids>', 'member accounts to scan (comma list; repeatable)', commaList)
    .option('--org', 'every active account of the organisation (Organizations ListAccounts)')
    .option('--ou <ids>', 'with --org: only the accounts of these OUs and the OUs beneath them', commaList)
    .option('--exclude <ids>', 'accounts left out, however chosen (comma list; repeatable)', commaList)
    .option(
      '--role-name <name>',
      `the role to assume in each member account (default ${DEFAULT_OPERATOR_ROLE}, the member-access stack's read-only operator role)`,
    )
    .option(
      '--external-id <id>',
      `the external id the member role requires (a secret: never printed; $${EXTERNAL_ID_ENV} keeps it out of the process list)`,
    )
    .option(
      '--concurrency <n>',
      `targets scanned at once (default ${DEFAULT_TARGET_CONCURRENCY})`,
      parseConcurrency,
    );
}

/** Every target flag, by its key in the parsed flags. */
const TARGET_FLAGS: ReadonlyArray<readonly [keyof TargetFlags, string]> = [
  ['regions', '--regions'],
  ['accounts', '--accounts'],
  ['org', '--org'],
  ['ou', '--ou'],
  ['exclude', '--exclude'],
  ['roleName', '--role-name'],
  ['externalId', '--external-id'],
  ['concurrency', '--concurrency'],
];

/** Which flag stands for a field of `settings.targets`, to name it in an error. */
const FLAG_OF: Record<string, string> = {
  accounts: '--accounts',
  organization: '--ou',
  exclude: '--exclude',
  regions: '--regions',
  roleName: '--role-name',
  concurrency: '--concurrency',
};

/** The regions flag as the setting holds it: a list, or `all-enabled` (`all` is its short word). */
function regionsOf(regions: string[]): string[] | typeof ALL_ENABLED {
  const every = regions.filter((region) => region === ALL_ENABLED || region === ALL_REGIONS_ALIAS);
  if (every.length === 0) return regions;
  if (regions.length > 1)
    throw new InputValidationError(`--regions: ${every[0]} stands alone (not in a list)`);
  return ALL_ENABLED;
}

/**
 * Flags that make no sense together or alone, named. `chosen`: member accounts are chosen (by a
 * flag or the setting); `targeted`: a run over targets happens at all (`--regions` alone or the
 * setting reads the own account in several regions).
 */
function conflicts(
  flags: TargetFlags,
  { chosen, targeted }: { chosen: boolean; targeted: boolean },
  externalId: string | undefined,
): string[] {
  const problems: string[] = [];
  if (flags.concurrency !== undefined && !targeted)
    problems.push('--concurrency needs targets: give --regions, --accounts or --org (or settings.targets)');
  if (flags.accounts !== undefined && flags.org === true)
    problems.push('--accounts and --org exclude each other: give one');
  if (flags.ou !== undefined && flags.org !== true) problems.push('--ou needs --org');
  if (!chosen)
    for (const [flag, value] of [
      ['--exclude', flags.exclude],
      ['--role-name', flags.roleName],
      ['--external-id', flags.externalId],
    ] as const)
      if (value !== undefined)
        problems.push(`${flag} needs member accounts: give --accounts or --org (or settings.targets)`);
  if (externalId !== undefined && !EXTERNAL_ID_PATTERN.test(externalId))
    // The value itself is never repeated: it is a secret.
    problems.push(
      `${flags.externalId === undefined ? `$${EXTERNAL_ID_ENV}` : '--external-id'}: ${EXTERNAL_ID_RULE}`,
    );
  return problems;
}

/**
 * The targets the flags and the policy ask for, or undefined for today's single-account run
 * (no target flag and no `settings.targets`). A flag wins over the setting it stands for;
 * `--regions` defaults to the setting's, else to `region` (the CLI's own).
 *
 * @example
 * targetRunOf({ accounts: ['111111111111'], regions: ['eu-west-1'] }, policy, { region: 'us-east-1' });
 */
export function targetRunOf(
  flags: TargetFlags,
  policy: Policy,
  cli: { region?: string; offline?: boolean; externalId?: string } = {},
): TargetRun | undefined {
  const setting = policy.settings.targets;
  const given = TARGET_FLAGS.filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag);
  if (cli.offline === true && given.length > 0)
    throw new InputValidationError(
      `--input reads one account's saved files: it cannot be combined with ${given.join(', ')}`,
    );
  if (cli.offline === true || (given.length === 0 && setting === undefined)) return undefined;
  const region = cli.region;
  const selection =
    flags.accounts !== undefined
      ? { accounts: flags.accounts }
      : flags.org === true
        ? { organization: flags.ou === undefined ? {} : { ous: flags.ou } }
        : setting === undefined
          ? undefined
          : { accounts: setting.accounts, organization: setting.organization };
  // The environment's external id is used by a run over member accounts, and never makes one.
  const externalId = flags.externalId ?? (selection === undefined ? undefined : cli.externalId);
  const targeted = selection !== undefined || flags.regions !== undefined || setting !== undefined;
  const problems = conflicts(flags, { chosen: selection !== undefined, targeted }, externalId);
  if (problems.length > 0) throw new InputValidationError(listProblems(problems));
  const regions =
    flags.regions === undefined
      ? (setting?.regions ?? (region === undefined ? undefined : [region]))
      : regionsOf(flags.regions);
  if (regions === undefined)
    throw new InputValidationError('--regions: give the regions to scan (a comma list, or all)');
  const own = selection === undefined;
  const candidate = {
    // The schema asks for a selection; the caller's own account is only read when the run starts.
    ...(own ? { accounts: ['000000000000'] } : selection),
    exclude: flags.exclude ?? setting?.exclude ?? [],
    regions,
    // settings.targets.roleName is the deployment's role; an operator assumes the read-only one.
    roleName: flags.roleName ?? DEFAULT_OPERATOR_ROLE,
    concurrency: flags.concurrency ?? setting?.concurrency ?? DEFAULT_TARGET_CONCURRENCY,
  };
  const parsed = targetsSchema.safeParse(candidate);
  if (!parsed.success)
    throw new InputValidationError(
      listProblems(
        parsed.error.issues.map(
          (issue) => `${FLAG_OF[String(issue.path[0])] ?? '--regions'}: ${issue.message}`,
        ),
      ),
    );
  const { accounts, organization, exclude, roleName, concurrency } = parsed.data;
  return {
    spec: own ? { regions } : { accounts, organization, exclude, regions, ouPaths: selectsOnOus(policy) },
    own,
    access: { roleName, ...(externalId === undefined ? {} : { externalId }) },
    concurrency,
  };
}

/**
 * The external id of a run: `--external-id` among the raw arguments (`--external-id X` or
 * `--external-id=X`), else `$GUARDRAILS_EXTERNAL_ID`, so that every line the CLI writes to stderr
 * (errors, usage) can leave it out whatever went wrong.
 */
export function externalIdOf(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const flag = '--external-id';
  const index = args.findLastIndex((arg) => arg === flag || arg.startsWith(`${flag}=`));
  const arg = args[index];
  const value =
    arg === undefined ? env[EXTERNAL_ID_ENV] : arg === flag ? args[index + 1] : arg.slice(flag.length + 1);
  return value === undefined || value === '' ? undefined : value;
}

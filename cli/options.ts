/**
 * The flags commands share (AWS, fleet, filters, state table) and the environment the CLI
 * reads, parsed like the functions' ({@link parseEnv}): a bad value is a usage error naming
 * the flag or the variable.
 */
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError, Option, type OptionValues } from '@commander-js/extra-typings';
import * as z from 'zod';
import { type AwsClientOptions, DEFAULT_TIMEOUTS } from '../shared/aws/clients.js';
import { StateStore } from '../shared/aws/state-store.js';
import { FINDING_STATUSES, type FindingStatus } from '../shared/domain/finding.js';
import { compileGlob, type Glob } from '../shared/domain/glob.js';
import { checkId, idSchema } from '../shared/domain/ids.js';
import type { Resource } from '../shared/domain/resource.js';
import { COMMON_ENV, parseEnv } from '../shared/runtime/config.js';
import { clip, echo } from '../shared/runtime/echo.js';
import { InputValidationError } from '../shared/runtime/errors.js';
import { decimalFlag, idFlag } from './arguments.js';
import { type DescribedFleet, describeFleet, type FleetSource } from './fleet-source.js';
import type { FindingFilter } from './format.js';
import type { CliIo } from './io.js';

/**
 * The policy used without `--policy`. One folder up from this module, and from the bundle
 * `dist/guardrails.mjs` alike: the package ships `infra/policy.default.yaml`.
 */
export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../infra/policy.default.yaml', import.meta.url));

/** An empty variable is an unset one (`STATE_TABLE= guardrails …`). */
const unsetWhenEmpty = <Schema extends z.ZodType>(schema: Schema) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const CLI_ENV = {
  ...COMMON_ENV,
  AWS_REGION: unsetWhenEmpty(idSchema('region')),
  STATE_TABLE: unsetWhenEmpty(idSchema('table name')),
  MIGRATION_STATE_MACHINE_ARN: unsetWhenEmpty(idSchema('state machine ARN')),
  UPGRADE_STATE_MACHINE_ARN: unsetWhenEmpty(idSchema('state machine ARN')),
  /** The member role's external id (a secret), out of the process list that a flag shows in. */
  GUARDRAILS_EXTERNAL_ID: unsetWhenEmpty(z.string()),
};

/** The environment the CLI reads; read when a command needs it, so `--help` never fails on it. */
export const cliEnv = () => parseEnv(CLI_ENV);

export interface AwsFlags {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  timeout?: number;
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/**
 * The AWS flags as client options. A malformed region or endpoint is the caller's mistake
 * (exit 2, naming the flag), not an AWS error: the SDK would only fail later, at the first call.
 */
export function awsOptions(flags: AwsFlags): AwsClientOptions {
  if (flags.region !== undefined) checkId('region', flags.region, '--region');
  if (flags.endpointUrl !== undefined && !isHttpUrl(flags.endpointUrl))
    throw new InputValidationError(
      `--endpoint-url ${echo(flags.endpointUrl)}: expected an http(s) URL such as http://localhost:4566`,
    );
  const env = cliEnv();
  return {
    region: flags.region ?? env.AWS_REGION,
    maxAttempts: env.AWS_MAX_ATTEMPTS,
    profile: flags.profile,
    endpoint: flags.endpointUrl,
    ...(flags.timeout === undefined
      ? {}
      : { timeouts: { connectMs: flags.timeout, requestMs: flags.timeout } }),
  };
}

const parseSeconds = decimalFlag('--timeout', { min: 0.1, max: 300, fraction: true, unit: 'seconds' });

/** `--timeout` in seconds (0.1 to 300), as milliseconds. */
const parseTimeout = (value: string): number => Math.round(parseSeconds(value) * 1000);

/** Adds `--region`, `--profile`, `--endpoint-url` and `--timeout`. */
export function withAws<Args extends unknown[], Opts extends OptionValues, Global extends OptionValues>(
  command: Command<Args, Opts, Global>,
) {
  return command
    .option('--region <region>', 'AWS region (default: from the environment)')
    .option('--profile <name>', 'AWS shared-config profile')
    .option('--endpoint-url <url>', 'ElastiCache (and tagging) endpoint, e.g. the local sandbox')
    .option(
      '--timeout <seconds>',
      `per-attempt limit to connect and to wait for an answer (default ${DEFAULT_TIMEOUTS.requestMs / 1000})`,
      parseTimeout,
    );
}

export interface FleetFlags extends AwsFlags {
  policy: string;
  input?: string[];
  tags?: string;
}

/** Adds the AWS flags, `--policy`, and the offline `--input` / `--tags`. */
export function withFleet<Args extends unknown[], Opts extends OptionValues, Global extends OptionValues>(
  command: Command<Args, Opts, Global>,
) {
  return withAws(command)
    .option('--policy <file>', 'policy file (YAML)', DEFAULT_POLICY_PATH)
    .option(
      '--input <file...>',
      'offline: JSON of `aws elasticache describe-replication-groups` / `describe-serverless-caches` (no AWS call)',
    )
    .option(
      '--tags <file>',
      'offline: JSON of `aws resourcegroupstaggingapi get-resources` for those resources',
    );
}

/** The fleet flags that need another: `--tags` names the tags of the `--input` files. */
export function checkFleetFlags(flags: FleetFlags): void {
  if (flags.tags !== undefined && flags.input === undefined)
    throw new InputValidationError('--tags needs --input: it gives the tags of the offline files');
}

/** Read the fleet, with a progress line on stderr when it is a terminal. */
export async function describedFleetOf(flags: FleetFlags, io: CliIo): Promise<DescribedFleet> {
  checkFleetFlags(flags);
  const source: FleetSource = { ...awsOptions(flags), input: flags.input, tags: flags.tags };
  const progress = io.progress === true && flags.input === undefined;
  const fleet = await describeFleet(source, (described) => {
    if (progress) io.stderr(`\rreading the fleet: ${described} resources described`);
  });
  if (progress) io.stderr('\r\x1b[K');
  return fleet;
}

/** The client options of a fleet read live, or undefined for offline `--input`. */
export const liveOptions = (flags: FleetFlags): AwsClientOptions | undefined =>
  flags.input === undefined ? awsOptions(flags) : undefined;

export async function fleetOf(flags: FleetFlags, io: CliIo): Promise<Resource[]> {
  return (await describedFleetOf(flags, io)).resources;
}

export interface FilterFlags {
  status?: FindingStatus[];
  rule?: string[];
  resource?: Glob;
}

/** `--resource` as a compiled glob: a broken one is a usage error that names the flag. */
function parseGlob(value: string): Glob {
  try {
    return compileGlob(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

const FILTER_HELP = 'only what is printed: the exit code still counts the whole fleet';

/** Adds `--status`, `--rule` and `--resource`: what is printed, never what decides the exit code. */
export function withFilters<Args extends unknown[], Opts extends OptionValues, Global extends OptionValues>(
  command: Command<Args, Opts, Global>,
) {
  return command
    .addOption(
      new Option('--status <status...>', `show these statuses only (${FILTER_HELP})`).choices(
        FINDING_STATUSES,
      ),
    )
    .option('--rule <name...>', `show these rules only (${FILTER_HELP})`)
    .option(
      '--resource <glob>',
      `show resources whose id matches, e.g. 'orders-*' (policy glob syntax; ${FILTER_HELP})`,
      parseGlob,
    );
}

/** The filter the flags ask for, and how the summary line names it (undefined: no filter). */
export function filterOf(flags: FilterFlags): { filter: FindingFilter; text?: string } {
  const words = [
    ...(flags.status === undefined ? [] : [`--status ${flags.status.join(' ')}`]),
    ...(flags.rule === undefined ? [] : [`--rule ${flags.rule.map((rule) => clip(rule)).join(' ')}`]),
    ...(flags.resource === undefined ? [] : [`--resource ${clip(flags.resource.pattern)}`]),
  ];
  return {
    filter: { statuses: flags.status, rules: flags.rule, resource: flags.resource },
    text: words.length === 0 ? undefined : words.join(' '),
  };
}

/** Adds `--table`. */
export function withTable<Args extends unknown[], Opts extends OptionValues, Global extends OptionValues>(
  command: Command<Args, Opts, Global>,
) {
  return command.option(
    '--table <name>',
    'state table (default: $STATE_TABLE)',
    idFlag('table name', '--table'),
  );
}

/** The state table's name: `--table`, else `STATE_TABLE`, or undefined when neither names one. */
export function tableOf(flags: { table?: string }): string | undefined {
  const name = flags.table ?? cliEnv().STATE_TABLE;
  return name === '' ? undefined : name;
}

export function tableName(flags: { table?: string }): string {
  const name = tableOf(flags);
  if (name === undefined) throw new InputValidationError('give --table or set STATE_TABLE');
  return name;
}

/** The state table lives in DynamoDB: `--endpoint-url` (ElastiCache's) is not its endpoint. */
export const stateStoreOf = (flags: AwsFlags, table: string) =>
  new StateStore(table, { ...awsOptions(flags), endpoint: undefined });

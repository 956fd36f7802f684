import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import * as z from 'zod';
import { createFleetClients, DEFAULT_TIMEOUTS } from '../aws/clients.js';
import { AwsCallError } from '../aws/errors.js';
import { createSnapshot, listOurSnapshots } from '../aws/snapshots.js';
import { StateStore } from '../aws/state-store.js';
import {
  type AlertKind,
  alertsOnAnyChange,
  baselineOf,
  decideDrift,
  describeEncryption,
  type EncryptionBaseline,
  encryptionFromObserved,
  isDriftFinding,
  observedEncryption,
} from '../domain/drift.js';
import { evaluate, explainRules, summarize } from '../domain/evaluate.js';
import { FINDING_STATUSES, type Finding, type FindingStatus } from '../domain/finding.js';
import { compileGlob, type Glob } from '../domain/glob.js';
import { loadPolicyFile } from '../domain/policy/load.js';
import {
  DURABILITY_LEVELS,
  RESOURCE_TYPES,
  type Resource,
  STORAGE_ENCRYPTION_TYPES,
} from '../domain/resource.js';
import { BASELINE_KIND } from '../jobs/encryption-drift.js';
import { cleanupSnapshots } from '../jobs/snapshots.js';
import { clip, echo } from '../runtime/echo.js';
import { InputValidationError } from '../runtime/errors.js';
import { redact, redactText } from '../runtime/redact.js';
import { type DescribedFleet, describeFleet, type FleetSource } from './fleet-source.js';
import {
  byUrgency,
  countLine,
  csvField,
  type FindingFilter,
  FORMATS,
  type Format,
  passes,
  renderReport,
  STATUS_ORDER,
  table,
} from './format.js';
import { renderHtmlReport } from './html.js';
import {
  abortMigration,
  decide,
  type MigrationCliContext,
  migrationStatus,
  startMigration,
} from './migration.js';
import { describeUnknownShare, reachesLimit, unknownShare } from './unknown-share.js';

/**
 * Exit codes, as documented in the README. A scan exits `violations` before
 * `nothingEvaluated`: a confirmed violation is the more urgent news, and the warning about
 * the unknown share is on stderr either way.
 */
export const EXIT = { compliant: 0, violations: 1, usage: 2, aws: 3, nothingEvaluated: 4 } as const;

/** The CLI's version: the package's (a test keeps them equal). */
export const CLI_VERSION = '0.1.0';

export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../../infra/policy.default.yaml', import.meta.url));

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a terminal: tables by default. */
  isTTY: boolean;
  /** stderr is a terminal: progress is shown there. */
  progress?: boolean;
  /** The terminal's width when stdout is one: tables are cut to it. */
  columns?: number;
}

interface AwsFlags {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  timeout?: number;
}
interface OutputFlags {
  format?: Format;
  output?: string;
}
interface FilterFlags {
  status?: FindingStatus[];
  rule?: string[];
  resource?: Glob;
}
interface FleetFlags extends AwsFlags {
  policy: string;
  input?: string[];
  tags?: string;
}

/** What an AWS region looks like: `us-east-1`, `eu-central-2`, `us-gov-west-1`. */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/**
 * The AWS flags as client options. A malformed region or endpoint is the caller's mistake
 * (exit 2, naming the flag), not an AWS error: the SDK would only fail later, at the first call.
 */
function awsOptions(flags: AwsFlags) {
  if (flags.region !== undefined && !AWS_REGION.test(flags.region))
    throw new InputValidationError(
      `--region ${echo(flags.region)}: expected an AWS region such as us-east-1 or eu-west-1`,
    );
  if (flags.endpointUrl !== undefined && !isHttpUrl(flags.endpointUrl))
    throw new InputValidationError(
      `--endpoint-url ${echo(flags.endpointUrl)}: expected an http(s) URL such as http://localhost:4566`,
    );
  return {
    region: flags.region,
    profile: flags.profile,
    endpoint: flags.endpointUrl,
    ...(flags.timeout === undefined
      ? {}
      : { timeouts: { connectMs: flags.timeout, requestMs: flags.timeout } }),
  };
}

/** `--timeout` in seconds (0.1 to 300), as milliseconds. */
function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 300)
    throw new InvalidArgumentError('expected seconds between 0.1 and 300');
  return Math.round(seconds * 1000);
}

function withAws(command: Command): Command {
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

function withOutput(command: Command): Command {
  return command
    .addOption(
      new Option('--format <format>', 'output format (default: table on a terminal, else json)').choices(
        FORMATS,
      ),
    )
    .option('--output <file>', 'write to a file instead of stdout');
}

function withFleet(command: Command): Command {
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

/** `--resource` as a compiled glob: a broken one is a usage error that names the flag. */
function parseGlob(value: string): Glob {
  try {
    return compileGlob(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

const FILTER_HELP = 'only what is printed: the exit code still counts the whole fleet';

function withFilters(command: Command): Command {
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
function filterOf(flags: FilterFlags): { filter: FindingFilter; text?: string } {
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

/** How wide a table may be: a terminal's width, or unbounded when stdout is not a terminal. */
const widthOf = (flags: OutputFlags, io: CliIo): number | undefined =>
  io.isTTY && flags.output === undefined ? io.columns : undefined;

function withTable(command: Command): Command {
  return command.option('--table <name>', 'state table (default: $STATE_TABLE)');
}

/** The state table's name: `--table`, else `STATE_TABLE`, or undefined when neither names one. */
function tableOf(flags: { table?: string }): string | undefined {
  const name = flags.table ?? process.env.STATE_TABLE;
  return name === '' ? undefined : name;
}

function tableName(flags: { table?: string }): string {
  const name = tableOf(flags);
  if (name === undefined) throw new InputValidationError('give --table or set STATE_TABLE');
  return name;
}

/** The state table lives in DynamoDB: `--endpoint-url` (ElastiCache's) is not its endpoint. */
const stateStoreOf = (flags: AwsFlags, table: string) =>
  new StateStore(table, { ...awsOptions(flags), endpoint: undefined });

/** Read the fleet, with a progress line on stderr when it is a terminal. */
async function describedFleetOf(flags: FleetFlags, io: CliIo): Promise<DescribedFleet> {
  const source: FleetSource = { ...awsOptions(flags), input: flags.input, tags: flags.tags };
  const progress = io.progress === true && flags.input === undefined;
  const fleet = await describeFleet(source, (described) => {
    if (progress) io.stderr(`\rreading the fleet: ${described} resources described`);
  });
  if (progress) io.stderr('\r\x1b[K');
  return fleet;
}

async function fleetOf(flags: FleetFlags, io: CliIo): Promise<Resource[]> {
  return (await describedFleetOf(flags, io)).resources;
}

async function emit(text: string, flags: OutputFlags, io: CliIo): Promise<void> {
  if (flags.output === undefined) io.stdout(text);
  else await writeFile(flags.output, text);
}

/**
 * A command's result as lines of text by default (what a person reads), or as rows in the
 * asked `--format` / to the `--output` file (what a script reads).
 */
async function emitResult(
  result: { text: string; rows: Record<string, string>[]; columns: string[] },
  flags: OutputFlags,
  io: CliIo,
): Promise<void> {
  if (flags.format === undefined && flags.output === undefined) io.stdout(result.text);
  else await emit(renderRows(result.rows, result.columns, formatOf(flags, io)), flags, io);
}

const formatOf = (flags: OutputFlags, io: CliIo): Format =>
  flags.format ?? (io.isTTY && flags.output === undefined ? 'table' : 'json');

/**
 * Rows in any format but html (a report of findings is the only html page). A table is cut to
 * `width` (its last column gives up room first) and ends with `footer` when given.
 */
function renderRows(
  rows: Record<string, string>[],
  columns: string[],
  format: Format,
  view: { width?: number; footer?: string } = {},
): string {
  const cells = rows.map((row) => columns.map((column) => row[column] ?? ''));
  switch (format) {
    case 'json':
      return `${JSON.stringify(rows, null, 2)}\n`;
    case 'csv':
      return `${[columns, ...cells].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
    case 'markdown':
      return `${[columns, columns.map(() => '---'), ...cells].map((row) => `| ${row.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`).join('\n')}\n`;
    case 'html':
      throw new InputValidationError(
        '--format html is for scan reports; use table, json, csv or markdown here',
      );
    case 'table': {
      const fitTo =
        view.width === undefined
          ? undefined
          : { width: view.width, absorbing: columns.length - 1, keep: [0, columns.indexOf('resourceId')] };
      const body = rows.length === 0 ? 'nothing to show' : table([columns, ...cells], fitTo);
      return view.footer === undefined ? `${body}\n` : `${body}\n${view.footer}\n`;
    }
  }
}

const hasViolation = (findings: readonly Finding[]) =>
  findings.some((finding) => finding.status === 'violation');

/** `--max-unknown` as a percentage from 0 to 100. */
function parsePercent(value: string): number {
  const percent = Number(value);
  if (value.trim() === '' || !Number.isFinite(percent) || percent < 0 || percent > 100)
    throw new InvalidArgumentError('expected a percentage between 0 and 100');
  return percent;
}

/**
 * Exit `violations` on any violation; else `nothingEvaluated` when the unknown share reaches
 * `--max-unknown` (an all-unknown scan is not compliance); else `compliant`.
 */
async function scan(
  flags: FleetFlags & OutputFlags & FilterFlags & { maxUnknown: number },
  io: CliIo,
): Promise<number> {
  const policy = await loadPolicyFile(flags.policy);
  const fleet = await describedFleetOf(flags, io);
  const scannedAt = new Date();
  const findings = evaluate(fleet.resources, policy, scannedAt);
  const format = formatOf(flags, io);
  const { filter, text } = filterOf(flags);
  const shown = byUrgency(findings).filter((finding) => passes(finding, filter));
  // JSON keeps the raw encryption state too: a later `drift --baseline` compares with it.
  const resources = format === 'json' ? fleet.resources.map(observedEncryption) : undefined;
  const report = { summary: summarize(findings), findings: shown, resources, filter: text };
  // The HTML header names the policy by its hash: the same path can hold another policy later.
  const rendered =
    format === 'html'
      ? renderHtmlReport(report, {
          scannedAt,
          version: CLI_VERSION,
          policy: {
            path: flags.policy,
            sha256: createHash('sha256')
              .update(await readFile(flags.policy))
              .digest('hex'),
          },
        })
      : renderReport(report, format, { width: widthOf(flags, io) });
  await emit(rendered, flags, io);
  const share = unknownShare(findings, fleet.resources, fleet.lacking);
  const limitReached = reachesLimit(share, flags.maxUnknown);
  if (share.unknown > 0)
    io.stderr(
      describeUnknownShare(share, {
        limitReached,
        offline: flags.input !== undefined,
        maxUnknownPercent: flags.maxUnknown,
      }),
    );
  if (hasViolation(findings)) return EXIT.violations;
  return limitReached ? EXIT.nothingEvaluated : EXIT.compliant;
}

const observedSchema = z.object({
  resourceType: z.enum(RESOURCE_TYPES),
  resourceId: z.string(),
  arn: z.string(),
  createdAt: z.string().optional(),
  storageEncryptionType: z.enum(STORAGE_ENCRYPTION_TYPES).optional(),
  kmsKeyId: z.string().optional(),
  effectiveDurability: z.enum(DURABILITY_LEVELS).optional(),
});

const reportSchema = z.object({
  findings: z.array(
    z.object({
      resourceType: z.enum(RESOURCE_TYPES),
      resourceId: z.string(),
      arn: z.string(),
      rule: z.string(),
      check: z.string(),
      status: z.enum(FINDING_STATUSES),
      observed: z.string(),
    }),
  ),
  resources: z.array(observedSchema).optional(),
});

/** A baseline as recorded; the resource it belongs to is known by its ARN. */
type RecordedBaseline = Omit<EncryptionBaseline, 'resourceType' | 'resourceId'>;

/** A stored baseline; records written by hand or by older versions may lack the violations. */
const storedBaselineSchema = observedSchema.partial({ resourceType: true, resourceId: true }).extend({
  storageEncryptionType: z.enum(STORAGE_ENCRYPTION_TYPES),
  violations: z.array(z.string()).default([]),
  observedAt: z.string().default(''),
});

/**
 * The baselines a `scan --format json` report stands for. A report written before reports kept
 * `resources` is read from its storageEncryption findings' `observed` text instead.
 */
async function reportBaselines(file: string): Promise<EncryptionBaseline[]> {
  let parsed: z.infer<typeof reportSchema>;
  let observedAt: string;
  try {
    const text = await readFile(file, 'utf8');
    observedAt = (await stat(file)).mtime.toISOString();
    const result = reportSchema.safeParse(JSON.parse(text));
    if (!result.success)
      throw new InputValidationError(
        `--baseline ${file}: not a report of \`guardrails scan --format json\` (${clip(z.prettifyError(result.error), 200)})`,
      );
    parsed = result.data;
  } catch (error) {
    if (error instanceof InputValidationError) throw error;
    throw new InputValidationError(`--baseline ${file}: ${clip((error as Error).message, 200)}`, {
      cause: error,
    });
  }
  const findings = parsed.findings;
  const observed =
    parsed.resources ??
    findings
      .filter((finding) => isDriftFinding(finding.check))
      .map((finding) => ({
        resourceType: finding.resourceType,
        resourceId: finding.resourceId,
        arn: finding.arn,
        ...encryptionFromObserved(finding.observed),
      }));
  return observed.flatMap((item) => baselineOf(item, findings, observedAt) ?? []);
}

/** The baselines the encryption-drift job keeps in the state table (their resource named by ARN). */
async function tableBaselines(flags: AwsFlags & { table?: string }, io: CliIo): Promise<RecordedBaseline[]> {
  const store = stateStoreOf(flags, tableName(flags));
  return (await store.listRecords<{ arn?: unknown }>(BASELINE_KIND)).flatMap((record) => {
    const result = storedBaselineSchema.safeParse(record);
    if (result.success) return [result.data];
    // One damaged record must not hide the drift of every other resource: say so and go on.
    io.stderr(
      `guardrails: baseline ${clip(String(record.arn))} is not comparable, skipped (${clip(z.prettifyError(result.error), 200)})\n`,
    );
    return [];
  });
}

/**
 * Compare each resource's at-rest encryption with a previous report or the stored baselines,
 * deciding each transition as the encryption-drift job does ({@link decideDrift}).
 */
/** Drift rows most urgent first: a violation, then a change, then what went back to normal. */
const KIND_ORDER: readonly AlertKind[] = ['violation', 'drift', 'retired', 'resolved'];

async function drift(
  flags: FleetFlags & OutputFlags & FilterFlags & { baseline?: string; table?: string },
  io: CliIo,
) {
  const policy = await loadPolicyFile(flags.policy);
  const known: RecordedBaseline[] =
    flags.baseline === undefined ? await tableBaselines(flags, io) : await reportBaselines(flags.baseline);
  const baselines = new Map(known.map((baseline) => [baseline.arn, baseline]));
  const fleet = await fleetOf(flags, io);
  const now = new Date();
  const { filter, text } = filterOf(flags);
  const findingsOf = new Map<string, Finding[]>();
  for (const finding of evaluate(fleet, policy, now))
    if (isDriftFinding(finding.check))
      findingsOf.set(finding.arn, [...(findingsOf.get(finding.arn) ?? []), finding]);
  const rows = fleet.flatMap((resource) => {
    const recorded = baselines.get(resource.arn);
    if (recorded === undefined) return [];
    const baseline = { ...recorded, resourceType: resource.type, resourceId: resource.id };
    const own = findingsOf.get(resource.arn) ?? [];
    const { alerts } = decideDrift(resource, own, baseline, now, alertsOnAnyChange(policy, own));
    // A transition is filtered by its resource's storageEncryption findings now.
    const judged = own.length > 0 ? own : [{ status: 'unknown' as const, rule: '', resourceId: resource.id }];
    const shown = judged.some((finding) => passes(finding, filter));
    return alerts.map((alert) => ({
      shown,
      row: {
        kind: alert.kind,
        resourceType: resource.type,
        resourceId: resource.id,
        before: describeEncryption(baseline.storageEncryptionType, baseline.kmsKeyId),
        now: alert.to ?? '',
        cause: alert.cause ?? '',
      },
    }));
  });
  const counts: Record<string, number> = {};
  for (const { row } of rows) counts[row.kind] = (counts[row.kind] ?? 0) + 1;
  const shown = rows
    .filter((item) => item.shown)
    .map((item) => item.row)
    .sort(
      (a, b) =>
        KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
        (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0),
    );
  await emit(
    renderRows(shown, ['kind', 'resourceType', 'resourceId', 'before', 'now', 'cause'], formatOf(flags, io), {
      width: widthOf(flags, io),
      footer: countLine('transitions', counts, shown.length, text, KIND_ORDER),
    }),
    flags,
    io,
  );
  // The whole fleet decides, whatever the filter shows.
  return rows.length > 0 ? EXIT.violations : EXIT.compliant;
}

async function explain(flags: FleetFlags & OutputFlags & { resource: string }, io: CliIo): Promise<number> {
  const policy = await loadPolicyFile(flags.policy);
  const resource = (await fleetOf(flags, io)).find(
    (item) => item.id === flags.resource || item.arn === flags.resource,
  );
  if (resource === undefined)
    throw new InputValidationError(`--resource ${clip(flags.resource)}: no such resource in the fleet`);
  const explanation = explainRules(resource, policy, new Date());
  if (formatOf(flags, io) === 'json') {
    await emit(`${JSON.stringify({ resource, rules: explanation }, null, 2)}\n`, flags, io);
  } else {
    const lines = [`${resource.type} ${resource.id} (${resource.arn})`];
    for (const rule of explanation) {
      lines.push('', `${rule.rule} [${rule.mode}]: ${rule.matches ? 'applies' : 'does not apply'}`);
      for (const item of rule.criteria) lines.push(`  ${item.holds ? '+' : '-'} ${item.criterion}`);
      for (const finding of rule.findings) lines.push(`  => ${finding.status}: ${finding.reason}`);
    }
    await emit(`${lines.join('\n')}\n`, flags, io);
  }
  return hasViolation(explanation.flatMap((rule) => rule.findings)) ? EXIT.violations : EXIT.compliant;
}

function program(io: CliIo, exit: { code: number }): Command {
  const root = new Command('guardrails')
    .description('Keep ElastiCache (Valkey / Redis OSS) fleets inside a durability and encryption policy.')
    .version(CLI_VERSION, '--version', 'print the version')
    .option('--debug', 'on an error, print its stack trace too (any command)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    // commander echoes the arguments it refuses (`--password=…`): its errors are redacted too.
    .configureOutput({ writeOut: io.stdout, writeErr: (text) => io.stderr(redactText(text)) })
    .showHelpAfterError('(run with --help for usage)');
  const run =
    <Flags>(action: (flags: Flags, ...rest: string[]) => Promise<number>) =>
    async (...args: unknown[]) => {
      // commander passes positional arguments, then the options, then the command.
      const positional = args.slice(0, -2) as string[];
      exit.code = await action(args.at(-2) as Flags, ...positional);
    };

  withFilters(withOutput(withFleet(root.command('scan'))))
    .description('Evaluate every replication group and serverless cache against the policy.')
    .option(
      '--max-unknown <percent>',
      'warn and exit 4 when at least this share of the findings is unknown',
      parsePercent,
      100,
    )
    .addHelpText(
      'after',
      `
Exit codes: ${EXIT.compliant} compliant, ${EXIT.violations} violations, ${EXIT.usage} usage or input error, ${EXIT.aws} AWS/API error,
${EXIT.nothingEvaluated} nothing evaluated (unknown findings reach --max-unknown, e.g. input saved by an AWS CLI
older than the 2026-06-02 ElastiCache model change). Violations win over ${EXIT.nothingEvaluated}.
--status, --rule and --resource choose what is printed, in every format; the exit code is decided
on every finding, so a filter never hides a violation from it. Shown: ${STATUS_ORDER.join(', ')}
first to last, then by resource id and rule. A table ends with the whole fleet's counts.`,
    )
    .action(run((flags: FleetFlags & OutputFlags & FilterFlags & { maxUnknown: number }) => scan(flags, io)));

  withFilters(withTable(withOutput(withFleet(root.command('drift')))))
    .description(
      'StorageEncryptionType now, against the stored baselines or a previous `scan --format json` report.',
    )
    .option('--baseline <report.json>', 'compare with this report instead of the state table')
    .addHelpText(
      'after',
      `
--status and --rule keep the transitions of resources whose storageEncryption findings now have
that status or rule; --resource matches the resource id. They choose what is printed only: any
transition in the whole fleet still exits ${EXIT.violations}.`,
    )
    .action(
      run((flags: FleetFlags & OutputFlags & FilterFlags & { baseline?: string; table?: string }) =>
        drift(flags, io),
      ),
    );

  const policy = root.command('policy').description('Check and explain a policy.');
  withOutput(policy.command('validate'))
    .description('Check a policy file; every problem is shown with its line.')
    .argument('<file>', 'policy file (YAML)')
    .action(
      run(async (flags: OutputFlags, file?: string) => {
        const checked = await loadPolicyFile(file ?? '');
        const row = {
          file: file ?? '',
          valid: 'true',
          rules: String(checked.rules.length),
          exemptions: String(checked.exemptions.length),
        };
        const text = `${file}: valid (${row.rules} rules, ${row.exemptions} exemptions)\n`;
        await emitResult({ text, rows: [row], columns: Object.keys(row) }, flags, io);
        return EXIT.compliant;
      }),
    );
  withOutput(withFleet(policy.command('explain')))
    .description('Which rules match a resource, why, and what they find.')
    .requiredOption('--resource <id>', 'replication group id, serverless cache name or ARN')
    .action(run((flags: FleetFlags & OutputFlags & { resource: string }) => explain(flags, io)));

  const snapshot = root.command('snapshot').description("This app's tagged snapshots.");
  withOutput(withAws(snapshot.command('create')))
    .description('Snapshot a replication group now, tagged as ours (expired by `snapshot cleanup`).')
    .argument('<replication-group-id>')
    .option('--reason <text>', 'why (the guardrails:reason tag)', 'manual')
    .action(
      run(async (flags: AwsFlags & OutputFlags & { reason: string }, group?: string) => {
        // To the millisecond: two snapshots of a group in one second must not collide.
        const name = `guardrails-${group}-${new Date().toISOString().replace(/[-:.TZ]/g, '')}`;
        const record = await createSnapshot(
          createFleetClients(awsOptions(flags)).elasticache,
          group ?? '',
          name,
          flags.reason,
        );
        const row = { name: record.name, replicationGroupId: group ?? '', status: record.status };
        await emitResult(
          { text: `${record.name} ${record.status}\n`, rows: [row], columns: Object.keys(row) },
          flags,
          io,
        );
        return EXIT.compliant;
      }),
    );
  withOutput(withAws(snapshot.command('list')))
    .description('Our snapshots with their Durability and size.')
    .action(
      run(async (flags: AwsFlags & OutputFlags) => {
        const clients = createFleetClients(awsOptions(flags));
        const records = await listOurSnapshots(clients.elasticache, clients.tagging);
        const rows = records.map((record) => ({
          name: record.name,
          replicationGroupId: record.replicationGroupId ?? '',
          status: record.status,
          durability: record.durability ?? '',
          size: record.size ?? '',
          createdAt: record.createdAt ?? '',
        }));
        await emit(
          renderRows(
            rows,
            ['name', 'replicationGroupId', 'status', 'durability', 'size', 'createdAt'],
            formatOf(flags, io),
          ),
          flags,
          io,
        );
        return EXIT.compliant;
      }),
    );
  withTable(withOutput(withAws(snapshot.command('cleanup'))))
    .description(
      "Delete our snapshots past the retention (never a group's newest); a dry run unless --apply.",
    )
    .option('--retention-days <days>', 'keep snapshots younger than this', '14')
    .option('--apply', 'delete (default: only show what would be deleted)')
    .action(
      run(
        async (
          flags: AwsFlags & OutputFlags & { retentionDays: string; apply?: boolean; table?: string },
        ) => {
          const days = Number(flags.retentionDays);
          if (!Number.isInteger(days) || days < 1)
            throw new InputValidationError(
              `--retention-days ${clip(flags.retentionDays)}: expected a whole number of days >= 1`,
            );
          // With the state table, snapshots that a migration or durability change in flight names are kept.
          const table = tableOf(flags);
          const store = table === undefined ? undefined : stateStoreOf(flags, table);
          if (store === undefined && flags.apply === true)
            io.stderr(
              'guardrails: no --table or STATE_TABLE: snapshots of changes in flight are not known, only the newest available of each group is kept\n',
            );
          const report = await cleanupSnapshots(createFleetClients(awsOptions(flags)), {
            retentionDays: days,
            dryRun: flags.apply !== true,
            now: new Date(),
            store,
          });
          const rows = [
            ...report.deleted.map((name) => ({ name, action: 'deleted', reason: '' })),
            ...report.wouldDelete.map((name) => ({
              name,
              action: 'would-delete',
              reason: 'run with --apply',
            })),
            ...report.kept.map((kept) => ({ name: kept.name, action: 'kept', reason: kept.reason })),
          ];
          const text = rows
            .map((row) =>
              row.action === 'deleted'
                ? `deleted ${row.name}\n`
                : row.action === 'kept'
                  ? `kept ${row.name}: ${row.reason}\n`
                  : `would delete ${row.name} (run with --apply)\n`,
            )
            .join('');
          await emitResult({ text, rows, columns: ['name', 'action', 'reason'] }, flags, io);
          return EXIT.compliant;
        },
      ),
    );

  const migration = root.command('migration').description('Operate the online-migration state machine.');
  const context = (flags: AwsFlags & { table?: string }): MigrationCliContext => ({
    aws: awsOptions(flags),
    table: tableName(flags),
    out: io.stdout,
  });
  withTable(withAws(migration.command('start')))
    .description(
      'Start a migration into a replication group (Step Functions, or --local against the sandbox).',
    )
    .argument('<replication-group-id>')
    .requiredOption('--source <host:port...>', 'customer (source) node endpoints')
    .option('--require-approval', 'wait for `migration approve` before CompleteMigration')
    .option('--approval-timeout <seconds>', 'abort without a decision after this long')
    .option('--dry-run', 'stop after the preflight checks')
    .option('--state-machine-arn <arn>', 'the deployed state machine (default: $MIGRATION_STATE_MACHINE_ARN)')
    .option('--local', 'run the state machine in this process against the sandbox (--endpoint-url)')
    .option('--policy <file>', 'policy for raising durability afterwards (--local)', DEFAULT_POLICY_PATH)
    .option('--apply-durability', 'let the durability step change the group (--local; default: dry run)')
    .action(
      run(
        (
          flags: AwsFlags & {
            table?: string;
            source: string[];
            requireApproval?: boolean;
            approvalTimeout?: string;
            dryRun?: boolean;
            stateMachineArn?: string;
            local?: boolean;
            policy: string;
            applyDurability?: boolean;
          },
          group?: string,
        ) =>
          startMigration(context(flags), group ?? '', {
            ...flags,
            sources: flags.source,
            policy: () => loadPolicyFile(flags.policy),
          }),
      ),
    );
  withTable(withAws(migration.command('status')))
    .description("A group's migration: the running execution, an approval wait, an abort request.")
    .argument('<replication-group-id>')
    .option('--execution-arn <arn>', 'also read this execution from Step Functions')
    .action(
      run(async (flags: AwsFlags & { table?: string; executionArn?: string }, group?: string) => {
        io.stdout(
          `${JSON.stringify(redact(await migrationStatus(context(flags), group ?? '', flags.executionArn)), null, 2)}\n`,
        );
        return EXIT.compliant;
      }),
    );
  for (const [verb, description] of [
    ['approve', 'Let the waiting migration run CompleteMigration.'],
    ['reject', 'Refuse the waiting migration: it is aborted (Force=true) and the source keeps serving.'],
  ] as const) {
    const command = withTable(withAws(migration.command(verb)))
      .description(description)
      .argument('<replication-group-id>');
    if (verb === 'reject') command.requiredOption('--reason <text>', 'why (recorded in the failure)');
    command.action(
      run(async (flags: AwsFlags & { table?: string; reason?: string }, group?: string) => {
        const sent = await decide(
          context(flags),
          group ?? '',
          verb === 'approve'
            ? { approved: true }
            : { approved: false, error: 'MigrationRejected', reason: flags.reason ?? '' },
        );
        if (!sent) throw new InputValidationError(`no migration of ${clip(group ?? '')} waits for approval`);
        io.stdout(`${verb === 'approve' ? 'approved' : 'rejected'}: ${group}\n`);
        return EXIT.compliant;
      }),
    );
  }
  withTable(withAws(migration.command('abort')))
    .description(
      'Abort a running migration (Force=true only if its execution started it); the snapshot is kept.',
    )
    .argument('<replication-group-id>')
    .requiredOption('--reason <text>', 'why')
    .action(
      run(async (flags: AwsFlags & { table?: string; reason: string }, group?: string) => {
        io.stdout(`${await abortMigration(context(flags), group ?? '', flags.reason)}\n`);
        return EXIT.compliant;
      }),
    );
  return root;
}

/**
 * Run the CLI with the given arguments (without `node` and the script) and return the exit code.
 * Errors become one line on stderr; `--debug` adds the stack. Both are redacted: a message may
 * echo a flag, a file or an endpoint that carries a secret.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), defaultIo());
 */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const exit = { code: EXIT.compliant as number };
  const debug = args.includes('--debug');
  try {
    await program(io, exit).parseAsync(
      args.filter((arg) => arg !== '--debug'),
      { from: 'user' },
    );
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      const shown = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
      return shown || error.exitCode === 0 ? EXIT.compliant : EXIT.usage;
    }
    const setup = setupProblem(error);
    const code =
      setup !== undefined
        ? EXIT.usage
        : error instanceof AwsCallError || isSdkError(error)
          ? EXIT.aws
          : EXIT.usage;
    const message = setup ?? (error instanceof Error ? error.message : String(error));
    io.stderr(`guardrails: ${redactText(message)}\n`);
    if (debug && error instanceof Error && error.stack !== undefined)
      io.stderr(`${redactText(error.stack)}\n`);
    return code;
  }
}

/**
 * What to do when the SDK could not even start a call: no region, no credentials. Nothing
 * reached AWS, so these are set-up errors (exit 2) that name the flags and variables to set.
 */
function setupProblem(error: unknown): string | undefined {
  const cause = error instanceof AwsCallError && error.cause instanceof Error ? error.cause : error;
  if (!(cause instanceof Error)) return undefined;
  if (cause.message.includes('Region is missing'))
    return 'no AWS region: pass --region (e.g. --region us-east-1) or set AWS_REGION';
  if (cause.name === 'CredentialsProviderError')
    return 'no AWS credentials found: pass --profile NAME (a profile of ~/.aws/config), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or run where an SSO session or an IAM role provides them';
  return undefined;
}

function isSdkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error;
}

export function defaultIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
    progress: process.stderr.isTTY === true,
    columns: process.stdout.columns,
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runCli(process.argv.slice(2), defaultIo());
}

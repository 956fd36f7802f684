/**
 * `guardrails drift`: each resource's StorageEncryptionType now, against the baselines the
 * encryption-drift job keeps or a previous `scan --format json` report.
 */
import { stat } from 'node:fs/promises';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import * as z from 'zod';
import { loadPolicyFile } from '../../shared/aws/policy-file.js';
import { baselineKindOf, RECORD_KINDS, readAs } from '../../shared/aws/state-keys.js';
import { parseArn } from '../../shared/domain/arn.js';
import {
  type AlertKind,
  alertsOnAnyChange,
  baselineOf,
  decideDrift,
  describeEncryption,
  type EncryptionBaseline,
  encryptionFromObserved,
  isDriftFinding,
  OPEN_KINDS,
} from '../../shared/domain/drift.js';
import { evaluate } from '../../shared/domain/evaluate.js';
import { FINDING_STATUSES, type Finding } from '../../shared/domain/finding.js';
import type { Policy } from '../../shared/domain/policy/schema.js';
import {
  DURABILITY_LEVELS,
  RESOURCE_TYPES,
  type Resource,
  STORAGE_ENCRYPTION_TYPES,
} from '../../shared/domain/resource.js';
import { arnLocation } from '../../shared/domain/security-findings.js';
import { TARGET_CHECK } from '../../shared/domain/targets.js';
import { MAX_JSON_FILE_BYTES, readBoundedFile } from '../../shared/runtime/bounded-read.js';
import { clip } from '../../shared/runtime/echo.js';
import { InputValidationError } from '../../shared/runtime/errors.js';
import { countLine, type FindingFilter, passes } from '../format.js';
import { type CliIo, EXIT, emitOutput, type OutputFlags, widthOf, withOutput } from '../io.js';
import {
  type AwsFlags,
  type FilterFlags,
  type FleetFlags,
  filterOf,
  stateStoreOf,
  tableName,
  withFilters,
  withFleet,
  withTable,
} from '../options.js';
import { fleetOfRun, plannedRun } from '../target-run.js';
import { TARGETS_HELP, type TargetFlags, withTargets } from '../targets.js';
import type { CommandContext } from './context.js';

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

/** A report's findings but those of targets that could not be scanned (no resource's). */
function withoutTargetErrors(report: unknown): unknown {
  if (
    typeof report !== 'object' ||
    report === null ||
    !('findings' in report) ||
    !Array.isArray(report.findings)
  )
    return report;
  const ofResources = report.findings.filter(
    (finding: unknown) =>
      typeof finding !== 'object' ||
      finding === null ||
      !('check' in finding) ||
      finding.check !== TARGET_CHECK,
  );
  return { ...report, findings: ofResources };
}

/**
 * The baselines a `scan --format json` report stands for. A report written before reports kept
 * `resources` is read from its storageEncryption findings' `observed` text instead.
 */
async function reportBaselines(file: string): Promise<EncryptionBaseline[]> {
  let parsed: z.infer<typeof reportSchema>;
  let observedAt: string;
  try {
    const text = (await readBoundedFile(file, MAX_JSON_FILE_BYTES)).toString('utf8');
    observedAt = (await stat(file)).mtime.toISOString();
    const result = reportSchema.safeParse(withoutTargetErrors(JSON.parse(text)));
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

/**
 * The baselines the encryption-drift job keeps in the state table (their resource named by ARN)
 * for the targets of `resources` (one partition each), and those a table not yet upgraded still
 * keeps in the previous version's partition of every target's. Read only: the jobs move them.
 */
async function tableBaselines(
  flags: AwsFlags & { table?: string },
  io: CliIo,
  resources: readonly { arn: string }[],
): Promise<RecordedBaseline[]> {
  const store = stateStoreOf(flags, tableName(flags));
  const loose = z.looseObject({ arn: z.unknown().optional() });
  const partitions = [...new Set(resources.flatMap(({ arn }) => (parseArn(arn) === undefined ? [] : [arn])))]
    .map((arn) => baselineKindOf(arn))
    .filter((kind, index, kinds) => kinds.findIndex((other) => other.name === kind.name) === index);
  const records = (
    await Promise.all(
      [RECORD_KINDS.legacyEncryptionBaseline, ...partitions].map((kind) =>
        store.listRecords(readAs(kind, loose)),
      ),
    )
  ).flat();
  return records.flatMap((record) => {
    const result = storedBaselineSchema.safeParse(record);
    if (result.success) return [result.data];
    // One damaged record must not hide the drift of every other resource: say so and go on.
    io.stderr(
      `guardrails: baseline ${clip(String(record.arn))} is not comparable, skipped (${clip(z.prettifyError(result.error), 200)})\n`,
    );
    return [];
  });
}

/** Drift rows most urgent first: a violation, then a change, then what went back to normal. */
const KIND_ORDER: readonly AlertKind[] = ['violation', 'drift', 'retired', 'resolved'];

type DriftFlags = FleetFlags &
  OutputFlags &
  FilterFlags &
  TargetFlags & { baseline?: string; table?: string };

/** One transition to show, and whether the filter shows it. */
interface Transition {
  shown: boolean;
  row: Record<string, string> & { kind: AlertKind; resourceId: string };
}

/**
 * Every transition of the fleet against its baselines, decided as the encryption-drift job
 * does ({@link decideDrift}); `located` gives each row its resource's account and region.
 */
function transitions(
  fleet: readonly Resource[],
  baselines: ReadonlyMap<string, RecordedBaseline>,
  policy: Policy,
  view: { filter: FindingFilter; now: Date; located: boolean },
): Transition[] {
  const findingsOf = new Map<string, Finding[]>();
  for (const finding of evaluate(fleet, policy, view.now))
    if (isDriftFinding(finding.check))
      findingsOf.set(finding.arn, [...(findingsOf.get(finding.arn) ?? []), finding]);
  return fleet.flatMap((resource) => {
    const recorded = baselines.get(resource.arn);
    if (recorded === undefined) return [];
    const baseline = { ...recorded, resourceType: resource.type, resourceId: resource.id };
    const own = findingsOf.get(resource.arn) ?? [];
    const { alerts } = decideDrift(resource, own, baseline, view.now, alertsOnAnyChange(policy, own));
    // A transition is filtered by its resource's storageEncryption findings now.
    const judged = own.length > 0 ? own : [{ status: 'unknown' as const, rule: '', resourceId: resource.id }];
    const shown = judged.some((finding) => passes(finding, view.filter));
    const { account, region } = arnLocation(resource.arn);
    return alerts.map((alert) => ({
      shown,
      row: {
        ...(view.located ? { account, region } : {}),
        kind: alert.kind,
        resourceType: resource.type,
        resourceId: resource.id,
        before: describeEncryption(baseline.storageEncryptionType, baseline.kmsKeyId),
        now: alert.to ?? '',
        // A change with no cause found says so, as its alert does; other kinds have no cause.
        cause: alert.cause ?? (alert.kind === 'drift' ? 'no known cause' : ''),
      },
    }));
  });
}

const DRIFT_COLUMNS = ['kind', 'resourceType', 'resourceId', 'before', 'now', 'cause'];

/**
 * Compare each resource's at-rest encryption with a previous report or the stored baselines.
 * Exit `violations` on a transition that leaves drift open (a change, a new violation), else
 * `aws` when a target could not be read, else `compliant` (resolved and retired are informational).
 */
async function drift(flags: DriftFlags, io: CliIo) {
  const policy = await loadPolicyFile(flags.policy);
  // Every flag is checked before the baselines are read from the state table.
  const planned = plannedRun(flags, policy);
  const recorded = flags.baseline === undefined ? undefined : await reportBaselines(flags.baseline);
  const { fleet, targets } = await fleetOfRun(flags, policy, io, { engineVersions: false }, planned);
  const known: RecordedBaseline[] = recorded ?? (await tableBaselines(flags, io, fleet.resources));
  const baselines = new Map(known.map((baseline) => [baseline.arn, baseline]));
  const { filter, text } = filterOf(flags);
  const located = targets !== undefined;
  const rows = transitions(fleet.resources, baselines, policy, { filter, now: new Date(), located });
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
  const footer = countLine('transitions', counts, shown.length, text, KIND_ORDER);
  await emitOutput(
    {
      kind: 'rows',
      rows: shown,
      columns: [...(located ? ['account', 'region'] : []), ...DRIFT_COLUMNS],
      footer: targets === undefined ? footer : `${footer}\n${targets.line}`,
    },
    flags,
    io,
    { width: widthOf(flags, io) },
  );
  // The whole fleet decides, whatever the filter shows; resolved and retired are informational.
  if (rows.some(({ row }) => OPEN_KINDS.includes(row.kind))) return EXIT.violations;
  return targets !== undefined && targets.failed > 0 ? EXIT.aws : EXIT.compliant;
}

/** Adds `drift` to `parent`. */
export function addDrift(parent: CommandUnknownOpts, context: CommandContext): void {
  withTargets(withFilters(withTable(withOutput(withFleet(parent.command('drift')), 'rows'))))
    .description(
      'StorageEncryptionType now, against the stored baselines or a previous `scan --format json` report.',
    )
    .option('--baseline <report.json>', 'compare with this report instead of the state table')
    .addHelpText(
      'after',
      `
--status and --rule keep the transitions of resources whose storageEncryption findings now have
that status or rule; --resource matches the resource id. They choose what is printed only. Exit
${EXIT.compliant}: nothing open; ${EXIT.violations}: a drift or a new violation anywhere in the fleet, even one the filter
hides (resolved and retired transitions are shown, and informational). Over targets, a target
that could not be read exits ${EXIT.aws} when nothing is open (stderr names it); ${EXIT.violations} wins.
${TARGETS_HELP}`,
    )
    .action(async (flags) => {
      context.exit.code = await drift(flags, context.io);
    });
}

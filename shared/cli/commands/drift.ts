/**
 * `guardrails drift`: each resource's StorageEncryptionType now, against the baselines the
 * encryption-drift job keeps or a previous `scan --format json` report.
 */
import { readFile, stat } from 'node:fs/promises';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import * as z from 'zod';
import { loadPolicyFile } from '../../aws/policy-file.js';
import { readAs } from '../../aws/state-keys.js';
import {
  type AlertKind,
  alertsOnAnyChange,
  baselineOf,
  decideDrift,
  describeEncryption,
  type EncryptionBaseline,
  encryptionFromObserved,
  isDriftFinding,
} from '../../domain/drift.js';
import { evaluate } from '../../domain/evaluate.js';
import { FINDING_STATUSES, type Finding } from '../../domain/finding.js';
import { DURABILITY_LEVELS, RESOURCE_TYPES, STORAGE_ENCRYPTION_TYPES } from '../../domain/resource.js';
import { BASELINE_KIND } from '../../jobs/encryption-drift.js';
import { clip } from '../../runtime/echo.js';
import { InputValidationError } from '../../runtime/errors.js';
import { countLine, passes } from '../format.js';
import {
  type CliIo,
  EXIT,
  emit,
  formatOf,
  type OutputFlags,
  renderRows,
  widthOf,
  withOutput,
} from '../io.js';
import {
  type AwsFlags,
  type FilterFlags,
  type FleetFlags,
  filterOf,
  fleetOf,
  stateStoreOf,
  tableName,
  withFilters,
  withFleet,
  withTable,
} from '../options.js';
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
  const records = await store.listRecords(
    readAs(BASELINE_KIND, z.looseObject({ arn: z.unknown().optional() })),
  );
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

type DriftFlags = FleetFlags & OutputFlags & FilterFlags & { baseline?: string; table?: string };

/**
 * Compare each resource's at-rest encryption with a previous report or the stored baselines,
 * deciding each transition as the encryption-drift job does ({@link decideDrift}).
 */
async function drift(flags: DriftFlags, io: CliIo) {
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

/** Adds `drift` to `parent`. */
export function addDrift(parent: CommandUnknownOpts, context: CommandContext): void {
  withFilters(withTable(withOutput(withFleet(parent.command('drift')))))
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
    .action(async (flags) => {
      context.exit.code = await drift(flags, context.io);
    });
}

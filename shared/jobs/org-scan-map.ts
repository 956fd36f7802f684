/**
 * The organisation scan's Distributed Map through S3 (infra/org-scan.asl.yaml): the listing
 * writes the targets, one JSON line per account, which the Map reads with `ItemReader`; the Map
 * writes every child's result with `ResultWriter`; the summary reads them back from the
 * ResultWriter manifest. Only keys and counts pass through the execution state, whatever the
 * organisation's size (a state holds at most 256 KiB).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import type { ScanObjects } from '../aws/scan-objects.js';
import { accountItemSchema, itemTargets } from '../domain/targets.js';
import { GuardrailsError, InputValidationError } from '../runtime/errors.js';
import {
  listedTargets,
  type OrgScanSummary,
  shortSummary,
  summarizeScan,
  type TargetList,
} from './org-scan.js';

/** An object of the scan bucket that does not hold what the scan wrote there. */
export class ScanObjectError extends GuardrailsError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = 'ScanObjectError';
  }
}

/** Where a run's objects are: `runs/<execution name>/…`, expired by the bucket's lifecycle rule. */
export const RUNS_PREFIX = 'runs/';

/**
 * A Step Functions execution name (1 to 80 characters, none of white space, brackets, wildcards,
 * `"#%\^|~`$&,;:/` or control characters: StartExecution's `name`), which names the run's folder.
 */
export const executionNameSchema = z
  .string()
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses.
  .regex(/^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/, {
    error: 'expected a Step Functions execution name (1 to 80 characters, no white space, / or :)',
  });

/**
 * The input of each `org-scan` task of infra/org-scan.asl.yaml: claim the run (for the
 * execution's timeout); list the targets into the scan bucket; add up the results the Map's
 * ResultWriter wrote there; release the run. An execution's name (`$$.Execution.Name`) is 1 to
 * 80 characters; the listing's names the run's folder, so it is held to {@link executionNameSchema}.
 */
export const orgScanTaskSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('claim'),
    execution: z.string().min(1).max(80),
    timeoutSeconds: z.number().int().positive(),
  }),
  z.object({ action: z.literal('release'), execution: z.string().min(1).max(80) }),
  z.object({ action: z.literal('list'), execution: executionNameSchema }),
  z.object({
    action: z.literal('summarize'),
    unscannedKey: z.string().min(1),
    manifest: z.object({ Bucket: z.string().min(1), Key: z.string().min(1) }),
  }),
]);

/** What the listing hands the Map: the bucket and keys, and counts. Small whatever the organisation. */
export interface ListedRun {
  bucket: string;
  /**
   * The targets, one JSON line per account (`{ account, regions, ouPath?, legacyLayout? }`,
   * `regions` a list or `all-enabled`): the Map's ItemReader.
   */
  key: string;
  /** Where the Map's ResultWriter writes its manifest and result files. */
  resultsPrefix: string;
  /** The failed results and skipped accounts of the listing (`{ failed, skipped }`). */
  unscannedKey: string;
  accounts: number;
  /** The targets as far as the listing knows them ({@link listedTargets}). */
  targets: number;
  failed: number;
  skipped: number;
  concurrency: number;
  /**
   * Whether the previous version's shared partitions still hold anything to move (looked at once
   * for the run): when not, every item says `legacyLayout: false` and its child reads none of them.
   */
  legacyLayout: boolean;
}

/**
 * Write the targets of `list` for the execution `execution`: one line per account (each with
 * `legacyLayout: false` when `layout.legacyLayout` says the previous version's shared partitions
 * are empty), then the failures and skipped accounts; answer the keys and counts.
 *
 * @example
 * const listed = await writeTargetList(objects, 'scan-2026-12-07T10-00', list, {
 *   legacyLayout: await store.legacyLayoutLeft(new Date()),
 * });
 */
export async function writeTargetList(
  objects: ScanObjects,
  execution: string,
  list: TargetList,
  layout: { legacyLayout: boolean },
): Promise<ListedRun> {
  const folder = `${RUNS_PREFIX}${executionNameSchema.parse(execution)}`;
  const items = layout.legacyLayout
    ? list.items
    : list.items.map((item) => ({ ...item, legacyLayout: false }));
  const listed: ListedRun = {
    bucket: objects.bucket,
    key: `${folder}/targets.jsonl`,
    resultsPrefix: `${folder}/results`,
    unscannedKey: `${folder}/unscanned.json`,
    accounts: items.length,
    targets: listedTargets(list),
    failed: list.failed.length,
    skipped: list.skipped.length,
    concurrency: list.concurrency,
    legacyLayout: layout.legacyLayout,
  };
  await objects.putLines(listed.key, items);
  await objects.putJson(listed.unscannedKey, { failed: list.failed, skipped: list.skipped });
  return listed;
}

/**
 * The ResultWriter manifest (`manifest.json` under the prefix), as the Step Functions guide
 * gives it ("ResultWriter (Map)"): `{ "DestinationBucket", "MapRunArn", "ResultFiles": { "FAILED":
 * [], "PENDING": [], "SUCCEEDED": [{ "Key": "<prefix>/<map run id>/SUCCEEDED_0.json", "Size": 1494 }] } }`.
 */
const fileListSchema = z.array(z.looseObject({ Key: z.string().min(1) })).default([]);
const manifestSchema = z.looseObject({
  DestinationBucket: z.string().min(1),
  ResultFiles: z.looseObject({
    SUCCEEDED: fileListSchema,
    FAILED: fileListSchema,
    PENDING: fileListSchema,
  }),
});

/**
 * One child execution in a result file (a JSON array of them): its `Input` and, when it
 * succeeded, its `Output`, both as JSON text; `Error` and `Cause` when it failed.
 */
const childSchema = z.looseObject({
  Input: z.string().optional(),
  Output: z.string().optional(),
  Status: z.string().optional(),
  Error: z.string().optional(),
  Cause: z.string().optional(),
});
type Child = z.infer<typeof childSchema>;

/** A child's answer: the target-scan function's `{ account, results }`, or AccountFailed's. */
const accountAnswerSchema = z.union([
  z.object({ account: z.string(), results: z.array(z.unknown()) }),
  z.object({
    account: z.string(),
    regions: accountItemSchema.shape.regions,
    status: z.literal('failed'),
    cause: z.string().optional(),
  }),
]);
const itemSchema = z.looseObject({ account: z.string(), regions: accountItemSchema.shape.regions });

const parseJson = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

/**
 * A failed result for every region of `item` (of an `all-enabled` one, whose regions were not
 * read, the one target `<account>/*`), with the cause Step Functions gave (`cause`).
 */
const failedRegions = (item: z.infer<typeof itemSchema>, cause: string) =>
  itemTargets(item).map((target) => ({ target, status: 'failed', findings: { error: 1 }, cause }));

/**
 * The results of one child: its regions' results; or a failed result per region when it ended
 * failed (the function's failure after its retries, caught; or the child execution itself failed,
 * timed out or was aborted, read from its input). A child whose input is not an account is one
 * unknown item, which the summary counts as failed.
 */
function childResults(child: Child): unknown[] {
  const answer = accountAnswerSchema.safeParse(parseJson(child.Output));
  if (answer.success)
    return 'results' in answer.data
      ? answer.data.results
      : failedRegions(answer.data, answer.data.cause ?? 'the account run failed');
  const item = itemSchema.safeParse(parseJson(child.Input));
  if (!item.success) return [child];
  const error =
    child.Error === undefined
      ? `the child execution ended ${child.Status ?? 'without a result'}`
      : child.Error;
  return failedRegions(item.data, child.Cause === undefined ? error : `${error}: ${child.Cause}`);
}

const unscannedSchema = z.object({
  failed: z.array(z.unknown()),
  skipped: z.array(z.object({ account: z.string(), state: z.string() })),
});

/** The object at `key` of `bucket`, parsed by `schema`; one that is not names its key and the fields. */
async function readObject<Schema extends z.ZodType>(
  objects: ScanObjects,
  schema: Schema,
  bucket: string,
  key: string,
): Promise<z.infer<Schema>> {
  const parsed = schema.safeParse(await objects.getJson(key, bucket));
  if (!parsed.success)
    throw new ScanObjectError(
      `s3://${bucket}/${key} is not what the scan wrote: ${z.prettifyError(parsed.error)}`,
    );
  return parsed.data;
}

/** Where the Map's ResultWriter put its manifest (the Map state's `ResultWriterDetails`). */
export interface ResultWriterDetails {
  Bucket: string;
  Key: string;
}

/**
 * The summary of a run: every child's results read from the ResultWriter files the manifest
 * lists (one file at a time; a file of 1 000 accounts × 17 regions is a few MB), with the
 * listing's failed results and skipped accounts; the same {@link summarizeScan} as ever. The
 * whole summary is written beside the run's other objects (`summary.json`); the answer, which
 * the execution state holds, is its {@link shortSummary}.
 *
 * @example
 * const summary = await summarizeMapRun(objects, { unscannedKey, manifest: { Bucket, Key } });
 */
export async function summarizeMapRun(
  objects: ScanObjects,
  input: { unscannedKey: string; manifest: ResultWriterDetails },
): Promise<OrgScanSummary> {
  if (input.manifest.Bucket !== objects.bucket)
    throw new InputValidationError(
      `manifest.Bucket: ${input.manifest.Bucket} is not this deployment's scan bucket (${objects.bucket})`,
    );
  const unscanned = await readObject(objects, unscannedSchema, objects.bucket, input.unscannedKey);
  const manifest = await readObject(objects, manifestSchema, input.manifest.Bucket, input.manifest.Key);
  const { SUCCEEDED, FAILED, PENDING } = manifest.ResultFiles;
  const results: unknown[] = [];
  for (const file of [...SUCCEEDED, ...FAILED, ...PENDING]) {
    const children = await readObject(objects, z.array(childSchema), manifest.DestinationBucket, file.Key);
    for (const child of children) results.push(...childResults(child));
  }
  const summary = summarizeScan([...results, ...unscanned.failed], unscanned.skipped);
  const key = `${input.unscannedKey.slice(0, input.unscannedKey.lastIndexOf('/') + 1)}summary.json`;
  await objects.putJson(key, summary);
  return shortSummary(summary, `s3://${objects.bucket}/${key}`);
}

/**
 * Log a run's summary: a warning when a target failed or a Security Hub export did not go through.
 *
 * @example
 * reportSummary(await summarizeMapRun(scan.objects, event), scan.logger);
 */
export function reportSummary(summary: OrgScanSummary, logger: Pick<Logger, 'info' | 'warn'>): void {
  const failing = summary.failed > 0 || summary.exportFailures.length > 0;
  logger[failing ? 'warn' : 'info']('organisation scan finished', { ...summary });
}

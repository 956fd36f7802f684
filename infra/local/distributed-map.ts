/**
 * A Distributed Map run locally as Step Functions runs one: its items (map-items.ts) each go
 * to a child execution of their own (its own 256 KiB and 25 000-event quotas, counted apart
 * from the parent's), at most MaxConcurrency at a time; failures are tolerated up to
 * ToleratedFailurePercentage / ToleratedFailureCount (then States.ExceedToleratedFailureThreshold);
 * with a ResultWriter the children's results go to S3 (`manifest.json` and `SUCCEEDED_0.json`,
 * `FAILED_0.json`, `PENDING_0.json` under `<Prefix>/<map run id>/`) and the state's result is
 * the small `{ MapRunArn, ResultWriterDetails }`; without one it is the array of results.
 */
import { randomUUID } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  batchesOf,
  fillTemplate,
  GET_OBJECT,
  INPUT_TYPES,
  type ItemBatcherConfig,
  type ItemReaderConfig,
  type Json,
  LIST_OBJECTS,
  numberOf,
  readItems,
  readPath,
  StatesError,
  unsupportedPaths,
} from './map-items.js';

export type ExecutionType = 'STANDARD' | 'EXPRESS';

/** The child executions of a run's Distributed Maps, of one execution type. */
export interface ChildExecutions {
  executions: number;
  failed: number;
  /** State transitions of those children (what STANDARD children are billed by). */
  transitions: number;
}
export type ChildCounts = Record<ExecutionType, ChildExecutions>;
export const noChildren = (): ChildCounts => ({
  STANDARD: { executions: 0, failed: 0, transitions: 0 },
  EXPRESS: { executions: 0, failed: 0, transitions: 0 },
});

export interface DistributedMapState {
  Type: 'Map';
  ItemProcessor: {
    ProcessorConfig?: { Mode?: string; ExecutionType?: string };
    StartAt: string;
    States: Record<string, unknown>;
  };
  ItemsPath?: string;
  ItemSelector?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
  ItemReader?: ItemReaderConfig;
  ItemBatcher?: ItemBatcherConfig;
  ResultWriter?: {
    Resource?: string;
    /** `Bucket` and `Prefix`, each given or at a reference path of the state's input (`Bucket.$`). */
    Parameters?: Record<string, unknown>;
    WriterConfig?: unknown;
  };
  MaxConcurrency?: number;
  MaxConcurrencyPath?: string;
  ToleratedFailurePercentage?: number;
  ToleratedFailurePercentagePath?: string;
  ToleratedFailureCount?: number;
  ToleratedFailureCountPath?: string;
}

/** A child execution that ended: its output, or the Error and Cause it failed with. */
export type ChildOutcome =
  | { status: 'SUCCEEDED'; output: Json; transitions: number; states: string[] }
  | { status: 'FAILED'; error: string; cause: string; transitions: number; states: string[] };

export interface DistributedMapDeps {
  /** The state machine role's S3 client (ItemReader, ResultWriter). */
  s3?: S3Client;
  /** Runs one child execution; never throws for the child's own failure. */
  runChild: (
    definition: { StartAt: string; States: Record<string, unknown> },
    input: Json,
    name: string,
  ) => Promise<ChildOutcome>;
  counts: ChildCounts;
  /** States the children entered, every child's in turn. */
  childStates: string[];
  /** `arn:aws:states:<region>:<account>` of the execution. */
  arnBase: string;
  executionName: string;
}

/**
 * Refuse, before anything runs, what this runner would get wrong: an ItemReader or ResultWriter
 * it does not run, or without an S3 client, and intrinsic functions in the Map's templates.
 */
export function checkDistributedMap(
  name: string,
  state: DistributedMapState,
  s3: S3Client | undefined,
): void {
  const refuse = (why: string) => {
    throw new Error(`Distributed Map ${name}: ${why}`);
  };
  const reader = state.ItemReader;
  if (reader !== undefined && reader.Resource !== GET_OBJECT && reader.Resource !== LIST_OBJECTS)
    refuse(`ItemReader.Resource ${reader.Resource} is not run locally (${GET_OBJECT}, ${LIST_OBJECTS})`);
  const inputType = reader?.ReaderConfig?.InputType;
  if (reader?.Resource === GET_OBJECT && inputType !== undefined && !INPUT_TYPES.includes(inputType as never))
    refuse(`ItemReader.ReaderConfig.InputType ${inputType} is not run locally (${INPUT_TYPES.join(', ')})`);
  const writer = state.ResultWriter;
  if (
    writer !== undefined &&
    (writer.Resource !== 'arn:aws:states:::s3:putObject' ||
      (writer.Parameters?.Bucket === undefined && writer.Parameters?.['Bucket.$'] === undefined))
  )
    refuse('ResultWriter needs Resource arn:aws:states:::s3:putObject and Parameters.Bucket (or Bucket.$)');
  if (writer?.WriterConfig !== undefined) refuse('ResultWriter.WriterConfig is not run locally');
  if ((reader !== undefined || writer !== undefined) && s3 === undefined)
    refuse('its ItemReader or ResultWriter needs S3: pass the s3 option');
  const batcher = state.ItemBatcher;
  if (batcher !== undefined && Object.keys(batcher).filter((key) => key.startsWith('Max')).length === 0)
    refuse('ItemBatcher needs MaxItemsPerBatch(Path) or MaxInputBytesPerBatch(Path)');
  const paths = unsupportedPaths([
    state.ItemSelector ?? state.Parameters,
    reader?.Parameters,
    writer?.Parameters,
    batcher?.BatchInput,
  ]);
  if (paths.length > 0) refuse(`intrinsic functions are not run locally: ${paths.join(', ')}`);
}

/** The fields only a Map state has: what is left is the task the local runner makes of it. */
const MAP_FIELDS = [
  'ItemProcessor',
  'ItemsPath',
  'ItemSelector',
  'Parameters',
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'Label',
  'MaxConcurrency',
  'MaxConcurrencyPath',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
];
export function withoutMapFields<T extends Record<string, unknown>>(state: T): Partial<T> {
  return Object.fromEntries(Object.entries(state).filter(([key]) => !MAP_FIELDS.includes(key))) as Partial<T>;
}

/** Whether `failed` of `total` items passes the Map's tolerance (none tolerated when it sets none). */
function pastTolerance(state: DistributedMapState, input: Json, failed: number, total: number): boolean {
  const percentage = numberOf(input, state.ToleratedFailurePercentage, state.ToleratedFailurePercentagePath);
  const count = numberOf(input, state.ToleratedFailureCount, state.ToleratedFailureCountPath);
  if (percentage === undefined && count === undefined) return failed > 0;
  return (
    (count !== undefined && failed > count) || (percentage !== undefined && failed * 100 > percentage * total)
  );
}

interface ChildRecord {
  input: Json;
  items: number;
  name: string;
  started?: string;
  stopped?: string;
  outcome?: ChildOutcome;
}

/** Run the children, at most `limit` at once; once the tolerance is passed no more start (the rest stay PENDING). */
async function runChildren(
  state: DistributedMapState,
  input: Json,
  records: ChildRecord[],
  deps: DistributedMapDeps,
): Promise<boolean> {
  const type: ExecutionType =
    state.ItemProcessor.ProcessorConfig?.ExecutionType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
  const limit = numberOf(input, state.MaxConcurrency, state.MaxConcurrencyPath) || 1000;
  const total = records.reduce((sum, record) => sum + record.items, 0);
  const { StartAt, States } = state.ItemProcessor;
  let next = 0;
  let failedItems = 0;
  let exceeded = false;
  const worker = async () => {
    while (!exceeded && next < records.length) {
      const record = records[next] as ChildRecord;
      next += 1;
      record.started = new Date().toISOString();
      record.outcome = await deps.runChild({ StartAt, States }, record.input, record.name);
      record.stopped = new Date().toISOString();
      const counts = deps.counts[type];
      counts.executions += 1;
      counts.transitions += record.outcome.transitions;
      deps.childStates.push(...record.outcome.states);
      if (record.outcome.status === 'FAILED') {
        counts.failed += 1;
        failedItems += record.items;
        exceeded ||= pastTolerance(state, input, failedItems, total);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, records.length) }, worker));
  return exceeded;
}

/** A child as the Map's result lists it (Transformation NONE: metadata, input and output as JSON text). */
function resultEntry(
  record: ChildRecord,
  deps: DistributedMapDeps,
  mapName: string,
): Record<string, unknown> {
  const outcome = record.outcome;
  const status = outcome?.status ?? 'PENDING';
  return {
    ExecutionArn: `${deps.arnBase}:execution:${deps.executionName}/${mapName}:${record.name}`,
    Input: JSON.stringify(record.input),
    InputDetails: { Included: true },
    Name: record.name,
    ...(outcome?.status === 'SUCCEEDED'
      ? { Output: JSON.stringify(outcome.output), OutputDetails: { Included: true } }
      : outcome?.status === 'FAILED'
        ? { Error: outcome.error, Cause: outcome.cause }
        : {}),
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    StartDate: record.started,
    StateMachineArn: `${deps.arnBase}:stateMachine:${deps.executionName}/${mapName}`,
    Status: status,
    StopDate: record.stopped,
  };
}

/** 8 MiB: result files past this size are written as multipart uploads of parts this size. */
const PART_BYTES = 8 * 1024 * 1024;

async function putFile(s3: S3Client, Bucket: string, Key: string, text: string): Promise<number> {
  const body = Buffer.from(text, 'utf8');
  if (body.length <= PART_BYTES) {
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentType: 'application/json' }));
    return body.length;
  }
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket, Key, ContentType: 'application/json' }),
  );
  const Parts: { PartNumber: number; ETag?: string }[] = [];
  for (let at = 0; at < body.length; at += PART_BYTES) {
    const PartNumber = Parts.length + 1;
    const part = await s3.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: body.subarray(at, at + PART_BYTES) }),
    );
    Parts.push({ PartNumber, ETag: part.ETag });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));
  return body.length;
}

/** Write the results and their manifest; the state's result names the manifest (States.ResultWriterFailed when S3 refuses). */
async function writeResults(
  state: DistributedMapState,
  input: Json,
  entries: Record<string, unknown>[],
  mapRunArn: string,
  runId: string,
  s3: S3Client,
): Promise<Json> {
  // Bucket and Prefix given, or at reference paths of the state's input, as ItemReader's.
  const parameters = fillTemplate(state.ResultWriter?.Parameters ?? {}, input, {}) as {
    Bucket?: unknown;
    Prefix?: unknown;
  };
  const Bucket = String(parameters.Bucket ?? '');
  const prefix = String(parameters.Prefix ?? '');
  const folder = `${prefix === '' ? '' : `${prefix.replace(/\/$/, '')}/`}${runId}`;
  const files: Record<string, { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  try {
    for (const status of Object.keys(files)) {
      const matching = entries.filter((entry) => entry.Status === status);
      if (matching.length === 0) continue;
      const Key = `${folder}/${status}_0.json`;
      files[status]?.push({ Key, Size: await putFile(s3, Bucket, Key, JSON.stringify(matching)) });
    }
    const Key = `${folder}/manifest.json`;
    await putFile(
      s3,
      Bucket,
      Key,
      JSON.stringify({ DestinationBucket: Bucket, MapRunArn: mapRunArn, ResultFiles: files }),
    );
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket, Key } };
  } catch (error) {
    throw new StatesError(
      'States.ResultWriterFailed',
      `writing the results to s3://${Bucket}/${folder} failed: ${(error as Error).name}: ${(error as Error).message}`,
    );
  }
}

/**
 * The Map state's work as one local task: its effective input in, its result out.
 *
 * @example
 * handlers[name] = distributedMapTask(name, state, { s3, runChild, counts, childStates, arnBase, executionName });
 */
export function distributedMapTask(name: string, state: DistributedMapState, deps: DistributedMapDeps) {
  return async (input: Json): Promise<Json> => {
    const items =
      state.ItemReader !== undefined && deps.s3 !== undefined
        ? await readItems(state.ItemReader, input, deps.s3)
        : readPath(input, state.ItemsPath ?? '$');
    if (!Array.isArray(items))
      throw new StatesError(
        'States.Runtime',
        `Map ${name}: the items at ${state.ItemsPath ?? '$'} are not an array`,
      );
    const selector = state.ItemSelector ?? state.Parameters;
    const selected = items.map((Value: Json, Index: number) =>
      selector === undefined ? Value : fillTemplate(selector, input, { Map: { Item: { Value, Index } } }),
    );
    const records: ChildRecord[] = batchesOf(selected, state.ItemBatcher, input).map((batch) => ({
      ...batch,
      name: randomUUID(),
    }));
    const exceeded = await runChildren(state, input, records, deps);
    const runId = randomUUID();
    const mapRunArn = `${deps.arnBase}:mapRun:${deps.executionName}/${name}:${runId}`;
    const result =
      state.ResultWriter !== undefined && deps.s3 !== undefined
        ? await writeResults(
            state,
            input,
            records.map((record) => resultEntry(record, deps, name)),
            mapRunArn,
            runId,
            deps.s3,
          )
        : records.map((record) =>
            record.outcome?.status === 'SUCCEEDED' ? record.outcome.output : resultEntry(record, deps, name),
          );
    if (exceeded)
      throw new StatesError(
        'States.ExceedToleratedFailureThreshold',
        `Map ${name}: the failed items passed the tolerated failure threshold`,
      );
    return result;
  };
}

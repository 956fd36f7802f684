/**
 * The items of a local Distributed Map, as Step Functions builds them: read by its `ItemReader`
 * from S3 (`s3:getObject` of a JSON or JSONL object, `s3:listObjectsV2` of a prefix) or taken
 * from its input at `ItemsPath`, shaped by `ItemSelector`, and grouped by `ItemBatcher`.
 */
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';

/** A JSON value as the interpreter passes it around. */
export type Json = unknown;

/** An error with the name Step Functions gives it (what Retry and Catch match). */
export class StatesError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface ItemReaderConfig {
  Resource: string;
  ReaderConfig?: { InputType?: string; MaxItems?: number; MaxItemsPath?: string };
  Parameters?: Record<string, unknown>;
}

export interface ItemBatcherConfig {
  MaxItemsPerBatch?: number;
  MaxItemsPerBatchPath?: string;
  MaxInputBytesPerBatch?: number;
  MaxInputBytesPerBatchPath?: string;
  BatchInput?: Record<string, unknown>;
}

export const GET_OBJECT = 'arn:aws:states:::s3:getObject';
export const LIST_OBJECTS = 'arn:aws:states:::s3:listObjectsV2';
/** The InputTypes of `s3:getObject` run here (CSV and MANIFEST are not). */
export const INPUT_TYPES = ['JSON', 'JSONL'] as const;

/**
 * The value at a JSONPath of the forms Step Functions' reference paths take (`$`, `$.a.b`,
 * `$.a[0]`, `$['a b']`); undefined when absent.
 */
export function readPath(value: unknown, path: string): unknown {
  const steps = path.replace(/^\$/, '').match(/\.[^.[]+|\[\d+\]|\['[^']*'\]/g) ?? [];
  return steps.reduce<unknown>((node, step) => {
    const key = step.startsWith('.') ? step.slice(1) : step.replace(/^\['?|'?\]$/g, '');
    return typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }, value);
}

/** A path the template names: `$$.` from the context object, `$` from the input (States.Runtime when absent). */
function pathValue(path: string, input: unknown, context: unknown): unknown {
  const value = path.startsWith('$$') ? readPath(context, path.slice(1)) : readPath(input, path);
  if (value === undefined)
    throw new StatesError('States.Runtime', `The JSONPath ${path} could not be found in the input`);
  return value;
}

/** A payload template (`ItemSelector`, `Parameters`, `BatchInput`) filled in: each `key.$` takes its path's value. */
export function fillTemplate(template: unknown, input: unknown, context: unknown): unknown {
  if (Array.isArray(template)) return template.map((each) => fillTemplate(each, input, context));
  if (typeof template !== 'object' || template === null) return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$')
        ? [key.slice(0, -2), pathValue(String(value), input, context)]
        : [key, fillTemplate(value, input, context)],
    ),
  );
}

/** The `.$` paths of a template that are not reference paths (intrinsic functions are not run here). */
export function unsupportedPaths(template: unknown): string[] {
  if (typeof template !== 'object' || template === null) return [];
  return Object.entries(template).flatMap(([key, value]) =>
    key.endsWith('.$') && !String(value).startsWith('$')
      ? [`${key}: ${String(value)}`]
      : unsupportedPaths(value),
  );
}

/** A number given directly or at a path of the input (`MaxItems` / `MaxItemsPath` and the like). */
export function numberOf(
  input: unknown,
  value: number | undefined,
  path: string | undefined,
): number | undefined {
  if (path === undefined) return value;
  const found = readPath(input, path);
  if (typeof found !== 'number' || !Number.isInteger(found) || found < 0)
    throw new StatesError('States.Runtime', `${path} is ${JSON.stringify(found)}, not a whole number`);
  return found;
}

function parseObject(text: string, inputType: string, where: string): Json[] {
  try {
    if (inputType === 'JSONL')
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Json);
    const parsed = JSON.parse(text) as Json;
    if (!Array.isArray(parsed)) throw new Error('the object is not a JSON array');
    return parsed;
  } catch (error) {
    throw new StatesError(
      'States.ItemReaderFailed',
      `${where} is not ${inputType}: ${(error as Error).message}`,
    );
  }
}

/**
 * The items an `ItemReader` reads with the execution's S3 client: the JSON array or JSON lines
 * of one object, or the objects under a prefix; at most `MaxItems` (States.ItemReaderFailed when
 * S3 refuses or the object does not parse).
 */
export async function readItems(reader: ItemReaderConfig, input: Json, s3: S3Client): Promise<Json[]> {
  const parameters = fillTemplate(reader.Parameters ?? {}, input, {}) as Record<string, string | undefined>;
  const maxItems =
    numberOf(input, reader.ReaderConfig?.MaxItems, reader.ReaderConfig?.MaxItemsPath) || undefined;
  const where = `s3://${parameters.Bucket}/${parameters.Key ?? parameters.Prefix ?? ''}`;
  try {
    if (reader.Resource === LIST_OBJECTS) {
      const items: Json[] = [];
      const pages = paginateListObjectsV2(
        { client: s3 },
        { Bucket: parameters.Bucket, Prefix: parameters.Prefix },
      );
      for await (const page of pages)
        for (const object of page.Contents ?? [])
          items.push({
            Etag: object.ETag,
            Key: object.Key,
            LastModified: Math.floor((object.LastModified?.getTime() ?? 0) / 1000),
            Size: object.Size,
            StorageClass: object.StorageClass,
          });
      return items.slice(0, maxItems);
    }
    const object = await s3.send(new GetObjectCommand({ Bucket: parameters.Bucket, Key: parameters.Key }));
    const text = (await object.Body?.transformToString('utf8')) ?? '';
    return parseObject(text, reader.ReaderConfig?.InputType ?? 'JSON', where).slice(0, maxItems);
  } catch (error) {
    if (error instanceof StatesError) throw error;
    throw new StatesError(
      'States.ItemReaderFailed',
      `reading ${where} failed: ${(error as Error).name}: ${(error as Error).message}`,
    );
  }
}

/** One child's input and how many of the Map's items it carries. */
export interface Batch {
  input: Json;
  items: number;
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/**
 * The children's inputs: one item each, or with an `ItemBatcher` `{ "Items": [...] }` (and
 * `"BatchInput"` when given) of at most `MaxItemsPerBatch` items and `MaxInputBytesPerBatch`
 * bytes of items.
 */
export function batchesOf(items: Json[], batcher: ItemBatcherConfig | undefined, input: Json): Batch[] {
  if (batcher === undefined) return items.map((item) => ({ input: item, items: 1 }));
  const maxItems =
    numberOf(input, batcher.MaxItemsPerBatch, batcher.MaxItemsPerBatchPath) || Number.POSITIVE_INFINITY;
  const maxBytes =
    numberOf(input, batcher.MaxInputBytesPerBatch, batcher.MaxInputBytesPerBatchPath) ||
    Number.POSITIVE_INFINITY;
  const batchInput =
    batcher.BatchInput === undefined ? undefined : fillTemplate(batcher.BatchInput, input, {});
  const groups: Json[][] = [];
  let size = 0;
  for (const item of items) {
    const current = groups.at(-1);
    const itemBytes = bytes(item) + 1;
    if (current === undefined || current.length >= maxItems || size + itemBytes > maxBytes) {
      groups.push([item]);
      size = itemBytes + 2;
    } else {
      current.push(item);
      size += itemBytes;
    }
  }
  return groups.map((group) => ({
    input: batchInput === undefined ? { Items: group } : { BatchInput: batchInput, Items: group },
    items: group.length,
  }));
}

/**
 * A DynamoDB-compatible store for the sandbox: dynalite (in memory, validates like DynamoDB,
 * conditional writes included) on 127.0.0.1, and the app's state table in it.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { memoiseDynaliteParsers } from './dynalite-parse-memo.js';

export const STATE_TABLE = 'guardrails-state';

/** One request received: its operation and the key (`pk`, `sk`) it names, if it names one. */
export interface DynamoCall {
  operation: string;
  partitionKey?: string;
  /** Every partition key a batch request (BatchGetItem, BatchWriteItem) names, each once. */
  partitionKeys?: string[];
  /** The items a batch request names (keys to get, puts and deletes): DynamoDB bills each apart. */
  batchItems?: number;
  /** The item's sort key, for a request on one item (GetItem, PutItem, UpdateItem, DeleteItem). */
  sortKey?: string;
  /** Bytes of the request's body and of the answer's (what a bench bounds capacity units by). */
  requestBytes?: number;
  responseBytes?: number;
}

export interface LocalDynamo {
  endpoint: string;
  /** Every operation received (`PutItem`, `Query`, …), in order; tests may clear it. */
  calls: DynamoCall[];
  close(): Promise<void>;
}

interface RequestBody {
  Key?: { pk?: { S?: string }; sk?: { S?: string } };
  Item?: { pk?: { S?: string }; sk?: { S?: string } };
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, { S?: string }>;
  RequestItems?: Record<
    string,
    { Keys?: RequestKey[] } | { PutRequest?: { Item?: RequestKey }; DeleteRequest?: { Key?: RequestKey } }[]
  >;
}

type RequestKey = { pk?: { S?: string }; sk?: { S?: string } };

/** The keys a BatchGetItem's or BatchWriteItem's RequestItems name (the item's, for a put). */
function batchKeys(body: RequestBody): (RequestKey | undefined)[] | undefined {
  if (body.RequestItems === undefined) return undefined;
  return Object.values(body.RequestItems).flatMap((request) =>
    Array.isArray(request)
      ? request.map((write) => write.PutRequest?.Item ?? write.DeleteRequest?.Key)
      : (request.Keys ?? []),
  );
}

/** The `pk` value a GetItem/PutItem/UpdateItem/DeleteItem or Query request names. */
function partitionKeyOf(body: RequestBody): string | undefined {
  const direct = body.Key?.pk?.S ?? body.Item?.pk?.S;
  if (direct !== undefined) return direct;
  const names = body.ExpressionAttributeNames ?? {};
  for (const [, name, value] of body.KeyConditionExpression?.matchAll(/([#\w]+)\s*=\s*(:\w+)/g) ?? [])
    if (name !== undefined && value !== undefined && (names[name] ?? name) === 'pk')
      return body.ExpressionAttributeValues?.[value]?.S;
  return undefined;
}

/** Count the bytes of the answer's body into `call.responseBytes` as dynalite writes it. */
function countResponseBytes(response: ServerResponse, call: DynamoCall): void {
  const { write, end } = response;
  const count = (chunk: unknown) => {
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk))
      call.responseBytes = (call.responseBytes ?? 0) + Buffer.byteLength(chunk);
  };
  response.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    count(chunk);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof response.write;
  response.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') count(chunk);
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as typeof response.end;
}

/**
 * Start dynalite on a free port (or `port`), with the state table created; its expression
 * parses are memoised (dynalite-parse-memo.ts).
 */
export async function startDynamo(options: { port?: number; tableName?: string } = {}): Promise<LocalDynamo> {
  memoiseDynaliteParsers();
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const calls: DynamoCall[] = [];
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: options.tableName ?? STATE_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  client.destroy();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const call: DynamoCall = {
      operation:
        String(request.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '',
    };
    calls.push(call);
    countResponseBytes(response, call);
    // dynalite reads the body with 'data' listeners too: both see every chunk.
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const bytes = Buffer.concat(chunks);
      call.requestBytes = bytes.length;
      try {
        const body = JSON.parse(bytes.toString('utf8')) as RequestBody;
        call.partitionKey = partitionKeyOf(body);
        const batch = batchKeys(body);
        if (batch !== undefined) {
          call.batchItems = batch.length;
          call.partitionKeys = [
            ...new Set(batch.flatMap((key) => (key?.pk?.S === undefined ? [] : [key.pk.S]))),
          ];
        }
        call.sortKey = body.Key?.sk?.S ?? body.Item?.sk?.S;
      } catch {
        // Not JSON: dynalite answers it with a validation error; there is no key to record.
      }
    });
  });
  return { endpoint, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

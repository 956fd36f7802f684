/**
 * A DynamoDB-compatible store for the sandbox: dynalite (in memory, validates like DynamoDB,
 * conditional writes included) on 127.0.0.1, and the app's state table in it.
 */

import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

export const STATE_TABLE = 'guardrails-state';

export interface LocalDynamo {
  endpoint: string;
  /** Every operation received (`PutItem`, `Query`, …), in order; tests may clear it. */
  calls: string[];
  close(): Promise<void>;
}

/** Start dynalite on a free port (or `port`), with the state table created. */
export async function startDynamo(options: { port?: number; tableName?: string } = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const calls: string[] = [];
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
  server.on('request', (request: { headers: Record<string, string | string[] | undefined> }) => {
    calls.push(
      String(request.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '',
    );
  });
  return { endpoint, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

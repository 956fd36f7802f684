/**
 * The sandbox's dynalite with its expression parses memoised (infra/local/dynalite-parse-memo.ts),
 * through the real @aws-sdk/client-dynamodb: a request whose expressions were parsed before gets
 * the answer a first parse would give.
 */
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { STATE_TABLE, startDynamo } from '../../../infra/local/dynamo.js';

const dynamo = await startDynamo();
afterAll(() => dynamo.close());
const client = new DynamoDBClient({
  endpoint: dynamo.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  maxAttempts: 1,
});
const key = (sk: string) => ({ pk: { S: 'memo' }, sk: { S: sk } });

/** `SET total = if_not_exists(total, :start) + :one`: the same expression, names and values each time. */
const addOne = (sk: string) =>
  client.send(
    new UpdateItemCommand({
      TableName: STATE_TABLE,
      Key: key(sk),
      UpdateExpression: 'SET #total = if_not_exists(#total, :start) + :one',
      ExpressionAttributeNames: { '#total': 'total' },
      ExpressionAttributeValues: { ':start': { N: '0' }, ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    }),
  );

describe('Sandbox DynamoDB: memoised expression parses', () => {
  it('applies a repeated update expression to each item as it stands', async () => {
    // Act: dynalite resolves if_not_exists into the parse tree it applies; a shared tree would
    // carry the first item's total into the later updates.
    const totals = [];
    for (const sk of ['a', 'a', 'b', 'a']) totals.push((await addOne(sk)).Attributes?.total?.N);

    // Assess
    expect(totals).toEqual(['1', '2', '1', '3']);
  });

  it('counts the names and values a repeated expression uses, whatever other expressions of the request used', async () => {
    // Prepare: in the update, the condition's #state and :closed are used by the update expression first.
    const names = { '#state': 'state' };
    const values = { ':closed': { S: 'closed' } };
    const condition = 'attribute_not_exists(#state) OR #state = :closed';
    await client.send(
      new UpdateItemCommand({
        TableName: STATE_TABLE,
        Key: key('c'),
        UpdateExpression: 'SET #state = :closed',
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );

    // Act: the same condition alone uses them itself; a condition that leaves :closed unused is refused.
    const deleted = await client.send(
      new DeleteItemCommand({
        TableName: STATE_TABLE,
        Key: key('c'),
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_OLD',
      }),
    );
    const unused = await client
      .send(
        new DeleteItemCommand({
          TableName: STATE_TABLE,
          Key: key('c'),
          ConditionExpression: 'attribute_not_exists(#state)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      )
      .catch((error: unknown) => error);

    // Assess
    expect(deleted.Attributes?.state).toEqual({ S: 'closed' });
    expect(
      (await client.send(new GetItemCommand({ TableName: STATE_TABLE, Key: key('c') }))).Item,
    ).toBeUndefined();
    expect(unused).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('ExpressionAttributeValues unused in expressions: keys: {:closed}'),
    });
  });
});

import { Readable } from 'node:stream';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { clientConfig } from '../../shared/aws/clients.js';

const THROTTLED =
  '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>';
const ANSWER =
  '<DescribeReplicationGroupsResponse><DescribeReplicationGroupsResult><ReplicationGroups/></DescribeReplicationGroupsResult></DescribeReplicationGroupsResponse>';

/** A client built as the app builds them, whose HTTP handler throttles the first `throttled` attempts. */
function throttlingClient(maxAttempts: number, throttled: number) {
  const statuses: number[] = [];
  const requestHandler = {
    handle: async () => {
      const status = statuses.length < throttled ? 400 : 200;
      statuses.push(status);
      return {
        response: {
          statusCode: status,
          headers: { 'content-type': 'text/xml' },
          body: Readable.from([Buffer.from(status === 400 ? THROTTLED : ANSWER)]),
        },
      };
    },
  };
  const client = new ElastiCacheClient({
    ...clientConfig({ region: 'us-east-1', maxAttempts, endpoint: 'http://127.0.0.1:1' }),
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler,
  });
  return { client, statuses };
}

// test/setup.ts zeroes the SDK's backoff for every test; these prove it still retries as often.
describe('Test setup: SDK retries without backoff', () => {
  it('makes every attempt of a throttled call, with no delay between them', async () => {
    // Prepare: four throttled attempts would wait 15 s on average with the SDK's backoff, and
    // adaptive mode's rate limiter would hold the retries about 6 s more.
    const { client, statuses } = throttlingClient(5, 4);
    const started = performance.now();

    // Act
    const answer = await client.send(new DescribeReplicationGroupsCommand({}));

    // Assess
    expect(statuses).toEqual([400, 400, 400, 400, 200]);
    expect(answer.$metadata).toMatchObject({ attempts: 5, totalRetryDelay: 0 });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('still gives up after maxAttempts', async () => {
    // Prepare
    const { client, statuses } = throttlingClient(3, 10);

    // Act
    const failure = await client
      .send(new DescribeReplicationGroupsCommand({}))
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ name: 'Throttling', $metadata: { attempts: 3, totalRetryDelay: 0 } });
    expect(statuses).toEqual([400, 400, 400]);
  });
});

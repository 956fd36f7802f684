import { Readable } from 'node:stream';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { clientConfig } from '../../../shared/aws/clients.js';

const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('Function: clientConfig', () => {
  it('retries throttling through the real SDK retry strategy', async () => {
    // Prepare: an HTTP handler that throttles twice, then answers; the SDK's own middleware retries.
    const statuses: number[] = [];
    const requestHandler = {
      handle: async () => {
        const throttled = statuses.length < 2;
        statuses.push(throttled ? 400 : 200);
        const body = throttled
          ? '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>'
          : '<DescribeReplicationGroupsResponse><DescribeReplicationGroupsResult><ReplicationGroups><ReplicationGroup><ReplicationGroupId>g-1</ReplicationGroupId><EffectiveDurability>async</EffectiveDurability></ReplicationGroup></ReplicationGroups></DescribeReplicationGroupsResult></DescribeReplicationGroupsResponse>';
        return {
          response: {
            statusCode: throttled ? 400 : 200,
            headers: { 'content-type': 'text/xml' },
            body: Readable.from([Buffer.from(body)]),
          },
        };
      },
    };
    const client = new ElastiCacheClient({
      ...clientConfig({ region, maxAttempts: 3, endpoint: 'http://127.0.0.1:1' }),
      credentials,
      requestHandler,
    });

    // Act
    const answer = await client.send(new DescribeReplicationGroupsCommand({}));

    // Assess
    expect(statuses).toEqual([400, 400, 200]);
    expect(answer.ReplicationGroups?.[0]?.EffectiveDurability).toBe('async');
    expect(answer.$metadata.attempts).toBe(3);
  });
});

import { DescribeEventsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readGroupEvents } from '../../../shared/aws/elasticache.js';

const elasticache = mockClient(ElastiCacheClient);
const client = new ElastiCacheClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const SINCE = new Date('2026-11-25T08:00:00Z');

describe('Function: readGroupEvents', () => {
  afterEach(() => elasticache.reset());

  it('reads every page of DescribeEvents, not only the first', async () => {
    // Prepare
    elasticache
      .on(DescribeEventsCommand, { Marker: undefined })
      .resolves({ Events: [{ Message: 'Migration started' }], Marker: 'page-2' })
      .on(DescribeEventsCommand, { Marker: 'page-2' })
      .resolves({ Events: [{ Message: 'Test migration complete' }] });

    // Act
    const events = await readGroupEvents(client, 'orders', SINCE);

    // Assess
    expect(events.map((event) => event.message)).toEqual(['Migration started', 'Test migration complete']);
    expect(elasticache).toReceiveCommandWith(DescribeEventsCommand, {
      SourceIdentifier: 'orders',
      SourceType: 'replication-group',
      StartTime: SINCE,
      MaxRecords: 100,
    });
  });
});

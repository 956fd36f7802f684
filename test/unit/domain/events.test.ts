import { describe, expect, it } from 'vitest';
import {
  type AcceptedEvents,
  parseRecheckMessage,
  parseResourceEvent,
} from '../../../shared/domain/events.js';

/** Patterns are passed in: these are the test's own, not the deployment's. */
const ACCEPTED: AcceptedEvents = {
  cloudTrail: {
    source: ['aws.elasticache'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: { eventName: ['ModifyReplicationGroup', 'ModifyServerlessCache'] },
  },
  service: {
    source: ['aws.elasticache'],
    'detail-type': ['Cache Updated'],
    detail: { SourceType: ['replication-group'] },
  },
};
const cloudTrail = (eventName: string, requestParameters: object) => ({
  source: 'aws.elasticache',
  'detail-type': 'AWS API Call via CloudTrail',
  detail: { eventName, requestParameters },
});

describe('Function: parseResourceEvent', () => {
  it.each([
    [
      'a CloudTrail call on a group',
      cloudTrail('ModifyReplicationGroup', { replicationGroupId: 'orders' }),
      {
        trigger: 'cloudtrail',
        name: 'ModifyReplicationGroup',
        resourceType: 'replication-group',
        resourceId: 'orders',
      },
    ],
    [
      'a CloudTrail call on a serverless cache',
      cloudTrail('ModifyServerlessCache', { serverlessCacheName: 'sessions' }),
      { trigger: 'cloudtrail', resourceType: 'serverless-cache', resourceId: 'sessions' },
    ],
    [
      'a service event',
      {
        source: 'aws.elasticache',
        'detail-type': 'Cache Updated',
        detail: { SourceType: 'replication-group', SourceIdentifier: 'orders' },
      },
      { trigger: 'service', name: 'Cache Updated', resourceId: 'orders', attempt: 0 },
    ],
  ])('reads %s', (_name, event, expected) => {
    expect(parseResourceEvent(event, ACCEPTED)).toMatchObject(expected);
  });

  it.each([
    [
      'an unknown detail-type',
      { ...cloudTrail('x', {}), 'detail-type': 'Other' },
      'detail-type: "Other" is not one of',
    ],
    [
      'a service event where only CloudTrail is accepted',
      { source: 'aws.elasticache', 'detail-type': 'Cache Updated', detail: {} },
      'detail-type: "Cache Updated" is not one of AWS API Call via CloudTrail',
    ],
    [
      'a call outside the pattern',
      cloudTrail('DeleteReplicationGroup', {}),
      'detail.eventName: "DeleteReplicationGroup"',
    ],
    [
      'a serverless call without its name',
      cloudTrail('ModifyServerlessCache', { replicationGroupId: 'orders' }),
      'detail.requestParameters.serverlessCacheName: is required',
    ],
    [
      'a service event on a cluster',
      {
        source: 'aws.elasticache',
        'detail-type': 'Cache Updated',
        detail: { SourceType: 'cache-cluster', SourceIdentifier: 'c1' },
      },
      'detail.SourceType: "cache-cluster" is not one of replication-group',
    ],
  ])('refuses %s, naming the field', (name, event, message) => {
    const accepted = name.includes('only CloudTrail') ? { cloudTrail: ACCEPTED.cloudTrail } : ACCEPTED;
    expect(() => parseResourceEvent(event, accepted)).toThrow(`invalid event: ${message}`);
  });
});

describe('Function: parseRecheckMessage', () => {
  it('reads the group and the attempt', () => {
    expect(parseRecheckMessage('{"replicationGroupId":"orders","attempt":2}')).toEqual({
      trigger: 'recheck',
      name: 'Recheck',
      resourceType: 'replication-group',
      resourceId: 'orders',
      attempt: 2,
    });
  });

  it.each([
    ['not JSON', 'body: is not JSON'],
    ['{"attempt":1}', 'body.replicationGroupId: is required'],
    ['{"replicationGroupId":"orders","attempt":-1}', 'body.attempt:'],
  ])('refuses %s, naming the field', (body, message) => {
    expect(() => parseRecheckMessage(body)).toThrow(`invalid event: ${message}`);
  });
});

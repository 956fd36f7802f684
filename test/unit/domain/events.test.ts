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
    detail: {
      eventSource: ['elasticache.amazonaws.com'],
      eventName: ['ModifyReplicationGroup', 'ModifyServerlessCache'],
      errorCode: [{ exists: false }],
    },
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
      // ElastiCache publishes no service event for a replication group: no path reads one.
      'a service event',
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
  ])('refuses %s, naming the field', (_name, event, message) => {
    expect(() => parseResourceEvent(event, ACCEPTED)).toThrow(`invalid event: ${message}`);
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

describe('Function: parseResourceEvent (account and region)', () => {
  const MEMBER = { account: '111111111111', region: 'eu-west-1' };

  it('reads the account and region of a CloudTrail call forwarded from a member into its target', () => {
    const event = cloudTrail('ModifyReplicationGroup', { replicationGroupId: 'orders' });
    expect(parseResourceEvent({ ...event, ...MEMBER }, ACCEPTED)).toMatchObject({
      resourceId: 'orders',
      target: MEMBER,
    });
  });

  it('names no target for an event without account and region', () => {
    const event = parseResourceEvent(
      cloudTrail('ModifyReplicationGroup', { replicationGroupId: 'o' }),
      ACCEPTED,
    );
    expect(event).not.toHaveProperty('target');
  });

  it.each([
    [
      { account: '11111111111', region: 'eu-west-1' },
      'account: expected a 12-digit account id, got "11111111111"',
    ],
    [
      { account: '111111111111', region: 'Europe' },
      'region: "Europe" is not a region (expected one such as us-east-1 or eu-west-1)',
    ],
    [{ account: '111111111111' }, 'region: is required with account (both or neither)'],
    [{ region: 'eu-west-1' }, 'account: is required with region (both or neither)'],
  ])('refuses the envelope %o, naming the field', (envelope, message) => {
    const event = { ...cloudTrail('ModifyReplicationGroup', { replicationGroupId: 'orders' }), ...envelope };
    expect(() => parseResourceEvent(event, ACCEPTED)).toThrow(`invalid event: ${message}`);
  });
});

describe('Function: parseRecheckMessage (account and region)', () => {
  it('reads the target a re-check was queued for', () => {
    const body = '{"replicationGroupId":"orders","attempt":1,"account":"111111111111","region":"eu-west-1"}';
    expect(parseRecheckMessage(body)).toMatchObject({
      resourceId: 'orders',
      attempt: 1,
      target: { account: '111111111111', region: 'eu-west-1' },
    });
  });

  it.each([
    [
      '{"replicationGroupId":"o","attempt":1,"account":"111111111111"}',
      'body.region: is required with account',
    ],
    [
      '{"replicationGroupId":"o","attempt":1,"account":"x","region":"eu-west-1"}',
      'body.account: expected a 12-digit',
    ],
  ])('refuses %s, naming the field', (body, message) => {
    expect(() => parseRecheckMessage(body)).toThrow(`invalid event: ${message}`);
  });
});

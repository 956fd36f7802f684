import { describe, expect, it } from 'vitest';
import {
  describeUnknownShare,
  type LackingFields,
  reachesLimit,
  unknownShare,
} from '../../../cli/unknown-share.js';
import type { Finding } from '../../../shared/domain/finding.js';
import type { Resource } from '../../../shared/domain/resource.js';

const resource = (id: string, type: Resource['type'] = 'replication-group'): Resource => ({
  type,
  id,
  arn: `arn:${id}`,
  status: 'available',
  pendingModifications: false,
  tags: {},
});
const finding = (of: Resource, status: Finding['status'], reason = 'ok'): Finding => ({
  resourceType: of.type,
  resourceId: of.id,
  arn: of.arn,
  rule: 'r',
  check: 'durability',
  status,
  expected: '',
  observed: '',
  reason,
  action: null,
});

describe('Function: unknownShare', () => {
  it('names only the fields lacking from the resources behind unknown findings', () => {
    // Prepare
    const cache = resource('cache', 'serverless-cache');
    const group = resource('group');
    const lacking: LackingFields = new Map([
      [cache, ['StorageEncryptionType']],
      [group, []],
    ]);

    // Act
    const share = unknownShare(
      [finding(cache, 'unknown'), finding(group, 'compliant')],
      [cache, group],
      lacking,
    );

    // Assess
    expect(share).toMatchObject({
      unknown: 1,
      total: 2,
      unknownResources: 1,
      lacking: ['StorageEncryptionType'],
    });
    expect(share.absentEverywhere).toEqual([]);
  });

  it('falls back to the findings reasons when no model field explains the unknowns', () => {
    // Prepare
    const group = resource('group');
    const findings = [finding(group, 'unknown', 'the API returned no KmsKeyId for an sse-kms resource')];

    // Act
    const share = unknownShare(findings, [group], new Map([[group, []]]));
    const text = describeUnknownShare(share, { limitReached: true, offline: false, maxUnknownPercent: 100 });

    // Assess
    expect(text).toContain('nothing could be evaluated: 1 of 1 findings are unknown');
    expect(text).toContain('no KmsKeyId');
  });
});

describe('Function: reachesLimit', () => {
  it.each([
    [0, 10, 0, false],
    [5, 10, 50, true],
    [4, 10, 50, false],
    [1, 10, 0, true],
    [10, 10, 100, true],
  ])('%i of %i unknown against %i %% is %s', (unknown, total, limit, expected) => {
    const share = {
      unknown,
      total,
      unknownResources: 0,
      lacking: [],
      absentEverywhere: [],
      otherReasons: [],
    };

    expect(reachesLimit(share, limit)).toBe(expected);
  });
});

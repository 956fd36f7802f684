import { describe, expect, it } from 'vitest';
import {
  durableLayout,
  durableNodeType,
  nodeCapacityGiB,
} from '../../../shared/domain/durability/node-types.js';

describe('Function: durableNodeType', () => {
  it.each([
    ['cache.r7g.large', 'cache.r7g.large'],
    ['cache.c7gn.large', 'cache.c7gn.large'],
    ['cache.r5.2xlarge', 'cache.r7g.2xlarge'],
    ['cache.m5.large', 'cache.m7g.large'],
    ['cache.m5.24xlarge', 'cache.r7g.12xlarge'],
    ['cache.t3.micro', 'cache.m7g.large'],
    ['cache.t4g.medium', 'cache.m7g.large'],
    ['cache.r6gd.xlarge', 'cache.r7g.8xlarge'],
    ['cache.r6gd.4xlarge', undefined],
    ['cache.r5.24xlarge', undefined],
    ['cache.c1.xlarge', undefined],
    ['r7g.large', undefined],
  ])('maps %s to %s', (from, to) => {
    expect(durableNodeType(from)).toBe(to);
  });

  it('counts the SSD of a data-tiering node as data it holds', () => {
    expect(nodeCapacityGiB('cache.r6gd.xlarge')).toBeCloseTo(26.32 + 99.33);
    expect(nodeCapacityGiB('cache.r7g.xlarge')).toBe(26.32);
  });
});

describe('Function: durableLayout', () => {
  it('spreads what no single durable node holds across more shards of the largest r7g', () => {
    expect(durableLayout('cache.r6gd.4xlarge', 2)).toEqual({ nodeType: 'cache.r7g.16xlarge', shards: 3 });
    expect(durableLayout('cache.r5.large', 2)).toEqual({ nodeType: 'cache.r7g.large', shards: 2 });
    expect(durableLayout('cache.x2gd.large', 2)).toBeUndefined();
  });
});

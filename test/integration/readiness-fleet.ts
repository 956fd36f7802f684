/**
 * Groups in every starting state an online plan covers, as CreateReplicationGroup inputs, with
 * the number of steps the planner must give each (the readiness and upgrade tests share them).
 */
import type { CreateReplicationGroupCommandInput } from '@aws-sdk/client-elasticache';
import { clusteredGroup } from './emulator/fixtures.js';

/** A group that meets every durability requirement (the emulator conformance tests' own). */
export const base = (id: string): CreateReplicationGroupCommandInput =>
  clusteredGroup(id, { ReplicationGroupDescription: 'readiness' });

/** Cluster mode disabled, one node, no failover, no TLS: the farthest online starting point. */
const legacy = (
  id: string,
  engine: 'valkey' | 'redis',
  version: string,
  nodeType: string,
): CreateReplicationGroupCommandInput => ({
  ...base(id),
  Engine: engine,
  EngineVersion: version,
  ClusterMode: 'disabled',
  NumNodeGroups: undefined,
  ReplicasPerNodeGroup: 0,
  AutomaticFailoverEnabled: false,
  MultiAZEnabled: false,
  TransitEncryptionEnabled: false,
  CacheNodeType: nodeType,
});

/** Starting states whose plan is staged or in place, with the step count the planner must give. */
export const STARTS: Array<[string, CreateReplicationGroupCommandInput, number]> = [
  ['ready', base('ready'), 1],
  ['valkey-8-0', { ...base('valkey-8-0'), EngineVersion: '8.0' }, 2],
  ['redis-7-1', { ...base('redis-7-1'), Engine: 'redis', EngineVersion: '7.1' }, 2],
  ['r5-nodes', { ...base('r5-nodes'), CacheNodeType: 'cache.r5.large' }, 2],
  ['no-tls', { ...base('no-tls'), TransitEncryptionEnabled: false }, 2],
  [
    'no-replica',
    { ...base('no-replica'), ReplicasPerNodeGroup: 0, MultiAZEnabled: false, AutomaticFailoverEnabled: true },
    3,
  ],
  ['legacy-valkey', legacy('legacy-valkey', 'valkey', '7.2', 'cache.r7g.large'), 7],
  ['legacy-redis', legacy('legacy-redis', 'redis', '6.2', 'cache.m5.large'), 8],
];

/**
 * Valkey 8.0 without TLS, cluster mode disabled with a replica and Multi-AZ: the tests set
 * ClusterMode=compatible on it (as a group gets there) and then plan. A compatible group takes no
 * other modification until it is enabled, so its plan must start there: enabled, engine, TLS,
 * durability.
 */
export const TO_COMPATIBLE = (id: string): CreateReplicationGroupCommandInput => ({
  ...base(id),
  EngineVersion: '8.0',
  ClusterMode: 'disabled',
  NumNodeGroups: undefined,
  TransitEncryptionEnabled: false,
});
export const COMPATIBLE_STEPS = 4;

/**
 * What the emulator's conformance tests share: an emulator on a frozen clock with an
 * ElastiCache client that does not retry (so each refusal is seen once), unique group ids,
 * groups created and waited for, refusals, and the common group definition.
 */
import {
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ElastiCacheServiceException,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { afterAll } from 'vitest';
import { Clock } from '../../../infra/local/emulator/clock.js';
import { DURATIONS } from '../../../infra/local/emulator/model.js';
import { type Emulator, startEmulator } from '../../../infra/local/emulator/server.js';

export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface ConformanceSandbox {
  emulator: Emulator;
  client: ElastiCacheClient;
  /** `prefix-N`, unique within the file: every test gets its own groups. */
  nextId(prefix: string): string;
  /** Create the group, let its creation time pass, and describe it (now `available`). */
  createAvailable(input: CreateReplicationGroupCommandInput): Promise<ReplicationGroup>;
  describeGroup(id: string): Promise<ReplicationGroup>;
  /** The AWS fault a call was refused with (fails the test when the call succeeds). */
  refusal(call: Promise<unknown>): Promise<ElastiCacheServiceException>;
}

/**
 * Start an emulator whose clock is frozen at `frozenAt` (now by default), closed after the
 * file's tests.
 *
 * @example
 * const { emulator, client, nextId, createAvailable } = await conformanceSandbox();
 */
export async function conformanceSandbox(frozenAt?: number): Promise<ConformanceSandbox> {
  const clock = new Clock();
  clock.freeze(frozenAt);
  const emulator = await startEmulator({ clock });
  afterAll(() => emulator.close());
  const client = new ElastiCacheClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  let sequence = 0;
  const describeGroup = async (id: string) => {
    const answer = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    const group = answer.ReplicationGroups?.[0];
    if (group === undefined) throw new Error(`no group ${id}`);
    return group;
  };
  return {
    emulator,
    client,
    nextId: (prefix) => `${prefix}-${++sequence}`,
    async createAvailable(input) {
      await client.send(new CreateReplicationGroupCommand(input));
      emulator.clock.advance(DURATIONS.create);
      return describeGroup(input.ReplicationGroupId ?? '');
    },
    describeGroup,
    async refusal(call) {
      const outcome = await call.then(
        () => undefined,
        (error: unknown) => error,
      );
      if (!(outcome instanceof ElastiCacheServiceException))
        throw new Error(`not refused: ${String(outcome)}`);
      return outcome;
    },
  };
}

/**
 * Valkey 9.0, cluster mode enabled, 2 shards of 1 replica, Multi-AZ, TLS on Graviton nodes:
 * a group that meets every durability requirement; tests change what they need.
 */
export function clusteredGroup(
  id: string,
  overrides: Partial<CreateReplicationGroupCommandInput> = {},
): CreateReplicationGroupCommandInput {
  return {
    ReplicationGroupId: id,
    ReplicationGroupDescription: 'conformance',
    Engine: 'valkey',
    EngineVersion: '9.0',
    ClusterMode: 'enabled',
    NumNodeGroups: 2,
    ReplicasPerNodeGroup: 1,
    AutomaticFailoverEnabled: true,
    MultiAZEnabled: true,
    TransitEncryptionEnabled: true,
    CacheNodeType: 'cache.r7g.large',
    ...overrides,
  };
}

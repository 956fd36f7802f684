/**
 * The ElastiCache rules the emulator enforces for durability, engine versions, in-transit
 * encryption and online migration, written from the AWS pages the README cites. They are
 * deliberately independent of `shared/domain`: the emulator is the oracle the app is tested
 * against, so it must not share the app's reading of those pages.
 */
import type { GroupState, Level } from './state.js';

export const DURABLE_FAMILIES = ['r6g', 'r7g', 'r8g', 'm6g', 'm7g', 'm8g', 'c7gn', 'c8gn'];
/** The values of the `Durability` parameter. */
export const DURABILITY = ['default', 'async', 'sync', 'disabled'];

/** Engine versions the emulator knows, oldest first: what an upgrade may name. */
export const ENGINE_VERSIONS = {
  redis: ['5.0.6', '6.0', '6.2', '7.0', '7.1'],
  valkey: ['7.2', '8.0', '8.1', '8.2', '9.0', '9.1'],
} as const;

/** Numeric order of dotted versions: 7.0 < 7.1 < 7.2 < 8.0 < 9.0. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Whether dotted version `version` is at least `minimum` (missing parts read 0). */
function atLeast(version: string, minimum: string): boolean {
  const have = version.split('.').map(Number);
  const want = minimum.split('.').map(Number);
  for (let index = 0; index < want.length; index += 1) {
    const a = have[index] ?? 0;
    const b = want[index] ?? 0;
    if (Number.isNaN(a) || a !== b) return a > b;
  }
  return true;
}

/** Online in-transit encryption changes need Valkey 7.2+ or Redis OSS 7.0+. */
export function onlineTlsSupported(group: Pick<GroupState, 'engine' | 'engineVersion'>): boolean {
  return group.engine === 'valkey' || compareVersions(group.engineVersion, '7.0') >= 0;
}

/** What `default` resolves to today. */
export function resolveDurability(setting: string): Level {
  return setting === 'default' ? 'disabled' : (setting as Level);
}

/** Each durability requirement ("Configuring durability") the group does not meet. */
export function durabilityProblems(
  group: Pick<
    GroupState,
    | 'engine'
    | 'engineVersion'
    | 'clusterMode'
    | 'multiAZ'
    | 'replicas'
    | 'tls'
    | 'nodeType'
    | 'dataTiering'
    | 'globalDatastore'
  >,
): string[] {
  const problems: string[] = [];
  const [major = 0] = group.engineVersion.split('.').map(Number);
  if (group.engine !== 'valkey' || major < 9) problems.push('durability requires Valkey 9.0 or later');
  if (group.clusterMode !== 'enabled') problems.push('durability requires cluster mode enabled');
  if (!group.multiAZ || group.replicas < 1)
    problems.push('durability requires Multi-AZ with at least one replica per shard');
  if (!group.tls) problems.push('durability requires in-transit encryption');
  if (!DURABLE_FAMILIES.includes(group.nodeType.split('.')[1] ?? '')) {
    problems.push(`durability is not supported on node type ${group.nodeType}`);
  }
  if (group.dataTiering) problems.push('durability is not supported with data tiering');
  if (group.globalDatastore !== undefined)
    problems.push('durability is not supported for Global Datastore members');
  return problems;
}

/** The online-migration prerequisites a target group does not meet (none: it can take one). */
export function migrationProblems(group: GroupState): string[] {
  const problems: string[] = [];
  const minimum = group.clusterMode === 'enabled' ? '5.0.6' : '5.0.5';
  if (group.engine === 'redis' && !atLeast(group.engineVersion, minimum)) {
    problems.push(
      `Redis OSS ${group.engineVersion} is below ${minimum} (the minimum with cluster mode ${group.clusterMode === 'enabled' ? 'enabled' : 'disabled'})`,
    );
  }
  if (group.tls) problems.push('in-transit encryption must be disabled');
  if (!group.multiAZ) problems.push('Multi-AZ must be enabled');
  if (group.dataTiering || (group.nodeType.split('.')[1] ?? '') === 'r6gd') {
    problems.push(`data tiering (node type ${group.nodeType}) is not supported`);
  }
  if (group.globalDatastore !== undefined) problems.push('a Global Datastore member is not supported');
  if (group.effectiveDurability !== 'disabled') {
    problems.push(
      `online migration into a durable replication group is not supported (durability ${group.effectiveDurability})`,
    );
  }
  return problems;
}

/** Unset automatic failover reads enabled with Multi-AZ or cluster mode enabled. */
export function automaticFailover(group: GroupState): boolean {
  return group.automaticFailover ?? (group.multiAZ || group.clusterMode === 'enabled');
}

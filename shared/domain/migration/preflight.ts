/**
 * What refuses a migration before anything is changed: the target's prerequisites (guide:
 * *Preparing your source and target for migration*), its state, and the sources as seen
 * from outside.
 */
import type { Resource } from '../resource.js';

/** What the target's checks read of it; the engine version only matters for Redis OSS. */
export type MigrationTarget = Pick<
  Resource,
  | 'id'
  | 'engine'
  | 'engineVersion'
  | 'clusterMode'
  | 'transitEncryptionEnabled'
  | 'multiAZ'
  | 'dataTiering'
  | 'globalDatastore'
  | 'effectiveDurability'
>;

function versionBelow(version: string, minimum: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (const [index, floor] of minimum.entries()) {
    const part = parts[index] ?? 0;
    if (Number.isNaN(part)) return true;
    if (part !== floor) return part < floor;
  }
  return false;
}

/**
 * Every reason AWS would refuse this group as an online-migration target (guide: *Preparing
 * your source and target for migration*, *Starting migration*), in words an operator can act
 * on; empty when none. Checked before the pre-migration snapshot, so a refused migration
 * changes nothing.
 *
 * @example
 * const problems = migrationTargetProblems(group, input.customerEndpoints.length);
 */
export function migrationTargetProblems(target: MigrationTarget, endpoints: number): string[] {
  const problems: string[] = [];
  if (target.engine === 'redis') {
    const minimum = target.clusterMode === 'enabled' ? [5, 0, 6] : [5, 0, 5];
    if (target.engineVersion === undefined)
      problems.push(
        'the Redis OSS engine version could not be read (needs 5.0.5, or 5.0.6 with cluster mode)',
      );
    else if (versionBelow(target.engineVersion, minimum))
      problems.push(
        `Redis OSS ${target.engineVersion} is too old: a target needs ${minimum.join('.')} or later`,
      );
  } else if (target.engine !== 'valkey') {
    problems.push(`engine ${target.engine ?? 'unknown'}: a target runs Valkey or Redis OSS`);
  }
  if (target.transitEncryptionEnabled === true)
    problems.push(
      'in-transit encryption is enabled: a target needs it disabled (enable it after the migration)',
    );
  if (target.multiAZ !== true) problems.push('Multi-AZ is disabled: a target needs it enabled');
  if (target.dataTiering === true) problems.push('data tiering (r6gd) cannot be a migration target');
  if (target.globalDatastore === true)
    problems.push('a Global Datastore member cannot be a migration target');
  if (target.effectiveDurability !== undefined && target.effectiveDurability !== 'disabled')
    problems.push(
      `EffectiveDurability is ${target.effectiveDurability}: AWS does not migrate into a durable group; migrate into a non-durable group, then raise durability`,
    );
  if (endpoints !== 1) problems.push(`a target takes exactly one customer endpoint, got ${endpoints}`);
  return problems;
}

/** What the preflight step read of the target group, beyond the target prerequisites. */
export type PreflightGroup = MigrationTarget & Pick<Resource, 'status' | 'pendingModifications'>;

/** What could be read of one source node from outside (no AUTH is sent). */
export interface SourceProbe {
  /** `host:port`. */
  name: string;
  /** Why the node could not be reached, if it could not. */
  error?: string;
  /** `CONFIG GET protected-mode`; undefined when CONFIG is unavailable. */
  protectedMode?: string;
}

/**
 * Everything AWS would refuse later, as problems (any one refuses the migration), and what an
 * operator should know, as notes: the group is available, not migrating, has no pending
 * changes, meets the target prerequisites; each source answers without AUTH and with
 * protected mode off.
 *
 * @example
 * const { problems, notes } = preflightFindings(group, input.customerEndpoints.length, probes);
 */
export function preflightFindings(
  group: PreflightGroup,
  endpoints: number,
  probes: readonly SourceProbe[],
): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  if (group.status === 'migrating') problems.push('the group is already migrating');
  else if (group.status !== 'available') problems.push(`the group is ${group.status}, not available`);
  if (group.pendingModifications) problems.push('the group has pending modifications');
  if (group.effectiveDurability === undefined)
    notes.push('EffectiveDurability is not reported (an older engine or API): treated as disabled');
  problems.push(...migrationTargetProblems(group, endpoints));
  for (const probe of probes) {
    if (probe.error !== undefined)
      problems.push(
        /NOAUTH|AUTH/i.test(probe.error)
          ? `source ${probe.name} requires AUTH, which online migration does not support`
          : `source ${probe.name} is not reachable: ${probe.error}`,
      );
    else if (probe.protectedMode === 'yes') problems.push(`source ${probe.name} has protected-mode yes`);
    else if (probe.protectedMode === undefined)
      notes.push(`source ${probe.name}: protected-mode could not be read (CONFIG unavailable)`);
  }
  return { problems, notes };
}

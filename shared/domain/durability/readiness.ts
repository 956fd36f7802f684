/**
 * Durability readiness: from what a replication group is to the ordered online changes that
 * bring it to a durability level, or a rebuild verdict naming every blocker. Pure: the facts
 * come from the ElastiCache adapter, the allowed actions from the policy.
 *
 * The order follows what ElastiCache accepts (user guide: Changing durability on an existing
 * cluster; Enabling in-transit encryption; Modifying cluster mode; Upgrading engine versions
 * including cross-engine upgrades; Scaling replica count; Vertical scaling):
 * engine → node type → replicas → Multi-AZ → TLS → cluster mode compatible → enabled →
 * more shards (when the workload fit asks for them: workload-fit.ts) → durability, each change its
 * own request. A group in cluster mode `compatible` accepts no other
 * modification until it is `enabled` (Modifying cluster mode): the other changes come before
 * `compatible`, and a group already `compatible` starts with `enabled`. A node type change never
 * shrinks memory (node-types.ts).
 */

import { compareDurability, type DurabilityLevel, type Resource } from '../resource.js';
import { compareVersions, DURABLE_MIN_VALKEY, DURABLE_NODE_FAMILIES } from './eligibility.js';
import { durableLayout, durableNodeType, nodeCapacityGiB } from './node-types.js';
import { nameParameterGroups } from './parameter-groups.js';
import { type RebuildRecipe, rebuildRecipe } from './rebuild.js';

/** The online changes a policy may let run unattended (`durability.stagedChanges.allow`). */
export const STAGED_ACTIONS = [
  'upgrade-engine',
  'scale-node',
  'add-replicas',
  'enable-multi-az',
  'enable-tls',
  'cluster-mode',
  'add-shards',
] as const;
export type StagedAction = (typeof STAGED_ACTIONS)[number];
/** `create-parameter-group` always waits for an approval: it is not in the policy's allow list. */
export type PlanAction = StagedAction | 'create-parameter-group' | 'set-durability';

export const PLAN_VERDICTS = ['in-place', 'staged', 'rebuild', 'not-applicable', 'unknown'] as const;
export type PlanVerdict = (typeof PLAN_VERDICTS)[number];

export type ClientImpact = 'none' | 'clients-must-switch';

/** The calls a plan's steps make. */
export const PLAN_APIS = [
  'ModifyReplicationGroup',
  'IncreaseReplicaCount',
  'ModifyReplicationGroupShardConfiguration',
  'CreateCacheParameterGroup',
] as const;
export type PlanApi = (typeof PLAN_APIS)[number];

/** One request of a plan, with the exact parameters sent. */
export interface PlanStep {
  action: PlanAction;
  api: PlanApi;
  params: Record<string, string | number | boolean>;
  /** The values a new parameter group gets (`create-parameter-group`: ModifyCacheParameterGroup after it). */
  parameters?: Record<string, string>;
  /** What the step changes, in an operator's words. */
  summary: string;
  /** A planning estimate: ElastiCache names no duration, and large groups take longer. */
  expectedMinutes: number;
  clientImpact: ClientImpact;
  /** True when the policy lets it run without an approval; a step with client impact never does. */
  unattended: boolean;
  notes?: string[];
}

export type DurabilityPlan =
  | { verdict: 'in-place' | 'staged'; target: DurabilityLevel; steps: PlanStep[]; needApproval: number }
  | { verdict: 'rebuild'; target: DurabilityLevel; blockers: string[]; recipe: RebuildRecipe }
  | { verdict: 'not-applicable'; target: DurabilityLevel; reason: string }
  | { verdict: 'unknown'; target: DurabilityLevel; missing: string[] };

/** What the planner reads of a group: the resource model plus two settings it does not hold yet. */
export type GroupFacts = Pick<
  Resource,
  | 'type'
  | 'id'
  | 'engine'
  | 'engineVersion'
  | 'clusterMode'
  | 'shards'
  | 'minReplicasPerShard'
  | 'multiAZ'
  | 'transitEncryptionEnabled'
  | 'cacheNodeType'
  | 'dataTiering'
  | 'globalDatastore'
  | 'pendingModifications'
  | 'effectiveDurability'
  | 'parameterGroup'
> & {
  automaticFailover?: boolean;
  transitEncryptionMode?: 'preferred' | 'required';
};

export interface PlanOptions {
  /** Steps the policy lets run unattended; everything else waits for an approval. */
  allow: readonly StagedAction[];
  /** Whether the durability change itself may run unattended (the rule is in enforce mode). */
  enforce: boolean;
  /**
   * `online`: durability changes on an existing group (Changing durability on an existing
   * cluster). `creation-only`: the older Limitations page, where it is chosen at creation.
   */
  durabilitySwitch: 'online' | 'creation-only';
  /** The Valkey version an engine upgrade goes to. */
  engineVersion: string;
  /**
   * The shard count to reach before durability (the workload fit's recommendation): an
   * `add-shards` step when a cluster-mode-enabled group has fewer. Undefined: shards stay.
   */
  shards?: number;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  allow: [],
  enforce: false,
  durabilitySwitch: 'online',
  engineVersion: `${DURABLE_MIN_VALKEY[0]}.${DURABLE_MIN_VALKEY[1]}`,
};

/** Planning estimates in minutes per step (see `PlanStep.expectedMinutes`). */
export const STEP_MINUTES: Record<PlanAction, number> = {
  'upgrade-engine': 45,
  'scale-node': 40,
  'add-replicas': 20,
  'enable-multi-az': 5,
  'enable-tls': 30,
  'cluster-mode': 10,
  // Online resharding moves slots with their keys: it takes longer the more data the group holds.
  'add-shards': 60,
  'create-parameter-group': 1,
  'set-durability': 30,
};

const DURABLE_MIN = `${DURABLE_MIN_VALKEY[0]}.${DURABLE_MIN_VALKEY[1]}`;

/** The facts a plan cannot be made without, by name. */
function missingFacts(group: GroupFacts): string[] {
  const missing: string[] = [];
  if (group.engine === undefined) missing.push('engine');
  if (group.engineVersion === undefined) missing.push('engine version');
  if (group.clusterMode === undefined) missing.push('cluster mode');
  if (group.minReplicasPerShard === undefined) missing.push('replicas per shard');
  if (group.cacheNodeType === undefined) missing.push('node type');
  else if (durableLayout(group.cacheNodeType, 1) === undefined)
    missing.push(`memory of ${group.cacheNodeType} (not in the planner's node table)`);
  if (group.effectiveDurability === undefined) missing.push('EffectiveDurability');
  return missing;
}

/** What no online change can fix, each in words an operator can act on. */
function blockersOf(group: GroupFacts, options: PlanOptions): string[] {
  const blockers: string[] = [];
  const nodeType = group.cacheNodeType ?? '';
  if (group.dataTiering === true)
    blockers.push(
      `data tiering is on (${nodeType}): durability is not supported with it, and its backups restore only into r6gd nodes`,
    );
  if (group.globalDatastore === true)
    blockers.push('member of a Global Datastore (durability is not supported)');
  if (group.engine !== 'valkey' && group.engine !== 'redis') {
    blockers.push(`engine ${group.engine ?? 'unknown'} has no upgrade path to Valkey`);
  }
  if (group.dataTiering !== true && durableNodeType(nodeType) === undefined) {
    blockers.push(
      `no durable node type (${DURABLE_NODE_FAMILIES.join('|')}) holds the ${nodeCapacityGiB(nodeType)} GiB of one ${nodeType} node: rebuild across more shards`,
    );
  }
  if (options.durabilitySwitch === 'creation-only' && group.effectiveDurability === 'disabled') {
    blockers.push('durability can only be chosen when a group is created (creation-only switch rule)');
  }
  return blockers;
}

type StepDraft = Omit<PlanStep, 'unattended' | 'expectedMinutes'>;

const modify = (id: string, params: StepDraft['params']) => ({
  ReplicationGroupId: id,
  ...params,
  ApplyImmediately: true,
});

/** Engine (Redis OSS to Valkey included) and node family: what the group runs on. */
function platformSteps(group: GroupFacts, options: PlanOptions): StepDraft[] {
  const steps: StepDraft[] = [];
  const engine = group.engine ?? '';
  const version = group.engineVersion ?? '';
  if (engine !== 'valkey' || compareVersions(version, DURABLE_MIN) < 0) {
    const notes =
      engine === 'redis'
        ? [
            compareVersions(version, '5.0.6') < 0
              ? 'Redis OSS before 5.0.6: expect a 30-60 s failover while DNS propagates'
              : 'Redis OSS 5.0.6+ to Valkey: no downtime',
            ...(group.parameterGroup === undefined
              ? ['a custom parameter group needs a Valkey one passed as CacheParameterGroupName']
              : []),
          ]
        : undefined;
    steps.push({
      action: 'upgrade-engine',
      api: 'ModifyReplicationGroup',
      params: modify(group.id, { Engine: 'valkey', EngineVersion: options.engineVersion }),
      summary: `upgrade ${engine} ${version} to valkey ${options.engineVersion}`,
      clientImpact: 'none',
      notes,
    });
  }
  const nodeType = group.cacheNodeType ?? '';
  const durableType = durableNodeType(nodeType);
  if (durableType !== undefined && durableType !== nodeType) {
    steps.push({
      action: 'scale-node',
      api: 'ModifyReplicationGroup',
      params: modify(group.id, { CacheNodeType: durableType }),
      summary: `scale ${nodeType} to ${durableType}`,
      clientImpact: 'none',
    });
  }
  return steps;
}

/** Replicas, then automatic failover with Multi-AZ (which needs a replica per shard). */
function availabilitySteps(group: GroupFacts): StepDraft[] {
  const steps: StepDraft[] = [];
  if ((group.minReplicasPerShard ?? 0) < 1) {
    steps.push({
      action: 'add-replicas',
      api: 'IncreaseReplicaCount',
      params: { ReplicationGroupId: group.id, NewReplicaCount: 1, ApplyImmediately: true },
      summary: 'add 1 replica to every shard',
      clientImpact: 'none',
    });
  }
  if (group.multiAZ !== true) {
    steps.push({
      action: 'enable-multi-az',
      api: 'ModifyReplicationGroup',
      params: modify(group.id, { AutomaticFailoverEnabled: true, MultiAZEnabled: true }),
      summary: 'enable automatic failover and Multi-AZ',
      clientImpact: 'none',
    });
  }
  return steps;
}

/** TLS in mode preferred (plain clients keep working while they move to TLS). */
function tlsSteps(group: GroupFacts): StepDraft[] {
  if (group.transitEncryptionEnabled === true) return [];
  return [
    {
      action: 'enable-tls',
      api: 'ModifyReplicationGroup',
      params: modify(group.id, { TransitEncryptionEnabled: true, TransitEncryptionMode: 'preferred' }),
      summary: 'enable in-transit encryption in mode preferred (plain connections still accepted)',
      clientImpact: 'none',
      notes: ['set TransitEncryptionMode=required once every client uses TLS'],
    },
  ];
}

/** Cluster mode disabled → compatible → enabled, each its own request. */
function clusterModeSteps(group: GroupFacts): StepDraft[] {
  const steps: StepDraft[] = [];
  if (group.clusterMode === 'disabled') {
    steps.push({
      action: 'cluster-mode',
      api: 'ModifyReplicationGroup',
      params: modify(group.id, { ClusterMode: 'compatible' }),
      summary: 'cluster mode disabled → compatible (both kinds of client are served)',
      clientImpact: 'none',
    });
  }
  if (group.clusterMode !== 'enabled') {
    steps.push({
      action: 'cluster-mode',
      api: 'ModifyReplicationGroup',
      params: modify(group.id, { ClusterMode: 'enabled' }),
      summary: 'cluster mode compatible → enabled',
      clientImpact: 'clients-must-switch',
      notes: ['every client must be cluster-aware and use the configuration endpoint first'],
    });
  }
  return steps;
}

/**
 * More shards, so that each primary takes less of the writes: only in cluster mode enabled
 * (ModifyReplicationGroupShardConfiguration acts on "a Valkey or Redis OSS (cluster mode
 * enabled) cluster"; ApplyImmediately "At present, the only permitted value ... is true").
 */
function shardSteps(group: GroupFacts, options: PlanOptions): StepDraft[] {
  const current = group.shards;
  if (options.shards === undefined || group.clusterMode !== 'enabled' || current === undefined) return [];
  if (options.shards <= current) return [];
  return [
    {
      action: 'add-shards',
      api: 'ModifyReplicationGroupShardConfiguration',
      params: { ReplicationGroupId: group.id, NodeGroupCount: options.shards, ApplyImmediately: true },
      summary: `add shards: ${current} → ${options.shards} (slots rebalanced online)`,
      clientImpact: 'none',
    },
  ];
}

/**
 * Every change the group needs before durability, in the order ElastiCache accepts them: a group
 * in cluster mode `compatible` takes no other modification until it is `enabled`.
 */
function prerequisiteSteps(group: GroupFacts, options: PlanOptions): StepDraft[] {
  const others = [...platformSteps(group, options), ...availabilitySteps(group), ...tlsSteps(group)];
  const steps =
    group.clusterMode === 'compatible'
      ? [...clusterModeSteps(group), ...others]
      : [...others, ...clusterModeSteps(group)];
  return nameParameterGroups(group, steps, options.engineVersion, (draft) => draft as StepDraft);
}

/**
 * The plan that brings a replication group to `target` durability.
 *
 * @example
 * const plan = planDurability(facts, 'sync', { ...DEFAULT_PLAN_OPTIONS, allow: ['add-replicas'] });
 * if (plan.verdict === 'staged') console.log(`${plan.steps.length} steps, ${plan.needApproval} need approval`);
 */
export function planDurability(
  group: GroupFacts,
  target: DurabilityLevel,
  options: PlanOptions = DEFAULT_PLAN_OPTIONS,
): DurabilityPlan {
  if (group.type !== 'replication-group') {
    return { verdict: 'not-applicable', target, reason: 'serverless caches cannot be durable' };
  }
  const effective = group.effectiveDurability;
  if (effective !== undefined && compareDurability(effective, target) >= 0) {
    // Never a downgrade: a group at or above the target has nothing to do.
    return { verdict: 'not-applicable', target, reason: `already ${effective}` };
  }
  if (target === 'disabled') {
    return { verdict: 'not-applicable', target, reason: 'lowering durability is not planned' };
  }
  const missing = missingFacts(group);
  const layout = durableLayout(group.cacheNodeType ?? '', group.shards ?? 1);
  if (missing.length > 0 || layout === undefined) return { verdict: 'unknown', target, missing };
  const blockers = blockersOf(group, options);
  if (blockers.length > 0)
    return { verdict: 'rebuild', target, blockers, recipe: rebuildRecipe(group, target, options, layout) };

  const drafts: StepDraft[] = [
    ...prerequisiteSteps(group, options),
    ...shardSteps(group, options),
    {
      action: 'set-durability',
      api: 'ModifyReplicationGroup',
      params: { ReplicationGroupId: group.id, Durability: target, ApplyImmediately: true },
      summary: `set Durability=${target}`,
      clientImpact: 'none',
    },
  ];
  const steps = drafts.map((step): PlanStep => {
    const allowed =
      step.action === 'set-durability'
        ? options.enforce
        : (options.allow as readonly string[]).includes(step.action);
    return {
      ...step,
      expectedMinutes: STEP_MINUTES[step.action],
      unattended: allowed && step.clientImpact === 'none',
    };
  });
  return {
    verdict: steps.length === 1 ? 'in-place' : 'staged',
    target,
    steps,
    needApproval: steps.filter((step) => !step.unattended).length,
  };
}

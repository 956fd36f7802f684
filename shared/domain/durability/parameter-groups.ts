/**
 * Cache parameter groups in a durability plan. ElastiCache wants a parameter group of the
 * target family when a group changes family (Redis OSS → Valkey, a major version) on a custom
 * group, and one with `cluster-enabled=yes` for cluster mode (user guide: Upgrading engine
 * versions including cross engine upgrades; Modifying cluster mode; Parameter management).
 * A group on a default group gets the target family's default; a custom group gets a copy of
 * its user-set parameters in the target family, created by its own step first. Pure.
 */

import type { ParameterGroupFacts } from '../resource.js';
import { compareVersions, DURABLE_MIN_VALKEY } from './eligibility.js';

/** A parameter group a step needs: of `family`, with `cluster-enabled=yes` when `clusterOn`. */
export interface ParameterGroupNeed {
  step: 'upgrade-engine' | 'cluster-mode';
  family: string;
  clusterOn: boolean;
}

/** Families by engine with the lowest version each serves, highest first. */
const FAMILIES: Record<string, readonly (readonly [string, string])[]> = {
  valkey: [
    ['valkey9', '9.0'],
    ['valkey8', '8.0'],
    ['valkey7', '7.2'],
  ],
  redis: [
    ['redis7', '7.0'],
    ['redis6.x', '6.0'],
    ['redis5.0', '5.0'],
  ],
};

/** The parameter group family of an engine version (`redis 6.2` → `redis6.x`), undefined when unknown. */
export function parameterGroupFamily(engine: string, version: string): string | undefined {
  return FAMILIES[engine]?.find(([, lowest]) => compareVersions(version, lowest) >= 0)?.[0];
}

/** Default groups are `default.<family>` and `default.<family>.cluster.on`; custom names hold no dot. */
export const isDefaultParameterGroup = (name: string) => name.startsWith('default.');

export const defaultParameterGroup = (family: string, clusterOn: boolean) =>
  `default.${family}${clusterOn ? '.cluster.on' : ''}`;

/**
 * The name of the copy of custom group `name` in `family` (`orders-params` →
 * `orders-params-valkey9`, `…-valkey9-cluster-on`); a copy's own suffix is replaced, not added to.
 */
export function copyName(name: string, family: string, clusterOn: boolean): string {
  const base = name.replace(/-(valkey|redis)\d+(-[0-9x]+)?(-cluster-on)?$/, '');
  const suffix = `-${family.replace(/\./g, '-')}${clusterOn ? '-cluster-on' : ''}`;
  return `${base.slice(0, 255 - suffix.length)}${suffix}`;
}

/**
 * The parameter groups the engine and cluster-mode steps of a plan need: the engine step when
 * it changes family, the `disabled → compatible` step always (`compatible → enabled` keeps it).
 */
export function parameterGroupNeeds(
  group: { engine?: string; engineVersion?: string; clusterMode?: string },
  engineStep: boolean,
  targetVersion: string,
): ParameterGroupNeed[] {
  const current = parameterGroupFamily(group.engine ?? '', group.engineVersion ?? '');
  const target = engineStep ? parameterGroupFamily('valkey', targetVersion) : current;
  if (target === undefined) return [];
  const needs: ParameterGroupNeed[] = [];
  if (engineStep && target !== current)
    needs.push({ step: 'upgrade-engine', family: target, clusterOn: group.clusterMode !== 'disabled' });
  if (group.clusterMode === 'disabled') needs.push({ step: 'cluster-mode', family: target, clusterOn: true });
  return needs;
}

/**
 * The needs of a group's plan, from its facts alone: what the adapter reads parameter groups
 * for (the engine step is planned below Valkey {@link DURABLE_MIN_VALKEY}, as readiness.ts does).
 */
export function parameterGroupNeedsOf(
  group: { engine?: string; engineVersion?: string; clusterMode?: string },
  targetVersion: string,
): ParameterGroupNeed[] {
  const [major, minor] = DURABLE_MIN_VALKEY;
  const engineStep =
    group.engine !== 'valkey' || compareVersions(group.engineVersion ?? '', `${major}.${minor}`) < 0;
  return parameterGroupNeeds(group, engineStep, targetVersion);
}

/** What a step sends as CacheParameterGroupName, and the copy to create first (custom groups only). */
export interface ParameterGroupChoice {
  name: string;
  create?: { family: string; from: string; parameters: Record<string, string> };
}

const sameValues = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/**
 * The parameter group a need is met with: the target family's default for a default group; for
 * a custom one, its copy with the same user-set values (and `cluster-enabled=yes` for cluster
 * mode), to be created unless it exists with exactly those values.
 */
export function chooseParameterGroup(
  facts: ParameterGroupFacts,
  need: ParameterGroupNeed,
): ParameterGroupChoice {
  if (facts.isDefault) return { name: defaultParameterGroup(need.family, need.clusterOn) };
  const name = copyName(facts.name, need.family, need.clusterOn);
  const parameters = { ...facts.userParameters, ...(need.clusterOn ? { 'cluster-enabled': 'yes' } : {}) };
  const existing = facts.copies[name];
  if (
    existing !== undefined &&
    existing.family === need.family &&
    sameValues(existing.userParameters, parameters)
  )
    return { name };
  return { name, create: { family: need.family, from: facts.name, parameters } };
}

/** The part of a plan step this module reads and writes (readiness.ts's drafts). */
interface StepShape {
  action: string;
  api: string;
  params: Record<string, string | number | boolean>;
  summary: string;
  clientImpact: 'none' | 'clients-must-switch';
  parameters?: Record<string, string>;
  notes?: string[];
}

/**
 * Name a parameter group on the engine step (when it changes family) and on the
 * `disabled → compatible` step, each preceded by the step that creates the custom copy it names
 * when that copy does not exist yet. Without facts (the group was not read) the steps stay as they are.
 */
export function nameParameterGroups<Step extends StepShape>(
  group: {
    id: string;
    engine?: string;
    engineVersion?: string;
    clusterMode?: string;
    parameterGroup?: ParameterGroupFacts;
  },
  steps: Step[],
  targetVersion: string,
  createStep: (draft: StepShape) => Step,
): Step[] {
  const facts = group.parameterGroup;
  if (facts === undefined) return steps;
  const engineStep = steps.some((step) => step.action === 'upgrade-engine');
  const needs = parameterGroupNeeds(group, engineStep, targetVersion);
  return steps.flatMap((step) => {
    const need = needs.find(
      (each) =>
        each.step === step.action &&
        (step.action !== 'cluster-mode' || step.params.ClusterMode === 'compatible'),
    );
    if (need === undefined) return [step];
    const choice = chooseParameterGroup(facts, need);
    const named = { ...step, params: { ...step.params, CacheParameterGroupName: choice.name } };
    if (choice.create === undefined) return [named];
    const { family, from, parameters } = choice.create;
    const count = Object.keys(parameters).length;
    const create = createStep({
      action: 'create-parameter-group',
      api: 'CreateCacheParameterGroup',
      params: {
        CacheParameterGroupName: choice.name,
        CacheParameterGroupFamily: family,
        Description: `${from} for ${family}${need.clusterOn ? ' with cluster-enabled=yes' : ''} (${group.id})`,
      },
      parameters,
      summary: `create parameter group ${choice.name} (${family}) with the ${count} value${count === 1 ? '' : 's'} set in ${from}`,
      clientImpact: 'none',
      notes: [
        'the copy is checked before it is used: a parameter the new family does not know is refused here',
      ],
    });
    return [create, named];
  });
}

/**
 * Cache parameter groups: the default group of every family (with and without `.cluster.on`),
 * the account's own groups, Describe/Create/ModifyCacheParameterGroup, DescribeCacheParameters,
 * and the rules ModifyReplicationGroup and CreateReplicationGroup check a group's parameter
 * group against (the README's "Parameter groups" table).
 */
import { int, list, page, required, text } from './params.js';
import type { Params } from './protocol.js';
import { QueryFault } from './protocol.js';
import { compareVersions } from './rules.js';
import type { EmulatorState, GroupState, Handler, ParameterGroupState } from './state.js';

/** Families by engine, with the lowest version each one serves (highest first). */
const FAMILIES = {
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
} as const;
const ALL_FAMILIES: readonly string[] = Object.values(FAMILIES).flatMap((rows) => rows.map(([f]) => f));

/** The parameters the emulator models in every family, with their defaults. */
const SYSTEM_PARAMETERS: Readonly<Record<string, string>> = {
  activedefrag: 'no',
  'cluster-enabled': 'no',
  databases: '16',
  'maxmemory-policy': 'volatile-lru',
  'notify-keyspace-events': '',
  'reserved-memory-percent': '25',
  'tcp-keepalive': '300',
  timeout: '0',
};
const CLUSTER_ON = '.cluster.on';

/** The parameter group family of an engine version (`redis 6.2` → `redis6.x`). */
export function familyOf(engine: GroupState['engine'], version: string): string {
  const row = FAMILIES[engine].find(([, lowest]) => compareVersions(version, lowest) >= 0);
  return row?.[0] ?? FAMILIES[engine][FAMILIES[engine].length - 1]?.[0] ?? engine;
}

/** The default group of a family, `default.valkey8` or `default.valkey8.cluster.on`. */
export function defaultGroupName(family: string, clusterOn: boolean): string {
  return `default.${family}${clusterOn ? CLUSTER_ON : ''}`;
}

/** A default group by name, built on demand (they cannot be changed). */
function defaultGroup(name: string): ParameterGroupState | undefined {
  const clusterOn = name.endsWith(CLUSTER_ON);
  const family = name.slice('default.'.length, clusterOn ? -CLUSTER_ON.length : undefined);
  if (!name.startsWith('default.') || !ALL_FAMILIES.includes(family)) return undefined;
  const parameters = new Map(clusterOn ? [['cluster-enabled', 'yes']] : []);
  return { name, family, description: `Default parameter group for ${family}`, parameters, isDefault: true };
}

/** A parameter group by name, or the CacheParameterGroupNotFound fault (404). */
export function parameterGroupNamed(store: EmulatorState, name: string): ParameterGroupState {
  const group = store.parameterGroups.get(name.toLowerCase()) ?? defaultGroup(name);
  if (group === undefined)
    throw new QueryFault('CacheParameterGroupNotFound', `CacheParameterGroup ${name} not found.`);
  return group;
}

/** The effective value of a parameter: what the owner set, else the family default. */
function parameterValue(group: ParameterGroupState, name: string): string | undefined {
  return group.parameters.get(name) ?? SYSTEM_PARAMETERS[name];
}

const clusterEnabled = (group: ParameterGroupState) => parameterValue(group, 'cluster-enabled') === 'yes';

/** The name of the group a replication group uses: its own, or the default its engine and cluster mode give. */
export function parameterGroupNameOf(group: GroupState): string {
  return (
    group.parameterGroup ??
    defaultGroupName(familyOf(group.engine, group.engineVersion), group.clusterMode !== 'disabled')
  );
}

const refuse = (message: string) => new QueryFault('InvalidParameterCombination', message);

/**
 * The parameter group a replication group will run with after a change to `engine`,
 * `engineVersion` and `clusterMode`, with `requested` as the request's CacheParameterGroupName.
 * Refused as AWS refuses it: a requested group of another family or cluster setting; a custom
 * group kept across a change of family (Redis OSS → Valkey, a major version) or into cluster
 * mode without `cluster-enabled=yes`. A default group follows the engine and cluster mode.
 * Returns what `GroupState.parameterGroup` becomes (undefined: the default).
 */
export function checkedParameterGroup(
  store: EmulatorState,
  group: GroupState,
  after: Pick<GroupState, 'engine' | 'engineVersion' | 'clusterMode'>,
  requested: string | undefined,
): string | undefined {
  const family = familyOf(after.engine, after.engineVersion);
  const clusterOn = after.clusterMode !== 'disabled';
  const runs = `${after.engine} ${after.engineVersion} (family ${family}), cluster mode ${after.clusterMode}`;
  const chosen = parameterGroupNamed(store, requested ?? parameterGroupNameOf(group));
  if (requested === undefined && chosen.isDefault) return undefined;
  if (chosen.family !== family) {
    throw refuse(
      requested !== undefined
        ? `Cache parameter group ${chosen.name} is of family ${chosen.family}; ${group.id} will run ${runs}.`
        : group.engine !== after.engine
          ? `${group.id} uses the custom parameter group ${chosen.name} (${chosen.family}): upgrading from Redis OSS to Valkey needs a custom Valkey parameter group of family ${family} passed as CacheParameterGroupName.`
          : `${group.id} uses the custom parameter group ${chosen.name} (${chosen.family}): ${after.engine} ${after.engineVersion} needs a parameter group of family ${family} passed as CacheParameterGroupName.`,
    );
  }
  if (clusterEnabled(chosen) !== clusterOn) {
    throw refuse(
      clusterOn
        ? `Cluster mode ${after.clusterMode} on ${group.id} needs a parameter group with cluster-enabled=yes; ${chosen.name} has cluster-enabled=${parameterValue(chosen, 'cluster-enabled')}.`
        : `Cache parameter group ${chosen.name} has cluster-enabled=yes; ${group.id} runs cluster mode disabled.`,
    );
  }
  return chosen.isDefault ? undefined : chosen.name;
}

function groupShape(store: EmulatorState, group: ParameterGroupState) {
  return {
    CacheParameterGroupName: group.name,
    CacheParameterGroupFamily: group.family,
    Description: group.description,
    IsGlobal: false,
    ARN: store.arn('parametergroup', group.name),
  };
}

/** Every default group (each family, with and without `.cluster.on`) and the account's own, by name. */
function allGroupNames(store: EmulatorState): string[] {
  const defaults = ALL_FAMILIES.flatMap((family) => [
    defaultGroupName(family, false),
    defaultGroupName(family, true),
  ]);
  return [...defaults, ...store.parameterGroups.keys()].sort();
}

function describeCacheParameterGroups(store: EmulatorState, params: Params) {
  const name = text(params, 'CacheParameterGroupName');
  const names = name === undefined ? allGroupNames(store) : [parameterGroupNamed(store, name).name];
  const size = int(params, 'MaxRecords', 20, 100) ?? 100;
  const result = page(
    names,
    (each) => groupShape(store, parameterGroupNamed(store, each)),
    text(params, 'Marker'),
    size,
  );
  return { CacheParameterGroups: result.items, Marker: result.marker };
}

function describeCacheParameters(store: EmulatorState, params: Params) {
  const group = parameterGroupNamed(store, required(params, 'CacheParameterGroupName'));
  const source = text(params, 'Source');
  if (source !== undefined && !['user', 'system', 'engine-default'].includes(source))
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid value for Source: ${source}. Valid values: user, system, engine-default`,
    );
  const parameterOf = (name: string) => ({
    ParameterName: name,
    ParameterValue: parameterValue(group, name),
    Source: !group.isDefault && group.parameters.has(name) ? 'user' : 'system',
    DataType: 'string',
    IsModifiable: true,
    MinimumEngineVersion: '5.0.0',
    ChangeType: name === 'cluster-enabled' || name === 'databases' ? 'requires-reboot' : 'immediate',
  });
  const names = Object.keys(SYSTEM_PARAMETERS)
    .sort()
    .filter((name) => source === undefined || parameterOf(name).Source === source);
  const size = int(params, 'MaxRecords', 20, 100) ?? 100;
  const result = page(names, parameterOf, text(params, 'Marker'), size);
  return { Parameters: result.items, Marker: result.marker };
}

const NAME = /^[a-z][a-z0-9-]{0,254}$/;

function createCacheParameterGroup(store: EmulatorState, params: Params) {
  const name = required(params, 'CacheParameterGroupName').toLowerCase();
  const family = required(params, 'CacheParameterGroupFamily');
  const description = required(params, 'Description');
  if (!NAME.test(name) || name.endsWith('-') || name.includes('--'))
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid parameter group name: ${name} (letters, digits and hyphens, a letter first).`,
    );
  if (!ALL_FAMILIES.includes(family))
    throw new QueryFault(
      'InvalidParameterValue',
      `Invalid value for CacheParameterGroupFamily: ${family}. Valid values: ${ALL_FAMILIES.join(', ')}`,
    );
  if (store.parameterGroups.has(name))
    throw new QueryFault('CacheParameterGroupAlreadyExists', `Cache parameter group ${name} already exists.`);
  const group: ParameterGroupState = { name, family, description, parameters: new Map(), isDefault: false };
  store.parameterGroups.set(name, group);
  return { CacheParameterGroup: groupShape(store, group) };
}

function modifyCacheParameterGroup(store: EmulatorState, params: Params) {
  const group = parameterGroupNamed(store, required(params, 'CacheParameterGroupName'));
  const values = list(params, 'ParameterNameValues').map((item) => {
    const name = typeof item === 'object' && !Array.isArray(item) ? item.ParameterName : undefined;
    const value = typeof item === 'object' && !Array.isArray(item) ? item.ParameterValue : undefined;
    if (typeof name !== 'string' || typeof value !== 'string')
      throw new QueryFault(
        'InvalidParameterValue',
        'Each ParameterNameValue needs a ParameterName and a ParameterValue.',
      );
    return [name, value] as const;
  });
  if (values.length === 0)
    throw new QueryFault('MissingParameter', 'The request must contain the parameter ParameterNameValues');
  if (values.length > 20)
    throw new QueryFault('InvalidParameterValue', 'At most 20 parameters may be modified per request.');
  if (group.isDefault)
    throw new QueryFault(
      'InvalidCacheParameterGroupState',
      `The default parameter group ${group.name} cannot be modified.`,
    );
  const unknown = values.filter(([name]) => SYSTEM_PARAMETERS[name] === undefined).map(([name]) => name);
  if (unknown.length > 0)
    throw new QueryFault(
      'InvalidParameterValue',
      `Unknown parameter(s) for ${group.family}: ${unknown.join(', ')}.`,
    );
  for (const [name, value] of values) group.parameters.set(name, value);
  return { CacheParameterGroupName: group.name };
}

export const parameterGroupActions: Record<string, Handler> = {
  DescribeCacheParameterGroups: describeCacheParameterGroups,
  DescribeCacheParameters: describeCacheParameters,
  CreateCacheParameterGroup: createCacheParameterGroup,
  ModifyCacheParameterGroup: modifyCacheParameterGroup,
};

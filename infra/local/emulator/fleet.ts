/**
 * A deterministic fleet for the sandbox, tests and benchmarks: the same seed gives the same
 * groups. The mix is realistic: engines and versions, cluster modes, topology, TLS, node
 * families, durability where the rules allow it, encryption, tags, exemptions, and a few
 * groups behind an endpoint that predates the 2026-06-02 fields, custom parameter groups.
 */
import type { Clock } from './clock.js';
import { familyOf } from './parameter-groups.js';
import { DURABLE_FAMILIES } from './rules.js';
import type { EmulatorState, GroupState, ServerlessState } from './state.js';

export interface FleetOptions {
  groups: number;
  serverless?: number;
  seed?: number;
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

const ENGINES = [
  ['valkey', '9.0'],
  ['valkey', '9.0'],
  ['valkey', '8.1'],
  ['valkey', '8.0'],
  ['valkey', '7.2'],
  ['redis', '7.1'],
  ['redis', '6.2'],
] as const;
const NODE_TYPES = [
  'cache.r7g.large',
  'cache.m7g.large',
  'cache.r6g.xlarge',
  'cache.t4g.medium',
  'cache.r5.large',
  'cache.m8g.large',
];
const TEAMS = ['payments', 'search', 'catalog', 'identity', 'growth'];
const ENVS = ['prod', 'prod', 'staging', 'dev'];
const PREFIXES = ['orders', 'cart', 'sessions', 'catalog', 'ranking', 'feed', 'auth', 'rates'];

function pick<T>(items: readonly T[], roll: number): T {
  return items[Math.floor(roll * items.length) % items.length] as T;
}

/**
 * Give every eighth group a custom parameter group of its family with a few values set (by
 * index, not by a roll: the rest of the fleet stays as each seed made it).
 */
function withCustomParameterGroup(model: EmulatorState, group: GroupState): void {
  const name = `${group.id}-params`;
  const parameters = new Map([
    ['maxmemory-policy', 'allkeys-lru'],
    ['timeout', '300'],
  ]);
  if (group.clusterMode !== 'disabled') parameters.set('cluster-enabled', 'yes');
  const family = familyOf(group.engine, group.engineVersion);
  model.parameterGroups.set(name, {
    name,
    family,
    description: `${group.id} tuning`,
    parameters,
    isDefault: false,
  });
  group.parameterGroup = name;
}

/**
 * Add `groups` replication groups and `serverless` caches to the model, all `available`.
 *
 * @example
 * seedFleet(emulator.model, emulator.clock, { groups: 200, serverless: 20, seed: 7 });
 */
export function seedFleet(model: EmulatorState, clock: Clock, options: FleetOptions): void {
  const roll = random(options.seed ?? 42);
  const now = clock.now();
  for (let index = 0; index < options.groups; index += 1) {
    const [engine, engineVersion] = pick(ENGINES, roll());
    const clusterMode = roll() < 0.65 ? 'enabled' : 'disabled';
    const replicas = Math.floor(roll() * 3);
    const env = pick(ENVS, roll());
    const tls = roll() < 0.75;
    const nodeType = pick(NODE_TYPES, roll());
    const group: GroupState = {
      id: `${pick(PREFIXES, roll())}-${String(index).padStart(5, '0')}`,
      description: `${env} cache`,
      engine,
      engineVersion,
      status: 'available',
      clusterMode,
      shards: clusterMode === 'enabled' ? 1 + Math.floor(roll() * 3) : 1,
      replicas,
      multiAZ: replicas > 0 && roll() < 0.8,
      tls,
      atRestEncryptionEnabled: engine === 'valkey' ? roll() < 0.9 : roll() < 0.4,
      durability: 'default',
      effectiveDurability: 'disabled',
      encrypted: false,
      nodeType,
      dataTiering: false,
      createdAt: now - Math.floor(roll() * 400) * 86_400_000,
      legacyApi: roll() < 0.03,
      pending: {},
      tags: new Map([
        ['env', env],
        ['owner', pick(TEAMS, roll())],
      ]),
    };
    if (roll() < 0.25)
      group.kmsKeyId = `arn:aws:kms:${model.region}:${model.account}:key/${pick(['1234abcd-12ab-34cd-56ef-1234567890ab', 'ffffeeee-0000-4000-8000-000000000001'], roll())}`;
    if (roll() < 0.15) group.tags.set('data', 'sensitive');
    if (roll() < 0.03) group.tags.set('guardrails:exempt-until', roll() < 0.5 ? '2099-12-31' : '2020-01-31');
    const eligible =
      engine === 'valkey' &&
      Number(engineVersion) >= 9 &&
      clusterMode === 'enabled' &&
      group.multiAZ &&
      tls &&
      DURABLE_FAMILIES.includes(nodeType.split('.')[1] ?? '');
    if (eligible && roll() < 0.5) {
      group.durability = roll() < 0.5 ? 'sync' : 'async';
      group.effectiveDurability = group.durability as 'sync' | 'async';
    }
    group.encrypted =
      group.atRestEncryptionEnabled ||
      group.kmsKeyId !== undefined ||
      group.effectiveDurability !== 'disabled';
    if (index % 8 === 5) withCustomParameterGroup(model, group);
    model.putGroup(group);
  }
  for (let index = 0; index < (options.serverless ?? 0); index += 1) {
    const cache: ServerlessState = {
      name: `serverless-${String(index).padStart(4, '0')}`,
      description: 'serverless cache',
      engine: roll() < 0.8 ? 'valkey' : 'redis',
      majorEngineVersion: roll() < 0.5 ? '8' : '7',
      status: 'available',
      createdAt: now - Math.floor(roll() * 200) * 86_400_000,
      legacyApi: roll() < 0.03,
      tags: new Map([
        ['env', pick(ENVS, roll())],
        ['owner', pick(TEAMS, roll())],
      ]),
    };
    if (roll() < 0.3)
      cache.kmsKeyId = `arn:aws:kms:${model.region}:${model.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    model.putServerless(cache);
  }
}

/**
 * Online migration into a replication group: TestMigration, StartMigration and
 * CompleteMigration. The store keeps the control-plane state (`migrating`, events); the
 * MigrationBackend moves (or pretends to move) the data.
 */
import type { Endpoint } from './migration.js';
import { bool, list, required } from './params.js';
import type { Params } from './protocol.js';
import { QueryFault } from './protocol.js';
import { migrationProblems } from './rules.js';
import { groupAnswer } from './shapes.js';
import { DURATIONS, type EmulatorState, type GroupState, type Handler } from './state.js';

function endpointsOf(params: Params): Endpoint[] {
  const endpoints = list(params, 'CustomerNodeEndpointList').map((item, index) => {
    const name = `CustomerNodeEndpointList.member.${index + 1}`;
    if (typeof item !== 'object' || Array.isArray(item)) {
      throw new QueryFault('InvalidParameterValue', `${name} is malformed`);
    }
    const address = typeof item.Address === 'string' ? item.Address : '';
    const port = Number(item.Port);
    if (address === '') throw new QueryFault('MissingParameter', `${name}.Address is required`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new QueryFault('InvalidParameterValue', `${name}.Port must be 1-65535`);
    }
    return { address, port };
  });
  if (endpoints.length === 0)
    throw new QueryFault(
      'MissingParameter',
      'The request must contain the parameter CustomerNodeEndpointList',
    );
  return endpoints;
}

/** The target of TestMigration/StartMigration; a serverless cache is never one. */
function migrationTarget(store: EmulatorState, params: Params): GroupState {
  const id = required(params, 'ReplicationGroupId');
  if (!store.groups.has(id) && store.serverless.has(id)) {
    throw new QueryFault(
      'ReplicationGroupNotFoundFault',
      `ReplicationGroup ${id} not found: ${id} is a serverless cache, and online migration into serverless caches goes through a different path.`,
    );
  }
  return store.group(id);
}

/**
 * The customer endpoints, once the target meets the online-migration prerequisites of
 * "Preparing your source and target for migration"; each unmet one is named.
 */
function migrationEndpoints(group: GroupState, params: Params): Endpoint[] {
  const endpoints = endpointsOf(params);
  if (group.migration !== undefined) {
    throw new QueryFault(
      'ReplicationGroupAlreadyUnderMigrationFault',
      `Replication group ${group.id} is already under migration.`,
    );
  }
  const problems = migrationProblems(group);
  if (endpoints.length !== 1) {
    // "The list can only take one element for both cluster-mode disabled and cluster-mode enabled."
    problems.push(`exactly one customer endpoint is taken, got ${endpoints.length}`);
  }
  if (problems.length > 0) {
    throw new QueryFault(
      'InvalidParameterValue',
      `Replication group ${group.id} cannot be a migration target: ${problems.join('; ')}.`,
    );
  }
  return endpoints;
}

async function testMigration(store: EmulatorState, params: Params) {
  const group = migrationTarget(store, params);
  const endpoints = migrationEndpoints(group, params);
  store.available(group);
  const outcome = await store.migration.test(endpoints);
  store.later(DURATIONS.testMigration, () => {
    store.event(
      'replication-group',
      group.id,
      outcome.ok
        ? `Test Migration successful for ${group.id}`
        : `Test Migration failed for ${group.id}: ${outcome.message}`,
    );
  });
  return groupAnswer(store, group);
}

async function startMigration(store: EmulatorState, params: Params) {
  const group = migrationTarget(store, params);
  const endpoints = migrationEndpoints(group, params);
  store.available(group);
  group.status = 'migrating';
  group.migration = { endpoints, startedAt: store.clock.now() };
  try {
    await store.migration.start(group.id, endpoints);
  } catch (error) {
    group.status = 'available';
    group.migration = undefined;
    throw new QueryFault(
      'InvalidParameterValue',
      `Cannot replicate from the customer endpoints: ${(error as Error).message}`,
    );
  }
  store.event('replication-group', group.id, `Migration started for replication group ${group.id}`);
  return groupAnswer(store, group);
}

async function completeMigration(store: EmulatorState, params: Params) {
  const group = store.group(required(params, 'ReplicationGroupId'));
  const force = bool(params, 'Force') ?? false;
  if (group.migration === undefined) {
    throw new QueryFault(
      'ReplicationGroupNotUnderMigrationFault',
      `Replication group ${group.id} is not under migration.`,
    );
  }
  try {
    await store.migration.complete(group.id, force);
  } catch (error) {
    store.event(
      'replication-group',
      group.id,
      `Complete Migration failed for ${group.id}: ${(error as Error).message}`,
    );
    return groupAnswer(store, group);
  }
  store.later(DURATIONS.completeMigration, () => {
    group.migration = undefined;
    group.status = 'available';
    store.event(
      'replication-group',
      group.id,
      force
        ? `Migration stopped for ${group.id} without data sync (forced)`
        : `Complete Migration successful for ${group.id}`,
    );
  });
  return groupAnswer(store, group);
}

export const migrationActions: Record<string, Handler> = {
  TestMigration: testMigration,
  StartMigration: startMigration,
  CompleteMigration: completeMigration,
};

/**
 * Serverless caches: Create, Describe, Modify (the description), Delete.
 */
import { engineOf, int, page, required, tagsOf, text } from './params.js';
import type { Params } from './protocol.js';
import { QueryFault } from './protocol.js';
import { serverlessShape } from './shapes.js';
import { DURATIONS, type EmulatorState, type Handler, type ServerlessState } from './state.js';

function cacheOf(store: EmulatorState, name: string): ServerlessState {
  const cache = store.serverless.get(name);
  if (cache === undefined)
    throw new QueryFault('ServerlessCacheNotFoundFault', `Serverless cache ${name} not found.`);
  return cache;
}

function describeServerlessCaches(store: EmulatorState, params: Params) {
  const size = int(params, 'MaxResults', 1, 100) ?? 50;
  const name = text(params, 'ServerlessCacheName');
  if (name !== undefined) return { ServerlessCaches: [serverlessShape(store, cacheOf(store, name))] };
  const result = page(
    store.sortedIds('serverless'),
    (key) => serverlessShape(store, cacheOf(store, key)),
    text(params, 'NextToken'),
    size,
    'NextToken',
  );
  return { ServerlessCaches: result.items, NextToken: result.marker };
}

function createServerlessCache(store: EmulatorState, params: Params) {
  const name = required(params, 'ServerlessCacheName');
  const engine = engineOf(required(params, 'Engine'));
  if (store.serverless.has(name))
    throw new QueryFault('ServerlessCacheAlreadyExistsFault', `Serverless cache ${name} already exists.`);
  const cache: ServerlessState = {
    name,
    description: text(params, 'Description') ?? '',
    engine,
    majorEngineVersion: text(params, 'MajorEngineVersion') ?? (engine === 'valkey' ? '8' : '7'),
    status: 'creating',
    kmsKeyId: text(params, 'KmsKeyId'),
    createdAt: store.clock.now(),
    legacyApi: false,
    tags: new Map(tagsOf(params)),
  };
  store.putServerless(cache);
  store.later(DURATIONS.create, () => {
    cache.status = 'available';
    store.event('serverless-cache', name, `Serverless cache ${name} created`);
  });
  return { ServerlessCache: serverlessShape(store, cache) };
}

function modifyServerlessCache(store: EmulatorState, params: Params) {
  const cache = cacheOf(store, required(params, 'ServerlessCacheName'));
  if (cache.status !== 'available') {
    throw new QueryFault(
      'InvalidServerlessCacheStateFault',
      `Serverless cache ${cache.name} is ${cache.status}.`,
    );
  }
  const description = text(params, 'Description');
  if (description !== undefined) cache.description = description;
  return { ServerlessCache: serverlessShape(store, cache) };
}

function deleteServerlessCache(store: EmulatorState, params: Params) {
  const cache = cacheOf(store, required(params, 'ServerlessCacheName'));
  if (cache.status !== 'available') {
    throw new QueryFault(
      'InvalidServerlessCacheStateFault',
      `Serverless cache ${cache.name} must be available to be deleted, is ${cache.status}.`,
    );
  }
  cache.status = 'deleting';
  store.later(DURATIONS.delete, () => {
    store.serverless.delete(cache.name);
    store.changed('serverless');
    store.event('serverless-cache', cache.name, `Serverless cache ${cache.name} deleted`);
  });
  return { ServerlessCache: serverlessShape(store, cache) };
}

export const serverlessActions: Record<string, Handler> = {
  DescribeServerlessCaches: describeServerlessCaches,
  CreateServerlessCache: createServerlessCache,
  ModifyServerlessCache: modifyServerlessCache,
  DeleteServerlessCache: deleteServerlessCache,
};

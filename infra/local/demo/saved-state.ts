/**
 * The sandbox as each chapter of `npm start` left it, saved under .sandbox/ so that
 * `npm start -- --after N …` (replay.ts) loads chapter N's state into a fresh sandbox instead of
 * telling chapters 1..N again: the emulator's resources (groups, serverless caches, snapshots,
 * events, parameter groups, tags, metrics), its frozen clock and every item of the state table.
 * What is saved is data only (node:v8 structured clone): transitions due later are not, which
 * the frozen clock never reaches (the ones already due are applied before saving). A command that
 * lets emulator time pass needs them; the resources with a change in flight are named, so such a
 * command gets the chapters told again instead (loadState's `settled`).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DynamoDBClient,
  paginateScan,
} from '@aws-sdk/client-dynamodb';
import { STATE_TABLE } from '../dynamo.js';
import type { SavedSeries } from '../emulator/metric-series.js';
import { CAPTURE_DIR, type DemoSandbox, REGION } from './sandbox.js';

/** Bumped when what is saved changes shape: an older file is then ignored (the chapters are told again). */
const FORMAT = 2;
const DIR = join(CAPTURE_DIR, 'chapters');
const fileOf = (chapter: number) => join(DIR, `after-${chapter}.v8`);

/** DynamoDB's BatchWriteItem limit. */
const BATCH = 25;

interface SavedState {
  format: number;
  now: number;
  /** Resources with a change in flight (not available, or waiting for their maintenance window). */
  inFlight: string[];
  groups: [string, unknown][];
  serverless: [string, unknown][];
  snapshots: [string, unknown][];
  events: unknown[];
  maintenanceAt: [string, number][];
  memberTags: [string, Map<string, string>][];
  parameterGroups: [string, unknown][];
  legacyDurabilityRule: boolean;
  metrics: SavedSeries;
  items: Record<string, AttributeValue>[];
}

function tableClient(sandbox: DemoSandbox): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: sandbox.dynamo.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
}

/**
 * Removes every saved chapter state: a demo run starts with none, so no file outlives its run.
 *
 * @example
 * forgetSavedStates();
 */
export function forgetSavedStates(): void {
  rmSync(DIR, { recursive: true, force: true });
}

/**
 * Saves the sandbox as chapter `chapter` left it.
 *
 * @example
 * await saveState(sandbox, 2);
 */
export async function saveState(sandbox: DemoSandbox, chapter: number): Promise<void> {
  const { model, sinks, clock } = sandbox.emulator;
  model.tick();
  const client = tableClient(sandbox);
  const items: Record<string, AttributeValue>[] = [];
  try {
    for await (const page of paginateScan({ client }, { TableName: STATE_TABLE }))
      items.push(...(page.Items ?? []));
  } finally {
    client.destroy();
  }
  const busy = (resources: Iterable<[string, { status: string }]>) =>
    [...resources].filter(([, resource]) => resource.status !== 'available').map(([id]) => id);
  const state: SavedState = {
    format: FORMAT,
    now: clock.now(),
    inFlight: [
      ...busy(model.groups),
      ...busy(model.serverless),
      ...busy(model.snapshots),
      ...model.maintenanceAt.keys(),
    ],
    groups: [...model.groups],
    serverless: [...model.serverless],
    snapshots: [...model.snapshots],
    events: [...model.events],
    maintenanceAt: [...model.maintenanceAt],
    memberTags: [...model.memberTags],
    parameterGroups: [...model.parameterGroups],
    legacyDurabilityRule: model.legacyDurabilityRule,
    metrics: sinks.metrics.saved(),
    items,
  };
  mkdirSync(DIR, { recursive: true });
  writeFileSync(fileOf(chapter), serialize(state));
}

/** Replaces a map's entries with `entries`. */
function refill<K, V>(map: Map<K, V>, entries: [K, V][]): void {
  map.clear();
  for (const [key, value] of entries) map.set(key, value);
}

/**
 * Loads the state chapter `chapter` left into a sandbox just started; false (nothing changed)
 * when none was saved, or by an older version of the demo, or (`settled`: for a command that
 * lets emulator time pass) when the chapter left a change in flight, whose completion is not saved.
 *
 * @example
 * if (!(await loadState(sandbox, 4, { settled: false }))) await tellChaptersQuietly(sandbox, 4);
 */
export async function loadState(
  sandbox: DemoSandbox,
  chapter: number,
  options: { settled: boolean },
): Promise<boolean> {
  if (!existsSync(fileOf(chapter))) return false;
  const state = deserialize(readFileSync(fileOf(chapter))) as SavedState;
  if (state.format !== FORMAT || (options.settled && state.inFlight.length > 0)) return false;
  const { model, sinks, clock } = sandbox.emulator;
  clock.freeze(state.now);
  refill(model.groups, state.groups as [string, never][]);
  refill(model.serverless, state.serverless as [string, never][]);
  refill(model.snapshots, state.snapshots as [string, never][]);
  model.events.splice(0, model.events.length, ...(state.events as never[]));
  refill(model.maintenanceAt, state.maintenanceAt);
  refill(model.memberTags, state.memberTags);
  refill(model.parameterGroups, state.parameterGroups as [string, never][]);
  model.legacyDurabilityRule = state.legacyDurabilityRule;
  for (const kind of ['groups', 'serverless', 'snapshots'] as const) model.changed(kind);
  sinks.metrics.restore(state.metrics);
  const client = tableClient(sandbox);
  try {
    for (let from = 0; from < state.items.length; from += BATCH) {
      let requests = state.items.slice(from, from + BATCH).map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const written = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [STATE_TABLE]: requests } }),
        );
        requests = (written.UnprocessedItems?.[STATE_TABLE] ?? []).map((request) => ({
          PutRequest: { Item: request.PutRequest?.Item ?? {} },
        }));
      }
    }
  } finally {
    client.destroy();
  }
  return true;
}

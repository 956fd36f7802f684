/**
 * The migration state machine run locally: the ASL file from infra/, each Task mapped to the
 * same `runMigrationTask` dispatch the deployed `migration-*` functions use, and every Wait
 * advancing the emulator's clock instead of sleeping.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  MIGRATION_FUNCTIONS,
  type MigrationDeps,
  type MigrationFunction,
  migrationTaskSchema,
  runMigrationTask,
} from '../../shared/jobs/migration/index.js';
import {
  type LocalRunOptions,
  type LocalRunResult,
  type LocalTask,
  loadDefinition,
  runLocalStateMachine,
} from './step-functions.js';

/** The one ASL file the deployment and the local runs share. */
export const MIGRATION_ASL = new URL('../migration.asl.yaml', import.meta.url);

/** Local handlers for every `migration-*` function, bound to `deps`. */
export function migrationTasks(deps: MigrationDeps): Record<MigrationFunction, LocalTask> {
  return Object.fromEntries(
    (Object.keys(MIGRATION_FUNCTIONS) as MigrationFunction[]).map((fn) => [
      fn,
      async (event: unknown) => runMigrationTask(fn, deps, migrationTaskSchema.parse(event)) as never,
    ]),
  ) as unknown as Record<MigrationFunction, LocalTask>;
}

export interface LocalMigrationOptions
  extends Pick<LocalRunOptions, 'onTaskToken' | 'maxTransitions' | 'executionName'> {
  /** The sandbox's clock (in process, or through its control endpoint): each Wait moves it on. */
  clock: { advance(ms: number): void | Promise<void> };
  /**
   * Real milliseconds each Wait also lasts (default 0): where real data moves (redis-server),
   * the emulator's clock jumps but replication needs a little real time between looks.
   */
  realMsPerWait?: number;
  /** Replace the handler of some functions (to inject a failure or act between steps). */
  wrap?: Partial<Record<MigrationFunction, (task: LocalTask) => LocalTask>>;
}

/**
 * Run one migration execution against the sandbox; throws ExecutionFailedError when it fails.
 *
 * @example
 * const run = await runMigrationLocally(deps, { replicationGroupId: 'orders', customerEndpoints }, { clock });
 */
export function runMigrationLocally(
  deps: MigrationDeps,
  input: object,
  options: LocalMigrationOptions,
): Promise<LocalRunResult> {
  const tasks = migrationTasks(deps);
  for (const [fn, wrap] of Object.entries(options.wrap ?? {})) {
    const name = fn as MigrationFunction;
    tasks[name] = wrap(tasks[name]);
  }
  return runLocalStateMachine(loadDefinition(MIGRATION_ASL), input as never, {
    tasks,
    onWait: async (seconds) => {
      await options.clock.advance(seconds * 1000);
      if ((options.realMsPerWait ?? 0) > 0) await sleep(options.realMsPerWait);
    },
    onTaskToken: options.onTaskToken,
    maxTransitions: options.maxTransitions ?? 2000,
    executionName: options.executionName,
  });
}

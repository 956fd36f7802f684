/**
 * The workflows' inputs against the 25 000 history events of an execution: input validation
 * refuses what could pass it (shared/domain/execution-history.ts's event model), and the local
 * runner, which counts with the same model, agrees on the real ASL file: the longest input
 * validation accepts stays under the quota when every loop runs to its last look.
 */
import { describe, expect, it } from 'vitest';
import { MIGRATION_ASL } from '../../../infra/local/migration-workflow.js';
import { type LocalTask, loadDefinition, runLocalStateMachine } from '../../../infra/local/step-functions.js';
import { parseUpgradeInput, upgradeHistoryEvents } from '../../../shared/domain/durability/upgrade.js';
import { EXECUTION_QUOTAS } from '../../../shared/domain/execution-history.js';
import {
  DEFAULT_POLLING,
  migrationHistoryEvents,
  POLL_LOOPS,
  type PollLoop,
  parseMigrationInput,
} from '../../../shared/domain/migration/input.js';
import { firstPoll, nextPoll, type PollSchedule } from '../../../shared/domain/workflow/index.js';

const QUOTA = EXECUTION_QUOTAS.historyEvents;
const everyLoop = (maxAttempts: number) =>
  Object.fromEntries(
    POLL_LOOPS.map((loop) => [loop, { firstWaitSeconds: 1, maxWaitSeconds: 1, maxAttempts }]),
  ) as Record<PollLoop, PollSchedule>;
const migration = (polling: object) => ({
  replicationGroupId: 'orders',
  customerEndpoints: [{ address: '10.0.0.5', port: 6379 }],
  polling,
});

describe('Function: parseMigrationInput (history events)', () => {
  it('fits the default schedules well under the quota', () => {
    expect(migrationHistoryEvents(parseMigrationInput(migration({})).polling)).toBeLessThan(QUOTA / 5);
  });

  it('refuses schedules whose looks could pass 25 000 events, naming the field and the bound', () => {
    // Prepare: 1-second waits fit the 13 days of waiting, 3 loops of 1 000 looks do not fit the history.
    const quick = { firstWaitSeconds: 1, maxWaitSeconds: 1, maxAttempts: 1000 };
    const raw = migration({ snapshot: quick, test: quick, sync: quick });

    // Act / Assess
    expect(() => parseMigrationInput(raw)).toThrow(
      /polling\.\*\.maxAttempts: the looks could write \d+ history events, more than the 25000 .*polling\.snapshot\.maxAttempts is 1000/,
    );
    expect(() => parseMigrationInput(migration({ sync: quick }))).not.toThrow();
  });
});

describe('Function: parseUpgradeInput (history events)', () => {
  it('fits the default schedules under the quota', () => {
    const { polling } = parseUpgradeInput({ replicationGroupId: 'orders', target: 'sync' });
    // 11 steps at most (a parameter-group copy before each of the two steps that use one, and more shards).
    expect(upgradeHistoryEvents(polling)).toBeLessThan(QUOTA / 3);
  });

  it('refuses step schedules whose looks could pass 25 000 events, naming the field and the bound', () => {
    const raw = {
      replicationGroupId: 'orders',
      target: 'sync',
      polling: { step: { firstWaitSeconds: 1, maxWaitSeconds: 1, maxAttempts: 300 } },
    };
    expect(() => parseUpgradeInput(raw)).toThrow(
      /polling\.step\.maxAttempts, polling\.snapshot\.maxAttempts: the looks of 11 steps could write \d+ history events, more than the 25000/,
    );
  });
});

/** Stand-ins for the migration functions: every loop answers done on its last look (durability never). */
function lastLookTasks(): Record<string, LocalTask> {
  type State = Record<string, { attempt: number } & Record<string, unknown>> & {
    input: { polling: Record<PollLoop, PollSchedule> };
  };
  const look = (previous: { attempt: number }, schedule: PollSchedule) =>
    nextPoll(previous, schedule, previous.attempt + 1 === schedule.maxAttempts);
  const run = (answer: (action: string, state: State) => unknown): LocalTask =>
    (async (event: unknown) => {
      const { action, state } = event as { action: string; state: State };
      return answer(action, state);
    }) as LocalTask;
  return {
    'migration-preflight': run((action, state) =>
      action === 'validate' ? { input: parseMigrationInput(state) } : {},
    ),
    'migration-snapshot': run((action, { input, snapshot }) =>
      action === 'create'
        ? firstPoll(input.polling.snapshot)
        : look(snapshot as never, input.polling.snapshot),
    ),
    'migration-control': run((action, state) => {
      const { polling } = state.input;
      if (action === 'test') return firstPoll(polling.test);
      if (action === 'test-status') return look(state.test as never, polling.test);
      if (action === 'start') return { sync: firstPoll(polling.sync) };
      if (action === 'complete') return firstPoll(polling.complete);
      if (action === 'complete-status') return look(state.complete as never, polling.complete);
      return {};
    }),
    'migration-sync': run((_, state) => look(state.migration?.sync as never, state.input.polling.sync)),
    'migration-approval': run(() => ({})),
    'migration-durability': run((_, state) =>
      nextPoll(state.durability ?? { attempt: -1 }, state.input.polling.durability, false),
    ),
    'migration-finish': run((action) => ({ status: action })),
  };
}

describe('Function: runLocalStateMachine (infra/migration.asl.yaml, the longest input)', () => {
  it('stays under 25 000 events and under the bound input validation computed', async () => {
    // Prepare: the most looks every loop may have while input validation accepts them.
    let most = 1;
    while (migrationHistoryEvents(everyLoop(most + 1)) <= QUOTA) most += 1;
    const raw = { ...migration(everyLoop(most)), requireApproval: true };
    const bound = migrationHistoryEvents(parseMigrationInput(raw).polling);

    // Act
    const run = await runLocalStateMachine(loadDefinition(MIGRATION_ASL), raw as never, {
      tasks: lastLookTasks(),
      onTaskToken: async () => ({ approved: true }) as never,
      maxTransitions: 1_000_000,
    });

    // Assess: the longest success path runs every loop but the abort's.
    expect(run.output).toMatchObject({ status: 'succeeded' });
    expect(run.historyEvents).toBeLessThanOrEqual(bound);
    expect(bound).toBeLessThanOrEqual(QUOTA);
    expect(bound - run.historyEvents).toBeLessThan(most * 9 + 50);
    expect(migrationHistoryEvents(DEFAULT_POLLING)).toBeLessThan(run.historyEvents);
  });
});

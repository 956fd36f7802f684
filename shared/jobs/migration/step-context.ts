/**
 * What a migration step is given (StepContext on the migration's state), the lock it sends its
 * requests under, and the events it sends.
 */
import { DETAIL_TYPES } from '../../aws/notify.js';
import { MIGRATION_ERRORS } from '../../domain/workflow/index.js';
import { LEGACY_LOCK, type LockRef } from '../workflow/lock.js';
import { type WorkflowEvent, workflowEvent } from '../workflow/notify.js';
import type { StepContext } from '../workflow/task.js';
import { MigrationError, type MigrationState } from './state.js';

/** A migration step's context: its function's deps and the execution state, parsed. */
export type MigrationContext<Deps> = StepContext<Deps, MigrationState>;

/** The group's lock as the preflight took it: every change of the migration is sent under it. */
export function migrationLock({ execution, state }: MigrationContext<unknown>): LockRef {
  const token = state.preflight?.lockToken;
  if (token === undefined)
    throw new MigrationError(
      MIGRATION_ERRORS.lockLost,
      `nothing sent for ${state.input.replicationGroupId}: no lock token in the execution's state (the preflight did not run, or ran before locks carried a token: ${LEGACY_LOCK})`,
    );
  return { groupId: state.input.replicationGroupId, execution, token };
}

/** A `Migration Step` event of this execution (each step sends its event once per execution). */
export function stepEvent(
  context: MigrationContext<unknown>,
  step: string,
  detail: object = {},
): WorkflowEvent {
  const about = { replicationGroupId: context.state.input.replicationGroupId, execution: context.execution };
  return workflowEvent(DETAIL_TYPES.migrationStep, context.execution, step, { ...about, step, ...detail });
}
